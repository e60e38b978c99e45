"""The dashboards as the server answers them, without a browser: the same frame as the Flask
pages (banner, the role's navigation, sign out with its CSRF token, footer, lang, local assets),
the overview's and heatmap's callbacks on the demo agency, filters written to and read from the
query string, and the tables' downloads."""
import base64
import csv
import io
import json
import re
from pathlib import Path

import dash
import pytest
import sqlalchemy as sa

from scorecard.models import Role
from tests.helpers import CALLBACK_URL as URL
from tests.helpers import callback_answer as answer
from tests.helpers import callback_body as body
from tests.helpers import json_objects

ROLES = [r.value for r in Role]


def layout(client) -> dict:
    response = client.get("/dashboards/_dash-layout")
    assert response.status_code == 200
    return response.get_json()


def walk(node):
    """Every component of a layout (as Dash serialises it)."""
    if isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)


def text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "props" in node:
        return text(node["props"].get("children"))
    if isinstance(node, list):
        return "".join(text(child) for child in node)
    return ""


def dash_nav(client) -> list[tuple[str, str]]:
    nav = next(n for n in walk(layout(client)) if n["props"].get("aria-label") == "Primary navigation")
    return [(text(a), a["props"]["href"]) for a in walk(nav) if a["type"] == "A"]


def flask_nav(client) -> list[tuple[str, str]]:
    page = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Primary navigation".*?</nav>', page, re.S).group(0)
    return [(label, href) for href, label in re.findall(
        r'<a class="usa-nav-link(?: usa-current)?" href="([^"]+)"(?: aria-current="\w+")?><span>([^<]+)</span>', nav)]


def current_nav(page: str) -> list[tuple[str, str]]:
    """(label, aria-current) of the primary navigation's items marked as where the page is."""
    nav = re.search(r'<nav aria-label="Primary navigation".*?</nav>', page, re.S).group(0)
    return [(label, current) for current, label in re.findall(
        r'<a class="usa-nav-link usa-current" href="[^"]+" aria-current="(\w+)"><span>([^<]+)</span>', nav)]


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboards_show_the_flask_pages_navigation_for_each_role(client_as, role):
    client = client_as(role)
    assert dash_nav(client) == flask_nav(client)
    assert ("Dashboards", "/dashboards/") in dash_nav(client)


@pytest.mark.parametrize("path, marked", [
    ("/", [("Home", "page")]), ("/admin/users", [("Users", "page")]), ("/admin/users/1", [("Users", "true")]),
    ("/admin/audit", [("Audit log", "page")]), ("/outbox/", [("Outbox", "page")]),
    ("/imports/upload", [("Imports", "true")]), ("/api-tokens/", [("API tokens", "page")]),
    ("/api/v1/docs", []), ("/no-such-page", [])])
def test_the_navigation_marks_the_section_the_page_is_in(client_as, path, marked):
    """No item of the header's navigation said where a Flask page was (the dashboards underlined
    Dashboards, with nothing a screen reader says): the item whose pages the page is among is marked
    (usa-current) and says so (aria-current: "page" on the item's own page, "true" below it)."""
    assert current_nav(client_as("admin").get(path).get_data(as_text=True)) == marked


def test_the_dashboards_navigation_marks_dashboards_as_where_the_page_is(client_as):
    nav = next(n for n in walk(layout(client_as("viewer"))) if n["props"].get("aria-label") == "Primary navigation")
    marked = [(text(a), a["props"].get("aria-current")) for a in walk(nav)
              if a["type"] == "A" and "usa-current" in a["props"]["className"]]
    assert marked == [("Dashboards", "true")]


def test_the_frame_is_the_flask_pages_frame(client_as):
    client = client_as("executive")
    tree = layout(client)
    components = list(walk(tree))
    assert components[0]["props"]["children"][0]["props"] == {
        "children": "Skip to main content", "href": "#main-content", "className": "usa-skipnav"}
    assert "An official website of the United States government" in text(tree)
    main = next(n for n in components if n["props"].get("id") == "main-content")
    assert main["type"] == "Main" and main["props"]["tabIndex"] == "-1"
    form = next(n for n in components if n["type"] == "Form")
    assert form["props"]["method"] == "post" and form["props"]["action"] == "/auth/logout"
    token = next(n for n in walk(form) if n["props"].get("name") == "csrf_token")
    assert token["props"]["type"] == "hidden" and len(token["props"]["value"]) > 20
    assert "Sign out (executive@test.gov)" in text(form)
    assert any(n["type"] == "Footer" and "OMB Circular A-11 Section 280" in text(n) for n in components)
    subnav = next(n for n in components if n["props"].get("id") == "dash-subnav")
    links = [(text(a), a["props"]["href"]) for a in walk(subnav) if a["type"] == "A"]
    assert links[:2] == [("Overview", "/dashboards/"), ("Heatmap", "/dashboards/heatmap")]
    registered = {p["relative_path"] for p in dash.page_registry.values() if p.get("nav", True)}
    assert {href for _, href in links} == registered, "every page in the registry, but those with nav=False"
    # the quarter and agency chosen go with the navigation, under each page's own names (assets/scorecard.js)
    carried = {text(a): a["props"]["data-carry"] for a in walk(subnav) if a["type"] == "A"}
    assert (carried["Overview"], carried["A-11 compliance"], carried["Leaders"]) == (
        "period:quarter agency:agency", "through:quarter agency:agency", "agency:agency")
    assert subnav["props"]["data-shared"] == "period:quarter through:quarter agency:agency"
    # a program's page is not listed but has a quarter: shown on its own latest, it forgets the one chosen
    assert subnav["props"]["data-unlisted"] == "/dashboards/program=period:quarter"


def test_signing_out_from_the_dashboards_works(client_as):
    client = client_as("viewer")
    token = next(n for n in walk(layout(client)) if n["props"].get("name") == "csrf_token")["props"]["value"]
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code in (302, 303)
    assert client.get("/dashboards/_dash-layout").status_code == 401


def test_the_page_is_english_and_its_assets_are_local(client_as):
    page = client_as("viewer").get("/dashboards/heatmap").get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert '<link rel="stylesheet" href="/static/uswds/css/uswds.min.css">' in page
    assert '/static/scorecard.css' in page and "/dashboards/assets/dashboards.css" in page
    assert "/dashboards/assets/scorecard.js" in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing from another host"
    assert "<footer>" not in page, "one footer landmark: the frame's"


# ------------------------------------------------------------------------------ callbacks

def test_an_address_that_is_no_dashboard_page_is_the_apps_404(client_as):
    """Dash answers any address under it with 200 and its bare "404 - Page not found"."""
    client = client_as("viewer")
    missing = client.get("/dashboards/nope")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    assert 'class="usa-banner' in missing.get_data(as_text=True), "the app's page, with its frame"
    for path in ("/dashboards/_anything", "/dashboards/heatmap/nope"):
        assert client.get(path).status_code == 404, path
    assert client.head("/dashboards/nope").status_code == 404
    # A script Dash does not serve: a 500 with every path it serves in the log, before.
    for path in ("/dashboards/_dash-component-suites/dash/nonexistent.js",
                 "/dashboards/_dash-component-suites/no_such_package/x.js"):
        assert client.get(path).status_code == 404, path
    for path in ("/dashboards/", "/dashboards/heatmap", "/dashboards/heatmap/", "/dashboards/program?program=1",
                 "/dashboards/_dash-layout", "/dashboards/_dash-dependencies"):
        assert client.get(path).status_code == 200, path


