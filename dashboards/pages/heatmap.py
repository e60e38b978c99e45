"""Heatmap page: programs × A-11 drivers for a quarter, each cell's status against its target in
words, worst programs first; filters for quarter, agency, component and life experience (in the
URL); a program's row leads to its drill-down, and the table's trust statuses to their rule findings
(a trust cell's status is the one the overview gives: queries.heatmap.driver_heatmap)."""
import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from flask import current_app

from dashboards import components, figures, filters, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.queries import common
from dashboards.queries import heatmap as queries
from dashboards.urlstate import QueryParam, UrlState
from scorecard.a11 import driver_name, driver_names
from scorecard.extensions import db

dash.register_page(__name__, path="/heatmap", name="Heatmap", title="Heatmap · CX Scorecard", order=1)


agency_components = filters.ComponentsOfTheAgency("heatmap", filters.agency_components)


url = UrlState("/heatmap", [
    filters.period("heatmap-period"),
    filters.agency("heatmap-agency"),
    filters.component("heatmap-component"),
    filters.life_experience("heatmap-life-experience"),
    QueryParam("sort", "heatmap-sort", validation.choice(*queries.SORTS, default="worst"), default="worst",
               omit="worst"),
], reconcile=agency_components.reconcile)
url.register()
agency_components.register()
FILTERS = [State(p.control, "value") for p in url.params]


