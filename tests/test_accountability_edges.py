"""Hostile and careless use of the rule editor, the why-pages and the plan pages: deep or
non-finite JSON, a new rule that reuses an existing key, publishing a draft edited since it was
shown, links a reader may not follow."""
import copy
import html
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import (
    Finding,
    FindingInput,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    RuleSubject,
    RuleVersion,
)
from scorecard.rules.schema import RuleError, validate_definition
from scorecard.rules.service import simulate
from scorecard.rules.store import default_pack, read_rules_file, save
from scorecard.rules_web.words import describe
from tests.helpers import csrf_token

TODAY = date(2026, 11, 22)
RULE = {"key": "trust-low", "title": "Trust low", "applies_to": "program",
        "when": {"fact": "attainment", "metric": "trust", "op": "lt", "value": 1.0},
        "then": {"flag": "low", "severity": "high"}, "explain": "{program} trust was low in {period}."}


def nested(depth: int) -> dict:
    rule = copy.deepcopy(RULE)
    for _ in range(depth):
        rule["when"] = {"not": rule["when"]}
    return rule


def test_deeply_nested_conditions_are_refused_with_a_path():
    with pytest.raises(RuleError) as caught:
        validate_definition(nested(400))
    assert caught.value.problems[0].startswith("when.not.not.not")
    assert "nested more than" in caught.value.problems[0]
    validate_definition(nested(10))  # a reasonable depth is fine


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_numbers_that_are_not_finite_are_refused(number):
    rule = copy.deepcopy(RULE)
    rule["when"]["value"] = number
    with pytest.raises(RuleError) as caught:
        validate_definition(rule)
    assert any(p.startswith("when.value:") and "finite" in p for p in caught.value.problems)


def editor_post(client, url, definition: str, button="save", page=None):
    """Post the editor as a browser would, with the hidden fields of `page` (or a fresh one)."""
    page = page or client.get(url).get_data(as_text=True)
    hidden = dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', page))
    return client.post(url, data={**hidden, "csrf_token": csrf_token(page), "definition": definition, button: "x"})


@pytest.mark.parametrize("text", [
    '{"key": "a", "when": ' + '{"not": ' * 300 + '{}' + '}' * 300 + '}',
    '[' * 20000 + ']' * 20000,
    json.dumps({**RULE, "when": {**RULE["when"], "value": "NaN"}}).replace('"NaN"', "NaN"),
    json.dumps({**RULE, "key": "trust\u0000low"}),  # looked up by its key before: PostgreSQL refused the NUL
    json.dumps(RULE).replace('"value": 1.0', '"value": 1' + "0" * 5000),  # more digits than Python converts
])
def test_the_editor_answers_hostile_json_with_a_message_not_an_error(evaluated, client_as, text):
    analyst = client_as("analyst")
    for button in ("save", "simulate"):
        response = editor_post(analyst, "/rules/new", text, button)
        assert response.status_code == 400, response.status_code
        assert 'id="problems"' in response.get_data(as_text=True)
    with evaluated.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleVersion)) == len(default_pack())


def test_an_address_holding_a_nul_names_nothing(evaluated, client_as):
    analyst = client_as("analyst")
    for url in ("/rules/%00", "/rules/a%00b/edit", "/rules/%00/versions/1", "/commitments/%00"):
        assert analyst.get(url).status_code == 404, url


def test_new_rule_page_does_not_overwrite_an_existing_rule(evaluated, client_as):
    analyst = client_as("analyst")
    taken = {**next(r for r in default_pack() if r["key"] == "stale-commitment"), "title": "Hijacked"}
    response = editor_post(analyst, "/rules/new", json.dumps(taken))
    assert response.status_code == 400
    assert "exists already" in response.get_data(as_text=True)
    with evaluated.app_context():
        titles = db.session.scalars(sa.select(RuleVersion.definition).where(
            RuleVersion.rule.has(key="stale-commitment"))).all()
    assert all(d["title"] != "Hijacked" for d in titles)


