"""Capacity assessments on the web: the grid, an assessment with its domains, entering a draft
(validated and audited), submitting it (which locks the year for the web and the import), an
admin's reopening with a reason, and who may do what, route by route."""
import html as html_lib
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from importers.pipeline import run_import
from scorecard.capacity.services import score_text
from scorecard.clock import agency_today, day_of
from scorecard.extensions import db
from scorecard.models import (
    CAPACITY_DOMAINS,
    AuditEvent,
    BatchStatus,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    Component,
    Finding,
    Function,
    ImportBatch,
    Role,
    RuleSubject,
    User,
)
from scorecard.models.capacity import CapacityStatus
from tests import served as served_app
from tests.helpers import csrf_token, write_xlsx

# The demo fixture's day is in FY2027: FY2026 is submitted, FY2027 a draft (scorecard/demo/).
LAST, CURRENT, NEXT = 2026, 2027, 2028
ROLES = [r.value for r in Role]


# ----------------------------------------------------------------------------- helpers

@pytest.fixture
def ba(demo) -> int:
    """The id of the demo's Benefits Administration component."""
    with demo.app_context():
        return db.session.scalar(sa.select(Component.id).where(Component.name == "Benefits Administration"))


def url(component_id: int, fiscal_year: int, action: str = "") -> str:
    return f"/capacity/{component_id}/{fiscal_year}" + (f"/{action}" if action else "")


def assessment(app, component_id: int, fiscal_year: int) -> CapacityAssessment | None:
    """The stored assessment, read fresh (its scores and submitter loaded)."""
    with app.app_context():
        found = db.session.scalar(sa.select(CapacityAssessment).where(
            CapacityAssessment.component_id == component_id, CapacityAssessment.fiscal_year == fiscal_year)
            .options(sa.orm.selectinload(CapacityAssessment.domain_scores),
                     sa.orm.joinedload(CapacityAssessment.submitted_by)))
        if found is not None:
            db.session.expunge(found)
        return found


def scores(app, component_id, fiscal_year) -> dict:
    a = assessment(app, component_id, fiscal_year)
    return {d.domain: d.score for d in a.domain_scores} if a else {}


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).where(AuditEvent.entity_type == "capacity_assessment").order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def form_fields(html: str) -> dict:
    """Every named input and textarea of the assessment form, as the page filled them."""
    fields = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        fields[name] = value
    for name in re.findall(r'<input[^>]*?name="([^"]+)"', html):
        fields.setdefault(name, "")
    for name, text in re.findall(r'<textarea[^>]*?name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = text.strip()
    return {k: html_lib.unescape(v) for k, v in fields.items() if k not in ("submit",)}


def open_form(client, component_id, fiscal_year) -> dict:
    page = client.get(url(component_id, fiscal_year, "edit"))
    assert page.status_code == 200, page.status_code
    return form_fields(page.get_data(as_text=True))


def domain_index(domain: str) -> int:
    return CAPACITY_DOMAINS.index(domain)


def token_for(client) -> str:
    """A CSRF token of the client's session (the sign-out form on the home page carries one)."""
    return csrf_token(client.get("/").get_data(as_text=True))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# ----------------------------------------------------------------------------- the grid and a page

def test_grid_shows_each_component_by_fiscal_year_with_total_and_status(demo, client_as, ba):
    page = text(client_as("viewer").get("/capacity/"))
    assert "<caption>Capacity assessments by component and fiscal year: total score and status</caption>" in page
    assert all(f'<th scope="col">FY{fy}</th>' in page for fy in (2025, 2026, 2027))
    with demo.app_context():
        components = db.session.scalars(sa.select(Component)).all()
        assert all(f"{html_lib.escape(c.name, quote=False)} <span" in page for c in components)
    cells = re.findall(r'<td data-fiscal-year="(\d+)" data-status="([a-z ]+)">(.*?)</td>', page)
    assert {(fy, status) for fy, status, _ in cells} == {("2025", "submitted"), ("2026", "submitted"),
                                                          ("2027", "draft")}
    first = next(body for fy, status, body in cells if fy == "2026")
    assert re.search(r"\d+ of 35", first) and f'href="{url(ba, LAST)}"' in page


def test_grid_can_show_one_agency(demo, client_as):
    from scorecard.models import Agency

    with demo.app_context():
        other = Agency(code="OTH", name="Other Department")
        db.session.add(Component(agency=other, code="OTH-1", name="Other Bureau"))
        db.session.commit()
    viewer = client_as("viewer")
    every = text(viewer.get("/capacity/"))
    assert '<th scope="rowgroup" colspan="4" class="bg-primary-lighter font-sans-md">Other Department</th>' in every
    assert "Other Bureau" in every and "Benefits Administration" in every
    one = text(viewer.get("/capacity/?agency=OTH"))
    assert "Other Bureau" in one and "Benefits Administration" not in one
    assert '<option value="OTH" selected>Other Department</option>' in one
    unknown = text(viewer.get("/capacity/?agency=NOPE"))
    assert "Agency: &#39;NOPE&#39; is not an agency&#39;s code; every agency is shown." in unknown
    assert "Other Bureau" in unknown and "Benefits Administration" in unknown


def test_a_year_nobody_started_is_not_started(demo, client_as, ba):
    analyst = client_as("analyst")
    page = text(analyst.get(url(ba, NEXT)))
    assert "nobody has entered this year's assessment yet" in page and 'data-status="not started"' in page
    assert "Start the FY2028 assessment" in page
    assert "Start the FY2028" not in text(client_as("executive").get(url(ba, NEXT)))


def test_assessment_page_shows_domains_change_narrative_and_history(demo, client_as, ba):
    page = text(client_as("executive").get(url(ba, CURRENT)))
    before, now = scores(demo, ba, LAST), scores(demo, ba, CURRENT)
    for domain in CAPACITY_DOMAINS:
        row = re.search(rf'<tr data-domain="{re.escape(domain.replace("&", "&amp;"))}">(.*?)</tr>', page).group(1)
        assert f"{now[domain]:g} of 7" in row
        diff = now[domain] - before[domain]
        expected = (f"no change from FY2026 ({before[domain]:g})" if diff == 0 else
                    f"{'up' if diff > 0 else 'down'} {abs(diff):g} from {before[domain]:g} in FY2026")
        assert expected in row, (domain, row)
    assert "In FY2027 Benefits Administration" in page  # the narrative
    assert '<a class="usa-link" href="https://www.performance.gov/cx/" rel="noopener noreferrer">' in page
    assert "a draft: analysts and admins can still change it" in page
    assert "analyst@demo.cx.gov" in page and "started it" in page  # the history names the person


def test_submitted_year_says_when_and_by_whom(demo, client_as, ba):
    page = text(client_as("leader").get(url(ba, LAST)))
    assert 'data-status="submitted"' in page and "by analyst@demo.cx.gov; locked until an admin reopens it" in page
    assert "submitted it (total" in page


@pytest.mark.parametrize("path", ["/capacity/999999/2027", "/capacity/{ba}/1850", "/capacity/{ba}/2027/x"])
def test_unknown_component_or_year_is_not_found(demo, client_as, ba, path):
    assert client_as("viewer").get(path.format(ba=ba)).status_code == 404


# ----------------------------------------------------------------------------- entering a draft

def test_analyst_enters_scores_they_are_saved_and_audited(demo, client_as, ba):
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    i = domain_index("Customer Understanding")
    old = scores(demo, ba, CURRENT)["Customer Understanding"]
    new = 7 if old != 7 else 6
    fields.update({f"score_{i}": str(new), f"narrative_{i}": "Journey maps for every life experience.",
                   f"evidence_{i}": "https://www.performance.gov/cx/\n\nhttps://example.gov/journeys"})
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 303 and response.headers["Location"].endswith(url(ba, CURRENT))
    stored = assessment(demo, ba, CURRENT)
    row = next(d for d in stored.domain_scores if d.domain == "Customer Understanding")
    assert (row.score, row.narrative) == (new, "Journey maps for every life experience.")
    assert row.evidence == "https://www.performance.gov/cx/\nhttps://example.gov/journeys"
    event = events(demo, "capacity.save")[-1]
    assert event.user_id == user_id(demo, "analyst@test.gov") and event.entity_id == stored.id
    assert event.before["Customer Understanding: score"] == old
    assert event.after["Customer Understanding: score"] == new
    assert event.after["component"] == "Benefits Administration" and event.after["fiscal_year"] == CURRENT
    assert "Measurement: score" not in event.after  # only what changed
    page = text(analyst.get(url(ba, CURRENT)))
    assert "Saved the FY2027 assessment of Benefits Administration." in page
    assert "analyst@test.gov" in page
    # what changed, before and after: five rows of "saved changes: Customer Understanding" said nothing of it
    assert (f"saved changes: Customer Understanding score {score_text(old)} → {score_text(new)}; Customer "
            "Understanding narrative changed; Customer Understanding evidence changed") in page


def test_the_history_gives_each_score_before_and_after_and_a_cleared_one(demo, client_as, ba):
    """Every save read "saved changes: Governance & Strategy", whatever it did: five saves of one domain left
    five identical rows, and the score before a change was nowhere on the page."""
    analyst = client_as("analyst")
    domain = CAPACITY_DOMAINS[0]
    i = domain_index(domain)
    old = scores(demo, ba, CURRENT)[domain]
    for typed in ("3.5", ""):
        fields = open_form(analyst, ba, CURRENT)
        fields[f"score_{i}"] = typed
        assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    history = text(analyst.get(url(ba, CURRENT)))
    history = history[history.index('id="history"'):]
    cleared = f"saved changes: {domain} score 3.5 → none"
    changed = f"saved changes: {domain} score {score_text(old)} → 3.5"
    assert cleared in history and changed in history and history.index(cleared) < history.index(changed)


def test_saving_an_unchanged_form_writes_nothing(demo, client_as, ba):
    analyst = client_as("analyst")
    before = len(events(demo))
    response = analyst.post(url(ba, CURRENT, "edit"), data=open_form(analyst, ba, CURRENT), follow_redirects=True)
    assert "Nothing changed, so nothing was saved." in text(response)
    assert len(events(demo)) == before


def test_a_score_with_more_digits_than_shown_is_kept_by_an_unchanged_save(demo, client_as, ba):
    """A score of 4.333333333333333 (an import's average) was put in the form as 4.33: saving the form
    unchanged wrote 4.33 over it and said "Saved"."""
    with demo.app_context():
        stored = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Measurement"))
        stored.score = 13 / 3
        db.session.commit()
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    assert fields[f"score_{domain_index('Measurement')}"] == "4.333333333333333"
    before = len(events(demo))
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields, follow_redirects=True)
    assert "Nothing changed, so nothing was saved." in text(response)
    assert scores(demo, ba, CURRENT)["Measurement"] == 13 / 3 and len(events(demo)) == before
    assert "4.33 of 7" in text(analyst.get(url(ba, CURRENT))), "the page shows it as people write it"


