"""One C-suite function's page (/dashboards/function?code=CFO), reached from the functions page:
its commitments with status, reason, evidence links, due date and last update (each leading to
the commitment's page where the user may open it), its own metrics quarter by quarter against
their targets, and the leaders whose plans the rules rate on the function."""
import re
from typing import Optional

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import current_app
from flask_login import current_user

from dashboards import components, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures.functions import NOT_SHOWN, by_quarter_table, metrics_figure, n_words, rating_words
from dashboards.queries import common
from dashboards.queries import functions as queries
from dashboards.queries.functions import STATUS_WORDS
from dashboards.urlstate import QueryParam, UrlState
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.scores import format_value
from scorecard.text import counted, days_ago

dash.register_page(__name__, path="/function", name="C-suite function", title="C-suite function · CX Scorecard",
                   nav=False)

CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")


def function_code(value) -> Optional[str]:
    """A C-suite function's code (letters, digits, - or _; at most 16), upper-cased; None: none chosen."""
    if value is None:
        return None
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise ValueError("a function code is at most 16 letters, digits, - or _, such as CFO")
    return value.upper()


url = UrlState("/function", [QueryParam("code", "function-code", function_code,
                                         offered=lambda: [row.code.upper() for row in functions_now().rows])])
url.register()


def functions_now() -> queries.Functions:
    config = current_app.config
    return queries.functions_for(db.session, common.Scope.of(current_user), agency_today(),
                                 stale_days=config.get("REMIND_STALE_DAYS", 30), min_n=config["SURVEY_MIN_N"])


def chosen(found: queries.Functions, code: Optional[str]) -> Optional[queries.FunctionSummary]:
    return None if code is None else next((row for row in found.rows if row.code.upper() == code), None)


def heading(row: Optional[queries.FunctionSummary]) -> tuple[str, str]:
    """The page's title and the sentence under it. The callback changes their texts, never the elements:
    the h1 replaced after the page had focused it left the keyboard's focus on the page's body."""
    if row is None:
        return ("C-suite function",
                "Choose a function to see its commitments, its own metrics and the leaders rated on them.")
    return (f"{row.code}: {row.name}", f"The {row.code}'s CX commitments, its own metrics against their targets, and "
                                       "the CX rating the rules propose for the leaders whose plans name the function.")


def layout(**query):
    values = url.read(query)
    found = functions_now()
    options = [{"label": f"{row.code}, {row.name}", "value": row.code} for row in found.rows]
    return html.Div([
        components.page_heading(*heading(chosen(found, function_code(values["code"]))), title_id="function-title",
                                lede_id="function-lede", names_tab=True),
        url.location(query),
        html.P(html.A("All C-suite functions", href=links.dashboard("functions"), className="usa-link")),
        html.Div([components.filter_control("function-code", "Function", options, values["code"])],
                 className="dash-filters", role="group", **{"aria-label": "Filters"}),
        # kept while the body is drawn again: a live region put in its place is not read out on a filter's change
        html.P(id="function-summary", className="dash-lede", role="status"),
        components.loading(html.Div(id="function-body"), "function-body"),
    ])


# ----------------------------------------------------------------------------- the tables

def commitments_table(row: queries.FunctionSummary) -> tables.Table:
    """The function's commitments as the page lists them (and the downloads write them)."""
    lines = []
    for c in row.commitments:
        updated = "never"
        if c.last_update is not None:
            updated = f"{c.last_update.isoformat()} ({days_ago(c.days_since_update)})"
        lines.append({"title": c.title, "href": c.href, "status": c.status_word,
                      **tables.due_cells(c.due_date, c.overdue_days), "updated": updated,
                      "reason": (c.reason or "") if c.shown else NOT_SHOWN,
                      "evidence": (" ".join(c.evidence_links) or "none") if c.shown else NOT_SHOWN,
                      "links": c.evidence_links, "shown": c.shown, "leader": c.leader or ""})
    return tables.Table(
        caption=f"The {row.code}'s commitments: status, due date, last update, reason and evidence",
        columns=[tables.Column("title", "Commitment", link="href", row_header=True),
                 tables.Column("status", "Status"), *tables.DUE_COLUMNS,
                 tables.Column("updated", "Last update"), tables.Column("reason", "Reason"),
                 tables.Column("evidence", "Evidence links"), tables.Column("leader", "Leader")],
        rows=lines, empty=f"The {row.code} has no commitments yet.", name=f"function-{row.code}-commitments")


EVIDENCE_SHOWN = 3  # evidence links the table shows: every one is on the commitment's page and in downloads
LINK_SHOWN = 100  # characters of an evidence link's address the table shows (the link leads to the whole)


