"""A survey result with fewer respondents than the minimum sample is pointed out in the preview: the
dashboards show it as insufficient data, not scored, and an analyst should know before the confirm."""
from importers.pipeline import run_import
from scorecard.extensions import db
from tests.helpers import write_xlsx

HEADER = ["program", "metric", "period", "channel", "touchpoint", "value", "n"]


def test_a_quarter_below_the_minimum_sample_is_pointed_out_with_its_first_row(demo, tmp_path):
    """Before the v2 survey a mean typed with its n pools, so its respondents count towards the sample."""
    rows = [["Benefits Call Center", "trust", "FY2024-Q1", "web", "t1", 4.1, 200],
            ["Disaster Helpline", "trust", "FY2024-Q1", "web", "t1", 3.9, 12],      # 12 + 10: below 30
            ["Disaster Helpline", "trust", "FY2024-Q1", "phone", "t1", 3.5, 10],
            ["Disaster Helpline", "satisfaction", "FY2024-Q1", "web", "t1", 4.0, 20],  # 20 + 15 = 35: enough
            ["Disaster Helpline", "satisfaction", "FY2024-Q1", "phone", "t1", 4.0, 15],
            ["Disaster Helpline", "digital_adoption", "FY2024-Q1", None, None, 40, 5]]  # not survey answers
    with demo.app_context():
        result = run_import(db.session, write_xlsx(tmp_path / "small.xlsx", HEADER, rows), dry_run=True)
    assert result.status == "would_import", (result.status, result.errors)
    small = [w for w in result.warnings if "fewer than 30 respondents" in w]
    assert small == ["1 survey result of a program or function in a quarter has fewer than 30 respondents in "
                     "this file (on row 3: trust, FY2024-Q1, 22 respondents). Below 30 a result shows "
                     "as insufficient data, not scored, unless results stored before bring its quarter to that."]


def test_a_v2_trust_value_typed_without_answers_is_no_small_sample(demo, tmp_path):
    """From FY2024-Q2 a trust value typed without its answers counts no respondents (it judges nothing, and the
    preview says so): 22 typed respondents are not called a small sample that would show insufficient data."""
    rows = [["Disaster Helpline", "trust", "FY2026-Q1", "web", "t1", 3.9, 12],
            ["Disaster Helpline", "trust", "FY2026-Q1", "phone", "t1", 3.5, 10]]
    with demo.app_context():
        result = run_import(db.session, write_xlsx(tmp_path / "typed.xlsx", HEADER, rows), dry_run=True)
    assert result.status == "would_import", (result.status, result.errors)
    assert not [w for w in result.warnings if "fewer than 30 respondents" in w], result.warnings
    assert [w for w in result.warnings if w.startswith("2 trust values of A-11's v2 survey")], result.warnings


def test_answer_counts_are_the_respondents_where_given(demo, tmp_path):
    header = ["program", "metric", "period", "count_1", "count_2", "count_3", "count_4", "count_5"]
    rows = [["Disaster Helpline", "trust", "FY2026-Q1", 5, 5, 10, 10, 10],  # 40 answers, no n given
            ["Benefits Call Center", "trust", "FY2026-Q1", 1, 1, 1, 1, 1]]
    with demo.app_context():
        result = run_import(db.session, write_xlsx(tmp_path / "counts.xlsx", header, rows), dry_run=True)
    assert result.status == "would_import", (result.status, result.errors)
    small = [w for w in result.warnings if "respondents in this file" in w]
    assert len(small) == 1 and "(on row 3: trust, FY2026-Q1, 5 respondents)" in small[0], small