def test_admin_starts_a_new_year_on_another_scale(demo, client_as, ba):
    admin = client_as("admin")
    fields = open_form(admin, ba, NEXT)
    assert fields["version"] == "0" and (fields["scale_min"], fields["scale_max"]) == ("1", "7")
    fields.update({"scale_min": "0", "scale_max": "10", "score_0": "9.5", "narrative_0": "All services report."})
    assert admin.post(url(ba, NEXT, "edit"), data=fields).status_code == 303
    stored = assessment(demo, ba, NEXT)
    assert (stored.status, stored.scale_min, stored.scale_max) == (CapacityStatus.draft, 0, 10)
    assert [(d.domain, d.score) for d in stored.domain_scores] == [("Measurement", 9.5)]
    created = events(demo, "capacity.create")[-1]
    assert created.user_id == user_id(demo, "admin@test.gov") and created.after["Measurement: score"] == 9.5
    page = text(admin.get(url(ba, NEXT)))
    assert "9.5 of 10" in page and "FY2027: " in page and "on another scale" in page
    assert "Submitting needs a score in every domain; not scored yet: Governance &amp; Strategy, " in page


@pytest.mark.parametrize("changes, message", [
    ({"score_0": "9"}, "Measurement score: 9 is outside the assessment&#39;s scale (1-7)."),
    ({"score_1": "0"}, "Governance &amp; Strategy score: 0 is outside the assessment&#39;s scale (1-7)."),
    ({"score_2": "high"}, "Culture &amp; Organization score: &#39;high&#39; is not a number"),
    ({"evidence_3": "https://ok.gov/a\nftp://files.example.gov/x"},
     "Customer Understanding evidence links, line 2: &#39;ftp://files.example.gov/x&#39; is not a web address"),
    ({"evidence_4": "see the binder"},
     "Service Design &amp; Improvement evidence links, line 1: &#39;see the binder&#39;"),
    # every bad line at once, not one per save, by its line in the box (a blank one and a repeated link counted)
    ({"evidence_4": "not a link\n\nhttps://ok.gov/a\nhttps://ok.gov/a\njavascript:alert(1)"},
     "Service Design &amp; Improvement evidence links: 2 lines are refused: line 1: &#39;not a link&#39; is not a web "
     "address; line 5: &#39;javascript:alert(1)&#39; is not a web address; each line must start with http://"),
    ({"evidence_4": "x" * 1_990}, f"line 1: &#39;{'x' * 60}&#39;… is not a web address"),  # quoted to 60 characters
    # checked as a commitment's links are (scorecard.evidence): an invisible character made a link that looks right
    # and leads elsewhere, and two addresses run together were kept as one
    ({"evidence_4": "https://www.performance\u200b.gov/cx"},
     "line 1: &#39;https://www.performance\\u200b.gov/cx&#39; holds a space, a control or an invisible character"),
    ({"evidence_4": "https://ok.gov/ahttps://ok.gov/b"},
     "line 1: &#39;https://ok.gov/ahttps://ok.gov/b&#39; runs two web addresses together"),
    ({"evidence_4": "https://ok.gov/my report.pdf"}, "holds a space, a control or an invisible character: each "
     "evidence link is one web address (write a space in it as %20)"),
    ({"scale_max": "seven"}, "Highest score: &#39;seven&#39; is not a whole number."),
    ({"scale_min": "5", "scale_max": "3"}, "Highest score: 3 must be above the lowest score, 5."),
    ({"narrative_0": "x" * 10_001}, "Measurement narrative: 10,001 characters is too long"),
    ({"score_0": "9" * 400}, f"Measurement score: {'9' * 40}… (400 characters) is too large to be a score"),
    # as typed, not as Python writes the number (1e+23), nor cut where the field shows it whole
    ({"score_0": "9" * 23}, f"Measurement score: {'9' * 23} is outside the assessment&#39;s scale (1-7)."),
    ({"score_0": "0.000001"}, "Measurement score: 0.000001 is outside the assessment&#39;s scale (1-7)."),
    ({"scale_max": "1000000000"}, "Highest score: 1000000000 is outside"),
    ({"version": "9" * 400}, "is not a number this field takes: it is larger than 2,147,483,647"),
    # digits of another script: int() and float() read "٣" as 3, nobody typed a 3 here
    ({"score_0": "\u0663"}, "Measurement score: &#39;\u0663&#39; is not a number"),
    ({"scale_max": "\u0663"}, "Highest score: &#39;\u0663&#39; is not a whole number."),
    ({"version": "\u0663"}, "is not a number this field takes: write it with the digits 0-9"),
    ({"scale_max": "9" * 5000}, f"Highest score: {'9' * 40}… (5,000 characters) is outside"),  # int() raised
    ({"scale_max": "+00000000003", "scale_min": "5"}, "Highest score: 3 must be above the lowest score, 5."),
    ({"scale_max": "0" * 5000 + "7", "scale_min": "9"}, "Lowest score: 9 must be below the highest score, 7."),
    ({"scale_max": "-" + "0" * 4400 + "1"}, "Highest score: -1 is outside"),  # int() of 4,401 digits raised
    # A form whose hidden domains were changed: one named twice would take another's score and erase the other's.
    ({"domain_1": "Measurement"}, "Domain: &#39;Measurement&#39; is given twice; open the form again."),
    ({"domain_1": "Governance"}, "Domain: &#39;Governance&#39; is not one of this assessment&#39;s domains"),
    ({"domain_0": "Governance & Strategy", "domain_1": "Measurement"},
     "Domain: &#39;Governance &amp; Strategy&#39; is not where the form put it; open the form again."),
])
def test_bad_values_are_refused_with_a_message_naming_field_and_value(demo, client_as, ba, changes, message):
    analyst = client_as("analyst")
    before = scores(demo, ba, CURRENT), len(events(demo))
    fields = {**open_form(analyst, ba, CURRENT), **changes}
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was saved" in page
    assert (scores(demo, ba, CURRENT), len(events(demo))) == before


def test_a_scale_change_over_entered_scores_is_refused_and_what_was_typed_stays(demo, client_as, ba):
    """A 4 of 7 must not silently become a 4 of 100: the scores are entered again on the new scale in
    the same save, or the scale stays."""
    analyst = client_as("analyst")
    before, saved = scores(demo, ba, CURRENT), len(events(demo))
    fields = {**open_form(analyst, ba, CURRENT), "scale_max": "100"}
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 400
    page = html_lib.unescape(text(response))
    entered = ", ".join(f"{d} {before[d]:g}" for d in CAPACITY_DOMAINS)
    assert (f"Highest score: changing the scale from 1-7 to 1-100 would change what the scores entered on 1-7 "
            f"mean ({entered}); re-enter them on 1-100 in the same save, or keep the scale 1-7. If the scores "
            f"shown are already on 1-100, tick \"The scores shown are on 1-100\" and save.") in page
    assert re.search(r'id="scale_max"[^>]*value="100"|value="100"[^>]*id="scale_max"', page), "what was typed stays"
    stored = assessment(demo, ba, CURRENT)
    assert (stored.scale_min, stored.scale_max) == (1, 7) and scores(demo, ba, CURRENT) == before
    assert len(events(demo)) == saved

    rescored = {f"score_{i}": str(round(before[d] * 100 / 7)) for i, d in enumerate(CAPACITY_DOMAINS)}
    partly = {**fields, **rescored, "score_4": f"{before[CAPACITY_DOMAINS[4]]:g}"}
    one = html_lib.unescape(text(analyst.post(url(ba, CURRENT, "edit"), data=partly)))
    assert (f"would change what the score entered on 1-7 means ({CAPACITY_DOMAINS[4]} "
            f"{before[CAPACITY_DOMAINS[4]]:g}); re-enter it on 1-100") in one, "a score left as it was is named"

    assert analyst.post(url(ba, CURRENT, "edit"), data={**fields, **rescored}).status_code == 303
    stored = assessment(demo, ba, CURRENT)
    assert (stored.scale_min, stored.scale_max) == (1, 100)
    event = events(demo, "capacity.save")[-1]
    assert (event.before["scale_min"], event.before["scale_max"]) == (1, 7)
    assert (event.after["scale_min"], event.after["scale_max"]) == (1, 100)
    assert "the scale: 1-7 → 1-100" in text(analyst.get(url(ba, CURRENT)))


def test_scores_kept_as_they_were_are_saved_on_a_new_scale_once_said_to_be_on_it(demo, client_as, ba):
    """Re-entering the same numbers on a new scale (a 1 of 7 that is a 1 of 10 too) read as "kept": the
    refusal offers to say the scores shown are on the new scale, and the save then goes through."""
    analyst = client_as("analyst")
    before = scores(demo, ba, CURRENT)
    fields = {**open_form(analyst, ba, CURRENT), "scale_max": "10"}
    refused = text(analyst.post(url(ba, CURRENT, "edit"), data=fields))
    assert 'name="scores_on_scale" value="1-10"' in refused and "The scores shown are on 1-10" in refused
    assert analyst.post(url(ba, CURRENT, "edit"), data={**fields, "scores_on_scale": "1-100"}).status_code == 400, (
        "vouching for another scale than the one typed vouches for nothing")
    assert analyst.post(url(ba, CURRENT, "edit"), data={**fields, "scores_on_scale": "1-10"}).status_code == 303
    stored = assessment(demo, ba, CURRENT)
    assert (stored.scale_min, stored.scale_max) == (1, 10) and scores(demo, ba, CURRENT) == before
    assert 'name="scores_on_scale"' not in text(analyst.get(url(ba, CURRENT, "edit"))), "offered only when refused"


