"""Capacity assessments as people change them: the words for scores and their change from year to year,
who may edit or reopen an assessment, saving a draft, submitting it (which locks the year) and an
admin's reopening with a reason. Every change is an AuditEvent naming the person, and checked against
the version the form was opened at. What the pages and the capacity dashboard read is in `view`."""
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from scorecard import evidence
from scorecard.commitments.services import STATUS_LABELS
from scorecard.models import (
    CAPACITY_DOMAINS,
    AuditEvent,
    CapacityAssessment,
    CapacityDomainScore,
    Component,
    User,
    utcnow,
)
from scorecard.models.capacity import CapacityStatus, on_scale, scale_of, total_of
from scorecard.people import is_viewer, person
from scorecard.permissions import can
from scorecard.text import blank, cut

ENTITY = "capacity_assessment"  # AuditEvent.entity_type of every change here
IMPORT_ACTION = "capacity.import"  # the AuditEvent.action of a change an import batch made (importers.sinks.capacity)
REVERT_ACTION = "import.revert"  # the AuditEvent.action (on the import batch) of a batch reverted (importers.revert)
# the AuditEvent.action, on the assessment, of an import's changes undone by its revert (importers.sinks.capacity)
IMPORT_REVERTED_ACTION = "capacity.import_reverted"
YEARS_SHOWN = 6                 # fiscal years in the grid: the latest with assessments, and the current one
SCALE_LIMITS = (0, 100)         # the lowest and highest a scale may run from and to
NARRATIVE_MAX = 10_000
REASON_MAX = 4_000
LINKS_MAX = 25
_SCORE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)  # 0-9 only: "٣" is no score typed here

STATUS_WORDS = {None: "not started", CapacityStatus.draft: "draft", CapacityStatus.submitted: "submitted"}
COMMITMENT_WORDS = {s: label.lower() for s, label in STATUS_LABELS.items()}


class CapacityError(ValueError):
    """Values that cannot be saved. `problems` maps (domain or None, field) to a message that names
    the field and the value."""

    def __init__(self, problems: dict):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


class Locked(CapacityError):
    """The assessment is submitted: nothing changes until an admin reopens it."""

    def __init__(self, assessment: CapacityAssessment):
        self.assessment = assessment
        super().__init__({(None, "status"): _sentence(assessment.locked_message())})


class EditConflict(Exception):
    """Someone saved the assessment after the form was opened; nothing was saved."""

    def __init__(self, assessment: CapacityAssessment, by: Optional[str], at: Optional[datetime],
                 by_id: Optional[int] = None):
        self.assessment, self.by, self.at, self.by_id = assessment, by, at, by_id
        super().__init__(f"saved by {by or 'someone else'} after the form was opened")

    def by_you(self, user) -> bool:
        """Whether `user` made the save this one met (in another tab or window): said so, not by name."""
        return is_viewer(self.by_id, user)


# ------------------------------------------------------------------------------ words

def score_text(value: Optional[float]) -> str:
    """A score as people write it: 4, 4.5 (never 4.0)."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return "infinity" if value > 0 else "-infinity" if value < 0 else "not a number"
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")


def score_field(value: float) -> str:
    """A stored score as the edit form's field holds it: every digit kept (4.333333333333333 as an import
    wrote it, not score_text's 4.33), so the form saved unchanged changes nothing; 4, not 4.0."""
    written = repr(float(value))
    return written[:-2] if written.endswith(".0") else written


def change_words(now: Optional[float], before: Optional[float], prior_year: int, comparable: bool = True) -> str:
    """The change from last year in words ("up 2 from 3 in FY2026"), never a colour alone."""
    if before is None:
        return f"no FY{prior_year} score"
    if not comparable:
        return f"FY{prior_year}: {score_text(before)} on another scale"
    if now is None:
        return f"not scored yet (FY{prior_year}: {score_text(before)})"
    diff = now - before
    if math.isclose(diff, 0, abs_tol=1e-9):
        return f"no change from FY{prior_year} ({score_text(before)})"
    return f"{'up' if diff > 0 else 'down'} {score_text(abs(diff))} from {score_text(before)} in FY{prior_year}"


