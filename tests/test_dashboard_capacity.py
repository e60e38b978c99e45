"""The capacity dashboard: the queries on the agency tests/test_dashboard_functions.py builds
(components × domains for a fiscal year, the change from the year before, the rules' evidence
score, each domain's action plan, the links each role may follow), the page as each role sees it
with its year in the URL, its downloads, and hostile years posted to its callbacks."""
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboards.queries import capacity as queries
from dashboards.queries import common
from scorecard.extensions import db
from scorecard.models import CommitmentStatus, Role
from scorecard.models.capacity import CapacityStatus
from tests.test_dashboard_functions import (
    TODAY,
    URL,
    answer,
    body,
    build,
    downloaded,
    hrefs,
    ids,
    of,
    page,
    shown_rows,
    user,
)


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


# ------------------------------------------------------------------------------ the queries

def test_components_by_domain_with_the_change_and_the_evidence(world):
    found = queries.capacity(db.session, TODAY)
    assert found.fiscal_year == 2027 and found.years == [2027, 2026]
    assert [(r.component, r.status) for r in found.rows] == [("Bureau One", "draft"), ("Bureau Two", "draft")]
    one, two = found.rows
    assert found.domains == [c.domain for c in one.cells] and len(found.domains) == 5
    measurement, governance, *_, design = one.cells
    assert (measurement.score_words, measurement.previous, measurement.change) == ("5 of 7", 3, 2)
    assert measurement.change_words == "up 2 from 3 in FY2026"
    assert governance.change_words == "no change from FY2026 (4)"
    assert (design.score_words, design.change) == ("not scored", None)
    assert design.change_words == "not scored yet (FY2026: 4)"
    assert (measurement.evidence_score, measurement.evidence_period, measurement.finding_id) == (
        0.5, "FY2027-Q1", world["evidence"].id)
    assert measurement.evidence_words == "50%", "the rule scores a share: not '0.50' beside a 1-7 self-score"
    assert measurement.evidence_explanation == "1 of 2 Bureau One programs reported."
    assert governance.finding_id is None
    assert one.href == f"/capacity/{world['components'][0].id}/2027"
    assert one.total_words == "17 of 35 (4 of 5 domains scored)"
    assert one.total_change_words == "FY2026 total: 18 (not comparable yet: 1 domain not scored)", (
        "the capacity page's reason, not a vaguer one of the dashboard's own")
    assert (two.total_words, two.total_change_words) == ("10 of 35", "no FY2026 assessment")
    assert two.cells[0].change_words == "no FY2026 score"


def test_a_domain_not_scored_this_year_is_not_called_another_scale_in_the_figure(world):
    """The figure's cell of a domain not scored yet said "other scale" under "not scored", though both years
    are on 1-7: it read any change it could not work out as a change of scale."""
    from dashboards.figures.capacity import capacity_figure

    found = queries.capacity(db.session, TODAY)
    text = capacity_figure(found)["data"][0]["text"]
    design = text[0][-1]
    assert design.startswith("<b>not scored</b><br>FY2026: 4<br>") and "other scale" not in design, design
    assert text[0][0].startswith("<b>5 of 7</b><br>up 2<br>") and "no FY2026 score" in text[1][0]


def test_each_domain_lists_its_action_plan(world):
    one, two = queries.capacity(db.session, TODAY).rows
    measurement = one.cells[0]
    assert [(a.title, a.function, a.status_word) for a in measurement.actions] == [
        ("Digital intake", "CIO", "at risk"), ("Measure every quarter", "CFO", "on track")], (
        "linked by the component itself or one of its programs")
    assert measurement.action_words == "2: 1 at risk, 1 on track"
    assert all(cell.actions == [] for cell in one.cells[1:]) and all(c.actions == [] for c in two.cells)
    assert one.cells[1].action_words == "none"