def test_publishing_a_draft_edited_since_it_was_shown_is_refused(evaluated, client_as):
    analyst, admin = client_as("analyst"), client_as("admin")
    draft = {**next(r for r in default_pack() if r["key"] == "stale-commitment"), "title": "Seen by the admin"}
    assert editor_post(analyst, "/rules/stale-commitment/edit", json.dumps(draft)).status_code == 302
    shown = admin.get("/rules/stale-commitment/versions/2").get_data(as_text=True)
    assert "Publish version 2" in shown
    draft["title"] = "Changed afterwards"
    assert editor_post(analyst, "/rules/stale-commitment/edit", json.dumps(draft)).status_code == 302
    refused = admin.post("/rules/stale-commitment/versions/2/publish",
                         data={"csrf_token": csrf_token(shown),
                               "shown": shown.split('name="shown" value="')[1].split('"')[0]})
    assert refused.status_code == 303
    assert admin.post("/rules/stale-commitment/versions/2/publish",
                      data={"csrf_token": csrf_token(shown)}).status_code == 400  # no fingerprint, no publish
    with evaluated.app_context():
        version = db.session.scalar(sa.select(RuleVersion).where(RuleVersion.rule.has(key="stale-commitment"),
                                                                 RuleVersion.version == 2))
        assert version.status.value == "draft"
    fresh = admin.get("/rules/stale-commitment/versions/2").get_data(as_text=True)
    assert "Changed afterwards" in fresh
    published = admin.post("/rules/stale-commitment/versions/2/publish",
                           data={"csrf_token": csrf_token(fresh),
                                 "shown": fresh.split('name="shown" value="')[1].split('"')[0]})
    assert published.status_code == 302


def finding_of(subject_type: str) -> int:
    return db.session.scalar(sa.select(Finding.id).where(Finding.subject_type == RuleSubject(subject_type))
                             .order_by(Finding.id))


def test_why_page_names_the_program_of_each_pooled_observation(evaluated, client_as):
    with evaluated.app_context():
        finding_id = finding_of("requirement")
        items = db.session.scalars(sa.select(FindingInput).where(FindingInput.finding_id == finding_id)).all()
        ids = {i for item in items for i in (item.observation_ids or [item.observation_id]) if i}
        names = set(db.session.scalars(sa.select(Program.name).join(Observation, Observation.program_id == Program.id)
                                       .where(Observation.id.in_(ids))).all())
    assert names, "the requirement finding pooled program observations"
    page = client_as("executive").get(f"/findings/{finding_id}").get_data(as_text=True)
    for name in names:
        assert html.escape(name) in page, name
    assert not re.search(r"= \d+\.\d{4,}", page), "values are shown rounded"
    with evaluated.app_context():  # the requirement's own words quoted: its full stop read "programs., FY2027-Q1"
        text = db.session.scalar(sa.select(PlanRequirement.text).join(Finding, Finding.subject_id == PlanRequirement.id)
                                 .where(Finding.id == finding_id))
    heading = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
    assert text.endswith(".") and f": “{text}”, FY" in heading and "., FY" not in heading.replace(text, ""), heading


def test_why_page_links_to_the_rule_only_for_readers_of_rules(evaluated, client_as):
    with evaluated.app_context():
        finding_id = finding_of("program")
    viewer = client_as("viewer")
    page = viewer.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert 'href="/rules/' not in page
    officer = client_as("officer")
    link = re.search(r'href="(/rules/[^"]+)"', officer.get(f"/findings/{finding_id}").get_data(as_text=True))
    assert officer.get(link.group(1)).status_code == 200


def test_every_default_rule_reads_as_plain_sentences():
    words = {r["key"]: describe(r) for r in default_pack()}
    assert words["significant-decline-in-trust"][1] == "When trust declined significantly against the prior quarter."
    assert words["overdue-commitment"][1] == "When the commitment is overdue."
    assert words["trust-below-target-two-quarters"][1] == (
        "When attainment of the trust target over the last 2 consecutive quarters is below 1.")
    assert words["stale-commitment"][1] == ("When all of: (days since the last update is at least 30; "
                                            "the commitment's status is not one of complete, dropped).")
    assert words["requirement-rating-from-attainment"][0] == (
        "Applies to each plan requirement that has a linked metric.")
    assert words["requirement-rating-from-attainment"][2].startswith(
        "Then set the rating from attainment of the linked metric target over the last 4 quarters: "
        "5 when it is at least 1.05, 4 when it is at least 1,")
    assert words["capacity-measurement-evidence"][0] == (
        "Applies to each capacity-assessment domain where domain is Measurement.")
    assert words["capacity-measurement-evidence"][2] == (
        "Then set the score from the share of programs reporting trust in every quarter of the fiscal year to date "
        "with at least 30 respondents.")
    for lines in words.values():
        text = " ".join(lines)
        assert " is yes" not in text and "the the " not in text and "not (" not in text, text


