"""Acting on an import batch — viewing its preview or rejected rows, confirming, cancelling,
reverting — needs the same permission as uploading its format, with the same scope (officers and
leaders: their own batches, their own rows); the audit event and every history row name who acted,
and the batch keeps who uploaded it.

The matrix is generated from the format registry and the roles: a new format is covered as soon
as it is registered, with the permission its sink names."""
import hashlib
import html
import io

import pytest
import sqlalchemy as sa

from importers import access, jobs
from importers.access import BATCH_ACTIONS, format_permission
from importers.formats.registry import FORMATS
from importers.revert import RevertError, revert_batch
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    BatchStatus,
    Commitment,
    CommitmentUpdate,
    Function,
    ImportBatch,
    Leader,
    Program,
    Role,
    User,
)
from scorecard.permissions import PERMISSIONS
from tests.conftest import PASSWORD
from tests.helpers import HEADER, ROW, csrf_token, upload, workbook_bytes

ROLES = [r.value for r in Role]
# DESIGN §6, pinned for the formats named in the issue; every other format follows its sink's permission.
DESIGN = {
    "commitments": {"admin", "officer", "leader"},
    "org": {"admin"},
    "leaders": {"admin"},
    "metrics": {"admin", "analyst"},
    "targets": {"admin", "analyst"},
    "touchpoints-a11-v2": {"admin", "analyst"},
}
# What each action starts from, and what it leaves when it is allowed.
STARTS = {"view": BatchStatus.previewed, "confirm": BatchStatus.previewed, "cancel": BatchStatus.previewed,
          "revert": BatchStatus.committed}


def uploaders(format_name: str) -> set[str]:
    """The roles that may upload the format: those its sink's permission allows."""
    return {role.value for role in PERMISSIONS[format_permission(format_name)]}


@pytest.fixture
def inline(app):
    app.config["IMPORTS_INLINE"] = True
    return app


@pytest.fixture
def make_user(app):
    """A user of a role (officers of CFO, leaders with a Leader record) who signs in through the test
    client only: no password, so none is hashed (hundreds of tests make users here)."""
    def make(role: str, email: str | None = None) -> User:
        role = Role(role)
        user = User(email=email or f"{role.value}@test.gov", role=role, password_hash="!")
        if role is Role.officer:
            user.function = db.session.scalar(sa.select(Function).where(Function.code == "CFO")) or Function(
                code="CFO", name="Chief Financial Officer")
        if role is Role.leader:
            user.leader = Leader(name="Test Leader", email=user.email)
        db.session.add(user)
        db.session.commit()
        return user
    return make


def _batch(app, tmp_path, owner_id: int, format_name: str, status: BatchStatus) -> int:
    """A batch of `format_name` uploaded by `owner_id`, as the pages find it in `status`."""
    stored = tmp_path / f"{format_name}-{status.value}.csv"
    stored.write_bytes(b"not,a,real,upload\n")
    with app.app_context():
        batch = ImportBatch(filename=stored.name, checksum=hashlib.sha256(stored.read_bytes()).hexdigest(),
                            user_id=owner_id, format=format_name, status=status, stored_path=str(stored),
                            options={"format": format_name}, errors=[{"row": 2, "column": "x", "value": 1,
                                                                      "message": "a problem"}])
        db.session.add(batch)
        db.session.commit()
        return batch.id


def _status(app, batch_id) -> BatchStatus:
    with app.app_context():
        return db.session.get(ImportBatch, batch_id).status


