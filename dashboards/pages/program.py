"""A program's page (`/dashboards/program?id=…&period=…`), reached from the heatmap, the overview and
the life experiences: every A-11 driver by quarter with its 95% band and target, across the
method break at FY2024-Q2 (A-11's v2 survey: trust as the share who trust, the aspects as shares)
drawn as a break; its answers in one quarter by channel and touchpoint with n and the question as
asked; the rules' findings with their why-pages; and the accountability chain — the leaders whose
plan requirements read the program and the commitments tied to it, as far as the role may see."""
import dataclasses
from typing import Optional

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import current_app
from flask_login import current_user

from dashboards import components, filters, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures import program as charts
from dashboards.figures.functions import by_quarter_table
from dashboards.figures.heatmap import empty_figure
from dashboards.queries import common
from dashboards.queries import program as queries
from dashboards.queries.accountability import (
    Accountability,
    CommitmentLine,
    FindingLine,
    PlanLine,
    accountability,
    judged_period,
    program_findings,
    quarter_evaluated,
    rules_published,
)
from dashboards.queries.compliance import awaited_until, due_date, is_designated
from dashboards.urlstate import QueryParam, UrlState, given
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.periods import parse_period
from scorecard.ratings import RATING_LABELS
from scorecard.scoring import beside_target
from scorecard.text import counted

dash.register_page(__name__, path="/program", name="Program", title="Program · CX Scorecard", nav=False, order=90)

NONE = ""  # no program chosen


def _latest_of(values: dict) -> Optional[str]:
    """The program's own latest quarter with survey answers: its page opens there when the address names
    no quarter (the agency's latest, a real service's page opened on a quarter it never reported)."""
    try:
        program_id = validation.id_or(NONE)(values.get("id")) if values.get("id") else None
    except ValueError:
        return None
    info = queries.program_info(db.session, program_id) if program_id else None
    return info.periods[0] if info and info.periods else None


def quarter_options(info: Optional[queries.ProgramInfo], chosen: Optional[str]) -> list[dict]:
    """The quarters the program has survey answers in, newest first; a quarter chosen without them (a link
    from the agency's latest quarter) is listed too, and says so, so that the list still shows it."""
    own = info.periods if info else []
    options = [{"label": period, "value": period} for period in own]
    if chosen and chosen not in own:
        options.append({"label": f"{chosen} (no answers)", "value": chosen})
        options.sort(key=lambda option: parse_period(option["value"]), reverse=True)
    return options


url = UrlState("/program", [
    QueryParam("id", "program-id", validation.id_or(NONE), default=None),
    dataclasses.replace(filters.period("program-period"), default_from=_latest_of),
])
url.register()
GRAPH = components.GRAPH_CONFIG


def _min_n() -> int:
    return current_app.config["SURVEY_MIN_N"]


