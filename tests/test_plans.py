"""Plan pages and rating decisions: who sees which plan, proposals from findings with why-links,
confirm / override with justification (both kept), and the ratings export."""
import csv
import html
import re

import openpyxl
import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    Component,
    ElementRating,
    Finding,
    Leader,
    PerformancePlan,
    Role,
    Rule,
    RuleStatus,
    RuleSubject,
    RuleVersion,
    User,
)
from scorecard.plans.export import RATING_COLUMNS, export_ratings
from scorecard.plans.services import decide, plan_view
from tests.conftest import PASSWORD
from tests.helpers import csrf_token


def a_plan(session) -> PerformancePlan:
    return session.scalar(sa.select(PerformancePlan).join(Leader).order_by(PerformancePlan.id)
                          .where(PerformancePlan.elements.any()))


def propose(session, plan, ratings: list[int], period="FY2026-Q4") -> list[Finding]:
    """Requirement findings as the rules engine writes them, from one published rule version."""
    rule = session.scalar(sa.select(Rule).where(Rule.key == "test-bands")) or Rule(
        key="test-bands", title="Requirement rating bands", subject_type=RuleSubject.requirement)
    version = RuleVersion(rule=rule, version=len(rule.versions) + 1, status=RuleStatus.published, definition={})
    requirements = [r for e in plan.elements for r in e.requirements]
    findings = [Finding(rule_version=version, subject_type=RuleSubject.requirement, subject_id=r.id, period=period,
                        outcome="rating", rating=rating, explanation=f"attainment gives {rating}", facts={},
                        fingerprint=str(r.id)) for r, rating in zip(requirements, ratings)]
    session.add_all(findings)
    session.commit()
    return findings


def user(role: str, **links) -> User:
    person = User(email=f"{role}-{len(links)}@plans.gov", role=Role(role), **links)
    person.set_password(PASSWORD)
    db.session.add(person)
    db.session.commit()
    return person


def test_element_proposals_follow_the_findings_and_the_majority_rule(demo):
    with demo.app_context():
        plan = a_plan(db.session)
        element = next(e for e in plan.elements if len(e.requirements) >= 1)
        count = len(element.requirements)
        propose(db.session, plan, [5] * sum(len(e.requirements) for e in plan.elements))
        view = plan_view(db.session, plan)
        proposed = {e.element.id: e.proposed for e in view.elements}
        assert proposed[element.id] == 5 and count >= 1
        # a newer period's finding replaces the older one for the proposal
        propose(db.session, plan, [2] * sum(len(e.requirements) for e in plan.elements), period="FY2027-Q1")
        assert {e.element.id: e.proposed for e in plan_view(db.session, plan).elements}[element.id] == 2


def test_confirm_and_override_keep_both_proposal_and_decision(demo):
    with demo.app_context():
        plan = a_plan(db.session)
        official = user("executive")
        unproposed = next(e for e in plan_view(db.session, plan).elements if e.proposed is None).element
        with pytest.raises(ValueError, match=f"^a rating of 3 for '{unproposed.name}' needs a written "
                                             "justification: the rules propose none$"):
            decide(db.session, unproposed, 3, "", official)
        db.session.rollback()
        propose(db.session, plan, [4] * 50)
        element = next(e for e in plan_view(db.session, plan).elements if e.proposed == 4).element
        decide(db.session, element, 4, "", official)  # confirming needs no justification
        with pytest.raises(ValueError, match="needs a written justification: it overrides the proposed rating 4"):
            decide(db.session, element, 2, "   ", official)
        decision = decide(db.session, element, 5, "Led the call-center turnaround.", official)
        assert (decision.proposed_rating, decision.confirmed_rating) == (4, 5)
        kept = db.session.scalars(sa.select(ElementRating).where(ElementRating.element_id == element.id)).all()
        assert [(r.proposed_rating, r.confirmed_rating) for r in kept] == [(4, 4), (4, 5)]
        audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.rate")).all()
        assert audit[-1].after == {"proposed_rating": 4, "confirmed_rating": 5,
                                   "justification": "Led the call-center turnaround.", "decided_by_id": official.id}, (
            "the event alone says the decision overrode the proposal, and whose it is")
        # the audit's before holds the decision replaced (it held the proposal alone, so a changed decision
        # left no trace of what it replaced), and a first decision none
        assert audit[-1].before == {"proposed_rating": 4, "confirmed_rating": 4, "justification": None,
                                    "decided_by_id": official.id}
        assert audit[-2].before == {"proposed_rating": 4}
        # the data moves the proposal to 1, and the decision is corrected to 1: the decision it replaces answered
        # a proposal of 4 (the audit paired it with today's 1, reading as an override it never was)
        for finding in db.session.scalars(sa.select(Finding).where(Finding.rating == 4)):
            finding.rating = 1
        db.session.commit()
        assert next(e for e in plan_view(db.session, plan).elements if e.element.id == element.id).proposed == 1
        decide(db.session, element, 1, "", official)
        corrected = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.rate")
                                       .order_by(AuditEvent.id.desc())).first()
        assert corrected.before["proposed_rating"] == 4 and corrected.before["confirmed_rating"] == 5, corrected.before
        assert corrected.after["proposed_rating"] == 1
        with pytest.raises(PermissionError):
            decide(db.session, element, 3, "no", user("analyst"))


def test_a_partial_proposal_and_summary_agree_in_number(demo):
    """A plan's page said "from 1 of 2 requirements (the others have no proposal ...)" and "not yet: 1 of 5
    elements have a rating"."""
    with demo.app_context():
        plan = next(p for p in db.session.scalars(sa.select(PerformancePlan).order_by(PerformancePlan.id))
                    if len(p.elements) > 1 and any(len(e.requirements) == 2 for e in p.elements))
        element = next(e for e in plan.elements if len(e.requirements) == 2)
        requirements = [r.id for e in plan.elements for r in e.requirements]
        db.session.execute(sa.delete(Finding).where(Finding.subject_type == RuleSubject.requirement,
                                                    Finding.subject_id.in_(requirements)))
        db.session.execute(sa.delete(ElementRating).where(ElementRating.element_id.in_([e.id for e in plan.elements])))
        rule = Rule(key="test-one", title="One requirement", subject_type=RuleSubject.requirement)
        version = RuleVersion(rule=rule, version=1, status=RuleStatus.published, definition={})
        first = element.requirements[0]
        db.session.add(Finding(rule_version=version, subject_type=RuleSubject.requirement, subject_id=first.id,
                               period="FY2026-Q4", outcome="rating", rating=4, explanation="gives 4", facts={},
                               fingerprint=str(first.id)))
        db.session.commit()
        plan_id, elements = plan.id, len(plan.elements)
        client = demo.test_client(user=user("executive"))
    page = html.unescape(re.sub(r"\s+", " ", client.get(f"/plans/{plan_id}").get_data(as_text=True)))
    assert "from 1 of 2 requirements (the other has no proposal: the rating official weighs it)" in page
    assert f"not yet: 1 of {elements} elements has a rating, decided or proposed" in page


