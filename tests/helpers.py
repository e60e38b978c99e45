"""Small helpers the tests share."""
import io
import re

import openpyxl
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Observation


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str, next_url: str | None = None):
    page = client.get("/auth/login").get_data(as_text=True)
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf_token(page)})


def workbook_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