def _ready(client):
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    return client



@pytest.fixture
def executive(demo, client_as):
    return _ready(client_as("executive"))


@pytest.fixture
def evaluated_executive(evaluated, client_as):
    """An executive on the demo agency with the rules evaluated (their findings are the why-pages)."""
    return _ready(client_as("executive"))


def test_the_overview_answers_for_the_latest_quarter_and_a_chosen_one(executive):
    shown = answer(executive, body("overview-body.children", {"overview-agency.value": "all"}, "overview-period.value"))
    words = json.dumps(shown, ensure_ascii=False)
    for expected in ("Trust / confidence, agency-wide", "Programs by status", "Commitments by status",
                     "Leaders with CX requirements proposed below 3", "A-11 reporting", "What changed since FY2026-Q3",
                     "FY2026-Q4"):
        assert expected in words, expected
    table = answer(executive, body("overview-programs.children", {"overview-agency.value": "all",
                                                                  "overview-programs-panel.open": True},
                                   "overview-programs-panel.open"))
    assert "<caption>Programs by status, FY2026-Q4" in json.dumps(table, ensure_ascii=False), "drawn when opened"
    earlier = answer(executive, body("overview-body.children", {"overview-period.value": "FY26 Q2"},
                                     "overview-period.value"))
    assert "What changed since FY2026-Q1" in json.dumps(earlier)
    of_an_agency = json.dumps(answer(executive, body("overview-body.children", {"overview-agency.value": "5"},
                                                     "overview-agency.value")), ensure_ascii=False)
    assert "No leader of the agency chosen has a performance plan." in of_an_agency, (
        "the leaders tile says it is narrowed to the agency (a real agency's data: no plans)")
    assert "tied to the agency chosen (by its programs, components or leaders), as of" in of_an_agency
    assert "of every agency)" in words and "of the department's C-suite, as of" in words, "all agencies: every one"


@pytest.mark.parametrize("path, region, body_id, changed", [
    ("/dashboards/", "overview-summary", "overview-body", {"overview-period.value": "FY26 Q2"}),
    ("/dashboards/function", "function-summary", "function-body", {"function-code.value": "CIO"})])
def test_a_filters_change_is_said_in_a_status_region_that_stays_on_the_page(executive, path, region, body_id,
                                                                             changed):
    """The overview had no status region, and the function page's was drawn anew inside the body its callback
    replaces: a live region put in place of another is not read out, so a screen reader heard nothing when the
    quarter or the function changed. The region is the page's own, outside the body, and its text changes."""
    routed = answer(executive, body("_pages_content.children", {"_pages_location.pathname": path,
                                                                "_pages_location.search": ""},
                                    "_pages_location.pathname"))
    nodes = {n["props"].get("id"): n for n in json_objects(routed) if isinstance(n.get("props"), dict)}
    assert nodes[region]["props"]["role"] == "status"
    inside = [n["props"].get("id") for n in json_objects(nodes[body_id]) if isinstance(n.get("props"), dict)]
    assert region not in inside, "outside the body the callback draws again"
    said = answer(executive, body(f"{body_id}.children", changed, next(iter(changed))))[region]["children"]
    if region == "overview-summary":
        assert re.fullmatch(r"FY2026-Q2: \d+ programs?, .*\d+ (red|amber|green).*; \d+ changes? since FY2026-Q1\.",
                            said), said
    else:
        assert re.fullmatch(r"\d+ commitments?, \d+ open, \d+ overdue, \d+ not updated in 30 days, as of .*\.",
                            said), said


@pytest.mark.parametrize("region, first, then, words", [
    ("heatmap-summary", {"heatmap-sort.value": "worst"}, {"heatmap-sort.value": "name"},
     ("programs in FY2026-Q4, worst first:", "programs in FY2026-Q4, by component and program name:")),
    ("compliance-summary", {"compliance-quarters.value": "8"}, {"compliance-quarters.value": "12"},
     ("The grid shows 8 quarters, FY2025-Q1 to FY2026-Q4, worst first.",
      "The grid shows 12 quarters, FY2024-Q1 to FY2026-Q4, worst first.")),
    ("compliance-summary", {"compliance-sort.value": "worst"}, {"compliance-sort.value": "name"},
     ("FY2026-Q4, worst first.", "FY2026-Q4, by agency, component and program."))])
def test_a_change_of_order_or_of_quarters_shown_is_said_in_the_status_region(executive, region, first, then, words):
    """The heatmap's and the compliance grid's order, and the quarters the grid shows, redrew the chart and the
    table with the status region's words unchanged: a screen reader heard nothing (WCAG 4.1.3)."""
    period = {"heatmap-period.value": "FY2026-Q4"} if region.startswith("heatmap") else {
        "compliance-through.value": "FY2026-Q4"}
    said = [answer(executive, body(f"{region}.children", {**period, **values}, next(iter(values))))[region]["children"]
            for values in (first, then)]
    said = [" ".join(text) if isinstance(text, list) else text for text in said]
    assert said[0] != said[1] and words[0] in said[0] and words[1] in said[1], said


def test_the_leaders_pager_comes_before_the_list_it_turns(executive):
    """Below the list, Previous onto a page of 100 rows left the focused button 4,000 px down the page, out of
    sight, and the first page's rows were 231 Tabs before Next. Above it, a page turned starts at the focus."""
    routed = answer(executive, body("_pages_content.children", {"_pages_location.pathname": "/dashboards/leaders",
                                                                "_pages_location.search": ""},
                                    "_pages_location.pathname"))
    order = [n["props"].get("id") for n in json_objects(routed) if isinstance(n.get("props"), dict)]
    assert order.index("leaders-table-prev") < order.index("leaders-table-next") < order.index("leaders-table")


def test_the_overview_names_the_red_programs_each_leading_to_why(demo, executive):
    """"Which programs are red" was a count: their names were in a collapsed table or on the heatmap, and
    "turned red (1)" read as the whole list. The tile names them, each linking to its status finding."""
    from dashboards.queries import common
    from scorecard.extensions import db

    shown = answer(executive, body("overview-body.children", {"overview-agency.value": "all"}, "overview-period.value"))
    [red_list] = [o for o in json_objects(shown) if o.get("props", {}).get("aria-labelledby") == "red-programs"]
    items = [o for o in json_objects(red_list) if o.get("type") == "Li"]
    named = {}
    for item in items:
        item_links = [o["props"] for o in json_objects(item) if o.get("type") == "A"]
        named[item_links[0]["children"]] = [link["href"] for link in item_links]
    with demo.app_context():
        period = common.chosen_period(db.session, None)
        statuses = common.program_statuses(db.session, period)
        red = {pid: found for pid, found in statuses.items() if found.status == "red"}
        names = common.program_names(db.session, tuple(red))
    assert red and len(named) == len(red), (named, red)
    worst_first = sorted(red, key=lambda pid: red[pid].value)
    assert list(named) == [" (".join(names[pid]) + ")" for pid in worst_first], "the lowest trust first"
    assert f"Red in {period}, lowest trust first" in json.dumps(shown, ensure_ascii=False), (
        "said as it is sorted: \"worst first\" read as the furthest below its target first")
    for pid, found in red.items():
        name, component = names[pid]
        page = f"/dashboards/program?id={pid}&period={period}"
        why = [f"/findings/{found.finding_id}"] if found.finding_id else []  # none: no rule has judged it
        assert named[f"{name} ({component})"] == [page, *why], "its page (who is accountable) and why"
    assert any(o.get("props", {}).get("children") == f"{len(red):,}" for o in json_objects(shown)), "the count"