def test_summary_uses_decisions_then_proposals(demo):
    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [3] * 50)
        view = plan_view(db.session, plan)
        rated = [e for e in view.elements if e.proposed is not None]
        if len(rated) == len(view.elements):
            assert view.summary.score == 300 and view.summary.level == 3
        official = user("admin")
        for e in view.elements:
            decide(db.session, e.element, 5, "exceptional year", official)
        view = plan_view(db.session, plan)
        assert view.all_confirmed and view.summary.score == 500 and view.summary.level == 5


def test_a_summary_level_set_at_1_by_a_critical_element_says_which(demo):
    """Every element decided, one critical element at 1: the page read "Summary score 345, Summary level 1
    (Unsatisfactory)", a level the score's bands do not give, with nothing to say why."""
    with demo.app_context():
        plan = a_plan(db.session)
        official = user("admin")
        first = None
        for e in plan.elements:
            rating = 5
            if first is None and e.is_critical and not e.is_results_driven:
                first, rating = e.name, 1
            decide(db.session, e, rating, "the year as it was", official)
        view = plan_view(db.session, plan)
        assert view.summary.score >= 300 and view.summary.level == 1 and view.critical_at_one == [first]
        plan_id = plan.id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert (f"Summary level 1 (Unsatisfactory) : the critical element {first} is rated 1, which sets the summary "
            "level at 1 whatever the score") in page


def test_a_summary_level_of_1_from_the_score_names_no_critical_element(demo):
    with demo.app_context():
        plan = a_plan(db.session)
        official = user("admin")
        for e in plan.elements:
            e.is_critical = False  # a level of 1 from the score alone (100): no critical element to name
        db.session.commit()
        for e in plan.elements:
            decide(db.session, e, 1, "the year as it was", official)
        view = plan_view(db.session, plan)
        assert view.summary.level == 1 and view.critical_at_one == []
        plan_id = plan.id
        client = demo.test_client(user=user("executive"))
    assert "critical-at-one" not in client.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_each_elements_rating_and_justification_are_named_by_the_element(demo):
    """Every element's form had the same labels: a screen reader's list of the page's fields read "Rating (1-5)"
    five times, with nothing to say which element each one rates. The visible label comes first in each name."""
    with demo.app_context():
        plan = a_plan(db.session)
        elements = [(e.id, e.name) for e in plan.elements]
        plan_id = plan.id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert len(elements) == 5
    for element_id, name in elements:
        for field, words in (("rating", f"Rating (1-5) of {name}"),
                             ("justification", f"Justification (required unless you confirm the rules' proposal) "
                                               f"for {name}")):
            label = re.search(rf'<label class="usa-label" for="{field}-{element_id}">(.*?)</label>', page, re.S)
            assert label, (field, element_id)
            assert html.unescape(re.sub(r"<[^>]+>", "", label.group(1))) == words


def test_a_plan_whose_weights_break_opms_rules_gets_no_summary_level(demo):
    """Weights stored wrong (the importer refuses them; a database edit does not): every element
    decided still gives no score or level, and the page says why."""
    with demo.app_context():
        plan = a_plan(db.session)
        other = next(e for e in plan.elements if not e.is_results_driven)
        other.weight -= 5  # the weights now add up to 95
        db.session.commit()
        official = user("admin")
        for e in plan.elements:
            decide(db.session, e, 5, "exceptional year", official)
        view = plan_view(db.session, plan)
        assert view.weight_problems and view.all_confirmed
        assert (view.summary.score, view.summary.level) == (None, None)
        plan_id = plan.id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "none until the weights follow OPM's rules" in page
    assert '<th scope="row">Summary level</th><td>—</td>' in page


def test_a_confirmation_refused_because_the_proposal_moved_says_it_moved(demo):
    """The page showed a proposal of 3; an evaluation moved it to 4 while the form was open; confirming 3 was
    refused as "it overrides the proposed rating 4", which the official had never seen."""
    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [4] * 50)
        plan_id, element_id = plan.id, plan.elements[0].id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert re.search(r'<input type="hidden" name="proposal" value="4">', page)
    refused = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                          data={"csrf_token": csrf_token(page), "rating": "3", "justification": "", "proposal": "3"})
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert ("it overrides the proposed rating 4. The rules' proposal changed since the page was opened (an "
            "evaluation ran): it was 3, it is 4 now.") in said, said[-2000:]
    unchanged = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                            data={"csrf_token": csrf_token(page), "rating": "3", "justification": "", "proposal": "4"})
    assert "changed since the page was opened" not in unchanged.get_data(as_text=True)


def test_a_requirement_the_rules_have_not_rated_links_the_finding_that_says_why(demo):
    """Next year's plan, evaluated before any quarter of it has results: its findings say "no data for
    FY2028-Q1 yet", but the plan page said "no finding yet" beside each CX requirement, the why one click
    away no more. A rating proposed later takes the link's place."""
    with demo.app_context():
        plan = a_plan(db.session)
        cx = [r.id for e in plan.elements for r in e.requirements if r.is_cx]
        assert cx, "the demo's plan has CX requirements"
        unrated = propose(db.session, plan, [None] * 50, period="FY2028-Q1")
        plan_id = plan.id
        why = {f.subject_id: f.id for f in unrated}
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    for requirement_id in cx:
        link = f'<a class="usa-link why-link" href="/findings/{why[requirement_id]}">why (FY2028-Q1)'
        assert f"no rating yet: {link}" in page
    assert "no finding yet" not in page
    with demo.app_context():  # the rules rate it once its quarter has results
        db.session.execute(sa.update(Finding).where(Finding.id == why[cx[0]]).values(rating=3))
        db.session.commit()
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert page.count("no rating yet") == len(cx) - 1 and f'href="/findings/{why[cx[0]]}">why (FY2028-Q1)' in page


