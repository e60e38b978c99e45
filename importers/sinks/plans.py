"""The performance-plan sink: plans by (leader, fiscal year), elements by name, requirements by text.
A plan whose weights (with its stored elements the file leaves out) break OPM's rules is refused."""
import math
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from importers.resolve import Directory, Unknown, _key, _suggest
from importers.sinks.lookups import Leaders, find_scope, scope_name
from importers.sinks.tracked import TrackedSink
from scorecard.commitments.services import title_key
from scorecard.models import (
    Commitment,
    ElementRating,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    ScopeType,
    Target,
)
from scorecard.ratings import ElementWeight, validate_weights

RESULTS_DRIVEN = "results driven"
# A requirement's field and the file's column it comes from (the target follows the metric).
REQUIREMENT_COLUMNS = {"metric_id": "metric", "target_id": "metric", "commitment_id": "commitment",
                       "program_ids": "programs", "function_id": "function"}


@dataclass
class _Element:
    name: str
    row: int
    weight: float
    results_driven: bool
    requirements: list = field(default_factory=list)  # (row, record, values)


@dataclass
class _Plan:
    leader: object
    fiscal_year: int
    row: int
    rating_method: object = None
    method_row: int = 0
    elements: dict = field(default_factory=dict)  # name key -> _Element


