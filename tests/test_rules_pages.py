"""Rule pages as people use them: the list, a version in plain words beside its JSON, drafting
with validation messages, what-if that writes nothing, publishing (admins only), history; and
the why-pages of the findings the default pack makes on the demo agency."""
import hashlib
import html
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Base, Finding, PlanRequirement, Rule, RuleStatus, RuleSubject, RuleVersion
from scorecard.rules.store import default_pack
from tests.helpers import csrf_token

TODAY = date(2026, 11, 22)


def fingerprint() -> dict:
    """Row count and a digest of every row, per table: equal means nothing was written."""
    result = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        result[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def test_list_and_version_pages(evaluated, client_as):
    leader = client_as("leader")
    listing = leader.get("/rules/").get_data(as_text=True)
    assert "trust-below-target-two-quarters" in listing and "New rule" not in listing
    page = leader.get("/rules/trust-below-target-two-quarters", follow_redirects=True).get_data(as_text=True)
    assert "Applies to each program." in page
    assert "attainment of the trust target over the last 2 consecutive quarters is below 1" in page
    assert "&#34;consecutive&#34;: true" in page or '"consecutive": true' in page
    assert "Publish version" not in page and "Edit draft" not in page
    assert client_as("viewer").get("/rules/").status_code == 403


def test_draft_with_mistakes_is_refused_with_json_paths(evaluated, client_as):
    analyst = client_as("analyst")
    token = csrf_token(analyst.get("/rules/new").get_data(as_text=True))
    broken = analyst.post("/rules/new", data={"csrf_token": token, "definition": '{"key": "x",', "save": "Save"})
    assert broken.status_code == 400 and "not valid JSON at line 1" in broken.get_data(as_text=True)
    rule = {"key": "wait-too-long", "title": "Wait too long", "applies_to": "program",
            "when": {"fact": "metric_value", "metric": "wait_tme", "op": "lte", "value": 15},
            "then": {"flag": "slow"}, "explain": "{program} waits {value} minutes."}
    refused = analyst.post("/rules/new", data={"csrf_token": token, "definition": json.dumps(rule), "save": "Save"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "when.op: unknown op" in text
    rule["when"]["op"] = "gt"
    refused = analyst.post("/rules/new", data={"csrf_token": token, "definition": json.dumps(rule), "save": "Save"})
    assert refused.status_code == 400 and "when.metric: unknown metric" in refused.get_data(as_text=True)
    with evaluated.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleVersion).join(RuleVersion.rule).where(
            RuleVersion.rule.has(key="wait-too-long"))) == 0
    rule["when"]["metric"] = "wait_time"
    saved = analyst.post("/rules/new", data={"csrf_token": token, "definition": json.dumps(rule), "save": "Save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/rules/wait-too-long/versions/1")
    page = analyst.get("/rules/wait-too-long/versions/1").get_data(as_text=True)
    assert "draft" in page and "Publish version" not in page  # analysts draft, admins publish
    assert analyst.post("/rules/wait-too-long/versions/1/publish", data={"csrf_token": token}).status_code == 403


def test_an_empty_rule_is_refused_in_the_fields_own_words_beside_it(evaluated, client_as):
    """Sent empty, the editor said "definition: This field is required." (the form's name for the field, not
    the page's), in a list above the field that did not lead to it, and beside the field nothing."""
    import html

    analyst = client_as("analyst")
    token = csrf_token(analyst.get("/rules/new").get_data(as_text=True))
    empty = analyst.post("/rules/new", data={"csrf_token": token, "definition": "", "save": "Save"})
    page = html.unescape(empty.get_data(as_text=True))
    assert empty.status_code == 400
    assert ('<a class="usa-link" href="#definition">Rule (JSON): Enter the rule: its JSON, as a rule\'s page '
            "downloads it</a>") in page and "definition:" not in page
    assert 'id="definition-error">The rule was not saved: 1 problem, listed above.</span>' in page
    assert re.search(r'<textarea[^>]*required aria-required="true" aria-invalid="true" '
                     r'aria-describedby="definition-error problems"', page)
    spaces = analyst.post("/rules/new", data={"csrf_token": token, "definition": "  \n ", "simulate": "Simulate"})
    said = html.unescape(spaces.get_data(as_text=True))
    assert spaces.status_code == 400 and "Rule (JSON): Enter the rule" in said, "spaces are no rule"
    assert "The rule was not simulated" in said and "not saved" not in said, "a simulation saves nothing anyway"
    broken = analyst.post("/rules/new", data={"csrf_token": token, "definition": '{"key": "x",', "save": "Save"})
    assert "Rule (JSON): not valid JSON at line 1" in html.unescape(broken.get_data(as_text=True))


def test_what_if_shows_changes_and_writes_nothing(evaluated, client_as):
    analyst = client_as("analyst")
    stricter = next(r for r in default_pack() if r["key"] == "trust-below-target-two-quarters")
    stricter = json.loads(json.dumps(stricter))
    stricter["when"]["all"][0]["window"]["periods"] = 1
    token = csrf_token(analyst.get("/rules/trust-below-target-two-quarters/edit").get_data(as_text=True))
    with evaluated.app_context():
        before = fingerprint()
    response = analyst.post("/rules/trust-below-target-two-quarters/edit",
                            data={"csrf_token": token, "definition": json.dumps(stricter), "simulate": "Simulate"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "What would change" in text and "Nothing was saved" in text
    said = re.search(r'<strong id="changed-count">([\d,]+)</strong> (findings?) would change; ([\d,]+) would stay as '
                     r"(it is|they are)\.", text)
    assert said, "not 'finding(s) would change'"
    changed, unchanged = (int(said.group(n).replace(",", "")) for n in (1, 3))
    assert said.group(2) == ("finding" if changed == 1 else "findings")
    assert said.group(4) == ("it is" if unchanged == 1 else "they are")
    with evaluated.app_context():
        assert fingerprint() == before


def test_what_if_of_an_explanation_alone_shows_the_findings_it_would_explain_in_other_words(evaluated, client_as):
    """Outcomes unchanged, every finding's page would read differently: "0 findings would change" alone hid a
    wrong sentence (values swapped) until it was published and read by executives and leaders."""
    analyst = client_as("analyst")
    reworded = json.loads(json.dumps(next(r for r in default_pack() if r["key"] == "program-trust-status")))
    reworded["explain"] = "{program}: a target of {target} against trust of {value} (n={n}) in {period}."
    token = csrf_token(analyst.get("/rules/program-trust-status/edit").get_data(as_text=True))
    response = analyst.post("/rules/program-trust-status/edit",
                            data={"csrf_token": token, "definition": json.dumps(reworded), "simulate": "Simulate"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and '<strong id="changed-count">0</strong> findings would change' in text
    with evaluated.app_context():  # those the rule's sentence explains (one that read nothing says so instead)
        findings = db.session.scalar(sa.select(sa.func.count()).select_from(Finding).join(RuleVersion).join(Rule)
                                     .where(Rule.key == "program-trust-status",
                                            RuleVersion.status == RuleStatus.published,
                                            Finding.explanation.contains(" trust was ")))
    assert findings > 10
    said = re.search(r'<p id="reworded">([\d,]+) findings would keep their outcome and read differently on their '
                     r"page: this version explains them in other words\. The first 10:</p>", text)
    assert said and int(said.group(1).replace(",", "")) == findings, "each finding the sentence explains"
    rows = re.findall(r"<tr><td>program: [^<]+</td><td></td><td>FY\d{4}-Q\d</td>\s*<td>([^<]+)</td><td>([^<]+)</td>"
                      r"<td>([^<]+)</td></tr>", text)
    assert len(rows) == 10
    for outcome, now, then in rows:
        assert " trust was " in now and ": a target of " in then and outcome.startswith("status ")


def test_publish_makes_a_new_version_and_retires_the_old(evaluated, client_as):
    analyst, admin = client_as("analyst"), client_as("admin")
    changed = json.loads(json.dumps(next(r for r in default_pack() if r["key"] == "stale-commitment")))
    changed["title"] = "Commitment not updated for a month"
    token = csrf_token(analyst.get("/rules/stale-commitment/edit").get_data(as_text=True))
    saved = analyst.post("/rules/stale-commitment/edit", data={"csrf_token": token, "definition": json.dumps(changed),
                                                               "save": "Save"})
    assert saved.headers["Location"].endswith("/versions/2")
    draft_page = admin.get("/rules/stale-commitment/versions/2").get_data(as_text=True)
    assert "Publish version 2" in draft_page
    shown = draft_page.split('name="shown" value="')[1].split('"')[0]  # the definition the admin saw
    published = admin.post("/rules/stale-commitment/versions/2/publish",
                           data={"csrf_token": csrf_token(draft_page), "shown": shown})
    assert published.status_code == 302
    with evaluated.app_context():
        statuses = dict(db.session.execute(sa.select(RuleVersion.version, RuleVersion.status).where(
            RuleVersion.rule.has(key="stale-commitment"))).all())
    assert statuses == {1: RuleStatus.retired, 2: RuleStatus.published}
    history = admin.get("/rules/stale-commitment/versions/1").get_data(as_text=True)
    assert "retired" in history and "v2" in history
    # who saved each version and who published it (the audit log's), as the viewer reads people
    rows = {re.search(r">v(\d+)</a>", row).group(1): re.findall(r"<td>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr><td><a.*?</tr>", history.split('id="history"')[1], re.S)}
    # cells: version, status, saved, saved by, published, published by
    assert "analyst@test.gov" in rows["2"][3] and rows["2"][5] == "you", rows["2"]
    assert rows["1"][3] == rows["1"][5] == "an import or the system (no person)", rows["1"]
    # rolled back: "Make a new draft" on the retired version opened the latest's JSON under "Edit the draft of",
    # with no draft there; it starts from that version, and says what saving does
    link = re.search(r'href="(/rules/stale-commitment/edit\?start=1)">Make a new draft from version 1<', history)
    assert link, history[history.index("Make a new draft") - 300:][:400]
    editor = analyst.get(link.group(1)).get_data(as_text=True)
    assert "<h1 class=\"margin-top-4\">A new draft of stale-commitment from version 1</h1>" in editor
    assert "It starts from version 1 (retired): saving makes version 3, a draft." in editor
    assert "Commitment not updated for a month" not in editor, "version 1's JSON, not version 2's"
    rolled = analyst.post(link.group(1), data={"csrf_token": csrf_token(editor), "save": "Save",
                                               "definition": html.unescape(re.search(
                                                   r'<textarea[^>]*>(.*?)</textarea>', editor, re.S).group(1))})
    assert rolled.headers["Location"].endswith("/versions/3")
    with evaluated.app_context():
        definitions = dict(db.session.execute(sa.select(RuleVersion.version, RuleVersion.definition).where(
            RuleVersion.rule.has(key="stale-commitment"))).all())
    assert definitions[3] == definitions[1]
    editing = analyst.get("/rules/stale-commitment/edit").get_data(as_text=True)
    assert "Edit the draft of stale-commitment (version 3)" in editing
    assert "Saving updates the draft, version 3." in editing
    started = analyst.get("/rules/stale-commitment/edit?start=2").get_data(as_text=True)
    assert "It starts from version 2 (published): saving replaces the draft, version 3." in started
    for wrong in ("9", "abc", "1.0", "", "-1"):
        assert analyst.get(f"/rules/stale-commitment/edit?start={wrong}").status_code == 404, wrong


def test_every_default_rule_made_findings_and_their_why_pages_reproduce_them(evaluated, client_as):
    executive = client_as("executive")
    with evaluated.app_context():
        findings = db.session.scalars(sa.select(Finding).order_by(Finding.id)).all()
        kinds = {f.subject_type for f in findings}
        sample = {}
        for f in findings:
            sample.setdefault((f.rule_version_id, f.outcome, f.status), f.id)
    assert kinds >= {RuleSubject.program, RuleSubject.requirement, RuleSubject.capacity_domain}
    titles = set()
    for finding_id in list(sample.values())[:25]:
        page = executive.get(f"/findings/{finding_id}").get_data(as_text=True)
        assert "gives the same outcome" in page, finding_id
        titles.add(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert len(titles) == len(list(sample.values())[:25]), "each why-page's title names its subject and quarter"


def test_a_change_findings_why_page_gives_the_answer_counts_and_the_test_used(evaluated, client_as):
    """A change's interval could not be worked again from its why-page: it gave each observation's value and n,
    not its answer counts, nor which test was used."""
    from scorecard.models import FindingInput, Observation, Rule, RuleVersion

    executive = client_as("executive")
    with evaluated.app_context():
        finding = db.session.scalars(sa.select(Finding).join(RuleVersion).join(Rule).where(
            Rule.key == "significant-decline-in-trust", Finding.flag.is_not(None))).first()
        assert finding is not None, "the demo's evaluation raises a decline"
        observation_ids = [i for item in db.session.scalars(sa.select(FindingInput).where(
            FindingInput.finding_id == finding.id)) for i in (item.observation_ids or [])]
        counted = db.session.scalars(sa.select(Observation).where(Observation.id.in_(observation_ids),
                                                                  Observation.count_1.is_not(None))).all()
        expected = [f"#{o.id}" for o in counted], [", ".join(str(c or 0) for c in o.counts) for o in counted]
        other = db.session.scalars(sa.select(Finding).join(RuleVersion).join(Rule).where(
            Rule.key != "significant-decline-in-trust", Finding.subject_type == RuleSubject.program)).first()
    page = executive.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert counted
    for said, counts in zip(*expected):
        line = re.search(rf'<div class="observation">{said}:.*?</div>', page, re.S).group(0)
        assert f"answers 1 to 5: {counts}" in line, line
    method = re.search(r'<p id="change-method"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "1.96 standard errors" in method and "Agresti and Caffo" in method and "(30 respondents)" in method
    assert 'id="change-method"' not in executive.get(f"/findings/{other.id}").get_data(as_text=True)


def test_a_why_page_leads_to_where_its_subject_is_shown(evaluated, client_as):
    """A red program's why-page (the overview's "turned red" link) named the program as plain text: a dead
    end, the program page and its accountability chain one search away."""
    from scorecard.models import CapacityAssessment, CapacityDomainScore

    executive = client_as("executive")
    with evaluated.app_context():
        status = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.program)
                                    .order_by(Finding.id)).first()
        program_finding, program_id, period = status.id, status.subject_id, status.period
        evidence = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.capacity_domain)
                                      .order_by(Finding.id)).first()
        component_id, year = db.session.execute(
            sa.select(CapacityAssessment.component_id, CapacityAssessment.fiscal_year).join(CapacityDomainScore)
            .where(CapacityDomainScore.id == evidence.subject_id)).one()
        evidence_id = evidence.id
    page = executive.get(f"/findings/{program_finding}").get_data(as_text=True)
    assert f'href="/dashboards/program?id={program_id}&amp;period={period}"' in page
    assert f'href="/capacity/{component_id}/{year}"' in executive.get(f"/findings/{evidence_id}").get_data(as_text=True)


def test_a_score_the_data_could_not_give_reads_as_no_score_not_a_status(evaluated, client_as):
    """A capacity domain's evidence score in a year without results: its why-page said "status no data" of a
    score, and the rule's page counted it among "a score"."""
    executive = client_as("executive")
    with evaluated.app_context():
        nothing = db.session.scalars(sa.select(Finding).where(Finding.outcome == "score",
                                                              Finding.status == "no_data")).first()
        key, version, period = nothing.rule_version.rule.key, nothing.rule_version.version, nothing.period
    page = executive.get(f"/findings/{nothing.id}").get_data(as_text=True)
    assert re.search(r'id="outcome">no score: no data<', page)
    listing = executive.get(f"/rules/{key}/versions/{version}?period={period}").get_data(as_text=True)
    assert re.search(r"\(\d+ with no score: no data\)", listing), "counted as '6 with no score: no data'"


def test_plan_page_links_each_rated_requirement_to_its_why_page(evaluated, client_as):
    executive = client_as("executive")
    with evaluated.app_context():
        finding = db.session.scalar(sa.select(Finding).where(Finding.subject_type == RuleSubject.requirement,
                                                             Finding.rating.is_not(None)))
        assert finding is not None, "the default pack proposes requirement ratings on the demo agency"
        plan_id = db.session.get(PlanRequirement, finding.subject_id).element.plan_id
        finding_id = finding.id
    page = executive.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"/findings/{finding_id}" in page


def test_retiring_a_rule_evaluates_again_in_the_background_and_its_findings_go(evaluated, client_as):
    from scorecard import dispatch
    from scorecard.models import Rule

    evaluated.config["EVALUATIONS_INLINE"] = False  # as served: the page answers, a job evaluates

    def stale_findings() -> int:
        with evaluated.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(Finding).join(Finding.rule_version)
                                     .join(RuleVersion.rule).where(Rule.key == "stale-commitment"))
    assert stale_findings() > 0
    admin = client_as("admin")
    version = admin.get("/rules/stale-commitment/versions/1").get_data(as_text=True)
    assert 'href="/rules/stale-commitment/retire">Retire…</a>' in version, "a step first: retiring re-evaluates"
    asked = admin.get("/rules/stale-commitment/retire").get_data(as_text=True)
    assert "Its published version 1 stops being evaluated" in asked and stale_findings() > 0, "asked, not done"
    token = csrf_token(asked)
    assert admin.post("/rules/stale-commitment/retire", data={"csrf_token": token}).status_code == 400, (
        "the version asked about is sent back")
    retired = admin.post("/rules/stale-commitment/retire", data={"csrf_token": token, "version": "1"},
                         follow_redirects=True)
    assert "being evaluated again in the background" in retired.get_data(as_text=True)
    dispatch.drain()  # the job the page queued
    assert stale_findings() == 0
    page = html.unescape(admin.get("/rules/stale-commitment/versions/1").get_data(as_text=True))
    assert "This version is retired: it is evaluated no more" in page and "No findings yet" not in page, (
        "it said a published version is evaluated after each import")
    # the list says the rule is off: its published column read "—", as for a rule never published
    listed = admin.get("/rules/").get_data(as_text=True)
    row = re.search(r'<tr><th scope="row"[^>]*><a[^>]*><code>stale-commitment</code>.*?</tr>', listed, re.S).group()
    assert re.search(r'none: <a class="usa-link" href="/rules/stale-commitment/versions/1">v1<span '
                     r'class="usa-sr-only"> of stale-commitment</span></a> retired', row), row


def test_a_retire_confirmed_on_a_version_published_over_since_retires_nothing(evaluated, client_as):
    """An admin asked to retire version 1, while a colleague published version 2, retired version 2 unseen on
    pressing the button: the page names the version it asked about, and a newer one is not retired."""
    from scorecard.models import Rule
    from scorecard.rules.store import publish_version, save

    admin = client_as("admin")
    asked = admin.get("/rules/stale-commitment/retire").get_data(as_text=True)
    assert 'name="version" value="1"' in asked
    with evaluated.app_context():
        rule = db.session.scalar(sa.select(Rule).where(Rule.key == "stale-commitment"))
        definition = dict(rule.versions[0].definition, title="Stale commitment, 45 days")
        draft = save(db.session, definition)
        publish_version(db.session, "stale-commitment", version=draft.version)
        db.session.commit()
        newer = draft.version
    refused = admin.post("/rules/stale-commitment/retire", data={"csrf_token": csrf_token(asked), "version": "1"})
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/rules/stale-commitment/versions/{newer}")
    said = html.unescape(admin.get(refused.headers["Location"]).get_data(as_text=True))
    assert (f"Version {newer} of rule stale-commitment was published after you were asked about version 1: nothing "
            "was retired.") in said
    with evaluated.app_context():
        assert db.session.scalar(sa.select(RuleVersion.status).join(RuleVersion.rule).where(
            Rule.key == "stale-commitment", RuleVersion.version == newer)) is RuleStatus.published
    for forged in ("", "x", "1" * 20, "0"):
        assert admin.post("/rules/stale-commitment/retire",
                          data={"csrf_token": csrf_token(asked), "version": forged}).status_code == 400


def test_a_why_page_names_the_import_batches_its_observations_came_from(evaluated, client_as):
    """An executive read "import batch 331" as plain text and could not open it (the imports pages are the
    analysts'): the trail stopped short of the file. The why-page now says of each batch its file, who
    uploaded it, when it was committed, its status and the file's SHA-256; an analyst's links to the batch."""
    from scorecard.models import FindingInput, ImportBatch, Observation

    with evaluated.app_context():
        finding_id, batch_id = db.session.execute(
            sa.select(FindingInput.finding_id, Observation.import_batch_id)
            .join(Observation, Observation.id == FindingInput.observation_id)
            .where(Observation.import_batch_id.is_not(None)).order_by(FindingInput.finding_id)).first()
        batch = db.session.get(ImportBatch, batch_id)
        filename, checksum = batch.filename, batch.checksum
    page = client_as("executive").get(f"/findings/{finding_id}").get_data(as_text=True)
    table = page[page.index('id="batches"'):page.index("</table>", page.index('id="batches"'))]
    assert f"<th scope=\"row\">{batch_id}</th>" in table and filename in table and checksum in table
    assert "committed" in table and "/imports/" not in table, "no link to a page that refuses the executive"
    analyst = client_as("analyst").get(f"/findings/{finding_id}").get_data(as_text=True)
    assert f'href="/imports/{batch_id}"' in analyst
    # each observation read leads to its program's page for its quarter, where its chart and table show it
    with evaluated.app_context():
        read = db.session.scalars(sa.select(Observation).where(Observation.id.in_(
            sa.select(FindingInput.observation_id).where(FindingInput.finding_id == finding_id)))).all()
        shown = [f'<div class="observation">#{o.id}: <a class="usa-link" href="/dashboards/program?id={o.program_id}'
                 f'&amp;period={o.period}">' for o in read if o.program_id]
    assert shown and all(link in page for link in shown)


def test_a_number_too_large_or_a_key_given_twice_is_refused_naming_where(evaluated, client_as, tmp_path):
    """A JSON integer of 401 digits is valid JSON; compared as a float it overflowed, and saving or
    simulating the rule answered 500. One of thousands of digits stopped the rules file's reader."""
    from scorecard.rules.schema import RuleError
    from scorecard.rules.store import read_rules_file

    analyst = client_as("analyst")
    token = csrf_token(analyst.get("/rules/new").get_data(as_text=True))
    rule = {"key": "huge-value", "title": "Huge", "applies_to": "program",
            "when": {"fact": "metric_value", "metric": "wait_time", "op": "gt", "value": 10 ** 400},
            "then": {"flag": "slow"}, "explain": "{program} waits {value} minutes."}
    before = fingerprint_of(evaluated)
    for button in ("save", "simulate"):
        refused = analyst.post("/rules/new", data={"csrf_token": token, "definition": json.dumps(rule), button: "x"})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "when.value: must be a number a rule can compare" in text, text[-2000:]
        assert "a whole number of 401 digits, too large" in text
    text = json.dumps(rule).replace('"key": "huge-value"', '"key": "x-dup", "key": "y-dup"')
    text = text.replace('"value": 1' + "0" * 400, '"value": 3')
    refused = analyst.post("/rules/new", data={"csrf_token": token, "definition": text, "save": "x"})
    assert refused.status_code == 400 and "the key &#39;key&#39; is given twice in one object" in refused.get_data(
        as_text=True), "a key given twice was read as its last value"
    digits = text.replace('"then": {"flag": "slow"}', '"then": {"flag": "slow", "digits": 1, "digits": 2}')
    refused = analyst.post("/rules/new", data={"csrf_token": token, "definition": digits, "save": "x"})
    assert "the key &#39;digits&#39; is given twice" in refused.get_data(as_text=True), "not a number too long"
    assert fingerprint_of(evaluated) == before
    paren = tmp_path / "paren.json"
    paren.write_text("(not json)", encoding="utf-8")
    with pytest.raises(RuleError, match=re.escape("paren.json: not valid JSON at line 1, column 1: Expecting value")):
        read_rules_file(paren)
    written = tmp_path / "rules.json"
    written.write_text('{"key": "x", "when": {"value": 1' + "0" * 5000 + "}}", encoding="utf-8")
    with pytest.raises(RuleError, match=re.escape("rules.json: a number with more digits")):
        read_rules_file(written)  # a number of 5,001 digits


def fingerprint_of(app) -> dict:
    with app.app_context():
        return fingerprint()


def test_the_same_new_rule_sent_again_is_saved_once_but_a_retired_one_is_not_called_saved(evaluated, client_as):
    """A resend of New rule (a double click, Back) leads to the version it saved; once that version is
    retired, the same text is not "saved already": the rule exists and is edited from its page."""
    analyst = client_as("analyst")
    token = csrf_token(analyst.get("/rules/new").get_data(as_text=True))
    rule = {"key": "sent-again", "title": "Sent again", "applies_to": "program",
            "when": {"fact": "metric_value", "metric": "wait_time", "op": "gt", "value": 15},
            "then": {"flag": "slow"}, "explain": "{program} waits {value} minutes."}
    form = {"csrf_token": token, "definition": json.dumps(rule), "save": "Save"}
    assert analyst.post("/rules/new", data=form).status_code == 302
    again = analyst.post("/rules/new", data=form)
    assert again.status_code == 302 and again.headers["Location"].endswith("/rules/sent-again/versions/1")
    assert "saved already, as sent" in analyst.get(again.headers["Location"]).get_data(as_text=True)
    with evaluated.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleVersion).where(
            RuleVersion.rule.has(key="sent-again"))) == 1
        db.session.execute(sa.update(RuleVersion).where(RuleVersion.rule.has(key="sent-again"))
                           .values(status=RuleStatus.retired))
        db.session.commit()
    late = analyst.post("/rules/new", data=form)
    assert late.status_code == 400 and "rule &#39;sent-again&#39; exists already" in late.get_data(as_text=True)


# ------------------------------------------------------------------------------ what a version concluded

def _listed(page: str) -> list[int]:
    """The finding ids a version's page lists, in its order."""
    table = page.split('id="concluded-findings"')[1].split("</table>")[0]
    return [int(n) for n in re.findall(r">finding (\d+)</a>", table)]


def _version_findings(key: str):
    from scorecard.models import Rule

    version = db.session.scalar(sa.select(RuleVersion).join(Rule).where(Rule.key == key, RuleVersion.version == 1))
    return db.session.scalars(sa.select(Finding).where(Finding.rule_version_id == version.id)).all()


def test_a_versions_page_lists_what_it_concluded_worst_first_each_with_its_why(evaluated, client_as):
    from scorecard.periods import parse_period

    executive = client_as("executive")
    page = executive.get("/rules/program-trust-status/versions/1").get_data(as_text=True)
    with evaluated.app_context():
        findings = _version_findings("program-trust-status")
        newest = max({f.period for f in findings}, key=parse_period)
        shown = {f.id: f.status for f in findings if f.period == newest}
    assert f"In {newest}: {len(shown)} findings (" in page
    order = ["red", "amber", "insufficient_data", "no_target", "no_data", "green"]
    for status in set(shown.values()):  # each status counted as the database holds it, worst first
        assert f"{sum(s == status for s in shown.values())} status {status.replace('_', ' ')}" in page
    listed = _listed(page)
    assert sorted(listed) == sorted(shown) and len(listed) <= 50
    assert [order.index(shown[i]) for i in listed] == sorted(order.index(shown[i]) for i in listed), "worst first"
    assert f'href="/findings/{listed[0]}"' in page
    # another spelling of a quarter reads as that quarter; one without findings shows the newest, and says so
    other = executive.get("/rules/requirement-rating-from-attainment/versions/1?period=FY26 Q4").get_data(as_text=True)
    assert "In FY2026-Q4: " in other and '<option value="FY2026-Q4" selected>' in other
    later = executive.get("/rules/program-trust-status/versions/1?period=FY2031-Q1").get_data(as_text=True)
    assert f"This version has no finding in FY2031-Q1; {newest}, the newest quarter" in later
    # what the address asks that cannot be read is said, and the newest quarter's first page shown
    odd = executive.get("/rules/program-trust-status/versions/1?period=soon&page=0")
    text = odd.get_data(as_text=True)
    assert odd.status_code == 200 and _listed(text) == listed
    assert ("This address asks for what the page cannot show: the quarter “soon” (a fiscal quarter reads as "
            "FY2026-Q4); the page “0” (a whole number from 1).") in text
    twice = executive.get("/rules/requirement-rating-from-attainment/versions/1?period=FY2026-Q4&period=FY2027-Q1")
    text = twice.get_data(as_text=True)
    assert "cannot show: the quarter is given 2 times." in text and "the newest quarter" not in text
    assert "In FY2027-Q1: " in text, "neither is read: the newest quarter is shown"


def test_a_versions_findings_come_a_page_at_a_time_a_page_past_the_last_showing_the_last(evaluated, client_as,
                                                                                         monkeypatch):
    from scorecard.findings import listing

    monkeypatch.setattr(listing, "PER_PAGE", 10)
    executive = client_as("executive")
    url = "/rules/requirement-rating-from-attainment/versions/1?period=FY2026-Q4"
    with evaluated.app_context():
        total = sum(f.period == "FY2026-Q4" for f in _version_findings("requirement-rating-from-attainment"))
    pages = -(-total // 10)
    assert pages > 2
    seen = []
    for number in range(1, pages + 1):
        page = executive.get(f"{url}&page={number}").get_data(as_text=True)
        assert f"page {number} of {pages}</caption>" in page
        seen += _listed(page)
    assert len(seen) == len(set(seen)) == total, "every finding once"
    last = executive.get(f"{url}&page=999").get_data(as_text=True)
    assert f"page {pages} of {pages}</caption>" in last and 'aria-label="Page 1"' in last


def test_a_versions_plan_findings_are_listed_to_those_who_may_see_the_plan(evaluated, client_as):
    """A requirement's finding is its plan's: an officer sees their function's leaders', a leader without
    a plan none; what is left out is counted, never listed."""
    from scorecard.models import Leader, PerformancePlan, PlanElement

    url = "/rules/requirement-rating-from-function-commitments/versions/1?period=FY2026-Q4"
    with evaluated.app_context():
        findings = [f for f in _version_findings("requirement-rating-from-function-commitments")
                    if f.period == "FY2026-Q4"]
        function = dict(db.session.execute(
            sa.select(PlanRequirement.id, Leader.function_id).join(PlanElement).join(PerformancePlan).join(Leader)
            .where(PlanRequirement.id.in_([f.subject_id for f in findings]))).all())
        from scorecard.models import Function
        cfo = db.session.scalar(sa.select(Function.id).where(Function.code == "CFO"))
        theirs = sorted(f.id for f in findings if function[f.subject_id] == cfo)
    assert 0 < len(theirs) < len(findings)
    officer = client_as("officer").get(url).get_data(as_text=True)
    assert sorted(_listed(officer)) == theirs
    assert f"{len(findings) - len(theirs)} more findings are on plans your role does not show." in officer
    leader = client_as("leader").get(url).get_data(as_text=True)
    assert "Every finding of this version is on a plan your role does not show." in leader
    assert 'id="concluded-findings"' not in leader and ">finding " not in leader
    executive = client_as("executive").get(url).get_data(as_text=True)
    assert sorted(_listed(executive)) == sorted(f.id for f in findings) and "your role does not show" not in executive


def test_a_draft_says_it_concludes_nothing_until_published(evaluated, client_as):
    analyst = client_as("analyst")
    rule = {"key": "wait-too-long", "title": "Wait too long", "applies_to": "program",
            "when": {"fact": "metric_value", "metric": "wait_time", "op": "gt", "value": 15},
            "then": {"flag": "slow"}, "explain": "{program} waits {value} minutes."}
    token = csrf_token(analyst.get("/rules/new").get_data(as_text=True))
    analyst.post("/rules/new", data={"csrf_token": token, "definition": json.dumps(rule), "save": "Save"})
    page = analyst.get("/rules/wait-too-long/versions/1").get_data(as_text=True)
    assert "A draft concludes nothing until it is published: simulate it to see what it would find." in page


def test_every_fact_is_said_in_words_and_a_stale_count_by_the_days_it_counts():
    """The default pack's function_metrics_measured read "function metrics measured is at least 1" (a fact
    without words), and the stale-commitment count "for more than 45 days" beside a fact counting 30 or more."""
    from scorecard.rules.csuite_facts import STALE_DAYS
    from scorecard.rules.facts import FACTS
    from scorecard.rules_web.words import FACT_WORDS, describe

    assert set(FACTS) <= set(FACT_WORDS), set(FACTS) - set(FACT_WORDS)
    stale = {"applies_to": "requirement", "when": {"fact": "commitments_not_updated", "op": "gt", "value": 0},
             "then": {"flag": "stale"}}
    assert (f"When the number of the function's open commitments not updated for {STALE_DAYS} days or more is "
            "above 0.") in describe(stale)
    stale["when"]["days"] = 60
    assert "not updated for 60 days or more" in " ".join(describe(stale))


def test_a_commitments_finding_shows_the_commitment_it_judged(evaluated, client_as):
    """An overdue or stale commitment's why-page said "This finding read no observations or targets", its facts
    only "overdue(): true": the due date, status and last update were in the sentence alone."""
    from scorecard.models import Commitment

    with evaluated.app_context():
        findings = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.commitment)).all()
        assert findings, "the demo has overdue and stale commitments"
        shown = {f.id: db.session.get(Commitment, f.subject_id) for f in findings}
        expected = {i: (c.status.value.replace("_", " "), c.due_date.isoformat() if c.due_date else "none")
                    for i, c in shown.items()}
    executive = client_as("executive")
    for finding_id, (status, due) in expected.items():
        page = executive.get(f"/findings/{finding_id}").get_data(as_text=True)
        table = re.search(r'<table[^>]*id="subject-commitment">.*?</table>', page, re.S).group(0)
        assert "The commitment judged, as it stands now (the finding was evaluated on " in table
        assert f"<td>{status}</td><td>{due}</td>" in table, table