def test_in_a_quarter_the_rules_did_not_judge_a_red_program_says_why_in_words(demo, executive):
    """A quarter without the rules' status findings (FY2026-Q3 in the demo) listed its red programs by name
    alone: why each is red is said beside it, its trust score against its target, as the briefing says it."""
    from dashboards.queries import common, overview
    from scorecard.extensions import db

    period = "FY2026-Q3"
    shown = answer(executive, body("overview-body.children", {"overview-agency.value": "all",
                                                              "overview-period.value": period},
                                   "overview-period.value"))
    [red_list] = [o for o in json_objects(shown) if o.get("props", {}).get("aria-labelledby") == "red-programs"]
    words = json.dumps(red_list, ensure_ascii=False)
    with demo.app_context():
        red = [s for s in common.program_statuses(db.session, period).values() if s.status == "red"]
    assert red and not any(s.finding_id for s in red), "the demo's FY2026-Q3 has no status findings"
    for status in red:
        assert overview.trust_words(status) in words and "against a target of" in words


def test_the_status_tile_accounts_for_the_designated_programs_that_did_not_report(demo, executive):
    """The tile counted only programs with results (39 in the demo's latest quarter) beside "39 of 82
    designated programs reported": the other 43 were in no count and not said."""
    from dashboards.queries import common, overview
    from scorecard.extensions import db

    with demo.app_context():
        period = common.chosen_period(db.session, None)
        report = overview.a11_reporting(db.session, period)
    missing = report.expected - report.reported
    assert missing >= 1
    shown = json.dumps(answer(executive, body("overview-body.children", {"overview-agency.value": "all"},
                                              "overview-period.value")))
    said = ("1 more designated program has no status: it" if missing == 1 else
            f"{missing:,} more designated programs have no status: they")
    assert f"{said} reported no results in {period} (A-11 reporting)" in shown



def test_an_agency_without_results_has_no_more_programs_without_a_status(demo, executive):
    """An agency none of whose programs reported (the performance.gov agencies of `scorecard demo`, such as
    the Department of the Interior) showed every count at 0 and then "2 more designated programs have no
    status": more than none. They are its designated programs, without "more"."""
    from scorecard.extensions import db
    from scorecard.models import Agency, Component, Program

    with demo.app_context():
        quiet = Agency(code="QA", name="Quiet Agency")
        bureau = Component(agency=quiet, code="QB", name="Quiet Bureau", is_hisp=True)
        db.session.add_all([quiet, bureau, Program(component=bureau, code="QP-1", name="Quiet One"),
                            Program(component=bureau, code="QP-2", name="Quiet Two")])
        db.session.commit()
        quiet_id = quiet.id
    shown = json.dumps(answer(executive, body("overview-body.children", {"overview-agency.value": quiet_id},
                                              "overview-period.value")))
    assert "2 designated programs have no status: they reported no results" in shown
    assert "more designated program" not in shown


def test_the_overview_does_not_say_every_change_it_lists_is_significant(executive):
    """The overview's lede said "changes are listed only when they are significant at 95%" above commitments
    that slipped and programs that turned red, which no test of significance reads."""
    page = json.dumps(answer(executive, body("_pages_content.children", {"_pages_location.pathname": "/dashboards/",
                                                                        "_pages_location.search": ""},
                                             "_pages_location.pathname")))
    assert "changes are listed only when they are significant" not in page
    assert "a change of score is listed only when it is significant at 95%" in page


def test_a_viewer_sees_the_commitments_but_no_plans_on_the_overview(demo, client_as):
    """Every role sees the agency dashboards, the C-suite's commitments included (DESIGN §6; the functions
    pages showed them to a viewer while the overview hid them); a plan's ratings are the plan's, and a
    commitment's page is the role's scope: a viewer's counts and lines open the functions' pages."""
    viewer = _ready(client_as("viewer"))
    words = json.dumps(answer(viewer, body("overview-body.children", {}, "overview-period.value")))
    assert "Programs by status" in words
    assert "Commitments by status" in words and "proposed below 3" not in words
    assert "Commitments that slipped" in words and "Each count opens the C-suite functions page" in words
    assert "/commitments/" not in words and "/dashboards/function" in words


def test_the_leaders_tile_says_whose_plans_it_counts_for_each_role(demo, client_as):
    """An officer sees their function's leaders' plans and a leader their own: the tile said "of every agency"
    to both, as if the count were the agency's."""
    from scorecard.extensions import db
    from scorecard.models import User

    def tile(client) -> str:
        words = json.dumps(answer(_ready(client), body("overview-body.children", {}, "overview-period.value")))
        return re.search(r"(of the leaders in [^;]*|in your [^;]*); FY2027 is the newest appraisal year with plans "
                         r"that has begun", words).group(1)

    assert re.fullmatch(r"of the leaders in [\d,]+ FY2027 plans \(of every agency\)", tile(client_as("executive")))
    assert re.fullmatch(r"of the leaders in \d+ FY2027 plans? \(of your function's leaders\)",
                        tile(client_as("officer")))
    with demo.app_context():
        leader = db.session.scalar(sa.select(User).where(User.email == "leader@demo.cx.gov"))
        as_leader = demo.test_client(user=leader)
    assert tile(as_leader) == "in your FY2027 plan"


def test_a_changed_filter_is_written_to_the_query_string(executive):
    request = body("dashboards-heatmap-url.search", {
        "dashboards-heatmap-url.search": "", "dashboards-heatmap-url.pathname": "/dashboards/heatmap",
        "heatmap-period.value": "FY2026-Q3", "heatmap-agency.value": "3", "heatmap-component.value": "all",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "name"}, "heatmap-agency.value")
    shown = answer(executive, request)
    assert shown["dashboards-heatmap-url"]["search"] == "?period=FY2026-Q3&agency=3&sort=name"
    assert "heatmap-period" not in shown, "the controls are left as they are"
    assert shown["dashboards-heatmap-url-unused"]["children"] is None, "the address says the view now: no notice"