def test_simulating_a_key_of_another_kind_of_rule_is_refused_like_saving(evaluated, client_as):
    analyst = client_as("analyst")
    other_kind = {**RULE, "key": "overdue-commitment"}  # a commitment rule's key on a program rule
    response = editor_post(analyst, "/rules/new", json.dumps(other_kind), "simulate")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "applies_to: rule" in text and 'id="simulation"' not in text
    with evaluated.app_context(), pytest.raises(RuleError, match="applies to commitment"):
        simulate(db.session, other_kind)


@pytest.mark.parametrize("role,url", [("executive", "/plans/{plan}"), ("admin", "/rules/stale-commitment/versions/2")])
def test_pages_with_many_forms_have_unique_ids(evaluated, client_as, role, url):
    client = client_as(role)
    draft = {**next(r for r in default_pack() if r["key"] == "stale-commitment"), "title": "A draft"}
    with evaluated.app_context():
        plan = db.session.scalar(sa.select(PlanElement.plan_id).group_by(PlanElement.plan_id)
                                 .having(sa.func.count() > 1))
        save(db.session, draft)
        db.session.commit()
    page = client.get(url.format(plan=plan)).get_data(as_text=True)
    assert page.count("<form") >= 2
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_default_pack_explanations_read_correctly(evaluated):
    with evaluated.app_context():
        found = db.session.scalars(sa.select(Finding).where(
            Finding.subject_type.in_([RuleSubject.commitment, RuleSubject.capacity_domain]))).all()
        texts = {f.flag or f.outcome: f.explanation for f in found if f.outcome != "score" or f.score is not None}
        unscored = [f.explanation for f in found if f.outcome == "score" and f.score is None]
    # A fiscal year with no quarter of data yet reads as such, not as a sentence of "n/a"s.
    assert unscored and all("no data for FY" in text and "n/a" not in text for text in unscored), unscored[:2]
    assert re.search(r"was due \d{4}-\d\d-\d\d and is \d+ days? overdue; its status still says [a-z ]+\.$",
                     texts["overdue"]), texts["overdue"]
    assert re.search(r"respondents in every one of the (1 quarter|\d+ quarters) of FY\d{4} through FY\d{4}-Q\d;",
                     texts["score"]), texts["score"]


def test_two_people_editing_one_draft_do_not_overwrite_each_other(evaluated, client_as):
    first, second = client_as("analyst"), client_as("admin")
    url = "/rules/stale-commitment/edit"
    draft = {**next(r for r in default_pack() if r["key"] == "stale-commitment"), "title": "First draft"}
    assert editor_post(first, url, json.dumps(draft)).status_code == 302
    opened_by_first = first.get(url).get_data(as_text=True)
    opened_by_second = second.get(url).get_data(as_text=True)
    assert editor_post(second, url, json.dumps({**draft, "title": "Second's change"}),
                       page=opened_by_second).status_code == 302
    refused = editor_post(first, url, json.dumps({**draft, "title": "First's change"}), page=opened_by_first)
    said = refused.get_data(as_text=True)
    assert refused.status_code == 409, "a conflict, as the README says of two people saving one rule"
    assert re.search(r"version 2 of &#39;stale-commitment&#39; was saved by [^<]*admin@test\.gov[^<]* after you "
                     r"opened the editor; nothing was saved", said), "who saved what, not 'since you opened it'"
    with evaluated.app_context():
        titles = db.session.scalars(sa.select(RuleVersion.definition).where(
            RuleVersion.rule.has(key="stale-commitment")).order_by(RuleVersion.version)).all()
    assert [d["title"] for d in titles][-1] == "Second's change"


