"""The rule JSON: a marshmallow schema for its shape, then checks against the fact registry and
the database (metric and function codes), every problem named by its path in the JSON, e.g.
``when.all[0].op: unknown op 'lte'``. A valid definition compiles into a `CompiledRule`; rules
are data, never code, and nothing here evaluates text.

    {"key": "trust-below-target-two-quarters", "title": "...", "applies_to": "program",
     "select": {"component": "BA"},
     "when": {"all": [{"fact": "attainment", "metric": "trust", "op": "lt", "value": 1.0,
                       "window": {"periods": 2, "consecutive": true}}]},
     "then": {"flag": "below_target", "severity": "high"},
     "explain": "{program} trust was below target for {periods} consecutive quarters ({values})."}

An outcome is a fixed value, one read from a fact through bands (`{"by": FACT, "bands": ...}`),
or the first of several cases that holds (`{"cases": [{"when": CONDITION, "value": 5}, ...],
"else": 2}`), for outcomes that weigh several facts at once.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Optional

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from scorecard.models import RuleSubject
from scorecard.periods import PeriodError, parse_period
from scorecard.rules.evaluator import (
    OPS,
    SEVERITIES,
    STATUS_RANK,
    CompiledRule,
    FactRef,
    Group,
    Leaf,
    Then,
    Window,
)
from scorecard.rules.explain import template_problems
from scorecard.rules.facts import FACTS
from scorecard.text import UNKEPT_OR_BREAKS, bidi_problem, blank, unkept_in, words

OUTCOMES = ("rating", "status", "flag", "score")
# What a rating or status rule concludes where none of its cases or bands holds and it gives no "else": the
# harshest (a rule's plain words say so too, rules_web.words)
DEFAULT_ELSE = {"rating": 1, "status": "red"}
PARAM_NAMES = ("metric", "window", "vs", "at", "min_n", "max", "days")
SELECT_KEYS = {  # the fields a rule's `select` can test, with the type of value each takes
    RuleSubject.program: {"component": "text", "programs": "texts", "hisp": "bool", "life_experience": "text"},
    RuleSubject.requirement: {"metric": "metric", "element": "text", "results_driven": "bool", "fiscal_year": "int",
                              "has_metric": "bool", "function": "function", "linked_function": "bool"},
    RuleSubject.commitment: {"function": "function", "linked_metric": "metric", "status": "texts",
                             "capacity_domain": "text"},
    RuleSubject.capacity_domain: {"domain": "text", "component": "text", "fiscal_year": "int"},
}
MAX_DEPTH = 24  # objects and lists inside one another; far more than any real rule needs
# Matched whole (fullmatch): "$" would also match before a final newline ("key\n").
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
FLAG_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")


class RuleError(ValueError):
    """A rule definition that cannot be saved; `problems` are "path: message" lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class WindowSchema(Schema):
    class Meta:
        unknown = RAISE

    periods = fields.Integer(strict=True, validate=validate.Range(1, 40))
    consecutive = fields.Boolean()
    year_to_date = fields.Boolean()

    @validates_schema
    def _one_kind(self, data, **_):
        if ("periods" in data) == bool(data.get("year_to_date")):
            raise ValidationError("give either periods or year_to_date: true")
        if data.get("consecutive") and "periods" not in data:
            raise ValidationError("consecutive needs periods", "consecutive")


class _ParamsMixin:
    metric = fields.String()
    window = fields.Nested(WindowSchema)
    vs = fields.String()
    at = fields.String()
    min_n = fields.Integer(strict=True)
    max = fields.Integer(strict=True)
    days = fields.Integer(strict=True)


class LeafSchema(_ParamsMixin, Schema):
    class Meta:
        unknown = RAISE

    fact = fields.String(required=True, validate=lambda v: _known(v, FACTS, "fact"))
    op = fields.String(required=True, validate=lambda v: _known(v, OPS, "op"))
    value = fields.Raw(required=True, allow_none=False)