def layout(**query):
    values = url.read(query)
    session = db.session
    program_id = validation.id_or(NONE)(values["id"]) if values["id"] else None
    info = None if program_id is None else queries.program_info(session, program_id)
    heading = components.page_heading(info.name if info else "Program", title_id="program-heading", names_tab=True)
    choices = [{"label": label, "value": str(pid)} for pid, label in queries.program_choices(session)]
    if info is None:  # the other keys are said, as every page says them: the picker reads none of them
        return picker(heading, choices, asked=query.get("id"),
                      notice=url.notice({key: value for key, value in query.items() if key != "id"}))
    return html.Div([
        heading,
        url.location(query),
        html.P(about(info), id="program-about", className="dash-lede"),
        html.Div([
            html.Div([
                html.Label("Program", htmlFor="program-id", id="program-id-label",
                           className="usa-label dash-filter__label"),
                dcc.Dropdown(id="program-id", options=choices, value=values["id"], clearable=False, searchable=True,
                             placeholder="Choose a program", className="dash-filter__control"),
                components.searched_by_label("program-id", choices),
            ], className="dash-filter", style={"width": "30rem"}),
            components.filter_control("program-period", "Quarter (channels, findings)",
                                      quarter_options(info, values["period"]), values["period"]),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.P(id="program-summary", className="dash-lede", role="status"),
        html.Section([
            html.H2("Trust by quarter", id="program-trust-heading"),
            html.P(["A-11 changed its survey in FY2024-Q2. Before, customers rated seven statements from 1 to 5 "
                    "and a score is the mean of every answer, with its 95% confidence interval as a band. From "
                    "FY2024-Q2 the v2 survey asks one trust question (thumbs up or down, or 1 to 5 on some forms): "
                    "trust is the share who trust, with its 95% interval. The two are not the same measure, so "
                    "the chart draws them apart, with a marker at the change. The dashed line is the target; an "
                    "open marker has fewer respondents than the minimum sample (insufficient data)."],
                   className="dash-lede"),
            components.chart(dcc.Loading(dcc.Graph(id="program-trust-graph", config=GRAPH, className="dash-graph"),
                                         type="dot"), "trust by quarter", by_quarter=True),
            components.table_panel("program-trust-table", summary="Show trust by quarter as a table, with downloads"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-trust-heading"}),
        html.Section([
            html.H2("The other A-11 drivers by quarter", id="program-drivers-heading"),
            components.chart(dcc.Loading(dcc.Graph(id="program-drivers-graph", config=GRAPH, className="dash-graph"),
                                         type="dot"), "the other A-11 drivers by quarter"),
            components.table_panel("program-drivers-table",
                                   summary="Show the other drivers by quarter as a table, with downloads"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-drivers-heading"}),
        html.Section([
            html.H2("What went well and what could be improved (A-11 v2 survey)", id="program-aspects-heading"),
            html.P("From FY2024-Q2 respondents choose what went well and what could be improved from a list of "
                   "aspects; each share is of the respondents offered that aspect.", className="dash-lede"),
            components.chart(dcc.Loading(dcc.Graph(id="program-aspects-graph", config=GRAPH, className="dash-graph"),
                                         type="dot"), "what went well and what could be improved, by quarter"),
            components.table_panel("program-aspects-table", summary="Show the aspects by quarter as a table, "
                                                                    "with downloads"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-aspects-heading"}),
        html.Section([
            html.H2("By channel and touchpoint", id="program-channels-heading"),
            components.chart(dcc.Loading(dcc.Graph(id="program-volumes-graph", config=GRAPH), type="dot"),
                             "respondents by channel and touchpoint"),
            components.table_panel("program-channels-table", open=True,
                                   summary="Scores by channel and touchpoint, with the question as asked "
                                           "(table, with downloads)"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-channels-heading"}),
        html.Section([
            html.H2("Other measures", id="program-measures-heading"),
            html.P("The program's measures outside the A-11 survey (a wait time, a backlog, digital adoption), "
                   "quarter by quarter, newest first, against the target that applies to it.", className="dash-lede"),
            components.table_panel("program-measures-table", open=True,  # no chart: the table is the section
                                   summary="The other measures by quarter (table, with downloads)"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-measures-heading"}),
        html.Section([
            html.H2("Findings", id="program-findings-heading"),
            components.loading(html.Div(id="program-findings"), "program-findings"),
        ], className="dash-section", **{"aria-labelledby": "program-findings-heading"}),
        html.Section([
            html.H2("Accountability", id="program-accountability-heading"),
            components.loading(html.Div(id="program-accountability"), "program-accountability"),
        ], className="dash-section dash-wrap-cells", **{"aria-labelledby": "program-accountability-heading"}),
    ])


def picker(heading, choices: list[dict], asked=None, notice: Optional[str] = None) -> html.Div:
    """No program chosen, or none with the id `asked` (a stale or mistyped link, said so): choose one,
    then open its page. `notice`: what else of the address the page cannot use, in words."""
    asked = given(asked)
    missing = [html.P(f"No program has the id {asked[:40]!r}: it may have been removed, or the link is "
                      "mistyped. Choose a program below.", id="program-missing", className="dash-lede",
                      role="alert")] if asked else []
    unused = [html.P(notice, className="dash-lede", role="status")] if notice else []
    return html.Div([
        heading,
        *unused,
        *missing,
        html.P(about(None), className="dash-lede"),
        html.Div([
            html.Div([
                html.Label("Program", htmlFor="program-choice", id="program-choice-label",
                           className="usa-label dash-filter__label"),
                dcc.Dropdown(id="program-choice", options=choices, value=None, clearable=False, searchable=True,
                             placeholder="Type or choose a program", className="dash-filter__control"),
                components.searched_by_label("program-choice", choices),
            ], className="dash-filter", style={"width": "30rem"}),
            html.Button("Open the program's page", id="program-open", n_clicks=0, type="button",
                        className="usa-button margin-0"),
        ], className="dash-filters", role="group", **{"aria-label": "Choose a program"}),
        html.P(id="program-choose-first", className="usa-error-message", role="alert"),
        dcc.Location(id="program-nav", refresh="callback-nav"),
    ])


def about(info: Optional[queries.ProgramInfo]) -> str:
    if info is None:
        return "Choose a program to see its A-11 survey results quarter by quarter, its findings and who is " \
               "accountable for it."
    hisp = "a High-Impact Service Provider (HISP)" if info.is_hisp else "not a HISP"
    experiences = ", ".join(name for _, name in info.life_experiences)
    parts = [f"{info.component} ({hisp}), {info.agency}. Program code {info.code}."]
    if experiences:
        parts.append(f"Life experiences: {experiences}.")
    if info.periods:
        parts.append(f"Survey data from {info.periods[-1]} to {info.periods[0]}.")
    else:
        parts.append("No A-11 survey data yet.")
    return " ".join(parts)


# ----------------------------------------------------------------------------- tables

def _value(point: queries.Point, unit: str) -> dict:
    shown = {"mean": None, "share": None}
    if point.value is not None:
        shown["mean" if unit == queries.MEAN else "share"] = point.value
    return shown


def _mean_beside_target(point: queries.Point, unit: str) -> dict:
    """A point's mean and the target (1-5) it was judged against, the mean to as many places as it takes not
    to read as the target when it is not it (3.897 against 3.90 was "3.90", beside an amber status)."""
    target = point.mean_target if point.mean_target is not None else point.target if unit == queries.MEAN else None
    mean = point.mean if point.mean is not None else _value(point, unit)["mean"]
    return {"target_mean": target, "mean": None if mean is None else beside_target(mean, target, edges=point.edges)}


def trend_table(trend: queries.Trend, series: list[queries.Series], caption: str, name: str) -> tables.Table:
    """The points of `series`, measure by measure and quarter by quarter, as the chart hovers them."""
    rows = []
    for s in series:
        unit = s.spec.unit
        for point in s.points:
            interval = "" if point.ci_low is None else \
                f"{charts.fmt(point.ci_low, unit)} to {charts.fmt(point.ci_high, unit)}"
            note = WITHOUT if point.without_counts else (queries.SCALE_WORDS[point.scale] if point.scale else "")
            rows.append({
                "period": point.period, "survey": f"A-11 {s.spec.era}",
                "measure": f"{s.label} ({note})" if note else s.label, **_value(point, unit),
                "n": point.n, "interval": interval,
                # the target as a number, in the measure's unit (a text "80.0%" was no number in a spreadsheet);
                # v2 trust's is the 1-5 mean's its status is judged on, and a share's only where it converts
                # (a thumbs form): a 1-5 form's share had "—" for both beside a status judged on one
                "target_share": point.target if unit != queries.MEAN else None,
                **_mean_beside_target(point, unit),
                "status": point.status, "question": point.question_words, "source": "; ".join(point.sources)})
    return tables.Table(
        caption=caption,
        columns=[tables.Column("period", "Quarter", row_header=True), tables.Column("survey", "Survey"),
                 tables.Column("measure", "Measure"), tables.Column("mean", "Mean (1-5)", tables.NUMBER, decimals=None),
                 tables.Column("share", "Share (%)", tables.NUMBER, decimals=1), tables.Column("n", "n", tables.COUNT),
                 tables.Column("interval", "95% interval"),
                 tables.Column("target_mean", "Target (1-5)", tables.NUMBER),
                 tables.Column("target_share", "Target (%)", tables.NUMBER, decimals=1),
                 tables.Column("status", "Status", tables.STATUS), tables.Column("question", "Question as asked"),
                 tables.Column("source", "Import batch")],
        rows=rows, name=name, empty="No survey answers for this program.")


WITHOUT = "reported without counts: no score"


def _trend(program_id) -> queries.Trend:
    return queries.program_trend(db.session, program_id, min_n=_min_n()) if program_id else queries.Trend(0)


def _name(program_id) -> str:
    info = queries.program_info(db.session, program_id) if program_id else None
    return info.name if info else "no program"


def trust_table(program_id) -> tables.Table:
    trend = _trend(program_id)
    return trend_table(trend, trend.of(topic=queries.TRUST, aspects=False),
                       f"Trust by quarter, {_name(program_id)}: mean on 1-5 (A-11 v1) or share who trust (A-11 v2 "
                       "from FY2024-Q2), n, 95% interval, target, status, question and import batch",
                       f"program-{program_id or 'none'}-trust")


def drivers_table(program_id) -> tables.Table:
    trend = _trend(program_id)
    return trend_table(trend, trend.of(aspects=False, exclude_topic=queries.TRUST),
                       f"The other A-11 drivers by quarter, {_name(program_id)}: mean on 1-5, n, 95% interval, "
                       "target, status, question and import batch", f"program-{program_id or 'none'}-drivers")


def aspects_table(program_id) -> tables.Table:
    trend = _trend(program_id)
    return trend_table(trend, trend.of(aspects=True),
                       f"A-11 v2 aspects by quarter, {_name(program_id)}: share of respondents offered the aspect "
                       "who chose it, n, 95% interval, target and status", f"program-{program_id or 'none'}-aspects")


def measures_table(program_id) -> tables.Table:
    """The program's other measures by quarter (queries.other_measures)."""
    found = queries.other_measures(db.session, program_id, min_n=_min_n()) if program_id else []
    return by_quarter_table(
        found, label="Measure",
        caption=f"Other measures by quarter, {_name(program_id)}: value, respondents (n, where the measure has "
                "them), target and status",
        name=f"program-{program_id or 'none'}-measures", empty="No measures outside the A-11 survey for this program.")


def _breakdown(program_id, period) -> queries.Breakdown:
    if not program_id:
        return queries.Breakdown(None)
    return queries.channel_breakdown(db.session, program_id, common.chosen_period(db.session, period))


def channels_table(program_id, period) -> tables.Table:
    found = _breakdown(program_id, period)
    rows = [{"measure": r.measure + (f" ({WITHOUT})" if r.without_counts else ""),
             "where": r.where,
             **({"mean": r.value, "share": None} if r.unit == queries.MEAN else {"mean": r.mean, "share": r.value}),
             "n": r.n, "question": r.question + (" (non-standard wording)" if r.non_standard else ""),
             "source": r.source}
            for r in found.rows]
    return tables.Table(
        caption=f"{_name(program_id)}, {found.period or 'no quarter'}: each question by channel and touchpoint "
                "with its score, respondents (n), the question as asked and its import batch",
        columns=[tables.Column("measure", "Measure", row_header=True),
                 tables.Column("where", "Channel · touchpoint"), tables.Column("mean", "Mean (1-5)", tables.NUMBER),
                 tables.Column("share", "Share (%)", tables.NUMBER, decimals=1), tables.Column("n", "n", tables.COUNT),
                 tables.Column("question", "Question as asked"), tables.Column("source", "Import batch")],
        rows=rows, name=f"program-{program_id or 'none'}-channels-{found.period or 'none'}",
        empty=f"No A-11 survey observations for this program in {found.period or 'any quarter'}.")


# ----------------------------------------------------------------------------- sections

def summary(info: Optional[queries.ProgramInfo], trust: Optional[tuple], period: Optional[str]) -> str:
    """The quarter in a sentence: the program's trust (`trust`: its measure and point, quarter_trust)."""
    if info is None:
        return "No program chosen."
    if not info.periods:
        return _not_reported(info, period) or f"{info.name} has no A-11 survey answers yet."
    if trust is None:
        latest = info.periods[0] if info.periods else None
        return _not_reported(info, period) or (
            f"{info.name} has no trust answers in {period}."
            + (f" Its latest quarter with survey data is {latest}." if latest else "")
            + components.still_reported(period))
    spec, point = trust
    unit = spec.unit
    what = "share who trust" if unit == queries.SHARE else "trust (mean on 1-5)"
    n = f" (n = {point.n:,})" if point.n is not None else ""
    target = ""
    if point.mean is not None and point.mean_target is not None:
        # v2 trust is judged on its 1-5 mean (a thumbs up counted 5): that mean, not the share, meets the target
        target = (f"; judged on the 1-5 mean, {charts.beside(point.mean, point.mean_target, edges=point.edges)} "
                  "against a target of "
                  f"{tables.as_given(point.mean_target)}")
    elif point.target is not None:
        target = f", target {charts.fmt(point.target, unit)}"
    value = charts.beside(point.value, point.target, unit, point.edges)
    return (f"{period}: {what} {value}{n}{target}; status {tables.status_word(point.status)}."
            + components.still_reported(period))


def judged_later(info: queries.ProgramInfo, period: Optional[str], judged: Optional[str]) -> str:
    """When the rules judge the program as of a later quarter than the one shown (its agency's latest, in which
    it has no results: a service that stopped reporting), that they do, and where to see it; else "". Opened
    on its own latest quarter, such a program read "status green" while the overview listed it as not
    reported."""
    if not period or not judged or parse_period(judged) <= parse_period(period) or judged in info.periods:
        return ""
    return (f" The rules judge it as of {judged}, its agency's latest quarter with results, in which it has none: "
            f"choose {judged} above to see what they found.")


def _not_reported(info: queries.ProgramInfo, period: Optional[str]) -> str:
    """For a quarter past its due date in which the program, designated since its first results (a HISP's, in
    every quarter), has none: that it did not report, as the overview and the compliance page count it; else
    ""."""
    first = info.periods[-1] if info.periods else None
    if (not period or period in info.periods or not is_designated(first, info.is_hisp, period)
            or awaited_until(period, agency_today())):
        return ""
    since = (f"it has reported since {first}, most recently for {info.periods[0]}" if first else
             "a HISP's program is designated to report in every quarter, and it has reported none yet")
    return f"{info.name} did not report A-11 survey results for {period} (due {due_date(period):%d %B %Y}); {since}."


def findings_section(found: list[FindingLine], period: Optional[str], evaluated: bool = True,
                     published: bool = True):
    """The program's findings of the quarter; none said as it is: the rules concluded nothing about the
    program, or (`evaluated` False) about any program of that quarter, or (`published` False) no rule is
    published yet."""
    if not period:
        return html.P("No quarter chosen.", className="dash-empty")
    if not found and not published:
        return html.P("No rule is published yet, so no finding explains a status: an administrator publishes the "
                      "rules (the Rules page). Any status above is the trust score against its target.",
                      className="dash-empty")
    if not found and not evaluated:
        return html.P(f"The published rules have no finding of {period} for any program: they judge each program "
                      "as of its agency's latest quarter with results, and no program was judged as of this one. Any "
                      "status above is the trust score against its target, as the status rule judges it.",
                      className="dash-empty")
    if not found:
        return html.P(f"The published rules concluded nothing about this program for {period}.",
                      className="dash-empty")
    items = []
    for line in found:
        if line.status:
            mark = components.status_badge(line.status)
        else:
            severity = f", {line.severity} severity" if line.severity else ""
            mark = html.Span(f"Flag: {line.word}{severity}", className="usa-tag bg-base-darker text-no-uppercase")
        items.append(html.Li([mark, html.Span(line.rule, className="text-bold"), html.Span(line.explanation),
                              html.A(["Why", html.Span(f": {line.rule}, {period}", className="usa-sr-only")],
                                     href=line.href, className="usa-link")]))
    return html.Div([html.P(f"What the published rules concluded about this program for {period}; each links to "
                            "its why-page (the rule version, the inputs it read and its explanation).",
                            className="dash-tile__sub"),
                     html.Ul(items, className="dash-changes dash-findings")])


def _rating(value: Optional[int]) -> str:
    return "" if value is None else f"{value} ({RATING_LABELS[value]})"


def plans_table(lines: list[PlanLine], caption: str, name: str) -> tables.Table:
    rows = []
    for line in lines:
        lowest = line.lowest
        proposals = [str(r.proposed) for r in line.requirements if r.proposed is not None]
        rows.append({
            "leader": line.leader, "href": line.href, "title": line.title or "", "year": f"FY{line.fiscal_year}",
            "requirements": f"{len(line.requirements)}" + (f" (proposed {', '.join(proposals)})" if proposals else
                                                           " (no proposal yet)"),
            "lowest": _rating(None if lowest is None else lowest.proposed),
            "why": None if lowest is None else tables.finding_words(lowest.finding_id),
            "why_href": None if lowest is None else links.finding(lowest.finding_id),
            "element_proposed": "; ".join(f"{e.name}: {_rating(e.proposed) or 'none'}" for e in line.elements),
            "decided": "; ".join(f"{e.name}: {_rating(e.decided) or 'not decided'}" for e in line.elements)})
    return tables.Table(
        caption=caption,
        columns=[tables.Column("leader", "Leader (plan)", link="href", row_header=True),
                 tables.Column("title", "Title"), tables.Column("year", "Plan year"),
                 tables.Column("requirements", "Requirements reading this program"),
                 tables.Column("lowest", "Lowest proposed"), tables.Column("why", "Why", link="why_href"),
                 tables.Column("element_proposed", "Element: proposed"),
                 tables.Column("decided", "Element: decided")],
        rows=rows, name=name)


def commitments_table(lines: list[CommitmentLine]) -> tables.Table:
    rows = [{"title": line.title, "href": line.href, "function": line.function,
             "status": line.status_word,
             "due": line.due.isoformat() if line.due else "", "updated": line.last_update.isoformat()
             if line.last_update else ""} for line in lines]
    return tables.Table(
        caption="Commitments tied to this program: owning function, status, due date and last update",
        columns=[tables.Column("title", "Commitment", link="href", row_header=True),
                 tables.Column("function", "Function"), tables.Column("status", "Status"),
                 tables.Column("due", "Due"), tables.Column("updated", "Last update")],
        rows=rows, name="program-commitments")


PLANS_CAPTION = ("{year} plans whose requirements read this program: how many requirements, the rules' proposals "
                 "(the lowest links to its why-page), the element's proposal and the rating official's decision")


def plans_part(found: Accountability, year: Optional[int] = None) -> list:
    """The plans reading the program, a table per appraisal year: `year` (the one of the quarter
    chosen) open first when it has plans, else the nearest (Accountability.plan_years); the others folded."""
    if found.plans is None:
        return [html.P("Your role does not show performance plans.", className="dash-empty")]
    if not found.plans and not found.hidden_plans:
        return [html.P("No plan requirement reads this program.", className="dash-empty")]
    parts = []
    years = found.plan_years(year)
    if year is not None and years and years[0] != year:  # FY2024-Q1 chosen: FY2027's leaders are not its
        parts.append(html.P(f"No FY{year} plan reads this program; the nearest year's plans that do are "
                            f"FY{years[0]}'s.",
                            className="dash-tile__sub"))
    for k, year in enumerate(years):
        lines = [line for line in found.plans if line.fiscal_year == year]
        table = components.data_table(plans_table(lines, PLANS_CAPTION.format(year=f"FY{year}"), f"plans-{year}"))
        if k == 0:
            parts.append(table)
        else:
            summary_text = f"FY{year} plans ({len(lines)})"
            parts.append(html.Details([html.Summary(summary_text, className="dash-details__summary"), table],
                                      className="dash-details"))
    if found.hidden_plans:
        one = found.hidden_plans == 1
        more = "more " if found.plans else ""  # none shown: they are the plans, not more of them
        parts.append(html.P(f"{counted(found.hidden_plans, more + 'plan')} "
                            f"{'reads' if one else 'read'} this program; your role does not show "
                            f"{'it' if one else 'them'}.",
                            className="dash-tile__sub"))
    return parts


def commitments_part(found: Accountability) -> list:
    if not found.commitments:
        return [html.P("No commitment is tied to this program.", className="dash-empty")]
    return [components.data_table(commitments_table(found.commitments))]


def accountability_section(found: Accountability, year: Optional[int] = None) -> list:
    return [html.P("Who answers for this program: the leaders whose performance plans hold requirements measured "
                   "on it, and the C-suite commitments made for it.", className="dash-tile__sub"),
            html.H3("Leaders' performance plans"), *plans_part(found, year),
            html.H3("Commitments"), *commitments_part(found)]


# ----------------------------------------------------------------------------- callbacks

@callback(Output("program-heading", "children"), Output("program-about", "children"),
          Output("program-trust-graph", "figure"), Output("program-trust-table", "children"),
          Output("program-drivers-graph", "figure"), Output("program-drivers-table", "children"),
          Output("program-aspects-graph", "figure"), Output("program-aspects-table", "children"),
          Input("program-id", "value"))
@validation.validated
@cached_answer
def update_trend(program_id):
    info = queries.program_info(db.session, program_id) if program_id else None
    trend = _trend(program_id if info else None)
    name = info.name if info else "no program"
    if info is None:
        empty = empty_figure("Choose a program.")
        return ("Program", about(None), empty, None, empty, None, empty, None)
    return (info.name, about(info),
            charts.trust_figure(trend, name), components.data_table(trust_table(program_id)),
            charts.drivers_figure(trend, name), components.data_table(drivers_table(program_id)),
            charts.aspects_figure(trend, name), components.data_table(aspects_table(program_id)))


@callback(Output("program-period", "options"), Input("program-id", "value"), Input("program-period", "value"))
@validation.validated
@cached_answer
def quarter_choices(program_id, period):
    """Another program chosen (or another quarter): its own quarters (`quarter_options`)."""
    info = queries.program_info(db.session, program_id) if program_id else None
    return quarter_options(info, period)


@callback(Output("program-summary", "children"), Output("program-volumes-graph", "figure"),
          Output("program-channels-table", "children"), Output("program-findings", "children"),
          Input("program-id", "value"), Input("program-period", "value"))
@validation.validated
@cached_answer
def update_quarter(program_id, period):
    session = db.session
    info = queries.program_info(session, program_id) if program_id else None
    if info is None:
        return (summary(None, None, None), empty_figure("Choose a program."), None, findings_section([], None))
    chosen = common.chosen_period(session, period)
    found = _breakdown(program_id, chosen)
    trust = queries.quarter_trust(session, program_id, chosen, min_n=_min_n()) if chosen else None
    lines = program_findings(session, program_id, chosen)
    return (summary(info, trust, chosen) + judged_later(info, chosen, judged_period(session, program_id)),
            charts.volumes_figure(found, info.name),
            components.data_table(channels_table(program_id, chosen)),
            findings_section(lines, chosen,  # why there is none, asked only where there is none
                             evaluated=bool(lines) or bool(chosen) and quarter_evaluated(session, chosen),
                             published=bool(lines) or rules_published(session)))


@callback(Output("program-accountability", "children"), Input("program-id", "value"),
          Input("program-period", "value"))
@validation.validated
@cached_answer
def update_accountability(program_id, period):
    """Who answers for the program; the plans of the appraisal year the quarter chosen falls in first."""
    if not program_id or not queries.program_exists(db.session, program_id):
        return html.P("No program chosen.", className="dash-empty")
    found = accountability(db.session, program_id, common.Scope.of(current_user), agency_today())
    chosen = common.chosen_period(db.session, period)
    return accountability_section(found, parse_period(chosen).fiscal_year if chosen else None)


@callback(Output("program-measures-table", "children"), Input("program-id", "value"))
@validation.validated
@cached_answer
def update_measures(program_id):
    if not program_id or not queries.program_exists(db.session, program_id):
        return html.P("No program chosen.", className="dash-empty")
    return components.data_table(measures_table(program_id))


validation.register("program-choice", "value", validation.id_or(NONE))
components.search_by_label("program-id")
components.search_by_label("program-choice")
validation.register("program-open", "n_clicks", validation.clicks)


@callback(Output("program-nav", "href"), Output("program-choose-first", "children"), Input("program-open", "n_clicks"),
          Input("program-choice", "value"), prevent_initial_call=True)
@validation.validated
@cached_answer
def open_program(clicks, program_id):
    """The chosen program's page when Open is pressed; without a choice, the message asking for one, taken away
    as soon as a program is chosen (it had stayed under the box the reader had just filled in)."""
    if dash.ctx.triggered_id == "program-choice":
        return dash.no_update, None
    if not clicks:
        return dash.no_update, dash.no_update
    if not program_id:
        return dash.no_update, "Choose a program first: type part of its name in the box, then open its page."
    return links.program(program_id), None


PROGRAM = [State("program-id", "value")]
components.register_downloads("program-trust-table", trust_table, PROGRAM)
components.register_downloads("program-drivers-table", drivers_table, PROGRAM)
components.register_downloads("program-measures-table", measures_table, PROGRAM)
components.register_downloads("program-aspects-table", aspects_table, PROGRAM)
components.register_downloads("program-channels-table", channels_table,
                              PROGRAM + [State("program-period", "value")])
