"""Small helpers the tests share: sign-in and uploads over the test client, the one way tests
write a workbook, which database this test process uses, and work run in threads at once."""
import io
import os
import re
import threading
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Base, Observation

# The pytest-xdist worker this process is ("gw0", "gw1", ...), or "main" without xdist: each worker
# has databases of its own.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# The real performance.gov files the tests read: ../shared beside the clone (as CI lays it out), or the shared
# folder SCORECARD_SHARED names.
SHARED_DATA = Path(os.environ.get("SCORECARD_SHARED") or Path(__file__).resolve().parents[2] / "shared") / "data" / (
    "performance-gov")
# Files the tests read that no library writes any more (an Excel 97-2003 .xls), each described where it is read.
DATA = Path(__file__).resolve().parent / "data"


def postgres_url() -> str | None:
    """TEST_DATABASE_URL (a PostgreSQL server's database the suite may create databases beside),
    with psycopg 3 as the driver; None means the tests use SQLite files."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url or None


def empty_tables(connection) -> None:
    """Delete every row of every table (and restart PostgreSQL's sequences)."""
    from scorecard.models.audit import append_only_suspended

    tables = list(reversed(Base.metadata.sorted_tables))
    with append_only_suspended(connection):  # the audit log's triggers refuse DELETE and TRUNCATE otherwise
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str, next_url: str | None = None):
    page = client.get("/auth/login").get_data(as_text=True)
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf_token(page)})


def write_xlsx(target, header=None, rows=(), title_rows=(), sheet=None):
    """A real workbook as openpyxl writes it: title rows, the header, then the rows, on one sheet
    (named `sheet`, else openpyxl's "Sheet"). `target` is a path or a binary file; returns it."""
    book = openpyxl.Workbook()
    if sheet:
        book.active.title = sheet
    for row in [*title_rows, *([header] if header is not None else []), *rows]:
        book.active.append(row)
    book.save(target)
    return target


def workbook_bytes(rows) -> bytes:
    """The workbook `write_xlsx` writes for these rows (the header among them), as bytes to upload."""
    return write_xlsx(io.BytesIO(), rows=rows).getvalue()


def upload(client, content: bytes, name="q1.xlsx", **fields):
    token = csrf_token(client.get("/imports/upload").get_data(as_text=True))
    response = client.post("/imports/upload", data={"csrf_token": token, "file": (io.BytesIO(content), name), **fields},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))


def post(client, url):
    token = csrf_token(client.get("/imports/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


# A canonical metrics upload: the header and one survey row of the demo agency.
HEADER = ["component", "program", "metric", "period", "channel", "n", "count_1", "count_2", "count_3", "count_4",
          "count_5"]
ROW = ["Benefits Administration", "Benefits Call Center", "trust", "FY2027-Q1", "phone", 100, 5, 5, 10, 40, 40]


def observations(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Observation))


CALLBACK_URL = "/dashboards/_dash-update-component"


def callback_body(writes: str | None, values: dict, changed: str | None = None, **changes) -> dict:
    """The body the browser posts for a server callback of the dashboards: the one that writes
    `writes` ("id.property"), or with None the one that reads every input in `values`
    ("id.property" -> value). Its inputs and states not in `values` are None; `changed` (by
    default the first of `values`) is the input that fired; `changes` replace members of the body."""
    from dashboards import dash_app
    from dashboards.validation import _outputs

    for output, entry in dash_app.callback_map.items():  # noqa: B007 — the pair found is used after the loop
        reads = {f"{i['id']}.{i['property']}" for i in entry["inputs"]}
        if callable(entry.get("callback")) and (writes in _outputs(output) if writes else set(values) <= reads):
            break
    else:
        raise LookupError(writes or f"no server callback reads {sorted(values)}")
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in _outputs(output)]

    def sent(specs):
        return [{**spec, "value": values.get(f"{spec['id']}.{spec['property']}")} for spec in specs]
    body = {"output": output, "outputs": outputs[0] if len(outputs) == 1 else outputs,
            "inputs": sent(entry["inputs"]), "changedPropIds": [changed or next(iter(values))]}
    if entry.get("state"):
        body["state"] = sent(entry["state"])
    body.update(changes)
    return body


def callback_answer(client, body: dict) -> dict:
    """What a server callback answered to `body` (the request must succeed)."""
    response = client.post(CALLBACK_URL, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_json()["response"]


def at_once(target, count: int, timeout: float = 120) -> None:
    """Run `target` in `count` threads started together; return when every one has ended (or after
    `timeout` seconds each: what they recorded then says the rest)."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


def json_objects(node):
    """Every object (dict) of a JSON tree, however deep: a Dash layout's components and their props, an
    OpenAPI document's schemas."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from json_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from json_objects(item)


def database_going_away(monkeypatch, owner, name: str, still_down: int = 2) -> dict:
    """Patch `owner.name` (a job's step) to fail as a database that went away (a restart), and the
    `still_down` commits after it to fail too, as while it restarts; the dict counts the commits still
    to fail (0 once the job has come through them)."""
    down = {"commits": 0}
    gone = sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    def goes_away(*args, **kwargs):
        down["commits"] = still_down
        raise gone
    real_commit = sa.orm.Session.commit

    def commit(self):
        if down["commits"]:
            down["commits"] -= 1
            raise gone
        return real_commit(self)
    monkeypatch.setattr(owner, name, goes_away)
    monkeypatch.setattr(sa.orm.Session, "commit", commit)
    return down
