"""The leaders dashboard: the queries on the agency tests/test_dashboard_functions.py builds
(leaders with CX requirements, proposals beside decisions, elements at risk, undecided plans,
summary levels, the filters, the links each role may follow), the page as each role sees it with
its filters in the URL, its downloads, and hostile values posted to its callbacks."""
import json
import re
from dataclasses import replace

import pytest

from dashboards.queries import common
from dashboards.queries import leaders as queries
from dashboards.queries.overview import leaders_below
from scorecard.extensions import db
from scorecard.models import Agency, Component, ElementRating, Role
from scorecard.selection import ProgramFilter
from tests.test_dashboard_functions import (
    URL,
    answer,
    body,
    build,
    cx_requirement,
    downloaded,
    hrefs,
    ids,
    of,
    page,
    rating_finding,
    shown_rows,
    user,
)
from tests.test_dashboard_pages import text, walk

FILTERS = ("leaders-year.value", "leaders-component.value", "leaders-function.value", "leaders-agency.value")


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


def decide(session, plan, ratings: list[int]) -> None:
    """A rating official's decision on each element of `plan`, in order, beside the proposal it answers (as
    plans.services.decide records it)."""
    from scorecard.plans.services import plan_view

    proposed = {e.element.id: e.proposed for e in plan_view(session, plan).elements}
    for element, rating in zip(plan.elements, ratings):
        session.add(ElementRating(element=element, proposed_rating=proposed[element.id], confirmed_rating=rating))
    session.commit()


# ------------------------------------------------------------------------------ the queries

def test_leaders_with_cx_requirements_at_risk_first(world):
    found = queries.leaders(db.session)
    assert found.fiscal_year == 2027 and found.years == [2027, 2026]
    assert [(p.leader, p.lowest.proposed) for p in found.plans] == [
        ("Amy Deputy", 2), ("Dan Director", 3), ("Zoe Head", 4)], "at risk first, then by the lowest proposal"
    deputy = found.plans[0]
    assert [e.name for e in deputy.at_risk] == ["Results Driven"] and deputy.cx_elements == deputy.at_risk
    assert (deputy.function, deputy.component, deputy.title) == ("CFO", None, "Deputy CFO")
    assert deputy.lowest.finding_id == world["findings"]["deputy"].id
    assert [p.leader for p in found.at_risk] == ["Amy Deputy"] and len(found.undecided) == 3
    assert found.levels() == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0, "none": 3}
    assert found.proposals() == {5: 0, 4: 1, 3: 1, 2: 1, 1: 0, "none": 0}
    assert all(p.plan_href is None for p in found.plans), "no links before with_links"
    from dashboards.pages.leaders import summary

    early = ("No quarter of FY2027 has results yet: its proposals read each rule's window of quarters up to FY2027-Q1, "
             "and results so far end with FY2026-Q4 (a window that reaches none proposes nothing yet).")
    assert early in summary(found, "FY2026-Q4"), "as the overview's tile says: a reader took them for this year's"
    assert "has results yet" not in summary(found, "FY2027-Q1")


def test_a_requirement_below_3_is_counted_as_the_overview_counts_it_even_when_its_element_is_not(world):
    """Zoe Head's element gets a second CX requirement proposed at 2, beside hers at 4 and a third at 4:
    OPM's majority rule rates the element 4, so she has a requirement below 3 and no element at risk."""
    from dashboards.queries import overview
    from scorecard.models import PlanRequirement
    element = next(e for e in world["plans"]["head"].elements if any(r.is_cx for r in e.requirements))
    cx = cx_requirement(world["plans"]["head"])
    for rating in (2, 4):
        extra = PlanRequirement(element=element, text=f"Another CX measure at {rating}", position=9,
                                metric_id=cx.metric_id, commitment_id=cx.commitment_id, function_id=cx.function_id)
        db.session.add(extra)
        db.session.flush()
        rating_finding(db.session, extra.id, rating)
    db.session.commit()
    found = queries.leaders(db.session)
    assert [p.leader for p in found.requirement_below] == ["Amy Deputy", "Zoe Head"]
    assert [p.leader for p in found.at_risk] == ["Amy Deputy"], "her element stays at 4"
    seen = overview.leaders_below(db.session, common.Scope(Role.executive))
    assert len(seen.leaders) == len(found.requirement_below), "the overview's count is the leaders page's"


