"""A-11 reporting compliance (`/dashboards/compliance`): programs × quarters, each cell reported,
late, reported without counts, below minimum sample or not reported (a word and a shape), with
each quarter's count of the designated programs that reported. The table is the primary view; the
chart of the quarters' counts and the list of exceptions (with when each was committed) follow."""
from typing import Optional

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import current_app

from dashboards import components, filters, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures.compliance import compliance_figure
from dashboards.queries import common
from dashboards.queries import compliance as queries
from dashboards.urlstate import QueryParam, UrlState
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.text import counted

dash.register_page(__name__, path="/compliance", name="A-11 compliance",
                   title="A-11 reporting compliance · CX Scorecard", order=6)

SORTS = {"worst": "Worst first", "name": "Agency, component and program"}


# An agency of 50 components was one grid of 500 programs: a component narrows it, as on the heatmap
agency_components = filters.ComponentsOfTheAgency("compliance", filters.agency_components)
url = UrlState("/compliance", [
    filters.period("compliance-through", "through"),
    QueryParam("quarters", "compliance-quarters", validation.choice(*queries.QUARTER_CHOICES, default="8"),
               default="8", omit="8"),
    filters.agency("compliance-agency"),
    filters.component("compliance-component"),
    QueryParam("sort", "compliance-sort", validation.choice(*SORTS, default="worst"), default="worst", omit="worst"),
], reconcile=agency_components.reconcile)
url.register()
agency_components.register()
FILTERS = [State(p.control, "value") for p in url.params]

DEFINITIONS = [
    (queries.REPORTED, "the quarter's A-11 survey results arrived on time, with answer counts and at least the "
                       "minimum sample of respondents."),
    (queries.LATE, f"the first import batch bringing the quarter's results was committed more than "
                   f"{queries.DUE_DAYS} days after the quarter ended (results entered without an import batch, or "
                   "brought in from performance.gov's published files, have no known date of reporting and are "
                   "never called late)."),
    (queries.WITHOUT_COUNTS, "questions were published, but with no answer counts or respondents to score (from "
                             "FY2024-Q2 a trust value typed without its answers counts no one)."),
    (queries.BELOW_MINIMUM, "fewer respondents than the minimum sample (the trust question's, the one question both "
                            "A-11 surveys ask; in a quarter with no trust respondents, the largest number of any "
                            "question's): insufficient data, not a failure to report."),
    (queries.NOT_REPORTED, "no A-11 survey result for the quarter, and its results were due."),
    (queries.NOT_YET_DUE, f"no result yet, and none is due: the quarter is under way or ended less than "
                          f"{queries.DUE_DAYS} days ago."),
    (queries.NOT_DESIGNATED, "not yet expected to report (see designation below)."),
]


