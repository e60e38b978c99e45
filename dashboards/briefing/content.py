"""What a briefing says: the overview of one quarter and agency as plain tables (`tables.Table`),
one per section, read through the overview's own query functions (`queries.overview`, and
`common.program_statuses` / the commitments' visibility behind its counts), never a second
computation. The PDF and the workbook are drawn from the same `Briefing`.

Sections: at a glance (the tiles), what changed since the quarter before, red programs with the
rules' explanations and who answers for each (leaders' plans, commitments), overdue commitments,
leaders with CX requirements proposed below 3. The role's scope is the overview's: commitments
and plans a role may not see are left out with a sentence saying so.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional
from urllib.parse import urljoin

import sqlalchemy as sa
import sqlalchemy.orm as so

from dashboards import links, tables
from dashboards.figures.functions import NOT_SHOWN
from dashboards.queries import common
from dashboards.queries import overview as queries
from dashboards.queries.accountability import Accountability, accountability
from dashboards.tables import COUNT, DATE, NUMBER, Column, Table
from scorecard.clock import in_zone, zone_name
from scorecard.commitments.attention import is_overdue
from scorecard.commitments.services import STATUS_LABELS, may_see
from scorecard.models import Commitment, Finding, utcnow
from scorecard.naming import Namesakes, in_words, leader_parts
from scorecard.periods import parse_period
from scorecard.scoring import RED, beside_target
from scorecard.selection import tied_to
from scorecard.text import counted

GLANCE, CHANGES, RED_PROGRAMS, OVERDUE, LEADERS = "glance", "changes", "red", "overdue", "leaders"


class Percent(float):
    """A share in percent among the glance's values: written "79.9%", kept as the number 79.9."""


class ValueColumn(Column):
    """A column of counts, scores and shares side by side: whole numbers as counts, a `Percent` to one
    place with its sign, others to 2 decimals (the workbook keeps them as numbers)."""

    def text(self, value) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        if isinstance(value, Percent):
            return f"{value:.1f}%"
        if isinstance(value, float):
            return f"{value:,.2f}"
        return super().text(value)

    def excel_format(self, value) -> Optional[str]:
        if isinstance(value, int) and not isinstance(value, bool):
            return "#,##0"
        if isinstance(value, Percent):
            return '0.0"%"'
        return "#,##0.00" if isinstance(value, float) else None

    def export(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, Percent):
            return round(float(value), 1)
        if isinstance(value, float):
            return round(value, self.decimals)
        return super().export(value)


@dataclass
class Section:
    key: str                 # the workbook's sheet, the PDF's bookmark
    heading: str
    note: str                # one sentence under the heading
    table: Optional[Table]   # None: the role does not see this section (the note says so)
    kinds: Optional[str] = None  # the key of the rows' kind, where they are of several (what changed)


@dataclass
class Briefing:
    title: str
    period: Optional[str]
    agency: str
    prepared_for: str
    prepared_on: datetime
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def prepared_when(self) -> str:
        """When it was prepared, in the agency's zone as every time is shown: "04 December 2026, 09:15 EST"."""
        local = in_zone(self.prepared_on)
        return f"{local:%d %B %Y, %H:%M} {zone_name(local)}"

    @property
    def file_stem(self) -> str:
        words = "".join(ch if ch.isalnum() else " " for ch in self.agency.lower()).split()
        agency = "-".join(words)  # one hyphen between words: "health-human-services", not "health---human-services"
        return f"cx-briefing-{self.period or 'no-data'}-{agency or 'all'}"


def _absolute(base_url: str, href: Optional[str]) -> Optional[str]:
    return urljoin(base_url, href) if href and base_url else href


# ------------------------------------------------------------------------------- at a glance

def under_way_words(found: queries.Overview) -> str:
    """The page's notice for a quarter still being reported (its numbers read the programs in so far)."""
    words = found.reporting.under_way_words() if found.reporting else ""
    return f"{words} " if words else ""


def no_results_words(found: queries.Overview, agency: str) -> str:
    """The page's notice for an agency none of whose programs has results in the quarter (a performance.gov
    agency's end years before the department's): its zeros are no results, not nothing red."""
    if found.newest is None:
        return ""
    newest = f" Their newest results are from {found.newest}." if found.newest != found.period else ""
    return f"No program of {agency} has survey results in {found.period}.{newest} "