def test_a_rating_or_status_without_else_says_the_default_it_gets():
    """A rating rule without "else" proposes 1 (Unsatisfactory) below its lowest band, and its plain words ended at
    the bands: an author read it as proposing nothing there."""
    from scorecard.rules_web.words import describe

    rating = {"applies_to": "requirement", "then": {"rating": {"by": "attainment", "metric": "trust",
                                                               "bands": [[1.0, 5], [0.9, 3]]}}}
    assert describe(rating)[-1].endswith("3 when it is at least 0.9, otherwise 1 (no “else” is given: this is the "
                                         "default)."), describe(rating)
    rating["then"]["rating"]["else"] = 2
    assert describe(rating)[-1].endswith("3 when it is at least 0.9, otherwise 2."), describe(rating)
    status = {"applies_to": "program", "then": {"status": {"cases": [
        {"when": {"fact": "score", "metric": "trust", "op": "gte", "value": 4}, "value": "green"}]}}}
    assert "; otherwise red (no “else” is given: this is the default)" in describe(status)[-1], describe(status)
    # a status read from a fact that is one (target_status) takes no default: it is never red for want of one
    read = {"applies_to": "program", "then": {"status": {"by": "target_status", "metric": "trust"}}}
    assert "otherwise" not in describe(read)[-1], describe(read)