def test_decided_plans_have_their_summary_level_and_overrides(world):
    director = world["plans"]["director-2026"]
    rating_finding(db.session, cx_requirement(director).id, 2, period="FY2026-Q4")
    decide(db.session, director, [4, 4, 3, 4, 3])  # Results Driven (40) decided 3 over the proposal of 2
    found = queries.leaders(db.session, 2026)
    [plan] = found.plans
    assert plan.decided and plan.decided_count == 5
    assert (plan.summary.score, plan.level) == (15 * 4 + 15 * 4 + 15 * 3 + 15 * 4 + 40 * 3, 3)
    [element] = plan.cx_elements
    assert (element.proposed, element.decided, element.overridden, element.at_risk) == (2, 3, True, True)
    assert plan.overridden == 1, "elements no rule rates were decided too, but override nothing"
    assert found.levels()[3] == 1 and found.levels()["none"] == 0 and found.proposals()[2] == 1


def test_plans_of_a_year_not_yet_begun_do_not_move_the_pages_to_it(world):
    """One FY2028 plan imported during FY2027 switched the overview's leaders tile and the leaders page to FY2028
    ("0 ... in 1 FY2028 plan"): they open on the newest year that has begun; the next year is a choice."""
    from scorecard.clock import agency_today
    from scorecard.periods import Period
    from tests.test_dashboard_functions import make_plan

    assert common.newest_begun([2026, 2027, 2028], today=Period(2027, 2).start) == 2027
    assert common.newest_begun([2029, 2030], today=Period(2027, 2).start) == 2030, "none begun: the newest"
    current = Period.from_date(agency_today()).fiscal_year
    make_plan(db.session, world["leaders"]["deputy"], current + 1, function=world["functions"]["CFO"])
    db.session.commit()
    found = queries.leaders(db.session)
    assert found.years[0] == current + 1 and found.fiscal_year == current
    seen = leaders_below(db.session, common.Scope(Role.executive))
    assert seen.fiscal_year == found.fiscal_year, "the overview's tile opens on the year the leaders page does"


def test_a_few_plans_are_counted_on_an_axis_of_whole_numbers(world):
    """Three plans drew the levels chart's axis at 0, 0.2, 0.4 ... (a fifth of a plan)."""
    from dashboards.figures.leaders import levels_figure

    found = queries.leaders(db.session)
    assert len(found.plans) == 3 and levels_figure(found)["layout"]["yaxis"]["dtick"] == 1


def test_a_confirmation_stays_one_when_the_proposal_moves_after_it(world):
    """The rating official confirmed the rules' 2; the data changed and the rules propose 4 now. The tile counted
    that as an override (decided 2 against the proposal of 4): the decision answered a 2. It is a proposal
    changed since its decision, as the plan's page says."""
    from plotly.utils import PlotlyJSONEncoder

    from dashboards.pages.leaders import tiles

    director = world["plans"]["director-2026"]
    proposal = rating_finding(db.session, cx_requirement(director).id, 2, period="FY2026-Q4")
    decide(db.session, director, [4, 4, 3, 4, 2])  # Results Driven confirmed at the proposal of 2
    proposal.rating = 4  # an import, then an evaluation: the rules propose 4 now
    db.session.commit()
    [plan] = queries.leaders(db.session, 2026).plans
    [element] = plan.cx_elements
    assert (element.proposed, element.decided, element.answered) == (4, 2, 2)
    assert (element.overridden, element.moved, plan.overridden, plan.moved) == (False, True, 0, 1)
    layout = json.loads(json.dumps(tiles(queries.leaders(db.session, 2026)), cls=PlotlyJSONEncoder))
    said = text(next(t for t in walk(layout) if t["props"].get("id") == "leaders-undecided"))
    assert "override the rules' proposal: 0 elements. Proposals changed since their decision: 1 element" in said
    from dashboards.pages.leaders import leaders_table

    [row] = leaders_table(queries.leaders(db.session, 2026)).rows
    assert row["decided"] == "2 (the proposal it answered; the rules propose 4 now)", "the table tells the two apart"
    decide(db.session, director, [4, 4, 3, 4, 3])  # decided again: 3 over the proposal of 4
    [row] = leaders_table(queries.leaders(db.session, 2026)).rows
    assert row["decided"] == "3 (overriding the proposal of 4)"


