"""Overview, the dashboards' landing page: for a quarter (default: the latest with data), the
agency's trust and satisfaction with their n and 95% CI, programs by status, commitments by
status, leaders whose CX requirements are proposed below 3, A-11 reporting, and what changed
since the quarter before — each line leading to its drill-down or why-page."""
import dash
from dash import Input, Output, State, callback, html
from flask import current_app
from flask_login import current_user

from dashboards import briefing, components, filters, links, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures.program import fmt
from dashboards.queries import common
from dashboards.queries import overview as queries
from dashboards.queries.heatmap import NOT_OBSERVED as NO_OBSERVATIONS
from dashboards.urlstate import UrlState
from scorecard.a11 import V2_FROM, asked_in_v2
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.scoring import beside_target
from scorecard.selection import TIED_TO_AGENCY
from scorecard.survey import shown_change
from scorecard.text import counted

dash.register_page(__name__, path="/", name="Overview", title="Overview · CX Scorecard", order=0)

MISSING_SHOWN = 12  # programs listed by name under A-11 reporting; the rest are counted
LEADERS_SHOWN = 8
NOT_OBSERVED = (NO_OBSERVATIONS,) * 2  # a program with no trust answers in the quarter: its question and source
RED_SHOWN = 8  # red programs named on the overview; the heatmap lists them all, worst first
CHANGES_SHOWN = 8  # lines of each kind shown; the rest one toggle away


url = UrlState("/", [
    filters.period("overview-period"),
    filters.agency("overview-agency"),
])
url.register()


