"""What a rating official's decision answered: the rules' proposal for each requirement of the element
as it stood when the decision was recorded — the rating, the rule version and quarter, the explanation,
and every observation and target it read, with the import batches the observations came from.

A finding is re-evaluated in place when the data or the published rules change, and a retired rule's
findings are deleted, so a decision keeps its own copy of what it answered (`ElementRating.basis`): the
plan page and the API show it beside the decision, however the rules' proposal has moved since.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import sqlalchemy as sa

from scorecard.models import Finding, Observation, PlanRequirement

CHUNK = 5000  # observation ids per query: under every database's limit on bound parameters


def _inputs(items) -> list[dict]:
    """The data a proposal read (a stored finding's inputs or an evaluation's), as plain values."""
    return [{"role": item.role, "metric_id": item.metric_id, "subject_key": item.subject_key, "period": item.period,
             "value": item.value, "n": item.n, "target_id": item.target_id,
             "observation_ids": sorted(item.observation_ids or ())} for item in items]


def entry(requirement: PlanRequirement, source, *, rule_key: Optional[str] = None,
          rule_version: Optional[int] = None) -> dict:
    """One requirement's proposal as a decision answered it. `source`: the stored finding that made it
    (its rule and when it was evaluated read from it), a rules engine's draft of one (the rule given; not
    stored, so evaluated at no time to name), or None (no proposal)."""
    out = {"requirement_id": requirement.id, "requirement": requirement.text, "rating": None, "finding_id": None,
           "rule": None, "rule_version": None, "period": None, "evaluated_at": None, "explanation": None,
           "inputs": [], "observations": None, "import_batches": [], "fingerprint": None}
    if source is None:
        return out
    stored = isinstance(source, Finding)
    when = source.evaluated_at if stored else None
    out.update(rating=source.rating, finding_id=source.id if stored else None,
               rule=source.rule_version.rule.key if stored else rule_key,
               rule_version=source.rule_version.version if stored else rule_version,
               period=source.period, evaluated_at=when.isoformat() if when else None,
               explanation=source.explanation, inputs=_inputs(source.inputs),
               fingerprint=source.fingerprint if stored else None)  # what it said and read: changed since or not
    return out


def with_batches(session, entries: list[dict]) -> list[dict]:
    """`entries`, each with the import batches its observations came from then (one query for all)."""
    ids = sorted({i for e in entries for item in e["inputs"] for i in item["observation_ids"]})
    batch_of = {}
    for start in range(0, len(ids), CHUNK):
        batch_of.update(session.execute(sa.select(Observation.id, Observation.import_batch_id)
                                        .where(Observation.id.in_(ids[start:start + CHUNK]))).all())
    for e in entries:
        if e["explanation"] is not None:  # a proposal (or a finding saying why there is none) was read
            read = {i for item in e["inputs"] for i in item["observation_ids"]}
            e["observations"] = len(read)
            e["import_batches"] = sorted({batch_of[i] for i in read if batch_of.get(i) is not None})
    return entries


@dataclass
class Answered:
    """One requirement's proposal as a decision answered it, for the plan page, with what became of its
    finding since: "kept" (as it was), "changed" (it says or reads something else now) or "deleted". A finding
    evaluated again to the same result is kept: the rules stamp some anew at every evaluation."""

    requirement: str
    rating: Optional[int]
    rule: Optional[str] = None
    rule_version: Optional[int] = None
    period: Optional[str] = None
    evaluated_at: Optional[datetime] = None
    explanation: str = ""
    observations: Optional[int] = None
    import_batches: list = field(default_factory=list)
    finding_id: Optional[int] = None
    finding_now: Optional[str] = None


def answered(session, decisions) -> dict[int, list[Answered]]:
    """{decision id: its proposal requirement by requirement} of `decisions` that kept one, with what
    became of each finding since (one query for all)."""
    # a decision on an element no rule rates (every requirement weighed by the official) has nothing to show
    kept = [d for d in decisions if d is not None and any(e.get("explanation") is not None for e in d.basis or ())]
    ids = {e["finding_id"] for d in kept for e in d.basis if e.get("finding_id")}
    now = dict(session.execute(sa.select(Finding.id, Finding.fingerprint).where(Finding.id.in_(ids))).all()
               if ids else ())
    out = {}
    for decision in kept:
        lines = []
        for e in decision.basis:
            when = datetime.fromisoformat(e["evaluated_at"]) if e.get("evaluated_at") else None
            finding_id = e.get("finding_id")
            state = None if finding_id is None else "deleted" if finding_id not in now else (
                "kept" if now[finding_id] == e.get("fingerprint") else "changed")
            lines.append(Answered(e["requirement"], e.get("rating"), e.get("rule"), e.get("rule_version"),
                                  e.get("period"), when, e.get("explanation") or "", e.get("observations"),
                                  e.get("import_batches") or [], finding_id, state))
        out[decision.id] = lines
    return out