def test_a_plan_whose_weights_break_opms_rules_has_no_level_here_as_on_its_page(world):
    director = world["plans"]["director-2026"]
    director.elements[0].weight -= 5  # the weights add up to 95
    decide(db.session, director, [4, 4, 3, 4, 3])
    [plan] = queries.leaders(db.session, 2026).plans
    assert plan.decided and (plan.summary.score, plan.level) == (None, None)
    found = queries.leaders(db.session, 2026)
    assert found.levels()["none"] == 0 and found.levels()[queries.NO_LEVEL] == 1, (
        "decided: not counted among the plans not yet decided (the tile said 0 undecided, the chart 1 'None yet')")
    from dashboards.figures.leaders import levels_figure
    from dashboards.pages.leaders import leaders_table, levels_table

    [row] = leaders_table(found).rows
    assert row["level"] == "no level: the weights break OPM's rules", "decided, not undecided"
    undecided = replace(plan, elements=[replace(plan.elements[0], decided=None), *plan.elements[1:]])
    assert undecided.weights_broken and not undecided.decided
    [row] = leaders_table(replace(found, plans=[undecided])).rows
    assert row["level"] == "not yet decided", "as the levels chart counts it: under 'None yet'"
    rows = {r["level"]: (r["decided"], r["proposed"]) for r in levels_table(found).rows}
    assert rows["Decided, no level: the weights break OPM's rules"] == (1, None) and rows["None yet"][0] == 0
    decided = levels_figure(found)["data"][0]
    assert dict(zip(decided["x"], decided["y"]))["Decided, no level:<br>weights break<br>OPM's rules"] == 1


def test_a_critical_element_decided_at_1_settles_the_level(world):
    decide(db.session, world["plans"]["head"], [1])
    head = next(p for p in queries.leaders(db.session).plans if p.leader == "Zoe Head")
    assert not head.decided and head.level == 1 and queries.leaders(db.session).levels()[1] == 1
    from plotly.utils import PlotlyJSONEncoder

    from dashboards.pages.leaders import tiles

    found = queries.leaders(db.session)
    layout = json.loads(json.dumps(tiles(found), cls=PlotlyJSONEncoder))
    undecided = next(t for t in walk(layout) if t["props"].get("id") == "leaders-undecided")
    said = text(undecided)
    assert head in found.undecided and ("1 plan of these has its summary level settled already (a critical element "
                                        "decided at 1 is level 1): the levels chart counts it there.") in said, (
        "the tile's undecided plans and the chart's 'None yet' differed by one, unexplained")


def test_the_filters_choose_a_component_or_a_function(world):
    one = world["components"][0]
    cfo = world["functions"]["CFO"]

    def names(**chosen):
        return [p.leader for p in queries.leaders(db.session, 2027, queries.LeaderFilter(**chosen)).plans]
    assert names(component_id=one.id) == ["Dan Director"]
    assert names(function_id=cfo.id) == ["Amy Deputy", "Zoe Head"]
    assert names(component_id=one.id, function_id=cfo.id) == []
    assert names(function_id=2**31 - 1) == []
    assert queries.leaders(db.session, 2030).plans == [], "a year without plans"
    components, functions = queries.filter_choices(db.session)
    assert components == [(one.id, "Bureau One")], "only components that have leaders"
    # an agency's leaders as the overview counts them: its components' and, on the department's own, its C-suite
    other = Agency(code="OD", name="Other Department", components=[Component(code="OB", name="Other Bureau")])
    db.session.add(other)
    db.session.flush()
    assert names(agency_id=one.agency_id) == names() == ["Amy Deputy", "Dan Director", "Zoe Head"]
    assert names(agency_id=one.agency_id, component_id=one.id) == ["Dan Director"]
    assert names(agency_id=other.id) == [], "an agency whose data is imported beside the department's has none"
    for agency, below in ((one.agency_id, 1), (other.id, 0)):
        tile = leaders_below(db.session, common.Scope(Role.executive), programs=ProgramFilter(agency_id=agency))
        page = queries.leaders(db.session, 2027, queries.LeaderFilter(agency_id=agency))
        assert len(tile.leaders) == len(page.requirement_below) == below, "the overview's tile and the page it opens"
    assert [name for _, name in functions] == ["CFO, Chief Financial Officer", "CIO, Chief Information Officer",
                                               "GC, General Counsel"]