@dataclass(frozen=True)
class YearScores:
    """One year's assessment as plain values, to compare totals from (the capacity page reads them from
    an assessment, the dashboard from columns): its scale and {domain: score, None when not scored}."""

    scale: tuple[int, int]
    scores: dict

    @classmethod
    def of(cls, assessment: Optional[CapacityAssessment]) -> Optional["YearScores"]:
        if assessment is None:
            return None
        return cls((assessment.scale_min, assessment.scale_max), {d.domain: d.score for d in assessment.domain_scores})

    @property
    def total(self) -> Optional[float]:
        return total_of(self.scores.values())

    @property
    def scored(self) -> set[str]:
        return {domain for domain, score in self.scores.items() if score is not None}

    @property
    def domains(self) -> set[str]:
        """The A-11 domains and any other this year holds (as `domains_of`)."""
        return set(CAPACITY_DOMAINS) | set(self.scores)

    @property
    def total_words(self) -> str:
        """"24 of 35", with "(4 of 5 domains scored)" while some are missing."""
        scored, domains = len(self.scored), len(self.domains)
        if not scored:
            return "no scores yet"
        text = f"{score_text(self.total)} of {score_text(self.scale[1] * domains)}"
        return text if scored == domains else f"{text} ({scored} of {domains} domains scored)"


def total_change_words(prior_year: int, now: Optional[YearScores], before: Optional[YearScores]) -> str:
    """The change of an assessment's total from the year before in words, or why the totals cannot be
    compared: the first reason that holds (another scale, this year not fully scored, last year not,
    other domains). The domains are the A-11 ones and any other this year holds (`domains_of`)."""
    if before is None:
        return f"no FY{prior_year} assessment"
    if before.total is None:
        return f"FY{prior_year}: no domain scored"
    total = now.total if now is not None else None
    words = f"FY{prior_year} total: {score_text(before.total)}"
    if total is None:
        return words
    domains = now.domains
    unscored = len(domains - now.scored)
    if now.scale != before.scale:
        return f"{words} (not comparable: another scale)"
    if unscored:
        return f"{words} (not comparable yet: {unscored} domain{'s' if unscored != 1 else ''} not scored)"
    if before.scored < domains:  # a domain left blank (a row with no score, or none at all)
        unscored_before = len(domains - before.scored)
        return (f"{words} (not comparable: {unscored_before} domain{'s' if unscored_before != 1 else ''} not "
                f"scored in FY{prior_year})")
    if before.scored != domains:
        return f"{words} (not comparable: other domains)"
    return change_words(total, before.total, prior_year)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# ------------------------------------------------------------------------------ reading

def find(session, component_id: int, fiscal_year: int) -> Optional[CapacityAssessment]:
    return session.scalar(sa.select(CapacityAssessment).where(
        CapacityAssessment.component_id == component_id, CapacityAssessment.fiscal_year == fiscal_year)
        .options(so.selectinload(CapacityAssessment.domain_scores), so.joinedload(CapacityAssessment.submitted_by)))


def domains_of(assessment: Optional[CapacityAssessment]) -> list[str]:
    """The A-11 domains, then any other domain the assessment holds (the list is configurable)."""
    extra = [d.domain for d in (assessment.domain_scores if assessment else []) if d.domain not in CAPACITY_DOMAINS]
    return list(CAPACITY_DOMAINS) + extra


def may_edit(user, assessment: Optional[CapacityAssessment]) -> bool:
    """Analysts and admins change a draft (or start one); nobody changes a submitted year."""
    return can(user, "edit_capacity") and (assessment is None or not assessment.is_submitted)


def may_reopen(user, assessment: Optional[CapacityAssessment]) -> bool:
    return can(user, "reopen_capacity") and assessment is not None and assessment.is_submitted


def is_link(text: str) -> bool:
    """Whether a line of evidence is a web address (http or https, with a host) the page links."""
    return evidence.is_web_address(text) and " " not in text


# ------------------------------------------------------------------------------ changing