def test_requirement_explanation_counts_the_quarters_and_programs_that_had_data(evaluated):
    with evaluated.app_context():
        finding = db.session.scalar(sa.select(Finding).where(Finding.subject_type == RuleSubject.requirement,
                                                             Finding.rating.is_not(None)).order_by(Finding.id))
        items = db.session.scalars(sa.select(FindingInput).where(FindingInput.finding_id == finding.id,
                                                                 FindingInput.role == "observations")).all()
        quarters = len({i.period for i in items})
        programs = len({i.subject_key for i in items})
        text = finding.explanation
    match = re.search(r"across (\d+) of (\d+) linked programs? .* in (\d+) of the 4 quarters to (FY\d{4}-Q\d) "
                      r"\(([^)]*)\),", text)
    assert match, text
    assert (int(match.group(1)), int(match.group(3))) == (programs, quarters)
    assert quarters < 4  # the demo's FY2027 plans are rated before FY2027 data arrives
    # ... and the quarters it read are named: the year before the plan's, not a quarter of it
    first, last = sorted({i.period for i in items})[0], sorted({i.period for i in items})[-1]
    assert match.group(5) == f"{first} to {last}" and last < match.group(4), text


def test_every_table_has_a_caption_and_why_links_say_which_requirement(evaluated, client_as):
    admin = client_as("admin")
    with evaluated.app_context():
        finding = db.session.scalar(sa.select(Finding).where(Finding.subject_type == RuleSubject.requirement)
                                    .order_by(Finding.id))
        requirement = db.session.get(PlanRequirement, finding.subject_id)
        plan_id, text, finding_id = requirement.element.plan_id, requirement.text, finding.id
    rule = next(r for r in default_pack() if r["key"] == "trust-below-target-two-quarters")
    stricter = {**rule, "when": {**rule["when"], "all": [{**rule["when"]["all"][0], "value": 1.2}]}}
    simulated = editor_post(admin, "/rules/trust-below-target-two-quarters/edit", json.dumps(stricter), "simulate")
    pages = {"simulation": simulated.get_data(as_text=True)}
    for url in ("/plans/", f"/plans/{plan_id}", f"/findings/{finding_id}", "/rules/",
                "/rules/trust-below-target-two-quarters/versions/1"):
        pages[url] = admin.get(url).get_data(as_text=True)
    assert 'id="simulation"' in pages["simulation"] and "<table" in pages["simulation"]
    # the form's answer is below it: the focus goes to it (scorecard/static/focus.js), so that it is read out
    assert '<h2 tabindex="-1" data-focus-on-load>What would change</h2>' in pages["simulation"]
    for url, page in pages.items():
        tables = re.findall(r"<table.*?</table>", page, re.S)
        assert tables, url
        for table in tables:
            assert re.search(r"<table[^>]*>\s*<caption", table), (url, table[:120])
    link = re.search(rf'href="/findings/{finding_id}">(.*?)</a>', pages[f"/plans/{plan_id}"], re.S).group(1)
    assert text in html.unescape(link)


def test_the_plans_list_reaches_every_plan_a_page_at_a_time_and_by_year(evaluated, client_as, monkeypatch):
    """At 4,000 plans the list stopped at its first 2,000 (this year's) with no way to an earlier year's."""
    from scorecard.plans import routes
    admin = client_as("admin")
    with evaluated.app_context():
        every = dict(db.session.execute(sa.select(PerformancePlan.id, PerformancePlan.fiscal_year)).all())
    first = admin.get("/plans/").get_data(as_text=True)
    assert len(set(re.findall(r'href="/plans/(\d+)"', first))) == min(len(every), routes.PLANS_PAGE)
    monkeypatch.setattr(routes, "PLANS_PAGE", 3)
    pages = -(-len(every) // 3)
    seen = []
    for number in range(1, pages + 1):
        page = admin.get(f"/plans/?page={number}").get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'href="/plans/(\d+)"', page)]
        assert f"page {number} of {pages}" in page and 'aria-label="Pages of the plans list"' in page
    assert sorted(seen) == sorted(every), "every plan on one page or another, none twice"
    assert [every[i] for i in seen] == sorted((every[i] for i in seen), reverse=True), "newest year first"
    assert f"Plans 1 to 3 of {len(every)}" in admin.get("/plans/?page=0").get_data(as_text=True)
    assert f"page {pages} of {pages}" in admin.get("/plans/?page=999").get_data(as_text=True)
    year = min(every.values())
    monkeypatch.setattr(routes, "PLANS_PAGE", 100)
    chosen = admin.get(f"/plans/?year={year}").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'href="/plans/(\d+)"', chosen)}
    assert listed == {i for i, y in every.items() if y == year} and f'<option value="{year}" selected>' in chosen
    assert "No plans of FY2001 to show." in admin.get("/plans/?year=2001").get_data(as_text=True)


