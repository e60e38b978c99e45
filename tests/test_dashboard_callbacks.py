"""Dashboard callbacks under hostile input: malformed, mistyped or oversized values posted to the
real callback endpoint by a signed-in user answer 400 with a message, never 500; good ones still
draw the figure. Every server callback's inputs are covered by the validation registry.

Request bodies are built from the callbacks as the server declares them (every input and state,
None where a test sets nothing), so a value case is refused for its value, which the answer
names, and not because the body no longer matches a reworked callback."""
import json

import pytest

from dashboards import dash_app
from dashboards.validation import CONVERTERS, MAX_BODY_BYTES
from scorecard.extensions import db
from scorecard.models import Agency
from tests.helpers import CALLBACK_URL as URL
from tests.helpers import callback_body

PERIOD, AGENCY = "heatmap-period.value", "heatmap-agency.value"
PATHNAME, SEARCH = "_pages_location.pathname", "_pages_location.search"


def heatmap(period=None, agency="all", **changes) -> dict:
    return callback_body("heatmap-graph.figure", {PERIOD: period, AGENCY: agency}, **changes)


def routing(pathname="/dashboards/heatmap", search="") -> dict:
    return callback_body(None, {PATHNAME: pathname, SEARCH: search})


def _ready(client):
    """The client, after a first request: Dash fills the app's callback map on its first request."""
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    assert dash_app.callback_map
    return client


@pytest.fixture
def viewer(client_as):
    return _ready(client_as("viewer"))


@pytest.fixture
def demo_viewer(demo, client_as):
    """A viewer's client on the demo agency: observations, so the heatmap queries really run."""
    return _ready(client_as("viewer"))


def _agency_id(app) -> int:
    with app.app_context():
        return db.session.query(Agency.id).order_by(Agency.id).first()[0]