def test_plan_page_shows_proposals_with_why_links_and_takes_decisions(demo):
    with demo.app_context():
        plan = a_plan(db.session)
        finding_id = propose(db.session, plan, [4] * 50)[0].id
        plan_id, element_id, element_name = plan.id, plan.elements[0].id, plan.elements[0].name
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"/findings/{finding_id}" in page and "why (FY2026-Q4)" in page
    why = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "attainment gives 4" in why and "test-bands" in why
    token = csrf_token(page)
    refused = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                          data={"csrf_token": token, "rating": "1", "justification": "  "})
    assert refused.status_code == 422, "shown again with what was typed, not redirected (it was lost)"
    shown = refused.get_data(as_text=True)
    problems = re.search(r'<div class="usa-alert usa-alert--error[^"]*" role="alert" id="form-problems" '
                         r'tabindex="-1" data-focus-on-load>(.*?)</div>\s*</div>', shown, re.S).group(1)
    assert "needs a written justification" in problems and element_name in problems
    rating_box = re.search(rf'<input[^>]*id="rating-{element_id}"[^>]*>', shown).group()
    assert 'value="1"' in rating_box and "aria-invalid" not in rating_box, "the rating is not what is wrong"
    justification_box = re.search(rf'<textarea[^>]*id="justification-{element_id}"[^>]*>', shown).group()
    assert f'aria-describedby="form-problems justification-{element_id}-info"' in justification_box and \
        "usa-input--error" in justification_box
    assert f'<li><a class="usa-link" href="#justification-{element_id}">A rating of 1 for &#39;{element_name}&#39; ' \
        "needs a written justification: it overrides the proposed rating 4.</a></li>" in problems, (
            "each problem links to its field, as every other form's summary does")
    assert "Justification (required unless you confirm the rules&#39; proposal)" in shown
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).where(
            ElementRating.element_id == element_id)) == 0, "nothing recorded"
    too_high = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                           data={"csrf_token": token, "rating": "9", "justification": "x"})
    assert too_high.status_code == 422 and "Rating (1-5): Number must be between 1 and 5: “9” was sent" in \
        too_high.get_data(as_text=True), "the value named, as every other form names it"
    hidden = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                         data={"csrf_token": token, "rating": "1", "justification": "Late \u202eexe.pdf"})
    assert hidden.status_code == 422 and "hidden text-direction" in hidden.get_data(as_text=True), (
        "refused as every form's text is: the form was not one of them")
    assert f'<li><a class="usa-link" href="#justification-{element_id}">Justification (required unless you confirm ' \
        "the rules&#39; proposal) contains a hidden text-direction" in hidden.get_data(as_text=True), (
            "the field's name said once, not twice")
    kept = re.search(rf'<textarea[^>]*id="justification-{element_id}"[^>]*>([^<]*)</textarea>',
                     hidden.get_data(as_text=True)).group(1)
    assert kept == "Late \u202eexe.pdf", "shown again at its element with what was typed, not a 400 page that lost it"
    # a control character (a bell pasted in): shown again at its element too, the character named and taken out
    # of the text shown (a browser shows none, and turns a NUL into U+FFFD, which would be kept)
    bell = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                       data={"csrf_token": token, "rating": "1", "justification": "line1\x07bell"})
    said = bell.get_data(as_text=True)
    assert bell.status_code == 422 and "held a control character (U+0007), which cannot be kept: it is taken out " \
        "of the text shown here. Check the text and send the form again." in html.unescape(said), said[-3000:]
    kept = re.search(rf'<textarea[^>]*id="justification-{element_id}"[^>]*>([^<]*)</textarea>', said).group(1)
    assert kept == "line1bell", "what was typed is kept, less the character: not a 400 page that lost it"
    hidden = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                         data={"csrf_token": token, "rating": "1", "justification": "x", "replaces": "\x00"})
    assert hidden.status_code == 422 and "in a field it keeps hidden, which a page does not send: open the page " \
        "again" in html.unescape(hidden.get_data(as_text=True)), "not a field the official cannot see, by its name"
    long = "Missed every milestone; " * 180  # 4,320 characters: refused, and shown again whole (it was cut at 4,000)
    over = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                       data={"csrf_token": token, "rating": "1", "justification": long})
    assert over.status_code == 422 and "This is 4,320 characters long; it takes at most 4,000" in over.get_data(
        as_text=True)
    kept = re.search(rf'<textarea[^>]*id="justification-{element_id}"[^>]*>([^<]*)</textarea>',
                     over.get_data(as_text=True)).group(1)
    assert html.unescape(kept) == long, "sent again as shown, the cut text was recorded"
    lines = ("y" * 199 + "\r\n") * 20  # 4,000 characters in the box (its maxlength), 4,020 as a browser sends them
    full = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                       data={"csrf_token": token, "rating": "1", "justification": lines})
    assert full.status_code == 302, "a justification the box took is not refused as longer than 4000 characters"
    with demo.app_context():
        recorded = db.session.scalar(sa.select(ElementRating).where(ElementRating.element_id == element_id))
        assert recorded.justification == lines.replace("\r\n", "\n").strip()
        db.session.delete(recorded)
        db.session.commit()
    empty = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                        data={"csrf_token": token, "rating": "", "justification": "x"}).get_data(as_text=True)
    assert "Rating (1-5): This field is required." in empty and "Not a valid integer" not in empty
    no_number = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                            data={"csrf_token": token, "rating": "abc", "justification": "x"}).get_data(as_text=True)
    said = re.search(r'id="form-problems".*?<ul class="usa-list">(.*?)</ul>', no_number, re.S).group(1)
    assert said.count("<li>") == 1 and "Not a valid integer value" in said and "between" not in said and \
        f'href="#rating-{element_id}"' in said, (
        "one message for a value that is no number, not a range it was never in")
    done = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                       data={"csrf_token": token, "rating": "1", "justification": "Missed every milestone."})
    assert done.status_code == 302
    with demo.app_context():
        assert db.session.scalar(sa.select(ElementRating.confirmed_rating).where(
            ElementRating.element_id == element_id)) == 1
    again = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    rating_box = re.search(rf'<input[^>]*id="rating-{element_id}"[^>]*>', again).group()
    assert 'value="1"' in rating_box, "the form shows the decision, not the proposal it overrode"
    # the browser's own check (a bubble, nothing at the field, nothing announced) left out: these messages are said
    form = re.search(rf'<form[^>]*/elements/{element_id}/decision"[^>]*>', again).group()
    assert "novalidate" in form and 'autocomplete="off"' in form, form
    assert "Missed every milestone.</textarea>" in again
    decided = re.search(rf'id="element-{element_id}".*?Decided: (.*?)</p>', again, re.S).group(1)
    assert "by you on" in decided, f"who decided is named: {decided}"
    with demo.app_context():
        as_admin = demo.test_client(user=user("admin"))
    theirs = re.search(rf'id="element-{element_id}".*?Decided: (.*?)</p>',
                       as_admin.get(f"/plans/{plan_id}").get_data(as_text=True), re.S).group(1)
    assert "by executive-0@plans.gov on" in theirs, f"another reader reads who decided: {theirs}"
    assert client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                       data={"rating": "3", "justification": "x"}).status_code == 400  # no CSRF token


