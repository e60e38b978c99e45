"""Evaluate the published rules and keep the findings table equal to what they conclude.

A finding is the current conclusion of one rule about one subject: re-evaluating replaces it
(same rule, same subject) when its fingerprint changed, leaves it alone when it did not, and
deletes it when the rule no longer finds anything. All writes of one evaluation happen in one
transaction, with bulk statements. `simulate` evaluates a draft beside the published version
and writes nothing; `replay` re-evaluates a stored finding from exactly the inputs it records.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa

from scorecard import writers
from scorecard.bulk import bulk_insert, collector_paused
from scorecard.clock import agency_today
from scorecard.models import (
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    Finding,
    FindingInput,
    Metric,
    PlanRequirement,
    Rule,
    RuleStatus,
    RuleSubject,
    RuleVersion,
    utcnow,
)
from scorecard.models.org import Function
from scorecard.rules import subjects as subj
from scorecard.rules.context import (
    CHUNK,
    EvaluationContext,
    fetch_rows,
    latest_periods,
    load_context,
    load_observations,
)
from scorecard.rules.evaluator import CompiledRule, FindingDraft, Leaf
from scorecard.rules.evaluator import evaluate as evaluate_rule
from scorecard.rules.facts import FACTS, resolve, subject_keys
from scorecard.rules.schema import RuleError, compile_rule, validate_definition
from scorecard.survey import configured_min_n


@dataclass
class EvaluationResult:
    """What one evaluation concluded and what it changed (or, dry, would change)."""

    findings: list = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    subjects: int = 0
    rules: list = field(default_factory=list)
    dry_run: bool = False
    incremental: bool = False

    def as_json(self) -> dict:
        by_rule = defaultdict(lambda: defaultdict(int))
        for draft in self.findings:
            by_rule[draft.rule_key][draft.summary] += 1
        return {"dry_run": self.dry_run, "incremental": self.incremental, "rules": self.rules,
                "subjects": self.subjects, "findings": len(self.findings), "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted,
                "outcomes": {k: dict(v) for k, v in sorted(by_rule.items())}}


# -- rules from the database ----------------------------------------------------------------------
def published_rules(session, rule_key: Optional[str] = None) -> list[tuple[int, CompiledRule]]:
    """(rule id, compiled rule) for every published version (or only `rule_key`'s)."""
    query = (sa.select(Rule.id, RuleVersion.id, RuleVersion.version, RuleVersion.definition)
             .join(RuleVersion, RuleVersion.rule_id == Rule.id)
             .where(RuleVersion.status == RuleStatus.published).order_by(Rule.key))
    if rule_key is not None:
        query = query.where(Rule.key == rule_key)
    return [(rule_id, compile_rule(definition, version_id=version_id, version=version))
            for rule_id, version_id, version, definition in session.execute(query)]


def codes(session) -> tuple[set, set]:
    """The metric and function codes that exist, for validating rule definitions."""
    return set(session.scalars(sa.select(Metric.code))), set(session.scalars(sa.select(Function.code)))


def _leaves(node) -> Iterable:
    if node is None:
        return
    if isinstance(node, Leaf):
        yield node.ref
    else:
        for part in node.parts:
            yield from _leaves(part)


def fact_refs(rule: CompiledRule) -> list:
    """Every fact a rule reads: in `when`, its outcome's `by` and its outcome's cases."""
    refs = list(_leaves(rule.when)) + ([rule.then.by] if rule.then.by else [])
    for condition, _outcome in rule.then.cases:
        refs += _leaves(condition)
    return refs


def metrics_read(ctx: EvaluationContext, rules: Iterable[CompiledRule]) -> set:
    """The ids of the metrics the rules' facts read (a rule naming none reads its subjects' own;
    a function's metrics, read all at once, are `functions_read`)."""
    ids = set()
    for rule in rules:
        for ref in fact_refs(rule):
            spec = FACTS[ref.name]
            if not spec.reads_metric:
                continue
            code = ref.param("metric")
            if code is None and spec.function_metrics:
                continue
            if code is not None:
                if code in ctx.metric_codes:
                    ids.add(ctx.metric_codes[code].id)
            elif rule.subject_type is RuleSubject.requirement:
                ids |= {r.metric_id for r in ctx.requirements.values()} - {None}
                ids |= {m for c in ctx.commitments.values() for m in c.metric_ids}
            elif rule.subject_type is RuleSubject.commitment:
                ids |= {m for c in ctx.commitments.values() for m in c.metric_ids}
    return ids


def functions_read(ctx: EvaluationContext, rules: Iterable[CompiledRule]) -> set:
    """The functions whose observations of every metric the rules read: those named by
    requirements, when a rule reads a function's metrics without naming one."""
    for rule in rules:
        if rule.subject_type is RuleSubject.requirement and any(
                FACTS[ref.name].function_metrics and ref.param("metric") is None for ref in fact_refs(rule)):
            return {r.function_id for r in ctx.requirements.values() if r.function_id is not None}
    return set()


def _dated(rule: CompiledRule) -> bool:
    """Whether the rule's findings depend on the day they are evaluated (so the day is recorded)."""
    return rule.subject_type is RuleSubject.commitment or any(FACTS[ref.name].dated for ref in fact_refs(rule))


# -- evaluating --------------------------------------------------------------------------------------
def run_rules(ctx: EvaluationContext, rules: Iterable[CompiledRule],
              scope: Optional[dict] = None) -> list[FindingDraft]:
    """Every finding the rules make for the subjects in `scope` ({subject type: ids}; None: all)."""
    drafts = []
    for rule in rules:
        subject_type = rule.subject_type
        dated = _dated(rule)
        ids = None if scope is None else scope.get(subject_type, ())
        for entity in subj.entities(ctx, subject_type, ids):
            if rule.select and not subj.selected(ctx, subject_type, entity, rule.select):
                continue
            period = subj.as_of(ctx, subject_type, entity)
            if period is None:
                continue
            agency = subj.agency_of(ctx, subject_type, entity)
            # the agency whose latest quarter it is as of; none for one with no results (the whole database's)
            own = agency if ctx.has_results(agency) else None
            context = {"as_of": ctx.as_of(agency), "agency": own, "min_n": ctx.min_n}
            if dated:  # only rules that read the date record it (a program's finding keeps)
                context["today"] = ctx.today.isoformat()
            draft = evaluate_rule(rule, subj.subject(ctx, subject_type, entity), period,
                                  lambda ref, p, e=entity, t=subject_type: resolve(ctx, t, e, ref, p), context=context)
            if draft is not None:
                drafts.append(draft)
    return drafts


def _settings(today: Optional[date], min_n: Optional[int]) -> tuple[date, int]:
    return today or agency_today(), configured_min_n() if min_n is None else min_n


def evaluate(session, *, rule_key: Optional[str] = None, touched: Optional[Iterable] = None,
             dry_run: bool = False, today: Optional[date] = None, min_n: Optional[int] = None) -> EvaluationResult:
    """Evaluate the published rules (or one) and persist the findings in one transaction.

    `touched` — (subject key, period) pairs an import wrote — limits the work to the subjects
    that read them, widened to a whole agency whose latest quarter moved (or that has no
    findings yet). `dry_run` computes the changes and writes nothing."""
    today, min_n = _settings(today, min_n)
    result = EvaluationResult(dry_run=dry_run, incremental=touched is not None)
    try:
        with session.no_autoflush, collector_paused():
            if not dry_run:
                _one_writer(session)
            rules = published_rules(session, rule_key)
            result.rules = [rule.key for _, rule in rules]
            if not rules and rule_key is None and not _has_findings(session):
                return result
            ctx = load_context(session, today=today, min_n=min_n, observations=False)
            metric_ids = metrics_read(ctx, [r for _, r in rules])
            every_metric = functions_read(ctx, [r for _, r in rules])
            if touched is None:
                scope = None
                load_observations(session, ctx, metric_ids=metric_ids, function_metrics=every_metric)
            else:
                ctx.as_of_by_agency, ctx.as_of_global = latest_periods(session, ctx.today)
                scope = _incremental_scope(session, ctx, touched)
                programs, functions = _observation_subjects(ctx, scope)
                load_observations(session, ctx, metric_ids=metric_ids, program_ids=programs,
                                  function_ids=functions, function_metrics=every_metric & functions,
                                  as_of_known=True)
            drafts = run_rules(ctx, [r for _, r in rules], scope)
            result.findings = drafts
            result.subjects = len({(d.subject_type, d.subject_id) for d in drafts})
            rule_ids = {r.key: rule_id for rule_id, r in rules}
            _persist(session, drafts, rule_ids, scope, rule_key, result)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _one_writer(session) -> None:
    """One evaluation writes findings at a time (an import's re-evaluation and a cron run may
    overlap): the second waits, then reads what the first wrote. Nor does a confirm or a revert
    change the observations it reads meanwhile (a finding's inputs would name rows deleted since)."""
    writers.one_at_a_time(session, writers.EVALUATION)
    writers.one_at_a_time(session, writers.IMPORT)


def _has_findings(session) -> bool:
    return session.scalar(sa.select(Finding.id).limit(1)) is not None


def _dependents(ctx: EvaluationContext, program_keys: set, function_ids: set) -> dict:
    """The subjects that read any of these programs' or functions' observations."""
    scope = {subject_type: set() for subject_type in RuleSubject}
    scope[RuleSubject.program] = {int(k[8:]) for k in program_keys}
    components = {ctx.programs[p].component_id for p in scope[RuleSubject.program] if p in ctx.programs}
    for r in ctx.requirements.values():
        if program_keys & set(subject_keys(ctx, RuleSubject.requirement, r)) or r.function_id in function_ids:
            scope[RuleSubject.requirement].add(r.id)
    for c in ctx.commitments.values():
        keys = set(subject_keys(ctx, RuleSubject.commitment, c))
        if program_keys & keys or (not c.program_ids and c.function_id in function_ids):
            scope[RuleSubject.commitment].add(c.id)
    scope[RuleSubject.capacity_domain] = {d.id for d in ctx.capacity.values() if d.component_id in components}
    return scope


COMMITMENT_KEY = "commitment:"  # a touched pair naming a commitment changed on a page (rules.hooks)


def _commitment_dependents(ctx: EvaluationContext, scope: dict, commitment_ids: set) -> None:
    """Add to `scope` what reads these commitments: themselves, the requirements tied to one or measured
    by its function's commitments, and its component's capacity domains (their action plans)."""
    for commitment_id in commitment_ids:
        commitment = ctx.commitments.get(commitment_id)
        if commitment is None:
            continue
        scope[RuleSubject.commitment].add(commitment_id)
        scope[RuleSubject.requirement] |= {
            r.id for r in ctx.requirements.values()
            if r.commitment_id == commitment_id or r.function_id == commitment.function_id}
        scope[RuleSubject.capacity_domain] |= {d.id for d in ctx.capacity.values()
                                               if commitment.component_id is not None
                                               and d.component_id == commitment.component_id}


def _incremental_scope(session, ctx: EvaluationContext, touched: Iterable) -> dict:
    program_keys, function_ids, agencies, commitment_ids = set(), set(), set(), set()
    for subject_key, _period in touched:
        if subject_key.startswith(COMMITMENT_KEY):
            commitment_ids.add(int(subject_key[len(COMMITMENT_KEY):]))
        elif subject_key.startswith("program:"):
            program_id = int(subject_key[8:])
            if program_id in ctx.programs:
                program_keys.add(subject_key)
                agencies.add(ctx.programs[program_id].agency_id)
        elif subject_key.startswith("function:"):
            function_ids.add(int(subject_key[9:].partition("@")[0]))
            agencies.add(ctx.agency_of_key(subject_key))
    scope = _dependents(ctx, program_keys, function_ids)
    _commitment_dependents(ctx, scope, commitment_ids)
    # Agencies whose quarter moved since their findings were made (a new quarter arrived, or a
    # revert took one away), and agencies without findings yet, are evaluated whole.
    moved, covered = _agencies_with_findings(session, ctx)
    widen = moved | (agencies - covered)
    if widen:
        for subject_type in RuleSubject:
            for entity in subj.entities(ctx, subject_type):
                if subj.agency_of(ctx, subject_type, entity) in widen:
                    scope[subject_type].add(entity.id)
    return scope


def _agencies_with_findings(session, ctx: EvaluationContext) -> tuple[set, set]:
    """(agencies whose subjects' as-of quarter differs from a stored finding's, agencies with findings)."""
    moved, covered, index = set(), set(), {}
    for stored_type, subject_id, period in fetch_rows(session, sa.select(Finding.subject_type, Finding.subject_id,
                                                                         Finding.period).distinct()):
        key = (stored_type, subject_id)
        if key not in index:
            subject_type = RuleSubject(stored_type)  # the driver's rows hold the text
            found = subj.entities(ctx, subject_type, [subject_id])
            index[key] = ((subj.agency_of(ctx, subject_type, found[0]), subj.as_of(ctx, subject_type, found[0]))
                          if found else None)
        entry = index[key]
        if entry is None:
            continue
        covered.add(entry[0])
        if entry[1] != period:
            moved.add(entry[0])
    return moved, covered


def _observation_subjects(ctx: EvaluationContext, scope: dict) -> tuple[set, set]:
    """The programs and functions whose observations the subjects in scope read."""
    programs, functions = set(), set()
    for subject_type in RuleSubject:
        for entity in subj.entities(ctx, subject_type, scope.get(subject_type, ())):
            for key in subject_keys(ctx, subject_type, entity):
                if key.startswith("program:"):
                    programs.add(int(key[8:]))
                else:
                    functions.add(int(key[9:].partition("@")[0]))
            if subject_type is RuleSubject.commitment and not entity.program_ids:
                functions.add(entity.function_id)
            if subject_type is RuleSubject.requirement and entity.function_id is not None:
                functions.add(entity.function_id)
    return programs, functions


# -- persisting --------------------------------------------------------------------------------------
def fingerprint(draft: FindingDraft) -> str:
    """A digest of everything a finding says and read (not when it was evaluated). The parts
    are plain numbers, texts and tuples, whose repr is exact and stable (the subject type as its
    text, as when it was a plain string: stored fingerprints stay valid)."""
    inputs = sorted((i.role, i.metric_id or 0, i.subject_key or "", i.period or "", i.target_id or 0,
                     _round(i.value) or 0.0, i.n or 0, _ids_json(i)) for i in draft.inputs)
    facts = sorted((k, repr(v)) for k, v in draft.facts.items()) if draft.facts else ()
    parts = (draft.rule_version_id, str(draft.subject_type), draft.subject_id, draft.subject_detail, draft.period,
             draft.outcome_fields(), draft.explanation, facts, inputs)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _round(value):
    return None if value is None else round(value, 9)


def _persist(session, drafts: list, rule_ids: dict, scope: Optional[dict], rule_key: Optional[str],
             result: EvaluationResult) -> None:
    existing = _existing(session, scope, rule_ids if rule_key else None)
    keep: dict = {}
    extra: list = []
    for finding_id, rule_id, subject_type, subject_id, fp in existing:
        key = (rule_id, subject_type, subject_id)
        (extra.append(finding_id) if key in keep else keep.__setitem__(key, (finding_id, fp)))
    inserts, updates, read_again = [], [], []
    for draft in drafts:
        fp = fingerprint(draft)
        key = (rule_ids[draft.rule_key], draft.subject_type, draft.subject_id)
        row = keep.pop(key, None)
        if row is None:
            inserts.append((draft, fp))
        elif row[1] == fp:
            result.unchanged += 1
            if draft.subject_type in READ_AGAIN:
                read_again.append(row[0])
        else:
            updates.append((row[0], draft, fp))
    deletes = extra + [finding_id for finding_id, _ in keep.values()]
    result.inserted, result.updated, result.deleted = len(inserts), len(updates), len(deletes)
    if result.dry_run:
        return
    now = utcnow()
    _delete_inputs(session, deletes + [u[0] for u in updates])
    for start in range(0, len(deletes), CHUNK):
        session.execute(sa.delete(Finding.__table__).where(Finding.__table__.c.id.in_(deletes[start:start + CHUNK])))
    if updates:
        session.execute(sa.update(Finding.__table__).where(Finding.__table__.c.id == sa.bindparam("_id")),
                        [{"_id": fid, **_finding_row(d, fp, now)} for fid, d, fp in updates])
    ids = []
    if inserts:
        table = Finding.__table__
        returned = session.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                   [_finding_row(d, fp, now) for d, fp in inserts])
        ids = [row[0] for row in returned]
    _stamp_read_again(session, read_again, now)
    pairs = [(fid, d) for fid, d, _ in updates] + list(zip(ids, (d for d, _ in inserts)))
    rows = [_input_row(fid, item) for fid, draft in pairs for item in draft.inputs]
    if rows:
        bulk_insert(session, FindingInput.__table__, INPUT_COLUMNS, rows, processed=("observation_ids",))