def save(session, component: Component, fiscal_year: int, posted: dict, *, user, version: int
         ) -> tuple[Optional[CapacityAssessment], dict]:
    """Save a draft from the form: `posted` holds "scale_min", "scale_max" (text) and "domains",
    a list of {"domain", "score", "narrative", "evidence"} (text). `version` is the assessment's
    version when the form was opened (0: not started then). Returns the assessment and the fields
    that changed ({} when nothing did, and nothing is written)."""
    if not can(user, "edit_capacity"):
        raise PermissionError("only analysts and admins enter capacity assessments")
    assessment = find(session, component.id, fiscal_year)
    if assessment is not None and assessment.is_submitted:
        raise Locked(assessment)
    if (assessment.version if assessment else 0) != version:
        raise _conflict(session, assessment)
    domains = domains_of(assessment)
    values, problems = _parse(posted, domains, assessment)
    if problems:
        raise CapacityError(problems)
    new = assessment is None
    if new:
        if not any(v for entry in values["domains"].values() for v in entry.values()):
            return None, {}  # an empty form for a year not started: nothing to keep
        assessment = CapacityAssessment(component=component, fiscal_year=fiscal_year)
        session.add(assessment)
    before, after = _apply(assessment, values, domains, new)
    if not after:
        return assessment, {}
    assessment.updated_at = utcnow()  # the assessment row changes too, so its version moves on
    _write(session, assessment, user, "capacity.create" if new else "capacity.save", before, after)
    return assessment, after


def _apply(assessment: CapacityAssessment, values: dict, domains: list[str], new: bool) -> tuple[dict, dict]:
    """Set the parsed values on the assessment; returns the fields changed, before and after."""
    before, after = {}, {}
    scale = ("scale_min", "scale_max")
    if new or any(getattr(assessment, name) != values[name] for name in scale):
        for name in scale:  # both ends, so the history can say the scale before and after
            before[name], after[name] = None if new else getattr(assessment, name), values[name]
            setattr(assessment, name, values[name])
    stored = {d.domain: d for d in assessment.domain_scores}
    for position, domain in enumerate(domains):
        entry = values["domains"][domain]
        row = stored.get(domain)
        if row is None:
            if not any(entry.values()):
                continue
            row = CapacityDomainScore(domain=domain, position=position)
            assessment.domain_scores.append(row)
        for name, value in entry.items():
            old = getattr(row, name)
            if old != value:
                before[f"{domain}: {name}"], after[f"{domain}: {name}"] = old, value
                setattr(row, name, value)
    return before, after


def submit(session, assessment: CapacityAssessment, *, user, version: int) -> None:
    """Submit a complete draft: the year is locked until an admin reopens it."""
    if not can(user, "edit_capacity"):
        raise PermissionError("only analysts and admins submit capacity assessments")
    if assessment.is_submitted:
        raise Locked(assessment)
    if assessment.version != version:
        raise _conflict(session, assessment)
    scored = {d.domain for d in assessment.domain_scores if d.score is not None}
    missing = [d for d in domains_of(assessment) if d not in scored]
    if missing:
        raise CapacityError({(None, "status"): (
            f"Every domain needs a score before the FY{assessment.fiscal_year} assessment can be submitted; "
            f"not scored: {', '.join(missing)}.")})
    outside = [f"{d.domain} ({score_text(d.score)})" for d in assessment.domain_scores
               if d.score is not None and not on_scale(assessment, d.score)]
    if outside:  # however it came (an old import put back), a score the scale does not hold is not submitted
        raise CapacityError({(None, "status"): (
            f"Every score must lie on the assessment's scale of {assessment.scale_min}-{assessment.scale_max} before "
            f"the FY{assessment.fiscal_year} assessment can be submitted; outside it: {', '.join(outside)}.")})
    assessment.status = CapacityStatus.submitted
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = user.id
    total = f"{score_text(assessment.total)} of {score_text(assessment.scale_max * len(domains_of(assessment)))}"
    _write(session, assessment, user, "capacity.submit", {"status": CapacityStatus.draft.value},
           {"status": CapacityStatus.submitted.value, "submitted_at": assessment.submitted_at.isoformat(),
            "total": total})