def test_a_decision_recorded_since_the_page_was_opened_is_never_overwritten_unseen(demo):
    """Two rating officials open one plan; one records an override with its justification. The other's
    form, sent as it was opened, replaced it (the proposed rating needs no justification); and a form
    sent twice recorded two decisions. Now the second official is shown the first's decision (409) and
    nothing of theirs is recorded; a form sent twice records once."""
    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [2] * 50)
        plan_id, element_id = plan.id, plan.elements[0].id
        admin, executive = demo.test_client(user=user("admin")), demo.test_client(user=user("executive"))
    seen_by_admin = admin.get(f"/plans/{plan_id}").get_data(as_text=True)
    seen_by_executive = executive.get(f"/plans/{plan_id}").get_data(as_text=True)
    url = f"/plans/{plan_id}/elements/{element_id}/decision"

    def form(page: str, **fields) -> dict:
        opened = re.search(rf'action="{url}".*?name="replaces" value="([^"]*)"', page, re.S).group(1)
        return {"csrf_token": csrf_token(page), "replaces": opened, **fields}

    overridden = form(seen_by_admin, rating="5", justification="Exceptional work documented in Q3 review")
    assert admin.post(url, data=overridden).status_code == 302
    late = executive.post(url, data=form(seen_by_executive, rating="2", justification=""))
    text = html.unescape(late.get_data(as_text=True))
    assert late.status_code == 409, text[:300]
    assert "Since you opened this page, admin-0@plans.gov recorded a rating of 5" in text
    assert "Exceptional work documented in Q3 review" in text and "Your rating of 2 was not recorded" in text
    with demo.app_context():
        assert db.session.scalars(sa.select(ElementRating.confirmed_rating).where(
            ElementRating.element_id == element_id)).all() == [5], "the override stands"
    fresh = executive.get(f"/plans/{plan_id}").get_data(as_text=True)  # read theirs, decide again
    again = form(fresh, rating="4", justification="Strong year")
    assert executive.post(url, data=again).status_code == 302
    twice = executive.post(url, data=again)  # the same form sent again (a double click, the back button)
    assert twice.status_code == 303 and twice.headers["Location"].endswith(f"/plans/{plan_id}")
    with demo.app_context():
        assert db.session.scalars(sa.select(ElementRating.confirmed_rating).where(
            ElementRating.element_id == element_id).order_by(ElementRating.id)).all() == [5, 4], "recorded once"

def test_decisions_sent_at_the_same_moment_record_one(demo):
    """Two officials (or one double click) sending decisions on one element at once: each checked that
    nothing was decided since the page opened before the other's was committed, and both were recorded
    (the row lock a SELECT ... FOR UPDATE takes does nothing on SQLite). One is recorded; the others
    are shown it (409), or, the same form sent again, told it is recorded."""
    import threading

    from tests.helpers import at_once

    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [2] * 50)
        plan_id, element_id = plan.id, plan.elements[1].id
        officials = [user("admin"), user("executive")]
        clients = [demo.test_client(user=officials[i % 2]) for i in range(4)]
    url = f"/plans/{plan_id}/elements/{element_id}/decision"
    pages = [client.get(f"/plans/{plan_id}").get_data(as_text=True) for client in clients]
    answers, lock, queue = [], threading.Lock(), list(enumerate(clients))

    def send():
        with lock:
            i, client = queue.pop()
        answer = client.post(url, data={"csrf_token": csrf_token(pages[i]), "replaces": "", "rating": str(1 + i),
                                        "justification": f"Decision {i}"})
        with lock:
            answers.append(answer.status_code)
    at_once(send, len(clients))
    assert sorted(answers) == [302, 409, 409, 409], answers
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).where(
            ElementRating.element_id == element_id)) == 1