def test_an_agency_chosen_under_a_component_of_another_is_one_entry_in_the_history(executive):
    """Choosing Education while a component of the demo department was chosen wrote the address twice
    (agency and that component, then the agency alone), so Back landed on a view no one chose, with a
    notice that the component does not go with the agency."""
    request = body("dashboards-heatmap-url.search", {
        "dashboards-heatmap-url.search": "?component=5", "dashboards-heatmap-url.pathname": "/dashboards/heatmap",
        "heatmap-period.value": "FY2026-Q3", "heatmap-agency.value": "3", "heatmap-component.value": "5",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"}, "heatmap-agency.value")
    shown = answer(executive, request)
    assert shown["dashboards-heatmap-url"]["search"] == "?period=FY2026-Q3&agency=3", "written as the page shows it"


def test_back_and_forward_set_the_filters_from_the_query_string(executive):
    request = body("dashboards-heatmap-url.search", {
        "dashboards-heatmap-url.search": "?period=FY26+Q2&component=2",
        "dashboards-heatmap-url.pathname": "/dashboards/heatmap",
        "heatmap-period.value": "FY2026-Q3", "heatmap-agency.value": "3", "heatmap-component.value": "all",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"}, "dashboards-heatmap-url.search")
    shown = answer(executive, request)
    assert shown["heatmap-period"]["value"] == "FY2026-Q2"
    assert shown["heatmap-agency"]["value"] == "all" and shown["heatmap-component"]["value"] == "2"
    assert "heatmap-sort" not in shown and "dashboards-heatmap-url" not in shown
    assert shown["dashboards-heatmap-url-unused"]["children"] is None
    back = answer(executive, {**request, "inputs": [
        {**i, "value": "?period=FY1990-Q1"} if i["id"] == "dashboards-heatmap-url" else i for i in request["inputs"]]})
    assert back["dashboards-heatmap-url-unused"]["children"].endswith(
        "period 'FY1990-Q1' is not one it offers, so it shows the default."), "an address gone back to: said again"
    ahead = answer(executive, {**request, "inputs": [
        {**i, "value": "?period=FY2031-Q1"} if i["id"] == "dashboards-heatmap-url" else i for i in request["inputs"]]})
    assert ahead["dashboards-heatmap-url-unused"]["children"].endswith(
        "period 'FY2031-Q1' has no survey results, so it shows the default."), "a quarter with nothing in: said so"


def test_leaving_the_page_changes_no_filter(executive):
    request = body("dashboards-heatmap-url.search", {
        "dashboards-heatmap-url.search": "?period=FY2025-Q1", "dashboards-heatmap-url.pathname": "/dashboards/",
        "heatmap-period.value": "FY2026-Q3", "heatmap-agency.value": "all", "heatmap-component.value": "all",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"}, "dashboards-heatmap-url.search")
    response = executive.post(URL, json=request)
    assert response.status_code == 204 or not response.get_json()["response"], "no update"


@pytest.mark.parametrize("path", ["/dashboards/heatmap", "/dashboards/leaders", "/dashboards/capacity",
                                  "/dashboards/life-experiences", "/dashboards/compliance", "/dashboards/functions",
                                  "/dashboards/function", "/dashboards/program"])
def test_no_chart_offers_to_send_its_data_to_plotly(executive, path):
    """Plotly's "Share chart" and "Edit in Chart Studio" upload a chart's data to plotly.com."""
    routed = answer(executive, body("_pages_content.children", {"_pages_location.pathname": path,
                                                                "_pages_location.search": ""},
                                    "_pages_location.pathname"))
    graphs = [n["props"] for n in walk(routed["_pages_content"]["children"]) if n["type"] == "Graph"]
    assert graphs or path in ("/dashboards/function", "/dashboards/program"), "the page draws a chart"
    for graph in graphs:
        config = graph.get("config") or {}
        assert config.get("showSendToCloud") is False and config.get("showEditInChartStudio") is False, graph["id"]
        assert config.get("plotlyServerURL") == "" and "sendDataToCloud" in config.get("modeBarButtonsToRemove", [])


def test_a_link_with_filters_opens_the_page_with_them(executive):
    routed = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/heatmap", "_pages_location.search": "?period=FY25+Q3&sort=name"},
        "_pages_location.pathname"))
    controls = {n["props"]["id"]: n["props"].get("value") for n in walk(routed["_pages_content"]["children"])
                if n["type"] == "Dropdown"}
    assert controls["heatmap-period"] == "FY2025-Q3" and controls["heatmap-sort"] == "name"
    assert controls["heatmap-agency"] == "all"
    hostile = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/", "_pages_location.search": "?period=nonsense&agency=-1"},
        "_pages_location.pathname"))
    controls = {n["props"]["id"]: n["props"].get("value") for n in walk(hostile["_pages_content"]["children"])
                if n["type"] == "Dropdown"}
    assert controls == {"overview-period": "FY2026-Q4", "overview-agency": "all"}, "refused values: the defaults"
    notice = json.dumps(hostile)
    assert "This address asks for what the page cannot show: period 'nonsense' is not one it offers" in notice
    assert "agency '-1' is not one it offers, so it shows the default" in notice, "refused values: said so"
    assert "cannot show" not in json.dumps(routed), "a link the page can follow: no notice"
    repeated = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/heatmap", "_pages_location.search": "?sort=name&sort=worst"},
        "_pages_location.pathname"))
    controls = {n["props"]["id"]: n["props"].get("value") for n in walk(repeated["_pages_content"]["children"])
                if n["type"] == "Dropdown"}
    assert controls["heatmap-sort"] == "worst", "a key given twice: the last value"
    assert "sort is given 2 times ('name', 'worst'), so it reads the last" in json.dumps(repeated), (
        "which of the two was used: said, not chosen without a word")
    misnamed = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/", "_pages_location.search": "?quarter=FY2025-Q3"},
        "_pages_location.pathname"))
    assert "'quarter' is not a setting of this page (its settings are period, agency), so it is left out" in \
        json.dumps(misnamed), "a key the page does not read (the control is labelled Quarter): said, not ignored"
    settingless = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/functions", "_pages_location.search": "?code=CFO"},
        "_pages_location.pathname"))
    assert "'code' is not a setting of this page (it has no settings), so it is left out" in \
        json.dumps(settingless), "the functions page has no settings: a key in its address is said to be left out"
    for search in ("?sort=name", "?id=abc&sort=name"):  # no program chosen, or none with that id: its picker
        picker = json.dumps(answer(executive, body("_pages_content.children", {
            "_pages_location.pathname": "/dashboards/program", "_pages_location.search": search},
            "_pages_location.pathname")))
        assert "'sort' is not a setting of this page (its settings are id, period), so it is left out" in picker, (
            f"{search}: the program picker said nothing of a key it does not read")
        assert "id 'abc' is not one it offers" not in picker, "a missing program is said once, by the picker"