def reopen(session, assessment: CapacityAssessment, reason: Optional[str], *, user, version: int) -> None:
    """An admin reopens a submitted year, saying why; the reason is kept in the audit log."""
    if not can(user, "reopen_capacity"):
        raise PermissionError("only an admin reopens a submitted capacity assessment")
    if not assessment.is_submitted:
        raise CapacityError({(None, "status"): f"The FY{assessment.fiscal_year} assessment of "
                                               f"{assessment.component.name} is a draft already: nothing to reopen."})
    reason = "" if blank(reason) else reason.strip()
    if not reason:
        raise CapacityError({(None, "reason"): (
            f"Reason: say why the FY{assessment.fiscal_year} assessment of {assessment.component.name} is "
            "reopened; it is kept in the audit log (the field was empty).")})
    if len(reason) > REASON_MAX:
        raise CapacityError({(None, "reason"): (
            f"Reason: {len(reason):,} characters is too long; write at most {REASON_MAX:,}.")})
    if assessment.version != version:
        raise _conflict(session, assessment)
    before = {"status": assessment.status.value,
              "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
              "submitted_by": assessment.submitted_by.email if assessment.submitted_by else None}
    assessment.status = CapacityStatus.draft
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    _write(session, assessment, user, "capacity.reopen", before, {"status": CapacityStatus.draft.value,
                                                                   "reason": reason})


def _write(session, assessment, user, action, before, after) -> None:
    """Write the change and its AuditEvent in one transaction. A concurrent save of the same
    assessment (its version moved on, or two people started the same year) is an EditConflict."""
    component_id, fiscal_year = assessment.component.id, assessment.fiscal_year
    try:
        session.flush()  # a new assessment needs its id; a stale version fails here
        session.add(AuditEvent(user_id=user.id, action=action, entity_type=ENTITY, entity_id=assessment.id,
                               before=before or None,
                               after={**after, "component": assessment.component.name,
                                      "fiscal_year": assessment.fiscal_year}))
        session.commit()
    except (StaleDataError, sa.exc.IntegrityError):
        session.rollback()
        raise _conflict(session, find(session, component_id, fiscal_year)) from None


