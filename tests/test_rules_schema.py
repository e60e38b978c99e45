"""Rule definitions are validated before they are saved: every problem is named by its path in
the JSON; facts, ops, fields and metric codes that do not exist are refused; explanation
templates only name plain fields and are never passed to str.format."""
import copy

import pytest

from scorecard.extensions import db
from scorecard.models import Metric, MetricKind, RuleSubject
from scorecard.rules.explain import render, template_problems
from scorecard.rules.schema import RuleError, compile_rule, validate_definition
from scorecard.rules.store import default_pack, validate

CODES = {"trust", "satisfaction", "ease", "wait_time"}
FUNCTIONS = {"CFO", "CIO"}

BASE = {
    "key": "trust-below-target-two-quarters", "title": "Trust below target", "applies_to": "program",
    "when": {"all": [{"fact": "attainment", "metric": "trust", "op": "lt", "value": 1.0,
                      "window": {"periods": 2, "consecutive": True}}]},
    "then": {"flag": "at_risk", "severity": "high"},
    "explain": "{program} trust was below target for {periods} consecutive quarters ({values}).",
}


def problems(change=None, remove=(), applies_to=None, **top) -> list[str]:
    rule = copy.deepcopy(BASE)
    if applies_to:
        rule["applies_to"] = applies_to
    rule.update(top)
    for key in remove:
        rule.pop(key)
    if change:
        change(rule)
    with pytest.raises(RuleError) as caught:
        validate_definition(rule, metric_codes=CODES, function_codes=FUNCTIONS)
    return caught.value.problems


def leaf(rule, **fields):
    rule["when"]["all"][0].update(fields)


def test_the_issue_example_and_the_default_pack_are_valid():
    assert validate_definition(copy.deepcopy(BASE), metric_codes=CODES) == BASE
    for rule in default_pack():
        validate_definition(rule, metric_codes=CODES, function_codes=FUNCTIONS)
    keys = [r["key"] for r in default_pack()]
    assert len(keys) == len(set(keys)) == 8


def test_unknown_op_is_named_by_its_path():
    assert problems(lambda r: leaf(r, op="lte")) == [
        "when.all[0].op: unknown op 'lte'; known: lt, le, gt, ge, eq, ne, between, in"]


def test_unknown_fact_field_and_metric_are_named_by_path():
    assert problems(lambda r: leaf(r, fact="attainmnet"))[0].startswith("when.all[0].fact: unknown fact 'attainmnet'")
    assert problems(lambda r: leaf(r, colour="red")) == ["when.all[0].colour: unknown field"]
    assert problems(lambda r: leaf(r, metric="trst")) == [
        "when.all[0].metric: unknown metric 'trst'; no metric has that code"]
    assert problems(colour="red") == ["colour: unknown field"]
    assert problems(remove=("then",)) == ["then: required"]


def test_nested_groups_report_deep_paths():
    def nest(rule):
        rule["when"] = {"any": [{"not": {"all": [{"fact": "n", "metric": "trust", "op": "ge", "value": "thirty"}]}}]}
    assert problems(nest) == ["when.any[0].not.all[0].value: must be a number for fact 'n', got 'thirty'"]


def only(condition):
    return lambda rule: rule["when"]["all"].__setitem__(0, condition)


def test_a_fact_must_fit_the_subject_and_the_op_the_fact():
    assert problems(only({"fact": "overdue", "op": "eq", "value": True})) == [
        "when.all[0].fact: fact 'overdue' does not apply to a program; it applies to commitment"]
    assert problems(only({"fact": "declined", "metric": "trust", "op": "lt", "value": 1})) == [
        "when.all[0].op: op 'lt' does not fit fact 'declined', which is true or false; use eq, ne"]
    assert problems(only({"fact": "attainment", "metric": "trust", "vs": "prior", "op": "lt", "value": 1})) == [
        "when.all[0].vs: fact 'attainment' takes no 'vs' (it takes metric, window)"]
    assert problems(only({"fact": "attainment", "op": "lt", "value": 1})) == [
        "when.all[0].metric: required: fact 'attainment' on a program must name a metric"]
    assert problems(only({"fact": "commitment_status", "op": "eq", "value": "late"}), applies_to="commitment",
                    explain="{commitment} is {commitment_status}") == [
        "when.all[0].value: unknown value 'late' for fact 'commitment_status'; it is one of not_started, "
        "on_track, at_risk, off_track, complete, dropped"]