def test_who_sees_which_plan(demo):
    with demo.app_context():
        linked = sa.select(User.leader_id).where(User.leader_id.is_not(None))
        plan = db.session.scalar(sa.select(PerformancePlan).join(Leader).where(
            Leader.id.not_in(linked), Leader.function_id.is_not(None)).order_by(PerformancePlan.id))
        leader = plan.leader
        other = db.session.scalar(sa.select(PerformancePlan).join(Leader).where(Leader.id != leader.id,
                                  Leader.function_id != leader.function_id))
        own_leader = user("leader", leader_id=leader.id)
        officer = user("officer", function_id=leader.function_id) if leader.function_id else None
        viewer, analyst = user("viewer"), user("analyst")
        plan_id, other_id = plan.id, other.id
        findings = propose(db.session, plan, [4] * 50)
        finding_id = findings[0].id
        as_leader = demo.test_client(user=own_leader)
        as_officer = demo.test_client(user=officer) if officer else None
        as_viewer = demo.test_client(user=viewer)
        as_analyst = demo.test_client(user=analyst)
    assert as_leader.get(f"/plans/{plan_id}").status_code == 200
    assert as_leader.get(f"/plans/{other_id}").status_code == 404
    assert as_leader.get(f"/findings/{finding_id}").status_code == 200
    assert as_leader.post(f"/plans/{plan_id}/elements/1/decision").status_code in (400, 403)
    listing = as_leader.get("/plans/").get_data(as_text=True)
    assert f"/plans/{plan_id}" in listing and f"/plans/{other_id}\"" not in listing
    if as_officer:
        assert as_officer.get(f"/plans/{plan_id}").status_code == 200
        assert as_officer.get(f"/plans/{other_id}").status_code == 404
    assert as_viewer.get(f"/plans/{plan_id}").status_code == 403
    assert as_viewer.get("/plans/").status_code == 403
    assert as_viewer.get(f"/findings/{finding_id}").status_code == 404
    assert as_analyst.get(f"/plans/{other_id}").status_code == 200
    token = csrf_token(as_analyst.get(f"/plans/{plan_id}").get_data(as_text=True))
    assert as_analyst.post(f"/plans/{plan_id}/elements/1/decision",
                           data={"csrf_token": token, "rating": "3"}).status_code == 403
    assert demo.test_client().get(f"/plans/{plan_id}").status_code in (302, 401)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_ratings_has_exactly_the_columns(demo, tmp_path, runner, suffix):
    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [4] * 50)
        decide(db.session, plan.elements[0], 5, "strong year", user("executive"))
        fy, leader, plan_id = plan.fiscal_year, plan.leader.name, plan.id
        email, component = plan.leader.email, plan.leader.unit
        official = db.session.scalar(sa.select(User.email).join(ElementRating, ElementRating.decided_by_id == User.id)
                                     .where(ElementRating.element_id == plan.elements[0].id))
        agency = plan.leader.component.agency.name if plan.leader.component else ""
        plans = db.session.scalar(sa.select(sa.func.count()).select_from(PerformancePlan).where(
            PerformancePlan.fiscal_year == fy))
    out = tmp_path / f"ratings{suffix}"
    result = runner.invoke(args=["export", "ratings", "--out", str(out), "--fy", f"FY{fy}"])
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        with out.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    else:
        sheet = openpyxl.load_workbook(out).active
        rows = [[("" if c is None else str(c)) for c in r] for r in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == RATING_COLUMNS
    mine = [r for r in rows[1:] if r[4] == str(plan_id)]
    assert mine[0][8] in ("4", "") and mine[0][9] == "5" and mine[0][5] == f"FY{fy}"
    # who the row is of, beyond a name two leaders may share: their e-mail, their component, its agency and the
    # plan's id, each in a column of its own (a filter on a component finds every row of it)
    assert mine[0][:5] == [leader, email, component, agency, str(plan_id)]
    # the decision with the proposal it answered, who made it, when and why; an element not decided has none
    assert mine[0][10:14] == ["4", official, mine[0][12], "strong year"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", mine[0][12]), mine[0][12]
    assert all(row[9:14] == ["", "", "", "", ""] for row in mine[1:] if row[9] == ""), mine[1:]
    assert len({r[4] for r in rows[1:]}) == plans
    bad = runner.invoke(args=["export", "ratings", "--out", str(out), "--fy", "next year"])
    assert bad.exit_code != 0 and "not a fiscal year" in bad.output


def test_the_ratings_export_reads_plans_in_a_fixed_number_of_queries(demo):
    """Each plan's findings, decisions and commitments were three queries a plan: 6,000 for an agency's
    2,000 plans. The rows are the plans' views as their pages show them."""
    from scorecard.plans.export import rating_rows
    from scorecard.plans.services import plan_view

    statements = []

    def count(connection, cursor, statement, *rest):
        statements.append(statement)
    with demo.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            rows = list(rating_rows(db.session))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        plans = db.session.scalar(sa.select(sa.func.count()).select_from(PerformancePlan))
        assert plans > 100 and len(statements) <= 12, (plans, len(statements))
        plan = db.session.scalars(sa.select(PerformancePlan).order_by(PerformancePlan.id)).first()
        view = plan_view(db.session, plan)
        mine = [r for r in rows if r[4] == plan.id]
        agency = plan.leader.component.agency.name if plan.leader.component else None
        assert [r[:6] for r in mine] == [(plan.leader.name, plan.leader.email, plan.leader.unit, agency, plan.id,
                                          f"FY{plan.fiscal_year}")] * len(view.elements)
        assert [r[6:10] + r[14:] for r in mine] == [
            (e.element.name, e.element.weight, e.proposed, e.confirmed, view.decided_summary.score,
             view.decided_summary.level, view.summary.score, view.summary.level) for e in view.elements]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_ratings_export_gives_no_summary_rating_before_every_element_is_decided(demo, tmp_path, runner, suffix):
    """A plan with an element undecided has no summary rating: the export's summary columns are blank, as the
    plans list, the leaders dashboard and the API's `summary` give it; the projection the plan's page shows
    (decisions where made, the rules' proposals otherwise) is in columns of its own. It read as the rating."""
    with demo.app_context():
        plan = a_plan(db.session)
        propose(db.session, plan, [4] * 50)
        official = user("executive")
        for element in plan.elements[:-1]:
            decide(db.session, element, 4, "a steady year", official)
        fy, leader, elements, official_id = plan.fiscal_year, plan.leader.name, len(plan.elements), official.id
    out = tmp_path / f"ratings{suffix}"

    def exported() -> list[dict]:
        assert runner.invoke(args=["export", "ratings", "--out", str(out), "--fy", f"FY{fy}"]).exit_code == 0
        if suffix == ".csv":
            with out.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.DictReader(handle))
        else:
            head, *body = [["" if c is None else str(c) for c in r]
                           for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
            rows = [dict(zip(head, r)) for r in body]
        return [r for r in rows if r["leader"] == leader]
    mine = exported()
    assert len(mine) == elements and mine[-1]["confirmed_rating"] == ""
    assert {(r["summary_score"], r["summary_level"]) for r in mine} == {("", "")}
    assert {(r["projected_summary_score"], r["projected_summary_level"]) for r in mine} == {("400", "4")}
    with demo.app_context():
        decide(db.session, db.session.get(PerformancePlan, plan.id).elements[-1], 4, "a steady year",
               db.session.get(User, official_id))
    assert {(r["summary_score"], r["summary_level"]) for r in exported()} == {("400", "4")}


def test_export_neutralises_formula_names(demo, tmp_path):
    with demo.app_context():
        plan = a_plan(db.session)
        plan.leader.name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
        export_ratings(db.session, tmp_path / "r.csv", plan.fiscal_year)
    text = (tmp_path / "r.csv").read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_a_rating_official_does_not_rate_their_own_plan(demo):
    """An executive whose account is linked to a leader sees their own plan and has no form on it; a
    decision posted anyway is refused (403), and decide() refuses it too: their own official rates it."""
    with demo.app_context():
        linked = sa.select(User.leader_id).where(User.leader_id.is_not(None))
        plan = db.session.scalar(sa.select(PerformancePlan).where(PerformancePlan.elements.any(),
                                                                  PerformancePlan.leader_id.not_in(linked))
                                 .order_by(PerformancePlan.id))
        propose(db.session, plan, [3] * 50)
        plan_id, element = plan.id, plan.elements[0]
        official = user("executive", leader_id=plan.leader_id)
        with pytest.raises(PermissionError, match="does not rate their own plan"):
            decide(db.session, element, 5, "I was great.", official)
        element_id = element.id
        client = demo.test_client(user=official)
        other = db.session.scalar(sa.select(PerformancePlan.id).where(PerformancePlan.leader_id != plan.leader_id))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"/plans/{plan_id}/elements/{element_id}/decision" not in page
    assert page.count("A rating official does not rate their own plan: their own rating official decides it.") == 1
    refused = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                          data={"csrf_token": csrf_token(page), "rating": "5", "justification": "I was great."})
    assert refused.status_code == 403 and "does not rate their own plan" in refused.get_data(as_text=True)
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).where(
            ElementRating.element_id == element_id)) == 0, "nothing recorded"
    assert f"/plans/{other}/elements/" in client.get(f"/plans/{other}").get_data(as_text=True), (
        "another leader's plan: the official rates it")


def test_a_decision_whose_proposal_has_changed_since_says_so(demo):
    """The rules' proposal moves with the data and the published rules; a decision keeps the proposal it
    answered, and the page says when the two differ (a confirmation reads as an unexplained override otherwise)."""
    with demo.app_context():
        plan = a_plan(db.session)
        findings = propose(db.session, plan, [4] * 50)
        official = user("executive")
        decide(db.session, plan.elements[0], 4, "", official)  # confirms the proposal: no justification needed
        requirements = {r.id for r in plan.elements[0].requirements}
        for finding in findings:
            if finding.subject_id in requirements:
                finding.rating = 2
        db.session.commit()
        plan_id = plan.id
        client = demo.test_client(user=official)
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    moved = re.search(r'<p class="proposal-moved">(.*?)</p>', page, re.S).group(1)
    assert ("The decision answered a proposal of\n    4 (Exceeds Fully Successful); the rules now propose\n"
            "    2 (Minimally Satisfactory)") in moved, moved
    assert page.count('class="proposal-moved"') == 1, "only the element whose proposal moved"


