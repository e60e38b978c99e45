"""Deny by default: every route needs sign-in, dashboards included; roles see what DESIGN §6 allows."""
import json
import re

import pytest

from scorecard import create_app
from scorecard.models import Role
from scorecard.permissions import PERMISSIONS, can

DASH_PAGES = ["/dashboards/", "/dashboards/heatmap"]
DASH_XHR_GET = ["/dashboards/_dash-layout", "/dashboards/_dash-dependencies", "/dashboards/_reload-hash"]


def _callback_body():
    """The body the browser posts for the heatmap's figure callback, as that callback is declared
    (every input empty: the page's defaults)."""
    from dashboards import dash_app
    from dashboards.validation import _outputs

    output, entry = next(((o, e) for o, e in dash_app.callback_map.items()
                          if callable(e.get("callback")) and "heatmap-graph.figure" in _outputs(o)),
                         ("heatmap-graph.figure", {"inputs": [{"id": "heatmap-period", "property": "value"}]}))
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in _outputs(output)]
    inputs = [{**spec, "value": None} for spec in entry["inputs"]]
    return {"output": output, "outputs": outputs[0] if len(outputs) == 1 else outputs, "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
            **({"state": [{**spec, "value": None} for spec in entry["state"]]} if entry.get("state") else {})}


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
    public = {"auth.login", "static", "main.healthz", "main.accessibility"}
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


def test_the_dashboards_navigation_offers_the_leaders_page_to_the_roles_that_open_plans(client_as):
    """A viewer's role opens no plan: the Leaders tab led to "Your role opens no plan, so this page has none to
    show". It is not offered them; the address still answers with that sentence."""
    from tests.test_dashboard_pages import walk

    def tabs(client):
        layout = client.get("/dashboards/_dash-layout").get_json()
        return {item["props"]["children"]["props"]["children"] for item in walk(layout)
                if "dash-subnav__item" in str(item.get("props", {}).get("className", ""))}
    assert "Leaders" in tabs(client_as("executive")) and "Leaders" in tabs(client_as("analyst"))
    viewer = client_as("viewer")
    assert "Leaders" not in tabs(viewer) and {"Overview", "Heatmap", "Capacity"} <= tabs(viewer)
    assert viewer.get("/dashboards/leaders").status_code == 200


def test_signed_in_dash_callback_returns_a_figure(client_as):
    client = client_as("viewer")
    assert client.get("/dashboards/_dash-dependencies").status_code == 200  # the pages' callbacks registered
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
    "send_reminders": {"admin"},
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


# --------------------------------------------------------------------------- the route × role matrix
# Every route of the app (url_map: method and rule) × every role has an expected answer: the roles
# that pass the route's permission check. Every other role must get 403. PUBLIC routes need no
# sign-in. A route added without a row here fails `test_every_route_has_a_row_in_the_rbac_matrix`;
# add the row (DESIGN §6 says which roles) in the same change.

ALL = frozenset(r.value for r in Role)
PUBLIC = "public"
ADMIN = frozenset({"admin"})
AUDIT = frozenset({"admin", "executive"})
NOT_VIEWER = ALL - {"viewer"}
IMPORTERS = frozenset({"admin", "officer", "analyst", "leader"})  # import_data or upload_commitments
ANALYSTS = frozenset({"admin", "analyst"})
OFFICERS = frozenset({"admin", "officer"})
EDITORS = frozenset({"admin", "officer", "leader"})

