"""The performance.gov HISP trust file posted through the API (upload, then confirm) reads back
through GET /api/v1/scores as the published point scales; posted observations go through the same
import pipeline as a file (one batch, all or nothing, revertible)."""
import csv
import io
from collections import defaultdict
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from scorecard.api.permissions import PREFIX
from scorecard.api.tokens import create_token
from scorecard.driver_rule import is_non_standard_wording
from scorecard.extensions import db
from scorecard.models import ApiToken, AuditEvent, BatchStatus, ImportBatch, Observation, Program, User
from scorecard.survey import point_scale
from tests.conftest import TRUST_CSV

COUNTS = ("strongly_disagree_num", "disagree_num", "neutral_num", "agree_num", "strongly_agree_num")
# performance.gov's one published swap: IRS asked satisfaction in the trust slot (q2) in FY2021-Q2.
SWAPPED = {("16", "FY2021-Q2", "computer", "IRS.gov — Random selection after visiting any IRS.gov PUP page on a "
            "computer. 50/50 split of being presented with main survey or beta survey")}


@pytest.fixture
def analyst_token(app, make_user):
    with app.app_context():
        return create_token(db.session, make_user("analyst"), scope="write")[1]


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def _published():
    """{(service id, period): [(counts, published point scale, question)]} of every trust answer set."""
    surveys = defaultdict(list)
    with open(TRUST_CSV, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts = [int(float(row[c] or 0)) for c in COUNTS]
            period = f"FY{row['fiscal_year']}-Q{row['quarter']}"
            touchpoint = " — ".join(p.strip() for p in (row["service_provided"], row["transaction_point"]) if p.strip())
            if not sum(counts) or (row["service_id"], period, row["channel"].strip(), touchpoint) in SWAPPED:
                continue
            surveys[(row["service_id"], period)].append((counts, round(float(row["point_scale"]), 2),
                                                         row["question_text"].strip()))
    return surveys


def test_the_trust_file_through_the_api_gives_the_published_point_scales(app, analyst_token):
    client = app.test_client()
    # Encoded in memory: werkzeug's test client spools a large multipart body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(TRUST_CSV.read_bytes()), TRUST_CSV.name)})
    uploaded = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)[:500]
    batch = uploaded.get_json()
    assert batch["status"] == "previewed" and batch["format"] == "performance-gov-trust", batch["message"]
    assert uploaded.headers["Location"].endswith(f"/imports/{batch['id']}")
    assert batch["preview"]["changes"]
    confirmed = client.post(f"{PREFIX}/imports/{batch['id']}/confirm", headers=_bearer(analyst_token))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)[:500]
    assert confirmed.get_json()["status"] == "committed" and confirmed.get_json()["inserted"] == 468
    with app.app_context():  # the audit log says the upload and its confirm came through the API, with its token
        events = dict(db.session.execute(sa.select(AuditEvent.action, AuditEvent.after).where(
            AuditEvent.entity_type == "import_batch", AuditEvent.entity_id == batch["id"])).all())
        token = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()).limit(1))
    for action in ("import.upload", "import.commit"):
        assert events[action]["via_api_token"] == {"id": token.id, "name": token.name}, (action, events)

    published = _published()
    with app.app_context():
        services = {p.id: p.external_id.removeprefix("pg-program-") for p in db.session.scalars(sa.select(Program))}
    seen, single = set(), 0
    for period in sorted({period for _, period in published}):
        page = client.get(f"{PREFIX}/scores?metric=trust&period={period}&page_size=500",
                          headers=_bearer(analyst_token)).get_json()
        for item in page["items"]:
            key = (services[item["program"]["id"]], period)
            surveys = published[key]
            pooled = [sum(column) for column in zip(*(counts for counts, _, _ in surveys))]
            assert [item[f"count_{k}"] for k in range(1, 6)] == pooled, key
            assert item["n"] == sum(pooled)
            assert round(item["value"], 2) == point_scale(pooled), key
            if len(surveys) == 1:  # one survey: exactly the point scale performance.gov published
                assert round(item["value"], 2) == surveys[0][1], key
                single += 1
            if sum(1 for count in pooled if count) == 1:  # every answer alike: no interval to give
                assert item["ci_low"] is None and item["ci_high"] is None, key
            else:
                assert item["n"] < 2 or 1 <= item["ci_low"] <= item["value"] <= item["ci_high"] <= 5, key
            assert item["non_standard_wording"] == any(is_non_standard_wording("trust", q) for _, _, q in surveys)
            seen.add(key)
    assert seen == set(published)
    assert single > 100  # programs with one survey in the quarter


