"""Life experiences (`/dashboards/life-experiences`): programs across agencies rolled up per life
experience for one quarter (in the URL) — each A-11 measure pooled over the programs' answers with
its n and 95% interval, how many programs stand at each status, and every program with its status
and trust, leading to its page."""
import dash
from dash import Input, Output, State, callback, dcc, html
from flask import current_app

from dashboards import components, filters, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures import life_experiences as charts
from dashboards.figures.program import fmt
from dashboards.queries import common
from dashboards.queries import life_experience_rollup as queries
from dashboards.queries.program import MEAN, TRUST
from dashboards.urlstate import UrlState
from scorecard.a11 import asked_in_v2
from scorecard.extensions import db
from scorecard.scoring import beside_target
from scorecard.text import counted

dash.register_page(__name__, path="/life-experiences", name="Life experiences",
                   title="Life experiences · CX Scorecard", order=5)


url = UrlState("/life-experiences", [
    filters.period("life-period"),
    filters.agency("life-agency"),
])
url.register()
FILTERS = [State(p.control, "value") for p in url.params]


def layout(**query):
    values = url.read(query)
    session = db.session
    agencies = components.choices(common.agencies(session), "All agencies")
    return html.Div([
        components.page_heading(
            "Life experiences",
            lede="Programs of every agency that serve one life experience, rolled up: each A-11 measure is pooled "
                 "over the programs' answers in the quarter (so a program with more respondents weighs more), with "
                 "its respondents (n) and 95% interval. Before FY2024-Q2 a score is the mean on 1-5; from FY2024-Q2 "
                 "(the A-11 v2 survey) trust is the share who trust. Statuses are each program's own, against its "
                 "target."),
        url.location(query),
        html.Div([
            components.filter_control("life-period", "Quarter", common.periods_with_data(session), values["period"]),
            components.filter_control("life-agency", "Agency", agencies, values["agency"]),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.P(id="life-summary", className="dash-lede", role="status"),
        components.chart(dcc.Loading(dcc.Graph(id="life-graph", config=components.GRAPH_CONFIG), type="dot"),
                         "life experiences by measure"),
        components.table_panel("life-measures-table",
                               summary="Show every pooled measure by life experience as a table, with downloads"),
        components.loading(html.Div(id="life-body", className="dash-wrap-cells"), "life-body"),
        html.Div(components.table_panel(
            "life-programs-table", summary="Show every program of every life experience as one table, with downloads"),
            className="dash-wrap-cells"),
    ])


def rollup_for(period, agency_id) -> queries.Rollup:
    return queries.life_experience_rollup(db.session, period, agency_id, min_n=current_app.config["SURVEY_MIN_N"])


def measures_table(rollup: queries.Rollup) -> tables.Table:
    rows = []
    standard = "A-11 v2 question" if rollup.period and asked_in_v2(rollup.period) else "standard A-11 statement"
    for experience in rollup.experiences:
        for m in experience.measures:
            rows.append({"experience": experience.name, "measure": m.label,
                         "mean": m.value if m.unit == MEAN else None, "share": None if m.unit == MEAN else m.value,
                         "n": m.n, "interval": "" if m.ci_low is None else
                         f"{fmt(m.ci_low, m.unit)} to {fmt(m.ci_high, m.unit)}", "programs": m.programs,
                         "wording": standard if not m.non_standard else
                         f"non-standard wording in {m.non_standard} of {counted(m.programs, 'program')}"})
    return tables.Table(
        caption=f"A-11 measures pooled by life experience, {rollup.period or 'no quarter with data'}: mean on 1-5 "
                "or share, respondents (n), 95% interval and the programs pooled",
        columns=[tables.Column("experience", "Life experience", row_header=True), tables.Column("measure", "Measure"),
                 tables.Column("mean", "Mean (1-5)", tables.NUMBER),
                 tables.Column("share", "Share (%)", tables.NUMBER, decimals=1), tables.Column("n", "n", tables.COUNT),
                 tables.Column("interval", "95% interval"), tables.Column("programs", "Programs pooled", tables.COUNT),
                 tables.Column("wording", "Question wording")],
        rows=rows, name=f"life-experiences-{rollup.period or 'none'}",
        empty="No life experience has programs with answers in this quarter.")


def _trust_columns(unit: str) -> list:
    """Its trust as the page gives it, and (v2) the score the status is judged on beside its target: a share
    who trust of 90% read amber beside 78% green, with nothing to say the status reads the 1-5 mean."""
    judged = [] if unit == MEAN else [tables.Column("judged", "Trust (mean 1-5, judged against the target)",
                                                    tables.NUMBER, decimals=None)]
    return [tables.Column("trust", "Trust (mean 1-5)" if unit == MEAN else "Share who trust (%)", tables.NUMBER,
                          decimals=2 if unit == MEAN else 1), *judged, tables.Column("n", "n", tables.COUNT),
            tables.Column("target", "Target", tables.NUMBER)]


def programs_table(rollup: queries.Rollup, experiences=None, *, name: str = "") -> tables.Table:
    unit = MEAN if rollup.era == "v1" else "share"
    rows = []
    for experience in experiences if experiences is not None else rollup.experiences:
        for p in experience.programs:
            rows.append({"experience": experience.name, "program": p.name, "href": p.href, "agency": p.agency,
                         "component": p.component, "status": p.status, "trust": p.trust, "n": p.trust_n,
                         "judged": None if p.judged is None else beside_target(p.judged, p.target), "target": p.target,
                         "why": tables.finding_words(p.finding_id),
                         "why_href": links.finding(p.finding_id) if p.finding_id else None,
                         "question": p.question, "source": p.source})
    single = experiences is not None and len(experiences) == 1
    columns = [tables.Column("program", "Program", link="href", row_header=True),
               tables.Column("agency", "Agency"), tables.Column("component", "Component"),
               tables.Column("status", "Status", tables.STATUS), *_trust_columns(unit),
               tables.Column("why", "Rule finding", link="why_href"),
               tables.Column("question", "Trust question as asked"), tables.Column("source", "Import batch")]
    if not single:
        columns.insert(0, tables.Column("experience", "Life experience"))
        columns[1].row_header, columns[0].row_header = True, False
    title = experiences[0].name if single else "Every life experience"
    judged = "" if unit == MEAN else ", the 1-5 mean the status is judged on"
    return tables.Table(caption=f"{title}: programs, {rollup.period}: status, trust{judged}, respondents (n), the "
                                "target, the rule finding behind the status, the trust question as asked and its "
                                "import batch",
                        columns=columns, rows=rows, name=name or f"life-experience-programs-{rollup.period or 'none'}")


def pooled_value(m: queries.Pooled) -> html.Span:
    """A pooled measure with its n and 95% interval, in its unit (a mean, or a share in %)."""
    parts = [html.Span(fmt(m.value, m.unit), className="with-n__value")]
    if m.n is not None:
        parts.append(html.Span(f"n = {m.n:,}", className="with-n__n"))
    if m.ci_low is not None:
        parts.append(html.Span(f"95% CI {fmt(m.ci_low, m.unit)} to {fmt(m.ci_high, m.unit)}", className="with-n__ci"))
    return html.Span(parts, className="with-n")


def _box(title: str, body, footer: str = "") -> html.Div:
    """A tile drawn like components.tile, without being a landmark: every life experience has the
    same two, and landmarks must have names of their own."""
    children = [html.H3(title, className="dash-tile__title"), html.Div(body, className="dash-tile__body")]
    if footer:
        children.append(html.Div(footer, className="dash-tile__footer"))
    return html.Div(children, className="dash-tile")


def experience_section(experience: queries.Experience, rollup: queries.Rollup, agency_id) -> html.Section:
    heading_id = f"life-{experience.id}-heading"
    counts = [html.Li([components.status_badge(status), html.Span(f"{n:,}", className="dash-count")])
              for status, n in experience.statuses.items() if n]
    measures = [html.Li([html.Span(m.label, className="text-bold"), pooled_value(m)])
                for m in experience.measures if not m.spec.polarity]
    heatmap = links.dashboard("heatmap", period=rollup.period, life_experience=experience.id,
                              agency=agency_id)
    return html.Section([
        html.H2(experience.name, id=heading_id),
        html.P([f"{counted(len(experience.programs), 'program')} in "
                f"{counted(experience.agencies, 'agency', 'agencies')}. ",
                # the link names its life experience (five "See them on the heatmap" read alike out of context)
                html.A(["See them on the heatmap", html.Span(f": {experience.name}", className="usa-sr-only")],
                       href=heatmap, className="usa-link"), "."],
               className="dash-tile__sub"),
        html.Div([
            _box("Programs by status", html.Ul(counts, className="dash-counts", **{
                "aria-label": f"{experience.name}: programs by status, {rollup.period}"})),
            _box("Pooled over the programs' answers", html.Ul(measures, className="dash-counts") if measures
                 else html.P("No answers in this quarter.", className="dash-empty"),
                 "Means on 1-5 with n and 95% CI." if rollup.era == "v1" else
                 "Share who trust (%) with n and 95% interval; the aspects are in the table above."),
        ], className="dash-tiles"),
        components.data_table(programs_table(rollup, [experience], name=f"life-{experience.id}")),
    ], className="dash-section", **{"aria-labelledby": heading_id})


def summary(rollup: queries.Rollup) -> str:
    if rollup.period is None:
        return "No quarter has survey data yet."
    if not rollup.experiences:
        return (f"No program tagged with a life experience for these filters in {rollup.period}. A program's life "
                "experiences come from the Org structure import (its life_experiences column): performance.gov's "
                "files name none.")
    programs = len({p.program_id for e in rollup.experiences for p in e.programs})  # a program may serve several
    trust = [e for e in rollup.experiences if (m := e.measure(TRUST)) is not None and m.value is not None]
    # "; 5 with trust answers" after a count of life experiences and one of programs said not which
    experiences = len(rollup.experiences)
    if experiences == 1:
        having = "it has trust answers" if trust else "it has no trust answers"
    else:
        having = (f"{'all' if len(trust) == experiences else f'{len(trust)} of the'} {experiences} life experiences "
                  "with trust answers")
    return (f"{counted(experiences, 'life experience')}, {counted(programs, 'program')}, in {rollup.period}; "
            f"{having}.{components.still_reported(rollup.period)}")


@callback(Output("life-graph", "figure"), Output("life-measures-table", "children"), Output("life-body", "children"),
          Output("life-programs-table", "children"), Output("life-summary", "children"),
          Input("life-period", "value"), Input("life-agency", "value"))
@validation.validated
@cached_answer
def update_life_experiences(period, agency_id):
    rollup = rollup_for(period, agency_id)
    said = summary(rollup)
    if rollup.experiences and not rollup.answered:  # their programs have results in another quarter: one click away
        newest = common.newest_period(db.session, common.ProgramFilter(agency_id), serving_a_life_experience=True)
        pointer = components.newest_results(rollup.period, newest, links.dashboard(
            "life-experiences", period=newest, agency=agency_id))
        if pointer:
            said = [said, f" None of these programs has survey results in {rollup.period}.", *pointer]
    return (charts.trust_figure(rollup), components.data_table(measures_table(rollup)),
            [experience_section(e, rollup, agency_id) for e in rollup.experiences],
            components.data_table(programs_table(rollup)), said)


components.register_downloads("life-measures-table", lambda *values: measures_table(rollup_for(*values)), FILTERS)
components.register_downloads("life-programs-table", lambda *values: programs_table(rollup_for(*values)), FILTERS)