# The subjects whose page says a finding evaluated before the subject's latest change is out of date (a
# requirement's: before the latest change to a commitment of the function it names, plans.RequirementView).
READ_AGAIN = (RuleSubject.capacity_domain, RuleSubject.commitment, RuleSubject.requirement)


def _stamp_read_again(session, finding_ids: list, now) -> None:
    """Capacity-domain and commitment findings the evaluation found unchanged, of an assessment or a
    commitment saved after they were evaluated, are stamped as evaluated now: the rules read it again and
    came to the same (its page says a finding evaluated before the latest change is out of date until then).
    So are a requirement's, when a commitment of the function it names changed since: its plan said "a
    commitment changed after this proposal was made" for good once an evaluation came to the same rating."""
    table = Finding.__table__
    # Each keyed on the finding's own subject (a primary key, or the commitments of one function by their
    # index): an IN (SELECT ...) of every saved subject, correlated on evaluated_at, was run again for each
    # finding (12,000 requirements' findings against 5,400 commitments: 110 s, holding the write lock).
    score, assessment = CapacityDomainScore.__table__, CapacityAssessment.__table__
    commitment, requirement = Commitment.__table__, PlanRequirement.__table__
    saved_since = sa.or_(
        sa.and_(table.c.subject_type == RuleSubject.capacity_domain, sa.exists().where(
            score.c.id == table.c.subject_id, assessment.c.id == score.c.assessment_id,
            assessment.c.updated_at > table.c.evaluated_at)),
        sa.and_(table.c.subject_type == RuleSubject.commitment, sa.exists().where(
            commitment.c.id == table.c.subject_id, commitment.c.updated_at > table.c.evaluated_at)),
        sa.and_(table.c.subject_type == RuleSubject.requirement, sa.exists().where(
            requirement.c.id == table.c.subject_id, commitment.c.function_id == requirement.c.function_id,
            sa.func.coalesce(commitment.c.last_update_at, commitment.c.created_at) > table.c.evaluated_at)))
    for start in range(0, len(finding_ids), CHUNK):
        session.execute(sa.update(table).where(table.c.id.in_(finding_ids[start:start + CHUNK]), saved_since)
                        .values(evaluated_at=now))