def _user(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


def _act(client, action: str, batch_id: int):
    if action == "view":
        return client.get(f"/imports/{batch_id}")
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post(f"/imports/{batch_id}/{action}", data={"csrf_token": token})


def test_the_design_is_what_the_sinks_say():
    for name, roles in DESIGN.items():
        assert uploaders(name) == roles, name


# Each case is a permission decision made in Python; the conditional claims behind confirm and cancel
# are exercised on PostgreSQL by the other tests here and by tests/test_import_concurrency_and_edges.py.
@pytest.mark.engine_independent
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("format_name", list(FORMATS))
@pytest.mark.parametrize("action", BATCH_ACTIONS)
def test_batch_actions_follow_the_upload_permission(inline, make_user, tmp_path, action, format_name, role):
    app = inline
    allowed = role in uploaders(format_name)
    with app.app_context():
        user = make_user(role)
        owner = user if allowed else make_user("admin", "uploader@test.gov")
        user_id, owner_id = user.id, owner.id
    batch_id = _batch(app, tmp_path, owner_id, format_name, STARTS[action])
    client = app.test_client(user=_user(app, user_id))
    response = _act(client, action, batch_id)
    after = _status(app, batch_id)
    if not allowed:
        assert response.status_code == 403, response.get_data(as_text=True)[:300]
        assert after is STARTS[action], "a refused action changes nothing"
        return
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:300]
    if action == "view":
        assert client.get(f"/imports/{batch_id}/status").status_code == 200
        assert client.get(f"/imports/{batch_id}/errors.xlsx").status_code == 200
    elif action == "confirm":
        assert after is not BatchStatus.previewed  # committed, or failed on this stand-in upload
        with app.app_context():
            assert "may not" not in (db.session.get(ImportBatch, batch_id).message or "")
    else:
        assert after is {"cancel": BatchStatus.cancelled, "revert": BatchStatus.reverted}[action]


@pytest.mark.parametrize("role", ["officer", "leader"])
@pytest.mark.parametrize("action", BATCH_ACTIONS)
def test_officers_and_leaders_act_only_on_their_own_batches(inline, make_user, tmp_path, action, role):
    app = inline
    with app.app_context():
        user_id = make_user(role).id
        other_id = make_user("admin", "admin2@test.gov").id
    batch_id = _batch(app, tmp_path, other_id, "commitments", STARTS[action])
    response = _act(app.test_client(user=_user(app, user_id)), action, batch_id)
    assert response.status_code == 403 and _status(app, batch_id) is STARTS[action]