def glance_table(found: queries.Overview, agency: Optional[str] = None) -> Table:
    """The tiles as rows: the measure, its value and what stands beside it on the page (`agency`: the
    name of the agency chosen, as the briefing's words give it)."""
    from dashboards.pages.overview import change_sentence, interval_words, no_score_words  # the tile's own words

    rows = []
    for score in found.scores:
        detail = no_score_words(score) if score.value is None else (
            f"n = {score.n:,}; {interval_words(score)}. " + ("" if score.sufficient else "Insufficient data. ")
            + change_sentence(score))
        share = score.unit == queries.SHARE
        value = Percent(score.value) if share and score.value is not None else score.value
        rows.append({"measure": f"{score.name}, agency-wide ({'% who trust' if share else '1-5'})", "value": value,
                     "detail": detail})
    statuses = found.statuses
    for status, count in statuses.counts.items():
        if count or status != "no_data":
            rows.append({"measure": f"Programs {tables.status_word(status)}", "value": count,
                         "detail": f"of {counted(statuses.total, 'program')} with observations in {statuses.period}"})
    if found.commitments is not None:
        for row in found.commitments.rows:
            rows.append({"measure": f"Commitments: {row.label.lower()}", "value": row.count,
                         "detail": f"of {counted(found.commitments.open_total, 'open commitment')}, as of "
                                   f"{found.commitments.today.isoformat()}"})
    if found.leaders is not None:
        read_from = found.leaders.read_from(found.periods, found.period)
        rows.append({"measure": queries.LEADERS_BELOW, "value": len(found.leaders.leaders),
                     "detail": found.leaders.among()
                               + (f". {read_from}" if read_from else "")
                     if found.leaders.fiscal_year else found.leaders.none_words(agency)})
    report = found.reporting
    rows.append({"measure": "A-11 reporting: programs that reported", "value": report.reported,
                 "detail": (f"of {report.expected:,} designated ({report.share:.0%}) so far; {len(report.missing):,} "
                            f"not yet, due {report.due:%d %B %Y}" if report.under_way else
                            f"of {report.expected:,} designated ({report.share:.0%}); {len(report.missing):,} not "
                            "reported") if report.expected else
                 f"No program was designated to report A-11 survey results in {report.period}."})
    return Table(caption=f"At a glance, {found.period}", name=GLANCE, rows=rows, columns=[
        Column("measure", "Measure", row_header=True), ValueColumn("value", "Value", NUMBER),
        Column("detail", "Detail")])


def changes_table(found: queries.Overview, base_url: str) -> Table:
    from dashboards.pages.overview import CHANGE_HEADINGS

    changes = found.changes
    rows = [{"kind": CHANGE_HEADINGS[line.kind], "subject": line.subject, "href": _absolute(base_url, line.href),
             "text": line.text} for line in changes.lines]
    return Table(caption=f"What changed since {changes.prior_period}: survey scores significant at 95%, programs "
                         f"that turned red, commitments that slipped or went overdue", name=CHANGES, rows=rows,
                 empty=("No significant change." if changes.compared
                        else "No program turned red; the survey scores were not compared (as said above)."
                        if changes.prior_reported else "None: the survey scores were not compared (as said above)."),
                 columns=[
                     Column("subject", "Program or commitment", link="href", row_header=True),
                     Column("kind", "Change"), Column("text", "What happened")])


# ------------------------------------------------------------------------------- red programs

def answerable_leaders(found: Accountability, fiscal_year: int) -> str:
    """The leaders whose plans (those the role sees) read a program, as the program page shows them first:
    the plans of the quarter's appraisal year, else the nearest year's, saying the quarter's year has none."""
    if found.plans is None:
        return "Performance plans are not shown to your role."
    years = found.plan_years(fiscal_year)
    if not years:
        return "No plan that your role sees reads this program." if found.hidden_plans else \
            "No plan requirement reads this program."
    names = sorted({line.leader for line in found.plans if line.fiscal_year == years[0]})
    hidden = found.hidden_plans
    unseen = (f" {counted(hidden, 'more plan')} {'reads' if hidden == 1 else 'read'} it that your role does not see."
              if hidden else "")  # an officer's or a leader's: the leaders named are not all who answer for it
    other = f"No FY{fiscal_year} plan reads it; " if years[0] != fiscal_year else ""  # FY2027's, of FY2024-Q1
    return f"{other}FY{years[0]} plans: {', '.join(names)}.{unseen}"


def answerable_commitments(found: Accountability) -> str:
    """The C-suite commitments tied to a program, each with its function and status."""
    if not found.commitments:
        return "No commitment is tied to this program."
    return "; ".join(f"{c.function}: {c.title} ({c.status_word.lower()})" for c in found.commitments) + "."