def _existing(session, scope: Optional[dict], rule_ids: Optional[dict]) -> list:
    """(id, rule id, subject type, subject id, fingerprint) of the findings an evaluation owns."""
    f = Finding
    query = (sa.select(f.id, RuleVersion.rule_id, f.subject_type, f.subject_id, f.fingerprint)
             .join(RuleVersion, RuleVersion.id == f.rule_version_id))
    if rule_ids is not None:
        query = query.where(RuleVersion.rule_id.in_(sorted(rule_ids.values()) or [-1]))
    rows = fetch_rows(session, query)
    if scope is None:
        return rows
    return [r for r in rows if r[3] in scope.get(r[2], ())]


def _delete_inputs(session, finding_ids: list) -> None:
    table = FindingInput.__table__
    for start in range(0, len(finding_ids), CHUNK):
        session.execute(sa.delete(table).where(table.c.finding_id.in_(finding_ids[start:start + CHUNK])))


def _finding_row(draft: FindingDraft, fp: str, now) -> dict:
    return {"rule_version_id": draft.rule_version_id, "subject_type": draft.subject_type,
            "subject_id": draft.subject_id, "subject_detail": draft.subject_detail, "period": draft.period,
            "outcome": draft.outcome, "rating": draft.rating, "status": draft.status, "flag": draft.flag,
            "severity": draft.severity, "score": draft.score, "explanation": draft.explanation,
            "facts": draft.facts, "fingerprint": fp, "evaluated_at": now}