def test_each_role_gets_the_plans_it_may_see(world):
    plans, findings, leaders = world["plans"], world["findings"], world["leaders"]

    def linked(scope) -> set:
        found = queries.leaders_for(db.session, scope)
        return {p.plan_href for p in found.plans if p.plan_href} | {
            r.why_href for p in found.plans for r in p.requirements if r.why_href}

    def of_(*keys):
        return {f"/plans/{plans[k].id}" for k in keys} | {f"/findings/{findings[k].id}" for k in keys}
    for role in (Role.admin, Role.executive, Role.analyst):
        assert linked(common.Scope(role)) == of_("head", "deputy", "director")
    assert linked(common.Scope(Role.officer, function_id=world["functions"]["CFO"].id)) == of_("head", "deputy")
    assert linked(common.Scope(Role.officer, function_id=world["functions"]["GC"].id)) == set()
    assert linked(common.Scope(Role.leader, leader_id=leaders["director"].id)) == of_("director")
    assert linked(common.Scope(Role.viewer)) == set()
    # A plan's proposals and decisions are the plan's: each role sees the plans it may open, no other.
    assert queries.leaders_for(db.session, common.Scope(Role.viewer)).plans == []
    assert queries.leaders_for(db.session, common.Scope(Role.officer, function_id=world["functions"]["GC"].id)).plans \
        == []
    cfo = queries.leaders_for(db.session, common.Scope(Role.officer, function_id=world["functions"]["CFO"].id))
    assert {p.plan_id for p in cfo.plans} == {plans["head"].id, plans["deputy"].id}


def test_without_plans(app):
    with app.app_context():
        found = queries.leaders(db.session)
        assert (found.fiscal_year, found.years, found.plans) == (None, [], [])


# ------------------------------------------------------------------------------ the page

ROLES = [("admin", None, None), ("executive", None, None), ("officer", "CFO", None), ("officer", "GC", None),
         ("leader", None, "director"), ("viewer", None, None)]


def _values(year=None, component="all", function="all", agency="all") -> dict:
    return dict(zip(FILTERS, (year, component, function, agency)))