def test_posted_observations_are_one_import_batch_and_can_be_reverted(app, analyst_token):
    client = app.test_client()
    rows = [{"agency": "Department of Public Service", "component": "Benefits Administration",
             "program": "Benefits Call Center", "metric": "trust", "period": "FY2025-Q1", "channel": "phone",
             "count_1": 1, "count_2": 2, "count_3": 3, "count_4": 4, "count_5": 10,
             "question_text": "This interaction increased my trust in the Department."},
            {"agency": "Department of Public Service", "component": "Benefits Administration",
             "program": "Benefits Call Center", "metric": "trust", "period": "FY2025-Q1", "channel": "web",
             "n": 5, "count_4": 2, "count_5": 3}]
    with app.app_context():
        from scorecard.a11 import ensure_standard_metrics
        from scorecard.models import Agency, Component

        agency = Agency(code="DPS", name="Department of Public Service")
        component = Component(agency=agency, code="BA", name="Benefits Administration")
        db.session.add(Program(component=component, code="BA-CALL", name="Benefits Call Center"))
        ensure_standard_metrics(db.session)
        db.session.commit()
    dry = client.post(f"{PREFIX}/observations?dry_run=true", json=rows, headers=_bearer(analyst_token))
    assert dry.status_code == 200 and dry.get_json()["status"] == "would_import"
    assert dry.get_json()["inserted"] == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 0

    bad = [rows[0], {**rows[1], "n": 6}, {**rows[1], "period": "someday", "channel": "mail"}]
    rejected = client.post(f"{PREFIX}/observations", json=bad, headers=_bearer(analyst_token))
    assert rejected.status_code == 422
    problem = rejected.get_json()
    assert rejected.content_type == "application/problem+json" and problem["import_status"] == "rejected"
    assert problem["detail"] == "2 items have problems; nothing was imported. Fix them and send the request again."
    assert sorted((e["row"], e["column"]) for e in problem["errors"]) == [(2, "n"), (3, "period")]
    assert next(e for e in problem["errors"] if e["row"] == 3)["value"] == "someday"
    one = client.post(f"{PREFIX}/observations", json=bad[:2], headers=_bearer(analyst_token))
    assert one.status_code == 422 and one.get_json()["detail"].startswith(
        "1 item has problems; nothing was imported. Fix it and")
    typed = client.post(f"{PREFIX}/observations", json=[{**rows[0], "count_1": "many"}, {"period": "FY2025-Q1"}],
                        headers=_bearer(analyst_token))
    assert typed.status_code == 422
    assert sorted((e["row"], e["column"]) for e in typed.get_json()["errors"]) == [(1, "count_1"), (2, "metric")]
    twice = client.post(f"{PREFIX}/observations", json=[rows[0], rows[1], rows[0]], headers=_bearer(analyst_token))
    [duplicate] = twice.get_json()["errors"]
    assert duplicate["row"] == 3 and duplicate["message"].endswith("as item 1"), "items counted as the array counts"
    months = [{**rows[0], "period": "2024-10-01"}, rows[1],
              {**rows[0], "period": "2024-11-01", "question_text": "Other"}]
    reworded = client.post(f"{PREFIX}/observations", json=months, headers=_bearer(analyst_token))
    [month] = reworded.get_json()["errors"]
    assert month["row"] == 3 and "another month of FY2025-Q1, as item 1, but it asks" in month["message"], month
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 0

    done = client.post(f"{PREFIX}/observations", json=rows, headers=_bearer(analyst_token))
    assert done.status_code == 201, done.get_data(as_text=True)
    summary = done.get_json()
    assert summary["status"] == "imported" and summary["inserted"] == 2 and summary["batch"]
    again = client.post(f"{PREFIX}/observations", json=rows, headers=_bearer(analyst_token))
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    listed = client.get(f"{PREFIX}/observations?import_batch_id={summary['batch']}",
                        headers=_bearer(analyst_token)).get_json()
    assert listed["total"] == 2
    score = client.get(f"{PREFIX}/scores?metric=trust&period=FY2025-Q1", headers=_bearer(analyst_token)).get_json()
    assert score["items"][0]["count_5"] == 13 and score["items"][0]["n"] == 25

    # a revert cannot be undone: a dry run makes its checks and counts, and changes nothing
    dry = client.post(f"{PREFIX}/imports/{summary['batch']}/revert?dry_run=true", headers=_bearer(analyst_token))
    assert dry.status_code == 200, dry.get_data(as_text=True)
    assert dry.get_json()["dry_run"] is True and dry.get_json()["deleted"] == 2
    assert dry.get_json()["batch"]["status"] == "committed" and dry.get_json()["evaluation"] is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 2
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "import.revert")), "no revert recorded"
    reverted = client.post(f"{PREFIX}/imports/{summary['batch']}/revert", headers=_bearer(analyst_token))
    assert reverted.status_code == 200, reverted.get_data(as_text=True)
    assert reverted.get_json()["deleted"] == 2 and reverted.get_json()["batch"]["status"] == "reverted"
    assert reverted.get_json()["dry_run"] is False
    assert reverted.get_json()["evaluation"] == "done"  # the tests evaluate in place (EVALUATIONS_INLINE)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 0
        uploader = db.session.get(ImportBatch, summary["batch"]).user_id
        assert db.session.get(User, uploader).email == "analyst@test.gov"
    # who confirmed and who reverted it, as the batch's page says (the API gave neither)
    assert dry.get_json()["batch"]["confirmed_by"] == uploader and dry.get_json()["batch"]["reverted_by"] is None
    assert (reverted.get_json()["batch"]["confirmed_by"], reverted.get_json()["batch"]["reverted_by"]) == (uploader,
                                                                                                          uploader)
    listed = client.get(f"{PREFIX}/imports?status=reverted", headers=_bearer(analyst_token)).get_json()["items"]
    assert [(b["id"], b["reverted_by"]) for b in listed] == [(summary["batch"], uploader)]
    twice = client.post(f"{PREFIX}/imports/{summary['batch']}/revert", headers=_bearer(analyst_token))
    assert twice.status_code == 409 and twice.content_type == "application/problem+json"