def test_between_in_and_window_values_are_checked():
    assert problems(lambda r: leaf(r, op="between", value=[1.1, 0.9])) == [
        "when.all[0].value: between takes [low, high] with low <= high, got [1.1, 0.9]"]
    assert problems(lambda r: leaf(r, op="between", value=1)) == [
        "when.all[0].value: between takes [low, high], two numbers"]
    assert problems(lambda r: leaf(r, op="in", value=[])) == ["when.all[0].value: in takes a non-empty list"]
    assert problems(lambda r: leaf(r, window={"periods": 2, "year_to_date": True})) == [
        "when.all[0].window: give either periods or year_to_date: true"]
    assert problems(lambda r: leaf(r, window={"periods": 0})) == [
        "when.all[0].window.periods: Must be greater than or equal to 1 and less than or equal to 40."]
    assert problems(only({"fact": "metric_value", "metric": "trust", "at": "FY2025-Q5", "op": "lt",
                          "value": 3}))[0].startswith(
        "when.all[0].at: 'latest' or a fiscal quarter: ")


def test_outcomes_bands_must_never_reward_a_worse_value():
    def rating(spec):
        return lambda r: r.__setitem__("then", {"rating": spec})
    assert problems(rating({"by": "attainment", "metric": "trust", "bands": [[1.0, 4], [1.05, 5]]})) == [
        "then.rating.bands[1]: thresholds must go down: 1.05 follows 1.0"]
    assert problems(rating({"by": "attainment", "metric": "trust", "bands": [[1.05, 3], [1.0, 4]]})) == [
        "then.rating.bands[1]: a lower threshold must not give a better rating: 4 below 3"]
    assert problems(rating({"by": "attainment", "metric": "trust", "bands": [[1.0, 3]], "else": 4})) == [
        "then.rating.else: must not be better than the last band (3)"]
    assert problems(rating({"by": "attainment", "metric": "trust", "bands": [[1.0, 6]]})) == [
        "then.rating.bands[0][1]: a rating is a whole number 1-5 or {\"by\": FACT, \"bands\": ...}, got 6"]
    assert problems(rating({"by": "attainment", "metric": "trust"})) == [
        "then.rating.bands: required: a rating read from a number needs bands, e.g. [[1.05, 5], [1.0, 4], "
        "[0.95, 3], [0.9, 2]]"]
    assert problems(rating({"by": "attainment", "metric": "trust", "window": {"periods": 2, "consecutive": True},
                            "bands": [[1.0, 3]]})) == [
        "then.rating.window.consecutive: only a condition takes a consecutive window"]
    assert problems(lambda r: r.__setitem__("then", {"status": "pink"})) == [
        "then.status: a status is green, amber or red (or {\"by\": ...}), got 'pink'"]
    assert problems(lambda r: r.__setitem__("then", {"flag": "x", "rating": 3})) == [
        "then: give exactly one outcome of rating, status, flag, score; found rating, flag"]
    assert problems(lambda r: r.__setitem__("then", {"status": {"by": "declined", "metric": "trust"}})) == [
        "then.status.by: fact 'declined' is true or false; use it in `when` instead"]


def test_select_and_key_are_checked():
    assert problems(select={"colour": "red"}) == ["select.colour: unknown field for a program; use component, "
                                                  "programs, hisp, life_experience"]
    assert problems(select={"function": "CFX", "linked_metric": "trst"}, applies_to="commitment",
                    when={"fact": "overdue", "op": "eq", "value": True}, explain="{commitment} is overdue") == [
        "select.function: unknown function 'CFX'; known: CFO, CIO",
        "select.linked_metric: unknown metric 'trst'; no metric has that code"]
    assert problems(key="Has Spaces") == [
        "key: use lower-case letters, digits, - and _ (at most 100), got 'Has Spaces'"]


def test_a_rule_with_mistakes_of_shape_and_of_meaning_is_told_all_of_them_at_once():
    """A misspelt op beside an unknown metric in `select` and a key with spaces: the op was named, and the
    others only once it was fixed, one round trip each."""
    assert problems(lambda r: leaf(r, op="lte"), select={"colour": "red"}, key="Has Spaces") == [
        "when.all[0].op: unknown op 'lte'; known: lt, le, gt, ge, eq, ne, between, in",
        "key: use lower-case letters, digits, - and _ (at most 100), got 'Has Spaces'",
        "select.colour: unknown field for a program; use component, programs, hisp, life_experience"]
    # without a valid subject, what does not depend on it is still judged: the key and the explanation
    told = problems(applies_to="programme", key="Bad Key", explain="{x")
    assert told[0].startswith("applies_to: ") and len(told) == 3, told
    assert told[1].startswith("key: ") and told[2].startswith("explain: "), told
    # a part that is itself wrongly shaped is not judged for its meaning too (no second, confusing message)
    assert problems(lambda r: leaf(r, op="lte", metric="trst")) == [
        "when.all[0].op: unknown op 'lte'; known: lt, le, gt, ge, eq, ne, between, in"]