def _agency_reporting_until_fy2023(app, **program) -> int:
    """An agency beside the demo's, as performance.gov's are: one program with trust results in FY2023-Q1 alone
    (`program`: more of its fields); the agency's id."""
    from scorecard.a11 import ensure_standard_metrics
    from scorecard.extensions import db
    from scorecard.models import Agency, Component, Observation, Program, subject_key

    with app.app_context():
        found = Program(component=Component(agency=Agency(code="PG-VA", name="Department of Veterans Affairs"),
                                            code="PG-VA-1", name="Veterans Benefits Administration"),
                        code="PG-VA-1-1", name="Contacting the contact center", **program)
        db.session.add(found)
        db.session.flush()
        db.session.add(Observation(
            metric_id=ensure_standard_metrics(db.session)["trust"].id, agency_id=found.component.agency_id,
            component_id=found.component_id, program_id=found.id, subject_key=subject_key(program_id=found.id),
            period="FY2023-Q1", channel="web", touchpoint="", n=120, value=4.1))
        db.session.commit()
        return found.component.agency_id


def test_an_agency_whose_results_end_years_before_is_pointed_to_its_newest_quarter(executive):
    """The performance.gov agencies beside the demo's report up to FY2023-Q1: chosen on the latest quarter,
    the overview and the heatmap say where their newest results are, one click away."""
    agency = _agency_reporting_until_fy2023(executive.application)
    shown = json.dumps(answer(executive, body("overview-body.children", {
        "overview-period.value": "FY2026-Q4", "overview-agency.value": str(agency)}, "overview-agency.value")))
    assert ("No program of the agency chosen has survey results in FY2026-Q4.\", \" Their newest results are from "
            "FY2023-Q1: \"") in shown
    assert f'"href": "/dashboards/?period=FY2023-Q1&agency={agency}"' in shown
    heat = answer(executive, body("heatmap-graph.figure", {
        "heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": str(agency), "heatmap-component.value": "all",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "name"}, "heatmap-agency.value"))
    said = json.dumps(heat["heatmap-summary"]["children"])
    assert "No program has survey scores for FY2026-Q4 with these filters." in said and "FY2023-Q1" in said
    assert f'"href": "/dashboards/heatmap?period=FY2023-Q1&agency={agency}&sort=name"' in said
    assert heat["heatmap-chart"]["hidden"] is True, "the summary says it: an empty chart beside it said it twice"
    drawn = answer(executive, body("heatmap-graph.figure", {
        "heatmap-period.value": "FY2023-Q1", "heatmap-agency.value": str(agency), "heatmap-component.value": "all",
        "heatmap-life-experience.value": "all", "heatmap-sort.value": "name"}, "heatmap-agency.value"))
    assert drawn["heatmap-chart"]["hidden"] is False and drawn["heatmap-graph"]["figure"]["data"]
    shown = json.dumps(answer(executive, body("overview-body.children", {
        "overview-period.value": "FY2023-Q1", "overview-agency.value": str(agency)}, "overview-agency.value")))
    assert "Their newest results" not in shown, "a quarter with the agency's results needs no pointer"


def test_life_experiences_point_an_agency_whose_results_end_years_before_to_its_newest_quarter(executive):
    """A performance.gov agency's programs serving a life experience report up to FY2023-Q1: chosen on the
    latest quarter, the life experiences page counted their programs and said none had trust answers, as the
    overview and the heatmap no longer do; it says where their newest results are, one click away."""
    from scorecard.models import LifeExperience

    agency = _agency_reporting_until_fy2023(
        executive.application, life_experiences=[LifeExperience(name="Transitioning to civilian life (test)")])

    def said(period):
        shown = answer(executive, body("life-summary.children", {
            "life-period.value": period, "life-agency.value": str(agency)}, "life-agency.value"))
        return json.dumps(shown["life-summary"]["children"])

    latest = said("FY2026-Q4")
    assert "None of these programs has survey results in FY2026-Q4." in latest, latest
    assert "Their newest results are from FY2023-Q1: " in latest
    assert f'"href": "/dashboards/life-experiences?period=FY2023-Q1&agency={agency}"' in latest
    assert "Their newest results" not in said("FY2023-Q1"), "a quarter with their results needs no pointer"


def test_each_life_experiences_heatmap_link_names_its_life_experience(executive):
    """Five links read "See them on the heatmap", each to another view: out of context (a screen reader's list of
    links) they were one link five times (WCAG 2.4.4). Each names its life experience."""
    shown = answer(executive, body("life-body.children", {"life-period.value": "FY2026-Q4", "life-agency.value": "all"},
                                   "life-period.value"))
    links = [n for n in walk(shown["life-body"]["children"]) if n["type"] == "A"
             and "See them on the heatmap" in json.dumps(n["props"]["children"])]
    names = [" ".join(json.dumps(n["props"]["children"]).split()) for n in links]
    assert len(links) >= 2 and len(set(names)) == len(names), names


def test_what_an_address_asks_for_that_a_page_cannot_show_is_said_after_its_heading(executive):
    """The focus moves to a page's heading after navigation: a notice above it was passed by unheard."""
    for page in dash.page_registry.values():
        routed = answer(executive, body("_pages_content.children", {
            "_pages_location.pathname": page["relative_path"], "_pages_location.search": "?junk=1"},
            "_pages_location.pathname"))["_pages_content"]["children"]
        nodes = list(walk(routed))
        said = [i for i, n in enumerate(nodes) if isinstance(n["props"].get("children"), str)
                and "'junk' is not a setting of this page" in n["props"]["children"]]
        assert said and any(n["type"] == "H1" for n in nodes[:said[0]]), page["relative_path"]


def test_a_component_of_another_agency_reads_as_all_components(executive):
    import sqlalchemy as sa

    from scorecard.extensions import db
    from scorecard.models import Agency, Component

    with executive.application.app_context():
        first = db.session.scalars(sa.select(Component).order_by(Component.id)).first()
        other = Component(agency=Agency(code="XO", name="Other Department"), code="XO-ONE", name="Other Office")
        db.session.add(other)
        db.session.commit()
        component, agency = first.id, first.agency_id
        other_component, other_agency = other.id, other.agency_id
    routed = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/heatmap",
        "_pages_location.search": f"?agency={agency}&component={other_component}"}, "_pages_location.pathname"))
    controls = {n["props"]["id"]: n["props"].get("value") for n in walk(routed["_pages_content"]["children"])
                if n["type"] == "Dropdown"}
    assert controls["heatmap-agency"] == str(agency) and controls["heatmap-component"] == "all"
    assert "component 'Other Department: Other Office' does not go with the other choices" in json.dumps(routed)
    followed = executive.post(URL, json=body("dashboards-heatmap-url.search", {
        "dashboards-heatmap-url.search": f"?agency={agency}&component={other_component}",
        "dashboards-heatmap-url.pathname": "/dashboards/heatmap", "heatmap-period.value": "FY2026-Q4",
        "heatmap-agency.value": str(agency), "heatmap-component.value": "all", "heatmap-life-experience.value": "all",
        "heatmap-sort.value": "worst"}, "dashboards-heatmap-url.search"))
    assert followed.status_code == 204 or "heatmap-component" not in followed.get_json()["response"], \
        "the address is followed as the layout reads it: no component of another agency"
    moved = answer(executive, body("heatmap-component.options", {"heatmap-agency.value": str(other_agency),
                                                                 "heatmap-component.value": str(component)},
                                   "heatmap-agency.value"))
    assert moved["heatmap-component"]["value"] == "all", "the agency changed away from the component's"
    kept = executive.post(URL, json=body("heatmap-component.options", {
        "heatmap-agency.value": str(agency), "heatmap-component.value": str(component)},
        "heatmap-agency.value")).get_json()["response"]
    assert "value" not in kept["heatmap-component"], "a component of the agency chosen stays"
    every = executive.post(URL, json=body("heatmap-component.options", {
        "heatmap-agency.value": str(other_agency), "heatmap-component.value": "all"},
        "heatmap-agency.value")).get_json()["response"]
    assert "value" not in every["heatmap-component"], "all components stays as it is"