@pytest.mark.parametrize("low, high", [("5", "3"), ("4", "4"), ("1", "1000")])
def test_a_scale_refused_itself_is_never_offered_as_the_scale_the_scores_are_on(demo, client_as, ba, low, high):
    """A scale typed backwards (5-3), empty (4-4) or beyond the limits is refused by name; the page does not
    also offer a box saying "The scores shown are on 5-3", a scale no score can be on."""
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, CURRENT), "scale_min": low, "scale_max": high}
    refused = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert refused.status_code == 400
    page = html_lib.unescape(text(refused))
    assert "Highest score:" in page
    assert 'name="scores_on_scale"' not in page and f"The scores shown are on {low}-{high}" not in page


def test_a_scale_change_without_scores_entered_is_saved(demo, client_as, ba):
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, CURRENT), "scale_min": "0"}
    fields.update({f"score_{i}": "" for i in range(len(CAPACITY_DOMAINS))})
    assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    stored = assessment(demo, ba, CURRENT)
    assert (stored.scale_min, stored.scale_max) == (0, 7) and not any(scores(demo, ba, CURRENT).values())
    assert "the scale: 1-7 → 0-7" in text(analyst.get(url(ba, CURRENT)))


def test_empty_scale_fields_are_named_as_required(demo, client_as, ba):
    analyst = client_as("analyst")
    saved = len(events(demo))
    fields = {**open_form(analyst, ba, CURRENT), "scale_min": "", "scale_max": " "}
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 400
    page = text(response)
    assert "Lowest score: required (the field was empty); write a whole number, such as 1." in page
    assert "Highest score: required (the field was empty); write a whole number, such as 7." in page
    assert '<span class="usa-error-message" id="scale_min-error">' in page and "Nothing changed" not in page
    assert len(events(demo)) == saved


def test_a_look_alike_link_stored_before_it_was_refused_does_not_block_the_rest_of_a_save(demo, client_as, ba):
    """An assessment whose evidence held a link refused since (a site spelt with a Cyrillic letter) could not
    be saved at all, a score of another domain changed included; a new such link is still refused."""
    look_alike = "https://раураl.com/report"
    i, other = domain_index("Customer Understanding"), domain_index("Measurement")
    with demo.app_context():
        stored = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Customer Understanding"))
        stored.evidence = "https://www.performance.gov/cx/\n" + look_alike
        db.session.commit()
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    assert look_alike in fields[f"evidence_{i}"]
    fields[f"score_{other}"] = str(7 if scores(demo, ba, CURRENT)["Measurement"] != 7 else 6)
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 303, text(response)[-1500:]
    fields = open_form(analyst, ba, CURRENT)
    fields[f"evidence_{other}"] = "https://раураl.com/other"
    refused = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert refused.status_code == 400 and "another alphabet" in text(refused)


def test_evidence_links_too_long_for_one_spreadsheet_cell_are_refused_but_kept_ones_do_not_block_a_save(
        demo, client_as, ba):
    """25 links of 2,000 characters were taken, and a spreadsheet's cell keeps 32,767 (the rest cut unsaid)."""
    i, other = domain_index("Customer Understanding"), domain_index("Measurement")
    links = [f"https://www.performance.gov/{k:02d}/" + "x" * 1_960 for k in range(17)]
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    fields[f"evidence_{i}"] = "\n".join(links)
    refused = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert refused.status_code == 400 and "fit in the one spreadsheet cell the downloads write them in" in text(refused)
    with demo.app_context():  # stored so before the check: the rest of a save goes through
        stored = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Customer Understanding"))
        stored.evidence = "\n".join(links)
        db.session.commit()
    fields = open_form(analyst, ba, CURRENT)
    fields[f"score_{other}"] = str(7 if scores(demo, ba, CURRENT)["Measurement"] != 7 else 6)
    kept = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert kept.status_code == 303, re.findall(r'usa-error-message[^>]*>([^<]+)', text(kept))


def test_a_line_of_evidence_is_read_as_a_file_reads_it(demo, client_as, ba):
    """The form kept a line whole where the capacity import split it at a semicolon: "https://y.gov/p;" was saved
    with its semicolon, and the same text uploaded read as a change; two addresses on a line were one link."""
    i = domain_index("Customer Understanding")
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    fields[f"evidence_{i}"] = "https://www.performance.gov/cx/;https://www.cfo.gov/report\nhttps://c.gov,https://d.gov"
    refused = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert refused.status_code == 400
    assert ("Customer Understanding evidence links, line 1: &#39;https://www.performance.gov/cx/;https://www.cfo.gov/"
            "report&#39; holds 2 links: put each on its own line.") in text(refused)
    fields[f"evidence_{i}"] = "https://www.performance.gov/cx/;\nhttps://c.gov,https://d.gov"
    refused = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert refused.status_code == 400 and "line 2: &#39;https://c.gov,https://d.gov&#39; runs two web addresses " \
        "together" in text(refused)
    fields[f"evidence_{i}"] = "https://www.performance.gov/cx/;\nhttps://x.gov/p;jsessionid=1"
    assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    with demo.app_context():
        stored = db.session.scalar(sa.select(CapacityDomainScore.evidence).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Customer Understanding"))
    assert stored == "https://www.performance.gov/cx/\nhttps://x.gov/p;jsessionid=1"
    with demo.app_context():  # stored before this reading: kept whole by a save that leaves them, blocking nothing
        score = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Customer Understanding"))
        score.evidence = "https://y.gov/p;\nhttps://x.gov/a;https://y.gov/b"
        db.session.commit()
    fields = open_form(analyst, ba, CURRENT)
    other = domain_index("Measurement")
    fields[f"narrative_{other}"] = (fields.get(f"narrative_{other}") or "") + " Edited."
    assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    with demo.app_context():
        assert db.session.scalar(sa.select(CapacityDomainScore.evidence).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Customer Understanding")) == "https://y.gov/p;\nhttps://x.gov/a;https://y.gov/b"


@pytest.mark.parametrize("left_out", [r"^(domain|score|narrative|evidence)_\d+$", r"^narrative_2$", r"^domain_4$"])
def test_a_form_without_some_domain_fields_is_refused_not_read_as_blank(demo, client_as, ba, left_out):
    """A field not sent at all (a hand-made or cut-off request) is not an emptied one: reading it as
    blank would erase the stored score, narrative or evidence."""
    analyst = client_as("analyst")
    before = assessment(demo, ba, CURRENT)
    stored = {d.domain: (d.score, d.narrative, d.evidence) for d in before.domain_scores}
    fields = {k: v for k, v in open_form(analyst, ba, CURRENT).items() if not re.match(left_out, k)}
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    assert response.status_code == 400
    assert "is missing from the form; open the form again." in text(response)
    after = assessment(demo, ba, CURRENT)
    assert {d.domain: (d.score, d.narrative, d.evidence) for d in after.domain_scores} == stored
    assert after.version == before.version


def test_out_of_scale_score_is_marked_beside_its_field(demo, client_as, ba):
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, CURRENT), "score_0": "8"}
    page = analyst.post(url(ba, CURRENT, "edit"), data=fields).get_data(as_text=True)
    assert '<a class="usa-link" href="#score_0">Measurement score: 8 is outside' in page
    assert re.search(r'<span class="usa-error-message" id="score_0-error">Measurement score: 8', page)
    assert re.search(r'id="score_0"[^>]*value="8"|value="8"[^>]*id="score_0"', page)  # what was typed stays
    assert 'aria-describedby="score_0-hint score_0-error"' in page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="score_0"|<input[^>]*id="score_0"[^>]*aria-invalid="true"',
                     page), "the field says it is in error, as its red border shows"


def test_a_fields_own_refusal_names_the_domain_and_is_marked_beside_the_field(demo, client_as, ba):
    """A hidden text-direction character is refused by the field itself: it was listed as "Narrative 1"
    (the second domain, counted from 0), with nothing beside the field."""
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, CURRENT), "narrative_1": "Governed \u202eyletelpmoc"}
    response = analyst.post(url(ba, CURRENT, "edit"), data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Narrative 1" not in page
    assert '<a class="usa-link" href="#narrative_1">Governance &amp; Strategy narrative: ' in page
    assert re.search(r'<span class="usa-error-message" id="narrative_1-error">Governance &amp; Strategy narrative: '
                     r'[^<]*U\+202E', page)
    assert 'aria-describedby="narrative_1-hint narrative_1-error narrative_1-info"' in page
    assert "please correct this</h2>" in page, "one problem, counted once"


def test_a_scale_upside_down_is_marked_at_the_field_changed(demo, client_as, ba):
    """A lowest score raised above the highest was marked at the highest, the field left as it was, and not at
    the one typed in (WCAG 3.3.1). Each field changed is marked; a new scale upside down, at the highest."""
    analyst = client_as("analyst")
    form = open_form(analyst, ba, CURRENT)

    def marked(**changes) -> list[str]:
        page = analyst.post(url(ba, CURRENT, "edit"), data={**form, **changes}).get_data(as_text=True)
        return re.findall(r'<span class="usa-error-message" id="(scale_m..)-error">', page)
    assert marked(scale_min="9") == ["scale_min"]
    assert marked(scale_max="0") == ["scale_max"]
    assert marked(scale_min="8", scale_max="2") == ["scale_min", "scale_max"]
    # a year not started: against the scale its form shows (1 to 7), not always at the highest
    new = open_form(analyst, ba, NEXT)
    page = analyst.post(url(ba, NEXT, "edit"), data={**new, "scale_min": "9"}).get_data(as_text=True)
    assert re.findall(r'<span class="usa-error-message" id="(scale_m..)-error">', page) == ["scale_min"]


def test_a_refused_scale_is_not_read_out_as_the_instructions(demo, client_as, ba):
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, CURRENT), "scale_min": "7", "scale_max": "1"}
    page = analyst.post(url(ba, CURRENT, "edit"), data=fields).get_data(as_text=True)
    assert "Highest score: 1 must be above the lowest score, 7." in page
    assert "Score each domain from 1 to 7" in page and "A number from 1 to 7;" in page
    assert "from 7 to 1" not in page
    widened = analyst.post(url(ba, CURRENT, "edit"), data={**fields, "scale_min": "1", "scale_max": "10",
                                                           "score_0": "11"}).get_data(as_text=True)
    assert "Score each domain from 1 to 10" in widened, "a scale as typed, when it is one"
    for low, high in (("1", "1000000000000"), ("1", "7.5"), ("-5", "7"), ("1", "1e400")):  # refused: not read out
        page = analyst.post(url(ba, CURRENT, "edit"), data={**fields, "scale_min": low, "scale_max": high}
                            ).get_data(as_text=True)
        assert "Score each domain from 1 to 7" in page and "1e+12" not in page, (low, high)