def test_a_v2_trust_typed_without_its_answers_is_listed_on_the_why_page_as_judging_nothing(evaluated, client_as,
                                                                                          demo_today):
    """A typed 1.0 from 5,000 respondents beside a program's counted answers turned its status finding red at
    1.06; from FY2024-Q2 such a value judges nothing. The finding keeps its score, and its why-page lists the
    typed value with the group it came in, saying why it weighed nothing."""
    from scorecard.models import Observation, subject_key
    from scorecard.rules.service import evaluate

    def status_finding(session, program_id: int, period: str) -> Finding:
        return session.scalars(sa.select(Finding).join(RuleVersion).where(
            Finding.subject_type == RuleSubject.program, Finding.subject_id == program_id, Finding.period == period,
            Finding.outcome == "status", RuleVersion.status == RuleStatus.published)
            .order_by(Finding.id.desc())).first()

    def read(finding: Finding) -> tuple:
        [pooled] = [item for item in finding.inputs if item.role == "observations"]
        return finding.status, pooled.value, pooled.n, pooled.observation_ids or [pooled.observation_id]

    with evaluated.app_context():
        before = db.session.scalars(sa.select(Finding).where(
            Finding.subject_type == RuleSubject.program, Finding.outcome == "status", Finding.period >= "FY2024-Q2",
            Finding.status == "green").order_by(Finding.period.desc(), Finding.id)).first()
        program_id, period = before.subject_id, before.period
        status, value, n, ids = read(before)
        counted = db.session.get(Observation, ids[0])
        typed = Observation(metric_id=counted.metric_id, agency_id=counted.agency_id, component_id=counted.component_id,
                            program_id=program_id, subject_key=subject_key(program_id=program_id), period=period,
                            channel="typed by hand", touchpoint="", value=1.0, n=5000)
        db.session.add(typed)
        db.session.commit()
        typed_id = typed.id
        evaluate(db.session, today=demo_today)
        after = status_finding(db.session, program_id, period)
        assert read(after)[:3] == (status, pytest.approx(value), n), "the typed value judged nothing"
        assert typed_id in read(after)[3], "listed with the group it came in"
        finding_id = after.id
    page = client_as("executive").get(f"/findings/{finding_id}").get_data(as_text=True)
    line = page[page.index(f"#{typed_id}:"):]
    line = line[:line.index("</div>")]
    assert "typed without its answers: judges nothing" in line
    assert page.count("judges nothing") == 1, "only the typed value is said to judge nothing"