ROUTE_MATRIX: dict[tuple[str, str], object] = {
    ("GET", "/"): ALL,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/accessibility"): PUBLIC,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/auth/login"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/logout"): ALL,
    ("GET", "/auth/session"): ALL,
    ("POST", "/auth/session"): ALL,
    ("GET", "/auth/password"): ALL,
    ("POST", "/auth/password"): ALL,
    # administration
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/users/new"): ADMIN,
    ("POST", "/admin/users/new"): ADMIN,
    ("GET", "/admin/users/<int:user_id>"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/account"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/password"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/<any(deactivate, reactivate):change>"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/unlock"): ADMIN,
    ("POST", "/admin/unlock-address"): ADMIN,
    ("GET", "/admin/audit"): AUDIT,
    ("GET", "/admin/audit.csv"): AUDIT,
    # API tokens: everyone their own
    ("GET", "/api-tokens/"): ALL,
    ("POST", "/api-tokens/"): ALL,
    ("GET", "/api-tokens/<int(max=2147483647):token_id>/revoke"): ALL,
    ("POST", "/api-tokens/<int(max=2147483647):token_id>/revoke"): ALL,
    # capacity assessments
    ("GET", "/capacity/"): ALL,
    ("GET", "/capacity/<int:component_id>/<int:fiscal_year>"): ALL,
    ("GET", "/capacity/<int:component_id>/<int:fiscal_year>/edit"): ANALYSTS,
    ("POST", "/capacity/<int:component_id>/<int:fiscal_year>/edit"): ANALYSTS,
    ("POST", "/capacity/<int:component_id>/<int:fiscal_year>/submit"): ANALYSTS,
    ("GET", "/capacity/<int:component_id>/<int:fiscal_year>/reopen"): ADMIN,
    ("POST", "/capacity/<int:component_id>/<int:fiscal_year>/reopen"): ADMIN,
    # commitments
    ("GET", "/commitments/"): NOT_VIEWER,
    ("GET", "/commitments/<int:commitment_id>"): NOT_VIEWER,
    ("GET", "/commitments/download.<any(xlsx, csv):kind>"): NOT_VIEWER,
    ("GET", "/commitments/new"): OFFICERS,
    ("POST", "/commitments/new"): OFFICERS,
    ("GET", "/commitments/<int:commitment_id>/edit"): EDITORS,
    ("POST", "/commitments/<int:commitment_id>/edit"): EDITORS,
    ("GET", "/commitments/<int:commitment_id>/drop"): OFFICERS,
    ("POST", "/commitments/<int:commitment_id>/drop"): OFFICERS,
    # dashboards (Dash) and what they link to
    ("GET", "/dashboards/"): ALL,
    ("GET", "/dashboards/<path:path>"): ALL,
    ("GET", "/dashboards/_dash-layout"): ALL,
    ("GET", "/dashboards/_dash-dependencies"): ALL,
    ("POST", "/dashboards/_dash-update-component"): ALL,
    ("GET", "/dashboards/_reload-hash"): ALL,
    ("GET", "/dashboards/_favicon.ico"): ALL,
    ("GET", "/dashboards/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"): ALL,
    ("GET", "/dashboards/assets/<path:filename>"): ALL,
    ("GET", "/dashboards/briefings/<job_id>"): ALL,
    ("GET", "/findings/<int:finding_id>"): ALL,
    # imports
    ("GET", "/imports/"): IMPORTERS,
    ("GET", "/imports/upload"): IMPORTERS,
    ("POST", "/imports/upload"): IMPORTERS,
    ("GET", "/imports/<int:batch_id>"): IMPORTERS,
    ("GET", "/imports/<int:batch_id>/status"): IMPORTERS,
    ("GET", "/imports/<int:batch_id>/errors.xlsx"): IMPORTERS,
    ("POST", "/imports/<int:batch_id>/confirm"): IMPORTERS,
    ("POST", "/imports/<int:batch_id>/cancel"): IMPORTERS,
    ("GET", "/imports/<int:batch_id>/revert"): IMPORTERS,
    ("POST", "/imports/<int:batch_id>/revert"): IMPORTERS,
    ("GET", "/imports/templates/<format_name>.xlsx"): ANALYSTS,  # the metrics layout; officers get commitments
    # mail
    ("GET", "/outbox/"): ADMIN,
    ("GET", "/outbox/<int:message_id>"): ADMIN,
    ("POST", "/outbox/send"): ADMIN,
    # plans
    ("GET", "/plans/"): NOT_VIEWER,
    ("GET", "/plans/<int:plan_id>"): NOT_VIEWER,
    ("GET", "/plans/<int:plan_id>/elements/<int:element_id>/decision"): AUDIT,  # leads to the plan's page
    ("POST", "/plans/<int:plan_id>/elements/<int:element_id>/decision"): AUDIT,  # rate_plans
    # rules
    ("GET", "/rules/"): NOT_VIEWER,
    ("POST", "/rules/default-pack"): ADMIN,
    ("GET", "/rules/new"): ANALYSTS,
    ("POST", "/rules/new"): ANALYSTS,
    ("GET", "/rules/<key>"): NOT_VIEWER,
    ("GET", "/rules/<key>/edit"): ANALYSTS,
    ("POST", "/rules/<key>/edit"): ANALYSTS,
    ("GET", "/rules/<key>/retire"): ADMIN,
    ("POST", "/rules/<key>/retire"): ADMIN,
    ("GET", "/rules/<key>/versions/<int:number>"): NOT_VIEWER,
    ("POST", "/rules/<key>/versions/<int:number>/publish"): ADMIN,
    ("POST", "/rules/<key>/versions/<int:number>/simulate"): ANALYSTS,
    # the REST API, with each role's personal access token (viewers hold read tokens only)
    ("GET", "/api/v1/openapi.json"): ALL,
    ("GET", "/api/v1/docs"): ALL,
    ("GET", "/api/v1/agencies"): ALL,
    ("GET", "/api/v1/agencies/<int(max=2147483647):agency_id>"): ALL,
    ("GET", "/api/v1/components"): ALL,
    ("GET", "/api/v1/components/<int(max=2147483647):component_id>"): ALL,
    ("GET", "/api/v1/programs"): ALL,
    ("GET", "/api/v1/programs/<int(max=2147483647):program_id>"): ALL,
    ("GET", "/api/v1/functions"): ALL,
    ("GET", "/api/v1/functions/<int(max=2147483647):function_id>"): ALL,
    ("GET", "/api/v1/metrics"): ALL,
    ("GET", "/api/v1/metrics/<int(max=2147483647):metric_id>"): ALL,
    ("GET", "/api/v1/observations"): ALL,
    ("POST", "/api/v1/observations"): ANALYSTS,
    ("GET", "/api/v1/observations/<int(max=2147483647):observation_id>"): ALL,
    ("GET", "/api/v1/scores"): ALL,
    ("GET", "/api/v1/findings"): ALL,
    ("GET", "/api/v1/findings/<int(max=2147483647):finding_id>"): ALL,
    ("GET", "/api/v1/commitments"): NOT_VIEWER,
    ("GET", "/api/v1/commitments/<int(max=2147483647):commitment_id>"): NOT_VIEWER,
    ("PATCH", "/api/v1/commitments/<int(max=2147483647):commitment_id>"): EDITORS,
    ("GET", "/api/v1/plans"): NOT_VIEWER,
    ("GET", "/api/v1/plans/<int(max=2147483647):plan_id>"): NOT_VIEWER,
    ("GET", "/api/v1/capacity-assessments"): ALL,
    ("GET", "/api/v1/capacity-assessments/<int(max=2147483647):assessment_id>"): ALL,
    ("GET", "/api/v1/imports"): IMPORTERS,
    ("POST", "/api/v1/imports"): IMPORTERS,
    ("GET", "/api/v1/imports/<int(max=2147483647):batch_id>"): IMPORTERS,
    ("POST", "/api/v1/imports/<int(max=2147483647):batch_id>/confirm"): IMPORTERS,
    ("POST", "/api/v1/imports/<int(max=2147483647):batch_id>/cancel"): IMPORTERS,
    ("POST", "/api/v1/imports/<int(max=2147483647):batch_id>/revert"): IMPORTERS,
}