def _evidence(links_: list[str], href=None):
    """Evidence links as links where they are web addresses, else as text: the first few, each address cut
    to its first characters (20 links of 2,000 characters made one row 46,000 px tall, its commitment's
    title half way down), saying how many more there are, with a link to the commitment's page."""
    if not links_:
        return "none"
    items = []
    for link in links_[:EVIDENCE_SHOWN]:
        shown = link if len(link) <= LINK_SHOWN else link[:LINK_SHOWN] + "…"
        web = link.lower().startswith(("https://", "http://"))
        items.append(html.Li(html.A(shown, href=link, className="usa-link", rel="noopener noreferrer") if web
                             else shown))
    more = len(links_) - EVIDENCE_SHOWN
    if more > 0:
        words = f"{more} more {'link' if more == 1 else 'links'}"
        items.append(html.Li(html.A(f"({words} on the commitment's page)", href=href, className="usa-link")))
    return html.Ul(items, className="usa-list usa-list--unstyled")


WORDS = ("reason", "evidence")  # columns of what an officer wrote: broken where they must (dashboards.css)
REASON_SHOWN = 400  # characters of a reason the table shows: the whole one is on the commitment's page and in downloads


def _reason(text: str, href) -> object:
    """A reason as the table shows it: a long one (an 8,220-character reason made the page 5,860 px tall, the
    other commitments far below) cut, saying how long it is, with a link to the commitment's page."""
    if len(text) <= REASON_SHOWN:
        return text
    whole = f"the whole reason, {len(text):,} characters"
    return [text[:REASON_SHOWN].rstrip() + "… ", html.A(f"({whole})", href=href, className="usa-link")]


def commitments_html(table: tables.Table) -> html.Div:
    """The commitments table with every evidence link a link (tables.to_html links one per cell)."""
    head = html.Thead(html.Tr([html.Th(c.header, scope="col") for c in table.columns]))
    body = []
    for line in table.rows:
        cells = []
        for column in table.columns:
            text = column.text(line.get(column.key))
            if column.key == "evidence" and line["shown"]:
                content = _evidence(line["links"], line.get("href"))
            elif column.key == "reason":
                content = html.Span(_reason(text, line.get("href")), className="dash-lines")
            elif column.link and line.get(column.link):
                content = html.A(text, href=line[column.link], className="usa-link")
            else:
                content = text
            words = column.key in WORDS  # what its officer wrote, a word of any length among it
            cells.append(html.Th(content, scope="row", style={"minWidth": "14rem"}) if column.row_header
                         else html.Td(content, className="dash-words") if words else html.Td(content))
        body.append(html.Tr(cells))
    if not body:
        body = [html.Tr(html.Td(table.empty, colSpan=len(table.columns)))]
    return html.Div(html.Table([html.Caption(table.caption), head, html.Tbody(body)],
                               className="usa-table usa-table--striped usa-table--compact dash-table"),
                    className="usa-table-container--scrollable dash-table-wrap", tabIndex="0", role="region",
                    **{"aria-label": table.caption})


def metrics_table(row: queries.FunctionSummary) -> tables.Table:
    """The function's metrics quarter by quarter (the points of the chart)."""
    return by_quarter_table(
        row.metrics, label="Metric",
        caption=f"The {row.code}'s own metrics by quarter: value, respondents (n, where the measure has them), target "
                "and status",
        empty=f"The {row.code} reports no metrics of its own.", name=f"function-{row.code}-metrics")


def leaders_table(row: queries.FunctionSummary, fiscal_year: Optional[int]) -> tables.Table:
    lines = []
    for r in row.leaders:
        who = f"{r.leader}, {r.title}" if r.title else r.leader
        lines.append({"leader": who + (" (head)" if r.is_head else ""), "href": r.plan_href,
                      "requirement": r.requirement, "rating": rating_words(r.proposed, r.shown), "why": r.why_href})
    plans = f"FY{fiscal_year} plans" if fiscal_year is not None else "plans"  # none made yet: not "FYNone plans"
    return tables.Table(
        caption=f"Leaders whose {plans} name the {row.code} in a CX requirement, and the rating the rules propose",
        columns=[
            tables.Column("leader", "Leader (plan)", link="href", row_header=True),
            tables.Column("requirement", "Requirement"),
            tables.Column("rating", "Proposed rating (why)", link="why")],
        rows=lines, empty=(f"No FY{fiscal_year} plan names the {row.code} in a CX requirement."
                           if fiscal_year is not None else common.NO_PLANS),
        name=f"function-{row.code}-leaders")


# ----------------------------------------------------------------------------- the body