def _plan_and_linked_commitment():
    """A plan whose requirement names a function, and that function's first commitment (the plan page lists it)."""
    from scorecard.models import Commitment, PlanRequirement

    requirement = db.session.scalar(sa.select(PlanRequirement).where(PlanRequirement.function_id.is_not(None))
                                    .order_by(PlanRequirement.id))
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.function_id == requirement.function_id)
                                   .order_by(Commitment.id))
    return requirement.element.plan_id, commitment


def _linked_item(page: str, commitment_id: int) -> str:
    """The plan page's line of a linked commitment, as words."""
    item = page[page.index(f'href="/commitments/{commitment_id}"'):]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", item[:item.index("</li>")])).split())


def test_a_plans_linked_commitment_past_its_due_date_reads_overdue_as_on_its_own_page(demo):
    """The plan page said "on track, due 2026-11-19" of a commitment its own page, the list and the
    dashboards call "overdue by 12 days"."""
    from datetime import timedelta

    from scorecard.clock import agency_today
    from scorecard.models import CommitmentStatus

    with demo.app_context():
        plan_id, late = _plan_and_linked_commitment()
        late.status, late.due_date = CommitmentStatus.on_track, agency_today() - timedelta(days=12)
        db.session.commit()
        cid, due = late.id, late.due_date.isoformat()
        client = demo.test_client(user=user("executive"))
    item = _linked_item(client.get(f"/plans/{plan_id}").get_data(as_text=True), cid)
    assert f": on track, due {due}, overdue by 12 days, last updated" in item, item
    shown = client.get(f"/commitments/{cid}").get_data(as_text=True)
    assert "overdue by 12 days" in shown, "the commitment's own page says the same"


def test_a_plans_linked_commitment_never_updated_does_not_read_as_updated(demo):
    """A commitment no one had updated read "last updated 2026-10-01" on the plan page: the day it was
    set, as if someone had updated it then. Its own page says "never (created ...)"."""
    from datetime import UTC, datetime

    with demo.app_context():
        plan_id, never = _plan_and_linked_commitment()
        never.last_update_at, never.created_at = None, datetime(2026, 10, 1, 12, tzinfo=UTC)
        db.session.commit()
        cid = never.id
        client = demo.test_client(user=user("executive"))
    item = _linked_item(client.get(f"/plans/{plan_id}").get_data(as_text=True), cid)
    assert item.endswith("not updated since it was set on 2026-10-01") and "last updated" not in item, item


def test_a_decisions_address_opened_leads_to_its_element_on_the_plan_page(demo):
    """After a refused decision the browser's address is the decision's (it takes only a POST): reloading
    it later, or a bookmark of it, answered 405 with only a link home."""
    with demo.app_context():
        plan = a_plan(db.session)
        plan_id, element_id = plan.id, plan.elements[0].id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    refused = client.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                          data={"csrf_token": csrf_token(page), "rating": "1", "justification": " "})
    assert refused.status_code == 422
    opened = client.get(f"/plans/{plan_id}/elements/{element_id}/decision")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/plans/{plan_id}#element-{element_id}")
    gone = client.get(f"/plans/{plan_id}/elements/999999/decision")
    assert gone.status_code == 303 and gone.headers["Location"].endswith(f"/plans/{plan_id}")
    assert client.get(f"/plans/999999/elements/{element_id}/decision").status_code == 404
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).where(
            ElementRating.element_id == element_id)) == 0, "opening it records nothing"


def test_a_decision_on_a_year_that_has_ended_says_it_changes_a_completed_rating(demo, monkeypatch):
    """A rating official could change last year's final rating, after the year ended, without a word: the
    page and the decision's confirmation say the year has ended (it may be a correction: not refused)."""
    from datetime import UTC, datetime

    from scorecard import clock

    with demo.app_context():
        plan = a_plan(db.session)
        plan_id, element_id, fy = plan.id, plan.elements[0].id, plan.fiscal_year
        official, admin = demo.test_client(user=user("executive")), demo.test_client(user=user("admin"))
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(fy, 9, 30, 12, tzinfo=UTC))  # the year's last day
    assert "appraisal year ended" not in official.get(f"/plans/{plan_id}").get_data(as_text=True)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(fy, 10, 2, 12, tzinfo=UTC))
    page = html.unescape(official.get(f"/plans/{plan_id}").get_data(as_text=True))
    said = f"FY{fy}'s appraisal year ended on {fy}-09-30: a decision recorded now changes that completed year's rating"
    assert said in page
    done = official.post(f"/plans/{plan_id}/elements/{element_id}/decision", follow_redirects=True,
                         data={"csrf_token": csrf_token(page), "rating": "3", "justification": "Corrected."})
    assert "Rating for &#39;" in done.get_data(as_text=True) and "this decision changed that completed year&#39;s " \
        "rating" in done.get_data(as_text=True), "recorded, and said to change a completed year"
    assert "appraisal year ended" in admin.get(f"/plans/{plan_id}").get_data(as_text=True), "an admin rates too"


def test_an_element_without_requirements_says_so_under_its_table_headers(demo):
    """An element no requirement was written for showed its table's headers over nothing."""
    with demo.app_context():
        plan = a_plan(db.session)
        element = plan.elements[-1]
        for requirement in list(element.requirements):
            db.session.delete(requirement)
        db.session.commit()
        plan_id, element_id = plan.id, element.id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    section = page[page.index(f'id="element-{element_id}"'):]
    assert section.index("No requirements are written for this element yet.") < section.index("</table>")