def layout(**query):
    values = url.read(query)
    session = db.session
    agencies = components.choices(common.agencies(session), "All agencies")
    return html.Div([
        components.page_heading(
            "A-11 reporting compliance",
            lede="Which programs reported their A-11 customer survey results for each quarter, on time and with "
                 f"enough answers. Results are due {queries.DUE_DAYS} days after the quarter ends. Each status is "
                 "worked out from the results imported, not taken from performance.gov's own compliance flag."),
        url.location(query),
        html.Div([
            components.filter_control("compliance-through", "Through quarter", common.periods_with_data(session),
                                      values["through"]),
            components.filter_control("compliance-quarters", "Quarters shown",
                                      [{"label": v, "value": k} for k, v in queries.QUARTER_CHOICES.items()],
                                      values["quarters"], searchable=False),
            components.filter_control("compliance-agency", "Agency", agencies, values["agency"]),
            components.filter_control("compliance-component", "Component", agency_components.options(values["agency"]),
                                      values["component"]),
            components.filter_control("compliance-sort", "Order", [{"label": v, "value": k} for k, v in SORTS.items()],
                                      values["sort"], searchable=False),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.Details([
            html.Summary("What each status means, and who is designated", className="dash-details__summary"),
            html.Dl([item for status, text in DEFINITIONS
                     for item in (html.Dt(components.status_badge(status)), html.Dd(text))]),
            html.P([html.Strong("Designated: "),
                    "a program from its first quarter with A-11 survey results onward — once it reports, it is "
                    "held to reporting every quarter (the data hold no designation date; a program's first report "
                    "is the best sign of when it began) — and a program of a High-Impact Service Provider (HISP) "
                    "that has never reported, in every quarter shown: A-11 Section 280 requires HISPs' services to "
                    "report quarterly. A quarter's count is of the programs designated in it."]),
        ], className="dash-details", open=False),
        html.P(id="compliance-summary", className="dash-lede", role="status"),
        html.Section([
            html.H2("Programs × quarters", id="compliance-grid-heading"),
            components.loading(components.table_panel(
                "compliance-grid", open=True, summary="Reporting status of each program in each quarter (table, "
                                                      "with downloads)"), "compliance-grid"),
        ], className="dash-section compliance-grid", **{"aria-labelledby": "compliance-grid-heading"}),
        html.Section([
            html.H2("Reported of designated, per quarter", id="compliance-quarters-heading"),
            components.chart(dcc.Loading(dcc.Graph(id="compliance-graph", config=components.GRAPH_CONFIG), type="dot"),
                             "programs reported of those designated, per quarter", by_quarter=True),
            components.table_panel("compliance-quarters-table",
                                   summary="Show each quarter's counts as a table, with downloads"),
        ], className="dash-section", **{"aria-labelledby": "compliance-quarters-heading"}),
        html.Section([
            html.H2("Exceptions", id="compliance-exceptions-heading"),
            html.P("Every designated program and quarter that was not simply reported, with the respondents and "
                   "when its first import batch was committed.", className="dash-tile__sub"),
            components.table_panel("compliance-exceptions", summary="Show the exceptions as a table, with downloads"),
        ], className="dash-section", **{"aria-labelledby": "compliance-exceptions-heading"}),
    ])


def compliance_for(through, quarters, agency_id, component_id, sort) -> queries.Compliance:
    found = queries.compliance(db.session, through, queries.quarters_value(quarters),
                               common.ProgramFilter(agency_id, component_id),
                               min_n=current_app.config["SURVEY_MIN_N"], today=agency_today())
    if sort != "name":
        order = [queries.NOT_REPORTED, queries.LATE, queries.WITHOUT_COUNTS, queries.BELOW_MINIMUM]
        rows = sorted(found.rows, key=lambda r: tuple(-r.count(s) for s in order))  # stable: name order within
        found = queries.Compliance(found.periods, rows, found.quarters, found.min_n)
    return found


def grid_table(found: queries.Compliance) -> tables.Table:
    rows = []
    last = found.periods[-1] if found.periods else None  # a program opens on the grid's last quarter
    for row in found.rows:
        item = {"program": row.program, "href": links.program(row.program_id, last), "component": row.component,
                "agency": row.agency,
                "hisp": "yes" if row.hisp else "no", "first": row.first_period or "none"}
        item.update({cell.period: cell.status for cell in row.cells})
        rows.append(item)
    span = f"{found.periods[0]} to {found.periods[-1]}" if found.periods else "no quarter with data"
    return tables.Table(
        caption=f"A-11 reporting status by program and quarter, {span}",
        columns=[tables.Column("program", "Program", link="href", row_header=True),
                 *[tables.Column(period, period, tables.STATUS) for period in found.periods],
                 tables.Column("component", "Component"), tables.Column("agency", "Agency"),
                 tables.Column("hisp", "HISP"), tables.Column("first", "First quarter with results")],
        rows=rows, name=f"a11-compliance-{found.periods[-1] if found.periods else 'none'}",
        empty="No program is designated in these quarters for these filters.")


def quarters_table(found: queries.Compliance) -> tables.Table:
    # Each status is a column of its own, "reported" among them: the count reported in any way is "any".
    rows = [{"period": q.period, "due": q.due, "designated": q.designated, "any": q.reported,
             "share": None if q.share is None else 100 * q.share,
             **{status: q.counts[status] for status in queries.STATUSES}} for q in found.quarters]
    return tables.Table(
        caption="Designated programs per quarter: how many reported, and how many stand at each status",
        columns=[tables.Column("period", "Quarter", row_header=True), tables.Column("due", "Due", tables.DATE),
                 tables.Column("designated", "Designated", tables.COUNT),
                 tables.Column("any", "Reported (any)", tables.COUNT),
                 tables.Column("share", "Reported (%)", tables.NUMBER, decimals=0),
                 *[tables.Column(s, queries.WORDS[s].capitalize(), tables.COUNT) for s in queries.STATUSES]],
        rows=rows, name=f"a11-compliance-quarters-{found.periods[-1] if found.periods else 'none'}")


def exceptions_table(found: queries.Compliance) -> tables.Table:
    rows = []
    for row in found.rows:
        for cell in row.cells:
            if cell.status in (queries.REPORTED, queries.NOT_DESIGNATED):
                continue
            rows.append({"program": row.program, "href": links.program(row.program_id, cell.period),
                         "component": row.component, "period": cell.period, "status": cell.status,
                         "n": cell.respondents, "timing": cell.timing or f"due {cell.due:%Y-%m-%d}",
                         "counts": "" if cell.status in (queries.NOT_REPORTED, queries.NOT_YET_DUE) else
                         ("with counts" if cell.with_counts else "without counts")})
    return tables.Table(
        caption="Exceptions: each designated program and quarter not simply reported, with its respondents (n) and "
                "when it was committed",
        columns=[tables.Column("program", "Program", link="href", row_header=True),
                 tables.Column("component", "Component"), tables.Column("period", "Quarter"),
                 tables.Column("status", "Status", tables.STATUS), tables.Column("n", "Respondents (n)", tables.COUNT),
                 tables.Column("counts", "Answer counts"), tables.Column("timing", "Committed")],
        rows=rows, name=f"a11-compliance-exceptions-{found.periods[-1] if found.periods else 'none'}",
        empty="None: every designated program reported on time with enough answers.")


def summary(found: queries.Compliance, asked: Optional[int] = None, sort: str = "worst") -> str:
    """The latest quarter's reporting, and what the grid shows in the order chosen: said when the quarters shown or
    the order change too (a status region whose words stayed the same announced nothing, WCAG 4.1.3)."""
    if not found.quarters:
        return "No quarter has survey results yet."
    last = found.quarters[-1]
    order = "worst first" if sort == "worst" else "by agency, component and program"
    shown = (f" The grid shows {counted(len(found.quarters), 'quarter')}, {found.quarters[0].period} to {last.period}, "
             f"{order}.")
    fewer = (f" Shown: {len(found.quarters):,} of the {asked:,} quarters asked for; there are no survey results before "
             f"{found.quarters[0].period}." if asked is not None and len(found.quarters) < asked else "")
    fewer = shown + fewer
    if not last.designated:
        return f"No program is designated in {last.period} for these filters.{fewer}"
    awaited = (f" {last.awaited:,} not yet due: the results are due {last.due:%d %B %Y}." if last.awaited
               else "")
    # "reported" is also the legend's word for on time with enough answers: the count reported in any way
    # is split into those, so the two never read as one number
    return (f"{last.period}: {last.reported:,} of {counted(last.designated, 'designated program')} reported "
            f"({last.share:.0%}){' so far' if last.awaited else ''}: {last.counts[queries.REPORTED]:,} on time "
            f"with enough answers, {last.counts[queries.LATE]:,} late, {last.counts[queries.WITHOUT_COUNTS]:,} without "
            f"counts, {last.counts[queries.BELOW_MINIMUM]:,} below the minimum sample of {found.min_n}; "
            f"{last.counts[queries.NOT_REPORTED]:,} not reported.{awaited}{fewer}")


@callback(Output("compliance-grid", "children"), Output("compliance-graph", "figure"),
          Output("compliance-quarters-table", "children"), Output("compliance-exceptions", "children"),
          Output("compliance-summary", "children"),
          *[Input(p.control, "value") for p in url.params])
@validation.validated
@cached_answer
def update_compliance(through, quarters, agency_id, component_id, sort):
    found = compliance_for(through, quarters, agency_id, component_id, sort)
    return (components.data_table(grid_table(found)), compliance_figure(found),
            components.data_table(quarters_table(found)), components.data_table(exceptions_table(found)),
            summary(found, queries.quarters_value(quarters), sort))


components.register_downloads("compliance-grid", lambda *values: grid_table(compliance_for(*values)), FILTERS)
components.register_downloads("compliance-quarters-table", lambda *values: quarters_table(compliance_for(*values)),
                              FILTERS)
components.register_downloads("compliance-exceptions", lambda *values: exceptions_table(compliance_for(*values)),
                              FILTERS)