def test_an_open_action_past_its_due_date_is_overdue_as_on_the_function_pages(world):
    from dashboards.pages.capacity import actions_table

    made = world["commitments"]
    made["Measure every quarter"].due_date = TODAY - timedelta(days=5)
    made["Digital intake"].due_date = TODAY  # due today: not yet overdue
    db.session.commit()
    measurement = queries.capacity(db.session, TODAY).rows[0].cells[0]
    assert [(a.title, a.overdue_days) for a in measurement.actions] == [
        ("Measure every quarter", 5), ("Digital intake", None)]
    assert measurement.action_words == "2: 1 on track, 1 at risk (1 overdue)"
    table = actions_table(queries.capacity(db.session, TODAY))
    due = {row["title"]: (row["due"], row["overdue"]) for row in table.rows}
    # a commitment is not kept per fiscal year: the table says its statuses are today's, for any year chosen
    assert "as they stand today" in table.caption and "as of the FY" not in table.caption
    assert due == {"Measure every quarter": (TODAY - timedelta(days=5), 5), "Digital intake": (TODAY, None)}
    # a date column and a count: "2026-11-18, overdue by 12 days" in one cell was text to a spreadsheet
    assert [table.columns[-2].text(TODAY), table.columns[-1].text(5), table.columns[-1].text(None)] == [
        TODAY.isoformat(), "5", "—"]
    assert [c.header for c in table.columns[-2:]] == ["Due", "Days overdue"]
    made["Measure every quarter"].status = CommitmentStatus.complete  # done late is not overdue
    db.session.commit()
    assert queries.capacity(db.session, TODAY).rows[0].cells[0].action_words == "2: 1 complete, 1 at risk"


def test_the_summary_counts_each_action_plan_commitment_once(world):
    from dashboards.pages.capacity import summary

    found = queries.capacity(db.session, TODAY)
    one, two = found.rows
    assert summary(found).endswith("; 2 action-plan commitments.")
    two.cells[0].actions = list(one.cells[0].actions)  # the same two reach the other component too
    assert summary(found).endswith("; 2 action-plan commitments."), "a commitment reaching two components is one"
    found.rows = [one]
    one.cells[0].actions = one.cells[0].actions[:1]
    assert summary(found).startswith(f"FY{found.fiscal_year}: 1 component (")
    assert summary(found).endswith("; 1 action-plan commitment.")


def test_an_earlier_year_and_a_year_without_assessments(world):
    found = queries.capacity(db.session, TODAY, 2026)
    assert [(r.component, r.status) for r in found.rows] == [("Bureau One", "submitted")]
    assert found.rows[0].cells[0].change_words == "no FY2025 score"
    assert found.rows[0].cells[0].finding_id is None, "the evidence finding is the FY2027 score's"
    assert queries.capacity(db.session, TODAY, 2028).rows[0].status == "not started", "FY2027's components, not started"
    assert queries.capacity(db.session, TODAY, 2031).rows == []


def test_each_role_opens_the_action_items_it_may_see(world):
    made = world["commitments"]

    def linked(scope) -> set:
        found = queries.capacity_for(db.session, scope, TODAY)
        return {a.href for r in found.rows for c in r.cells for a in c.actions if a.href}
    both = {f"/commitments/{made['Digital intake'].id}", f"/commitments/{made['Measure every quarter'].id}"}
    for role in (Role.admin, Role.executive, Role.analyst):
        assert linked(common.Scope(role)) == both
    assert linked(common.Scope(Role.officer, function_id=world["functions"]["CFO"].id)) == {
        f"/commitments/{made['Measure every quarter'].id}"}
    assert linked(common.Scope(Role.leader, leader_id=world["leaders"]["director"].id)) == set()
    assert linked(common.Scope(Role.viewer)) == set()
    viewer = queries.capacity_for(db.session, common.Scope(Role.viewer), TODAY)
    assert len(viewer.rows[0].cells[0].actions) == 2, "the viewer sees the action plan, without the links"


def test_without_assessments(app):
    with app.app_context():
        found = queries.capacity(db.session, TODAY)
        assert (found.fiscal_year, found.years, found.rows) == (None, [], [])


# ------------------------------------------------------------------------------ the page

ROLES = [("admin", None), ("executive", None), ("analyst", None), ("officer", "CFO"), ("officer", "GC"),
         ("leader", None), ("viewer", None)]