class ConditionField(fields.Field):
    """A condition: a group ({"all": [...]}, {"any": [...]}, {"not": {...}}) or a fact test."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("must be an object: a fact test or one of all / any / not")
        groups = [k for k in ("all", "any", "not") if k in value]
        if groups:
            if len(value) != 1:
                raise ValidationError(f"a group holds exactly one of all / any / not, and nothing else; "
                                      f"found {', '.join(sorted(value))}")
            return GroupSchema().load(value)
        return LeafSchema().load(value)


# "not" is a Python keyword, so the group schema is built from a dict of fields.
GroupSchema = Schema.from_dict({
    "all": fields.List(ConditionField(), validate=validate.Length(min=1)),
    "any": fields.List(ConditionField(), validate=validate.Length(min=1)),
    "not": ConditionField(),
}, name="GroupSchema")


class CaseSchema(Schema):
    class Meta:
        unknown = RAISE

    when = ConditionField(required=True)
    value = fields.Raw(required=True, allow_none=False)


class OutcomeSchema(_ParamsMixin, Schema):
    class Meta:
        unknown = RAISE

    by = fields.String(validate=lambda v: _known(v, FACTS, "fact"))
    bands = fields.List(fields.Raw())
    cases = fields.List(fields.Nested(CaseSchema), validate=validate.Length(min=1))
    else_ = fields.Raw(data_key="else")
    scale = fields.List(fields.Float(), validate=validate.Length(equal=2))

    @validates_schema
    def _by_or_cases(self, data, **_):
        if ("by" in data) == ("cases" in data):
            raise ValidationError("give either by (a fact, with its bands) or cases (conditions in order), "
                                  "not both" if "by" in data else "required: by (a fact) or cases")
        if "cases" in data:
            extra = [k for k in (*PARAM_NAMES, "bands", "scale") if k in data]
            if extra:
                raise ValidationError(f"cases take only else; {', '.join(extra)} go with by")


class OutcomeField(fields.Field):
    """An outcome: a fixed value, {"by": FACT, ... , "bands": [[threshold, outcome], ...]}, or
    {"cases": [{"when": CONDITION, "value": outcome}, ...], "else": outcome}."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            return OutcomeSchema().load(value)
        return value


class ThenSchema(Schema):
    class Meta:
        unknown = RAISE

    rating = OutcomeField()
    status = OutcomeField()
    flag = fields.String()
    severity = fields.String(validate=lambda v: _known(v, SEVERITIES, "severity"))
    score = OutcomeField()

    @validates_schema
    def _one_outcome(self, data, **_):
        given = [k for k in OUTCOMES if k in data]
        if len(given) != 1:
            raise ValidationError(f"give exactly one outcome of {', '.join(OUTCOMES)}; found "
                                  f"{', '.join(given) or 'none'}")
        if "severity" in data and "flag" not in data:
            raise ValidationError("severity goes with a flag only", "severity")


class RuleSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True)
    title = fields.String(required=True, validate=[validate.Length(1, 300), lambda v: _shows("title", v)])
    description = fields.String()
    applies_to = fields.String(required=True,
                               validate=lambda v: _known(v, [s.value for s in RuleSubject], "applies_to value"))
    select = fields.Dict(keys=fields.String(), values=fields.Raw())
    when = ConditionField()
    then = fields.Nested(ThenSchema, required=True)
    explain = fields.String(required=True, validate=[validate.Length(1, 1000), lambda v: _shows("explanation", v)])


def _shows(what: str, value: str) -> None:
    """A title or an explanation shows something: spaces or invisible characters alone left the rules list a blank
    cell, the version page an empty heading, and every finding an empty sentence of why."""
    if blank(value):
        raise ValidationError(f"the {what} shows nothing (only spaces or invisible characters): write one")


def _known(value, known: Iterable, what: str) -> None:
    known = list(known)
    if value not in known:
        raise ValidationError(f"unknown {what} {value!r}; known: {', '.join(known)}")


_TIDY = {
    "Missing data for required field.": "required",
    "Unknown field.": "unknown field",
    "Not a valid string.": "must be text",
    "Not a valid integer.": "must be a whole number",
    "Not a valid boolean.": "must be true or false",
    "Not a valid mapping type.": "must be an object",
    "Not a valid list.": "must be a list",
    "Field may not be null.": "must not be null",
    "Invalid input type.": "must be an object",
    "Not a valid number.": "must be a number",
}


