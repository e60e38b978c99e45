"""The subjects a rule applies to: which ones its `select` picks, the quarter each is evaluated
as of, and the names its explanation can use.

As-of quarters: a program is evaluated for its agency's latest quarter with data; a plan
requirement and a capacity domain for that quarter kept inside their fiscal year (the year's
first quarter before any data, its last once the year is over); a commitment for the quarter
containing today.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from scorecard.models import RuleSubject
from scorecard.periods import Period
from scorecard.rules.context import EvaluationContext, clamp_to_year
from scorecard.rules.evaluator import LATEST_OF_AGENCY, Subject
from scorecard.rules.facts import default_metric_id, subject_keys

# The EvaluationContext table that holds each type of subject.
ENTITIES = {RuleSubject.program: "programs", RuleSubject.requirement: "requirements",
            RuleSubject.commitment: "commitments", RuleSubject.capacity_domain: "capacity"}


def entities(ctx: EvaluationContext, subject_type: RuleSubject, ids: Optional[Iterable[int]] = None) -> list:
    """The subjects of one type (all, or those with the given ids), in id order."""
    table = getattr(ctx, ENTITIES[subject_type])
    if ids is None:
        return [table[i] for i in sorted(table)]
    return [table[i] for i in sorted(set(ids)) if i in table]


def selected(ctx: EvaluationContext, subject_type: RuleSubject, entity, select: dict) -> bool:
    """Whether a rule's `select` picks this subject (every key must match)."""
    return all(_matches(ctx, subject_type, entity, name, wanted) for name, wanted in select.items())


def _matches(ctx, subject_type, entity, name, wanted) -> bool:
    if subject_type is RuleSubject.program:
        component = ctx.components[entity.component_id]
        return {"component": lambda: wanted in (component.code, component.name),
                "programs": lambda: entity.code in wanted or entity.name in wanted,
                "hisp": lambda: component.is_hisp == wanted,
                "life_experience": lambda: wanted in entity.life_experiences}[name]()
    if subject_type is RuleSubject.requirement:
        return _requirement_matches(ctx, entity, name, wanted)
    if subject_type is RuleSubject.commitment:
        function = ctx.functions.get(entity.function_id)
        return {"function": lambda: function is not None and function.code == wanted,
                "linked_metric": lambda: any(ctx.metrics[m].code == wanted for m in entity.metric_ids),
                "status": lambda: entity.status.value in wanted,
                "capacity_domain": lambda: entity.capacity_domain == wanted}[name]()
    component = ctx.components.get(entity.component_id)
    return {"domain": lambda: entity.domain == wanted,
            "component": lambda: component is not None and wanted in (component.code, component.name),
            "fiscal_year": lambda: entity.fiscal_year == wanted}[name]()


def _requirement_matches(ctx, entity, name, wanted) -> bool:
    """One `select` field of a requirement, working out only what that field needs (a pack's
    rules test some 18,000 requirements each)."""
    if name == "linked_function":
        return (entity.function_id is not None) == wanted
    if name == "element":
        return entity.element == wanted
    if name == "results_driven":
        return entity.results_driven == wanted
    if name == "fiscal_year":
        return entity.fiscal_year == wanted
    if name in ("metric", "has_metric"):
        metric = ctx.metrics.get(default_metric_id(ctx, RuleSubject.requirement, entity))
        return (metric is not None) == wanted if name == "has_metric" else metric is not None and metric.code == wanted
    if name == "function":  # the function the requirement names, else its leader's
        named = entity.function_id if entity.function_id is not None else entity.leader_function_id
        function = ctx.functions.get(named)
        return function is not None and function.code == wanted
    raise KeyError(name)


def agency_of(ctx: EvaluationContext, subject_type: RuleSubject, entity) -> Optional[int]:
    if subject_type is RuleSubject.program:
        return entity.agency_id
    if subject_type is RuleSubject.capacity_domain:
        component = ctx.components.get(entity.component_id)
        return component.agency_id if component else None
    if subject_type is RuleSubject.requirement:
        for key in subject_keys(ctx, subject_type, entity):
            agency = ctx.agency_of_key(key)
            if agency is not None:
                return agency
        component = ctx.components.get(entity.leader_component_id)
        return component.agency_id if component else None
    return None


def as_of(ctx: EvaluationContext, subject_type: RuleSubject, entity) -> Optional[str]:
    """The quarter a subject is evaluated for (None: nothing to evaluate yet)."""
    if subject_type is RuleSubject.commitment:
        return str(Period.from_date(ctx.today))
    agency = agency_of(ctx, subject_type, entity)
    if subject_type is RuleSubject.program:
        return ctx.as_of(agency)
    if subject_type is RuleSubject.capacity_domain:  # A-11 capacity: the year's reporting, due quarters and all
        return clamp_to_year(ctx.reported_through(agency), entity.fiscal_year)
    return clamp_to_year(ctx.as_of(agency), entity.fiscal_year)


def subject(ctx: EvaluationContext, subject_type: RuleSubject, entity) -> Subject:
    """The subject as the evaluator sees it: its id, a short detail and names for explanations."""
    if subject_type is RuleSubject.program:
        component = ctx.components[entity.component_id]
        # whose latest quarter it is evaluated as of, for an explanation of nothing read (evaluator._explanation)
        latest_of = (LATEST_OF_AGENCY if ctx.has_results(entity.agency_id)
                     else "any agency's results (its agency has none yet)")
        return Subject(subject_type, entity.id, entity.code[:100],
                       {"subject": entity.name, "program": entity.name, "component": component.name,
                        "_latest_of": latest_of})
    if subject_type is RuleSubject.requirement:
        metric = ctx.metrics.get(default_metric_id(ctx, subject_type, entity))
        function = ctx.functions.get(entity.function_id)
        return Subject(subject_type, entity.id, entity.leader_name[:100], {
            "subject": f"{entity.leader_name} ({entity.element})", "leader": entity.leader_name,
            "element": entity.element, "requirement": entity.text, "fiscal_year": entity.fiscal_year,
            "metric": metric.name if metric else None, "function": function.code if function else None})
    if subject_type is RuleSubject.commitment:
        function = ctx.functions.get(entity.function_id)
        code = function.code if function else None
        return Subject(subject_type, entity.id, code,
                       {"subject": entity.title, "commitment": entity.title, "function": code})
    component = ctx.components.get(entity.component_id)
    name = component.name if component else str(entity.component_id)
    return Subject(subject_type, entity.id, entity.domain[:100], {
        "subject": f"{name}: {entity.domain}", "component": name, "domain": entity.domain,
        "fiscal_year": entity.fiscal_year, "self_score": entity.score})