INPUT_COLUMNS = ("finding_id", "observation_id", "target_id", "role", "value", "metric_id", "subject_key", "period",
                 "n", "observation_ids")


def _ids_json(item) -> Optional[str]:
    if not item.observation_ids:
        return None
    return item.ids_json or f"[{','.join(map(str, item.observation_ids))}]"


def _input_row(finding_id: int, item) -> tuple:
    """An input as a row in INPUT_COLUMNS order; the ids go in as JSON text (so the bulk insert
    passes them to the driver as they are)."""
    ids = item.observation_ids
    return (finding_id, ids[0] if len(ids) == 1 else None, item.target_id, item.role, item.value, item.metric_id,
            item.subject_key, item.period, item.n, _ids_json(item))


# -- replay ------------------------------------------------------------------------------------------
def replay(session, finding_id: int) -> Optional[FindingDraft]:
    """Re-evaluate a stored finding's rule version from nothing but the observations and targets
    its inputs name (and the as-of quarter, date and minimum sample it recorded)."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        return None
    version = finding.rule_version
    observation_ids, target_ids = set(), set()
    for item in finding.inputs:
        observation_ids |= set(item.observation_ids or ())
        if item.observation_id is not None:
            observation_ids.add(item.observation_id)
        if item.target_id is not None:
            target_ids.add(item.target_id)
    facts = finding.facts or {}
    as_of = {facts.get("agency"): facts.get("as_of"), None: facts.get("as_of")}
    today = date.fromisoformat(facts["today"]) if facts.get("today") else agency_today()
    subject_type = finding.subject_type
    ctx = load_context(session, today=today, min_n=facts["min_n"], observation_ids=observation_ids,
                       target_ids=target_ids, as_of=as_of, subject_type=subject_type, subject_id=finding.subject_id)
    rule = compile_rule(version.definition, version_id=version.id, version=version.version)
    entities = subj.entities(ctx, subject_type, [finding.subject_id])
    if not entities:
        return None
    entity = entities[0]
    context = {k: facts[k] for k in ("as_of", "agency", "min_n", "today") if k in facts}
    return evaluate_rule(rule, subj.subject(ctx, subject_type, entity), finding.period,
                         lambda ref, p: resolve(ctx, subject_type, entity, ref, p), context=context)


# -- what-if -----------------------------------------------------------------------------------------
@dataclass
class Change:
    subject_type: RuleSubject
    subject_id: int
    subject: str
    leader: Optional[str]
    period: str
    before: Optional[str]
    after: Optional[str]
    explanation: Optional[str]
    before_words: Optional[str] = None  # the outcomes as the findings' pages write them ("proposed rating 3")
    after_words: Optional[str] = None


@dataclass
class Simulation:
    """How a draft's findings differ from the published version's, on today's data."""

    key: str
    subject_type: RuleSubject
    published_version: Optional[int]
    changes: list = field(default_factory=list)
    unchanged: int = 0
    elements: list = field(default_factory=list)  # plans.effects.ElementEffect: a requirement rule's effect
    stale: int = 0  # the published version's stored findings today's data changes, whatever the draft says
    # of the unchanged: how many would be explained in other words (an edit of the explanation alone), and the
    # first REWORDED_SHOWN of them, each with its explanation now (`before`) and with this version (`after`)
    reworded: int = 0
    reworded_shown: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"key": self.key, "applies_to": self.subject_type, "published_version": self.published_version,
                "unchanged": self.unchanged, "changed": len(self.changes),
                "changes": [c.__dict__ for c in self.changes], "elements": [e.__dict__ for e in self.elements],
                "stale": self.stale, "reworded": self.reworded,
                "reworded_shown": [c.__dict__ for c in self.reworded_shown]}