@pytest.mark.parametrize("then", [{"status": [1]}, {"status": {"by": "attainment", "metric": "trust",
                                                                  "bands": [[1.0, ["green"]]]}},
                                   {"status": {"by": "attainment", "metric": "trust", "bands": [[1.0, "green"]],
                                               "else": ["red"]}}])
def test_a_status_that_is_a_list_is_refused_as_no_status(then):
    """A status given as a list could not be looked up among the statuses: the editor answered 500."""
    told = problems(then=then)
    assert len(told) == 1 and "a status is green, amber or red" in told[0], told


def test_explanation_templates_name_plain_fields_only():
    assert problems(explain="{program.__class__}") == [
        "explain: field {program.__class__}: only plain field names are allowed, no attribute or index access"]
    assert problems(explain="{values[0]}") == [
        "explain: field {values[0]}: only plain field names are allowed, no attribute or index access"]
    assert problems(explain="{value!r}") == [
        "explain: field {value}: conversions and format specs are not allowed; values are already rounded"]
    assert problems(explain="{secret}")[0].startswith("explain: unknown field {secret}; known fields: ")
    assert problems(explain="{Program} fell") == [  # it was said to be no plain field name
        "explain: unknown field {Program}: field names are written in small letters, {program}"]
    assert problems(explain="unbalanced }")[0].startswith("explain: not a valid template:")
    assert template_problems("{program} is {{literal}}") == []


def test_an_explanation_naming_what_its_subject_has_not_is_refused():
    """A commitment rule explaining "{program} trust was below target" was saved, and every finding read "n/a trust
    was below target": the names a subject gives are the only ones of their kind a template may use."""
    commitment = {"key": "late", "title": "Late", "applies_to": "commitment",
                  "when": {"fact": "days_since_update", "op": "gt", "value": 60}, "then": {"flag": "stale"},
                  "explain": "{program} and {commitment} ({function}): {days} days"}
    with pytest.raises(RuleError) as caught:
        validate_definition(commitment, metric_codes=CODES, function_codes=FUNCTIONS)
    assert caught.value.problems == [
        "explain: field {program} is not known of a commitment, which this rule applies to: every finding would read "
        "n/a there; its names are {subject}, {commitment}"]
    assert template_problems("{leader}: {element}, FY{fiscal_year}", "requirement") == []
    assert template_problems("{domain} of {component}", "program")[0].startswith(
        "field {domain} is not known of a program")


@pytest.mark.parametrize("shown", ["   ", "\u200b", "\u2060 \u3164"])
def test_a_title_or_explanation_that_shows_nothing_is_refused(shown):
    """A title of spaces or a zero-width space left the rules list a blank cell and the version page an empty
    heading; such an explanation, every finding an empty sentence of why."""
    assert problems(title=shown) == ["title: the title shows nothing (only spaces or invisible characters): write one"]
    assert problems(explain=shown) == [
        "explain: the explanation shows nothing (only spaces or invisible characters): write one"]


def test_the_names_each_subject_gives_are_those_the_explanations_are_checked_against(evaluated):
    """explain.SUBJECT_NAMES, which the check reads, says what rules.subjects.subject gives each subject type."""
    from scorecard.rules.context import load_context
    from scorecard.rules.explain import SUBJECT_NAMES
    from scorecard.rules.subjects import entities, subject

    named = set().union(*SUBJECT_NAMES.values())
    with evaluated.app_context():
        ctx = load_context(db.session, observations=False)
        for subject_type in RuleSubject:
            entity = entities(ctx, subject_type)[0]
            assert set(subject(ctx, subject_type, entity).fields) & named == SUBJECT_NAMES[subject_type.value]