def _conflict(session, assessment: Optional[CapacityAssessment]) -> EditConflict:
    """Who changed the assessment last, and when, for the message: a save, submission or import of it, or
    the revert of an import that changed it (its version moves on too: importers.revert)."""
    if assessment is None:
        return EditConflict(None, None, None)
    imported = [after.get("import_batch") for after in session.scalars(sa.select(AuditEvent.after).where(
        AuditEvent.entity_type == ENTITY, AuditEvent.entity_id == assessment.id, AuditEvent.action == IMPORT_ACTION))
        if isinstance(after, dict) and isinstance(after.get("import_batch"), int)]
    row = session.execute(
        sa.select(User, AuditEvent.at, AuditEvent.user_id).outerjoin(User, User.id == AuditEvent.user_id)
        .where(sa.or_(sa.and_(AuditEvent.entity_type == ENTITY, AuditEvent.entity_id == assessment.id),
                      sa.and_(AuditEvent.entity_type == "import_batch", AuditEvent.action == REVERT_ACTION,
                              AuditEvent.entity_id.in_(imported))))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()
    by = person(row.User) if row and row.User else None  # "Name (e-mail)", as a commitment's conflict says
    return EditConflict(assessment, by, row.at if row else None, row.user_id if row else None)


# ------------------------------------------------------------------------------ parsing

def _parse(posted: dict, domains: list[str], assessment: Optional[CapacityAssessment]) -> tuple[dict, dict]:
    """The posted text as values, and a message for each field that cannot be kept (naming the
    field and the value)."""
    problems: dict = {}
    values = {"domains": {}}
    for name, label, example in (("scale_min", "Lowest score", 1), ("scale_max", "Highest score", 7)):
        text = (posted.get(name) or "").strip()
        if not text:
            problems[(None, name)] = (f"{label}: required (the field was empty); write a whole number, "
                                      f"such as {example}.")
        elif not re.fullmatch(r"[+-]?\d+", text, re.ASCII):
            problems[(None, name)] = f"{label}: {text!r} is not a whole number."
        else:
            digits = text.lstrip("+-").lstrip("0") or "0"  # leading zeros are no size: +0007 is 7
            value = None if len(digits) > 9 else (-1 if text.startswith("-") else 1) * int(digits)
            if value is None or not SCALE_LIMITS[0] <= value <= SCALE_LIMITS[1]:
                shown = str(value) if value is not None else _as_typed(text)  # thousands of digits: no int()
                problems[(None, name)] = f"{label}: {shown} is outside {SCALE_LIMITS[0]}-{SCALE_LIMITS[1]}."
            else:
                values[name] = value
    low, high = values.get("scale_min"), values.get("scale_max")
    if low is not None and high is not None and low >= high:
        # Named at the field the user changed from what the form showed (both when both moved)
        was = scale_of(assessment)
        moved_low = low != was[0]
        if moved_low:
            problems[(None, "scale_min")] = f"Lowest score: {low} must be below the highest score, {high}."
        if not moved_low or high != was[1]:
            problems[(None, "scale_max")] = f"Highest score: {high} must be above the lowest score, {low}."
        low = high = None
    entries = _domain_entries(posted, domains, problems)
    stored = {d.domain: d.evidence for d in assessment.domain_scores} if assessment is not None else {}
    for domain in domains:
        entry = entries.get(domain, {})
        parsed = {}
        parsed["score"] = _score(domain, entry.get("score"), low, high, problems)
        narrative = (entry.get("narrative") or "").strip()
        if len(narrative) > NARRATIVE_MAX:
            problems[(domain, "narrative")] = (f"{domain} narrative: {len(narrative):,} characters is too long; "
                                               f"write at most {NARRATIVE_MAX:,}.")
        parsed["narrative"] = narrative or None
        parsed["evidence"] = _links(domain, entry.get("evidence"), problems, stored.get(domain))
        values["domains"][domain] = parsed
    if assessment is not None and low is not None and high is not None:
        _check_rescaled(assessment, (low, high), values["domains"], problems,
                        vouched=(posted.get("scores_on_scale") or "").strip())
    return values, problems


def _check_rescaled(assessment: CapacityAssessment, scale: tuple[int, int], domains: dict, problems: dict,
                    vouched: str = "") -> None:
    """A scale changed while scores entered on the old one are kept as they were is refused: a 4 of 7
    would silently become a 4 of 100. The scores must be entered again (or cleared) in the same save, or
    the person says the scores shown are the new scale's (`vouched` names it: "1-10")."""
    was = (assessment.scale_min, assessment.scale_max)
    if scale == was or vouched == scale_words(*scale):
        return
    kept = [(d.domain, d.score) for d in assessment.domain_scores
            if d.score is not None and d.domain in domains and domains[d.domain]["score"] == d.score]
    if not kept:
        return
    old, new = scale_words(*was), scale_words(*scale)
    name, label = ("scale_max", "Highest score") if scale[1] != was[1] else ("scale_min", "Lowest score")
    listed = ", ".join(f"{domain} {score_text(score)}" for domain, score in kept)
    one = len(kept) == 1
    problems[(None, name)] = (
        f"{label}: changing the scale from {old} to {new} would change what the score{'' if one else 's'} "
        f"entered on {old} mean{'s' if one else ''} ({listed}); re-enter {'it' if one else 'them'} on {new} in the "
        f"same save, or keep the scale {old}. If the score{'' if one else 's'} shown {'is' if one else 'are'} "
        f"already on {new}, tick \"The scores shown are on {new}\" and save.")


def scale_words(low, high) -> str:
    """A scale as the pages write it: 1-7."""
    return f"{low}-{high}"


def _domain_entries(posted: dict, domains: list[str], problems: dict) -> dict:
    """{domain: its posted fields}. Each domain exactly once and in the form's order, or a problem
    and nothing kept: a domain named twice would take another's score and erase the one left out,
    two swapped would swap their scores and narratives."""
    entries = {}
    for entry in posted.get("domains", []):
        domain = entry.get("domain")
        if domain not in domains:
            problems[(None, "domains")] = (f"Domain: {domain!r} is not one of this assessment's domains "
                                           f"({'; '.join(domains)}); open the form again.")
        elif domain in entries:
            problems[(None, "domains")] = f"Domain: {domain!r} is given twice; open the form again."
        else:
            entries[domain] = entry
    missing = [d for d in domains if d not in entries]
    if missing and (None, "domains") not in problems:
        problems[(None, "domains")] = f"Domain: {missing[0]!r} is missing from the form; open the form again."
    named = [entry.get("domain") for entry in posted.get("domains", [])]
    if (None, "domains") not in problems and named != domains:
        moved = next(d for d, expected in zip(named, domains) if d != expected)
        problems[(None, "domains")] = f"Domain: {moved!r} is not where the form put it; open the form again."
    return entries


def _score(domain: str, text: Optional[str], low: Optional[int], high: Optional[int], problems: dict):
    text = (text or "").strip()
    if not text:
        return None
    if not _SCORE.match(text):
        problems[(domain, "score")] = f"{domain} score: {text!r} is not a number; write it like 4 or 4.5."
        return None
    value = float(text)
    if not math.isfinite(value):
        problems[(domain, "score")] = f"{domain} score: {_as_typed(text)} is too large to be a score on any scale."
        return None
    if low is not None and high is not None and not low <= value <= high:
        problems[(domain, "score")] = (f"{domain} score: {_as_typed(text)} is outside the assessment's scale "
                                       f"({low}-{high}).")
        return None
    return value


def _as_typed(text: str) -> str:
    """A number as the person typed it, for a message (99999999999999999999999, not 1e+23); a longer one
    than a field shows is cut, and says how long it was."""
    return cut(text, 40)


def evidence_links(lines: list[str], kept: Optional[str] = None, *, noun: str = "line") -> Optional[str]:
    """Evidence links, one per line as stored (None when there are none), each checked as a commitment's are
    (`evidence.link_problem`); a ValueError names every line that is refused, at once, by its number as typed
    (the web form and the capacity import both read them here; a spreadsheet's cell, split at spaces and
    semicolons too, counts its links: `noun` "link"). `kept`, the links stored: one of them saved again is held
    only to being a web address (stored before the later checks, it must not block the rest of a save)."""
    stored = set((kept or "").splitlines())
    links: dict[str, int] = {}  # each link once, with its line as typed (blank lines counted)
    for number, line in enumerate(lines, start=1):
        links.setdefault(line.strip(), number)
    links.pop("", None)
    many = evidence.too_many(len(links), LINKS_MAX)
    if many:
        raise ValueError(many + ".")
    problems = [f"{noun} {number}: {problem}" for link, number in links.items()
                if (problem := evidence.link_problem(link, stored=stored))]
    written = "\n".join(links)
    # (their length only as they change: links stored before that check must not block the rest of a save)
    too_long = evidence.too_long(links) if not problems and written != (kept or "") else None
    if too_long:
        raise ValueError(too_long + ".")
    if not problems:
        return written or None
    raise ValueError(evidence.refusal(problems, noun) + ".")  # every bad line named at once, not one per save


def _links(domain: str, text: Optional[str], problems: dict, kept: Optional[str] = None) -> Optional[str]:
    """The form's evidence links, one per line (evidence_links), a problem named by its domain. Each line is read
    as a file's cell reads links (evidence.split_links: a final semicolon is no part of a link), and one that a
    file would read as several is refused: saved whole, a download and upload of the same text changed it."""
    lines = [line.strip() for line in (text or "").splitlines()]
    stored = frozenset((kept or "").splitlines())  # a line stored before this reading is the link it was, whole
    # each line's links (a line with a space in it is refused for the space, as it was; a blank one is kept blank)
    read = [[line] if any(ch.isspace() for ch in line) else evidence.split_links(line, stored) or [""]
            for line in lines]
    several = [f"line {number}: {evidence.quoted(line)} holds {len(found)} links: put each on its own line"
               for number, (line, found) in enumerate(zip(lines, read), start=1) if len(found) > 1]
    if several:
        problems[(domain, "evidence")] = f"{domain} evidence links, " + "; ".join(several) + "."
        return None
    try:
        return evidence_links([found[0] for found in read], kept)
    except ValueError as error:
        sep = ", " if str(error).startswith("line") else ": "
        problems[(domain, "evidence")] = f"{domain} evidence links{sep}{error}"
        return None