def layout(**query):
    values = url.read(query)
    session = db.session
    component_options = agency_components.options(values["agency"])
    return html.Div([
        components.page_heading(
            "Programs × A-11 drivers",
            lede="Each cell is the program's pooled survey score (1-5) for the quarter, with its status against the "
                 "program's target written beside it: red, amber or green. Fewer respondents than the minimum sample "
                 "read \"insufficient data\", never red. From FY2024-Q2 (A-11's v2 survey) a trust cell also gives "
                 "the share who trust; the score it is judged on counts a thumbs up as 5 and a thumbs down as 1. "
                 "Select a program to open its page; the table gives the rule finding behind each trust status."),
        url.location(query),
        html.Div([
            components.filter_control("heatmap-period", "Quarter", common.periods_with_data(session), values["period"]),
            components.filter_control("heatmap-agency", "Agency",
                                      components.choices(common.agencies(session), "All agencies"),
                                      values["agency"]),
            components.filter_control("heatmap-component", "Component", component_options, values["component"]),
            components.filter_control("heatmap-life-experience", "Life experience",
                                      components.choices(common.life_experiences(session), "All life experiences"),
                                      values["life_experience"]),
            components.filter_control("heatmap-sort", "Order",
                                      [{"label": v, "value": k} for k, v in queries.SORTS.items()], values["sort"],
                                      searchable=False),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.P(id="heatmap-summary", className="dash-lede", role="status"),
        # On a phone the columns keep the width their score and status word need (the chart scrolls sideways):
        # squeezed, the words ran together and only the colour was left.
        components.chart(dcc.Loading(dcc.Graph(id="heatmap-graph", config=components.GRAPH_CONFIG), type="dot"),
                         "programs by A-11 driver, status as words", id="heatmap-chart"),
        components.table_panel("heatmap-table", summary="Show the heatmap as a table, with downloads", lazy=True),
        html.Div(id="heatmap-open", hidden=True),
    ])


def _filter(agency_id, component_id, life_experience_id) -> common.ProgramFilter:
    return common.ProgramFilter(agency_id, component_id, life_experience_id)


def heatmap_for(period, agency_id, component_id, life_experience_id, sort) -> queries.Heatmap:
    return queries.driver_heatmap(db.session, period, _filter(agency_id, component_id, life_experience_id), sort,
                                  min_n=current_app.config["SURVEY_MIN_N"])


def heatmap_table(heat: queries.Heatmap) -> tables.Table:
    """The heatmap's cells, one row per program and driver, in the chart's order."""
    rows = []
    for row in heat.rows:
        href = links.program(row.program_id, heat.period)
        for driver, cell in zip(heat.drivers, row.cells):
            rows.append({"program": row.program, "href": href, "component": row.component,
                         "driver": driver_name(driver), "value": cell.value, "share": cell.share,
                         "n": cell.n, "target": cell.target, "status": cell.status,
                         "why": tables.finding_words(cell.finding_id),
                         "why_href": links.finding(cell.finding_id) if cell.finding_id else None,
                         "question": cell.question, "source": cell.source})
    share = [tables.Column("share", "Share who trust (%)", tables.NUMBER, decimals=1)] if heat.shares else []
    # A quarter the rules concluded nothing in: its column is empty, and the caption says why (as the briefing does)
    unexplained = heat.rows and not any(cell.finding_id for row in heat.rows for cell in row.cells)
    finding = (f"the rule finding behind it (no rule finding of {heat.period} explains a status: each trust status "
               "is the score against its target)" if unexplained else "the rule finding behind it")
    return tables.Table(
        caption=f"A-11 drivers by program, {heat.period or 'no quarter with data'}: score, "
                + ("for trust the share who trust, " if heat.shares else "")
                + f"respondents (n), target, status, {finding}, the question as asked and the import batch",
        columns=[tables.Column("program", "Program", link="href", row_header=True),
                 tables.Column("component", "Component"), tables.Column("driver", "Driver"),
                 tables.Column("value", "Score (1-5)", tables.NUMBER, decimals=None), *share,
                 tables.Column("n", "n", tables.COUNT),
                 tables.Column("target", "Target", tables.NUMBER), tables.Column("status", "Status", tables.STATUS),
                 tables.Column("why", "Rule finding", link="why_href"), tables.Column("question", "Question as asked"),
                 tables.Column("source", "Import batch")],
        rows=rows, name=f"heatmap-{heat.period or 'none'}")


def summary(heat: queries.Heatmap, sort: str = "worst") -> str:
    """What the chart shows, in the order chosen: said when the order changes too (a status region whose words
    stayed the same announced nothing, WCAG 4.1.3)."""
    if not heat.rows:
        return f"No program has survey scores for {heat.period or 'any quarter'} with these filters."
    red = sum(1 for row in heat.rows if row.count("red"))
    amber = sum(1 for row in heat.rows if not row.count("red") and row.count("amber"))
    programs = "program" if len(heat.rows) == 1 else "programs"
    order = "worst first" if sort == "worst" else "by component and program name"
    said = (f"{len(heat.rows)} {programs} in {heat.period}, {order}: {red} with at least one driver red, "
            f"{amber} more with a driver amber.")
    if heat.not_asked:
        said += f" No program reported {driver_names(heat.not_asked)} on the 1-5 scale this quarter."
    if len(heat.rows) > figures.HEATMAP_ROWS:
        said += (f" The chart draws the first {figures.HEATMAP_ROWS} in the order chosen; the table below holds "
                 f"all {len(heat.rows):,}. Choose an agency, component or life experience to chart fewer.")
    return said + components.still_reported(heat.period)


@callback(Output("heatmap-graph", "figure"), Output("heatmap-summary", "children"), Output("heatmap-chart", "hidden"),
          *[Input(p.control, "value") for p in url.params])
@validation.validated
@cached_answer
def update_heatmap(period, agency_id, component_id, life_experience_id, sort):
    heat = heatmap_for(period, agency_id, component_id, life_experience_id, sort)
    said = summary(heat, sort)
    if not heat.rows and heat.period:  # the filters' programs have results in another quarter: one click away
        newest = common.newest_period(db.session, _filter(agency_id, component_id, life_experience_id))
        said = [said, *components.newest_results(heat.period, newest, links.dashboard(
            "heatmap", period=newest, agency=agency_id, component=component_id,
            life_experience=life_experience_id, sort=None if sort == "worst" else sort))]
    # no rows: the summary says so and where results are; an empty chart beside it said it twice
    return figures.heatmap_figure(heat), said, not heat.rows


def _table(*values) -> tables.Table:
    return heatmap_table(heatmap_for(*values))


# 500 programs × 7 drivers are 3,500 rows: drawn when the table is opened, not on every filter change.
components.register_lazy_table("heatmap-table", _table, FILTERS)


components.register_downloads("heatmap-table", _table, FILTERS)

# A selected cell opens its program's page (in the browser: no request to the server).
clientside_callback(
    dash.ClientsideFunction(namespace="scorecard", function_name="openProgram"),
    Output("heatmap-open", "children"),
    Input("heatmap-graph", "clickData"),
    prevent_initial_call=True,
)
