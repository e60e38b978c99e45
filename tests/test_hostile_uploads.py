"""Hostile and broken uploads through a real server process: each gets a clear message, writes
nothing, and the server goes on answering; a normal file still imports after all of them."""
import re
import sqlite3

import openpyxl
import pytest

from tests.helpers import write_xlsx
from tests.hostile_files import LAUGHS, MAIN, handmade_xlsx, sheet_xml, write_zip_bomb
from tests.live_server import PROGRAM, LiveServer

pytestmark = pytest.mark.own_sqlite_server
HEADER = ["component", "program", "metric", "period", "channel", "n", "count_1", "count_2", "count_3", "count_4",
          "count_5"]
GOOD = [PROGRAM[1], PROGRAM[2], "trust", "FY2026-Q1", "phone", 100, 5, 5, 10, 40, 40]
MB = 1 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("live"))
    yield live
    live.stop()


def counts(server) -> tuple[int, int]:
    """(observations, committed batches) in the live server's database."""
    db = server.url and sqlite3.connect(re.sub(r"^sqlite:///", "", server.process.args[3]))
    try:
        observations = db.execute("select count(*) from observations").fetchone()[0]
        committed = db.execute("select count(*) from import_batches where status = 'committed'").fetchone()[0]
        return observations, committed
    finally:
        db.close()


def upload_and_settle(server, path, **fields) -> tuple[int, dict, str]:
    response = server.upload(path, **fields)
    assert response.status_code == 200, response.text[:500]
    batch_id = int(re.search(r"/imports/(\d+)$", response.url).group(1))
    status = server.wait(batch_id)
    page = server.http.get(f"{server.url}/imports/{batch_id}").text
    return batch_id, status, page


def zip_bomb(tmp_path):
    return write_zip_bomb(tmp_path / "bomb.xlsx", HEADER, megabytes=2048)


def sparse_bomb(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "component"
    book.active["XFD1048576"] = "boom"
    book.save(tmp_path / "sparse.xlsx")
    return tmp_path / "sparse.xlsx"


def entity_bomb(tmp_path):
    strings = f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
    return handmade_xlsx(tmp_path / "laughs.xlsx", sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                         shared_strings=strings)


def png_as_xlsx(tmp_path):
    path = tmp_path / "chart.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4000))
    return path


def password_protected(tmp_path):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADER, [GOOD])
    with plain.open("rb") as source, (tmp_path / "locked.xlsx").open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("s3cret", target)
    return tmp_path / "locked.xlsx"


def empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    return path


def header_only(tmp_path):
    return write_xlsx(tmp_path / "header.xlsx", HEADER)


def spaces_only(tmp_path):
    """Cells of spaces, a tab, non-breaking and zero-width spaces: nothing a person sees."""
    path = tmp_path / "spaces.csv"
    path.write_text(" , ,\n\t,\u00a0,\u200b\n", encoding="utf-8")
    return path


def header_and_spaces(tmp_path):
    return write_xlsx(tmp_path / "header.xlsx", HEADER, [[" "] * len(HEADER), ["\u00a0", "\t"]])


def not_a_known_layout(tmp_path):
    return write_xlsx(tmp_path / "budget.xlsx", ["account", "fy", "obligations"], [["1234", 2026, 5000]])