def red_programs_table(session, found: queries.Overview, programs: common.ProgramFilter, min_n: int,
                       base_url: str, scope: Optional[common.Scope] = None, today: Optional[date] = None) -> Table:
    """The programs counted as red on the overview (the same `program_statuses`), each with the
    explanation of the rules' finding that made it red and who answers for it, as its page's accountability
    says (with `scope` and `today`): the leaders whose plans read it, and the commitments tied to it."""
    statuses = common.program_statuses(session, found.period, programs, min_n=min_n)
    red = [s for s in statuses.values() if s.status == RED]
    names = common.program_names(session, tuple(sorted(s.program_id for s in red)))
    finding_ids = [s.finding_id for s in red if s.finding_id]
    explanations = dict(session.execute(sa.select(Finding.id, Finding.explanation)
                                        .where(Finding.id.in_(finding_ids))).tuples().all()) if finding_ids else {}
    rows = []
    worst_first = {r.program_id: i for i, r in enumerate(found.statuses.red)} if found.statuses else {}
    for status in sorted(red, key=lambda s: (worst_first.get(s.program_id, len(worst_first)),
                                             names[s.program_id][1], names[s.program_id][0])):
        name, component = names[status.program_id]
        if status.finding_id:
            reason = explanations.get(status.finding_id, "")
        elif status.value is not None and status.target is not None:
            reason = queries.trust_words(status).capitalize() + "."
        else:
            reason = "Red by its score; no rule finding for this quarter."
        rows.append({"program": name, "href": _absolute(base_url, links.program(status.program_id, found.period)),
                     "component": component, "status": status.status, "n": status.n,
                     "value": None if status.value is None else beside_target(status.value, status.target,
                                                                              edges=status.edges),
                     "share": status.share, "target": status.target, "reason": reason,
                     "why": _absolute(base_url, links.finding(status.finding_id)) if status.finding_id else None})
        if scope is not None:
            chain = accountability(session, status.program_id, scope, today)
            rows[-1].update(leaders=answerable_leaders(chain, parse_period(found.period).fiscal_year),
                            commitments=answerable_commitments(chain))
    # From A-11's v2 survey on, the share who trust beside the 1-5 score the status is judged on
    share = [Column("share", "Share who trust (%)", NUMBER, decimals=1)] if any(
        row["share"] is not None for row in rows) else []
    return Table(caption=f"Red programs, {found.period}: trust score, respondents (n), target, the reason"
                         + (" and who answers for it" if scope is not None else ""),
                 name=RED_PROGRAMS, rows=rows, empty="No program is red.", columns=[
                     Column("program", "Program", link="href", row_header=True), Column("component", "Component"),
                     Column("value", "Trust (mean 1-5, judged against the target)" if share else "Trust (1-5)", NUMBER,
                            decimals=None), *share, Column("n", "n", COUNT),
                     Column("target", "Target", NUMBER), Column("reason", "Reason", link="why"),
                     *([Column("leaders", "Leaders answering for it"), Column("commitments", "Commitments")]
                       if scope is not None else [])])


def red_programs_note(table: Table, period: str) -> str:
    """What the red programs' reasons are: the rules' findings' explanations, and for a program no finding
    of the quarter explains (the rules have not evaluated it, or concluded nothing for the program) its
    trust score against its target, as the overview says it."""
    unexplained = sum(1 for row in table.rows if not row["why"])
    if not table.rows:
        return f"No program is red in {period}."
    if not unexplained:
        return "Each red program with the explanation of the rule finding behind its status."
    if unexplained == len(table.rows):
        return (f"Each red program with its trust score against its target: no rule finding of {period} explains "
                "its status.")
    return ("Each red program with the explanation of the rule finding behind its status or, where no finding of "
            f"{period} explains it, its trust score against its target.")


# ------------------------------------------------------------------------------- commitments

def overdue_table(session, scope: common.Scope, today: date, base_url: str,
                  programs: common.ProgramFilter = common.EVERY_PROGRAM) -> Table:
    """The commitments counted as overdue on the overview: every one open and past due (of those tied to
    the `programs` chosen), each linked to its page for who may open it, else to its function's page; its
    reason (what its officer or leader wrote) only for who may open its page, as the function's page shows it."""
    query = sa.select(Commitment).options(so.joinedload(Commitment.function), so.joinedload(Commitment.leader))
    tied = programs.commitment_ids(session)
    if tied is not None:
        query = query.where(Commitment.id.in_(tied))
    overdue = [c for c in session.scalars(query) if is_overdue(c, today)]
    overdue.sort(key=lambda c: (c.due_date, c.function.code, c.title))
    namesakes = Namesakes(session)  # two Pat Smiths, each with where they sit (scorecard.naming)
    rows = [{"title": c.title, "href": _absolute(base_url, links.commitment(c.id) if seen
                                                 else links.function(c.function.code)), "function": c.function.code,
             "leader": in_words(namesakes.parts(leader_parts, c.leader)) if c.leader else None, "due": c.due_date,
             "days": (today - c.due_date).days, "status": STATUS_LABELS[c.status],
             "reason": c.reason if seen else NOT_SHOWN}
            for c in overdue for seen in [may_see(scope, c)]]
    return Table(caption=f"Overdue commitments as of {today.isoformat()}, longest overdue first", name=OVERDUE,
                 rows=rows, empty="No commitment is overdue.", columns=[
                     Column("title", "Commitment", link="href", row_header=True), Column("function", "Function"),
                     Column("leader", "Leader"), Column("due", "Due", DATE), Column("days", "Days overdue", COUNT),
                     Column("status", "Status"), Column("reason", "Reason")])