def test_the_leaders_component_filter_keeps_to_the_agency_chosen(executive):
    """On the leaders page a component of one agency stayed chosen with another agency, the list empty and nothing
    said, and the component dropdown offered every agency's components whatever the agency."""
    import sqlalchemy as sa

    from scorecard.extensions import db
    from scorecard.models import Agency, Leader

    with executive.application.app_context():
        component = db.session.scalars(sa.select(Leader.component_id).where(Leader.component_id.is_not(None))).first()
        other = Agency(code="XO", name="Other Department")
        db.session.add(other)
        db.session.commit()
        other_agency = other.id
    routed = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/leaders",
        "_pages_location.search": f"?agency={other_agency}&component={component}"}, "_pages_location.pathname"))
    controls = {n["props"]["id"]: n["props"] for n in walk(routed["_pages_content"]["children"])
                if n["type"] == "Dropdown"}
    assert controls["leaders-agency"]["value"] == str(other_agency)
    assert controls["leaders-component"]["value"] == "all", controls["leaders-component"]
    assert [o["value"] for o in controls["leaders-component"]["options"]] == ["all"], "the other agency has none"
    assert "does not go with the other choices" in json.dumps(routed)
    moved = answer(executive, body("leaders-component.options", {"leaders-agency.value": str(other_agency),
                                                                 "leaders-component.value": str(component)},
                                   "leaders-agency.value"))
    assert moved["leaders-component"]["value"] == "all", "the agency changed away from the component's"


def test_a_long_tables_status_says_how_many_of_its_rows_are_drawn_first(evaluated_executive, monkeypatch):
    """Of a table longer than the browser draws at once, the panel's status read "Table shown: 3,500 rows" while
    500 were drawn: it says so, and the component is told how many to draw first."""
    from dashboards import components

    monkeypatch.setattr(components, "TABLE_FIRST_ROWS", 5)
    filters = {"heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": "all", "heatmap-component.value": "all",
               "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"}
    shown = answer(evaluated_executive, body("heatmap-table.children", {**filters, "heatmap-table-panel.open": True},
                                             "heatmap-table-panel.open"))
    drawn = shown["heatmap-table"]["children"]["props"]["children"]["props"]
    rows = drawn["html"].count("<tr>") - 1
    assert rows > 5 and drawn["firstRows"] == 5
    assert shown["heatmap-table-status"]["children"] == (f"Table shown: {rows:,} rows, the first 5 drawn at once (a "
                                                         "button above the table draws the rest).")


@pytest.mark.parametrize("button, kind", [("heatmap-table-csv", "csv"), ("heatmap-table-xlsx", "xlsx")])
def test_the_heatmap_table_downloads_exactly_what_it_shows(app, evaluated_executive, button, kind):
    executive = evaluated_executive
    filters = {"heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": "all", "heatmap-component.value": "all",
               "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"}
    closed = answer(executive, body("heatmap-table.children", {**filters, "heatmap-table-panel.open": False},
                                    "heatmap-table-panel.open"))
    assert "<table" not in json.dumps(closed) and closed["heatmap-table-status"]["children"] == "", "no table closed"
    assert closed["heatmap-table"]["children"]["props"]["children"] == "Drawing the table…", "for the next opening"
    shown = answer(executive, body("heatmap-table.children", {**filters, "heatmap-table-panel.open": True},
                                   "heatmap-table-panel.open"))
    html = shown["heatmap-table"]["children"]["props"]["children"]["props"]["html"]
    assert shown["heatmap-table-status"]["children"] == f"Table shown: {html.count('<tr>') - 1:,} rows."
    first_program = re.search(r'<th scope="row"><a class="usa-link" href="[^"]+">([^<]+)</a>', html).group(1)
    rows = html.count("<tr>") - 1
    data = answer(executive, body("heatmap-table-download.data", {**filters, f"{button}.n_clicks": 1},
                                  f"{button}.n_clicks"))
    sent = data["heatmap-table-download"]["data"]
    assert sent["filename"] == f"heatmap-FY2026-Q4.{kind}"
    content = base64.b64decode(sent["content"])
    if kind == "csv":
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        import openpyxl
        table = [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert table[0] == ["Program", "Component", "Driver", "Score (1-5)", "Share who trust (%)", "n", "Target",
                        "Status", "Rule finding", "Question as asked", "Import batch"], (
        "FY2026 is A-11's v2 survey: trust's share beside its 1-5 score; a score gives its wording and batch")
    assert len(table) - 1 == rows and table[1][0] == first_program
    scored = [r for r in table[1:] if r[3] not in (None, "")]
    assert scored and all(r[9] and r[10] for r in scored), "every score names its question and where it came from"
    assert any(str(r[10]).startswith(("batch ", "batches ")) for r in scored), "the demo's imports are named"
    red = [r for r in scored if r[7] == "red"]
    assert red and all(str(r[8]).startswith("finding ") for r in red), "the demo's red statuses name their finding"
    finding_id = str(red[0][8]).removeprefix("finding ")
    assert f'<a class="usa-link" href="/findings/{finding_id}">finding {finding_id}</a>' in html, "one click to why"
    chosen = answer(executive, body("heatmap-table-download.data", {**filters, "heatmap-agency.value": "1",
                                                                    "heatmap-component.value": "2",
                                                                    f"{button}.n_clicks": 1}, f"{button}.n_clicks"))
    from dashboards.urlstate import NAMED

    with app.app_context():  # as the filters list them
        named = {key: re.sub(r"[^A-Za-z0-9_.]+", "_", NAMED[f"heatmap-{key}"]()[id_].rsplit(": ", 1)[-1])
                 .strip("_")[:40].rstrip("_") for key, id_ in (("agency", "1"), ("component", "2"))}
    assert named["agency"].startswith("Department_of_")
    assert chosen["heatmap-table-download"]["data"]["filename"] == (
        f"heatmap-FY2026-Q4-agency-1-{named['agency']}-component-2-{named['component']}.{kind}"), (
        "a filtered file is named for its filters, by their ids and names")


def test_the_heatmap_table_of_a_quarter_without_rule_findings_says_why_its_finding_column_is_empty(
        evaluated_executive):
    """A quarter the rules never evaluated: the table's "Rule finding" column was empty beside every red and amber
    status, its caption still promising the finding behind each; it says none explains a status there."""
    filters = {"heatmap-agency.value": "all", "heatmap-component.value": "all",
               "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst", "heatmap-table-panel.open": True}

    def caption(period):
        shown = answer(evaluated_executive, body("heatmap-table.children", {**filters, "heatmap-period.value": period},
                                                 "heatmap-table-panel.open"))
        table = shown["heatmap-table"]["children"]["props"]["children"]["props"]["html"]
        return re.search(r"<caption>(.*?)</caption>", table, re.S).group(1), table

    earlier, table = caption("FY2025-Q2")
    assert "/findings/" not in table, "the rules concluded nothing in FY2025-Q2"
    assert "no rule finding of FY2025-Q2 explains a status: each trust status is the score against its target" \
        in earlier, earlier
    latest, table = caption("FY2026-Q4")
    assert "/findings/" in table and "no rule finding" not in latest, latest


def test_the_life_experience_programs_caption_names_every_column(app):
    """A screen reader reads a table's caption first: it listed status, trust, n, the question and the batch, and
    not the "Rule finding" column between them."""
    from dashboards.pages.life_experiences import programs_table
    from dashboards.queries.life_experience_rollup import Experience, LifeProgram, Rollup

    program = LifeProgram(1, "Passports", "Travel", "State", "amber", 90.3, 113, 7, "/dashboards/program?id=1",
                          judged=3.9312, target=4.0)
    table = programs_table(Rollup("FY2026-Q4", "v2", [Experience(1, "Travelling abroad", programs=[program])]))
    assert "Rule finding" in [c.header for c in table.columns]
    assert "the rule finding behind the status" in table.caption, table.caption
    # a share who trust of 90.3% read amber beside another's 78.3% green: the score it is judged on, and its target
    headers = [c.header for c in table.columns]
    assert headers[5:9] == ["Share who trust (%)", "Trust (mean 1-5, judged against the target)", "n", "Target"]
    assert (table.rows[0]["judged"], table.rows[0]["target"]) == (3.93, 4.0)
    assert "the 1-5 mean the status is judged on" in table.caption and "the target" in table.caption


@pytest.mark.parametrize("value", [-1, "1", 1.5, True, 2**40])
def test_a_hostile_click_count_answers_400(executive, value):
    request = body("heatmap-table-download.data", {"heatmap-table-csv.n_clicks": value}, "heatmap-table-csv.n_clicks")
    response = executive.post(URL, json=request)
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("heatmap-table-csv.n_clicks: ")


@pytest.mark.parametrize("value", ["true", 1, [], {"open": True}])
def test_a_hostile_panel_state_answers_400(executive, value):
    request = body("heatmap-table.children", {"heatmap-table-panel.open": value}, "heatmap-table-panel.open")
    response = executive.post(URL, json=request)
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("heatmap-table-panel.open: ")


def test_json_nested_too_deeply_answers_400(executive):
    """60 KB of brackets (under the body limit) end Python's parser in a RecursionError: bad input."""
    request = body("heatmap-table.children", {"heatmap-table-panel.open": True}, "heatmap-table-panel.open")
    sent = json.dumps(request).replace("true", "[" * 30_000 + "]" * 30_000, 1)
    response = executive.post(URL, data=sent, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]


def test_a_hostile_query_string_answers_400(executive):  # longer than any address the server takes
    request = body("dashboards-heatmap-url.search", {"dashboards-heatmap-url.search": "?" + "a" * 9000},
                   "dashboards-heatmap-url.search")
    assert executive.post(URL, json=request).status_code == 400


def test_a_new_process_has_dash_ready_before_its_first_request(tmp_path):
    """Dash readies itself on the first request behind a check-then-set flag; on a threaded server two
    first requests at once raced (a 500 under load). The app factory readies it before any request."""
    import subprocess
    import sys

    script = ("from scorecard import create_app\nfrom dashboards import dash_app\n"
              f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db', 'SECRET_KEY': 'x'}})\n"
              "print(all(dash_app._got_first_request.values()), len(dash_app.callback_map),"
              " any('_pages_content' in k for k in dash_app.callback_map))")
    ready, callbacks, router = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                              check=True, cwd=Path(__file__).parents[1]).stdout.split()
    assert ready == "True" and int(callbacks) > 20 and router == "True", "set up, the pages' router too"