@pytest.mark.parametrize("role, function, leader", ROLES, ids=[f"{r}-{f or x or ''}" for r, f, x in ROLES])
def test_the_page_links_the_plans_each_role_may_see(app, role, function, leader):
    with app.app_context():
        known = ids(build(db.session))
    client = user(app, role, function=function, leader=leader)
    layout = json.dumps(page(client, "/dashboards/leaders"))
    assert "Leaders' CX requirements" in layout
    # A role that opens no plan reads that once: not beside an empty chart, empty tables, downloads and a pager
    assert ("Your role opens no plan" in layout) == ("leaders-graph" not in layout) == (role == "viewer"), role
    shown = answer(client, body("leaders-table.children", _values(), "leaders-year.value"))
    words = json.dumps([shown, answer(client, body("leaders-levels.children", _values(), "leaders-year.value"))],
                       ensure_ascii=False)
    names = {"head": "Zoe Head", "deputy": "Amy Deputy, Deputy CFO", "director": "Dan Director, Program Director"}
    seen = {"admin": names, "executive": names, "officer-CFO": ("head", "deputy"), "officer-GC": (),
            "leader": ("director",), "viewer": ()}[f"{role}-{function}" if function else role]
    for key, name in names.items():  # a plan's proposals are the plan's: shown to who may open it
        assert (name in words) == (key in seen), (role, name)
    summary = json.dumps(answer(client, body("leaders-summary.children", _values(), "leaders-year.value")))
    assert (f"{3 - len(seen)} more plan" in summary) == (0 < len(seen) < 3), (
        "the plans not shown are counted, not hidden")
    if not seen:  # none shown: the plans not shown are not "more" plans, and the tables say none is shown, not none
        assert "3 plans are not shown to your role" in summary
        assert "No plan with a CX requirement for these filters that your role may see: 3 plans are not shown" in words
        assert "No leader with a CX requirement for these filters that your role may see" in words
        assert "No plan with a CX requirement for these filters.\"" not in words
    if len(seen) == 3:
        for expected in ("Bureau One", "Results Driven: proposed 2", "not yet decided", "None yet",
                         "FY2027 plans with CX requirements (n = 3)", "At risk: an element proposed below 3"):
            assert expected in words, expected
    elif not seen:
        assert "No FY2027 plan with a CX requirement" in words
    else:  # counted in words: "0 of 1 plan", never "of 1 plans"
        tiles = json.dumps(answer(client, body("leaders-tiles.children", _values(), "leaders-year.value")))
        plans = f"{len(seen)} plan" + ("s" if len(seen) > 1 else "")
        assert f"of {plans} (" in tiles and f"of {plans}s" not in tiles, tiles
    p, f = known["plans"], known["findings"]

    def of_(*keys):
        return {f"/plans/{p[k]}" for k in keys} | {f"/findings/{f[k]}" for k in keys}
    expected = {"admin": of_("head", "deputy", "director"), "executive": of_("head", "deputy", "director"),
                "officer-CFO": of_("head", "deputy"), "officer-GC": set(), "leader": of_("director"),
                "viewer": set()}[f"{role}-{function}" if function else role]
    links = hrefs(shown)
    assert of("plans", links) | of("findings", links) == expected
    assert of("commitments", links) == set()


def test_the_filters_are_read_from_and_written_to_the_url(app):
    with app.app_context():
        known = ids(build(db.session))
    client = user(app, "executive")
    one = known["components"][0]
    routed = page(client, "/dashboards/leaders", f"?year=FY2026&component={one}&function=nonsense")
    controls = {n["props"]["id"]: n["props"].get("value") for n in walk(routed["_pages_content"]["children"])
                if n.get("type") == "Dropdown"}
    assert controls == {"leaders-year": "2026", "leaders-component": str(one), "leaders-function": "all",
                        "leaders-agency": "all"}
    cfo = known["functions"]["CFO"]
    written = answer(client, body("dashboards-leaders-url.search", {
        "dashboards-leaders-url.search": "", "dashboards-leaders-url.pathname": "/dashboards/leaders",
        **_values("2026", str(one), str(cfo))}, "leaders-component.value"))
    assert written["dashboards-leaders-url"]["search"] == f"?year=2026&component={one}&function={cfo}"
    shown = answer(client, body("leaders-table.children", _values("2026", str(one)), "leaders-year.value"))
    words = json.dumps(shown)
    assert "Dan Director" in words and "Zoe Head" not in words and "FY2026" in words


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_downloads_write_exactly_the_tables_shown(app, kind):
    with app.app_context():
        build(db.session)
    client = user(app, "officer", function="CFO")
    values = _values("2027")
    for table_id, first in (("leaders-table", "Leader (plan)"), ("leaders-levels", "Level")):
        shown = answer(client, body(f"{table_id}.children", values, "leaders-year.value"))
        html = re.search(r"<table.*?</table>", json.dumps(shown[table_id])).group(0)
        rows = downloaded(client, table_id, kind, values)
        assert rows[0][0] == first and len(rows) - 1 == shown_rows(html)
    rows = downloaded(client, "leaders-table", kind, values)
    assert [r[0] for r in rows[1:]] == ["Amy Deputy, Deputy CFO", "Zoe Head, Chief Financial Officer"], \
        "the CFO's leaders' plans: the director's is not the CFO officer's to see"
    levels = downloaded(client, "leaders-levels", kind, values)
    assert levels[-1][:2] == ["None yet", "2"]