# ------------------------------------------------------------------------------- leaders

def leaders_table(found: queries.LeadersBelow, base_url: str, agency: Optional[str] = None) -> Table:
    rows = []
    for leader in found.leaders:
        lowest = leader.requirements[0]
        rows.append({"leader": leader.leader, "href": _absolute(base_url, links.plan(leader.plan_id)),
                     "title": leader.title, "component": leader.unit, "rating": lowest.rating,
                     "requirement": lowest.text, "why": _absolute(base_url, links.finding(lowest.finding_id)),
                     "below": len(leader.requirements)})
    year = f" in FY{found.fiscal_year} plans" if found.fiscal_year else ""
    empty = "No leader has a CX requirement proposed below 3." if found.fiscal_year else found.none_words(agency)
    return Table(caption=f"{queries.LEADERS_BELOW}{year}",
                 name=LEADERS, rows=rows, empty=empty, columns=[
                     Column("leader", "Leader", link="href", row_header=True), Column("title", "Title"),
                     Column("component", "Component or function"),
                     Column("rating", "Lowest proposed rating", COUNT),
                     Column("requirement", "Requirement rated lowest", link="why"),
                     Column("below", "CX requirements below 3", COUNT)])


# ------------------------------------------------------------------------------- the whole

def build(session, period: Optional[str], agency_id: Optional[int], scope: common.Scope, today: date, *,
          min_n: int = 30, stale_days: int = 30, prepared_for: str = "", base_url: str = "",
          progress: Callable[[str, int], None] = lambda stage, percent: None) -> Briefing:
    """The briefing of `period` (None: the latest with data) and agency (None: all), as `scope`
    sees the overview on `today`. `progress(stage, percent)` is told as each part is read."""
    programs = common.ProgramFilter(agency_id)
    progress("Reading the overview", 5)
    found = queries.overview(session, period, programs, scope, today, min_n=min_n, stale_days=stale_days)
    agency = dict(common.agencies(session)).get(agency_id, "All agencies") if agency_id else "All agencies"
    briefing = Briefing(f"CX briefing: {agency}, {found.period or 'no quarter with data'}", found.period, agency,
                        prepared_for, utcnow().replace(microsecond=0))
    if found.period is None:
        briefing.sections.append(Section(GLANCE, "At a glance", "No program observations yet: import a quarter's "
                                                                "survey results to fill the briefing.", None))
        return briefing
    named = agency if agency_id else None  # the agency chosen, as the briefing's words name it
    briefing.sections.append(Section(
        GLANCE, f"{found.period} at a glance", under_way_words(found) + no_results_words(found, agency)
        + "Survey scores pool every touchpoint "
                                               "and channel; a change of score is listed only when significant at 95%.",
        glance_table(found, named)))
    progress("What changed", 25)
    changes = found.changes
    briefing.sections.append(Section(CHANGES, f"What changed since {changes.prior_period}", changes.note,
                                     changes_table(found, base_url), kinds="kind"))
    progress("Red programs", 40)
    red = red_programs_table(session, found, programs, min_n, base_url, scope, today)
    briefing.sections.append(Section(RED_PROGRAMS, "Red programs", red_programs_note(red, found.period), red))
    progress("Overdue commitments", 55)
    whose = f" {tied_to(agency)}" if agency_id else ""
    briefing.sections.append(Section(OVERDUE, "Overdue commitments", f"Open commitments{whose} that are past their "
                                                                     "due date.",
                                     overdue_table(session, scope, today, base_url, programs)))
    progress("Leaders", 65)
    if found.leaders is None:
        briefing.sections.append(Section(LEADERS, queries.LEADERS_BELOW,
                                         "Performance plans are not shown to your role.", None))
    else:
        briefing.sections.append(Section(
            LEADERS, queries.LEADERS_BELOW, (f"Leaders of {agency}" if agency_id else "Leaders")
                                        + ", in the plans your role sees, with a CX requirement the rules "
                                          "propose to rate below 3 (Fully Successful); lowest first.",
            leaders_table(found.leaders, base_url, named)))
    return briefing