def test_the_flask_and_dash_pages_show_the_products_own_icon(executive):
    """One product: the same icon on both, not Plotly's, and no request for a /favicon.ico that is not there."""
    for page in ("/", "/dashboards/"):
        html = executive.get(page).get_data(as_text=True)
        found = re.search(r'<link rel="icon" type="image/x-icon" href="([^"]+)"', html)
        assert found, f"{page} names no icon"
        with executive.get(found.group(1).replace("&amp;", "&")) as icon:
            assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00", f"{page}: {found.group(1)}"
            assert icon.data == (Path(__file__).parents[1] / "scorecard/static/favicon.ico").read_bytes()


def test_the_served_app_is_settled_for_serving(tmp_path):
    """wsgi.py, as gunicorn loads it: start-up objects frozen out of the collector's way, and the
    collector's thresholds raised (scorecard.settle_for_serving)."""
    import os
    import subprocess
    import sys

    from scorecard import COLLECT_AFTER

    env = {**os.environ, "SCORECARD_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/served.db",
           "SECRET_KEY": "settled"}
    script = "import gc, wsgi\nprint(gc.get_freeze_count(), *gc.get_threshold())"
    frozen, *threshold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                        cwd=Path(__file__).parents[1], env=env).stdout.split()
    assert int(frozen) > 100_000, "the start-up objects are frozen"
    assert tuple(int(t) for t in threshold) == COLLECT_AFTER


def test_a_filter_value_the_dropdown_does_not_list_reads_as_its_default(evaluated):
    """A quarter without data, an agency or a year that is not there: the dropdown shows the view the page
    draws (its default), not a blank."""
    import importlib

    from dashboards.queries import common
    from scorecard.extensions import db

    pages = {name: importlib.import_module(f"dashboards.pages.{name}")
             for name in ("heatmap", "overview", "compliance", "leaders", "capacity", "program")}
    with evaluated.test_request_context("/dashboards/"):
        latest = common.chosen_period(db.session, None)
        read = pages["heatmap"].url.read({"period": "FY1999-Q1", "agency": "999", "component": "99999",
                                          "life_experience": "99999"})
        assert (read["period"], read["agency"], read["component"], read["life_experience"]) == (
            latest, "all", "all", "all")
        read = pages["leaders"].url.read({"component": "99999", "function": "99999"})
        assert (read["component"], read["function"]) == ("all", "all")
        assert pages["heatmap"].url.read({"period": latest, "agency": "1"})["agency"] == "1", "one it lists stays"
        assert pages["overview"].url.read({"period": "FY2001-Q1"})["period"] == latest
        assert pages["compliance"].url.read({"through": "FY1999-Q1"})["through"] == latest
        assert pages["program"].url.read({"id": "1", "period": "FY1999-Q1"})["period"] == latest
        assert pages["leaders"].url.read({"year": "2050"})["year"] == pages["leaders"].url.read({})["year"] != "2050"
        assert pages["capacity"].url.read({"year": "1999"})["year"] == pages["capacity"].url.read({})["year"] != "1999"