def test_a_plan_whose_year_has_not_begun_is_not_rated_yet(demo, monkeypatch):
    """A rating official could record next year's ratings before that year began, without a word: the
    plan's page offers no decision until its year begins and says when, and a decision sent anyway (an old
    form, a hand-made request) is refused, recording nothing."""
    from datetime import UTC, datetime

    from scorecard import clock

    with demo.app_context():
        plan = a_plan(db.session)
        plan_id, element_id, fy = plan.id, plan.elements[0].id, plan.fiscal_year
        official = demo.test_client(user=user("executive"))
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(fy - 1, 9, 30, 12, tzinfo=UTC))  # the year before's last day
    page = html.unescape(official.get(f"/plans/{plan_id}").get_data(as_text=True))
    said = f"FY{fy}'s appraisal year begins on {fy - 1}-10-01: its elements are rated once it has begun."
    assert said in page and f"/elements/{element_id}/decision" not in page, "no form, and why"
    refused = official.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                            data={"csrf_token": csrf_token(page), "rating": "3", "justification": "Early."})
    assert refused.status_code == 422 and said in html.unescape(refused.get_data(as_text=True))
    assert "was not recorded" in html.unescape(refused.get_data(as_text=True)), "the refusal is shown with its reason"
    listed = html.unescape(official.get(f"/plans/?year={fy}").get_data(as_text=True))
    assert f"not yet: its year begins on {fy - 1}-10-01" in listed, "the list says why none is decided"
    with demo.app_context():
        from dashboards.pages.leaders import summary
        from dashboards.queries.leaders import leaders

        assert said in summary(leaders(db.session, fy)), "the leaders' page says it too"
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).where(
            ElementRating.element_id == element_id)) == 0, "nothing recorded"
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(fy - 1, 10, 1, 12, tzinfo=UTC))  # its first day
    page = html.unescape(official.get(f"/plans/{plan_id}").get_data(as_text=True))
    assert "appraisal year begins" not in page and f"/elements/{element_id}/decision" in page
    done = official.post(f"/plans/{plan_id}/elements/{element_id}/decision",
                         data={"csrf_token": csrf_token(page), "rating": "3", "justification": "Begun."})
    assert done.status_code == 302, done.get_data(as_text=True)[:300]


def test_a_requirement_two_published_rules_rate_shows_both(demo):
    """A second published rating rule ("everything is a five") silently replaced the data-based proposal on
    the plan's page: the page names the other rule's rating beside the one it shows, with its why-link."""
    with demo.app_context():
        plan = a_plan(db.session)
        based_on_data = propose(db.session, plan, [3] * 50)
        rule = Rule(key="all-fives", title="Everything is a five", subject_type=RuleSubject.requirement)
        version = RuleVersion(rule=rule, version=1, status=RuleStatus.published, definition={})
        fives = [Finding(rule_version=version, subject_type=RuleSubject.requirement, subject_id=f.subject_id,
                         period=f.period, outcome="rating", rating=5, explanation="five", facts={},
                         fingerprint=f"five-{f.subject_id}") for f in based_on_data]
        db.session.add_all(fives)
        db.session.commit()
        plan_id, first, fives_version = plan.id, based_on_data[0], version.id
        requirement_id, rival_id = first.subject_id, first.id
        client = demo.test_client(user=user("executive"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    row = re.search(rf'<tr id="requirement-{requirement_id}">.*?</tr>', page, re.S).group()
    said = re.search(r'<p class="rival-proposals[^"]*">(.*?)</p>', row, re.S).group(1)
    assert "<code>test-bands</code> proposes 3" in said and f'href="/findings/{rival_id}"' in said, said
    assert "The proposal above is <code>all-fives</code>'s, the newest evaluated" in said, said
    with demo.app_context():
        db.session.execute(sa.delete(Finding).where(Finding.rule_version_id == fives_version))
        db.session.commit()
    assert "rival-proposals" not in client.get(f"/plans/{plan_id}").get_data(as_text=True), "one rule: nothing said"


def test_the_plan_list_says_where_each_plans_decisions_stand(demo):
    """The list gave leader, title, year and an element count that read 5 for every plan: a rating official
    opened each plan to find those left to decide. It gives each plan's elements decided and its decided
    summary level (OPM's, as the plan's page and the leaders dashboard compute it)."""
    with demo.app_context():
        plan = a_plan(db.session)
        official = user("executive")
        elements = list(plan.elements)
        for element in elements[:-1]:
            db.session.add(ElementRating(element=element, confirmed_rating=4, decided_by_id=official.id))
        db.session.commit()
        plan_id, count, last = plan.id, len(elements), elements[-1].id
        client = demo.test_client(user=official)

    def row() -> str:
        page = client.get("/plans/").get_data(as_text=True)
        return re.search(rf'<tr><th scope="row"><a class="usa-link" href="/plans/{plan_id}">.*?</tr>', page,
                         re.S).group()
    assert f"<td>{count - 1} of {count}</td>" in row() and "not yet decided" in row(), row()
    assert re.search(r'<span class="usa-sr-only">, [^<,]+, FY\d{4} plan</span></a></th>', row()), (
        "a leader's two years' links read alike out of their row")
    with demo.app_context():
        db.session.add(ElementRating(element_id=last, confirmed_rating=4))
        db.session.commit()
        expected = plan_view(db.session, db.session.get(PerformancePlan, plan_id)).summary.level
    assert f"{count} of {count}</td>" in row() and f"<td>{expected} (" in row(), row()


def test_two_leaders_of_one_name_are_told_apart_on_the_plans_list_and_their_plan_pages(demo):
    """The plans import names two leaders of one name by their e-mail; the list showed two rows "Pat Smith |
    Manager | FY2027" and both plan pages the same heading and line, the id in the address the only difference
    for the rating official about to record a decision. The list names each one's component, and the plan's page
    its component and e-mail."""
    with demo.app_context():
        components = db.session.scalars(sa.select(Component).order_by(Component.id).limit(2)).all()
        plans = []
        for component, email in zip(components, ("pat.smith.one@demo.cx.gov", "pat.smith.two@demo.cx.gov")):
            leader = Leader(name="Pat Smith", email=email, title="Manager", component=component)
            plan = PerformancePlan(leader=leader, fiscal_year=2027)
            db.session.add(plan)
            plans.append((plan, component.name, email))
        db.session.commit()
        seen = [(plan.id, name, email) for plan, name, email in plans]
        client = demo.test_client(user=user("executive"))
    for plan_id, component, email in seen:
        page = client.get(f"/plans/{plan_id}")
        line = re.search(r'<p id="plan-leader">(.*?)element ratings', html.unescape(page.get_data(as_text=True)),
                         re.S).group(1)
        assert page.status_code == 200 and f"Manager · {component} · {email} · " == " ".join(line.split()) + " "
    # both pages (a page past the last shows the last)
    listed = "".join(html.unescape(client.get(f"/plans/?year=2027&page={n}").get_data(as_text=True)) for n in (1, 2))
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r'<tr><th scope="row">.*?</tr>', listed,
                                                                            re.S) if "Pat Smith" in r]
    with demo.app_context():  # a C-suite leader (no component) is named by their function
        deputy = db.session.scalar(sa.select(PerformancePlan).join(Leader).where(
            Leader.component_id.is_(None), Leader.function_id.is_not(None), PerformancePlan.fiscal_year == 2027))
        deputy_id, function = deputy.id, deputy.leader.function.name
    assert function in html.unescape(client.get(f"/plans/{deputy_id}").get_data(as_text=True))
    assert f", {function}, FY2027 plan</span>" in listed
    assert sorted(set(rows)) == sorted(f"Pat Smith , {component}, FY2027 plan Manager {component} FY2027 no elements "
                                  "not yet decided" for _, component, _ in seen), rows