def test_hostile_values_answer_400_naming_the_input(app):
    client = user(app, "viewer")
    hostile = {
        "leaders-year.value": ["FY20x", "1999", 2101, True, 2026.5, ["2026"], "2026 ", "٢٠٢٦"],
        "leaders-component.value": [str(10**30), -1, 0, "DROP TABLE", 1.5, [1]],
        "leaders-function.value": [2**31, "-1", {"id": 1}],
    }
    for spec, values in hostile.items():
        for value in values:
            for writes in ("leaders-table.children", "leaders-table-download.data"):
                sent = {**_values(), spec: value}
                if writes.endswith("download.data"):
                    sent["leaders-table-csv.n_clicks"] = 1
                response = client.post(URL, json=body(writes, sent, spec))
                assert response.status_code == 400, (spec, value, response.get_data(as_text=True)[:200])
                assert response.get_json()["detail"].startswith(f"{spec}: ")
    good = client.post(URL, json=body("leaders-table.children", _values("2026", str(2**31 - 1)), "leaders-year.value"))
    assert good.status_code == 200 and "No leader with a CX requirement" in good.get_data(as_text=True)


# ------------------------------------------------------------------------------ the list a page at a time

def _page(client, page, pressed=None, **filters) -> dict:
    """What the list's callback answers on `page` (as the URL holds it), after `pressed` ("prev" or "next")."""
    changed = f"leaders-table-{pressed}.n_clicks" if pressed else "leaders-table-page.data"
    values = {**_values(**filters), "leaders-table-page.data": page}
    if pressed:
        values[changed] = 1
    return answer(client, body("leaders-table.children", values, changed))


def _leaders_on(shown: dict) -> list[str]:
    return re.findall(r'<th scope=\\"row\\">(?:<a [^>]+>)?([^<,]+),', json.dumps(shown["leaders-table"]))


def test_the_list_is_shown_a_page_at_a_time_and_the_downloads_hold_every_page(app, monkeypatch):
    with app.app_context():
        build(db.session)
    import inspect

    from dashboards import dash_app
    client = user(app, "executive")  # Dash fills its callback map on the first request
    listed = next(e["callback"] for output, e in dash_app.callback_map.items() if "leaders-table.children" in output)
    # Two leaders a page: set where the callback reads it (a test may have imported the page module again).
    monkeypatch.setitem(inspect.unwrap(listed).__globals__, "PAGE_SIZE", 2)
    first = _page(client, "1", year="2027")
    assert _leaders_on(first) == ["Amy Deputy", "Dan Director"]
    assert first["leaders-table-range"]["children"] == "Leaders 1 to 2 of 3 (page 1 of 2)."
    # aria-disabled, not disabled: a button disabled while it has focus would drop the keyboard user's place
    assert (first["leaders-table-prev"]["aria-disabled"], first["leaders-table-next"]["aria-disabled"]) == (
        "true", "false")
    assert "leaders-table-page" not in first, "the page asked for is the page shown: nothing to write back"
    assert "leaders 1 to 2 of 3" in json.dumps(first["leaders-table"])

    second = _page(client, "1", "next", year="2027")
    assert _leaders_on(second) == ["Zoe Head"] and second["leaders-table-page"]["data"] == "2"
    assert (second["leaders-table-prev"]["aria-disabled"], second["leaders-table-next"]["aria-disabled"]) == (
        "false", "true")
    assert _leaders_on(_page(client, "2", "prev", year="2027")) == ["Amy Deputy", "Dan Director"]

    for far, said in (("99", "99"), (str(10**9), "100,000 or beyond"), ("9" * 400, "100,000 or beyond")):
        past_the_end = _page(client, far, year="2027")
        assert _leaders_on(past_the_end) == ["Zoe Head"], far
        assert past_the_end["leaders-table-range"]["children"] == (
            f"Leaders 3 to 3 of 3 (page 2 of 2). There is no page {said}: this is the last."), "said, not silent"
        assert "leaders-table-page" not in past_the_end, "the address keeps the page asked while the notice shows"
    back = _page(client, "99", "prev", year="2027")
    assert _leaders_on(back) == ["Amy Deputy", "Dan Director"] and back["leaders-table-page"]["data"] == "1", (
        "Previous goes on from the last page")
    assert _page(client, "1", "prev", year="2027")["leaders-table-range"]["children"].endswith("(page 1 of 2).")

    rows = downloaded(client, "leaders-table", "csv", {**_values("2027"), "leaders-table-page.data": "2"})
    assert [r[0].split(",")[0] for r in rows[1:]] == ["Amy Deputy", "Dan Director", "Zoe Head"]