@pytest.mark.parametrize("role, function", ROLES, ids=[f"{r}-{f or ''}" for r, f in ROLES])
def test_the_page_links_each_component_and_what_the_role_may_open(app, role, function):
    with app.app_context():
        known = ids(build(db.session))
    client = user(app, role, function=function, leader="director" if role == "leader" else None)
    assert "CX capacity by component" in json.dumps(page(client, "/dashboards/capacity"))
    shown = answer(client, body("capacity-table.children", {"capacity-year.value": None}, "capacity-year.value"))
    words = json.dumps(shown, ensure_ascii=False)
    for expected in ("Bureau One", "Bureau Two", "up 2 from 3 in FY2026", "evidence: 50%", "Measure every quarter",
                     "Digital intake", "1 of 2 Bureau One programs reported.", "17 of 35 (4 of 5 domains scored)"):
        assert expected in words, expected
    links = hrefs(shown)
    one, two = known["components"]
    assert of("capacity", links) == {f"/capacity/{one}/2027", f"/capacity/{two}/2027"}
    assert of("findings", links) == {f"/findings/{known['evidence']}"}, "evidence findings are agency data"
    c = known["commitments"]
    expected = {"officer-CFO": {f"/commitments/{c['Measure every quarter']}"}, "officer-GC": set(), "leader": set(),
                "viewer": set()}.get(f"{role}-{function}" if function else role, {
                    f"/commitments/{c['Measure every quarter']}", f"/commitments/{c['Digital intake']}"})
    assert of("commitments", links) == expected


def test_the_year_is_read_from_and_written_to_the_url(app):
    with app.app_context():
        build(db.session)
    client = user(app, "executive")
    routed = page(client, "/dashboards/capacity", "?year=FY2026")
    assert year_chosen(routed) == "2026"
    assert year_chosen(page(client, "/dashboards/capacity", "?year=2027")) == "2027"
    refused = page(client, "/dashboards/capacity", "?year=1066")
    assert year_chosen(refused) == "2026", "a refused year: the year the page opens on"
    assert year_chosen(page(client, "/dashboards/capacity")) == "2026", (
        "FY2027 is drafts only: the page opens on FY2026, the newest year a component has submitted")
    written = answer(client, body("dashboards-capacity-url.search", {
        "dashboards-capacity-url.search": "", "dashboards-capacity-url.pathname": "/dashboards/capacity",
        "capacity-year.value": "2026"}, "capacity-year.value"))
    assert written["dashboards-capacity-url"]["search"] == "?year=2026"
    shown = answer(client, body("capacity-table.children", {"capacity-year.value": "2026"}, "capacity-year.value"))
    words = json.dumps(shown)
    assert "Bureau One" in words and "Bureau Two" not in words and "/capacity/" in words


def year_chosen(answered: dict) -> str:
    """The fiscal year control's value in a page's layout."""
    found = re.search(r'"id": "capacity-year"[^{}]*?"value": "(\d+)"|"value": "(\d+)"[^{}]*?"id": "capacity-year"',
                      json.dumps(answered))
    return found.group(1) or found.group(2)


def test_the_page_opens_on_the_newest_submitted_year_and_names_the_years_of_drafts(world):
    from dashboards.pages.capacity import summary
    from scorecard.models import CapacityAssessment

    assert queries.opening_year(db.session) == 2026, "FY2027 is drafts only"
    opened = queries.capacity(db.session, TODAY, 2026)
    assert opened.drafting == [2027]
    assert summary(opened).endswith("FY2027 is being drafted (no component has submitted it yet): choose FY2027 "
                                    "above to see the drafts.")
    assert "drafted" not in summary(queries.capacity(db.session, TODAY, 2027)), "the drafts' own year"
    for assessment in db.session.query(CapacityAssessment).filter_by(fiscal_year=2027):
        assessment.status = CapacityStatus.submitted
        break
    db.session.commit()
    assert queries.opening_year(db.session) == 2027, "one component has submitted FY2027: it opens there"
    assert "drafted" not in summary(queries.capacity(db.session, TODAY, 2026))