def test_an_upload_can_be_cancelled_and_a_rejected_file_names_its_bad_cells(app, analyst_token):
    client = app.test_client()
    bad = (b"component,program,metric,period,n,count_1,count_2,count_3,count_4,count_5\n"
           b"BA,Call,trust,FY2025-Q1,9,1,1,1,1,1\n")
    uploaded = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(bad), "bad.csv"), "format": "metrics"})
    assert uploaded.status_code == 201
    batch = uploaded.get_json()
    assert batch["status"] == "rejected" and batch["errors"]
    assert {"row", "column", "value", "message"} == set(batch["errors"][0])
    status = client.get(f"{PREFIX}/imports/{batch['id']}", headers=_bearer(analyst_token)).get_json()
    assert status["progress"] == {"stage": "done", "rows": 1}
    confirm = client.post(f"{PREFIX}/imports/{batch['id']}/confirm", headers=_bearer(analyst_token))
    assert confirm.status_code == 409
    assert confirm.get_json()["detail"] == f"Batch {batch['id']} is rejected; only a previewed import can be confirmed."
    cancelled = client.post(f"{PREFIX}/imports/{batch['id']}/cancel", headers=_bearer(analyst_token))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    unknown = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), content_type="multipart/form-data",
                          data={"file": (io.BytesIO(bad), "bad.csv"), "format": "no-such-layout"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["column"] == "format"
    raw = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), content_type="text/csv", data=bad)
    assert raw.status_code == 415 and "curl -F file=@results.csv" in raw.get_json()["detail"], (
        "a CSV sent as the body: how to send it, not 'file: missing data for required field'")
    missing = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), content_type="multipart/form-data",
                          data={"format": "metrics"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["column"] == "file"
    for not_a_file in ({"file": "component,program"}, {"file": (io.BytesIO(bad), "")}):
        text = client.post(f"{PREFIX}/imports", headers=_bearer(analyst_token), content_type="multipart/form-data",
                           data={**not_a_file, "format": "metrics"})
        assert text.status_code == 422, text.get_data(as_text=True)
        error = text.get_json()["errors"][0]
        assert error["column"] == "file" and "file part" in error["message"]


def test_a_body_of_too_many_or_many_refused_rows_is_answered_at_once(app, analyst_token, monkeypatch):
    """A body of more rows than a request takes is refused before any row is read; the refused values of a
    body are quoted from one reading of it (read again for every refused row, 2,000 of them took 10 s and
    a few megabytes held a server thread for minutes)."""
    from scorecard.api import problems
    from scorecard.api.schemas import ROWS_MAX

    client = app.test_client()
    too_many = client.post(f"{PREFIX}/observations", json=[{"a": 1}] * (ROWS_MAX + 1), headers=_bearer(analyst_token))
    assert too_many.status_code == 413 and too_many.content_type == "application/problem+json"
    assert too_many.get_json()["detail"].startswith(f"At most {ROWS_MAX:,} rows in one request, not {ROWS_MAX + 1:,}")
    reads = []
    parse = problems.refusing_depth  # how the refused values' body is read
    monkeypatch.setattr(problems, "refusing_depth", lambda read: reads.append(1) or parse(read))
    refused = client.post(f"{PREFIX}/observations", json=[{"a": i} for i in range(300)], headers=_bearer(analyst_token))
    errors = refused.get_json()["errors"]
    assert refused.status_code == 422 and len(errors) >= 300
    assert {e["value"] for e in errors if e["column"] == "a"} == set(range(300)), "each value quoted"
    assert len(reads) == 1, "the body read once for all its refused values"


def test_a_json_text_a_file_would_read_as_none_is_refused_not_dropped(app, analyst_token):
    """The rows are imported as a file, which reads "N/A", "none" or "-" as a blank cell: sent in JSON, a
    touchpoint "N/A" was stored as none (and a second row then read as the first one's duplicate), and a
    note "none" dropped. JSON says none with null; such a text is refused, naming its item and key."""
    row = {"metric": "trust", "period": "FY2025-Q1", "program": "Benefits Call Center", "value": 4}
    sent = [{**row, "notes": "none", "question_text": "-"}, {**row, "touchpoint": "N/A"}, {**row, "notes": None}]
    refused = app.test_client().post(f"{PREFIX}/observations?dry_run=true", json=sent, headers=_bearer(analyst_token))
    assert refused.status_code == 422
    found = {(e["row"], e["column"], e["value"]) for e in refused.get_json()["errors"]}
    assert found == {(1, "notes", "none"), (1, "question_text", "-"), (2, "touchpoint", "N/A")}
    assert all("send null, or leave the key out, for none" in e["message"] for e in refused.get_json()["errors"])


@pytest.mark.parametrize(("status", "preview", "said"), [
    ("pending", {"inserted": 2}, "Batch 7 was confirmed and is being written; its page says when it is done."),
    ("pending", {}, "Batch 7 is still being read; it can be confirmed once its preview is ready."),
    ("committed", {"inserted": 2}, "Batch 7 is already committed."),
    ("cancelled", {}, "Batch 7 is cancelled; only a previewed import can be confirmed."),
])
def test_a_batch_that_cannot_be_confirmed_says_what_it_is_doing(status, preview, said):
    """Two confirms sent at once: the second was told "Batch 7 is pending", which said nothing of the first's
    confirm being written."""
    assert ImportBatch(id=7, status=BatchStatus(status), preview=preview).confirm_refused == said


def _rows(period: str) -> list[dict]:
    return [{"agency": "Department of Public Service", "component": "Benefits Administration",
             "program": "Benefits Call Center", "metric": "trust", "period": period, "channel": channel,
             "n": 5, "count_4": 2, "count_5": 3} for channel in ("web", "phone", "mail", "email")]


def _call_center(app) -> None:
    with app.app_context():
        from scorecard.a11 import ensure_standard_metrics
        from scorecard.models import Agency, Component

        component = Component(agency=Agency(code="DPS", name="Department of Public Service"), code="BA",
                              name="Benefits Administration")
        db.session.add(Program(component=component, code="BA-CALL", name="Benefits Call Center"))
        ensure_standard_metrics(db.session)
        db.session.commit()


def test_a_pull_by_after_id_misses_no_row_when_a_revert_removes_rows_midway(app, analyst_token):
    """A nightly sync pages by the last id it holds: a revert between its pages removes rows before the
    next, and counted by `page` the rows after them moved back across the page's edge unseen."""
    client = app.test_client()
    _call_center(app)
    first = client.post(f"{PREFIX}/observations", json=_rows("FY2025-Q1"), headers=_bearer(analyst_token)).get_json()
    second = client.post(f"{PREFIX}/observations", json=_rows("FY2025-Q2"), headers=_bearer(analyst_token))
    assert second.status_code == 201, second.get_data(as_text=True)
    url = f"{PREFIX}/observations?page_size=3"
    pulled = client.get(url, headers=_bearer(analyst_token)).get_json()["items"]
    assert {o["import_batch_id"] for o in pulled} == {first["batch"]}
    reverted = client.post(f"{PREFIX}/imports/{first['batch']}/revert", headers=_bearer(analyst_token))
    assert reverted.status_code == 200, reverted.get_data(as_text=True)

    by_page = client.get(f"{url}&page=2", headers=_bearer(analyst_token)).get_json()["items"]
    assert len(by_page) == 1, "by page, three rows of the second batch went unseen: why after_id exists"
    after = pulled[-1]["id"]
    while True:
        listed = client.get(f"{url}&after_id={after}", headers=_bearer(analyst_token)).get_json()
        if not listed["items"]:
            assert listed["total"] == 0
            break
        assert listed["page"] == 1 and listed["total"] >= len(listed["items"])
        pulled += listed["items"]
        after = listed["items"][-1]["id"]
    with app.app_context():
        kept = set(db.session.scalars(sa.select(Observation.id)))
    assert kept <= {o["id"] for o in pulled} and len(kept) == 4, "every row there from start to end was pulled"
    ids = [o["id"] for o in pulled]
    assert ids == sorted(set(ids))


def test_updated_since_lists_what_changed_and_refuses_a_moment_without_its_offset(app, analyst_token):
    client = app.test_client()
    _call_center(app)
    client.post(f"{PREFIX}/observations", json=_rows("FY2025-Q1"), headers=_bearer(analyst_token))
    with app.app_context():
        since = db.session.scalar(sa.select(sa.func.max(Observation.updated_at)))
    later = client.post(f"{PREFIX}/observations", json=_rows("FY2025-Q2"), headers=_bearer(analyst_token)).get_json()

    def listed(moment: str):
        return client.get(f"{PREFIX}/observations", query_string={"updated_since": moment},
                          headers=_bearer(analyst_token))
    changed = listed(since.isoformat().replace("+00:00", "Z")).get_json()
    assert changed["total"] == 8, "at or after: the rows stamped that moment are listed again, never missed"
    after = listed((since + timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=-5))).isoformat())
    assert {o["import_batch_id"] for o in after.get_json()["items"]} == {later["batch"]} and after.get_json()[
        "total"] == 4, "an offset other than UTC is read as the moment it names"
    assert listed("2999-01-01T00:00:00z").get_json()["total"] == 0
    assert listed("9999-12-31T23:59:59-14:00").get_json()["total"] == 0, "after the last moment held: none"
    assert listed("0001-01-01T00:00:00+01:00").get_json()["total"] == 8, "before the first moment held: every one"
    for sent, said in (("2025-01-01T00:00:00", "has no offset from UTC"), ("yesterday", "is not a date and time"),
                       ("2026-02-30T00:00:00Z", "is not a date and time")):
        refused = listed(sent)
        assert refused.status_code == 422, (sent, refused.get_data(as_text=True))
        [error] = refused.get_json()["errors"]
        assert error["column"] == "updated_since" and error["value"] == sent and said in error["message"], error
