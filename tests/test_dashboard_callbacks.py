"""Dashboard callbacks under hostile input: malformed, mistyped or oversized values posted to the
real callback endpoint by a signed-in user answer 400 with a message, never 500; good ones still
draw the figure. Every server callback's inputs are covered by the validation registry."""
import json

import pytest

from dashboards import dash_app
from dashboards.validation import CONVERTERS, MAX_BODY_BYTES
from scorecard.extensions import db
from scorecard.models import Agency

URL = "/dashboards/_dash-update-component"
PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."


def heatmap(period=None, agency="all", **changes) -> dict:
    body = {
        "output": "heatmap-graph.figure",
        "outputs": {"id": "heatmap-graph", "property": "figure"},
        "inputs": [{"id": "heatmap-period", "property": "value", "value": period},
                   {"id": "heatmap-agency", "property": "value", "value": agency}],
        "changedPropIds": ["heatmap-period.value"],
    }
    body.update(changes)
    return body


def routing(pathname="/dashboards/heatmap", search="") -> dict:
    return {
        "output": PAGES_OUTPUT,
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"],
    }


@pytest.fixture
def viewer(client_as):
    return client_as("viewer")


@pytest.fixture
def demo_viewer(demo, client_as):
    """A viewer's client on the demo agency: observations, so the heatmap queries really run."""
    return client_as("viewer")


def _agency_id(app) -> int:
    with app.app_context():
        return db.session.query(Agency.id).order_by(Agency.id).first()[0]


HOSTILE = {
    "period not a period": heatmap("the third quarter"),
    "period out of range": heatmap("FY1066-Q1"),
    "period a number": heatmap(2025),
    "period a list": heatmap(["FY2025-Q1"]),
    "period an object": heatmap({"fiscal_year": 2025}),
    "period too long": heatmap("FY2025-Q1 " * 50),
    "agency 10^30 as text": heatmap(agency=str(10**30)),
    "agency 10^30 as a number": heatmap(agency=10**30),
    "agency 2^31": heatmap(agency=2**31),
    "agency negative": heatmap(agency="-1"),
    "agency zero": heatmap(agency=0),
    "agency a word": heatmap(agency="DROP TABLE agencies"),
    "agency a fraction": heatmap(agency=1.5),
    "agency true": heatmap(agency=True),
    "agency a list": heatmap(agency=[1]),
    "agency an object": heatmap(agency={"id": 1}),
    "agency unicode digits": heatmap(agency="١٢"),
    "unknown callback": heatmap(output="heatmap-graph.nope"),
    "clientside callback": {**heatmap(), "output": "_pages_dummy.children",
                            "outputs": {"id": "_pages_dummy", "property": "children"}},
    "output not text": heatmap(output=["heatmap-graph.figure"]),
    "outputs mismatched": heatmap(outputs={"id": "other", "property": "figure"}),
    "inputs missing": {k: v for k, v in heatmap().items() if k != "inputs"},
    "inputs not a list": heatmap(inputs="heatmap-period"),
    "inputs of numbers": heatmap(inputs=[1, 2]),
    "one input short": heatmap(inputs=heatmap()["inputs"][:1]),
    "inputs swapped": heatmap(inputs=heatmap()["inputs"][::-1]),
    "an extra state": heatmap(state=[{"id": "heatmap-period", "property": "value", "value": None}]),
    "changedPropIds not a list": heatmap(changedPropIds="heatmap-period.value"),
    "changedPropIds of numbers": heatmap(changedPropIds=[1]),
    "routing pathname a number": routing(pathname=5),
    "routing search an object": routing(search={"a": 1}),
    "routing pathname huge": routing(pathname="/" + "a" * 5000),
    "a list": [heatmap()],
    "a string": "heatmap-graph.figure",
    "a number": 10**30,
    "null": None,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_callback_payloads_answer_400(viewer, name):
    response = viewer.post(URL, data=json.dumps(HOSTILE[name]), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["detail"], "the 400 says what was wrong"


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("", "application/json"),
    ("output=heatmap-graph.figure", "application/x-www-form-urlencoded"),
    (json.dumps(heatmap()), "text/plain"),
    (json.dumps(heatmap(period="FY2025-Q1" + " " * MAX_BODY_BYTES)), "application/json"),
], ids=["broken json", "empty", "a form", "json as text/plain", "oversized"])
def test_malformed_bodies_answer_400(viewer, body, content_type):
    response = viewer.post(URL, data=body, content_type=content_type)
    assert response.status_code == 400


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


def test_anonymous_hostile_payloads_are_still_401(client):
    assert client.post(URL, json=heatmap(agency=str(10**30))).status_code == 401


def test_every_server_callback_input_has_a_converter(app):
    """A new callback whose inputs nobody registered would answer 400 to every request: this names it."""
    for output, entry in dash_app.callback_map.items():
        if not callable(entry.get("callback")):
            continue  # runs in the browser
        for spec in entry["inputs"] + entry.get("state", []):
            assert f"{spec['id']}.{spec['property']}" in CONVERTERS, f"{output}: register {spec}"