MISSING_ID = "2147483000"  # no object has it: a route answers 403 before looking, or 404 after the check
# A query string a route needs to get past its own code to the answer (GET /commitments/new: the
# capacity prefill reads int("") when no component is named, a 500 with the demo's form choices).
ROUTE_QUERY = {("GET", "/commitments/new"): "?component_id=none"}
_ARGUMENT = re.compile(r"<(?:(?P<converter>[^<>:]+?(?:\([^)]*\))?):)?(?P<name>[^<>]+)>")


def app_routes(app) -> list[tuple[str, str]]:
    return sorted({(method, rule.rule) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def test_every_route_has_a_row_in_the_rbac_matrix(app):
    missing = [f"    ({method!r}, {rule!r}): <roles>," for method, rule in app_routes(app)
               if (method, rule) not in ROUTE_MATRIX]
    assert not missing, ("these routes have no row in the RBAC matrix (ROUTE_MATRIX in tests/test_access.py); add "
                         "each with the roles DESIGN §6 allows:\n" + "\n".join(missing))
    for roles in ROUTE_MATRIX.values():
        assert roles == PUBLIC or (isinstance(roles, frozenset) and roles <= ALL)


def _url(app, client, method: str, rule: str) -> str:
    def fill(match):
        converter, name = match.group("converter") or "", match.group("name")
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" )")
        return {"filename": "scorecard.js" if rule.startswith("/dashboards/") else "scorecard.css",
                "path": "heatmap", "format_name": "metrics", "key": "no-such-rule"}.get(name, MISSING_ID)
    if "_dash-component-suites" in rule:  # a real asset of the dashboards' page
        page = client.get("/dashboards/").get_data(as_text=True)
        return re.search(r'src="(/dashboards/_dash-component-suites/[^"]+)"', page).group(1)
    return _ARGUMENT.sub(fill, rule) + ROUTE_QUERY.get((method, rule), "")


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_route_answers_each_role_as_the_matrix_says(demo, make_user, role):
    from scorecard.api.tokens import create_token
    from scorecard.extensions import db
    from scorecard.models import User

    app = demo
    app.config["WTF_CSRF_ENABLED"] = False  # the permission check, not the CSRF token, answers here
    with app.app_context():
        user = make_user(role, f"matrix.{role}@test.gov")
        user_id = user.id
        _, secret = create_token(db.session, user, scope="read" if role == "viewer" else "write")
    wrong = []
    for method, rule in app_routes(app):
        expected = ROUTE_MATRIX.get((method, rule))
        if expected is None:
            continue  # test_every_route_has_a_row_in_the_rbac_matrix names it
        with app.app_context():
            client = app.test_client(user=db.session.get(User, user_id))  # a new session: sign-out rotates it
        url = _url(app, client, method, rule)
        headers = {"Authorization": f"Bearer {secret}"} if url.startswith("/api/v1") else {}
        response = client.open(url, method=method, headers=headers, data={} if method != "GET" else None)
        response.close()
        allowed = expected == PUBLIC or role in expected
        status = response.status_code
        if status >= 500 or status == 401 or (status == 403) == allowed:
            wrong.append(f"{method} {url}: {status}, expected {'an answer' if allowed else '403'}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_a_route_without_a_row_fails_naming_it(db_url):
    # Its own app: it adds a route.
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x", "TESTING": True})
    app.add_url_rule("/brand-new/<int:thing_id>", "brand_new", lambda thing_id: "new", methods=["GET", "POST"])
    with pytest.raises(AssertionError) as failed:
        test_every_route_has_a_row_in_the_rbac_matrix(app)
    assert "('GET', '/brand-new/<int:thing_id>')" in str(failed.value)
    assert "('POST', '/brand-new/<int:thing_id>')" in str(failed.value)


def test_the_accessibility_statement_is_open_to_anyone_and_linked_from_every_footer(app, client, client_as):
    """Anyone may read how the site meets Section 508, signed in or not: the footer of the sign-in page, of
    every Flask page and of the dashboards links to it (one footer: scorecard.navigation)."""
    statement = client.get("/accessibility")
    assert statement.status_code == 200
    page = statement.get_data(as_text=True)
    assert "<h1" in page and "Accessibility statement" in page and "WCAG" in page
    assert f"({app.config['SESSION_IDLE_MINUTES']} minutes)" in page
    assert 'href="/accessibility"' in client.get("/auth/login").get_data(as_text=True)
    viewer = client_as("viewer")
    for path in ("/", "/accessibility"):
        assert 'href="/accessibility"' in viewer.get(path).get_data(as_text=True), path
    assert 'href="/accessibility"' in client_as("admin").get("/admin/users").get_data(as_text=True)
    layout = json.dumps(viewer.get("/dashboards/_dash-layout").get_json())  # Plotly's JSON writes "/" as \u002f
    assert '"href": "/accessibility"' in layout and "Accessibility statement" in layout


@pytest.mark.parametrize("role, cards, not_cards", [
    ("officer", ["Open commitments", "Open capacity"], ["Manage users"]),
    ("leader", ["Open commitments", "Open capacity"], ["Manage users"]),
    ("viewer", ["Open capacity"], ["Open commitments", "Manage users"]),
    ("admin", ["Open commitments", "Open capacity", "Manage users", "Open the audit log"], []),
])
def test_the_home_page_leads_each_role_to_its_work(client_as, role, cards, not_cards):
    """The home page's cards led to the heatmap, plans, rules and imports only: not to an officer's commitments
    or capacity assessments, nor to an administrator's users and audit log (reachable from the header alone)."""
    page = client_as(role).get("/").get_data(as_text=True)
    for card in cards:
        assert card in page, (role, card)
    for card in not_cards:
        assert card not in page, (role, card)


def test_the_accessibility_statement_counts_the_session_times_in_words(app, client):
    """The statement wrote the configured times as "(1 minutes)"; they are counted as the rest of the site
    counts."""
    app.config.update(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=30)
    page = client.get("/accessibility").get_data(as_text=True)
    assert "(1 minute)" in page and "30 seconds ahead" in page and "1 minutes" not in page


def test_the_accessibility_statement_does_not_promise_typed_passwords_are_kept(app, client, make_user):
    """The statement said every form keeps what was typed and names each problem at its field; a refused
    password comes back empty (the change-your-password page), and a refused sign-in is said above the form. It
    says both."""
    import html
    import re

    from tests.conftest import PASSWORD
    from tests.helpers import csrf_token, sign_in

    with app.app_context():
        make_user("viewer")
    statement = " ".join(html.unescape(client.get("/accessibility").get_data(as_text=True)).split())
    assert "except passwords" in statement and "sign-in form" in statement
    sign_in(client, "viewer@test.gov", PASSWORD)
    form = client.get("/auth/password").get_data(as_text=True)
    refused = client.post("/auth/password", data={"csrf_token": csrf_token(form), "current": "typed and refused",
                                                  "password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "typed and refused" not in refused and not re.search(r'type="password"[^>]*value="[^"]', refused)


def test_a_head_request_to_a_form_asks_as_a_get_does_and_changes_nothing(published, make_user):
    """Flask answers HEAD on every GET route, through the same view: a view that took every method but GET for a
    submit reverted an import batch on a HEAD (no CSRF token: only POST and its kin are checked), and answered
    500 on the commitment forms. Every page that also takes a form answers a HEAD as its GET, and nothing is
    written."""
    import sqlalchemy as sa

    from scorecard.api.tokens import create_token
    from scorecard.extensions import db
    from scorecard.models import (
        ApiToken,
        AuditEvent,
        BatchStatus,
        CapacityAssessment,
        Commitment,
        ImportBatch,
        PlanElement,
        Rule,
        RuleStatus,
        RuleVersion,
        User,
    )
    from scorecard.models.capacity import CapacityStatus
    from scorecard.models.commitments import CommitmentStatus

    app = published
    with app.app_context():
        user_id = make_user("admin", "head.admin@test.gov").id
        token, _secret = create_token(db.session, db.session.get(User, user_id), scope="read", name="head check")
        db.session.commit()
        token_id = token.id
        element = db.session.scalars(sa.select(PlanElement).order_by(PlanElement.id)).first()
        committed = db.session.scalars(sa.select(ImportBatch.id).where(ImportBatch.status == BatchStatus.committed)
                                       .order_by(ImportBatch.id.desc())).first()
        submitted = db.session.scalars(sa.select(CapacityAssessment)
                                       .where(CapacityAssessment.status == CapacityStatus.submitted)).first()
        values = {"plan_id": element.plan_id, "element_id": element.id, "batch_id": committed,
                  "key": db.session.scalars(sa.select(Rule.key)).first(),
                  "commitment_id": db.session.scalars(sa.select(Commitment.id).where(
                      Commitment.status != CommitmentStatus.dropped)).first(),
                  "component_id": submitted.component_id, "fiscal_year": submitted.fiscal_year, "token_id": token_id}
        written = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        client = app.test_client(user=db.session.get(User, user_id))
    forms = [rule for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods]
    assert any(rule.endpoint == "imports.revert" for rule in forms)
    answers = {}
    left = {}
    for rule in forms:
        url = _ARGUMENT.sub(lambda match: str(values[match.group("name")]), rule.rule)
        answers[url] = client.head(url).status_code
        with client.session_transaction() as kept:
            left[url] = kept.get("_flashes")
    assert all(status in (200, 302, 303) for status in answers.values()), {u: s for u, s in answers.items() if s >= 400}
    assert not any(left.values()), {u: said for u, said in left.items() if said}  # a submitted assessment's, say
    with app.app_context():
        assert db.session.get(ImportBatch, committed).status is BatchStatus.committed
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == written
        assert db.session.get(ApiToken, token_id).revoked_at is None
        assert db.session.scalar(sa.select(RuleVersion.id).where(RuleVersion.status == RuleStatus.published))