def test_a_page_is_a_whole_number_or_the_answer_is_400(app):
    client = user(app, "viewer")
    for value in ("0", "-1", 0, "1.5", 2.0, True, "３", "²", "2 ", "+2", [2], {"page": 2}):
        sent = {**_values(), "leaders-table-page.data": value}
        response = client.post(URL, json=body("leaders-table.children", sent, "leaders-table-page.data"))
        assert response.status_code == 400, (value, response.get_data(as_text=True)[:200])
        assert response.get_json()["detail"].startswith("leaders-table-page.data: ")


def test_the_page_is_in_the_url_and_a_new_filter_goes_back_to_the_first_page(app):
    with app.app_context():
        known = ids(build(db.session))
    client = user(app, "executive")
    routed = page(client, "/dashboards/leaders", "?page=3&year=2027")
    stores = {n["props"]["id"]: n["props"].get("data") for n in walk(routed["_pages_content"]["children"])
              if n.get("type") == "Store"}
    assert stores["leaders-table-page"] == "3"
    assert {n["props"]["id"]: n["props"].get("data") for n in walk(page(client, "/dashboards/leaders", "?page=x")[
        "_pages_content"]["children"]) if n.get("type") == "Store"}["leaders-table-page"] == "1", "refused: the first"

    def sync(changed, **values):
        sent = {"dashboards-leaders-url.search": "?year=2027&page=3", "dashboards-leaders-url.pathname":
                "/dashboards/leaders", **_values("2027"), "leaders-table-page.data": "3", **values}
        return answer(client, body("dashboards-leaders-url.search", sent, changed))
    moved = sync("leaders-table-page.data", **{"leaders-table-page.data": "4"})
    assert moved["dashboards-leaders-url"]["search"] == "?year=2027&page=4" and "leaders-table-page" not in moved
    one = known["components"][0]
    filtered = sync("leaders-component.value", **{"leaders-component.value": str(one)})
    assert filtered["dashboards-leaders-url"]["search"] == f"?year=2027&component={one}"
    assert filtered["leaders-table-page"]["data"] == "1"
    back = sync("dashboards-leaders-url.search", **{"dashboards-leaders-url.search": "?year=2027&page=2"})
    assert back["leaders-table-page"]["data"] == "2", "back and forward follow the URL's page"


def test_each_leaders_lowest_proposal_links_its_why_page_by_the_findings_number(app):
    """The why-link reads "finding N", as every table's why-links read, not the bare rating it once
    linked ("2" told a screen reader's list of links nothing); the download keeps the words."""
    with app.app_context():
        known = ids(build(db.session))
    client = user(app, "executive")
    shown = json.dumps(answer(client, body("leaders-table.children", _values("2027"), "leaders-year.value")))
    deputy = known["findings"]["deputy"]
    assert re.search(rf'href=\\"/findings/{deputy}\\">finding {deputy}</a>', shown), shown
    assert not re.search(r'">\d</a>', shown), "no link reads as a bare digit"
    rows = downloaded(client, "leaders-table", "csv", _values("2027"))
    header, first = rows[0], rows[1]
    assert first[header.index("Lowest CX requirement, proposed")] == "2"
    assert first[header.index("Why")] == f"finding {deputy}"