def _flatten(messages, path: str = "") -> Iterable[str]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                sub = path
            elif isinstance(key, int):
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}" if path else str(key)
            yield from _flatten(value, sub)
    elif isinstance(messages, list):
        for message in messages:
            if isinstance(message, (dict, list)):
                yield from _flatten(message, path)
            else:
                yield f"{path or '(rule)'}: {_TIDY.get(message, message)}"
    else:
        yield f"{path or '(rule)'}: {_TIDY.get(messages, messages)}"


# -- checks against the registry and the database ------------------------------------------------
class _Checker:
    def __init__(self, subject_type: RuleSubject, metric_codes: Optional[set], function_codes: Optional[set]):
        self.subject_type = subject_type
        self.metric_codes = metric_codes
        self.function_codes = function_codes
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def metric(self, path: str, code) -> None:
        if self.metric_codes is not None and code not in self.metric_codes:
            self.problem(path, f"unknown metric {code!r}; no metric has that code")

    def params(self, path: str, node: dict, spec, *, outcome: bool = False) -> None:
        if self.subject_type not in spec.subjects:
            self.problem(f"{path}.{'by' if outcome else 'fact'}", f"fact {spec.name!r} does not apply to a "
                         f"{self.subject_type}; it applies to {', '.join(sorted(spec.subjects))}")
        for name in PARAM_NAMES:
            if name in node and name not in spec.params:
                takes = ", ".join(spec.params) or "no parameters"
                self.problem(f"{path}.{name}", f"fact {spec.name!r} takes no {name!r} (it takes {takes})")
        if spec.reads_metric and "metric" not in node and self.subject_type in (RuleSubject.program,
                                                                                RuleSubject.capacity_domain):
            self.problem(f"{path}.metric", f"required: fact {spec.name!r} on a {self.subject_type} must name a metric")
        if "metric" in node and "metric" in spec.params:
            self.metric(f"{path}.metric", node["metric"])
        if "vs" in node and "vs" in spec.params and node["vs"] not in spec.params["vs"].choices:
            self.problem(f"{path}.vs", f"unknown value {node['vs']!r}; use {' or '.join(spec.params['vs'].choices)}")
        if "at" in node and "at" in spec.params and node["at"] != "latest":
            try:
                parse_period(node["at"])
            except PeriodError as error:
                self.problem(f"{path}.at", f"'latest' or a fiscal quarter: {error}")
        for name in ("min_n", "max", "days"):
            if name in node and name in spec.params and node[name] < 1:
                self.problem(f"{path}.{name}", "must be at least 1")
        if outcome and node.get("window", {}).get("consecutive"):
            self.problem(f"{path}.window.consecutive", "only a condition takes a consecutive window")

    def condition(self, node: dict, path: str) -> None:
        for kind in ("all", "any"):
            if kind in node:
                for i, part in enumerate(node[kind]):
                    self.condition(part, f"{path}.{kind}[{i}]")
                return
        if "not" in node:
            self.condition(node["not"], f"{path}.not")
            return
        spec = FACTS[node["fact"]]
        self.params(path, node, spec)
        self.value(f"{path}.value", node["op"], node["value"], spec)

    def value(self, path: str, op: str, value, spec) -> None:
        returns = spec.returns
        allowed = {"number": OPS, "bool": ("eq", "ne"), "text": ("eq", "ne", "in")}[returns]
        if op not in allowed:
            self.problem(path[:-len(".value")] + ".op",
                         f"op {op!r} does not fit fact {spec.name!r}, which is {_kind_words(returns)}; "
                         f"use {', '.join(allowed)}")
            return
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
                self.problem(path, "between takes [low, high], two numbers")
            elif value[0] > value[1]:
                self.problem(path, f"between takes [low, high] with low <= high, got {value}")
            return
        if op == "in":
            if not isinstance(value, list) or not value:
                self.problem(path, "in takes a non-empty list")
                return
            for i, item in enumerate(value):
                self.scalar(f"{path}[{i}]", item, spec)
            return
        self.scalar(path, value, spec)

    def scalar(self, path: str, value, spec) -> None:
        if spec.returns == "number" and not _is_number(value):
            self.problem(path, f"must be a number for fact {spec.name!r}, got {value!r}")
        elif spec.returns == "bool" and not isinstance(value, bool):
            self.problem(path, f"must be true or false for fact {spec.name!r}, got {value!r}")
        elif spec.returns == "text":
            if not isinstance(value, str):
                self.problem(path, f"must be text for fact {spec.name!r}, got {value!r}")
            elif spec.values and value not in spec.values:
                self.problem(path, f"unknown value {value!r} for fact {spec.name!r}; "
                                   f"it is one of {', '.join(spec.values)}")

    def outcome(self, outcome: str, value, path: str) -> None:
        if outcome == "flag":
            if not isinstance(value, str) or not FLAG_PATTERN.fullmatch(value):
                self.problem(path, f"a flag is a short name of lower-case letters, digits and _, got {value!r}")
            return
        if not isinstance(value, dict):
            self.fixed(outcome, value, path)
            return
        if "cases" in value:
            self.cases(outcome, value["cases"], value.get("else_"), path)
        else:
            self.read_outcome(outcome, value, path)

    def read_outcome(self, outcome: str, value: dict, path: str) -> None:
        """An outcome read from a fact (`by`), through bands or a scale."""
        spec = FACTS[value["by"]]
        self.params(path, value, spec, outcome=True)
        bands, otherwise = value.get("bands"), value.get("else_")
        if spec.returns == "bool":
            self.problem(f"{path}.by", f"fact {spec.name!r} is true or false; use it in `when` instead")
            return
        if spec.returns == "text":
            if outcome != "status" or set(spec.values) - set(STATUS_RANK):
                self.problem(f"{path}.by", f"fact {spec.name!r} is text; only a status can be read from "
                                           "target_status")
            elif bands or otherwise is not None:
                self.problem(f"{path}.bands", f"fact {spec.name!r} is already a status; it takes no bands")
            return
        if outcome in ("rating", "status") and not bands:
            self.problem(f"{path}.bands", f"required: a {outcome} read from a number needs bands, "
                                          "e.g. [[1.05, 5], [1.0, 4], [0.95, 3], [0.9, 2]]")
            return
        if bands:
            self.bands(outcome, bands, otherwise, f"{path}")
        if "scale" in value:
            if outcome != "score":
                self.problem(f"{path}.scale", "only a score takes a scale")
            elif value["scale"][0] >= value["scale"][1]:
                self.problem(f"{path}.scale", "[low, high] with low < high")

    def cases(self, outcome: str, cases: list, otherwise, path: str) -> None:
        """Each case is a condition and the fixed outcome it gives; the first that holds wins."""
        if outcome == "flag":
            self.problem(f"{path}.cases", "a flag is raised by `when`; it takes no cases")
            return
        for i, case in enumerate(cases):
            where = f"{path}.cases[{i}]"
            self.condition(case["when"], f"{where}.when")
            self.fixed(outcome, case["value"], f"{where}.value")
        if otherwise is not None:
            self.fixed(outcome, otherwise, f"{path}.else")

    def fixed(self, outcome: str, value, path: str) -> None:
        if outcome == "rating" and not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5):
            self.problem(path, f"a rating is a whole number 1-5 or {{\"by\": FACT, \"bands\": ...}}, got {value!r}")
        elif outcome == "status" and not (isinstance(value, str) and value in STATUS_RANK):  # [1] is no key
            self.problem(path, f"a status is green, amber or red (or {{\"by\": ...}}), got {value!r}")
        elif outcome == "score" and not _is_number(value):
            self.problem(path, f"a score is a number (or {{\"by\": ...}}), got {value!r}")

    def bands(self, outcome: str, bands: list, otherwise, path: str) -> None:
        rank = _rank(outcome)
        previous = None
        for i, band in enumerate(bands):
            where = f"{path}.bands[{i}]"
            if not (isinstance(band, list) and len(band) == 2 and _is_number(band[0])):
                self.problem(where, "a band is [threshold, outcome], e.g. [1.0, 4]")
                return
            before = len(self.problems)
            self.fixed(outcome, band[1], f"{where}[1]")
            if len(self.problems) > before:
                return
            if previous is not None:
                if band[0] >= previous[0]:
                    self.problem(where, f"thresholds must go down: {band[0]} follows {previous[0]}")
                    return
                if rank(band[1]) > rank(previous[1]):
                    self.problem(where, f"a lower threshold must not give a better {outcome}: {band[1]!r} "
                                        f"below {previous[1]!r}")
                    return
            previous = band
        if otherwise is not None:
            before = len(self.problems)
            self.fixed(outcome, otherwise, f"{path}.else")
            if len(self.problems) == before and rank(otherwise) > rank(bands[-1][1]):
                self.problem(f"{path}.else", f"must not be better than the last band ({bands[-1][1]!r})")

    def select(self, select: dict) -> None:
        allowed = SELECT_KEYS[self.subject_type]
        for name, value in select.items():
            path = f"select.{name}"
            takes = allowed.get(name)
            if takes is None:
                self.problem(path, f"unknown field for a {self.subject_type}; use {', '.join(allowed)}")
            elif takes in ("text", "metric", "function") and not isinstance(value, str):
                self.problem(path, f"must be text, got {value!r}")
            elif takes == "texts" and not (isinstance(value, list) and value
                                           and all(isinstance(v, str) for v in value)):
                self.problem(path, f"must be a non-empty list of texts, got {value!r}")
            elif takes == "bool" and not isinstance(value, bool):
                self.problem(path, f"must be true or false, got {value!r}")
            elif takes == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                self.problem(path, f"must be a whole number, got {value!r}")
            elif takes == "metric":
                self.metric(path, value)
            elif takes == "function" and self.function_codes is not None and value not in self.function_codes:
                self.problem(path, f"unknown function {value!r}; known: {', '.join(sorted(self.function_codes))}")