def test_a_driver_no_longer_asked_is_not_said_to_have_no_answers(executive):
    """The satisfaction tile said "No survey answers in FY2026-Q4", as if programs had not reported:
    from FY2024-Q2 A-11's survey asks trust alone on the 1-5 scale."""
    words = json.dumps(answer(executive, body("overview-body.children", {"overview-agency.value": "all"},
                                              "overview-period.value")), ensure_ascii=False)
    assert "No program reported satisfaction in FY2026-Q4: from FY2024-Q2 A-11's survey asks one question, on " \
           "trust (a thumbs up or down, or 1 to 5), and what went well or could be improved." in words
    assert "No survey answers in FY2026-Q4" not in words


def test_a_tile_without_answers_in_a_v1_quarter_says_which_driver_went_unreported():
    """FY2022-Q4's satisfaction tile said "No survey answers in FY2022-Q4" beside a trust tile of 894,561
    answers in the same quarter."""
    from types import SimpleNamespace

    from dashboards.pages.overview import no_score_words

    score = SimpleNamespace(driver="satisfaction", name="Satisfaction", period="FY2022-Q4")
    assert no_score_words(score) == "No program reported satisfaction in FY2022-Q4."


@pytest.mark.parametrize("role", ROLES)
def test_the_briefing_panel_lists_what_the_roles_briefing_holds(demo, client_as, role):
    """A viewer's briefing has no leaders at risk; its panel offered them."""
    routed = answer(client_as(role), body("_pages_content.children", {"_pages_location.pathname": "/dashboards/",
                                                                     "_pages_location.search": ""},
                                          "_pages_location.pathname"))
    panel = next(n for n in walk(routed["_pages_content"]["children"]) if n["props"].get("id") == "overview-briefing")
    words = text(panel)
    sees_all = role != "viewer"
    assert ("overdue commitments and leaders with CX requirements proposed below 3" in words) == sees_all, words
    assert ("overdue commitments (performance plans are not shown to your role)" in words) == (not sees_all), words


def _commitment_counts(client, agency_id) -> dict[str, tuple[int, str]]:
    """The overview's commitments tile for an agency: {label: (count, link)}."""
    shown = answer(client, body("overview-body.children", {"overview-agency.value": agency_id},
                                "overview-agency.value"))
    tile = next(n for n in walk(shown["overview-body"]["children"]) if n["props"].get("id") == "tile-commitments")
    return {text(li["props"]["children"][0]): (int(text(li["props"]["children"][1]).replace(",", "")),
                                               li["props"]["children"][0]["props"]["href"])
            for li in walk(tile) if li["type"] == "Li"}


def _listed(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    words = page.get_data(as_text=True)
    assert "Some filters were ignored" not in words, href
    return len(re.findall(r'<tr data-commitment="\d+"', words))


def test_an_agencys_commitment_counts_open_the_list_narrowed_to_it(app, executive):
    """With an agency chosen, the overview's commitment counts opened the C-suite functions page, unfiltered:
    the officer's "3 overdue" led to a page that did not show those 3. They now open the commitments list
    narrowed to the agency by the same rule, so each count is the number of commitments it lists."""
    import sqlalchemy as sa

    from scorecard.extensions import db
    from scorecard.models import Agency, Commitment, Component, Leader

    with app.app_context():
        home, code = db.session.execute(sa.select(Agency.id, Agency.code).join(Component).join(Leader).limit(1)).one()
        beside = Agency(code="PG-1", name="An agency imported from performance.gov")  # no leaders, no commitments
        db.session.add(Component(agency=beside, code="PG-1-A", name="Its component"))
        db.session.commit()
        other, other_code = beside.id, beside.code
        every = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    counts = _commitment_counts(executive, str(home))
    assert counts and sum(n for n, _ in counts.values()) > 0, "the demo department has commitments"
    for label, (count, href) in counts.items():
        assert href.startswith("/commitments/?") and f"agency={code}" in href, (label, href)
        assert _listed(executive, href) == count, (label, href)
    assert 'id="f-agency"' in executive.get(counts["Overdue"][1]).get_data(as_text=True)

    # A performance.gov agency beside the department: none of the C-suite's commitments are its own
    theirs = _commitment_counts(executive, str(other))
    assert all(n == 0 and f"agency={other_code}" in href for n, href in theirs.values()), theirs
    assert _listed(executive, f"/commitments/?agency={other_code}") == 0
    assert _listed(executive, "/commitments/") == every

    unknown = executive.get("/commitments/?agency=NOPE%3Cb%3E").get_data(as_text=True)
    assert "Agency: there is no agency with the code &#39;NOPE&lt;b&gt;&#39;" in unknown or \
        "Agency: &#39;NOPE&lt;b&gt;&#39; is no agency&#39;s code" in unknown
    assert len(re.findall(r'<tr data-commitment="\d+"', unknown)) == every, "an unknown agency is ignored, said"


def test_the_status_tile_of_an_agency_without_results_does_not_offer_all_0_programs(app):
    """An agency none of whose programs reported in the quarter got a link reading "All 0 programs on the
    heatmap"."""
    from dashboards.pages import overview as page
    from dashboards.queries import overview

    counts = overview.StatusCounts("FY2026-Q4", {status: 0 for status in overview.PROGRAM_STATUSES})
    report = overview.Reporting("FY2026-Q4", expected=3, reported=0, missing=[(1, "A", "B")] * 3)
    with app.test_request_context():
        words = json.dumps(page.status_tile(counts, 10, report).to_plotly_json(), default=str)
    assert "All 0 programs" not in words
    assert "The heatmap (no program has results this quarter)" in words
    assert page.heatmap_words(39) == "All 39 programs on the heatmap"
    assert page.heatmap_words(1) == "The program on the heatmap"


def test_an_agency_without_plans_or_assessments_is_told_so_not_a_year_of_none(app, client_as):
    """A new agency (its organisation in, no plan, no capacity assessment) read "Leaders with CX requirements,
    FYNone", "FYNone total", "change from FY0" and "Leaders whose FYNone plans name the CFO"."""
    from scorecard.extensions import db
    from scorecard.models import Agency, Component, Function, Program

    with app.app_context():
        agency = Agency(code="NEW", name="New Department")
        component = Component(agency=agency, code="C1", name="Field Office", is_hisp=True)
        db.session.add_all([agency, component, Program(component=component, code="P1", name="Front Desk"),
                            Function(code="CFO", name="Chief Financial Officer")])
        db.session.commit()
    client = client_as("executive")
    client.get("/dashboards/_dash-dependencies")
    answers = [answer(client, body("leaders-table.children", {"leaders-year.value": None})),
               answer(client, body("leaders-graph.figure", {"leaders-year.value": None})),
               answer(client, body("capacity-graph.figure", {"capacity-year.value": None})),
               answer(client, body("function-title.children", {"function-code.value": "CFO"}))]
    said = json.dumps(answers)
    assert not re.search(r"FYNone|FY0\b|None (score|total|plans?)", said), re.findall(r".{60}FY(?:None|0\b).{20}", said)
    assert "Leaders with CX requirements, no performance plans yet" in said
    assert "This year&#39;s total" in said and "(no capacity assessment yet)" in said
    assert "No performance plans yet: they come from the Performance plans import" in said