def test_an_agency_without_rules_publishes_the_default_pack_from_the_rules_page(app, client_as):
    """An agency set up without the demo had no rule, so no status anywhere, and the page sent it to
    `scorecard demo`, which loads a made-up agency. An administrator publishes the default pack there; the
    analyst is told who does; once there are rules it changes none."""
    from scorecard.models import Rule

    admin, analyst = client_as("admin"), client_as("analyst")
    said = analyst.get("/rules/").get_data(as_text=True)
    assert "An administrator publishes them here" in said and "default-pack" not in said
    assert "scorecard demo" not in said
    refused = analyst.post("/rules/default-pack", data={"csrf_token": csrf_token(
        analyst.get("/rules/new").get_data(as_text=True))})  # the analyst's own form token: the role is refused
    assert refused.status_code == 403
    page = admin.get("/rules/").get_data(as_text=True)
    assert "Publish the default rule pack" in page and "scorecard demo" not in page
    assert admin.post("/rules/default-pack", data={}).status_code == 400, "no form token: refused"
    published = admin.post("/rules/default-pack", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    shown = html.unescape(published.get_data(as_text=True))
    assert f"The default pack of {len(default_pack())} rules is published." in shown
    assert "Publish the default rule pack" not in shown
    with app.app_context():
        statuses = db.session.scalars(sa.select(RuleVersion.status)).all()
        assert len(statuses) == len(default_pack()) and set(statuses) == {RuleStatus.published}
        db.session.execute(sa.update(Rule).where(Rule.key == "stale-commitment").values(title="Kept as it is"))
        db.session.commit()
    again = admin.post("/rules/default-pack", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "only while there is no rule yet" in html.unescape(again.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(Rule.title).where(Rule.key == "stale-commitment")) == "Kept as it is"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleVersion)) == len(default_pack())
