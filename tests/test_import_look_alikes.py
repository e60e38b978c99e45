"""Names spelt with a letter of another alphabet that draws like a Latin one ("Hеlp" with a Cyrillic е):
refused by row, column and value with the letter named, never created beside the name they copy."""
import csv

import sqlalchemy as sa

from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import Agency, Component, ImportBatch, Observation, Program
from tests.conftest import TRUST_CSV
from tests.helpers import write_xlsx

AGENCY = "Department of Public Services (demo)"
ORG_HEADER = ["Agency", "Component", "Component code", "HISP", "Program", "Program code"]
CYRILLIC_E = "\u0435"  # CYRILLIC SMALL LETTER IE, drawn as the Latin e
CYRILLIC_ES = "\u0441"  # CYRILLIC SMALL LETTER ES, drawn as the Latin c


def _counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Agency, Component, Program, Observation, ImportBatch)]


def test_an_org_file_does_not_create_a_program_or_component_that_only_looks_like_one_stored(demo, tmp_path):
    rows = [
        [AGENCY, "Small Business Office", "DPS-SBO", None, f"Business H{CYRILLIC_E}lp Desk", None],
        [AGENCY, f"Small Business Offi{CYRILLIC_ES}e", None, None, "Disaster Loans", None],
        [AGENCY, "Small Business Office", "DPS-SBO", None, "Café Counter", None],  # accented Latin is Latin
    ]
    path = write_xlsx(tmp_path / "org.xlsx", ORG_HEADER, rows)
    with demo.app_context():
        before = _counts()
        result = run_import(db.session, path)
        assert result.status == "rejected", result.errors
        named = {(e["row"], e["column"]): e for e in result.errors}
        assert set(named) == {(2, "Program"), (3, "Component")}, result.errors
        assert named[(2, "Program")]["value"] == f"Business H{CYRILLIC_E}lp Desk"
        assert "Cyrillic Small Letter Ie" in named[(2, "Program")]["message"]
        assert "Cyrillic Small Letter Es" in named[(3, "Component")]["message"]
        assert _counts() == before


def test_a_metrics_row_naming_a_look_alike_program_says_which_letter_is_not_latin(demo, tmp_path):
    header = ["program", "metric", "period", "channel", "value", "n"]
    path = write_xlsx(tmp_path / "m.xlsx", header,
                      [[f"Business H{CYRILLIC_E}lp Desk", "satisfaction", "FY2026-Q1", "web", 4.1, 100]])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "program")], \
        "one problem, not also a row that names no program"
    assert "U+0435" in result.errors[0]["message"] and "Latin" in result.errors[0]["message"]


def test_a_published_file_does_not_create_a_service_that_looks_like_another(app, tmp_path):
    with open(TRUST_CSV, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        row = next(reader)
        fields = reader.fieldnames
    row.update(service_id="999999", service_name=row["service_name"].replace("e", CYRILLIC_E, 1))
    path = tmp_path / "trust.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerow(row)
    with app.app_context():
        before = _counts()
        result = run_import(db.session, path)
        assert result.status == "rejected"
        assert [(e["row"], e["column"]) for e in result.errors] == [(2, "service_name")]
        assert "Cyrillic" in result.errors[0]["message"]
        assert _counts() == before


def test_an_unknown_look_alike_name_in_a_reference_layout_says_which_letter_is_not_latin(demo, tmp_path):
    header = ["metric", "scope_type", "scope", "fiscal_year", "target", "green_at", "amber_at"]
    path = write_xlsx(tmp_path / "targets.xlsx", header,
                      [["satisfaction", "program", f"Business H{CYRILLIC_E}lp Desk", "FY2026", 4.2, 4.2, 3.8]])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    message = next(e["message"] for e in result.errors if e["column"] == "scope")
    assert "Cyrillic Small Letter Ie" in message and "closest: 'Business Help Desk'" in message



def test_a_leaders_look_alike_e_mail_address_says_which_letter_is_not_latin(demo, tmp_path):
    header = ["function", "title", "status", "leader"]
    path = write_xlsx(tmp_path / "commitments.xlsx", header,
                      [["CAO", "Publish contract CX terms", "on_track", "cao@demo.cx.g\u043ev"]])  # Cyrillic о
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    message = next(e["message"] for e in result.errors if e["column"] == "leader")
    assert "Cyrillic Small Letter O" in message and "closest: 'cao@demo.cx.gov'" in message