@pytest.mark.parametrize("uploader", ["officer", "leader"])
def test_an_officers_or_leaders_file_never_recognised_stays_theirs_and_the_admins(inline, make_user, tmp_path,
                                                                                 uploader):
    """A file whose layout was never known (nothing was or can be written) was open to every analyst, though
    an officer's may hold their function's rows: it is the uploader's, and the admins'."""
    app = inline
    with app.app_context():
        owner_id = make_user(uploader).id
        analyst_id = make_user("analyst", "analyst2@test.gov").id
        admin_id = make_user("admin", "admin2@test.gov").id
    batch_id = _batch(app, tmp_path, owner_id, "metrics", BatchStatus.failed)
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.format, batch.options = None, {}
        db.session.commit()
    for user_id, allowed in ((owner_id, True), (admin_id, True), (analyst_id, False)):
        client = app.test_client(user=_user(app, user_id))
        assert client.get(f"/imports/{batch_id}").status_code == (200 if allowed else 403), user_id
        listed = f"/imports/{batch_id}" in client.get("/imports/").get_data(as_text=True)
        assert listed is allowed, user_id


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("format_name", list(FORMATS))
def test_uploading_follows_the_same_permission(inline, make_user, role, format_name):
    app = inline
    with app.app_context():
        client = app.test_client(user=make_user(role))
    page = client.get("/imports/upload")
    if not uploaders(format_name) & {role}:
        if page.status_code == 403:
            return  # no import pages at all (executives, viewers)
        token = csrf_token(page.get_data(as_text=True))
        response = client.post("/imports/upload", data={"csrf_token": token, "format": format_name,
                                                         "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                               content_type="multipart/form-data")
        with app.app_context():
            batch = db.session.scalar(sa.select(ImportBatch))
        # Officers and leaders have one layout: their choice is replaced by it; others are told no.
        assert response.status_code == 400 or (batch is not None and batch.options["format"] != format_name)
        return
    assert f'value="{format_name}"' in page.get_data(as_text=True)
    assert client.get(f"/imports/templates/{format_name}.xlsx").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_history_lists_only_batches_the_user_may_act_on(inline, make_user, tmp_path, role):
    app = inline
    with app.app_context():
        user_id = make_user(role).id
        admin_id = make_user("admin", "uploader@test.gov").id
    mine = {name: _batch(app, tmp_path, user_id, name, BatchStatus.committed) for name in FORMATS
            if role in uploaders(name)}
    theirs = {name: _batch(app, tmp_path, admin_id, name, BatchStatus.committed) for name in FORMATS}
    client = app.test_client(user=_user(app, user_id))
    page = client.get("/imports/")
    if not any(role in uploaders(name) for name in FORMATS):
        assert page.status_code == 403
        return
    html = page.get_data(as_text=True)
    for batch_id in mine.values():
        assert f'/imports/{batch_id}"' in html
    scoped = role in ("officer", "leader")
    for name, batch_id in theirs.items():
        shown = role in uploaders(name) and not scoped
        assert (f'/imports/{batch_id}"' in html) is shown, (name, batch_id)


def test_the_historys_count_and_pages_hold_only_the_batches_the_user_may_open(inline, make_user, tmp_path):
    """An officer's upload never recognised is theirs and the admins': the analyst's history left it out of its
    rows but counted it ("448 batches" of 444 listed) and paged with it (a page of 96 rows)."""
    from importers.web.routes import HISTORY_PAGE

    app = inline
    with app.app_context():
        analyst_id = make_user("analyst").id
        officer_id = make_user("officer", "cfo.officer@test.gov").id
        for n in range(HISTORY_PAGE + 3):
            db.session.add(ImportBatch(filename=f"ok-{n}.csv", checksum=f"{n:064d}", user_id=analyst_id,
                                       format="metrics", status=BatchStatus.committed, options={}))
        for n in range(5):  # the officer's files, newest: never recognised
            db.session.add(ImportBatch(filename=f"officer-{n}.csv", checksum=f"{n + 900:064d}", user_id=officer_id,
                                       format=None, status=BatchStatus.rejected, options={}))
        db.session.commit()
    client = app.test_client(user=_user(app, analyst_id))
    first = client.get("/imports/").get_data(as_text=True)
    assert f"Import history: {HISTORY_PAGE + 3} batches" in first, "counted as listed"
    assert first.count('class="usa-link" href="/imports/') >= HISTORY_PAGE and "officer-" not in first
    last = client.get("/imports/?page=2").get_data(as_text=True)
    assert "ok-0.csv" in last and "officer-" not in last


# ------------------------------------------------------------------ the cases found in review

def _demo_client(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return app.test_client(user=user), user.id


COMMITMENT_FILE = [["Function", "Title", "Status", "Reason"], ["CFO", "Publish CX budget alignment", "on_track", None]]


def _commitment(title="Publish CX budget alignment"):
    return db.session.scalar(sa.select(Commitment).where(Commitment.title == title))


def test_an_analyst_cannot_view_confirm_or_cancel_an_officers_commitments_preview(demo, inline):
    officer, _ = _demo_client(demo, "cfo.officer@demo.cx.gov")
    analyst, _ = _demo_client(demo, "analyst@demo.cx.gov")
    batch_id = upload(officer, workbook_bytes(COMMITMENT_FILE))
    assert _status(demo, batch_id) is BatchStatus.previewed
    for action in ("view", "confirm", "cancel"):
        assert _act(analyst, action, batch_id).status_code == 403, action
    assert analyst.get(f"/imports/{batch_id}/status").status_code == 403
    assert f'/imports/{batch_id}"' not in analyst.get("/imports/").get_data(as_text=True)
    assert _status(demo, batch_id) is BatchStatus.previewed
    with demo.app_context():
        assert _commitment() is None


def test_an_admin_confirming_an_officers_preview_is_named_and_the_uploader_kept(demo, inline):
    officer, officer_id = _demo_client(demo, "cfo.officer@demo.cx.gov")
    admin, admin_id = _demo_client(demo, "admin@demo.cx.gov")
    batch_id = upload(officer, workbook_bytes(COMMITMENT_FILE))
    assert _act(admin, "confirm", batch_id).status_code == 302
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.committed and batch.user_id == officer_id
        audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import.commit",
                                                              AuditEvent.entity_id == batch_id))
        assert audit.user_id == admin_id and audit.after["uploaded_by"] == officer_id
        history = db.session.scalars(sa.select(CommitmentUpdate).where(
            CommitmentUpdate.commitment_id == _commitment().id)).all()
        assert history and all(h.user_id == admin_id for h in history)
        assert all("uploaded by cfo.officer@demo.cx.gov" in h.note for h in history)

    assert _act(admin, "revert", batch_id).status_code == 302
    with demo.app_context():
        audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import.revert",
                                                              AuditEvent.entity_id == batch_id))
        assert audit.user_id == admin_id and audit.after["uploaded_by"] == officer_id
        assert audit.after["format"] == "commitments" and _commitment() is None


