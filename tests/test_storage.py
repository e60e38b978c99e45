"""Upload storage (scorecard.storage): a folder by default, S3-compatible object storage when
SCORECARD_UPLOAD_STORAGE is s3://bucket/prefix, tested against a local S3 server (moto's). An
upload kept in S3 is previewed, its rejected rows reported and its commit written exactly as from
a folder; nothing is left in the bucket once the batch no longer needs it."""
import io

import pytest

from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.models import BatchStatus, ImportBatch
from scorecard.storage import FolderStorage, S3Storage, StorageUnavailable, storage
from tests.helpers import HEADER, ROW, observations, post, upload, workbook_bytes

BUCKET = "agency-cx-uploads"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    from tests.served import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture
def on_s3(analyst, demo, s3, s3_server):
    demo.config.update(UPLOAD_STORAGE=f"s3://{BUCKET}/uploads", S3_ENDPOINT_URL=s3_server)
    return analyst


def test_an_upload_kept_in_s3_is_previewed_and_committed(demo, on_s3, s3, tmp_path):
    before = observations(demo)
    batch_id = upload(on_s3, workbook_bytes([HEADER, ROW]))
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert isinstance(storage(demo), S3Storage) and batch.status is BatchStatus.previewed, batch.message
        assert keys(s3) == [f"uploads/{batch.stored_path}"]
    folder = tmp_path / "uploads"
    assert not folder.exists() or not any(folder.iterdir())  # nothing kept on the server's own disk
    post(on_s3, f"/imports/{batch_id}/confirm")
    with demo.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.committed
    assert observations(demo) == before + 1 and keys(s3) == []  # committed: nothing left in the bucket


def test_rejected_rows_are_reported_from_s3_and_cancel_removes_the_object(demo, on_s3, s3):
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(on_s3, workbook_bytes([HEADER, ROW, bad]))
    page = on_s3.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "FY2027-Q5" in page and "Benefits Call Center" in page  # the row itself, read back from S3
    assert len(keys(s3)) == 1
    post(on_s3, f"/imports/{batch_id}/cancel")
    assert keys(s3) == []


def test_an_object_gone_from_the_bucket_fails_the_import_and_says_so(demo, on_s3, s3, monkeypatch):
    from importers import jobs

    monkeypatch.setattr(jobs, "start", lambda *args, **kwargs: None)
    batch_id = upload(on_s3, workbook_bytes([HEADER, ROW]))
    for key in keys(s3):
        s3.delete_object(Bucket=BUCKET, Key=key)
    jobs._run(demo, batch_id, False)
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.failed and "no longer there" in batch.message


@pytest.mark.parametrize("key", ["../secret", "a/b", "", ".", ".."])
def test_a_key_never_leaves_the_folder_or_the_prefix(tmp_path, key, s3, s3_server):
    with pytest.raises(ValueError):
        FolderStorage(tmp_path)._path(key)
    with pytest.raises(ValueError):
        S3Storage(f"s3://{BUCKET}/uploads", s3_server)._object(key)


def test_the_folder_store_hashes_what_it_keeps(tmp_path):
    store = FolderStorage(tmp_path / "uploads")
    key, digest = store.save(io.BytesIO(b"a,b\n1,2\n"), "q1.csv")
    assert key.endswith("-q1.csv") and len(digest) == 64
    with store.local(key) as path:
        assert path.read_bytes() == b"a,b\n1,2\n"
    store.delete(key)
    assert not store.exists(key)


def test_s3_storage_names_a_bad_setting():
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        S3Storage("https://example.com/bucket")



def test_a_briefing_is_kept_in_s3_served_from_it_and_swept_from_it(demo, s3, s3_server, make_user):
    from datetime import UTC, datetime, timedelta

    from dashboards.briefing import jobs
    from dashboards.queries.common import Scope

    demo.config.update(UPLOAD_STORAGE=f"s3://{BUCKET}/uploads", S3_ENDPOINT_URL=s3_server)
    with demo.app_context():
        user = make_user("executive")
        job_id, _ = jobs.start(demo, jobs.Request(user.id, user.email, Scope.of(user), None, None, "xlsx",
                                                  agency_today()), wait=True)
        assert jobs.state(demo, db.session, job_id, user.id)["status"] == "done"
        client = demo.test_client(user=user)
    [key] = keys(s3)
    assert key.startswith("uploads/") and key.endswith("-briefing.xlsx")
    response = client.get(f"/dashboards/briefings/{job_id}")
    assert response.status_code == 200 and response.data.startswith(b"PK")  # the workbook, from the bucket
    with demo.app_context():
        assert jobs.sweep(demo, db.session, now=datetime.now(UTC) + timedelta(days=2)) == 1
    assert keys(s3) == [] and client.get(f"/dashboards/briefings/{job_id}").status_code == 404


class _DiskFills(io.BytesIO):
    """An upload whose second block cannot be written: the disk filled after the first."""

    def __init__(self):
        super().__init__(b"x" * 100)
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            raise OSError(28, "No space left on device")
        return super().read(size)


def test_a_file_the_storage_cannot_keep_whole_leaves_nothing_behind(tmp_path, s3, s3_server):
    """A full disk left the part written (a briefing's 0 bytes, 256 KB of an upload) under a key no batch or
    briefing names, which no sweep removes: the storage removes it and says why, in words a user can act on."""
    store = FolderStorage(tmp_path / "uploads")
    with pytest.raises(StorageUnavailable, match="storage for uploaded files is full or cannot be written"):
        store.save(_DiskFills(), "q1.csv")
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(StorageUnavailable):
        S3Storage("s3://no-such-bucket/uploads", s3_server).save(io.BytesIO(b"a,b\n"), "q1.csv")


def test_an_upload_the_storage_cannot_keep_is_refused_saying_so(demo, analyst, tmp_path):
    from scorecard.api.tokens import create_token
    from scorecard.models import User
    from tests.helpers import csrf_token

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the upload folder should be")
    demo.config["UPLOAD_FOLDER"] = str(blocked)
    with demo.app_context():
        batches = db.session.query(ImportBatch).count()
        token = create_token(db.session, db.session.query(User).filter_by(email="analyst@demo.cx.gov").one(),
                             scope="write")[1]
    form = {"csrf_token": csrf_token(analyst.get("/imports/upload").get_data(as_text=True)),
            "file": (io.BytesIO(workbook_bytes([HEADER, ROW])), "q1.xlsx")}
    refused = analyst.post("/imports/upload", data=form, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503 and "storage for uploaded files is full or cannot be written" in page, page[:600]
    assert 'id="form-problems"' in page, "said in the form's summary, beside the file"
    api = demo.test_client().post("/api/v1/imports", headers={"Authorization": f"Bearer {token}"},
                                  data={"file": (io.BytesIO(b"a,b\n1,2\n"), "q1.csv")},
                                  content_type="multipart/form-data")
    assert api.status_code == 503 and api.headers["Retry-After"] and "Nothing was changed" in api.get_json()["detail"]
    with demo.app_context():
        assert db.session.query(ImportBatch).count() == batches
    assert blocked.read_text() == "a file where the upload folder should be"