class PlanSink(TrackedSink):
    permission = "import_data"
    refused = "only administrators and analysts may import performance plans"

    def finish(self) -> None:
        session = self.session
        self.directory = Directory(session)
        leaders = Leaders(session)
        self.commitments = list(session.scalars(sa.select(Commitment)))
        self._targets: dict = {}
        plans: dict[tuple, _Plan] = {}
        for row, record in self.records:
            try:
                leader = leaders.find(record["leader"])
            except Unknown as error:
                self.fail(row, "leader", record["leader"], str(error))
                continue
            plan = plans.setdefault((leader.id, record["fiscal_year"]), _Plan(leader, record["fiscal_year"], row))
            self._row(row, record, plan)
        self._load_stored(plans)
        decided = self._decided_elements()
        for plan in plans.values():
            self._check_weights(plan)
            self._check_decided(plan, decided)
        if self.errors:
            return
        for plan in plans.values():
            self._put_plan(plan)

    # -- reading rows -------------------------------------------------------------------------
    def _row(self, row, record, plan: _Plan) -> None:
        method = record.get("rating_method")
        if method is not None:
            if plan.rating_method is not None and method is not plan.rating_method:
                self.fail(row, "rating_method", method.value, f"the plan's rating method is "
                          f"{plan.rating_method.value} on row {plan.method_row}; every row must agree")
            plan.rating_method, plan.method_row = plan.rating_method or method, plan.method_row or row
        name = record["element"]
        results_driven = record.get("results_driven")
        if results_driven is None:
            results_driven = _key(name) == RESULTS_DRIVEN
        element = plan.elements.get(_key(name))
        if element is None:
            element = plan.elements[_key(name)] = _Element(name, row, record["weight"], results_driven)
        else:
            if not math.isclose(element.weight, record["weight"]):
                self.fail(row, "weight", record["weight"], f"element {name!r} weighs {element.weight:g} on row "
                          f"{element.row}; every row of an element must give the same weight")
            if element.results_driven != results_driven:
                self.fail(row, "results_driven", record.get("results_driven"), f"element {name!r} is "
                          f"{'' if element.results_driven else 'not '}Results Driven on row {element.row}")
        text = record.get("requirement")
        for other_row, other, _ in element.requirements:
            if _key(other.get("requirement") or "") == _key(text or ""):
                what = f"requirement {text[:60]!r}" if text else "element row without a requirement"
                self.fail(row, "requirement" if text else "element", text or name,
                          f"the same {what} of element {name!r} as row {other_row}")
                return
        values = self._links(row, record, plan) if text else {}
        if values is not None:
            element.requirements.append((row, record, values))

    def _links(self, row, record, plan: _Plan):
        """The requirement's fields from the row (only the columns the file has); None on errors."""
        d, values, errors = self.directory, {"text": record["requirement"]}, len(self.errors)
        if "metric" in record:  # the linked target follows the metric (the leader's own unless named)
            metric = self._find(row, "metric", record["metric"], d.metric)
            values["metric_id"] = metric.id if metric else None
            values["target_id"] = self._target(row, record, plan, metric) if metric else None
        if "commitment" in record:
            found = self._find(row, "commitment", record["commitment"], lambda t: self._commitment(t, plan.leader))
            values["commitment_id"] = found.id if found else None
        if "programs" in record:
            found = [self._find(row, "programs", name, d.program) for name in record["programs"] or ()]
            values["program_ids"] = sorted({p.id for p in found if p})
        if "function" in record:  # measured by the function's commitments and metrics
            found = self._find(row, "function", record["function"], d.function)
            values["function_id"] = found.id if found else None
        return None if len(self.errors) > errors else values

    def _find(self, row, column, value, find):
        if value is None:
            return None
        try:
            return find(value)
        except Unknown as error:
            self.fail(row, column, value, str(error))
            return None

    def _commitment(self, title, leader):
        wanted = title_key(title)  # as the web and the commitments import read a title (NFKC, spacing, case)
        found = [c for c in self.commitments if title_key(c.title) == wanted]
        own = [c for c in found if leader.function_id and c.function_id == leader.function_id]
        if len(own) == 1 or len(found) == 1:
            return (own or found)[0]
        if found:
            raise Unknown(f"{len(found)} functions have a commitment titled {title!r}; the leader's own function "
                          "has none, so the link is ambiguous")
        titles: dict[str, list] = {}
        for c in self.commitments:
            titles.setdefault(_key(c.title), []).append(c)
        raise Unknown(f"unknown commitment {title!r}{_suggest(title, titles)}")

    def _target(self, row, record, plan: _Plan, metric):
        """The target row a requirement links: the named scope's, or the leader's own (component,
        then function, then agency). A target value in the file must match the stored target."""
        d, leader, fy = self.directory, plan.leader, plan.fiscal_year
        if record.get("target_scope"):
            try:
                scopes = [find_scope(d, record["target_scope"])]
            except Unknown as error:
                self.fail(row, "target_scope", record["target_scope"], str(error))
                return None
            scopes = [(kind, item.id) for kind, item in scopes]
        else:
            scopes = [(kind, ident) for kind, ident in (
                (ScopeType.component, leader.component_id), (ScopeType.function, leader.function_id),
                (ScopeType.agency, d.agencies[0].id if len(d.agencies) == 1 else None)) if ident]
        found = next((t for t in (self._target_row(metric.id, kind, ident, fy) for kind, ident in scopes) if t), None)
        wanted = record.get("target")
        if wanted is None:
            return found.id if found else None
        whose = " or ".join(f"{kind.value} {scope_name(d, kind, ident)!r}" for kind, ident in scopes) or "no scope"
        if found is None:
            self.fail(row, "target", wanted, f"there is no FY{fy} target for {metric.code!r} for {whose}; "
                      "import it with the targets layout first")
            return None
        if not math.isclose(found.target, wanted, rel_tol=1e-9, abs_tol=1e-9):
            self.fail(row, "target", wanted, f"the FY{fy} target for {metric.code!r} "
                      f"({found.scope_type.value} {scope_name(d, found.scope_type, found.scope_id)!r}) is "
                      f"{found.target:g}, not {wanted:g}")
            return None
        return found.id

    def _target_row(self, metric_id, scope_type, scope_id, fiscal_year):
        key = (metric_id, fiscal_year)
        if key not in self._targets:
            self._targets[key] = {(t.scope_type, t.scope_id): t for t in self.session.scalars(
                sa.select(Target).where(Target.metric_id == metric_id, Target.fiscal_year == fiscal_year))}
        return self._targets[key].get((scope_type, scope_id))

    # -- whole plans ---------------------------------------------------------------------------
    def _load_stored(self, keys) -> None:
        """The stored plans (with elements and requirements) of every (leader, fiscal year) in the file."""
        self.stored: dict[tuple, PerformancePlan] = {}
        leader_ids = sorted({leader_id for leader_id, _ in keys})
        years = {year for _, year in keys}
        for start in range(0, len(leader_ids), 1000):
            for plan in self.session.scalars(
                    sa.select(PerformancePlan).where(PerformancePlan.leader_id.in_(leader_ids[start:start + 1000]),
                                                     PerformancePlan.fiscal_year.in_(years))
                    .options(so.selectinload(PerformancePlan.elements).selectinload(PlanElement.requirements))):
                self.stored[(plan.leader_id, plan.fiscal_year)] = plan

    def _stored(self, plan: _Plan):
        return self.stored.get((plan.leader.id, plan.fiscal_year))

    def _decided_elements(self) -> set[int]:
        """The stored elements a rating official has decided."""
        ids = [x.id for plan in self.stored.values() for x in plan.elements]
        found: set[int] = set()
        for start in range(0, len(ids), 1000):
            found |= set(self.session.scalars(sa.select(ElementRating.element_id).where(
                ElementRating.element_id.in_(ids[start:start + 1000]), ElementRating.confirmed_rating.is_not(None))))
        return found

    def _check_decided(self, plan: _Plan, decided: set[int]) -> None:
        """Once a rating official has decided an element of a plan, the plan's weights and Results Driven
        element, and the decided elements' requirements, are what was rated: a file may not change them
        (the summary would change under the decisions without a word on the plan)."""
        stored = self._stored(plan)
        if stored is None or not decided.intersection(x.id for x in stored.elements):
            return
        why = (f"the FY{plan.fiscal_year} plan of {plan.leader.name} has ratings decided by a rating official, so "
               "its weights, its Results Driven element and its decided elements' requirements are fixed")
        for key, element in plan.elements.items():
            current = next((x for x in stored.elements if _key(x.name) == key), None)
            if current is None:
                self.fail(element.row, "element", element.name, f"{why}: a new element cannot be added")
                continue
            if not math.isclose(current.weight, element.weight):
                self.fail(element.row, "weight", element.weight, f"{why} (stored: {current.weight:g})")
            if current.is_results_driven != element.results_driven:
                self.fail(element.row, "results_driven", element.results_driven,
                          f"{why} (stored: {'' if current.is_results_driven else 'not '}Results Driven)")
            if current.id in decided:
                self._check_decided_requirements(element, current, why)

    def _check_decided_requirements(self, element: _Element, current, why: str) -> None:
        """The rows of a decided element: each requirement as stored, none added."""
        stored_requirements = {_key(r.text): r for r in current.requirements}
        for row, record, values in element.requirements:
            if not values.get("text"):
                continue  # a row naming the element alone (its weight, checked above)
            requirement = stored_requirements.get(_key(values["text"]))
            if requirement is None:
                self.fail(row, "requirement", values.get("text"), f"{why}: {element.name!r} is decided, and a "
                          "requirement cannot be added to it")
                continue
            for field_name, value in values.items():
                if field_name == "text":
                    continue
                now = ([x.id for x in requirement.programs] if field_name == "program_ids"
                       else getattr(requirement, field_name))
                if _differs(now, value):
                    column = REQUIREMENT_COLUMNS.get(field_name, field_name)
                    sent = record.get(column, value)
                    sent = ", ".join(map(str, sent)) if isinstance(sent, (list, tuple)) else sent
                    self.fail(row, column, sent, f"{why}: {element.name!r} is decided, and its requirement "
                              f"{requirement.text[:60]!r} cannot change")

    def _check_weights(self, plan: _Plan) -> None:
        """Weights are whole percents (a percent-formatted column of fractions is read as percent);
        with the stored elements the file does not name, they must meet OPM's rules."""
        elements = list(plan.elements.values())
        if elements and all(e.weight <= 1 for e in elements) and math.isclose(sum(e.weight for e in elements), 1):
            for e in elements:
                e.weight *= 100
        for e in elements:
            if not math.isclose(e.weight, round(e.weight), abs_tol=1e-6):
                self.fail(e.row, "weight", e.weight, f"element {e.name!r}: the weight {e.weight:g} is not a whole "
                          "number of percent")
                return
            e.weight = round(e.weight)
        stored = self._stored(plan)
        kept = [x for x in (stored.elements if stored else []) if _key(x.name) not in plan.elements]
        weights = [ElementWeight(e.name, e.weight, e.results_driven) for e in elements] + [
            ElementWeight(x.name, x.weight, x.is_results_driven) for x in kept]
        problems = validate_weights(weights)
        if not problems:
            return
        listing = ", ".join(f"{w.name} {w.weight}" for w in weights)
        note = f" (plan of {plan.leader.name}, FY{plan.fiscal_year}: {listing}"
        note += f"; {', '.join(x.name for x in kept)} as stored)" if kept else ")"
        for problem in problems:
            named = re.match(r"element '([^']*)'", problem)
            element = plan.elements.get(_key(named[1])) if named else None
            if element is None:  # a rule of the whole plan (the total): said at its first row, whose cell is named
                element = next((e for e in plan.elements.values() if e.row == plan.row), None)
            row = element.row if element else plan.row
            self.fail(row, "weight", element.weight if element else sum(w.weight for w in weights),
                      f"OPM weight rules: {problem}{note}")

    def _put_plan(self, plan: _Plan) -> None:
        stored = self._stored(plan)
        year = f"FY{plan.fiscal_year}"
        label = plan.leader.email or plan.leader.name
        values = {"leader_id": plan.leader.id, "fiscal_year": plan.fiscal_year}
        if plan.rating_method is not None:
            values["rating_method"] = plan.rating_method
        plan_ref, _ = self.tracker.put(plan.row, PerformancePlan, (plan.leader.id, plan.fiscal_year), stored,
                                       values, what="performance plan", label=label, year=year)
        stored_elements = {_key(x.name): x for x in (stored.elements if stored else [])}
        element_at = _positions(list(plan.elements), {k: x.position for k, x in stored_elements.items()})
        for key, element in plan.elements.items():
            position = element_at[key]
            current = stored_elements.get(key)
            element_ref, _ = self.tracker.put(element.row, PlanElement, (plan.leader.id, plan.fiscal_year, key),
                                              current, {"plan_id": plan_ref, "name": element.name,
                                                        "weight": element.weight, "position": position,
                                                        "is_results_driven": element.results_driven},
                                              what="plan element", label=f"{label}: {element.name}", year=year)
            stored_requirements = {_key(r.text): r for r in (current.requirements if current else [])}
            given = [r for r in element.requirements if r[2]]
            requirement_at = _positions([_key(r[2]["text"]) for r in given],
                                        {k: r.position for k, r in stored_requirements.items()})
            for row, _record, req_values in given:
                key_text = _key(req_values["text"])
                index = requirement_at[key_text]
                self.tracker.put(row, PlanRequirement, (plan.leader.id, plan.fiscal_year, key, key_text),
                                 stored_requirements.get(key_text),
                                 {"element_id": element_ref, "position": index, **req_values},
                                 what="plan requirement", label=f"{label}: {element.name}: {req_values['text'][:80]}",
                                 year=year)


def _positions(keys: list, stored: dict) -> dict:
    """Where each of a file's elements (or an element's requirements), `keys` in the file's order, goes: the
    file's order when it gives all the stored ones; else each stored one keeps its place, and a new one goes
    after the last (a file of one element updated put it first, moving the plan's others)."""
    if set(stored) <= set(keys):
        return {key: index for index, key in enumerate(keys)}
    following = max(stored.values(), default=-1) + 1
    at = {}
    for key in keys:
        if key in stored:
            at[key] = stored[key]
        else:
            at[key], following = following, following + 1
    return at


def _differs(stored, value) -> bool:
    """A requirement's field in the file against the stored one (linked programs as lists of ids)."""
    if isinstance(value, list) or isinstance(stored, list):
        return sorted(stored or []) != sorted(value or [])
    return stored != value