def test_an_assessment_submitted_before_its_year_begins_does_not_move_the_page_to_that_year(world):
    """One component's FY2028 assessment, submitted during FY2027, made the page open on FY2028 (a year of
    components not started) and no longer name FY2027's drafts. It opens on the newest year that has begun
    with a submission, and names the later years."""
    from dashboards.pages.capacity import summary
    from scorecard.models import CapacityAssessment, Component

    component = db.session.scalars(sa.select(Component).order_by(Component.id)).first()
    db.session.add(CapacityAssessment(component=component, fiscal_year=2028, status=CapacityStatus.submitted))
    db.session.commit()
    assert queries.opening_year(db.session, today=TODAY) == 2026, "FY2027 drafts only; FY2028 not begun"
    opened = queries.capacity(db.session, TODAY, 2026)
    assert (opened.drafting, opened.early) == ([2027], {2028: 1})
    assert summary(opened).endswith("FY2027 is being drafted (no component has submitted it yet); FY2028 (1 "
                                    "component submitted early) has not begun: choose one above to see its "
                                    "assessments.")
    assert queries.opening_year(db.session, today=TODAY.replace(year=2027, month=10, day=1)) == 2028, "begun"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_downloads_write_exactly_the_tables_shown(app, kind):
    with app.app_context():
        evidence_id = build(db.session)["evidence"].id
    client = user(app, "viewer")
    values = {"capacity-year.value": "2027"}
    shown = answer(client, body("capacity-table.children", values, "capacity-year.value"))
    for table_id, first, count in (("capacity-table", "Component", 10),
                                   ("capacity-components", "Component (assessment)", 2),
                                   ("capacity-actions", "Commitment", 2)):
        html = re.search(r"<table.*?</table>", json.dumps(shown[table_id])).group(0)
        rows = downloaded(client, table_id, kind, values)
        assert rows[0][0] == first and len(rows) - 1 == shown_rows(html) == count, table_id
    scores = downloaded(client, "capacity-table", kind, values)
    header = scores[0]
    measurement = scores[1]
    assert measurement[:4] == ["Bureau One", "draft", "Measurement", "5 of 7"]
    assert measurement[header.index("Change")] == "up 2 from 3 in FY2026"
    assert measurement[header.index("Rules' evidence score")] == "50%", "a share, not 0.50 beside a 1-7 score"
    assert measurement[header.index("Why")] == f"finding {evidence_id}", "which finding, not a word"


def test_hostile_years_answer_400_naming_the_input(app):
    client = user(app, "viewer")
    for value in ("FY20x", "1999", 2101, True, 2026.5, ["2027"], {"year": 2027}, "٢٠٢٧", "2027 ", "FY2027-Q1"):
        for writes, extra in (("capacity-table.children", {}), ("capacity-actions-download.data",
                                                                {"capacity-actions-xlsx.n_clicks": 1})):
            response = client.post(URL, json=body(writes, {"capacity-year.value": value, **extra},
                                                  "capacity-year.value"))
            assert response.status_code == 400, (value, response.get_data(as_text=True)[:200])
            assert response.get_json()["detail"].startswith("capacity-year.value: ")
    empty = client.post(URL, json=body("capacity-table.children", {"capacity-year.value": "2099"},
                                       "capacity-year.value"))
    assert empty.status_code == 200 and "No capacity assessment for FY2099" in empty.get_data(as_text=True)


def test_the_summary_says_how_many_hisp_components_have_no_assessment(world):
    """A new agency's page read "FY2027: 1 component (1 submitted)" while 26 more had none, unsaid."""
    from dashboards.pages.capacity import summary
    from scorecard.models import Component

    agency = db.session.get(Component, queries.capacity(db.session, TODAY).rows[0].component_id).agency
    db.session.add_all([Component(agency=agency, code="NEW-H", name="New HISP office", is_hisp=True),
                        Component(agency=agency, code="NEW-N", name="New office, no HISP", is_hisp=False)])
    db.session.commit()
    found = queries.capacity(db.session, TODAY)
    year = found.fiscal_year
    assert found.unassessed == 1, "the HISP's, not the other component's"
    assert summary(found).endswith(f"; 2 action-plan commitments. 1 more HISP component has no assessment for "
                                   f"FY{year} or FY{year - 1}.")