def layout(**query):
    values = url.read(query)
    session = db.session
    agencies = components.choices(common.agencies(session), "All agencies")
    return html.Div([
        components.page_heading(
            "Agency overview",
            lede="Where the agency stands on customer experience in one quarter, and what changed since the one "
                 "before. Survey scores pool every touchpoint and channel; a change of score is listed only when "
                 "it is significant at 95%; a program that turned red says whether its change was."),
        url.location(query),
        html.Div([
            components.filter_control("overview-period", "Quarter", common.periods_with_data(session),
                                      values["period"]),
            components.filter_control("overview-agency", "Agency", agencies, values["agency"]),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        # kept while the body is drawn again: a live region put in its place is not read out on a filter's change
        html.P(id="overview-summary", className="dash-lede", role="status"),
        components.loading(html.Div(id="overview-body"), "overview-body"),
        components.table_panel("overview-programs", summary="Show every program's status as a table, with downloads",
                               lazy=True),
        briefing.panel("overview-briefing", common.Scope.of(current_user)),
    ])


def _settings() -> dict:
    config = current_app.config
    return {"min_n": config["SURVEY_MIN_N"], "stale_days": config.get("REMIND_STALE_DAYS", 30)}


def overview_for(period, agency_id) -> queries.Overview:
    return queries.overview(db.session, period, common.ProgramFilter(agency_id), common.Scope.of(current_user),
                            agency_today(), **_settings())


# ----------------------------------------------------------------------------- the tiles

def no_score_words(score: queries.AgencyScore) -> str:
    """Why a tile has no score: no answers at all, or (from A-11's v2 survey on) a driver no longer asked
    on the 1-5 scale, which is no program's failure to report."""
    if score.driver != "trust" and asked_in_v2(score.period):
        return (f"No program reported {score.name.lower()} in {score.period}: from {V2_FROM} A-11's survey asks "
                "one question, on trust (a thumbs up or down, or 1 to 5), and what went well or could be improved.")
    return f"No program reported {score.name.lower()} in {score.period}."


def score_tile(score: queries.AgencyScore) -> html.Section:
    title = f"{score.name}, agency-wide"
    if score.value is None:
        return components.tile(title, html.P(no_score_words(score), className="dash-empty"),
                               tile_id=f"tile-{score.driver}")
    body = [
        html.P(fmt(score.value, score.unit), className="dash-tile__big"),
        html.P([f"n = {score.n:,}", html.Br(), interval_words(score)], className="dash-tile__sub"),
    ]
    if not score.sufficient:
        body.append(html.P(components.status_badge("insufficient_data")))
    body.append(html.P(change_sentence(score), className="dash-tile__sub"))
    return components.tile(title, body, tile_id=f"tile-{score.driver}", footer=measure_words(score))


def measure_words(score: queries.AgencyScore) -> str:
    """What a tile's number is: a mean on 1-5, or (v2 trust) the share who trust."""
    if score.unit == queries.SHARE:
        return (f"The share who trust (a thumbs up, or 4 or 5 on a 1-5 form) of every answer in {score.period}: "
                f"A-11's survey asks about trust this way from {V2_FROM}.")
    return f"Mean on the 1-5 scale of every answer in {score.period}."


def interval_words(score: queries.AgencyScore) -> str:
    """"95% CI 4.08 to 4.12", to one more place while its two ends read alike (at a million answers
    "4.10 to 4.10" read as no uncertainty at all; it reads "4.098 to 4.103")."""
    if score.ci_low is None:
        return "95% CI: too few answers"
    places = 2 if score.unit == queries.MEAN else 1
    while places < 4 and round(score.ci_low, places) == round(score.ci_high, places):
        places += 1
    unit = "%" if score.unit == queries.SHARE else ""
    return f"95% CI {score.ci_low:.{places}f}{unit} to {score.ci_high:.{places}f}{unit}"


MEAN_HELD = ("; the share who trust moved, but the 1-5 mean of the same answers did not move with it, and a change "
             "is called significant where both do, as each program's is")


def change_sentence(score: queries.AgencyScore) -> str:
    """The change from the quarter before, of the programs with answers in both (said so when others
    answered in only one of them: their coming or going is no change), each weighed the same in both."""
    if score.direction == queries.BREAK:
        return f"Not compared with {score.prior_period}: A-11's survey changed in {V2_FROM}."
    if score.direction == "unknown":
        if score.prior_programs and not score.compared:
            return f"No program with answers in {score.period} had answers in {score.prior_period}: nothing to compare."
        return f"No answers in {score.prior_period} to compare with."
    before, now = fmt(score.prior_value, score.unit), fmt(score.compared_value, score.unit)
    among = "" if score.like_for_like else (
        f"Of the {counted(score.compared, 'program')} with answers in both quarters "
        f"({score.programs:,} in {score.period}, {score.prior_programs:,} in {score.prior_period}): ")
    share = score.unit == queries.SHARE
    verb = ("up" if score.direction == "up" else "down") if among else ("Up" if score.direction == "up" else "Down")
    if score.weighed:
        # The programs sent more or fewer answers than the quarter before: the change weighs each program the same
        # in both quarters, so it is said as a change with its interval (its own "then" and "now" read as a second
        # score beside the headline)
        places = 1 if share else 2
        points = " percentage points" if share else ""
        interval = queries.change_interval(score.change_low, score.change_high, places)
        how = f"{interval}; each program weighed the same in both quarters, by its answers in the two"
        if score.direction == "none":
            return (f"{among}{'no' if among else 'No'} significant change from {score.prior_period} "
                    f"({score.change:+.{places}f}{points}, {how}){MEAN_HELD if score.mean_held else ''}.")
        return f"{among}{verb} {abs(score.change):.{_places_of(score.change, places)}f}{points} from " \
               f"{score.prior_period} ({how}), significant at 95%."
    then = f"({before})" if score.like_for_like else f"({before} then, {now} now)"
    if score.direction == "none":
        return (f"{among}{'no' if among else 'No'} significant change from {score.prior_period} {then}"
                f"{MEAN_HELD if score.mean_held else ''}.")
    places = 1 if share else 2
    amount = shown_change(score.prior_value, score.compared_value, places)  # as the two read: 70.1% -> 73.4% is 3.3
    if not amount:  # significant at hundreds of thousands of answers, and too small to show at `places`
        amount = score.compared_value - score.prior_value
        places = _places_of(amount, places)
    amount = f"{abs(amount):.{places}f}{' percentage points' if share else ''}"
    return f"{among}{verb} {amount} from {score.prior_period} {then}, significant at 95%."


def _places_of(change: float, places: int) -> int:
    """The places from `places` (four at most) a change takes not to read as 0: a significant change of 0.0047
    read "Up 0.00"; it reads "Up 0.005"."""
    return next((d for d in range(places, 5) if round(change, d)), 4)


def status_tile(counts: queries.StatusCounts, agency, report: queries.Reporting) -> html.Section:
    """The programs with results in the quarter by status, and how many designated programs did not
    report (they have no status: the A-11 reporting tile names them)."""
    heatmap = links.dashboard("heatmap", period=counts.period, agency=None if agency is None else agency)
    rows = [html.Li([components.status_badge(status), html.Span(f"{n:,}", className="dash-count")])
            for status, n in counts.counts.items() if n or status != "no_data"]
    return components.tile("Programs by status", [
        html.Ul(rows, className="dash-counts", **{"aria-label": f"Programs by status, {counts.period}"}),
        *red_list(counts, heatmap),
        html.P("A program's status is the status rule's finding for the quarter (its trust score against its "
               "target); for a quarter the rules have not evaluated, the same score against the same target. The "
               "heatmap shows every driver.", className="dash-tile__sub"),
        *([html.P(f"{counted(missing, 'more designated program' if counts.total else 'designated program')}"
                  f"{' has' if missing == 1 else ' have'} no status: {'it' if missing == 1 else 'they'} "
                  + (f"{'has' if missing == 1 else 'have'} not reported {counts.period} yet (not yet due: results "
                     f"are due {report.due:%d %B %Y})." if report.under_way else
                     f"reported no results in {counts.period} (A-11 reporting)."),
                  className="dash-tile__sub")]
          if (missing := len(report.missing)) else []),
    ], tile_id="tile-programs", footer=html.A(heatmap_words(counts.total), href=heatmap, className="usa-link"))


def heatmap_words(total: int) -> str:
    """The tile's link to the heatmap: the programs it shows, and no "All 0 programs" when there are none."""
    if not total:
        return "The heatmap (no program has results this quarter)"
    return f"All {total:,} programs on the heatmap" if total != 1 else "The program on the heatmap"


def red_list(counts: queries.StatusCounts, heatmap: str) -> list:
    """The red programs by name, each leading to its page (who is accountable) and to why it is red (the
    status finding, when the rules made one; else the score against the target, in words)."""
    if not counts.red:
        return []
    items = [html.Li([html.A(f"{red.program} ({red.component})", className="usa-link",
                             href=links.program(red.program_id, counts.period)),
                      *([": ", html.A("why it is red", href=links.finding(red.finding_id), className="usa-link",
                                      title=f"Why {red.program} is red in {counts.period}")]
                        if red.finding_id else [f": {red.reason}"] if red.reason else [])])
             for red in counts.red[:RED_SHOWN]]
    if len(counts.red) > RED_SHOWN:
        items.append(html.Li(html.A(f"and {len(counts.red) - RED_SHOWN:,} more, worst first on the heatmap",
                                    href=heatmap, className="usa-link")))
    return [html.H3(f"Red in {counts.period}, lowest trust first", className="dash-tile__subhead", id="red-programs"),
            html.Ul(items, className="usa-list dash-link-list", **{"aria-labelledby": "red-programs"})]


def commitments_tile(counts: queries.CommitmentCounts) -> html.Section:
    rows = [html.Li([html.A(row.label, href=row.href, className="usa-link"),
                     html.Span(f"{row.count:,}", className="dash-count")]) for row in counts.rows]
    where = ("" if counts.listed else " Each count opens the C-suite functions page: each function's page there lists "
             "its commitments.")
    whose = (TIED_TO_AGENCY if counts.narrowed
             else "of the department's C-suite")
    return components.tile("Commitments by status", html.Ul(rows, className="dash-counts"), tile_id="tile-commitments",
                           footer=f"{counted(counts.open_total, 'open commitment')} {whose}, as of "
                                  f"{counts.today.isoformat()}.{where}")


def leaders_tile(found: queries.LeadersBelow, read_from: str = "", agency=None) -> html.Section:
    title = queries.LEADERS_BELOW
    if found.fiscal_year is None:
        return components.tile(title, html.P(found.none_words(), className="dash-empty"), tile_id="tile-leaders")
    count = len(found.leaders)
    items = []
    for leader in found.leaders[:LEADERS_SHOWN]:
        lowest = leader.requirements[0]
        items.append(html.Li([
            html.A(leader.leader, href=links.plan(leader.plan_id), className="usa-link"),
            f" ({leader.unit})" if leader.unit else "", ": ",
            html.A(f"proposed {lowest.rating}", href=links.finding(lowest.finding_id), className="usa-link",
                   title=lowest.text),
            # "proposed 1 and 1 more" read as nonsense: the others are CX requirements proposed below 3 too
            f", and {counted(len(leader.requirements) - 1, 'more requirement')} below {queries.RATING_BELOW}"
            if len(leader.requirements) > 1 else "",
        ]))
    if len(found.leaders) > LEADERS_SHOWN:
        items.append(html.Li(html.A(f"and {len(found.leaders) - LEADERS_SHOWN:,} more, on the leaders page",
                                    href=links.dashboard("leaders", year=found.fiscal_year, agency=agency),
                                    className="usa-link")))
    body = [html.P(f"{count:,}", className="dash-tile__big"),
            html.P(f"{found.among()}; FY{found.fiscal_year} is the newest appraisal year with plans"
                   + (" that has begun" if common.begun([found.fiscal_year]) else ""), className="dash-tile__sub")]
    if read_from:
        body.append(html.P(read_from, className="dash-tile__sub"))
    if items:
        body.append(html.Ul(items, className="usa-list dash-link-list"))
    return components.tile(title, body, tile_id="tile-leaders")


def under_way_notice(report: queries.Reporting) -> list:
    """A quarter whose results are not all due yet: its scores and changes read the programs in so far."""
    words = report.under_way_words()
    return [components.notice(words, tone="info")] if words else []


def no_results_notice(found: queries.Overview, agency) -> list:
    """An agency chosen whose programs have no results in the quarter (a performance.gov agency's data ends
    years before the department's): where its newest are, one click away."""
    if found.newest is None:
        return []
    href = links.dashboard("", period=found.newest, agency=agency)
    return [components.notice([f"No program of the agency chosen has survey results in {found.period}.",
                               *components.newest_results(found.period, found.newest, href)])]


def reporting_tile(report: queries.Reporting, agency) -> html.Section:
    compliance = html.A("Every quarter on the compliance page", className="usa-link",
                        href=links.dashboard("compliance", through=report.period,
                                             agency=None if agency is None else agency))
    if not report.expected:
        return components.tile("A-11 reporting", html.P(
            f"No program was designated to report A-11 survey results in {report.period}.",
            className="dash-empty"), tile_id="tile-reporting", footer=compliance)
    share = f"{report.share:.0%}"
    so_far = f" so far: results are due {report.due:%d %B %Y}" if report.under_way else ""
    body = [html.P(share, className="dash-tile__big"),
            html.P(f"{report.reported:,} of {counted(report.expected, 'designated program')} reported in "
                   f"{report.period}{so_far} (a program is designated from its first quarter of A-11 survey results "
                   "on; a HISP's program that never reported, in every quarter)", className="dash-tile__sub")]
    if report.missing:
        shown = report.missing[:MISSING_SHOWN]
        body.append(html.P("Not reported yet (not yet due):" if report.under_way else "Not reported:",
                           className="margin-bottom-0"))
        body.append(components.link_list([(f"{name} ({component}){_last_reported(report, pid)}",
                                           links.program(pid, report.period)) for pid, name, component in shown]))
        if len(report.missing) > len(shown):
            body.append(html.P(f"and {len(report.missing) - len(shown):,} more.", className="dash-tile__sub"))
    return components.tile("A-11 reporting", body, tile_id="tile-reporting", footer=compliance)


def _last_reported(report: queries.Reporting, program_id: int) -> str:
    """When a program not reported in the quarter last did: a file that ends years ago is no program that just
    stopped."""
    if program_id in report.stopped:
        return f", which reported in {report.prior}"
    last = report.last.get(program_id)
    return f", last reported in {last}" if last else ", which has never reported"


# ----------------------------------------------------------------------------- what changed

SURVEY_CHANGES = (queries.TURNED_RED, queries.DECLINED, queries.IMPROVED)  # read against the quarter before
CHANGE_HEADINGS = {
    queries.TURNED_RED: "Programs that turned red",
    queries.SLIPPED: "Commitments that slipped",
    queries.WENT_OVERDUE: "Commitments that went overdue",
    queries.DECLINED: "Significant declines",
    queries.IMPROVED: "Significant improvements",
}


def changes_section(changes: queries.Changes, show_commitments: bool) -> html.Section:
    groups = []
    for kind, heading in CHANGE_HEADINGS.items():
        if kind in (queries.SLIPPED, queries.WENT_OVERDUE) and not show_commitments:
            continue
        # "(0) None." read as compared and found steady; a status is judged in each quarter alone, so a program
        # that turned red across A-11's survey change is one
        if kind in SURVEY_CHANGES and not (changes.prior_reported if kind == queries.TURNED_RED else changes.compared):
            groups.append(html.Div([html.H3(heading), html.P(changes.not_compared, className="dash-empty")]))
            continue
        lines = changes.of(kind)
        items = [html.Li([html.A(line.subject, href=line.href, className="usa-link"), f": {line.text}",
                          *(["; ", html.A("why it is red", href=line.why, className="usa-link")] if line.why else [])])
                 for line in lines]
        shown = [html.Ul(items[:CHANGES_SHOWN], className="dash-changes")] if items else [
            html.P("None.", className="dash-empty")]
        if len(items) > CHANGES_SHOWN:
            shown.append(html.Details([html.Summary(f"Show {len(items) - CHANGES_SHOWN} more",
                                                    className="dash-details__summary"),
                                       html.Ul(items[CHANGES_SHOWN:], className="dash-changes")]))
        groups.append(html.Div([html.H3(f"{heading} ({len(lines)})"), *shown]))
    return html.Section([html.H2(f"What changed since {changes.prior_period}", id="changes-heading"),
                         html.P(changes.note, className="dash-tile__sub"), *groups],
                        className="dash-section", **{"aria-labelledby": "changes-heading"})


def body(found: queries.Overview, agency) -> list:
    if found.period is None:
        return [html.P("No program observations yet: import a quarter's survey results to fill the overview.",
                       className="dash-empty")]
    tiles = [score_tile(s) for s in found.scores]
    tiles.append(status_tile(found.statuses, agency, found.reporting))
    if found.commitments is not None:
        tiles.append(commitments_tile(found.commitments))
    if found.leaders is not None:
        tiles.append(leaders_tile(found.leaders, found.leaders.read_from(found.periods, found.period), agency))
    tiles.append(reporting_tile(found.reporting, agency))
    return [
        *under_way_notice(found.reporting),
        *no_results_notice(found, agency),
        html.Section([html.H2(f"{found.period} at a glance", id="glance-heading", className="usa-sr-only"),
                      html.Div(tiles, className="dash-tiles")], **{"aria-labelledby": "glance-heading"}),
        changes_section(found.changes, found.commitments is not None),
    ]


def programs_table(period, agency_id) -> tables.Table:
    """Every program's status in the quarter (the numbers behind "Programs by status")."""
    session = db.session
    chosen = common.chosen_period(session, period)
    statuses = {} if chosen is None else common.program_statuses(
        session, chosen, common.ProgramFilter(agency_id), min_n=current_app.config["SURVEY_MIN_N"])
    names = common.program_names(session, tuple(sorted(statuses)))
    sources = {} if chosen is None else queries.status_sources(
        session, chosen, common.ProgramFilter(agency_id), min_n=current_app.config["SURVEY_MIN_N"])
    order = queries.PROGRAM_STATUSES
    rows = []
    def worst_first(item) -> tuple:
        pid, found = item
        return order.index(found.status) if found.status in order else len(order), names[pid][1], names[pid][0]

    for pid, found in sorted(statuses.items(), key=worst_first):
        rows.append({"program": names[pid][0], "href": links.program(pid, chosen), "component": names[pid][1],
                     "status": found.status, "n": found.n, "target": found.target, "share": found.share,
                     "value": None if found.value is None else beside_target(found.value, found.target,
                                                                             edges=found.edges),
                     "why": tables.finding_words(found.finding_id),
                     "why_href": links.finding(found.finding_id) if found.finding_id else None,
                     # what the score was asked and where it came from, as the heatmap says them
                     "question": sources.get(pid, NOT_OBSERVED)[0], "source": sources.get(pid, NOT_OBSERVED)[1]})
    # From the v2 survey, trust reads as the share who trust (as the tile, heatmap and program page give it);
    # the mean beside it is what the status is judged on.
    shares = any(found.share is not None for found in statuses.values())
    return tables.Table(
        caption=f"Programs by status, {chosen or 'no quarter with data'}: "
                + ("share who trust, " if shares else "") + "trust score, respondents (n), target, the trust question "
                "as asked and its import batch",
        columns=[tables.Column("program", "Program", link="href", row_header=True),
                 tables.Column("component", "Component"), tables.Column("status", "Status", tables.STATUS),
                 *([tables.Column("share", "Share who trust (%)", tables.NUMBER, decimals=1)] if shares else []),
                 tables.Column("value", "Trust (mean 1-5, judged against the target)" if shares else "Trust (1-5)",
                               tables.NUMBER, decimals=None),
                 tables.Column("n", "n", tables.COUNT), tables.Column("target", "Target", tables.NUMBER),
                 tables.Column("why", "Rule finding", link="why_href"),
                 tables.Column("question", "Trust question as asked"), tables.Column("source", "Import batch")],
        rows=rows, name=f"program-status-{chosen or 'none'}")


def summary(found: queries.Overview) -> str:
    """The quarter in a sentence, read out when a filter changes it: the programs by status and the changes."""
    if found.period is None:
        return "No program observations yet."
    counts = found.statuses.counts
    said = f"{found.period}: {counted(found.statuses.total, 'program')}"
    if found.statuses.total:
        said += ", " + ", ".join(f"{n:,} {tables.status_word(status)}" for status, n in counts.items() if n)
    changes = found.changes
    if changes is not None and changes.prior_reported:
        said += f"; {counted(len(changes.lines), 'change')} since {changes.prior_period}"
        said += "" if changes.compared else " (survey scores not compared: A-11's survey changed)"
    elif changes is not None:  # commitments may have changed; the survey scores had nothing to compare with
        said += f"; no results in {changes.prior_period} to compare with"
        said += f", {counted(len(changes.lines), 'commitment change')} since then" if changes.lines else ""
    return said + "."


@callback(Output("overview-body", "children"), Output("overview-summary", "children"),
          Input("overview-period", "value"), Input("overview-agency", "value"))
@validation.validated
@cached_answer
def update_overview(period, agency_id):
    found = overview_for(period, agency_id)
    return body(found, agency_id), summary(found)


FILTERS = [State("overview-period", "value"), State("overview-agency", "value")]
# Every program's status, hundreds of rows: drawn when its panel is opened.
components.register_lazy_table("overview-programs", programs_table, FILTERS)
components.register_downloads("overview-programs", programs_table, FILTERS)
briefing.register("overview-briefing", State("overview-period", "value"), State("overview-agency", "value"))