# name -> (the body, built when the test runs; the input the answer must name, if a value is at fault)
HOSTILE = {
    "period not a period": (lambda: heatmap("the third quarter"), PERIOD),
    "period out of range": (lambda: heatmap("FY1066-Q1"), PERIOD),
    # a quarter whose quarter before is none: the overview compares with it (it was a 500)
    "period FY1900-Q1": (lambda: callback_body("overview-body.children", {"overview-period.value": "FY1900-Q1"}),
                         "overview-period.value"),
    "period after FY2100": (lambda: heatmap("FY2101-Q1"), PERIOD),
    "period a number": (lambda: heatmap(2025), PERIOD),
    "period a list": (lambda: heatmap(["FY2025-Q1"]), PERIOD),
    "period an object": (lambda: heatmap({"fiscal_year": 2025}), PERIOD),
    "period too long": (lambda: heatmap("FY2025-Q1 " * 50), PERIOD),
    "agency 10^30 as text": (lambda: heatmap(agency=str(10**30)), AGENCY),
    "agency 10^30 as a number": (lambda: heatmap(agency=10**30), AGENCY),
    "agency 2^31": (lambda: heatmap(agency=2**31), AGENCY),
    "agency negative": (lambda: heatmap(agency="-1"), AGENCY),
    "agency zero": (lambda: heatmap(agency=0), AGENCY),
    "agency a word": (lambda: heatmap(agency="DROP TABLE agencies"), AGENCY),
    "agency a fraction": (lambda: heatmap(agency=1.5), AGENCY),
    "agency true": (lambda: heatmap(agency=True), AGENCY),
    "agency a list": (lambda: heatmap(agency=[1]), AGENCY),
    "agency an object": (lambda: heatmap(agency={"id": 1}), AGENCY),
    "agency unicode digits": (lambda: heatmap(agency="١٢"), AGENCY),
    "routing pathname a number": (lambda: routing(pathname=5), PATHNAME),
    "routing search an object": (lambda: routing(search={"a": 1}), SEARCH),
    "routing pathname huge": (lambda: routing(pathname="/" + "a" * 9000), PATHNAME),  # past the longest address
    "routing pathname elsewhere": (lambda: routing(pathname="/imports/"), PATHNAME),  # Dash's routing raised: 500
    "routing pathname relative": (lambda: routing(pathname="dashboards/heatmap"), PATHNAME),
    "unknown callback": (lambda: heatmap(output="heatmap-graph.nope"), None),
    "clientside callback": (lambda: heatmap(output="_pages_dummy.children",
                                            outputs={"id": "_pages_dummy", "property": "children"}), None),
    "output not text": (lambda: heatmap(output=[heatmap()["output"]]), None),
    "outputs mismatched": (lambda: heatmap(outputs={"id": "other", "property": "figure"}), None),
    # Dash sends one output as an object, several as a list: a list of one for a callback of one output was
    # taken by Dash for a wildcard's and answered 500
    "one output sent as a list": (lambda: callback_body("overview-body.children", {"overview-period.value": None},
                                                        outputs=[{"id": "overview-body", "property": "children"}]),
                                  None),
    "several outputs sent as one": (lambda: heatmap(outputs=heatmap()["outputs"][0]), None),
    "inputs missing": (lambda: {k: v for k, v in heatmap().items() if k != "inputs"}, None),
    "inputs not a list": (lambda: heatmap(inputs="heatmap-period"), None),
    "inputs of numbers": (lambda: heatmap(inputs=[1, 2]), None),
    "one input short": (lambda: heatmap(inputs=heatmap()["inputs"][:-1]), None),
    "inputs swapped": (lambda: heatmap(inputs=heatmap()["inputs"][::-1]), None),
    "an extra state": (lambda: heatmap(state=heatmap().get("state", []) + [
        {"id": "heatmap-period", "property": "value", "value": None}]), None),
    "changedPropIds not a list": (lambda: heatmap(changedPropIds=PERIOD), None),
    "changedPropIds of numbers": (lambda: heatmap(changedPropIds=[1]), None),
    "a list": (lambda: [heatmap()], None),
    "a string": (lambda: "heatmap-graph.figure", None),
    "a number": (lambda: 10**30, None),
    "null": (lambda: None, None),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_callback_payloads_answer_400(viewer, name):
    body, named = HOSTILE[name]
    response = viewer.post(URL, data=json.dumps(body()), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    detail = response.get_json()["detail"]
    assert detail, "the 400 says what was wrong"
    if named:
        assert detail.startswith(f"{named}: "), detail
    if name == "an extra state":
        assert "the state sent does not match the callback's" in detail, detail


def test_a_well_formed_body_is_answered(viewer):
    """The bodies the cases above spoil are good as built: each is refused for what was spoilt."""
    for body in (heatmap(), routing()):
        response = viewer.post(URL, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("body, content_type", [
    (lambda: "{not json", "application/json"),
    (lambda: "", "application/json"),
    (lambda: "output=heatmap-graph.figure", "application/x-www-form-urlencoded"),
    (lambda: json.dumps(heatmap()), "text/plain"),
    (lambda: json.dumps(heatmap(period="FY2025-Q1" + " " * MAX_BODY_BYTES)), "application/json"),
], ids=["broken json", "empty", "a form", "json as text/plain", "oversized"])
def test_malformed_bodies_answer_400(viewer, body, content_type):
    response = viewer.post(URL, data=body(), content_type=content_type)
    assert response.status_code == 400


@pytest.mark.parametrize("sent, named", [
    (lambda: json.dumps(heatmap(period="FY2025-Q1\u0000")), "a text holds a NUL character (U+0000)"),
    (lambda: "{not json", "Expecting property name"),
    (lambda: json.dumps(heatmap(period="FY2025-Q1")).replace('"FY2025-Q1"', "[" * 20_000 + "]" * 20_000, 1),
     "JSON nested too deeply"),
    (lambda: json.dumps(heatmap(period="FY2025-Q1")).encode().replace(b"FY", b"\xff", 1), "not UTF-8 text"),
], ids=["a NUL in a value", "broken", "nested too deeply", "not UTF-8"])
def test_a_body_that_is_not_json_says_what_is_wrong_with_it(viewer, sent, named):
    response = viewer.post(URL, data=sent(), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(f"the body is not JSON this reads: {named}"), (
        response.get_json()["detail"])


def test_the_hostile_value_is_named_in_the_answer(viewer):
    detail = viewer.post(URL, json=heatmap(agency=str(10**30))).get_json()["detail"]
    assert "heatmap-agency.value" in detail and "whole number" in detail
    detail = viewer.post(URL, json=heatmap("the third quarter")).get_json()["detail"]
    assert "heatmap-period.value" in detail and "not a fiscal quarter" in detail


def test_good_values_still_draw_the_heatmap(app, demo_viewer):
    viewer = demo_viewer
    figures = {}
    for period in (None, "FY2026-Q4", "FY26 Q4", "2026Q4", "Q4 FY2026"):
        response = viewer.post(URL, json=heatmap(period))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        figures[period] = response.get_json()["response"]["heatmap-graph"]["figure"]
    assert figures["FY26 Q4"]["data"], "the demo's latest quarter has data"
    assert figures["FY26 Q4"]["data"] == figures["FY2026-Q4"]["data"] == figures[None]["data"]

    agency = _agency_id(app)
    for value in (str(agency), agency):
        response = viewer.post(URL, json=heatmap("FY2026-Q4", value))
        assert response.status_code == 200
        assert response.get_json()["response"]["heatmap-graph"]["figure"]["data"] == figures["FY2026-Q4"]["data"]
    assert viewer.post(URL, json=heatmap("FY2026-Q4", str(10**30))).status_code == 400
    nobody = viewer.post(URL, json=heatmap("FY2026-Q4", 2**31 - 1))
    assert nobody.status_code == 200  # an id no agency has: an empty heatmap, not an error
    assert "No program observations" in json.dumps(nobody.get_json())


def test_page_routing_callback_still_answers(viewer):
    response = viewer.post(URL, json=routing())
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "Programs × A-11 drivers" in json.dumps(response.get_json(), ensure_ascii=False)


def test_anonymous_hostile_payloads_are_still_401(viewer, client):
    """Sign-in is checked before the values: a stranger learns nothing about what is accepted."""
    assert client.post(URL, json=heatmap(agency=str(10**30))).status_code == 401


def test_every_server_callback_input_has_a_converter(viewer):
    """A new callback whose inputs nobody registered would answer 400 to every request: this names it."""
    for output, entry in dash_app.callback_map.items():
        if not callable(entry.get("callback")):
            continue  # runs in the browser
        for spec in entry["inputs"] + entry.get("state", []):
            assert f"{spec['id']}.{spec['property']}" in CONVERTERS, f"{output}: register {spec}"


def test_a_long_query_string_the_server_takes_opens_the_page_with_its_defaults(demo_viewer):
    """An address of a few thousand characters (a filter value pasted twice, a tool's tracking tail): the page
    opens on its defaults, never a blank page."""
    from tests.helpers import callback_answer

    shown = callback_answer(demo_viewer, routing(search="?sort=" + "A" * 3000))
    assert "Programs × A-11 drivers" in json.dumps(shown, ensure_ascii=False)


def test_a_score_beside_its_target_reads_as_it_is_judged_on_every_table(demo):
    """The demo's Housing Inspections scored 3.8966 against 3.90 in FY2026-Q2 (amber): the overview's
    table and its download read 3.90, as if on target. The heatmap, the overview and the briefing show
    such a score to the places it takes."""
    from dashboards.pages.overview import programs_table

    with demo.app_context():
        table = programs_table("FY2026-Q2", None)
    close = [r for r in table.rows if r["value"] is not None and r["target"] is not None
             and r["value"] != r["target"] and round(r["value"], 2) == round(r["target"], 2)]
    assert close, "the demo has a score just under its target"
    value = next(c for c in table.columns if c.key == "value")
    for row in close:
        assert value.text(row["value"]) != f"{row['target']:.2f}", row
        assert value.export(row["value"]) != row["target"], row


def test_the_overviews_status_table_gives_the_share_who_trust_of_a_v2_quarter(demo):
    """The tile, the heatmap and the program page lead with the share who trust from the v2 survey on; the
    overview's table of every program gave the 1-5 mean alone."""
    from dashboards.pages.overview import programs_table

    with demo.app_context():
        v2, v1 = programs_table("FY2026-Q4", None), programs_table("FY2023-Q4", None)
    assert [c.header for c in v2.columns][3:5] == ["Share who trust (%)", "Trust (mean 1-5, judged against the target)"]
    shares = [r["share"] for r in v2.rows if r["share"] is not None]
    assert len(shares) >= 10 and all(0 <= s <= 100 for s in shares) and "share who trust" in v2.caption
    assert "share" not in [c.key for c in v1.columns], "before the v2 survey, trust is the 1-5 mean alone"


def test_the_overviews_status_table_gives_each_scores_question_and_import_batch_as_the_heatmap_does(demo):
    """A score's table gives the question as asked and the import batch it came from: the heatmap's and the life
    experiences' do; the overview's table of every program's status, and its downloads, did not."""
    from dashboards.pages.overview import programs_table
    from dashboards.queries import common
    from dashboards.queries.heatmap import survey_heatmap
    from scorecard.extensions import db

    with demo.app_context():
        table = programs_table("FY2026-Q4", None)
        heat = survey_heatmap(db.session, "FY2026-Q4", common.ProgramFilter())
        trust = heat.drivers.index("trust")
        expected = {row.program: (row.cells[trust].question, row.cells[trust].source) for row in heat.rows}
    headers = [c.header for c in table.columns]
    assert headers[-2:] == ["Trust question as asked", "Import batch"]
    assert "the trust question as asked and its import batch" in table.caption
    scored = [r for r in table.rows if r["n"]]
    assert len(scored) >= 30 and all(r["source"].startswith(("batch ", "batches ")) for r in scored)
    assert all((r["question"], r["source"]) == expected[r["program"]] for r in scored), "as the heatmap says them"
    assert [row[-2:] for row in table.export_rows()] == [[r["question"], r["source"]] for r in table.rows], (
        "and the downloads")


def test_a_program_without_trust_answers_is_said_so_in_the_overviews_table_as_on_the_heatmap(app, cli_demo):
    """FY2021-Q4: a performance.gov program reported other drivers alone. Its question and batch cells were
    blank in the overview's table, where the heatmap says "no observations"."""
    from dashboards.pages.overview import programs_table
    from dashboards.queries import common
    from dashboards.queries.heatmap import survey_heatmap
    from scorecard.extensions import db

    with app.app_context():
        early = programs_table("FY2021-Q4", None)
        heat = survey_heatmap(db.session, "FY2021-Q4", common.ProgramFilter())
        trust = heat.drivers.index("trust")
        expected = {row.program: (row.cells[trust].question, row.cells[trust].source) for row in heat.rows}
    unasked = [r for r in early.rows if expected[r["program"]] == ("no observations",) * 2]
    assert unasked and all((r["question"], r["source"]) == expected[r["program"]] for r in early.rows), (
        "a program without trust answers is said so, as the heatmap does, not left blank")