def test_rendering_never_formats_the_values():
    text = render("{program}: {value}, {attainment} of target, {values}; {target}",
                  {"program": "{0.__class__} Hotline", "value": 3.14159, "attainment": 0.954,
                   "values": ["FY2025-Q1 3.50", "FY2025-Q2 3.60"]})
    assert text == "{0.__class__} Hotline: 3.14, 95.4% of target, FY2025-Q1 3.50, FY2025-Q2 3.60; n/a"
    assert render("{status} / {commitment_status}", {"status": "insufficient_data", "commitment_status": "at_risk"}) \
        == "insufficient data / at risk"


def test_a_word_written_with_s_in_brackets_agrees_with_the_number_before_it():
    """The default pack's "{programs} linked program(s)" read "1 linked program(s)" on a why-page."""
    template = "{reporting} of {programs} linked program(s), {function_metrics} {function} metric(s) below target"
    assert render(template, {"reporting": 2, "programs": 1, "function_metrics": 3, "function": "CFO"}) == \
        "2 of 1 linked program, 3 CFO metrics below target"
    assert render("in the {periods} quarter(s) to {period}", {"periods": 4, "period": "FY2026-Q4"}) == \
        "in the 4 quarters to FY2026-Q4"
    assert render("{periods} quarter(s)", {"periods": 0}) == "0 quarters"
    assert render("program(s) of {component}", {"component": "Benefits"}) == "program(s) of Benefits", (
        "before any number, the word is left as written")
    assert render("{rating} program(s)", {"rating": None}) == "n/a program(s)", "nothing counted: as written"


def test_a_change_reads_as_the_difference_of_the_two_numbers_shown():
    """'from 4.28 to 3.64 (change -0.65)' beside a dashboard's -0.64: the change is of the numbers written."""
    template = "from {prior} to {value} (change {change})"
    assert render(template, {"prior": 4.2849, "value": 3.6351, "change": 3.6351 - 4.2849}) == \
        "from 4.28 to 3.64 (change -0.64)"
    assert render(template, {"prior": 4.2849, "value": 4.2801, "change": 0.0}) == "from 4.28 to 4.28 (change 0.00)", (
        "a change that is not significant is written 0, as the rule set it")
    assert render("{change}", {"change": -0.6498}) == "-0.65", "without both numbers, as it is"


def test_compiled_rule_keeps_the_condition_tree():
    rule = compile_rule(copy.deepcopy(BASE))
    condition = rule.when.parts[0]
    assert rule.when.kind == "all" and condition.op == "lt" and condition.value == 1.0
    assert condition.ref.name == "attainment" and condition.ref.param("metric") == "trust"
    assert condition.ref.window.periods == 2 and condition.ref.window.consecutive
    assert rule.then.outcome == "flag" and rule.then.severity == "high"
    assert rule.subject_type is RuleSubject.program  # the JSON's "applies_to" text, as the one enum


def test_saving_checks_metric_codes_in_the_database(app):
    with app.app_context():
        db.session.add(Metric(code="trust", name="Trust", kind=MetricKind.likert))
        db.session.commit()
        validate(db.session, copy.deepcopy(BASE))
        rule = copy.deepcopy(BASE)
        rule["when"]["all"][0]["metric"] = "satisfaction"
        with pytest.raises(RuleError) as caught:
            validate(db.session, rule)
        assert caught.value.problems == ["when.all[0].metric: unknown metric 'satisfaction'; no metric has that code"]


def test_text_holding_a_hidden_direction_character_is_refused_naming_where():
    rule = copy.deepcopy(BASE)
    rule["title"] = "Trust \u202egnillaf"  # typed in the editor as the JSON escape \u202e, past the form's check
    with pytest.raises(RuleError) as caught:
        validate_definition(rule, metric_codes=CODES, function_codes=FUNCTIONS)
    assert "title: contains a hidden text-direction character (U+202E); remove it" in caught.value.problems


def test_texts_no_column_keeps_and_names_with_a_final_newline_are_refused():
    assert problems(explain="{program} trust fell\u0000.") == [
        "explain: the text holds a NUL character (U+0000), which cannot be kept"]
    assert problems(description="\ud800") == [
        "description: the text holds an unpaired surrogate (U+D800), not a character, which cannot be kept"]
    # a vertical tab or form feed in a definition is an escape typed on purpose, not a pasted line break
    assert problems(title="Line one\u000bline two") == [
        "title: the text holds a control character (U+000B), which cannot be kept"]
    assert problems(change=lambda r: r["then"].update(flag="at_risk\n"))[0].startswith("then.flag: a flag is")
    assert problems(key="trust-below\n")[0].startswith("key: use lower-case letters")
    assert problems(key="a" * 101)[0].startswith("key: use lower-case letters")