def tiles(row: queries.FunctionSummary) -> html.Div:
    counts = [html.Li([html.Span(STATUS_WORDS[status]), html.Span(f"{n:,}", className="dash-count")])
              for status, n in row.counts.items() if n]
    found = [components.tile("Commitments by status", [
        html.Ul(counts, className="dash-counts") if counts else html.P("None yet.", className="dash-empty"),
    ], tile_id="function-commitments-tile", footer=f"{row.overdue:,} overdue; {row.stale:,} open and not updated in "
                                                   f"{row.stale_days} days.")]
    metric_items = []
    for m in row.metrics:
        latest = m.latest
        target = f"target {format_value(latest.target, m.unit)}" if latest.target is not None else "no target set"
        value = format_value(latest.value, m.unit)
        metric_items.append(html.Li([html.Strong(m.name), html.Br(), f"{latest.period}: {value} ({target}; "
                                     f"{n_words(latest.n, m.survey)}) ", components.status_badge(latest.status)]))
    found.append(components.tile("Own metrics, latest quarter", html.Ul(metric_items, className="usa-list")
                                 if metric_items else html.P("The function reports no metrics of its own.",
                                                             className="dash-empty"),
                                 tile_id="function-metrics-tile"))
    head = row.head
    if head is None:
        body = html.P("No plan names the function in a CX requirement.", className="dash-empty")
    else:
        who = html.A(head.leader, href=head.plan_href, className="usa-link") if head.plan_href else head.leader
        rating = rating_words(head.proposed, head.shown)
        body = [html.P(str(head.proposed) if head.proposed is not None else "—", className="dash-tile__big"),
                html.P([who, f", {head.title}" if head.title else "", f", FY{head.fiscal_year}: ",
                        html.A(rating, href=head.why_href, className="usa-link") if head.why_href else rating],
                       className="dash-tile__sub")]
    found.append(components.tile("Head's proposed CX rating", body, tile_id="function-head-tile"))
    return html.Div(found, className="dash-tiles")


def summary(found: queries.Functions, row: Optional[queries.FunctionSummary], code: Optional[str]) -> str:
    """The function's commitments in a sentence, read out when the function chosen changes."""
    if row is None:
        return "" if code is None else f"No C-suite function has the code {code}."
    return (f"{counted(row.total, 'commitment')}, {row.open:,} open, {row.overdue:,} overdue, {row.stale:,} not "
            f"updated in {row.stale_days} days, as of {found.today.isoformat()}.")


def body(found: queries.Functions, row: Optional[queries.FunctionSummary]) -> list:
    if row is None:
        return [components.link_list([(f"{r.code}, {r.name}", links.function(r.code)) for r in found.rows],
                                     empty="No C-suite function is set up yet.")]
    return [
        tiles(row),
        html.Section([
            html.H2("Commitments", id="function-commitments-heading"),
            components.table_panel("function-commitments", summary="The commitments as a table, with downloads",
                                   open=True, children=commitments_html(commitments_table(row))),
        ], className="dash-section", **{"aria-labelledby": "function-commitments-heading"}),
        html.Section([
            html.H2("Own metrics against their targets", id="function-metrics-heading"),
            *([components.chart(dcc.Graph(id="function-metrics-graph", figure=metrics_figure(row.metrics, row.code),
                                          config=components.GRAPH_CONFIG, className="dash-graph"),
                                "the function's own metrics against their targets", by_quarter=True),
               components.table_panel("function-metrics-table", summary="Show the metrics as a table, with downloads",
                                      children=components.data_table(metrics_table(row)))] if row.metrics else
              [html.P(f"The {row.code} reports no metrics of its own.", className="dash-empty")]),
        ], className="dash-section", **{"aria-labelledby": "function-metrics-heading"}),
        html.Section([
            html.H2("Leaders rated on the function", id="function-leaders-heading"),
            components.table_panel("function-leaders-table", summary="The leaders as a table, with downloads",
                                   open=True, children=components.data_table(leaders_table(row, found.fiscal_year))),
        ], className="dash-section", **{"aria-labelledby": "function-leaders-heading"}),
    ]


@callback(Output("function-title", "children"), Output("function-lede", "children"),
          Output("function-body", "children"), Output("function-summary", "children"), Input("function-code", "value"))
@validation.validated
@cached_answer
def update_function(code):
    found = functions_now()
    row = chosen(found, code)
    return *heading(row), body(found, row), summary(found, row, code)


def _table_of(build):
    def table(code):
        found = functions_now()
        row = chosen(found, code)
        if row is None:
            raise validation.CallbackInputError(f"function-code.value: no C-suite function has the code {code}")
        return build(row)
    return table


components.register_downloads("function-commitments", _table_of(commitments_table), [State("function-code", "value")])
components.register_downloads("function-metrics-table", _table_of(metrics_table), [State("function-code", "value")])
components.register_downloads("function-leaders-table",
                              _table_of(lambda row: leaders_table(row, functions_now().fiscal_year)),
                              [State("function-code", "value")])