def test_a_rules_file_nested_too_deeply_is_refused_by_name(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(RuleError, match="deep.json: the JSON is nested too deeply"):
        read_rules_file(path)


def test_an_element_proposal_from_only_some_requirements_says_so(evaluated, client_as):
    with evaluated.app_context():
        plan = db.session.scalar(sa.select(PerformancePlan).order_by(PerformancePlan.id))
        element = next(e for e in plan.elements if e.is_results_driven)
        rated = {f.subject_id for f in db.session.scalars(sa.select(Finding).where(
            Finding.subject_type == RuleSubject.requirement, Finding.rating.is_not(None)))}
        counts = (sum(r.id in rated for r in element.requirements), len(element.requirements))
        plan_id, element_id = plan.id, element.id
    assert 0 < counts[0] < counts[1], counts  # the demo mixes CX and official-rated requirements
    page = client_as("executive").get(f"/plans/{plan_id}").get_data(as_text=True)
    section = page.split(f'id="element-{element_id}"')[1].split("</section>")[0]
    assert f"from {counts[0]} of {counts[1]} requirements" in section


def test_a_critical_element_rated_1_settles_the_level_before_the_rest_are_rated():
    from scorecard.ratings import plan_summary
    pending = plan_summary([(1, 15, True), (None, 45, True), (None, 40, False)])
    assert (pending.score, pending.level, pending.complete) == (None, 1, False)
    assert plan_summary([(1, 15, False), (None, 85, True)]).level is None  # not critical: nothing settled


def test_the_editor_ties_its_problems_to_the_text_box(evaluated, client_as):
    analyst = client_as("analyst")
    fresh = analyst.get("/rules/new").get_data(as_text=True)
    assert "aria-invalid" not in fresh
    refused = editor_post(analyst, "/rules/new", json.dumps({**RULE, "when": {**RULE["when"], "op": "lte"}}))
    textarea = re.search(r"<textarea[^>]*>", refused.get_data(as_text=True)).group(0)
    assert 'aria-invalid="true"' in textarea and 'aria-describedby="definition-error problems"' in textarea


def test_a_why_page_names_whose_target_each_target_read_is(evaluated, client_as):
    """A leader's requirement pooled seven programs, one of them with a target of its own: the why-page listed
    "target trust 4.0" and "target trust 4.2" and said "a target of 4.00 to 4.20", so no one could tell which
    program was judged against which, nor check the proposed rating. Each target names its scope, and the
    explanation says each program is judged against its own."""
    import sqlalchemy as sa

    from scorecard.extensions import db
    from scorecard.models import Finding, FindingInput

    with evaluated.app_context():
        two = (sa.select(FindingInput.finding_id).where(FindingInput.role == "target")
               .group_by(FindingInput.finding_id).having(sa.func.count(sa.distinct(FindingInput.target_id)) > 1))
        finding = db.session.scalar(sa.select(Finding).where(Finding.id.in_(two)).order_by(Finding.id))
        assert finding is not None, "the demo has a requirement read against two targets"
        finding_id, explanation = finding.id, finding.explanation
    assert "(each program against its own)" in explanation, explanation
    page = client_as("admin").get(f"/findings/{finding_id}").get_data(as_text=True)
    assert ", for the program " in page and ", for the component " in page
    assert "(its programs without one of their own)" in page