def test_an_officer_confirming_their_own_preview_is_named_once(demo, inline):
    officer, officer_id = _demo_client(demo, "cfo.officer@demo.cx.gov")
    batch_id = upload(officer, workbook_bytes(COMMITMENT_FILE))
    assert _act(officer, "confirm", batch_id).status_code == 302
    with demo.app_context():
        [history] = db.session.scalars(sa.select(CommitmentUpdate).where(
            CommitmentUpdate.commitment_id == _commitment().id)).all()
        assert history.user_id == officer_id and "uploaded by" not in history.note


ORG_FILE = [["Agency", "Component", "Program"],
            ["Department of Public Services (demo)", "Benefits Administration", "Reviewed Program"]]


def test_an_analyst_cannot_confirm_or_revert_an_admins_org_batch(demo, inline):
    admin, _ = _demo_client(demo, "admin@demo.cx.gov")
    analyst, _ = _demo_client(demo, "analyst@demo.cx.gov")
    batch_id = upload(admin, workbook_bytes(ORG_FILE), name="org.xlsx", format="org")
    assert _status(demo, batch_id) is BatchStatus.previewed
    assert _act(analyst, "confirm", batch_id).status_code == 403
    assert _act(analyst, "view", batch_id).status_code == 403
    assert _status(demo, batch_id) is BatchStatus.previewed
    assert _act(admin, "confirm", batch_id).status_code == 302
    assert _status(demo, batch_id) is BatchStatus.committed
    assert _act(analyst, "revert", batch_id).status_code == 403
    assert _status(demo, batch_id) is BatchStatus.committed
    with demo.app_context():
        assert db.session.scalar(sa.select(Program).where(Program.name == "Reviewed Program")) is not None