def test_a_save_over_ones_own_save_in_another_tab_says_you(demo, client_as, ba):
    """One analyst, two tabs: the second save read "Someone saved this assessment after you opened it ...
    analyst@... saved it", naming the person to themselves as someone else."""
    analyst = client_as("analyst")
    first_tab, second_tab = open_form(analyst, ba, CURRENT), open_form(analyst, ba, CURRENT)
    assert analyst.post(url(ba, CURRENT, "edit"), data={**first_tab, "narrative_0": "First."}).status_code == 303
    response = analyst.post(url(ba, CURRENT, "edit"), data={**second_tab, "narrative_0": "Second."})
    assert response.status_code == 409
    page = text(response)
    assert "You saved this assessment in another tab or window after you opened it. Nothing was saved." in page
    assert "Someone saved" not in page and "You saved it at " in page


def test_a_save_over_someone_elses_newer_save_is_refused(demo, client_as, ba):
    first, second = client_as("analyst"), client_as("admin")
    with demo.app_context():  # named by name and e-mail, as a commitment's conflict names them (the e-mail alone was)
        db.session.get(User, user_id(demo, "analyst@test.gov")).name = "Ana Lyst"
        db.session.commit()
    mine, theirs = open_form(first, ba, CURRENT), open_form(second, ba, CURRENT)
    assert first.post(url(ba, CURRENT, "edit"), data={**mine, "narrative_0": "First."}).status_code == 303
    response = second.post(url(ba, CURRENT, "edit"), data={**theirs, "narrative_0": "Second."})
    assert response.status_code == 409
    page = text(response)
    assert "Someone saved this assessment after you opened it. Nothing was saved." in page
    assert "Ana Lyst (analyst@test.gov) saved it" in page and "Second." in page
    stored = assessment(demo, ba, CURRENT)
    assert stored.domain_scores[0].narrative == "First."
    again = second.post(url(ba, CURRENT, "edit"), data=form_fields(response.get_data(as_text=True)))
    assert again.status_code == 303 and assessment(demo, ba, CURRENT).domain_scores[0].narrative == "Second."


def test_a_save_that_meets_someone_elses_keeps_both_peoples_changes(demo, client_as, ba):
    """The form after a conflict held only what the second person typed: the first person's score, which the
    second never touched, came back blank, and saving again as the page said wiped it."""
    first, second = client_as("analyst"), client_as("admin")
    mine, theirs = open_form(first, ba, CURRENT), open_form(second, ba, CURRENT)
    assert first.post(url(ba, CURRENT, "edit"), data={**mine, "score_2": "4", "narrative_2": "Their words."}
                      ).status_code == 303
    response = second.post(url(ba, CURRENT, "edit"), data={**theirs, "score_3": "5"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    merged = form_fields(page)
    assert (merged["score_2"], merged["narrative_2"], merged["score_3"]) == ("4", "Their words.", "5")
    table = re.search(r'<table[^>]*id="conflict-table".*?</table>', page, re.S).group()
    assert "Culture &amp; Organization: score" in table and "them (the form keeps theirs)" in table
    assert "Customer Understanding: score" in table and "<td>you</td>" in table
    assert second.post(url(ba, CURRENT, "edit"), data=merged).status_code == 303
    saved = {d.domain: d for d in assessment(demo, ba, CURRENT).domain_scores}
    assert (saved["Culture & Organization"].score, saved["Culture & Organization"].narrative) == (4, "Their words.")
    assert saved["Customer Understanding"].score == 5



@pytest.mark.parametrize("opened", [None, "not json", "[1, 2]", '{"score_0": "\\ud800", "score_2": 4}', "[" * 5000])
def test_a_conflict_without_a_readable_opening_claims_nothing_for_the_person(demo, client_as, ba, opened):
    """A form without its fields as opened (a page opened before it carried them, or one altered) credited the
    other person's changes to 'you' and put the person's stale text back; a lone surrogate in it ended in a 500."""
    first, second = client_as("analyst"), client_as("admin")
    mine, theirs = open_form(first, ba, CURRENT), open_form(second, ba, CURRENT)
    assert first.post(url(ba, CURRENT, "edit"), data={**mine, "score_2": "4"}).status_code == 303
    sent = {k: v for k, v in {**theirs, "score_3": "5", "opened": opened}.items() if v is not None}
    response = second.post(url(ba, CURRENT, "edit"), data=sent)
    assert response.status_code == 409, response.status_code
    table = re.search(r'<table[^>]*id="conflict-table".*?</table>', response.get_data(as_text=True), re.S).group()
    row = re.search(r"<tr><th scope=\"row\">Culture &amp; Organization: score</th>(.*?)</tr>", table, re.S).group(1)
    assert "(not known)" in row and "both of you" in row and "<td>you</td>" not in row


# ----------------------------------------------------------------------------- submitting and the lock

def submit(client, component_id, fiscal_year):
    page = client.get(url(component_id, fiscal_year)).get_data(as_text=True)
    version = re.search(r'id="submit-form".*?name="version"[^>]*value="(\d+)"', page, re.S).group(1)
    return client.post(url(component_id, fiscal_year, "submit"),
                       data={"csrf_token": csrf_token(page), "version": version})


def capacity_file(tmp_path, fiscal_year, rows=None):
    rows = rows or [["Benefits Administration", f"FY{fiscal_year}", "Measurement", 5, "Imported."]]
    return write_xlsx(tmp_path / "capacity.xlsx", ["Component", "FY", "Domain", "Score", "Narrative"], rows)


def test_submitting_locks_the_year_for_the_web_and_the_import(demo, client_as, ba, tmp_path):
    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    response = submit(analyst, ba, CURRENT)
    assert response.status_code == 303
    stored = assessment(demo, ba, CURRENT)
    assert stored.status is CapacityStatus.submitted and stored.submitted_by.email == "analyst@test.gov"
    assert stored.submitted_at is not None
    event = events(demo, "capacity.submit")[-1]
    assert event.user_id == stored.submitted_by_id and event.before == {"status": "draft"}
    page = text(analyst.get(url(ba, CURRENT)))
    assert "The year is locked; an admin can reopen it." in page and 'id="edit-link"' not in page
    assert "an admin must reopen it before anyone can change it" in page

    locked = analyst.post(url(ba, CURRENT, "edit"), data={**fields, "score_0": "1"})
    assert locked.status_code == 409
    assert (f"The FY2027 capacity assessment of Benefits Administration was submitted on "
            f"{day_of(stored.submitted_at)} by analyst@test.gov; an admin must reopen it") in text(locked)
    assert scores(demo, ba, CURRENT) == {d.domain: d.score for d in stored.domain_scores}
    assert analyst.get(url(ba, CURRENT, "edit")).status_code == 303
    assert submit_again(analyst, ba, CURRENT).status_code == 409

    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT, [
            ["Benefits Administration", "FY2027", "Measurement", 5, "Imported."],
            ["Passport & Travel Services", "FY2027", "Measurement", 5, "Imported."]]))
    assert result.status == "rejected"
    (error,) = result.errors
    assert (error["row"], error["column"], error["value"]) == (2, "FY", CURRENT)
    assert error["message"] == (f"row 2: the FY2027 capacity assessment of Benefits Administration was submitted "
                                f"on {day_of(stored.submitted_at)} by analyst@test.gov; an admin must reopen it "
                                "before it can change")
    assert scores(demo, ba, CURRENT) == {d.domain: d.score for d in stored.domain_scores}


def test_a_submit_sent_twice_is_submitted_once_and_said_so_both_times(demo, client_as, ba):
    """A double click on Submit sends the form twice: the second answered 409 "an admin must reopen it",
    though the year was submitted, as the person asked, by the first."""
    analyst = client_as("analyst")
    page = analyst.get(url(ba, CURRENT)).get_data(as_text=True)
    sent = {"csrf_token": csrf_token(page),
            "version": re.search(r'id="submit-form".*?name="version"[^>]*value="(\d+)"', page, re.S).group(1)}
    before = len(events(demo, "capacity.submit"))
    assert analyst.post(url(ba, CURRENT, "submit"), data=sent).status_code == 303
    again = analyst.post(url(ba, CURRENT, "submit"), data=sent)
    assert again.status_code == 303, "the same form's second send reads as the first's success"
    assert "Submitted the FY2027 assessment of Benefits Administration" in text(analyst.get(again.location))
    assert len(events(demo, "capacity.submit")) == before + 1, "submitted once"
    other = client_as("admin")
    sent_by_other = {"csrf_token": token_for(other), "version": sent["version"]}
    assert other.post(url(ba, CURRENT, "submit"), data=sent_by_other).status_code == 409, (
        "someone else's form from before the submission is still told the year is locked")


def submit_again(client, component_id, fiscal_year):
    return client.post(url(component_id, fiscal_year, "submit"), data={"csrf_token": token_for(client),
                                                                        "version": "99"})


