"""Deny by default: every route needs sign-in, dashboards included; roles see what DESIGN §6 allows."""
import json

import pytest

from scorecard.models import Role
from scorecard.permissions import PERMISSIONS, can

DASH_PAGES = ["/dashboards/", "/dashboards/heatmap"]
DASH_XHR_GET = ["/dashboards/_dash-layout", "/dashboards/_dash-dependencies", "/dashboards/_reload-hash"]


def _callback_body():
    return {
        "output": "heatmap-graph.figure",
        "outputs": {"id": "heatmap-graph", "property": "figure"},
        "inputs": [{"id": "heatmap-period", "property": "value", "value": None},
                   {"id": "heatmap-agency", "property": "value", "value": "all"}],
        "changedPropIds": ["heatmap-period.value"],
    }


@pytest.mark.parametrize("url", ["/"] + DASH_PAGES)
def test_anonymous_pages_redirect_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("url", DASH_XHR_GET)
def test_anonymous_dash_requests_get_401(client, url):
    assert client.get(url).status_code == 401


def test_anonymous_dash_callback_gets_401(client):
    response = client.post("/dashboards/_dash-update-component", json=_callback_body())
    assert response.status_code == 401


def test_every_registered_route_is_closed_to_anonymous_users(app, client):
    public = {"auth.login", "static", "main.healthz"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        url = rule.rule.replace("<path:path>", "x").replace("<path:filename>", "x")
        url = url.replace("<string:package_name>", "dash").replace("<path:fingerprinted_path>", "x.js")
        for key in rule.arguments:
            url = url.replace(f"<{key}>", "1").replace(f"<int:{key}>", "1")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code in (302, 401), f"{method} {url} -> {response.status_code}"
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_sees_home_and_dashboards(client_as, role):
    client = client_as(role)
    assert client.get("/").status_code == 200
    for url in DASH_PAGES + ["/dashboards/_dash-layout"]:
        assert client.get(url).status_code == 200, url


def test_signed_in_dash_callback_returns_a_figure(client_as):
    client = client_as("viewer")
    response = client.post("/dashboards/_dash-update-component", json=_callback_body())
    assert response.status_code == 200
    figure = json.loads(response.get_data(as_text=True))["response"]["heatmap-graph"]["figure"]
    assert "layout" in figure


EXPECTED = {
    # action: roles allowed (DESIGN §6)
    "view_dashboards": {"admin", "executive", "officer", "analyst", "leader", "viewer"},
    "import_data": {"admin", "analyst"},
    "manage_metrics": {"admin", "analyst"},
    "edit_commitment": {"admin", "officer", "leader"},
    "draft_rules": {"admin", "analyst"},
    "publish_rules": {"admin"},
    "rate_plans": {"admin", "executive"},
    "view_rules": {"admin", "executive", "officer", "analyst", "leader"},
    "upload_commitments": {"admin", "officer", "leader"},
    "view_plans": {"admin", "executive", "officer", "analyst", "leader"},
    "manage_users": {"admin"},
    "view_audit": {"admin", "executive"},
    "view_commitments": {"admin", "executive", "officer", "analyst", "leader"},
    "create_commitment": {"admin", "officer"},
    "drop_commitment": {"admin", "officer"},
    "read_outbox": {"admin"},
    "view_capacity": {"admin", "executive", "officer", "analyst", "leader", "viewer"},
    "edit_capacity": {"admin", "analyst"},
    "reopen_capacity": {"admin"},
}


def test_permission_table_matches_design():
    assert set(PERMISSIONS) == set(EXPECTED)
    for action, roles in EXPECTED.items():
        assert {r.value for r in PERMISSIONS[action]} == roles, action


def test_unknown_actions_and_anonymous_users_are_denied(app, make_user):
    with app.app_context():
        admin = make_user("admin")
        assert can(admin, "manage_users")
        assert not can(admin, "launch_rockets")
        assert not can(None, "view_dashboards")