def _answered(page: str, element_id: int) -> str:
    """The words of an element's "what the decision answered" panel on the plan page."""
    section = page[page.index(f'id="element-{element_id}"'):]
    panel = re.search(r'<details class="decision-basis[^>]*>(.*?)</details>', section, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", panel)).split())


def test_a_decision_keeps_the_proposal_it_answered_when_the_findings_move_on(evaluated, demo_today):
    """The rules re-evaluate a finding in place when the data change, and delete a retired rule's: a decision
    kept only the number it answered, so what a confirmed rating rested on could no longer be traced. It keeps
    each requirement's proposal as it stood: its rating, rule version, explanation, the observations read and
    their import batches, on the plan page and in the API."""
    from scorecard.api.tokens import create_token
    from scorecard.models import Observation, Target
    from scorecard.plans.services import PLAN_LOADING, plan_views
    from scorecard.rules.service import evaluate
    from scorecard.rules.store import retire

    with evaluated.app_context():
        plans = db.session.scalars(sa.select(PerformancePlan).options(*PLAN_LOADING)
                                   .order_by(PerformancePlan.fiscal_year.desc(), PerformancePlan.id)).all()
        shown, requirement = next((e, r) for view in plan_views(db.session, plans) for e in view.elements
                                  if e.decision is None and e.proposed is not None for r in e.requirements
                                  if r.finding is not None and any(item.target_id for item in r.finding.inputs)
                                  and any(item.observation_ids for item in r.finding.inputs))
        finding = requirement.finding
        requirement_text = requirement.requirement.text
        then = {"id": finding.id, "rating": finding.rating, "explanation": finding.explanation,
                "rule": finding.rule_version.rule.key, "version": finding.rule_version.version}
        read = {i for item in finding.inputs for i in item.observation_ids or ()}
        batches = sorted(set(db.session.scalars(sa.select(Observation.import_batch_id)
                                                .where(Observation.id.in_(read)))) - {None})
        assert batches, "the proposal read imported observations"
        official = user("executive")
        decide(db.session, shown.element, shown.proposed, "", official)
        plan_id, element_id = shown.element.plan_id, shown.element.id
        # The data move on: the targets the proposal read are raised, and the rules run again.
        for item in finding.inputs:
            if item.target_id:
                target = db.session.get(Target, item.target_id)
                target.target, target.green_at = target.target * 3, target.green_at * 3
        db.session.commit()
        evaluate(db.session, today=demo_today)
        db.session.expire_all()
        now = db.session.get(Finding, then["id"]).explanation
        assert now != then["explanation"], "the engine rewrote the finding in place"
        secret = create_token(db.session, db.session.get(User, official.id), scope="read")[1]
        client = evaluated.test_client(user=official)
    words = _answered(client.get(f"/plans/{plan_id}").get_data(as_text=True), element_id)
    assert then["explanation"] in words, words
    assert now not in words
    assert (f"Proposed {then['rating']}" in words and f"by the rule {then['rule']} version {then['version']}"
            in words), words
    assert f"It read {len(read)} observation" in words and ", ".join(map(str, batches)) in words, words
    assert f"Finding {then['id']} : {requirement_text} has changed since" in words, words
    assert words.count("unchanged since") == words.count("Finding ") - 1, "the others, evaluated again, are the same"

    api = client.get(f"/api/v1/plans/{plan_id}", headers={"Authorization": f"Bearer {secret}"}).get_json()
    kept = next(e for e in api["elements"] if e["id"] == element_id)["decision"]["basis"]
    entry = next(b for b in kept if b["finding_id"] == then["id"])
    assert entry["explanation"] == then["explanation"] and entry["rating"] == then["rating"]
    assert entry["import_batches"] == batches
    assert {i for item in entry["inputs"] for i in item["observation_ids"]} == read

    with evaluated.app_context():  # the rule retired: its findings are deleted; the decision still says what it read
        retire(db.session, then["rule"])
        db.session.commit()
        evaluate(db.session, today=demo_today)  # as the rules page's retire queues it
        assert db.session.get(Finding, then["id"]) is None
    words = _answered(client.get(f"/plans/{plan_id}").get_data(as_text=True), element_id)
    assert then["explanation"] in words and f"Finding {then['id']} has been deleted since" in words, words


@pytest.mark.parametrize("given, said", [
    ("99999999999999999999", "'99999999999999999999' is outside the fiscal years 2000-2100, the years the "
                             "scorecard plans for"),
    ("-1", "'-1' is not a fiscal year (write FY2026 or 2026)"),
    ("٢٠٢٦", "'٢٠٢٦' is not a fiscal year (write FY2026 or 2026)"),
    ("FY2101", "'FY2101' is outside the fiscal years 2000-2100, the years the scorecard plans for")])
def test_the_plans_list_names_a_year_it_cannot_show_and_lists_every_year(demo, given, said):
    """?year=99999999999999999999 was a 500 (too large for the database's integer), -1 a heading "of FY-1" and
    "٢٠٢٦" read as 2026; such a year is named as ignored and every year's plans listed."""
    with demo.app_context():
        client = demo.test_client(user=user("executive"))
    every = html.unescape(client.get("/plans/").get_data(as_text=True))
    page = client.get("/plans/", query_string={"year": given})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and f"The filter was ignored: Fiscal year: {said}." in text
    assert "Plans you may see, newest" in text and text.count("<tr><th") == every.count("<tr><th") > 0
    assert "FY2026" in client.get("/plans/", query_string={"year": "FY26"}).get_data(as_text=True)


@pytest.mark.parametrize("typed", ["FY-2026", "FY_2026", "2026.0", "Fiscal Year 2026", "FY26", "fy 2026", " 2026 "])
def test_a_fiscal_year_is_read_alike_by_the_plans_list_the_command_line_and_the_imports(demo, tmp_path, typed):
    """FY-2026 was read by the imports and refused by the command line and the plans list, "26" the other way
    round: one reading (periods.read_planned_year) for every way in."""
    from importers.formats.reference_formats import to_fiscal_year

    assert to_fiscal_year(typed) == 2026
    with demo.app_context():
        client = demo.test_client(user=user("executive"))
    listed = html.unescape(client.get("/plans/", query_string={"year": typed}).get_data(as_text=True))
    assert "Plans you may see of FY2026" in listed and "The filter was ignored" not in listed
    out = tmp_path / "ratings.csv"
    done = demo.test_cli_runner().invoke(args=["export", "ratings", "--out", str(out), "--fy", typed])
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8-sig") as written:
        assert {row["fy"] for row in csv.DictReader(written)} == {"FY2026"}