def test_the_demo_submitted_year_refuses_an_import_with_the_date(demo, tmp_path):
    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, LAST))
    assert result.status == "rejected"
    assert "the FY2026 capacity assessment of Benefits Administration was submitted on 2026-09-15 by " \
           "analyst@demo.cx.gov; an admin must reopen it" in result.errors[0]["message"]


def test_a_draft_year_still_imports(demo, ba, tmp_path):
    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT))
    assert result.status == "imported", result.errors
    assert scores(demo, ba, CURRENT)["Measurement"] == 5


def test_the_history_lists_an_imports_changes_with_its_batch(demo, client_as, ba, tmp_path):
    """A change by import is in the assessment's history as a change on the web is: who, which domains,
    from which file, and the import batch (linked for who may open it); a reverted batch says so."""
    from importers.revert import revert_batch

    analyst = client_as("analyst")  # the account exists from here on
    old = scores(demo, ba, CURRENT)["Measurement"]
    new = 6 if old != 6 else 5
    path = tmp_path / "c.csv"
    path.write_text(f"Component,FY,Domain,Score,Narrative,Evidence\nDPS-BA,FY2027,Measurement,{new},via import ZZZ,"
                    "https://ok.gov\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path, user_id=user_id(demo, "analyst@test.gov"))
    assert result.status == "imported", result.errors
    batch = result.batch_id
    event = events(demo, "capacity.import")[-1]
    assert event.entity_id == assessment(demo, ba, CURRENT).id and event.user_id == user_id(demo, "analyst@test.gov")
    assert (event.before["Measurement: score"], event.after["Measurement: score"]) == (old, new)
    assert event.after["Measurement: narrative"] == "via import ZZZ" and event.after["import_batch"] == batch

    page = text(analyst.get(url(ba, CURRENT)))
    history = page[page.index('id="history"'):]
    changes = (f"Measurement score {score_text(old)} → {new}; Measurement narrative changed; "
               "Measurement evidence changed")
    assert (f'<td>you</td><td>imported changes from c.csv: {changes} · <a class="usa-link import-batch" '
            f'href="/imports/{batch}">import batch {batch}</a></td>') in history, "the importer reads it as theirs"
    viewer = text(client_as("viewer").get(url(ba, CURRENT)))
    assert (f"<td>analyst@test.gov</td><td>imported changes from c.csv: {changes} · import batch {batch}</td>"
            in viewer), "anyone else reads who it was"
    assert f'href="/imports/{batch}"' not in viewer

    with demo.app_context():
        revert_batch(db.session, batch)
    assert f"import batch {batch}</a> (reverted since)" in text(analyst.get(url(ba, CURRENT)))

    with demo.app_context():
        started = run_import(db.session, capacity_file(tmp_path, NEXT))
    assert started.status == "imported", started.errors
    page = text(analyst.get(url(ba, NEXT)))
    assert (f"<td>the command line</td><td>started it from capacity.xlsx: Measurement score none → 5; Measurement "
            "narrative added · "
            f'<a class="usa-link import-batch" href="/imports/{started.batch_id}">') in page


def test_a_revert_counts_the_rows_the_import_counted(demo, ba, tmp_path):
    """An import that started a year said "N inserted" (its domain scores); its revert counted the assessment
    that holds them too ("N + 1 rows removed")."""
    from importers.revert import revert_batch

    with demo.app_context():
        started = run_import(db.session, capacity_file(tmp_path, NEXT))
        assert started.status == "imported", started.errors
        inserted = started.plan.counts["inserted"]
        dry = revert_batch(db.session, started.batch_id, dry_run=True)
        assert (dry["deleted"], dry["restored"]) == (inserted, 0), (dry, inserted)
        done = revert_batch(db.session, started.batch_id)
        assert done["deleted"] == inserted
    assert assessment(demo, ba, NEXT) is None, "the assessment it started is gone with it"


def test_a_form_opened_before_an_import_is_refused_as_stale_not_saved_over_it(demo, client_as, ba, tmp_path):
    """An edit form opened before an import of the year and saved after it wrote its old scores over the
    imported ones without a word: the import changed the domain scores but not the assessment's version."""
    analyst, _ = client_as("analyst"), client_as("admin")  # the accounts exist from here on
    fields = open_form(analyst, ba, CURRENT)
    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT, [
            ["Benefits Administration", "FY2027", "Measurement", 2, "Imported."]]),
            user_id=user_id(demo, "admin@test.gov"))
    assert result.status == "imported", result.errors
    response = analyst.post(url(ba, CURRENT, "edit"), data={**fields, "narrative_1": "Typed on the web."})
    assert response.status_code == 409
    page = text(response)
    assert "Someone saved this assessment after you opened it. Nothing was saved." in page
    assert "admin@test.gov saved it at " in page
    stored = {d.domain: d for d in assessment(demo, ba, CURRENT).domain_scores}
    assert (stored["Measurement"].score, stored["Measurement"].narrative) == (2, "Imported.")
    assert stored["Governance & Strategy"].narrative != "Typed on the web."
    merged = form_fields(response.get_data(as_text=True))
    assert (merged["score_0"], merged["narrative_1"]) == ("2", "Typed on the web."), "the import's and the person's"
    assert analyst.post(url(ba, CURRENT, "edit"), data=merged).status_code == 303
    assert scores(demo, ba, CURRENT)["Measurement"] == 2


def test_a_form_opened_before_an_import_is_reverted_is_refused_as_stale(demo, client_as, ba, tmp_path):
    """Reverting an import restored the domain scores but left the assessment's version: a form opened on the
    imported scores and saved after the revert wrote them back."""
    from importers.revert import revert_batch

    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT, [
            ["Benefits Administration", "FY2027", "Measurement", 2, "Imported."]]))
    assert result.status == "imported", result.errors
    restored = assessment(demo, ba, CURRENT).version
    analyst, _ = client_as("analyst"), client_as("admin")
    fields = open_form(analyst, ba, CURRENT)
    assert fields["score_0"] == "2"
    with demo.app_context():
        revert_batch(db.session, result.batch_id, user_id=user_id(demo, "admin@test.gov"))
    assert assessment(demo, ba, CURRENT).version == restored + 1
    before = scores(demo, ba, CURRENT)
    assert before["Measurement"] != 2
    response = analyst.post(url(ba, CURRENT, "edit"), data={**fields, "narrative_1": "Typed on the web."})
    assert response.status_code == 409
    page = text(response)
    assert "Someone saved this assessment after you opened it. Nothing was saved." in page
    assert "admin@test.gov saved it at " in page, "the revert's author, not the import's"
    assert scores(demo, ba, CURRENT) == before
    # its history says who put the score back, and from what to what; the import's row says it was reverted since
    history = text(client_as("executive").get(url(ba, CURRENT)))
    assert re.search(rf"admin@test.gov.*?reverted import batch {result.batch_id} \([^)]*\): Measurement score 2 → "
                     rf"{before['Measurement']:g}", history, re.S), history[history.index("istory"):][:3000]


def test_a_reverted_import_that_scored_a_domain_first_says_it_is_unscored_again(demo, client_as, ba, tmp_path):
    """A batch that only scored domains of an assessment another batch started wrote no event when reverted: the
    history still read "Governance & Strategy score none -> 3" beside the domain shown as not scored."""
    from importers.revert import revert_batch

    year, _ = 2031, client_as("admin")  # the admin who reverts
    with demo.app_context():
        started = run_import(db.session, capacity_file(tmp_path, year))
        added = run_import(db.session, capacity_file(tmp_path, year, [
            ["Benefits Administration", f"FY{year}", "Governance & Strategy", 3, "Added."]]))
        assert started.status == added.status == "imported", (started.errors, added.errors)
        revert_batch(db.session, added.batch_id, user_id=user_id(demo, "admin@test.gov"))
    history = text(client_as("executive").get(url(ba, year)))
    assert re.search(rf"admin@test.gov.*?reverted import batch {added.batch_id} \([^)]*\): Governance &amp; "
                     r"Strategy score 3 → none; Governance &amp; Strategy narrative cleared", history, re.S), history


def test_an_incomplete_assessment_cannot_be_submitted(demo, client_as, ba):
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, NEXT), "score_0": "4"}
    assert analyst.post(url(ba, NEXT, "edit"), data=fields).status_code == 303
    page = text(analyst.get(url(ba, NEXT)))
    assert 'id="submit-form"' not in page and "not scored yet: Governance &amp; Strategy, " in page
    change = re.search(r'id="total-change">(?:<a [^>]*>)?([^<]*)<', page).group(1)
    assert change.endswith("(not comparable yet: 4 domains not scored)"), change  # not "domains or scale differ"
    response = submit_again(analyst, ba, NEXT)  # a hand-made POST: the version is wrong too, completeness first
    assert response.status_code in (400, 409)
    with demo.app_context():
        version = db.session.scalar(sa.select(CapacityAssessment.version).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == NEXT))
    response = analyst.post(url(ba, NEXT, "submit"), data={"csrf_token": token_for(analyst), "version": version})
    assert response.status_code == 400
    assert "not scored: Governance &amp; Strategy, Culture &amp; Organization" in text(response)
    assert assessment(demo, ba, NEXT).status is CapacityStatus.draft


# ----------------------------------------------------------------------------- reopening