def word_document(tmp_path):
    import zipfile
    with zipfile.ZipFile(tmp_path / "memo.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return tmp_path / "memo.xlsx"


def huge_value(tmp_path):
    path = tmp_path / "notes.csv"
    row = ",".join(str(v) if v is not None else "" for v in GOOD[:-1]) + "," + "x" * 200_000
    path.write_text(",".join(HEADER) + "\n" + row + "\n", encoding="utf-8")
    return path


def broken_utf16(tmp_path):
    """UTF-16's byte-order mark, then a lone surrogate: it ended the batch as an unexpected failure."""
    path = tmp_path / "unicode.csv"
    path.write_bytes(b"\xff\xfe" + "a,b\n1,".encode("utf-16-le") + b"\x00\xd8" + "2\n".encode("utf-16-le"))
    return path


@pytest.mark.parametrize("make, message", [
    (broken_utf16, "it no longer reads as UTF-16 (illegal UTF-16 surrogate)"),
    (huge_value, "Row 2 (from line 2 of the file) holds a value longer than 131,072 characters"),
    (zip_bomb, "zip bomb"),
    (sparse_bomb, "XFD1048576"),
    (entity_bomb, "declares XML entities"),
    (png_as_xlsx, "a PNG image, not a spreadsheet"),
    (password_protected, "password-protected"),
    (empty, "The file is empty"),
    (header_only, "no data rows"),
    (spaces_only, "the file is empty"),
    (header_and_spaces, "no data rows"),
    (not_a_known_layout, "layout"),
    (word_document, "a Word document"),
])
def test_hostile_file_is_refused_and_the_server_keeps_answering(server, tmp_path, make, message):
    path = make(tmp_path)
    before = counts(server)
    batch_id, status, page = upload_and_settle(server, path)
    assert status["status"] in ("failed", "rejected"), status
    assert message.lower() in (status["message"] or "").lower() or message.lower() in page.lower(), status
    assert 'role="alert"' in page and "Confirm import" not in page
    assert counts(server) == before
    assert server.answers()


def test_upload_over_the_size_limit_gets_413_and_the_server_keeps_answering(server, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w") as handle:
        handle.write(",".join(HEADER) + "\n")
        line = ",".join(map(str, GOOD)) + "\n"
        handle.write(line * (60 * MB // len(line)))
    assert path.stat().st_size > 59 * MB
    before = counts(server)
    response = server.upload(path)
    assert response.status_code == 413 and "too large" in response.text.lower()
    assert "Uploads may be at most 25 MB; nothing was received or changed." in response.text
    assert counts(server) == before
    assert server.answers()


def test_bad_values_are_listed_by_row_and_column_with_a_downloadable_report(server, tmp_path):
    rows = [[*GOOD[:5], 7, None, None, None, None, None],          # n=7 but no counts: fine; next rows are bad
            [*GOOD[:3], "FY2025-Q5", "web", 100, 5, 5, 10, 40, 40],  # no fifth quarter
            [*GOOD[:4], "mail", 100, 5, -5, 10, 40, 50],           # negative count
            [*GOOD[:4], "email", 120, 5, 5, 10, 40, 40],           # counts add to 100, n says 120
            GOOD, GOOD]                                            # duplicate natural key
    path = write_xlsx(tmp_path / "bad.xlsx", HEADER, rows)
    before = counts(server)
    batch_id, status, page = upload_and_settle(server, path)
    assert status["status"] == "rejected"
    assert "FY2025-Q5" in page and "negative" in page and "n is 120" in page and "as row 6" in page
    report = server.http.get(f"{server.url}/imports/{batch_id}/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(report.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert any("FY2025-Q5" in str(cell) for row in values for cell in row)
    assert counts(server) == before
    assert server.answers()


def test_after_everything_a_normal_file_previews_commits_and_reverts(server, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", HEADER, [GOOD], title_rows=[["CX report, Q1"], []])
    observations, committed = counts(server)
    batch_id, status, page = upload_and_settle(server, path)
    assert status["status"] == "previewed", status
    assert "Confirm import" in page
    server.post_form(f"/imports/{batch_id}/confirm")
    assert server.wait(batch_id)["status"] == "committed"
    assert counts(server) == (observations + 1, committed + 1)
    again_id, again, _ = upload_and_settle(server, path)
    assert again["status"] == "rejected" and "already imported" in again["message"]
    server.post_form(f"/imports/{batch_id}/revert")
    assert server.wait(batch_id)["status"] == "reverted"
    assert counts(server) == (observations, committed)
