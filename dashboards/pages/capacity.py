"""Capacity: components × the five A-11 capacity domains for a fiscal year (in the URL; default the
newest with assessments), each self-assessed score with its change from the year before and the
rules' evidence score beside it (leading to its why-page), and each domain's action-plan
commitments with their status and, past their due date, how long overdue. Each component leads
to its assessment (the Flask capacity page)."""

import dash
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from dashboards import components, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures.capacity import capacity_figure
from dashboards.queries import capacity as queries
from dashboards.queries import common
from dashboards.urlstate import QueryParam, UrlState
from scorecard.capacity.services import score_text
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.text import counted

dash.register_page(__name__, path="/capacity", name="Capacity", title="Capacity · CX Scorecard", order=6)


def _opening():
    year = queries.opening_year(db.session)
    return None if year is None else str(year)


url = UrlState("/capacity", [QueryParam("year", "capacity-year", validation.fiscal_year, default=_opening,
                                         offered=lambda: queries.assessment_years(db.session))])
url.register()
FILTERS = [State(p.control, "value") for p in url.params]


def layout(**query):
    values = url.read(query)
    years = [{"label": f"FY{y}", "value": str(y)} for y in queries.assessment_years(db.session)]
    return html.Div([
        components.page_heading(
            "CX capacity by component",
            lede="Each component's A-11 capacity self-assessment for a fiscal year, domain by domain, with the change "
                 "from the year before and the evidence score the rules work out from the data (for Measurement: the "
                 "share of the component's programs reporting every quarter with enough respondents), and each "
                 "domain's action-plan commitments. Each component in the tables below opens its assessment."),
        url.location(query),
        html.Div([components.filter_control("capacity-year", "Fiscal year", years, values["year"], searchable=False)],
                 className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.P(id="capacity-summary", className="dash-lede", role="status"),
        components.chart(dcc.Loading(dcc.Graph(id="capacity-graph", config=components.GRAPH_CONFIG,
                                               className="dash-graph"), type="dot"), "capacity domain scores"),
        components.table_panel("capacity-table", summary="Show the domain scores as a table, with downloads"),
        html.Section([
            html.H2("Components", id="capacity-components-heading"),
            components.table_panel("capacity-components", summary="The components as a table, with downloads",
                                   open=True),
        ], className="dash-section", **{"aria-labelledby": "capacity-components-heading"}),
        html.Section([
            html.H2("Action plans", id="capacity-actions-heading"),
            html.P("Commitments linked to a capacity domain and to the component (or one of its programs), as they "
                   "stand today, whichever fiscal year is chosen: a commitment is not kept year by year.",
                   className="dash-tile__sub"),
            components.table_panel("capacity-actions", summary="The action-plan commitments as a table, with downloads",
                                   open=True),
        ], className="dash-section", **{"aria-labelledby": "capacity-actions-heading"}),
    ])


def capacity_for(year) -> queries.Capacity:
    return queries.capacity_for(db.session, common.Scope.of(current_user), agency_today(), year)


# ----------------------------------------------------------------------------- tables

def scores_table(found: queries.Capacity) -> tables.Table:
    """The chart's cells: one row per component and domain."""
    rows = []
    for row in found.rows:
        for cell in row.cells:
            previous = None if cell.previous is None else score_text(cell.previous)
            rows.append({"component": row.label, "href": row.href, "status": row.status, "domain": cell.domain,
                         "score": cell.score_words, "previous": previous, "change": cell.change_words,
                         "evidence": cell.evidence_words if cell.finding_id else None, "period": cell.evidence_period,
                         "why": tables.finding_words(cell.finding_id),
                         "why_href": links.finding(cell.finding_id) if cell.finding_id else None,
                         "explanation": cell.evidence_explanation or "", "actions": cell.action_words})
    this, before = _years(found)
    return tables.Table(
        caption=f"Capacity self-assessment scores by component and domain, {_year_of(found)}, with the score of "
                "the year before, the change, the rules' evidence score and the action plan",
        columns=[tables.Column("component", "Component", link="href", row_header=True),
                 tables.Column("status", "Assessment"), tables.Column("domain", "Domain"),
                 tables.Column("score", f"{this} score"),
                 tables.Column("previous", f"{before} score"),
                 tables.Column("change", "Change"),
                 tables.Column("evidence", "Rules' evidence score"),
                 tables.Column("period", "Evidence quarter"), tables.Column("why", "Why", link="why_href"),
                 tables.Column("explanation", "The rules' explanation (with its n)"),
                 tables.Column("actions", "Action-plan commitments")],
        rows=rows, empty="No capacity assessment for this fiscal year.",
        name=tables.year_named("capacity", found.fiscal_year))


def _years(found: queries.Capacity) -> tuple[str, str]:
    """The year shown and the one before, as the tables' columns name them ("FY2026", "FY2025"); before any
    assessment, in words (they read "FYNone" and "FY0")."""
    if found.fiscal_year is None:
        return "This year's", "Previous year's"
    return f"FY{found.fiscal_year}", f"FY{found.fiscal_year - 1}"


def _year_of(found: queries.Capacity) -> str:
    return f"FY{found.fiscal_year}" if found.fiscal_year is not None else "no capacity assessment yet"


def _assessed_in(found: queries.Capacity) -> str:
    return (f"of the components assessed in FY{found.fiscal_year}" if found.fiscal_year is not None
            else "(no capacity assessment yet)")


def components_table(found: queries.Capacity) -> tables.Table:
    this = _years(found)[0]
    rows = [{"component": row.component, "href": row.href, "agency": row.agency, "status": row.status,
             "total": row.total_words,
             "change": row.total_change_words} for row in found.rows]
    return tables.Table(
        caption=f"Components' capacity assessments, {_year_of(found)}: status, total and the change from the year "
                "before",
        columns=[tables.Column("component", "Component (assessment)", link="href", row_header=True),
                 tables.Column("agency", "Agency"), tables.Column("status", "Assessment"),
                 tables.Column("total", f"{this} total"), tables.Column("change", "Change in the total")],
        rows=rows, empty="No capacity assessment for this fiscal year.",
        name=tables.year_named("capacity-components", found.fiscal_year))


def actions_table(found: queries.Capacity) -> tables.Table:
    rows = [{"title": item.title, "href": item.href, "domain": cell.domain, "component": row.label,
             "component_href": row.href, "function": item.function, "status": item.status_word,
             **tables.due_cells(item.due_date, item.overdue_days)}
            for row in found.rows for cell in row.cells for item in cell.actions]
    rows.sort(key=lambda r: (queries.DOMAINS.index(r["domain"]), r["component"], r["title"]))
    return tables.Table(
        caption=f"Action-plan commitments by capacity domain {_assessed_in(found)}, as they stand today: function, "
                "status and due date",
        columns=[tables.Column("title", "Commitment", link="href", row_header=True),
                 tables.Column("domain", "Domain"), tables.Column("component", "Component", link="component_href"),
                 tables.Column("function", "Function"), tables.Column("status", "Status"), *tables.DUE_COLUMNS],
        rows=rows, empty="No commitment is linked to a capacity domain of these components.",
        name=tables.year_named("capacity-actions", found.fiscal_year))


def summary(found: queries.Capacity) -> str:
    if found.fiscal_year is None:
        return "No capacity assessment yet."
    unassessed = (f" {counted(found.unassessed, 'more HISP component')} {'has' if found.unassessed == 1 else 'have'} "
                  f"no assessment for FY{found.fiscal_year} or FY{found.fiscal_year - 1}." if found.unassessed else "")
    if not found.rows:
        return f"No capacity assessment for FY{found.fiscal_year} or FY{found.fiscal_year - 1}."
    statuses: dict[str, int] = {}
    for row in found.rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    actions = len({a.commitment_id for row in found.rows for cell in row.cells for a in cell.actions})  # each once
    return (f"FY{found.fiscal_year}: {counted(len(found.rows), 'component')} ("
            + ", ".join(f"{n} {word}" for word, n in sorted(statuses.items()))
            + f"); {counted(actions, 'action-plan commitment')}." + unassessed + _drafting(found))


def _drafting(found: queries.Capacity) -> str:
    """The years after the one shown that the page does not open on (it opens on the newest year that has
    begun with a submitted assessment): those of drafts only, and those not begun with assessments submitted
    early, so a newer year is never passed over without a word."""
    shown = found.fiscal_year or 0
    drafts = [f"FY{y}" for y in sorted(found.drafting) if y > shown]
    early = {f"FY{y}": n for y, n in sorted(found.early.items()) if y > shown}
    said = ""
    if drafts:
        said += (f" {' and '.join(drafts)} {'is' if len(drafts) == 1 else 'are'} being drafted (no component has "
                 f"submitted {'it' if len(drafts) == 1 else 'them'} yet)")
    if early:
        each = [f"{year} ({counted(n, 'component')} submitted early)" for year, n in early.items()]
        said += f"{';' if said else ''} {' and '.join(each)} {'has' if len(each) == 1 else 'have'} not begun"
    if not said:
        return ""
    years = [*drafts, *early]
    return said + (f": choose {years[0]} above to see {'the drafts' if drafts else 'its assessments'}."
                   if len(years) == 1 else ": choose one above to see its assessments.")


@callback(Output("capacity-graph", "figure"), Output("capacity-table", "children"),
          Output("capacity-components", "children"), Output("capacity-actions", "children"),
          Output("capacity-summary", "children"), Input("capacity-year", "value"))
@validation.validated
@cached_answer
def update_capacity(year):
    found = capacity_for(year)
    return (capacity_figure(found), components.data_table(scores_table(found)),
            components.data_table(components_table(found)), components.data_table(actions_table(found)),
            summary(found))


components.register_downloads("capacity-table", lambda year: scores_table(capacity_for(year)), FILTERS)
components.register_downloads("capacity-components", lambda year: components_table(capacity_for(year)), FILTERS)
components.register_downloads("capacity-actions", lambda year: actions_table(capacity_for(year)), FILTERS)
