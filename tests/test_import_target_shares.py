"""A percent metric's target given as a share (0.85 for 85%) is pointed out before the confirm, as the
metrics layout points out values given so."""
from importers.pipeline import run_import
from scorecard.extensions import db
from tests.helpers import write_xlsx

HEADER = ["metric", "scope_type", "scope", "fiscal_year", "target", "green_at", "amber_at"]


def test_a_percent_target_given_as_a_share_is_pointed_out_and_a_percent_one_is_not(demo, tmp_path):
    rows = [["digital_adoption", "program", "Contracting Assistance", 2026, 0.85, 0.85, 0.7],
            ["digital_adoption", "program", "Disaster Helpline", 2026, 85, 85, 70],
            ["digital_adoption", "program", "Disaster Loans", 2026, 60, 0.9, 0.5],  # a target above 1: percents
            ["digital_adoption", "program", "Disability Compensation Claims", 2026, 1, 1, 0.9]]  # 100% as a share
    with demo.app_context():
        result = run_import(db.session, write_xlsx(tmp_path / "targets.xlsx", HEADER, rows), dry_run=True)
    assert result.status != "rejected", result.errors
    shares = [w for w in result.warnings if "between 0 and 1" in w]
    assert len(shares) == 1, result.warnings
    assert shares[0].startswith("digital_adoption is a percent") and "row 2" in shares[0]
    assert "Contracting Assistance: 0.85, stored as 0.85%" in shares[0] and "(85, or 85%)" in shares[0]
    assert "and 2 of its targets in this file" in shares[0], "a target of 1 with thresholds of 1 or less: a share"
    marked = [["digital_adoption", "program", "Contracting Assistance", 2026, "1%", "1%", "0.5%"]]  # percents, said so
    with demo.app_context():
        result = run_import(db.session, write_xlsx(tmp_path / "marked.xlsx", HEADER, marked), dry_run=True)
    assert result.status != "rejected", result.errors
    assert not [w for w in result.warnings if "between 0 and 1" in w], result.warnings