def _rank(outcome: str):
    if outcome == "status":
        return lambda v: STATUS_RANK.get(v, -1)
    return lambda v: v


def _finite(value: int | float) -> bool:
    """Whether a number is one a rule can compare: not NaN or infinite, and a whole number within a
    float's range (a JSON integer of 400 digits is valid JSON; compared with a float it overflows)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)


def _number_words(value: int | float) -> str:
    if isinstance(value, int) and not _finite(value):
        try:
            digits = f"{len(str(abs(value))):,}"
        except ValueError:  # more digits than str() writes (JSON's reader refuses those before this)
            digits = f"about {int(value.bit_length() * math.log10(2)) + 1:,}"
        return f"a whole number of {digits} digits, too large"
    return repr(value)


def _shape_problems(definition: Any) -> list[str]:
    """Walk the JSON without recursion: refuse nesting deeper than MAX_DEPTH (before the schema,
    which recurses), numbers that are not finite (NaN and Infinity are not JSON) and text holding a
    bidirectional control character."""
    problems, stack = [], [(definition, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (int, float)) and not isinstance(node, bool) and not _finite(node):
            kind = "a number a rule can compare" if isinstance(node, int) else "a finite number"
            problems.append(f"{path or '(rule)'}: must be {kind}, got {_number_words(node)}")
        elif isinstance(node, str) and (code := bidi_problem(node)):  # written as a JSON escape, past the form
            problems.append(f"{path or '(rule)'}: contains a hidden text-direction character ({code}); remove it")
        elif isinstance(node, (dict, list)):
            if depth >= MAX_DEPTH:
                problems.append(f"{path}: nested more than {MAX_DEPTH} levels deep")
                continue
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                sub = f"{path}[{key}]" if isinstance(node, list) else (f"{path}.{key}" if path else str(key))
                stack.append((value, sub, depth + 1))
    return sorted(problems)


def _kind_words(returns: str) -> str:
    return {"number": "a number", "bool": "true or false", "text": "text"}[returns]


def validate_definition(definition: Any, *, metric_codes: Optional[set] = None,
                        function_codes: Optional[set] = None) -> dict:
    """Check a rule definition; returns it unchanged, or raises `RuleError` naming every problem
    by its JSON path. `metric_codes` / `function_codes` are the codes that exist (skip when None)."""
    if not isinstance(definition, dict):
        raise RuleError(["(rule): a rule is a JSON object"])
    unkept = unkept_in(definition, UNKEPT_OR_BREAKS)
    if unkept is not None:
        path, code = unkept
        where = ".".join(str(step) for step in path) or "(rule)"
        raise RuleError([f"{where}: the text holds {words(code)}, which cannot be kept"])
    shape = _shape_problems(definition)
    if shape:
        raise RuleError(shape)
    try:
        loaded = RuleSchema().load(definition)
    except ValidationError as error:
        # What is wrong with its shape, and what the parts of it that are whole mean wrongly (an unknown metric
        # in `select` beside a missing `explain`): every problem in one answer, not one fix at a time.
        valid = error.valid_data if isinstance(error.valid_data, dict) else {}
        whole = {k: v for k, v in valid.items() if k not in error.messages}
        raise RuleError(list(_flatten(error.messages)) + _meaning_problems(whole, metric_codes, function_codes)) \
            from None
    problems = _meaning_problems(loaded, metric_codes, function_codes)
    if problems:
        raise RuleError(problems)
    return definition


def _meaning_problems(loaded: dict, metric_codes: Optional[set], function_codes: Optional[set]) -> list[str]:
    """What a rule's well-shaped parts mean wrongly (unknown metrics and functions, fields its subject has not,
    values of the wrong kind, an explanation naming what it cannot): every part present is checked (without a
    valid `applies_to`, those that do not depend on the subject: the key and the explanation)."""
    subject = loaded.get("applies_to")
    checker = _Checker(RuleSubject(subject or RuleSubject.program.value), metric_codes, function_codes)
    if "key" in loaded and not KEY_PATTERN.fullmatch(loaded["key"]):
        checker.problem("key", f"use lower-case letters, digits, - and _ (at most 100), got {loaded['key']!r}")
    for problem in template_problems(loaded["explain"], subject) if "explain" in loaded else ():
        checker.problem("explain", problem)
    if subject is None:
        return checker.problems
    checker.select(loaded.get("select") or {})
    if loaded.get("when") is not None:
        checker.condition(loaded["when"], "when")
    then = loaded.get("then")
    if then:
        outcome = next(k for k in OUTCOMES if k in then)
        checker.outcome(outcome, then[outcome], f"then.{outcome}")
    return checker.problems


# -- compiling ---------------------------------------------------------------------------------------
def _window(data: Optional[dict]) -> Optional[Window]:
    if not data:
        return None
    return Window(data.get("periods"), bool(data.get("consecutive")), bool(data.get("year_to_date")))


def _ref(name: str, node: dict) -> FactRef:
    params = tuple(sorted((k, node[k]) for k in PARAM_NAMES if k in node and k != "window"))
    return FactRef(name, params, _window(node.get("window")))


def _condition(node: dict):
    for kind in ("all", "any"):
        if kind in node:
            return Group(kind, tuple(_condition(part) for part in node[kind]))
    if "not" in node:
        return Group("not", (_condition(node["not"]),))
    value = node["value"]
    return Leaf(_ref(node["fact"], node), node["op"], tuple(value) if isinstance(value, list) else value)


def compile_rule(definition: dict, *, version_id: Optional[int] = None, version: Optional[int] = None) -> CompiledRule:
    """A validated definition as the evaluator's data structure."""
    then = definition["then"]
    outcome = next(k for k in OUTCOMES if k in then)
    spec = then[outcome]
    if outcome == "flag":
        compiled = Then("flag", fixed=spec, severity=then.get("severity", "medium"))
    elif isinstance(spec, dict) and "cases" in spec:
        cases = tuple((_condition(case["when"]), case["value"]) for case in spec["cases"])
        compiled = Then(outcome, cases=cases, otherwise=spec.get("else", DEFAULT_ELSE.get(outcome)))
    elif isinstance(spec, dict):
        bands = tuple((float(t), o) for t, o in spec.get("bands", ()))
        compiled = Then(outcome, by=_ref(spec["by"], spec), bands=bands,
                        otherwise=spec.get("else", DEFAULT_ELSE.get(outcome)),
                        scale=tuple(spec["scale"]) if "scale" in spec else None)
    else:
        compiled = Then(outcome, fixed=spec)
    when = definition.get("when")
    return CompiledRule(definition["key"], definition["title"], RuleSubject(definition["applies_to"]),
                        dict(definition.get("select") or {}), _condition(when) if when else None, compiled,
                        definition["explain"], version_id, version)