def reopen(client, component_id, fiscal_year, reason):
    page = client.get(url(component_id, fiscal_year, "reopen"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    return client.post(url(component_id, fiscal_year, "reopen"),
                       data={"csrf_token": csrf_token(html), "version": version, "reason": reason})


def test_admin_reopens_only_with_a_reason_which_is_recorded(demo, client_as, ba, tmp_path):
    admin = client_as("admin")
    for empty in ("", "   "):
        response = reopen(admin, ba, LAST, empty)
        assert response.status_code == 400
        assert ("Reason: say why the FY2026 assessment of Benefits Administration is reopened; it is kept in "
                "the audit log (the field was empty).") in text(response)
        assert assessment(demo, ba, LAST).status is CapacityStatus.submitted
    response = reopen(admin, ba, LAST, "The Measurement evidence missed the Q4 survey report.")
    assert response.status_code == 303
    stored = assessment(demo, ba, LAST)
    assert (stored.status, stored.submitted_at, stored.submitted_by_id) == (CapacityStatus.draft, None, None)
    event = events(demo, "capacity.reopen")[-1]
    assert event.user_id == user_id(demo, "admin@test.gov")
    assert event.after["reason"] == "The Measurement evidence missed the Q4 survey report."
    assert event.before["status"] == "submitted" and event.before["submitted_by"] == "analyst@demo.cx.gov"
    page = text(admin.get(url(ba, LAST)))
    assert "reopened it: “The Measurement evidence missed the Q4 survey report.”" in page
    with demo.app_context():  # the import writes to it again
        assert run_import(db.session, capacity_file(tmp_path, LAST)).status == "imported"
    analyst = client_as("analyst")
    assert analyst.post(url(ba, LAST, "edit"), data={**open_form(analyst, ba, LAST), "score_1": "7"}).status_code == 303
    assert scores(demo, ba, LAST)["Governance & Strategy"] == 7


def test_a_narrative_counts_its_characters_as_it_is_typed(demo, client_as, ba):
    """The narrative takes 10,000 characters (the server refuses more): its box said nothing of it, and a
    longer text pasted in was refused only after the save. It counts them, as the commitment forms do."""
    page = client_as("analyst").get(url(ba, CURRENT, "edit")).get_data(as_text=True)
    boxes = re.findall(r'<textarea[^>]*id="narrative_\d+"[^>]*>', page)
    assert boxes and all('maxlength="10000"' in box and "usa-character-count__field" in box for box in boxes), boxes
    for box in boxes:
        described = re.search(r'aria-describedby="([^"]+)"', box).group(1).split()
        info = next(i for i in described if i.endswith("-info"))
        assert f'<span id="{info}" class="usa-character-count__message usa-sr-only">You can enter up to 10,000 ' \
            "characters</span>" in page
    assert not re.search(r'<textarea[^>]*id="evidence_\d+"[^>]*usa-character-count__field', page)


def test_a_reopen_refused_for_its_reason_says_so_beside_the_field(demo, client_as, ba):
    """The reason's field was drawn in error (red) with nothing beside it and nothing a screen reader reads on
    it: the problem was only in the summary above."""
    page = reopen(client_as("admin"), ba, LAST, "").get_data(as_text=True)
    field = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="reason-hint reason-error reason-info"' in field, field
    said = re.search(r'<span class="usa-error-message" id="reason-error">([^<]*)</span>', page)
    assert said and "say why the FY2026 assessment" in said.group(1)
    assert '<a class="usa-link" href="#reason">' in page


def test_a_reopen_reason_with_a_text_direction_character_is_named_not_called_an_expired_form(demo, client_as, ba):
    """A reason holding U+202E was answered "The form expired or lost its version; open the page again": the
    admin would open the page again and type the same reason into the same refusal."""
    page = reopen(client_as("admin"), ba, LAST, "Wrong \u202escores").get_data(as_text=True)
    assert "expired" not in page
    said = re.search(r'<span class="usa-error-message" id="reason-error">([^<]*)</span>', page)
    assert said and "hidden text-direction character (U+202E)" in said.group(1)
    assert assessment(demo, ba, LAST).status is CapacityStatus.submitted


def test_a_reopen_reason_as_long_as_its_box_takes_with_line_breaks_is_not_too_long(demo, client_as, ba):
    """The box (maxlength 4000) counts a line break as one character; a browser sends it as two, so a reason
    of 4,000 characters in 20 lines was refused as "4,020 characters is too long"."""
    reason = ("r" * 199 + "\r\n") * 19 + "r" * 200
    assert reopen(client_as("admin"), ba, LAST, reason).status_code == 303
    assert events(demo, "capacity.reopen")[-1].after["reason"] == reason.replace("\r\n", "\n")


def test_reopening_a_draft_changes_nothing(demo, client_as, ba):
    response = client_as("admin").get(url(ba, CURRENT, "reopen"), follow_redirects=True)
    assert "is a draft: nothing to reopen" in text(response)
    assert events(demo, "capacity.reopen") == []


# ----------------------------------------------------------------------------- who may do what

def test_executive_reads_but_cannot_edit(demo, client_as, ba):
    executive = client_as("executive")
    page = text(executive.get(url(ba, CURRENT)))
    assert "Benefits Administration: FY2027 capacity assessment" in page
    assert 'id="edit-link"' not in page and 'id="submit-form"' not in page and 'id="reopen-link"' not in page
    token = token_for(executive)
    before = scores(demo, ba, CURRENT)
    assert executive.get(url(ba, CURRENT, "edit")).status_code == 403
    assert executive.post(url(ba, CURRENT, "edit"), data={"csrf_token": token, "version": "1", "score_0": "1",
                                                          "domain_0": "Measurement"}).status_code == 403
    assert executive.post(url(ba, CURRENT, "submit"), data={"csrf_token": token, "version": "1"}).status_code == 403
    assert scores(demo, ba, CURRENT) == before and assessment(demo, ba, CURRENT).status is CapacityStatus.draft


ALLOWED = {  # route -> roles that get through (DESIGN §6: analysts and admins enter; admins reopen)
    "grid": set(ROLES),
    "show": set(ROLES),
    "edit GET": {"admin", "analyst"},
    "edit POST": {"admin", "analyst"},
    "submit POST": {"admin", "analyst"},
    "reopen GET": {"admin"},
    "reopen POST": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(demo, client_as, ba, role):
    client = client_as(role)
    token = token_for(client)
    edit = {**{f"{field}_{i}": d if field == "domain" else ""
               for i, d in enumerate(CAPACITY_DOMAINS) for field in ("domain", "score", "narrative", "evidence")},
            "csrf_token": token, "version": "0", "scale_min": "1", "scale_max": "7",
            "score_0": "3"}  # the whole form, as the page sends it
    requests = {
        "grid": lambda: client.get("/capacity/"),
        "show": lambda: client.get(url(ba, CURRENT)),
        "edit GET": lambda: client.get(url(ba, NEXT, "edit")),
        "edit POST": lambda: client.post(url(ba, NEXT, "edit"), data=edit),
        "submit POST": lambda: client.post(url(ba, NEXT, "submit"), data={"csrf_token": token, "version": "1"}),
        "reopen GET": lambda: client.get(url(ba, LAST, "reopen")),
        "reopen POST": lambda: client.post(url(ba, LAST, "reopen"),
                                           data={"csrf_token": token, "version": "99", "reason": "Try."}),
    }
    for name, send in requests.items():  # in order: the POST to edit starts FY2028 before it is submitted
        status = send().status_code
        if role in ALLOWED[name]:
            assert status != 403 and status < 500, (role, name, status)
        else:
            assert status == 403, (role, name, status)
    started = assessment(demo, ba, NEXT)
    assert (started is not None) == (role in ALLOWED["edit POST"])
    assert assessment(demo, ba, LAST).status is CapacityStatus.submitted  # a stale version reopens nothing
    if started is not None:
        assert started.status is CapacityStatus.draft  # 3 in one domain is not enough to submit


def test_nav_link_for_every_role(demo, client_as):
    for role in ROLES:
        page = client_as(role).get("/").get_data(as_text=True)
        assert 'href="/capacity/"><span>Capacity assessments</span>' in page, role


# ----------------------------------------------------------------------------- rules and the action plan

def test_the_rules_evidence_score_is_shown_with_its_why_link(evaluated, client_as, ba):
    with evaluated.app_context():
        measurement = db.session.scalar(sa.select(CapacityDomainScore.id).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == LAST,
            CapacityDomainScore.domain == "Measurement"))
        finding = db.session.scalars(sa.select(Finding).where(
            Finding.subject_type == RuleSubject.capacity_domain, Finding.subject_id == measurement,
            Finding.outcome == "score").order_by(Finding.period.desc())).first()
        assert finding is not None and finding.score is not None
        finding_id, period, score = finding.id, finding.period, finding.score
    viewer = client_as("viewer")
    page = text(viewer.get(url(ba, LAST)))
    row = re.search(r'<tr data-domain="Measurement">(.*?)</tr>', page).group(1)
    shown = f"{100 * score:.1f}".removesuffix(".0") + "%"  # 100%, 85.7%: as its explanation gives it
    assert shown in row and f'href="/findings/{finding_id}">why ({period})' in row, (
        "the default pack's Measurement evidence is a share: 100%, not 1.00 beside a 1-7 self-score")
    assert f"score {shown}" in text(viewer.get(f"/findings/{finding_id}")), "and so on its why-page"
    other = re.search(r'<tr data-domain="Governance &amp; Strategy">(.*?)</tr>', page).group(1)
    assert '<td class="evidence-score">none</td>' in other
    assert "No published rule scores the evidence for this domain." in page



def test_a_domain_the_rules_could_not_score_names_the_rule_once(evaluated, client_as, ba):
    """A year with no survey data yet read "Measurement evidence: ...: no score in FY2027-Q1. Measurement
    evidence: ...: no data for FY2027-Q1 yet, so nothing to judge": the rule's title twice, and the outcome
    twice. The explanation, which names the rule and says there is nothing to judge, is shown once."""
    with evaluated.app_context():
        measurement = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Measurement"))
        scored = db.session.scalars(sa.select(Finding).where(
            Finding.subject_type == RuleSubject.capacity_domain, Finding.outcome == "score",
            Finding.score.is_not(None))).first()
        title = scored.rule_version.rule.title
        explanation = f"{title}: no data for FY{CURRENT}-Q4 yet, so nothing to judge (insufficient data)."
        db.session.add(Finding(rule_version=scored.rule_version, subject_type=RuleSubject.capacity_domain,
                               subject_id=measurement.id, period=f"FY{CURRENT}-Q4", outcome="score", score=None,
                               explanation=explanation, facts={}, fingerprint="no-data-yet"))
        db.session.commit()
    page = html_lib.unescape(re.sub(r"\s+", " ", text(client_as("viewer").get(url(ba, CURRENT)))))
    said = re.search(r'<p class="finding">(.*?)</p>', page).group(1)
    assert said.count(title) == 1 and explanation in said, said


def test_a_domain_saved_since_the_rules_last_scored_it_says_so_not_that_no_rule_scores_it(evaluated, client_as, ba):
    """Right after a save, before the queued evaluation ran, a domain without a finding read "No published
    rule scores the evidence for this domain", though one did, a minute later."""
    from datetime import timedelta

    with evaluated.app_context():
        stored = db.session.scalar(sa.select(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT))
        last = db.session.scalar(sa.select(sa.func.max(Finding.evaluated_at)).where(
            Finding.subject_type == RuleSubject.capacity_domain))
        stored.updated_at = last + timedelta(minutes=1)
        db.session.commit()
    page = text(client_as("viewer").get(url(ba, CURRENT)))
    assert "Not scored since this assessment was last saved: the rules' next evaluation scores it" in page
    assert "No published rule scores the evidence" not in page


def test_a_save_evaluates_the_rules_again_and_the_out_of_date_notes_go(evaluated, client_as, ba):
    """The page promised "each save queues" an evaluation, and none was queued; and an evaluation that found a
    domain's finding unchanged left it dated before the save, so "evaluated before the latest change" stayed
    for ever."""
    from datetime import timedelta

    from scorecard.models import utcnow
    from scorecard.rules.service import evaluate

    with evaluated.app_context():  # a save the rules have not read yet (made before this fix, or by an import)
        stored = db.session.scalar(sa.select(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT))
        stored.updated_at = utcnow() - timedelta(minutes=1)
        db.session.execute(sa.update(Finding).where(Finding.subject_type == RuleSubject.capacity_domain)
                           .values(evaluated_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    viewer = client_as("viewer")
    page = text(viewer.get(url(ba, CURRENT)))
    assert "outdated-finding" in page or "Not scored since this assessment was last saved" in page
    with evaluated.app_context():
        evaluate(db.session)
    page = text(viewer.get(url(ba, CURRENT)))
    assert "outdated-finding" not in page and "Not scored since" not in page, "the rules read it again"

    analyst = client_as("analyst")
    fields = open_form(analyst, ba, CURRENT)
    i = domain_index("Measurement")
    fields[f"narrative_{i}"] = (fields.get(f"narrative_{i}") or "") + " Reviewed again."
    assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    page = text(analyst.get(url(ba, CURRENT)))
    assert "Saved the FY2027 assessment of Benefits Administration. The findings were evaluated again." in page
    assert "outdated-finding" not in page and "Not scored since" not in page


def test_the_domain_action_plan_lists_its_commitments(demo, client_as, ba):
    with demo.app_context():
        linked = db.session.scalars(sa.select(Commitment).where(
            Commitment.capacity_domain == "Measurement",
            sa.or_(Commitment.component_id == ba, Commitment.programs.any(component_id=ba)))).all()
        titles = sorted(c.title for c in linked)
        if not linked:  # the demo's commitments are random in their programs: link one for the test
            commitment = db.session.scalars(sa.select(Commitment).order_by(Commitment.id)).first()
            commitment.capacity_domain, commitment.component_id = "Measurement", ba
            db.session.commit()
            titles = [commitment.title]
    page = text(client_as("executive").get(url(ba, CURRENT)))
    section = page[page.index('id="domain-1-heading"'):page.index('id="domain-2-heading"')]
    for title in titles:
        assert title.replace("&", "&amp;") in section
    assert "commitment-status" in section and "/commitments/" in section
    assert "Create a commitment from this domain" not in section  # executives do not create commitments

    admin_page = text(client_as("admin").get(url(ba, CURRENT)))
    assert f'href="/commitments/new?capacity_domain=Measurement&amp;component_id={ba}"' in admin_page

    viewer_page = text(client_as("viewer").get(url(ba, CURRENT)))
    viewer_section = viewer_page[viewer_page.index('id="domain-1-heading"'):viewer_page.index('id="domain-2-heading"')]
    for title in titles:  # the agency's action plan, as the dashboards show it; no commitment page to open
        assert f'<th scope="row">{title.replace("&", "&amp;")}</th>' in viewer_section
    assert "/commitments/" not in viewer_section and "without a link is outside what your role opens" in viewer_section


def test_an_officer_reads_every_function_s_action_plan_and_opens_their_own(demo, client_as, ba):
    """The page lists what the capacity dashboard lists to the same person: every commitment of the
    domain with its function, status and due date, a link only to those the role opens."""
    from dashboards.queries.capacity import capacity_for
    from dashboards.queries.common import Scope

    officer = client_as("officer")
    with demo.app_context():
        cfo, other = (db.session.scalars(sa.select(Commitment).join(Commitment.function).where(
            Function.code == code).order_by(Commitment.id)).first() for code in ("CFO", "CIO"))
        for commitment, due in ((cfo, date(2027, 3, 31)), (other, date(2027, 6, 30))):
            commitment.capacity_domain, commitment.component_id, commitment.due_date = "Measurement", ba, due
        db.session.commit()
        cfo_id, other_id, other_title = cfo.id, other.id, other.title
        other_status = other.status.value.replace("_", " ")
        me = db.session.scalar(sa.select(User).where(User.email == "officer@test.gov"))
        found = capacity_for(db.session, Scope.of(me), agency_today(), CURRENT)
        dashboard = next(c for r in found.rows if r.component_id == ba for c in r.cells if c.domain == "Measurement")
        shown = [(a.title, a.function, a.status_word, a.due_date.isoformat(), a.href is not None)
                 for a in dashboard.actions]
    page = text(officer.get(url(ba, CURRENT)))
    section = page[page.index('id="domain-1-heading"'):page.index('id="domain-2-heading"')]
    rows = re.findall(r'<tr><th scope="row">(?:<a class="usa-link" href="([^"]*)">)?([^<]*)(?:</a>)?</th> '
                      r'<td>([^<]*)</td><td class="commitment-status">([^<]*)</td> <td>([^<]*?)(?:<br>|</td>)', section)
    assert [(html_lib.unescape(t), f, st, due.strip(), bool(href)) for href, t, f, st, due in rows] == shown
    assert (html_lib.unescape(other_title), "CIO", other_status, "2027-06-30", False) in shown
    assert f'href="/commitments/{cfo_id}"' in section and f'href="/commitments/{other_id}"' not in section
    assert "outside what your role opens" in section




def test_an_open_action_past_its_due_date_says_how_long_overdue(demo, client_as, ba):
    today = agency_today()  # the page's own day
    with demo.app_context():
        late, early, done = db.session.scalars(sa.select(Commitment).order_by(Commitment.id).limit(3)).all()
        for commitment, due, status in ((late, today - timedelta(days=3), CommitmentStatus.on_track),
                                        (early, today, CommitmentStatus.at_risk),
                                        (done, today - timedelta(days=40), CommitmentStatus.complete)):
            commitment.capacity_domain, commitment.component_id, commitment.due_date = "Measurement", ba, due
            commitment.status = status
        titles = [late.title, early.title, done.title]
        db.session.commit()
    page = text(client_as("executive").get(url(ba, CURRENT)))
    section = page[page.index('id="domain-1-heading"'):page.index('id="domain-2-heading"')]
    rows = {title: re.search(r"<tr><th scope=\"row\">[^<]*<a[^>]*>" + re.escape(title.replace("&", "&amp;"))
                             + r"</a></th>.*?</tr>", section, re.S).group(0) for title in titles}
    assert "overdue by 3 days" in rows[titles[0]]
    assert "overdue" not in rows[titles[1]], "due today is not overdue yet"
    assert "overdue" not in rows[titles[2]], "a complete commitment is not overdue"


# ----------------------------------------------------------------------------- the demo

def test_demo_has_three_years_per_component_two_submitted_this_a_draft(demo):
    with demo.app_context():
        rows = db.session.scalars(sa.select(CapacityAssessment)).all()
        components = db.session.scalar(sa.select(sa.func.count()).select_from(Component))
        assert len(rows) == 3 * components
        assert {(a.fiscal_year, a.status) for a in rows} == {(LAST - 1, CapacityStatus.submitted),
                                                            (LAST, CapacityStatus.submitted),
                                                            (CURRENT, CapacityStatus.draft)}
        for a in rows:
            assert len(a.domain_scores) == len(CAPACITY_DOMAINS)
            assert all(d.narrative and 1 <= d.score <= 7 for d in a.domain_scores)
            if a.fiscal_year < CURRENT:
                assert a.submitted_by.email == "analyst@demo.cx.gov" and a.submitted_at is not None
        last = {(a.component_id, d.domain): d.score for a in rows if a.fiscal_year == LAST for d in a.domain_scores}
        assert any(d.score != last[(a.component_id, d.domain)]
                   for a in rows if a.fiscal_year == CURRENT for d in a.domain_scores)  # a change to show


@pytest.mark.parametrize("page", ["/capacity/", "{show}", "{edit}", "{reopen}"])
def test_pages_have_unique_ids_and_labelled_fields(demo, client_as, ba, page):
    html = client_as("admin").get(page.format(show=url(ba, CURRENT), edit=url(ba, CURRENT, "edit"),
                                              reopen=url(ba, LAST, "reopen"))).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        if 'type="hidden"' in tag or 'type="submit"' in tag:
            continue
        assert re.search(r'id="([^"]+)"', tag).group(1) in labelled, tag


def test_capacity_actions_follow_design():
    """DESIGN §6: every role reads capacity assessments (agency dashboards' data); analysts and
    admins enter and submit them; only admins reopen."""
    from scorecard.permissions import PERMISSIONS

    assert {r.value for r in PERMISSIONS["view_capacity"]} == set(ROLES)
    assert {r.value for r in PERMISSIONS["edit_capacity"]} == {"admin", "analyst"}
    assert {r.value for r in PERMISSIONS["reopen_capacity"]} == {"admin"}


# ----------------------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def served(served_demo_database, tmp_path_factory):
    """The app as production runs it: migrations, `scorecard demo`, gunicorn on a local port."""
    served_app.require_browser()
    database = served_app.copy_database(served_demo_database, tmp_path_factory.mktemp("capacity-served"))
    with served_app.gunicorn(served_app.server_env(database, "capacity-browser-test"), workers=1) as base:
        yield base


@pytest.fixture(scope="module")
def chrome(served, tmp_path_factory):
    driver = served_app.chrome(tmp_path_factory.mktemp("chrome"), page_load_timeout=60)
    yield driver
    driver.quit()


def full_page_screenshot(driver, path: Path) -> None:
    """The whole page, not only the window: the window is stretched to the page's height first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 1000), 6000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)


@pytest.mark.browser
@pytest.mark.own_sqlite_server
def test_analyst_enters_and_submits_an_assessment_in_the_browser(served, chrome, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    shots = Path(os.environ.get("SCORECARD_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    wait = WebDriverWait(chrome, 30)
    chrome.delete_all_cookies()
    chrome.get(served + "/capacity/")
    assert "/auth/login" in chrome.current_url
    chrome.find_element(By.NAME, "email").send_keys("analyst@demo.cx.gov")
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "capacity-grid")))
    full_page_screenshot(chrome, shots / "capacity-grid.png")
    grid = chrome.find_element(By.ID, "capacity-grid")
    seen = grid.text.lower()  # the status tags are set in capitals
    assert "benefits administration" in seen and "submitted" in seen and "draft" in seen

    row = grid.find_element(By.XPATH, ".//tr[th[contains(., 'Benefits Administration')]]")
    row.find_elements(By.CSS_SELECTOR, "td a")[-1].click()  # the current fiscal year, a draft
    wait.until(ec.presence_of_element_located((By.ID, "domains")))
    full_page_screenshot(chrome, shots / "capacity-assessment.png")
    assert "capacity assessment" in chrome.find_element(By.TAG_NAME, "h1").text
    assert "from" in chrome.find_element(By.ID, "domains").text  # the change from last year
    shown = chrome.find_element(By.CSS_SELECTOR, "#domains tr[data-domain='Measurement'] .score").text
    new_score = "5" if shown == "6 of 7" else "6"  # a score the draft does not hold yet, so saving changes it

    chrome.find_element(By.ID, "edit-link").click()
    score = wait.until(ec.presence_of_element_located((By.ID, "score_0")))
    score.clear()
    score.send_keys("9")
    chrome.find_element(By.ID, "save").click()
    problems = wait.until(ec.presence_of_element_located((By.ID, "form-problems")))
    full_page_screenshot(chrome, shots / "capacity-edit-refused.png")
    assert "Measurement score: 9 is outside the assessment's scale (1-7)." in problems.text

    score = chrome.find_element(By.ID, "score_0")
    score.clear()
    score.send_keys(new_score)
    evidence = chrome.find_element(By.ID, "evidence_0")
    evidence.clear()
    evidence.send_keys("https://www.performance.gov/cx/")
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.presence_of_element_located((By.ID, "domains")))
    assert "Saved the FY" in chrome.find_element(By.TAG_NAME, "main").text
    measurement = chrome.find_element(By.CSS_SELECTOR, "#domains tr[data-domain='Measurement'] .score")
    assert measurement.text == f"{new_score} of 7"

    chrome.find_element(By.CSS_SELECTOR, "#submit-form button").click()
    wait.until(ec.presence_of_element_located((By.ID, "locked-note")))
    full_page_screenshot(chrome, shots / "capacity-submitted.png")
    main = chrome.find_element(By.TAG_NAME, "main").text
    assert "The year is locked" in main and "analyst@demo.cx.gov" in main
    assert not chrome.find_elements(By.ID, "edit-link")


def test_an_import_into_a_year_submitted_since_cannot_be_reverted(demo, client_as, ba, tmp_path):
    """Reverting is a change too: once the year is submitted, the batch that imported into it is
    refused (from the command line as well), and the scores stay as submitted."""
    from importers.revert import RevertError, revert_batch

    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT))
    assert result.status == "imported", result.errors
    assert submit(client_as("analyst"), ba, CURRENT).status_code == 303
    before = scores(demo, ba, CURRENT)
    with demo.app_context():
        with pytest.raises(RevertError, match="FY2027 capacity assessment of Benefits Administration was "
                                              "submitted on .*; nothing was reverted"):
            revert_batch(db.session, result.batch_id)
        db.session.rollback()
    assert scores(demo, ba, CURRENT) == before


def test_a_confirm_after_a_web_edit_of_its_rows_says_an_edit_may_have_changed_them(demo, client_as, ba, tmp_path):
    """A score edited on the web between an import's preview and its confirm: the import is previewed again,
    and the page said the rows "were changed by another import", though no other import had run."""
    from tests.helpers import post, upload

    demo.config["IMPORTS_INLINE"] = True  # the preview and the confirm run in the request, not in the background
    analyst = client_as("analyst")
    batch_id = upload(analyst, capacity_file(tmp_path, CURRENT).read_bytes(), name="capacity.xlsx", format="capacity")
    fields = {**open_form(analyst, ba, CURRENT), "score_0": "6", "narrative_0": "Edited on the web."}
    assert analyst.post(url(ba, CURRENT, "edit"), data=fields).status_code == 303
    post(analyst, f"/imports/{batch_id}/confirm")
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.previewed, batch.message
        message = batch.message
    assert "changed since the preview, by another import confirmed or reverted or by an edit on the web" in message
    assert scores(demo, ba, CURRENT)["Measurement"] == 6


def test_an_imported_year_scored_further_on_the_web_is_not_reverted_with_those_scores(demo, client_as, ba, tmp_path):
    """The import created the year with one domain; an analyst then scored two more on the web. Reverting
    the import deleted the assessment and, by its cascade, the scores no import wrote: it is refused."""
    from importers.revert import RevertError, revert_batch

    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, NEXT))
    assert result.status == "imported", result.errors
    analyst = client_as("analyst")
    fields = {**open_form(analyst, ba, NEXT), "score_1": "5", "narrative_1": "Scored on the web.", "score_2": "4"}
    assert analyst.post(url(ba, NEXT, "edit"), data=fields).status_code == 303
    before = scores(demo, ba, NEXT)
    assert len(before) == 3
    with demo.app_context():
        with pytest.raises(RevertError, match=r"[^,]+'s FY\d+ capacity assessment, which batch \d+ created, now has 2 "
                                              r"domain scores that the import did not write; reverting would "
                                              r"delete them with it, so nothing was reverted"):
            revert_batch(db.session, result.batch_id)
        db.session.rollback()
    assert scores(demo, ba, NEXT) == before


def test_a_revert_that_would_put_back_a_score_off_the_scale_changed_since_is_refused(demo, client_as, ba, tmp_path):
    """Measurement at 7, an import set it to 2, the analyst then put the year on 1-5: reverting the import put the 7
    back on a 1-5 scale ("7 of 5"), and the year could be submitted so. The revert is refused, naming the score
    and the scale; a score off the scale, however it came, stops a submit."""
    from importers.revert import RevertError, revert_batch

    analyst = client_as("analyst")
    assert analyst.post(url(ba, CURRENT, "edit"), data={**open_form(analyst, ba, CURRENT),
                                                        "score_0": "7"}).status_code == 303
    with demo.app_context():
        result = run_import(db.session, capacity_file(tmp_path, CURRENT, [
            ["Benefits Administration", f"FY{CURRENT}", "Measurement", 2, "Imported."]]))
    assert result.status == "imported", result.errors
    fields = open_form(analyst, ba, CURRENT)
    on_five = {f"score_{k}": str(min(float(fields[f"score_{k}"]), 5)).removesuffix(".0") for k in range(5)}
    assert analyst.post(url(ba, CURRENT, "edit"), data={**fields, **on_five, "scale_max": "5",
                                                        "scores_on_scale": "1-5"}).status_code == 303
    before = scores(demo, ba, CURRENT)
    with demo.app_context():
        with pytest.raises(RevertError, match=r"reverting would put back Measurement's score of 7 in the FY\d+ "
                                              r"capacity assessment of Benefits Administration, outside its scale of "
                                              r"1-5 \(changed since\); set the scale back first; nothing was "
                                              r"reverted"):
            revert_batch(db.session, result.batch_id)
        db.session.rollback()
        assert scores(demo, ba, CURRENT) == before
        stored = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.component_id == ba, CapacityAssessment.fiscal_year == CURRENT,
            CapacityDomainScore.domain == "Measurement"))
        stored.score = 7  # as the revert had put it back
        db.session.commit()
    refused = submit(analyst, ba, CURRENT)
    assert refused.status_code == 400 and "outside it: Measurement (7)." in html_lib.unescape(text(refused))
    assert assessment(demo, ba, CURRENT).status is CapacityStatus.draft


def test_a_total_is_not_compared_with_a_year_not_fully_scored(demo, client_as, ba):
    """This year scored in full, last year with a domain left blank: the totals add different domains."""
    analyst = client_as("analyst")
    last = open_form(analyst, ba, CURRENT)
    assert analyst.post(url(ba, CURRENT, "edit"), data={**last, "score_4": ""}).status_code == 303
    fields = {**open_form(analyst, ba, NEXT), **{f"score_{k}": "4" for k in range(5)}}
    assert analyst.post(url(ba, NEXT, "edit"), data=fields).status_code == 303
    page = text(analyst.get(url(ba, NEXT)))
    change = re.search(r'id="total-change">(?:<a [^>]*>)?([^<]*)<', page).group(1)
    assert change.endswith(f"(not comparable: 1 domain not scored in FY{CURRENT})"), change
    # A domain left wholly blank (no score, narrative nor evidence: no row at all) reads the same.
    last = open_form(analyst, ba, CURRENT)
    assert analyst.post(url(ba, CURRENT, "edit"), data={**last, "score_3": "", "narrative_3": "",
                                                         "evidence_3": ""}).status_code == 303
    page = text(analyst.get(url(ba, NEXT)))
    change = re.search(r'id="total-change">(?:<a [^>]*>)?([^<]*)<', page).group(1)
    assert change.endswith(f"(not comparable: 2 domains not scored in FY{CURRENT})"), change