REWORDED_SHOWN = 10  # findings explained in other words, shown by a simulation as examples


def _stale(session, version_ids: list[int], fresh: dict) -> int:
    """How many of the published versions' findings `fresh` (their drafts on today's data, by subject) would
    change: an import or an edit since the last evaluation moves them at the next, whatever a draft says (a
    simulation compares with `fresh`; the plans show what is stored)."""
    if not version_ids or not fresh:
        return 0
    stored = {(row.subject_type, row.subject_id, row.period): (row.outcome, row.rating, row.status, row.flag,
                                                                 row.severity, _round(row.score))
              for row in session.execute(sa.select(Finding.subject_type, Finding.subject_id, Finding.period,
                                                   Finding.outcome, Finding.rating, Finding.status, Finding.flag,
                                                   Finding.severity, Finding.score)
                                         .where(Finding.rule_version_id.in_(version_ids)))}
    return sum(1 for (subject_type, subject_id), draft in fresh.items()
               if stored.get((subject_type, subject_id, draft.period)) != draft.outcome_fields())


def simulate(session, definition: dict, *, today: Optional[date] = None,
             min_n: Optional[int] = None) -> Simulation:
    """Evaluate a draft definition and its published version against current data and return
    the differences (which programs change status, which leaders' proposed ratings change).
    Reads only: nothing is added, changed or flushed."""
    today, min_n = _settings(today, min_n)
    with session.no_autoflush, collector_paused():
        metric_codes, function_codes = codes(session)
        validate_definition(definition, metric_codes=metric_codes, function_codes=function_codes)
        stored = session.scalar(sa.select(Rule.subject_type).where(Rule.key == definition["key"]))
        if stored is not None and stored != definition["applies_to"]:  # could never be saved
            raise RuleError([f"applies_to: rule {definition['key']!r} applies to {stored}; a rule cannot "
                             "change what it applies to (give the new rule its own key)"])
        draft = compile_rule(definition)
        published = published_rules(session, definition["key"])
        ctx = load_context(session, today=today, min_n=min_n, observations=False)
        rules = [draft] + [r for _, r in published]
        load_observations(session, ctx, metric_ids=metrics_read(ctx, rules),
                          function_metrics=functions_read(ctx, rules))
        after = {(d.subject_type, d.subject_id): d for d in run_rules(ctx, [draft])}
        before = {(d.subject_type, d.subject_id): d for d in run_rules(ctx, [r for _, r in published])}
    from scorecard.findings.listing import outcome_words
    from scorecard.rules.explain import score_is_share

    share = score_is_share(definition)

    def words(found: Optional[FindingDraft]) -> Optional[str]:
        return None if found is None else outcome_words(found.rating, found.status, found.flag, found.severity,
                                                        found.score, share, found.outcome)
    result = Simulation(draft.key, draft.subject_type, published[0][1].version if published else None)
    result.stale = _stale(session, [compiled.version_id for _, compiled in published], before)

    def shown(key):
        entity = subj.entities(ctx, key[0], [key[1]])[0]
        return subj.subject(ctx, key[0], entity).fields

    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        old_text, new_text = (old.summary if old else None), (new.summary if new else None)
        subject_type, subject_id = key
        if old_text == new_text:
            result.unchanged += 1
            if old is not None and new is not None and old.explanation != new.explanation:
                result.reworded += 1  # the same outcome, read in other words: the page that explains it changes
                if len(result.reworded_shown) < REWORDED_SHOWN:
                    fields = shown(key)
                    result.reworded_shown.append(Change(subject_type, subject_id, fields.get("subject"),
                                                        fields.get("leader"), new.period, old.explanation,
                                                        new.explanation, new.explanation, words(old), words(new)))
            continue
        fields = shown(key)
        result.changes.append(Change(subject_type, subject_id, fields.get("subject"), fields.get("leader"),
                                     (new or old).period, old_text, new_text, new.explanation if new else None,
                                     words(old), words(new)))
    if draft.subject_type is RuleSubject.requirement:  # and what the requirements' new ratings do to their elements
        from scorecard.plans.effects import element_effects

        moved = {c.subject_id: (after[(c.subject_type, c.subject_id)].rating if (c.subject_type, c.subject_id) in after
                                else None, c.period) for c in result.changes}
        result.elements = element_effects(session, draft.key, moved)
    return result