def test_an_analyst_cannot_choose_a_layout_they_may_not_import(demo, inline):
    analyst, _ = _demo_client(demo, "analyst@demo.cx.gov")
    with demo.app_context():
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))  # the demo's own
    page = analyst.get("/imports/upload").get_data(as_text=True)
    assert 'value="org"' not in page and 'value="commitments"' not in page and 'value="metrics"' in page
    token = csrf_token(page)
    response = analyst.post("/imports/upload", data={
        "csrf_token": token, "format": "org", "file": (io.BytesIO(workbook_bytes(ORG_FILE)), "o.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches
    assert analyst.get("/imports/templates/org.xlsx").status_code == 403


def test_the_officers_scope_is_checked_again_when_they_confirm(demo, inline):
    """An officer moved to another function since the preview: the rows are outside their scope now."""
    officer, officer_id = _demo_client(demo, "cfo.officer@demo.cx.gov")
    batch_id = upload(officer, workbook_bytes(COMMITMENT_FILE))
    with demo.app_context():
        user = db.session.get(User, officer_id)
        user.function = db.session.scalar(sa.select(Function).where(Function.code == "CIO"))
        db.session.commit()
    assert _act(officer, "confirm", batch_id).status_code == 302
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.rejected
        assert any("only for their own function (CIO)" in e["message"] for e in batch.errors)
        assert _commitment() is None


def test_the_officers_scope_is_checked_when_they_revert(demo, inline):
    officer, officer_id = _demo_client(demo, "cfo.officer@demo.cx.gov")
    batch_id = upload(officer, workbook_bytes(COMMITMENT_FILE))
    assert _act(officer, "confirm", batch_id).status_code == 302
    with demo.app_context():
        user = db.session.get(User, officer_id)
        user.function = db.session.scalar(sa.select(Function).where(Function.code == "CIO"))
        db.session.commit()
    response = _act(officer, "revert", batch_id)
    assert response.status_code in (302, 303)
    assert _status(demo, batch_id) is BatchStatus.committed
    with demo.app_context():
        assert _commitment() is not None
        with pytest.raises(RevertError, match=r"officers may revert only their own function's \(CIO\)"):
            revert_batch(db.session, batch_id, user_id=officer_id)
        db.session.rollback()
        revert_batch(db.session, batch_id)  # the command line is trusted
        assert _commitment() is None


def test_a_leader_reverts_only_commitments_that_still_name_them(demo, inline, tmp_path):
    leader, leader_id = _demo_client(demo, "leader@demo.cx.gov")
    with demo.app_context():
        user = db.session.get(User, leader_id)
        mine = db.session.scalar(sa.select(Commitment).where(Commitment.leader_id == user.leader_id))
        title, function, ident, version = mine.title, mine.function.code, mine.id, mine.version
        reason = "Procurement slipped" if mine.status.value != "at_risk" else "Procurement slipped again"
    # by its id and version, as a download of the leader's commitments gives them (by its title alone, over an
    # officer's save, the row is a conflict: nothing tells whether it was written before that save)
    batch_id = upload(leader, workbook_bytes([["ID", "Function", "Title", "Status", "Reason", "Version"],
                                              [ident, function, title, "at_risk", reason, version]]))
    assert _status(demo, batch_id) is BatchStatus.previewed, _status(demo, batch_id)
    assert _act(leader, "confirm", batch_id).status_code == 302
    assert _status(demo, batch_id) is BatchStatus.committed
    with demo.app_context():
        db.session.scalar(sa.select(Commitment).where(Commitment.title == title)).leader_id = None
        db.session.commit()
        with pytest.raises(RevertError, match="leaders may revert only commitments that name them"):
            revert_batch(db.session, batch_id, user_id=leader_id)


def test_the_worker_refuses_a_layout_the_uploader_may_not_import(app, make_user, tmp_path):
    """Checked in the job as well as on the pages: an officer's metrics file fails, nothing written."""
    stored = tmp_path / "metrics.xlsx"
    stored.write_bytes(workbook_bytes([HEADER, ROW]))
    with app.app_context():
        officer = make_user("officer")
        batch = ImportBatch(filename="metrics.xlsx", checksum="0" * 64, user_id=officer.id,
                            status=BatchStatus.pending, stored_path=str(stored), options={})
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    jobs._run(app, batch_id, False)
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.failed and "may not import" in batch.message


def test_an_upload_refused_for_its_layout_is_shown_to_its_uploader(analyst, demo):
    """An analyst's file recognised as an organisation-structure file (theirs to upload, not to import) led to
    "You do not have access" on the page the upload went to, and was missing from their imports: they see their
    own batch, failed, saying why; its confirm stays refused, and another analyst still may not see it."""
    batch_id = upload(analyst, b"agency,component,component_code,program\nDept X,Comp Y,CY,Prog Z\n",
                      name="org.csv")
    page = analyst.get(f"/imports/{batch_id}")
    said = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Only administrators may import the org structure (you are signed in as " \
        "analyst); nothing was imported" in said
    assert f'href="/imports/{batch_id}"' in analyst.get("/imports/").get_data(as_text=True)
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.failed and batch.format == "org", (batch.status, batch.format)
        other = User(email="analyst2@test.gov", role=Role.analyst)
        other.set_password(PASSWORD)
        db.session.add(other)
        db.session.commit()
        assert access.refusal(other, batch) is not None
