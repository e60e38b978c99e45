"""The canonical metrics layout from real .xlsx and .csv files: header detection, validation
with row/column/value messages, atomicity, revert, export round trip, the CLI."""
import csv
import hashlib
import json

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from importers.errors import ImportFileError
from importers.pipeline import run_import
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    AuditEvent,
    BatchStatus,
    Component,
    ImportBatch,
    ImportRowChange,
    Metric,
    Observation,
    Program,
)
from scorecard.storage import storage
from tests.helpers import DATA, write_xlsx

HEADER = ["component", "program", "function", "metric", "period", "channel", "touchpoint", "value", "n",
          "count_1", "count_2", "count_3", "count_4", "count_5", "question_text", "notes"]


def write_csv(path, rows, header=HEADER, encoding="utf-8", delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def survey_row(program="Benefits Call Center", metric="trust", period="FY2027-Q1", counts=(5, 5, 10, 40, 40),
               channel="phone", touchpoint="", value=None, n=None):
    return ["Benefits Administration", program, None, metric, period, channel, touchpoint, value,
            n if n is not None else sum(counts), *counts, "This interaction increased my trust.", None]


def _count(model=Observation):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_preview_tells_two_agencies_components_of_one_name_apart(demo, tmp_path):
    """Two agencies' "Retirement Services" each reported the CFO's figure: the preview listed both rows as "CFO
    (Retirement Services)". A component whose name another shares is named with its agency."""
    with demo.app_context():
        shared = "Retirement Services"
        first = db.session.scalar(sa.select(Agency.name).join(Component, Component.agency_id == Agency.id)
                                  .where(Component.name == shared))
        other = Agency(code="OA", name="Other Agency")
        db.session.add_all([other, Component(agency=other, code="OA-RS", name=shared)])
        db.session.commit()
        agencies = [first, "Other Agency"]
        path = tmp_path / "functions.csv"
        path.write_text("agency,component,function,metric,period,value\n" + "".join(
            f'"{agency}","{shared}",CFO,cfo_cx_budget_aligned,FY2026-Q4,{value}\n'
            for agency, value in zip(agencies, (90, 55))), encoding="utf-8")
        previewed = run_import(db.session, path, user_id=None, dry_run=True).preview
        assert sorted(r["subject"] for r in previewed) == sorted(f"CFO ({shared}, {agency})" for agency in agencies)


def test_xlsx_with_title_rows_imports_and_derives_the_score_from_counts(demo, tmp_path):
    path = write_xlsx(tmp_path / "q1.xlsx", HEADER, [
        survey_row(),
        ["Benefits Administration", "Benefits Call Center", None, "wait_time", "FY27 Q1", "Phone", "", "12.5", None,
         None, None, None, None, None, None, "from the ACD"],
        [None, None, "CFO", "cfo_cx_budget_aligned", "Q1 FY2027", None, None, "72%", None, None, None, None, None,
         None, None, None],
    ], title_rows=[["Quarterly CX report — Benefits Administration"], [], ["Prepared by the CX office"]])
    with demo.app_context():
        before = _count()
        # the preview names whose CFO: each agency has one, and a component may report its own figure
        previewed = run_import(db.session, path, user_id=None, dry_run=True).preview
        agency = db.session.scalar(sa.select(Agency.name).join(Component, Component.agency_id == Agency.id)
                                   .where(Component.name == "Benefits Administration"))
        assert [r["subject"] for r in previewed if r["metric"] == "cfo_cx_budget_aligned"] == [f"CFO ({agency})"]
        result = run_import(db.session, path, user_id=None)
        assert result.status == "imported", result.errors
        assert result.format == "metrics"
        assert result.plan.counts == {"inserted": 3, "updated": 0, "unchanged": 0, "removed": 0}
        assert _count() == before + 3
        trust = db.session.scalar(sa.select(Observation).where(Observation.period == "FY2027-Q1",
                                                               Observation.channel == "phone",
                                                               Observation.import_batch_id == result.batch_id,
                                                               Observation.count_1 == 5))
        assert trust.value == pytest.approx((5 + 10 + 30 + 160 + 200) / 100) and trust.n == 100
        cfo = db.session.scalar(sa.select(Observation).where(Observation.function_id.is_not(None),
                                                             Observation.import_batch_id == result.batch_id))
        assert cfo.value == 72.0 and cfo.subject_key.startswith("function:")


def test_choices_made_at_upload_that_the_layout_does_not_read_are_named(demo, tmp_path):
    """A program, period, touchpoint or trust scale chosen at upload is read from Touchpoints responses only: given
    with a file of another layout, it was passed over in silence, and the file's own quarters were imported where
    the one chosen was meant. The preview names each such choice; a Touchpoints file's are read, and not named."""
    path = write_csv(tmp_path / "q1.csv", [survey_row()])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True,
                            options={"period": "FY2026-Q3", "trust_scale": "five", "touchpoint": " ", "sheet": ""})
        assert result.status == "would_import", result.errors
        assert [w for w in result.warnings if "chosen at upload" in w] == [
            "The period ('FY2026-Q3') and trust scale ('five') chosen at upload are not read: those choices are for "
            "Touchpoints responses, and this file's layout is Metrics (canonical long layout), which reads "
            "each row's own columns."]
        three = run_import(db.session, path, dry_run=True,
                           options={"program": "P", "period": "FY2026-Q3", "touchpoint": "Web"}).warnings
        assert "The program ('P'), period ('FY2026-Q3') and touchpoint ('Web') chosen at upload are not" in " ".join(
            three), "three choices: not \"program and period and touchpoint\""
        assert not any("chosen at upload" in w for w in run_import(db.session, path, dry_run=True).warnings)


def test_every_bad_cell_is_named_and_nothing_is_written(demo, tmp_path):
    rows = [
        survey_row(counts=(5, 5, 10, 40, 40), n=120),                      # counts disagree with n
        survey_row(program="Benefit Call Centre"),                          # unknown program
        survey_row(period="FY2025-Q5", channel="web"),                      # no such quarter
        ["Benefits Administration", "Benefits Call Center", None, "trust", "FY2027-Q1", "email", "", 7, 100,
         None, None, None, None, None, None, None],                         # Likert score of 7
        survey_row(counts=(5, -5, 10, 40, 40), channel="mail"),             # negative count
        survey_row(channel="in person"), survey_row(channel="In Person"),   # duplicate natural key
        ["Benefits Administration", "Benefits Call Center", None, "satisfactionn", "FY2027-Q1", "", "", 4, 50,
         None, None, None, None, None, None, None],                         # unknown metric
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", HEADER, rows)
    with demo.app_context():
        before, batches = _count(), _count(ImportBatch)
        result = run_import(db.session, path)
        assert result.status == "rejected"
        messages = {(e["row"], e["column"]): e for e in result.errors}
        assert "add up to 100 but n is 120" in messages[(2, "n")]["message"]
        assert "closest: 'Benefits Call Center' (" in messages[(3, "program")]["message"], "as stored, not lower-cased"
        assert messages[(3, "program")]["value"] == "Benefit Call Centre"
        assert "FY2025-Q5" in messages[(4, "period")]["message"] and messages[(4, "period")]["value"] == "FY2025-Q5"
        assert "outside the range" in messages[(5, "value")]["message"] and messages[(5, "value")]["value"] == 7
        assert "negative" in messages[(6, "count_2")]["message"]
        assert (6, "n") not in messages, "a refused count is named once, n not blamed for it"
        assert "as row 7" in messages[(8, "metric")]["message"]
        assert "unknown metric 'satisfactionn'" in messages[(9, "metric")]["message"]
        assert result.rejected == 7
        assert _count() == before and _count(ImportBatch) == batches


def test_a_row_with_a_bad_value_also_names_its_names_that_match_nothing(demo, tmp_path):
    """Every problem of a row at once: a value that is not a number was the only one named, and its
    unknown component and program came a round later."""
    bad = ["Benefits Administrashun", "Nope", None, "trustt", "FY2027-Q1", "web", "", "x", 100,
           None, None, None, None, None, None, None]
    path = write_csv(tmp_path / "two-rounds.csv", [[("" if v is None else v) for v in bad]])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    named = {e["column"]: e for e in result.errors if e["row"] == 2}
    assert set(named) >= {"value", "component", "metric"}, result.errors
    assert named["component"]["value"] == "Benefits Administrashun"
    assert "unknown metric 'trustt'" in named["metric"]["message"]


def test_a_row_with_a_bad_count_also_names_its_value_out_of_range(demo, tmp_path):
    """A negative n was named alone, and the value 9 on a 1-5 survey metric came a round later."""
    row = ["Benefits Administration", "Benefits Call Center", "", "trust", "FY2025-Q1", "web", "p3", 9, -40,
           "", "", "", "", "", "", ""]
    path = write_csv(tmp_path / "two-rounds.csv", [row])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    named = {e["column"]: e for e in result.errors if e["row"] == 2}
    assert set(named) == {"n", "value"}, result.errors
    assert "outside the range of a likert metric (1 to 5)" in named["value"]["message"]


def test_a_value_out_of_range_is_named_as_the_file_writes_it(demo, tmp_path):
    """"(1,234)" for a backlog was listed as -1234.0, which the analyst could not find in the file; the
    message says how it was read. Alike when the row has another problem (a quarter that is none)."""
    rows = [["Benefits Administration", "Benefits Call Center", "", "backlog", period, "", "", "(1,234)", "",
             "", "", "", "", "", "", ""] for period in ("FY2027-Q1", "FY2027-Q9")]
    path = write_csv(tmp_path / "negative.csv", rows)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    values = [(e["row"], e["value"], e["message"]) for e in result.errors if e["column"] == "value"]
    assert [(row, value) for row, value, _ in values] == [(2, "(1,234)"), (3, "(1,234)")], result.errors
    assert all(message.startswith("-1234 is outside the range") for _, _, message in values)


@pytest.mark.parametrize("bad", ["-1", "1.5", "many"])
def test_a_refused_answer_count_is_the_rows_one_problem_not_also_a_missing_value(demo, tmp_path, bad):
    """A row with a count of -1 also read 'value: a row needs a value or answer counts', though it gave counts."""
    path = write_csv(tmp_path / "counts.csv", [survey_row(counts=(bad, 5, 10, 40, 40), n=96),
                                               survey_row(channel="web")])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["column"], str(e["value"])) for e in result.errors] == [(2, "count_1", bad)], result.errors


@pytest.mark.parametrize("rows", [1, 3])  # one row goes row by row; a longer file through the bulk path first
def test_a_survey_score_given_with_no_respondents_is_refused_as_counts_of_zero_are(demo, tmp_path, rows):
    """Value 4 with n 0 was kept as "4 (n=0)", while the same fact given as answer counts all 0 was
    refused."""
    def row(touchpoint, value, n):
        return ["Benefits Administration", "Benefits Call Center", "", "trust", "FY2025-Q1", "web", touchpoint,
                value, n, "", "", "", "", "", "", ""]
    given = [row("p1", 4, 0)] + [row(f"p{k}", 4.2, 40) for k in range(2, rows + 1)]
    path = write_csv(tmp_path / "no-one.csv", given)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(2, "n", 0)], result.errors
    assert "a survey score needs its respondents" in result.errors[0]["message"]


@pytest.mark.parametrize("rows", [1, 3])  # one row goes row by row; a longer file through the bulk path first
def test_a_value_of_any_metric_given_with_no_respondents_is_refused_not_kept_unseen(demo, tmp_path, rows):
    """Digital adoption 50 with n 0 was previewed and stored as 50, and then shown nowhere: the scores
    pass over a value of no one, so the program page said "—" where the file said 50."""
    def row(program, value, n):
        return ["Benefits Administration", program, "", "digital_adoption", "FY2025-Q1", "", "", value, n,
                "", "", "", "", "", "", ""]
    given = [row("Benefits Call Center", 50, 0)] + [row(name, 42, "") for name in (
        "Disability Compensation Claims", "Pension Applications")[:rows - 1]]
    path = write_csv(tmp_path / "no-one.csv", given)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(2, "n", 0)], result.errors
    assert "the value 50 was given with n 0, and a value of no respondents is never shown" in (
        result.errors[0]["message"])


def test_an_aspect_of_the_v2_survey_in_a_quarter_before_it_is_refused(demo, tmp_path):
    """A-11 asked what went well or could be improved from FY2024-Q2 on: a row giving such a share for an
    earlier quarter (a period typed wrong) was stored there without a word, where the v1 survey was asked."""
    def row(period):
        return ["Benefits Administration", "Benefits Call Center", "", "a11v2_positive_ease", period, "", "", 45, 50,
                "", "", "", "", "", "", ""]
    path = write_csv(tmp_path / "early.csv", [row("FY2022-Q1"), row("FY2024-Q2")])
    with demo.app_context():
        before = _count()
        result = run_import(db.session, path)
        assert _count() == before, "nothing written"
    assert result.status == "rejected"
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(2, "period", "FY2022-Q1")], result.errors
    assert "'a11v2_positive_ease' is a measure of A-11's v2 survey, asked from FY2024-Q2 on; FY2022-Q1 is before " \
        "it" in result.errors[0]["message"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_values_too_large_to_keep_are_named_at_the_preview_and_nothing_is_written(demo, tmp_path, kind):
    """A count beyond any survey, answer counts adding up beyond one, a channel or touchpoint longer
    than its column: each is refused with its row, column and value, not left to fail at the database."""
    huge = 99999999999999999999999
    rows = [
        survey_row(counts=(huge, 2, 3, 4, 5), n=huge + 14),
        survey_row(counts=(10**9, 10**9, 0, 0, 0), n=2 * 10**9, channel="web"),
        survey_row(channel="x" * 300),
        survey_row(channel="mail", touchpoint="y" * 801),
        survey_row(channel="in person"),                                    # a good row: nothing is kept either
    ]
    if kind == "csv":
        path = write_csv(tmp_path / "big.csv", [[("" if v is None else v) for v in row] for row in rows])
    else:
        path = write_xlsx(tmp_path / "big.xlsx", HEADER, [[str(v) if isinstance(v, int) and v > 2**53 else v
                                                            for v in row] for row in rows])
    with demo.app_context():
        before = _count()
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "rejected"
        messages = {(e["row"], e["column"]): e for e in result.errors}
        assert "at most 1,000,000,000" in messages[(2, "count_1")]["message"]
        assert str(messages[(2, "count_1")]["value"]) == str(huge)
        assert "add up to 2,000,000,000" in messages[(3, "count_1")]["message"]
        assert "at most 64 characters; this one has 300" in messages[(4, "channel")]["message"]
        assert "at most 800 characters; this one has 801" in messages[(5, "touchpoint")]["message"]
        assert result.rejected == 4
        assert run_import(db.session, path).status == "rejected" and _count() == before


@pytest.mark.parametrize("header", [
    ["component", "program", "metric", "period", "channel", "count_1", "count_2", "count_3", "count_4", "count_5"],
    ["component", "program", "metric", "period", "channel", "value", "count_1", "count_2", "count_3", "count_4",
     "count_5"],
], ids=["counts only", "with a value column"])
def test_answer_counts_adding_up_beyond_any_survey_are_refused_on_the_whole_file_path_too(demo, tmp_path, header):
    """Files without an n column are checked whole, not row by row: the sum is checked there too."""
    row = {"component": "Benefits Administration", "program": "Benefits Call Center", "metric": "trust",
           "period": "FY2027-Q1", "channel": "web", "value": "", "count_1": 10**9, "count_2": 10**9,
           "count_3": 0, "count_4": 0, "count_5": 0}
    path = write_csv(tmp_path / "sum.csv", [[row[c] for c in header]] * 2, header=header)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "rejected"
        assert [(e["row"], e["column"]) for e in result.errors][:1] == [(2, "count_1")]
        assert "add up to 2,000,000,000" in result.errors[0]["message"]


def test_answer_counts_adding_up_beyond_any_survey_name_the_largest_count(demo, tmp_path):
    """One count mistyped (a billion agreeing beside hundreds of others): the message names its cell and
    value, not the first count column's."""
    header = ["component", "program", "metric", "period", "channel", "count_1", "count_2", "count_3", "count_4",
              "count_5"]
    row = ["Benefits Administration", "Benefits Call Center", "trust", "FY2027-Q1", "web", 910, 12, 30, 10**9, 44]
    path = write_csv(tmp_path / "typo.csv", [row], header=header)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["column"], str(e["value"])) for e in result.errors] == [(2, "count_4", str(10**9))]
    assert "add up to 1,000,000,996, this one the largest" in result.errors[0]["message"]


def test_unknown_columns_are_listed_not_fatal(demo, tmp_path):
    path = write_csv(tmp_path / "extra.csv", [survey_row() + ["x"]], header=HEADER + ["Reviewer"])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported" and result.unknown_columns == ["Reviewer"]


@pytest.mark.parametrize("encoding,delimiter", [("utf-8-sig", ","), ("cp1252", ";"), ("utf-8", "\t")])
def test_csv_encodings_and_delimiters(demo, tmp_path, encoding, delimiter):
    row = survey_row(touchpoint="Café – après l’appel")
    path = write_csv(tmp_path / "q.csv", [row], encoding=encoding, delimiter=delimiter)
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert db.session.scalar(sa.select(Observation.touchpoint).where(
            Observation.import_batch_id == result.batch_id)) == "Café – après l’appel"


def test_formula_text_is_stored_as_text_and_neutralised_on_export(demo, tmp_path):
    path = write_csv(tmp_path / "inject.csv", [survey_row(touchpoint="=HYPERLINK(\"http://x\",\"y\")")])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        stored = db.session.scalar(sa.select(Observation.touchpoint)
                                   .where(Observation.import_batch_id == result.batch_id))
        assert stored == '=HYPERLINK("http://x","y")'
    runner = demo.test_cli_runner()
    out = tmp_path / "export.csv"
    assert runner.invoke(args=["export", "observations", "--out", str(out), "--period", "FY2027-Q1"]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text
    assert text.startswith("\ufeffagency,"), "a byte-order mark: Excel reads the file as UTF-8"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_of_formula_like_text_imports_back_as_nothing_changed(demo, tmp_path, suffix):
    """The export's apostrophe comes off on import: the touchpoints are the same keys, not new rows
    pooled a second time. A line break is kept as "\\n" whichever way it came."""
    hostile = ["=HYPERLINK(\"http://evil.example/\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    rows = [survey_row(touchpoint=t, period="FY2022-Q1") for t in hostile]
    rows.append(survey_row(touchpoint="Web form", period="FY2022-Q1", metric="ease"))
    rows[0][-2] = "-2+3 was the question"  # question_text, formula-like too
    # a CSV cell's Windows line breaks: an Excel export gives back "\n", which had read as 1 updated
    rows[1][-1] = "line one\r\nline two\rline three"
    with demo.app_context():
        assert run_import(db.session, write_csv(tmp_path / "in.csv", rows)).status == "imported"
        before = _count()
        stored = db.session.scalar(sa.select(Observation).where(Observation.notes == "line one\nline two\nline three"))
        assert stored is not None
        stored.notes = "line one\r\nline two\r\nline three"  # as a CSV imported before every way in kept "\n" stored it
        db.session.commit()
    out = tmp_path / f"out.{suffix}"
    runner = demo.test_cli_runner()
    assert runner.invoke(args=["export", "observations", "--out", str(out), "--period", "FY2022-Q1"]).exit_code == 0
    back = json.loads(runner.invoke(args=["import", str(out), "--json"]).output)
    assert (back["status"], back["inserted"], back["updated"], back["unchanged"]) == ("imported", 0, 0, 4), back
    with demo.app_context():
        assert _count() == before, "no touchpoint came back as a new key"
        stored = set(db.session.scalars(sa.select(Observation.touchpoint).where(Observation.period == "FY2022-Q1")))
    assert set(hostile) <= stored and not any(t.startswith("'") for t in stored if t)


def test_reimport_updates_only_what_changed_and_revert_restores_it(demo, tmp_path):
    first = write_xlsx(tmp_path / "a.xlsx", HEADER, [survey_row(), survey_row(metric="ease")])
    second = write_xlsx(tmp_path / "b.xlsx", HEADER,
                        [survey_row(counts=(1, 1, 8, 40, 50)), survey_row(metric="ease")])
    with demo.app_context():
        a = run_import(db.session, first)
        original = db.session.scalar(sa.select(Observation.value).where(Observation.import_batch_id == a.batch_id,
                                                                          Observation.question_text.is_not(None))
                                     .order_by(Observation.id))
        b = run_import(db.session, second)
        assert b.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 1, "removed": 0}
        change = db.session.scalar(sa.select(ImportRowChange).where(ImportRowChange.batch_id == b.batch_id))
        assert change.action == "update" and change.before["count_1"] == 5 and change.after["count_1"] == 1
        runner = demo.test_cli_runner()
        refused = runner.invoke(args=["revert", str(a.batch_id)])
        assert refused.exit_code != 0 and f"import batch {b.batch_id}" in refused.output
        assert runner.invoke(args=["revert", "--dry-run", str(a.batch_id)]).exit_code != 0, "checked alike"
        dry = runner.invoke(args=["revert", "--dry-run", str(b.batch_id)])
        assert dry.exit_code == 0 and dry.output.strip() == (f"Batch {b.batch_id} can be reverted: 0 rows would be "
                                                             "deleted, 1 restored. Nothing was changed.")
        db.session.expire_all()
        assert db.session.get(ImportBatch, b.batch_id).status is BatchStatus.committed
        assert db.session.get(Observation, change.row_id).count_1 == 1, "nothing was changed"
        assert runner.invoke(args=["revert", str(b.batch_id)]).exit_code == 0
        db.session.expire_all()
        restored = db.session.scalar(sa.select(Observation).where(Observation.id == change.row_id))
        assert restored.count_1 == 5 and restored.value == pytest.approx(original)
        assert restored.import_batch_id == a.batch_id
        before = _count()
        assert runner.invoke(args=["revert", str(a.batch_id)]).exit_code == 0
        assert _count() == before - 2
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(  # not the demo's own batches
            AuditEvent.entity_type == "import_batch", AuditEvent.entity_id.in_([a.batch_id, b.batch_id]))
            .order_by(AuditEvent.id)))
        assert actions.count("import.revert") == 2 and actions.count("import.commit") == 2


def test_a_batch_whose_rows_a_later_file_carried_unchanged_is_not_reverted_from_under_it(demo, tmp_path):
    """A later file holding the same rows as they are stored writes nothing for them; reverting the batch
    that stored them would delete rows the later batch still says it imported."""
    first = write_xlsx(tmp_path / "trust.xlsx", HEADER, [survey_row()])
    later = write_xlsx(tmp_path / "all.xlsx", HEADER, [survey_row(), survey_row(metric="ease")])
    with demo.app_context():
        a = run_import(db.session, first)
        b = run_import(db.session, later)
        assert b.plan.counts == {"inserted": 1, "updated": 0, "unchanged": 1, "removed": 0}
        runner = demo.test_cli_runner()
        before = _count()
        refused = runner.invoke(args=["revert", str(a.batch_id)])
        assert refused.exit_code != 0
        assert f"import batch {b.batch_id} carried rows of batch {a.batch_id}" in refused.output
        db.session.expire_all()
        assert _count() == before and db.session.get(ImportBatch, a.batch_id).status.value == "committed"
        assert runner.invoke(args=["revert", str(b.batch_id)]).exit_code == 0
        assert runner.invoke(args=["revert", str(a.batch_id)]).exit_code == 0
        assert _count() == before - 2


def test_a_later_batch_of_the_same_metric_and_quarter_that_carried_other_rows_does_not_block(demo, tmp_path):
    one = write_xlsx(tmp_path / "one.xlsx", HEADER, [survey_row(program="Benefits Call Center")])
    two = write_xlsx(tmp_path / "two.xlsx", HEADER, [survey_row(program="Pension Applications")])
    both = write_xlsx(tmp_path / "both.xlsx", HEADER, [survey_row(program="Pension Applications"),
                                                       survey_row(program="Survivor Benefits")])
    with demo.app_context():
        a, b, c = (run_import(db.session, path) for path in (one, two, both))
        assert c.plan.counts == {
            "inserted": 1, "updated": 0, "unchanged": 1, "removed": 0}, "c carried b's row, not a's"
        runner = demo.test_cli_runner()
        assert runner.invoke(args=["revert", str(a.batch_id)]).exit_code == 0
        refused = runner.invoke(args=["revert", str(b.batch_id)])
        assert refused.exit_code != 0
        assert f"import batch {c.batch_id} carried rows of batch {b.batch_id}" in refused.output


def test_batches_confirmed_out_of_upload_order_are_checked_alike(demo, tmp_path):
    """The batch uploaded first, confirmed last, carried the row the other stored: whatever their ids."""
    same = [survey_row(period="FY2022-Q2")]
    first_file = write_xlsx(tmp_path / "x.xlsx", HEADER, same, title_rows=[["The same answers, another copy"]])
    with demo.app_context():
        uploaded_first = ImportBatch(filename="x.xlsx", checksum=hashlib.sha256(first_file.read_bytes()).hexdigest())
        db.session.add(uploaded_first)
        db.session.commit()
        stored = run_import(db.session, write_xlsx(tmp_path / "y.xlsx", HEADER, same))
        carried = run_import(db.session, first_file, batch=uploaded_first)
        assert carried.batch_id == uploaded_first.id < stored.batch_id and carried.plan.counts["unchanged"] == 1
        refused = demo.test_cli_runner().invoke(args=["revert", str(stored.batch_id)])
        assert refused.exit_code != 0 and f"import batch {carried.batch_id} carried rows" in refused.output


def test_export_then_import_changes_nothing(demo, tmp_path):
    runner = demo.test_cli_runner()
    with demo.app_context():
        from tests.conftest import TRUST_CSV
        assert run_import(db.session, TRUST_CSV).status == "imported"
        noted = db.session.scalars(sa.select(Observation).order_by(Observation.id)).first()
        noted.notes = "=Survey paused two weeks (system outage)"  # a note, and a formula-like one
        db.session.commit()
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"all.{suffix}"
        result = runner.invoke(args=["export", "observations", "--out", str(out)])
        assert result.exit_code == 0, result.output
        with open(out, "rb") as handle:
            head = handle.read(2000)
        if suffix == "csv":
            assert head.decode("utf-8-sig").splitlines()[0] == (
                "agency,component,program,function,metric,driver,period,channel,touchpoint,value,n,"
                "count_1,count_2,count_3,count_4,count_5,question_text,notes,non_standard_wording")
            with open(out, newline="", encoding="utf-8-sig") as handle:
                marks = {(r["driver"], r["question_text"]): r["non_standard_wording"] for r in csv.DictReader(handle)}
            # The mark travels to the export: the standard trust statement is not marked, other
            # wordings kept under trust are, and so is nothing without a question.
            assert marks[("trust", "This interaction increased my trust in the IRS")] == ""
            assert marks[("trust", "I trust VA to fulfill our country's commitment to Veterans.")] == "yes"
            assert marks[("satisfaction", "I am satisfied with the service I received from IRS.gov.")] == ""
        back = runner.invoke(args=["import", str(out), "--json"])
        payload = json.loads(back.output)
        assert back.exit_code == 0, payload["errors"][:3]
        assert payload["inserted"] == 0 and payload["updated"] == 0 and payload["unchanged"] > 5000
        with demo.app_context():  # the notes travel too: without them, a database rebuilt from the export lost them
            db.session.execute(sa.update(Observation).values(notes=None))
            db.session.commit()
        back = json.loads(runner.invoke(args=["import", str(out), "--json"]).output)
        assert back["updated"] == 1, back
        with demo.app_context():
            assert db.session.scalar(sa.select(Observation.notes).where(Observation.notes.is_not(None))) == \
                "=Survey paused two weeks (system outage)"


def test_cli_json_dry_run_and_rejection_exit_codes(demo, tmp_path):
    runner = demo.test_cli_runner()
    with demo.app_context():
        batches = _count(ImportBatch)  # the demo's own Touchpoints imports
    good = write_csv(tmp_path / "good.csv", [survey_row()])
    dry = runner.invoke(args=["import", str(good), "--dry-run", "--json"])
    assert dry.exit_code == 0
    payload = json.loads(dry.output)
    assert payload["batch"] is None and payload["inserted"] == 1 and payload["format"] == "metrics"
    with demo.app_context():
        assert _count(ImportBatch) == batches
    bad = write_csv(tmp_path / "bad.csv", [survey_row(period="FY2025-Q5")])
    rejected = runner.invoke(args=["import", str(bad), "--json"])
    assert rejected.exit_code != 0
    payload = json.loads(rejected.output)
    assert payload["rejected"] == 1 and payload["errors"] == [
        {"row": 2, "column": "period", "value": "FY2025-Q5", "message": payload["errors"][0]["message"]}]
    imported = runner.invoke(args=["import", str(good), "--json"])
    assert imported.exit_code == 0 and json.loads(imported.output)["batch"] is not None
    again = runner.invoke(args=["import", str(good)])
    assert again.exit_code == 0 and "already imported" in again.output
    unreadable = tmp_path / "unreadable.xlsx"
    unreadable.write_bytes(b"not a workbook at all")
    failed = runner.invoke(args=["import", str(unreadable), "--json"])
    assert failed.exit_code != 0 and json.loads(failed.output)["status"] == "failed"
    assert set(json.loads(failed.output)) == set(payload), "a failed file's JSON has every other result's keys"


def test_template_has_frozen_header_drop_downs_and_instructions(demo, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "template.xlsx"
    assert demo.test_cli_runner().invoke(args=["template", "metrics", "--out", str(out)]).exit_code == 0
    workbook = load_workbook(out)
    data = workbook["data"]
    assert data.freeze_panes == "A2"
    header = [c.value for c in data[1]]
    assert header[:5] == ["agency", "component", "program", "function", "metric"]
    validated = {str(v.sqref).split(":")[0][:-1] for v in data.data_validations.dataValidation}
    letters = {name: chr(ord("A") + header.index(name))
               for name in ("metric", "program", "function", "period", "channel")}
    assert set(letters.values()) <= validated
    assert workbook["lists"].sheet_state == "hidden" and "instructions" in workbook.sheetnames
    # An empty template is a valid file whose import says there is nothing in it.
    result = demo.test_cli_runner().invoke(args=["import", str(out), "--json"])
    assert json.loads(result.output)["inserted"] == 0


def _with_cover(path, rows):
    """A workbook as analysts send it: a cover sheet of notes first, the data on the second."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "Read me"
    cover.append(["Quarterly CX data for the deputy secretary's office"])
    cover.append(["Prepared by the analytics team; questions to cx@agency.gov"])
    data = workbook.create_sheet("Data")
    data.append(HEADER)
    for row in rows:
        data.append(row)
    workbook.save(path)
    return path


def test_a_cover_sheet_before_the_data_is_passed_over_with_a_note(demo, tmp_path):
    path = _with_cover(tmp_path / "q1.xlsx", [survey_row()])
    with demo.app_context():
        with pytest.raises(ImportFileError, match="layout of this file was not recognised") as refused:
            run_import(db.session, path, sheet="Read me")  # a sheet chosen by name is the one read
        assert "the Imports page lists them" in str(refused.value) and "`" not in str(refused.value), (
            "words a web user can follow: no command in backticks")
        db.session.rollback()
        result = run_import(db.session, path)
        assert result.status == "imported", (result.message, result.errors)
        assert any("Sheet 'Read me' holds no header of a known layout; sheet 'Data' was read" in w
                   for w in result.warnings), result.warnings
        assert not any("not read" in w for w in result.warnings), "no other sheet to speak of"


def test_sheets_after_the_one_read_past_a_cover_are_named_as_not_read(demo, tmp_path):
    path = _with_cover(tmp_path / "q1.xlsx", [survey_row()])
    workbook = load_workbook(path)
    second = workbook.create_sheet("Data2")
    second.append(HEADER)
    second.append(survey_row(channel="web"))
    hidden = workbook.create_sheet("Old")
    hidden.sheet_state = "hidden"
    workbook.save(path)
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported" and result.plan.counts["inserted"] == 1
        assert any("Sheet 'Data2' was not read either; choose it by name" in w for w in result.warnings), \
            result.warnings
        assert any("Hidden sheet 'Old' was not read." in w for w in result.warnings), result.warnings


def test_the_rejected_rows_report_reads_the_sheet_the_import_read(demo, tmp_path):
    from importers.error_report import error_report

    path = _with_cover(tmp_path / "q1.xlsx", [survey_row(), survey_row(period="FY2027-Q5")])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "rejected" and [e["row"] for e in result.errors] == [3]
        batch = ImportBatch(filename="q1.xlsx", checksum="x", format=result.format, errors=result.errors,
                            stored_path=str(path), options={})
        report = error_report(batch, store=storage(demo))
        assert report.header == HEADER and [r.row for r in report.rows] == [3]
        assert report.rows[0].cells[4] == "FY2027-Q5"
        assert [repr(c) for c in report.rows[0].cells[8:10]] == ["100", "5"], "whole numbers as written, not 100.0"


def test_the_rejected_rows_download_fixed_and_uploaded_again_says_nothing_of_its_row_and_errors_columns(
        demo, tmp_path):
    """The rejected rows' workbook adds "row" before the file's columns and "errors" after them; fixed and
    uploaded again, its preview said "Columns not read: ... “row”, “errors”" of the app's own columns."""
    from importers.error_report import error_report

    path = tmp_path / "q1.xlsx"
    write_xlsx(path, HEADER, [survey_row(), survey_row(channel="web", period="FY2027-Q5")])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "rejected"
        batch = ImportBatch(filename="q1.xlsx", checksum="x", format=result.format, errors=result.errors,
                            stored_path=str(path), options={})
        fixed = tmp_path / "fixed.xlsx"
        error_report(batch, store=storage(demo)).write_xlsx(fixed)
        workbook = load_workbook(fixed)
        sheet = workbook.active
        assert sheet.cell(1, 1).value == "row" and sheet.cell(1, sheet.max_column).value == "errors"
        sheet.cell(2, 1 + HEADER.index("period") + 1).value = "FY2027-Q1"
        workbook.save(fixed)
        again = run_import(db.session, fixed, dry_run=True)
        assert again.status == "would_import", again.errors
        assert not again.unknown_columns and not [w for w in again.warnings if "not read" in w], again.warnings


# The number formats a percentage cell may be in, the 0.85-style value stored, and the value meant: a plain
# 0.85 stays 0.85, and a literal "%" in quoted text does not make a format a percentage.
PERCENT_CASES = [("0%", 0.85, 85.0), ("0.0%", 0.855, 85.5), ('0.00%;[Red]-0.00%', 0.6, 60.0), ("0.00", 0.85, 0.85),
                 ('0.0" pct of %"', 40, 40.0)]


def _imported_as_shown(demo, path) -> None:
    """`path` (PERCENT_CASES under the header, one touchpoint per case) imports with the note, each value as meant."""
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert any("3 number cells formatted as percentages; 3 were read as they show" in w
                   for w in result.warnings), result.warnings
        values = dict(db.session.execute(sa.select(Observation.touchpoint, Observation.value).where(
            Observation.import_batch_id == result.batch_id)).all())
    assert values == {f"case {k}": pytest.approx(meant) for k, (_, _, meant) in enumerate(PERCENT_CASES)}


def test_cells_formatted_as_percentages_are_read_as_they_show(demo, tmp_path):
    """Excel stores 85% as 0.85 with a percentage format. A percent metric typed that way is 85,
    as on the screen, whatever the format ("0%", "0.0%", a custom one)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["component", "program", "metric", "period", "touchpoint", "value"])
    for k, (number_format, stored, _) in enumerate(PERCENT_CASES):
        sheet.append(["Benefits Administration", "Benefits Call Center", "digital_adoption", "FY2027-Q1",
                      f"case {k}", stored])
        sheet.cell(row=k + 2, column=6).number_format = number_format
    workbook.save(tmp_path / "digital.xlsx")
    _imported_as_shown(demo, tmp_path / "digital.xlsx")


def test_a_97_2003_workbooks_percentage_cells_are_read_as_they_show_too(demo):
    """The same cases in an Excel 97-2003 .xls (tests/data/percent-formats.xls, written with xlwt 1.3: the
    cases' rows under that header, the value cells in their formats): its 85% was read as the 0.85 it
    stores, and stored so, 100 times too small, without a word (its parser gives no number formats)."""
    _imported_as_shown(demo, DATA / "percent-formats.xls")


def test_a_workbook_of_many_sheets_without_a_header_is_refused_after_a_few(demo, tmp_path):
    """Each sheet tried is parsed in a child process, so a workbook of hundreds of note sheets
    is refused after the first ten with a message, not read sheet after sheet."""
    workbook = Workbook()
    workbook.active.append(["notes"])
    for k in range(40):
        workbook.create_sheet(f"notes {k}").append([f"more notes {k}"])
    workbook.create_sheet("Data").append(HEADER)
    workbook.save(tmp_path / "many.xlsx")
    with demo.app_context(), pytest.raises(ImportFileError,
                                           match="none of the first 10 sheets .* choose the sheet to read by name"):
        run_import(db.session, tmp_path / "many.xlsx")


def test_an_empty_sheet_between_the_cover_and_the_data_is_passed_over_too(demo, tmp_path):
    workbook = Workbook()
    workbook.active.title = "Read me"
    workbook.active.append(["Quarterly CX data"])
    workbook.create_sheet("Blank")
    data = workbook.create_sheet("Data")
    data.append(HEADER)
    data.append(survey_row())
    workbook.save(tmp_path / "q1.xlsx")
    with demo.app_context():
        result = run_import(db.session, tmp_path / "q1.xlsx")
        assert result.status == "imported", (result.message, result.errors)
        assert any("Sheets 'Read me', 'Blank' hold no header" in w for w in result.warnings), result.warnings


def test_a_sheet_name_longer_than_excel_allows_is_kept_short(demo, tmp_path):
    """Excel names a sheet in at most 31 characters; a file written otherwise is read, its batch
    keeping the first 200 (the column's size) instead of failing at commit."""
    import zipfile

    from tests.hostile_files import cells, handmade_xlsx, sheet_xml
    plain = tmp_path / "plain.xlsx"
    handmade_xlsx(plain, sheet_xml(cells([["component", "program", "metric", "period", "value", "n"],
                                          ["Benefits Administration", "Benefits Call Center", "trust", "FY2027-Q1",
                                           4.2, 100]]), "A1:F2"))
    named = tmp_path / "named.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(named, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'name="Data"', b'name="' + b"S" * 250 + b'"')
            target.writestr(item, data)
    with demo.app_context():
        result = run_import(db.session, named)
        assert result.status == "imported", result.errors
        assert db.session.get(ImportBatch, result.batch_id).sheet == "S" * 200


def test_results_for_a_quarter_that_has_not_begun_are_refused_naming_it(demo, tmp_path):
    """A quarter after the current one would become every dashboard's latest, with nothing in it."""

    from scorecard.periods import Period

    current = Period.from_date(agency_today())
    rows = [survey_row(period=str(current)), survey_row(period=str(current.next()), channel="web")]
    path = write_xlsx(tmp_path / "ahead.xlsx", HEADER, rows)
    with demo.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Observation.id)))
        result = run_import(db.session, path)
        assert result.status == "rejected"
        assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(3, "period", str(current.next()))]
        assert f"has not begun: results can be given up to the current quarter, {current}" in \
            result.errors[0]["message"]
        assert db.session.scalar(sa.select(sa.func.count(Observation.id))) == before


def test_hidden_rows_of_a_workbook_are_read_and_named_in_a_note(demo, tmp_path):
    path = write_xlsx(tmp_path / "hidden.xlsx", HEADER, [survey_row(), survey_row(channel="web")])
    workbook = load_workbook(path)
    workbook.active.row_dimensions[3].hidden = True
    workbook.save(path)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "would_import" and result.plan.counts["inserted"] == 2
        assert any("has 1 hidden row (3); it was read like the others" in w for w in result.warnings), \
            result.warnings


def test_hidden_columns_the_import_reads_are_named_in_a_note(demo, tmp_path):
    """Hidden rows were named in the preview, hidden columns not: a hidden channel or notes column was
    imported unseen. The columns hidden beyond the table (the rest of the sheet) are not news."""
    path = write_xlsx(tmp_path / "hidden.xlsx", HEADER, [survey_row(), survey_row(channel="web")])
    workbook = load_workbook(path)
    workbook.active.column_dimensions["F"].hidden = True
    workbook.active.column_dimensions["P"].hidden = True
    workbook.active.column_dimensions.group("Q", "XFD", hidden=True)
    workbook.save(path)
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "would_import" and result.plan.counts["inserted"] == 2
        assert ("Sheet 'Sheet' has 2 hidden columns that the import reads: F (channel), P (notes); they were read "
                "like the others. Unhide them to check them, or delete the columns that should not be imported."
                in result.warnings), result.warnings
        workbook.active.column_dimensions["P"].hidden = False
        workbook.save(path)
        assert ("Sheet 'Sheet' has 1 hidden column that the import reads: F (channel); it was read like the others. "
                "Unhide it to check it, or delete it if it should not be imported."
                in run_import(db.session, path, dry_run=True).warnings)
        workbook.active.column_dimensions["F"].hidden = False
        workbook.save(path)
        assert not [w for w in run_import(db.session, path, dry_run=True).warnings if "hidden" in w]


def test_touchpoints_differing_only_by_invisible_characters_are_one_survey(demo, tmp_path):
    """A zero-width space (or joiner, word joiner, soft hyphen...) would make a second survey that
    reads exactly like the first and is pooled beside it: the two rows are the same key, named so."""
    path = tmp_path / "look-alikes.csv"
    path.write_text("program,metric,period,channel,touchpoint,value,n\n"
                    "DPS-BA-01,satisfaction,FY2026-Q1,web,look-alike,4.1,40\n"
                    "DPS-BA-01,satisfaction,FY2026-Q1,web\u2060,look\u200b-alike,4.2,41\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected"
    assert [(e["row"], e["message"]) for e in result.errors] == [
        (3, "the same metric, subject, period, channel and touchpoint as row 2")]


def test_an_unknown_agency_or_component_is_named_in_its_own_column(demo, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("agency,component,program,metric,period,channel,value,n\n"
                    "Department of Magic,,DPS-BA-01,satisfaction,FY2026-Q1,web,4.1,40\n"
                    ",DPS-XX,DPS-BA-01,satisfaction,FY2026-Q1,web,4.1,40\n"
                    ",DPS-RS,DPS-BA-01,satisfaction,FY2026-Q1,web,4.1,40\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    found = [(e["row"], e["column"], e["value"], e["message"].split(";")[0]) for e in result.errors]
    assert found == [(2, "agency", "Department of Magic", "unknown agency 'Department of Magic'"),
                     (3, "component", "DPS-XX", "unknown component 'DPS-XX'"),
                     (4, "program", "DPS-BA-01", "program 'DPS-BA-01' is not under 'Retirement Services' of "
                                                  "'Department of Public Services (demo)', which this row names")]
    assert result.errors[2]["message"].endswith("it is under 'Benefits Administration' of "
                                                "'Department of Public Services (demo)'")


def test_a_program_is_looked_for_under_the_agency_the_row_names(demo, tmp_path):
    """A row naming an agency and a program (no component) was filed under the program of that name in
    any agency: another department's sheet wrote into the demo agency's program without a word. It is
    refused, naming where the program is; in the agency named, it is found there."""
    from scorecard.models import Agency, Component, Program

    with demo.app_context():
        other = Agency(code="OTH", name="Other Department")
        db.session.add(Program(code="OTH-1", name="Survivor Benefits",
                               component=Component(code="OTH-C", name="Other Benefits", agency=other)))
        db.session.commit()
        path = tmp_path / "agencies.csv"
        path.write_text("agency,program,metric,period,value\n"
                        "Other Department,Benefits Call Center,wait_time,FY2026-Q1,12\n", encoding="utf-8")
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "rejected"
        [error] = result.errors
        assert (error["row"], error["column"], error["value"]) == (2, "program", "Benefits Call Center")
        assert error["message"] == ("program 'Benefits Call Center' is not under 'Other Department', which this "
                                    "row names; it is under 'Department of Public Services (demo)'")
        path.write_text("agency,program,metric,period,value\n"
                        "Other Department,Survivor Benefits,wait_time,FY2026-Q1,12\n"
                        "Department of Public Services (demo),Survivor Benefits,wait_time,FY2026-Q1,13\n",
                        encoding="utf-8")
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        stored = db.session.execute(sa.select(Program.code, Observation.value).join(Observation.program)
                                    .where(Observation.import_batch_id == result.batch_id)
                                    .order_by(Observation.value)).all()
        assert stored == [("OTH-1", 12.0), ("DPS-BA-03", 13.0)]


def test_each_sheet_of_a_workbook_imports_and_a_file_that_restores_values_is_not_a_duplicate(demo, tmp_path):
    """The same file is a duplicate only when all it holds is stored as it says. A workbook's second sheet was
    refused as 'already imported' after its first; a file uploaded again to restore the values a later file
    replaced was refused as 'nothing changed' while the database held the later values."""
    book = Workbook()
    for name, period, top in (("Q1", "FY2026-Q1", 40), ("Q2", "FY2026-Q2", 50)):
        sheet = book.create_sheet(name)
        sheet.append(HEADER)
        sheet.append(survey_row(period=period, counts=(5, 5, 10, 40, top), touchpoint="sheets"))
    del book["Sheet"]
    path = tmp_path / "two-quarters.xlsx"
    book.save(path)
    with demo.app_context():
        first = run_import(db.session, path, sheet="Q1", user_id=None)
        assert first.status == "imported" and first.plan.counts["inserted"] == 1
        second = run_import(db.session, path, sheet="Q2", user_id=None)
        assert second.status == "imported" and second.plan.counts["inserted"] == 1, second.errors
        assert not any("imported before" in w for w in second.warnings), "another sheet is not the same reading"
        again = run_import(db.session, path, sheet="Q2", user_id=None)
        assert again.status == "duplicate" and "nothing changed" in again.message

        base = write_csv(tmp_path / "q3.csv", [survey_row(period="FY2026-Q3", counts=(5, 5, 10, 40, 40),
                                                          touchpoint="restore")])
        later = write_csv(tmp_path / "q3-later.csv", [survey_row(period="FY2026-Q3", counts=(10, 10, 10, 35, 35),
                                                                 touchpoint="restore")])
        assert run_import(db.session, base, user_id=None).status == "imported"
        assert run_import(db.session, later, user_id=None).status == "imported"
        restored = run_import(db.session, base, user_id=None, dry_run=True)
        assert restored.status == "would_import" and restored.plan.counts["updated"] == 1, restored.message
        assert any(w.startswith(f"This file was imported before, as batch {first.batch_id + 2} ")
                   for w in restored.warnings), restored.warnings
        assert run_import(db.session, base, user_id=None).status == "imported"
        stored = db.session.scalar(sa.select(Observation.count_5).where(Observation.period == "FY2026-Q3",
                                                                         Observation.touchpoint == "restore"))
        assert stored == 40, "the first file's values are back"


def test_a_workbook_whose_data_is_on_a_hidden_sheet_says_so_when_its_layout_is_not_found(demo, tmp_path):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Prepared by the CX office"])
    data = book.create_sheet("Q1 data")
    data.append(HEADER)
    data.append(survey_row(period="FY2026-Q1", touchpoint="hidden"))
    data.sheet_state = "hidden"
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    with demo.app_context():
        with pytest.raises(ImportFileError, match="Hidden sheet 'Q1 data' was not read: choose it by name"):
            run_import(db.session, path, dry_run=True)
        assert run_import(db.session, path, sheet="Q1 data", dry_run=True).status == "would_import"


def test_a_percent_given_as_a_share_is_pointed_out_before_it_is_confirmed(demo, tmp_path):
    """0.85 and 0.9 for a percent metric were stored as 0.85% and 0.9% without a word, and 1 (a share of 100%) as 1%
    beside a 0.99 that was said. Beside a value above 1 the column is on the 0-100 scale: its 0.5% is a small
    percent, not a share."""
    def adoption(name: str, values: list[str]) -> list:
        rows = [["Benefits Administration", "Benefits Call Center", None, "digital_adoption", f"FY2025-Q{k}", "", "",
                 value, None, None, None, None, None, None, None, None] for k, value in enumerate(values, start=1)]
        with demo.app_context():
            result = run_import(db.session, write_csv(tmp_path / name, rows), dry_run=True)
        assert result.status == "would_import", result.errors
        return [w for w in result.warnings if w.startswith("digital_adoption")]

    [warning] = adoption("shares.csv", ["0.85", "1", "0.9", "0"])
    assert "3 of its values in this file are between 0 and 1 where the file gives the program or function none " \
           "above 1 (the first on row 2: 0.85, stored as 0.85%; that program's quarters stored already reach 65.6, " \
           "so it is most likely a share)" in warning and "(85, or 85%)" in warning, (
               "the demo's stored quarters of the program (46 to 65.6): it said the program had none above 1")
    assert "percents of 1 or less, nothing" in warning
    assert adoption("percents.csv", ["0.5%", "45%", "0.4", "85"]) == [], "on the 0-100 scale"
    assert adoption("marked.csv", ["1%", "0.5%", "0"]) == [], "written with % they are percents: 1% was told to be 100%"
    [one] = adoption("one.csv", ["0.85", "0"])  # it read "1 of its values in this file are ..."
    assert "1 of its values in this file is between 0 and 1 where the file gives the program or function none " \
           "above 1 (on row 2: 0.85, stored as 0.85%; that program's quarters stored already reach 65.6, so it is " \
           "most likely a share). If it is a share, give it as a percent (85, or 85%) and upload " \
           "the file again; if it is a percent of 1 or less, nothing needs to change." in one
    [whole] = adoption("whole.csv", ["1", "1.0", "0"])  # 1 is 100% as a share: said, as 0.99 is
    assert "2 of its values in this file are between 0 and 1" in whole and "row 2: 1, stored as 1%" in whole
    assert "(100, or 100%)" in whole
    merged = [["Benefits Administration", program, None, "digital_adoption", "FY2025-Q1", "", "", value, *[None] * 8]
              for program, value in (("Benefits Call Center", "0.85"), ("Disability Compensation Claims", "88"))]
    with demo.app_context():
        found = run_import(db.session, write_csv(tmp_path / "merged.csv", merged), dry_run=True).warnings
    assert [w for w in found if w.startswith("digital_adoption") and "row 2: 0.85" in w], (
        "another program's 88 does not put this one's 0.85 on the 0-100 scale")
    unstored = [["Benefits Administration", "Disability Compensation Claims", None, "digital_adoption",
                 "FY2025-Q1", "", "", "0.85", *[None] * 8]]
    with demo.app_context():  # the program's quarters of it, none stored
        program = db.session.scalar(sa.select(Program.id).where(Program.name == "Disability Compensation Claims"))
        db.session.execute(sa.delete(Observation).where(Observation.program_id == program, Observation.metric_id.in_(
            sa.select(Metric.id).where(Metric.code == "digital_adoption"))))
        db.session.commit()
        result = run_import(db.session, write_csv(tmp_path / "unstored.csv", unstored), dry_run=True)
    assert result.status == "would_import", (result.errors, result.message)
    [warning] = [w for w in result.warnings if w.startswith("digital_adoption")]
    assert "stored as 0.85%). If it is a share" in warning, "a program with no quarter stored: nothing to say of them"
    with demo.app_context():  # a stored quarter barely above 1: said, but not taken as a sign of a share
        stored = [[*unstored[0][:4], "FY2024-Q1", "", "", "1.2", *[None] * 8]]
        assert run_import(db.session, write_csv(tmp_path / "stored.csv", stored)).status == "imported"
        result = run_import(db.session, write_csv(tmp_path / "unstored.csv", unstored), dry_run=True)
    [warning] = [w for w in result.warnings if w.startswith("digital_adoption")]
    assert "stored as 0.85%; that program's quarters stored already reach 1.2). If it is a share" in warning

    wait_time = write_csv(tmp_path / "wait.csv", [survey_row(), ["Benefits Administration", "Benefits Call Center",
                                                                 None, "wait_time", "FY2025-Q1", "phone", "", "0.5",
                                                                 *[None] * 8]])
    with demo.app_context():
        assert not [w for w in run_import(db.session, wait_time, dry_run=True).warnings if "percent" in w], \
            "minutes are not a percent"


def test_a_small_percent_stored_as_it_is_raises_no_share_warning_when_imported_again(demo, tmp_path):
    """The product's own export, imported back unchanged, was told its 0.833333 (1 respondent in 120 who named
    another problem) might be a share to give as a percent. A value stored so already changes nothing; one that
    changes it is still pointed out."""
    def rows(*values):
        return [["Benefits Administration", "Benefits Call Center", None, "digital_adoption", f"FY2025-Q{k}", "", "",
                 value, *[None] * 8] for k, value in enumerate(values, start=1)]

    def warned(result):
        return [w for w in result.warnings if w.startswith("digital_adoption")]

    with demo.app_context():
        first = run_import(db.session, write_csv(tmp_path / "first.csv", rows("0.833333", "0.5")))
        assert first.status == "imported" and len(warned(first)) == 1, "said before it was stored"
        again = run_import(db.session, write_csv(tmp_path / "again.csv", rows("0.833333", "0.5")), dry_run=True)
        assert again.status == "duplicate" or again.plan.counts["unchanged"] == 2
        assert warned(again) == [], "stored as they are: nothing to say"
        changed = run_import(db.session, write_csv(tmp_path / "changed.csv", rows("0.833333", "0.6")), dry_run=True)
    [warning] = warned(changed)
    assert "1 of its values in this file is between 0 and 1 " in warning and "row 3: 0.6, stored as 0.6%" in warning


def test_v2_trust_given_as_a_value_without_answer_counts_is_said_to_judge_nothing(demo, tmp_path):
    """A trust of 1.0 from 5,000 respondents in FY2026-Q4, typed without its answers, was previewed as an insert
    with no word; the program page then showed it "reported without counts: no score" beside a trust status it
    left unchanged. Before the v2 survey a mean with its n is pooled, and nothing is said."""
    rows = [survey_row(period="FY2026-Q4", counts=(None,) * 5, value="1.0", n=5000),
            survey_row(period="FY2026-Q4", channel="web", counts=(None,) * 5, value="4.2", n=80),
            survey_row(period="FY2024-Q1", counts=(None,) * 5, value="4.1", n=300),
            survey_row(period="FY2026-Q3")]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "typed.csv", rows), dry_run=True)
    assert result.status == "would_import", result.errors
    assert [w for w in result.warnings if w.startswith("2 trust values")] == [
        "2 trust values of A-11's v2 survey (FY2024-Q2 on) are given without their answer counts (the first on row "
        "2: FY2026-Q4, 1). From FY2024-Q2 a quarter's trust is the share who trust, counted from the answers, so "
        "they are kept but judge nothing. Give the answers in count_1 to count_5 (a thumbs down as 1, a thumbs up "
        "as 5) to have them scored."]
    with demo.app_context():
        one = run_import(db.session, write_csv(tmp_path / "one.csv", rows[1:]), dry_run=True)
    assert [w for w in one.warnings if w.startswith("1 trust value")] == [
        "1 trust value of A-11's v2 survey (FY2024-Q2 on) is given without its answer counts (on row 2: FY2026-Q4, "
        "4.2). From FY2024-Q2 a quarter's trust is the share who trust, counted from the answers, so it is kept but "
        "judges nothing. Give the answers in count_1 to count_5 (a thumbs down as 1, a thumbs up as 5) to have it "
        "scored."]
    with demo.app_context():
        before = run_import(db.session, write_csv(tmp_path / "v1.csv", rows[2:]), dry_run=True)
    assert not [w for w in before.warnings if "trust value" in w], "a v1 mean with its n is pooled"


def test_a_typed_v2_trust_value_replacing_counted_answers_says_it_removes_them(demo, tmp_path):
    """A typed trust value on the natural key of a row stored with its answers (the demo's FY2026-Q4 Touchpoints
    survey of the call center, 250 answers) was previewed as "kept but judges nothing"; imported, it removed the
    answers and the quarter's trust score. The preview says so, and what it says is what the import does."""
    typed = survey_row(period="FY2026-Q4", channel="", touchpoint="Touchpoints A-11 v2", counts=(None,) * 5,
                       value="1.0", n=5000)
    beside = survey_row(period="FY2026-Q4", channel="web", counts=(None,) * 5, value="4.2", n=80)
    path = write_csv(tmp_path / "typed.csv", [beside, typed])
    with demo.app_context():
        preview = run_import(db.session, path, dry_run=True)
        assert preview.status == "would_import", preview.errors
        assert [w for w in preview.warnings if w.startswith("1 of these trust values")] == [
            "1 of these trust values replaces a row stored with answer counts, the same program or function, "
            "quarter, channel and touchpoint (on row 3: FY2026-Q4, no channel, 250 answers stored): those answers "
            "would be removed, and with them the quarter's trust score where no other answers are stored. Give the "
            "answers in count_1 to count_5, or leave the row out, to keep them."]
        assert run_import(db.session, path).status == "imported"
        program = db.session.scalar(sa.select(Program).where(Program.name == "Benefits Call Center"))
        stored = db.session.scalars(sa.select(Observation).where(
            Observation.program_id == program.id, Observation.period == "FY2026-Q4",
            Observation.metric.has(code="trust"))).all()
        assert stored and not any(o.count_5 for o in stored), "the answers the preview named are gone"
    with demo.app_context():
        again = run_import(db.session, path, dry_run=True)
    assert not [w for w in again.warnings if w.startswith("1 of these")], "nothing counted is left to remove"


def test_touchpoints_spelt_two_ways_are_pointed_out(demo, tmp_path):
    """'d1' and 'D1' were stored as two surveys, both pooled into the scores, without a word."""
    path = write_csv(tmp_path / "touchpoints.csv", [survey_row(touchpoint="d1", period="FY2026-Q1"),
                                                     survey_row(touchpoint="D1", period="FY2026-Q1"),
                                                     survey_row(touchpoint="D1", period="FY2026-Q2"),
                                                     survey_row(touchpoint="other", period="FY2026-Q1")])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "would_import" and result.plan.counts["inserted"] == 4, result.errors
    assert [w for w in result.warnings if w.startswith("Touchpoints")] == [
        "Touchpoints 'd1' (row 2) and 'D1' (row 3) differ only in case, so they are stored as different surveys, "
        "each pooled into the scores. If they are one, spell them alike and upload the file again."]


def test_a_touchpoint_spelt_in_another_case_than_the_stored_one_is_pointed_out(demo, tmp_path):
    """A survey imported as 'Exit survey' and again, retyped, as 'EXIT SURVEY' was planned as a new survey
    without a word: both were pooled, the quarter counting its respondents twice."""
    with demo.app_context():
        first = run_import(db.session, write_csv(tmp_path / "first.csv", [
            survey_row(touchpoint="Exit survey", period="FY2026-Q1")]))
        assert first.status == "imported", first.errors
        result = run_import(db.session, write_csv(tmp_path / "again.csv", [
            survey_row(touchpoint="EXIT SURVEY", period="FY2026-Q1"),
            survey_row(touchpoint="EXIT SURVEY", period="FY2026-Q2")]), dry_run=True)
    assert result.status == "would_import" and result.plan.counts["inserted"] == 2, result.errors
    assert [w for w in result.warnings if "differs only in case" in w] == [
        "1 row gives a touchpoint that differs only in case from one stored for the same metric, subject, quarter "
        "and channel (on row 2: 'EXIT SURVEY', stored as 'Exit survey'): it is stored as another "
        "survey, both pooled into the score. If they are one survey, spell it as stored and upload the file again."]


def test_a_typed_v2_trust_value_spelt_in_another_case_is_not_said_to_be_pooled(demo, tmp_path):
    """A v2 trust value typed without its answers, its touchpoint retyped in another case, was said to be "stored as
    another survey, both pooled into the score" beside the preview's own "kept but judges nothing"; the score did
    not move. Each warning says what such a row does: it judges nothing, and would be pooled given its answers."""
    typed = dict(period="FY2026-Q4", channel="", counts=(None,) * 5, value="3.9", n=2688)
    with demo.app_context():
        stored = run_import(db.session, write_csv(tmp_path / "stored.csv", [
            survey_row(touchpoint="touchpoints a-11 v2", **typed)]), dry_run=True)
        twice = run_import(db.session, write_csv(tmp_path / "twice.csv", [
            survey_row(touchpoint="Exit one", **typed), survey_row(touchpoint="EXIT ONE", **typed)]), dry_run=True)
    assert [w for w in stored.warnings if "differs only in case" in w] == [
        "1 row gives a touchpoint that differs only in case from one stored for the same metric, subject, quarter "
        "and channel (on row 2: 'touchpoints a-11 v2', stored as 'Touchpoints A-11 v2'): it is stored as another "
        "survey, kept but judging nothing as a v2 trust value typed without its answers, and pooled beside the "
        "stored one if given its answers. If they are one survey, spell it as stored and upload the file again."]
    assert [w for w in twice.warnings if w.startswith("Touchpoints")] == [
        "Touchpoints 'Exit one' (row 2) and 'EXIT ONE' (row 3) differ only in case, so they are stored as different "
        "surveys, each kept but judging nothing as a v2 trust value typed without its answers, and pooled if given "
        "their answers. If they are one, spell them alike and upload the file again."]


def test_a_value_written_as_a_percent_or_as_money_must_fit_its_metric(demo, tmp_path):
    """'12%' for a wait in minutes and '$5' for it were stored as 12 and 5 without a word (an analyst who
    pasted a percent into a minutes column made a mistake); a percent metric's '72%' is 72, as before."""
    path = write_csv(tmp_path / "marks.csv", [
        ["Benefits Administration", "Benefits Call Center", None, "wait_time", "FY2027-Q1", "phone", "", "12%", None,
         None, None, None, None, None, None, None],
        ["Benefits Administration", "Benefits Call Center", None, "wait_time", "FY2027-Q1", "web", "", "$5", None,
         None, None, None, None, None, None, None],
        [None, None, "CFO", "cfo_cx_budget_aligned", "FY2027-Q1", None, None, "72%", None, None, None, None, None,
         None, None, None]])
    with demo.app_context():
        before = _count()
        result = run_import(db.session, path)
        assert result.status == "rejected" and _count() == before
        said = {(e["row"], e["column"], e["value"]): e["message"] for e in result.errors}
        assert set(said) == {(2, "value", "12%"), (3, "value", "$5")}, result.errors
        assert "'12%' is written as a percent, but 'wait_time' is a duration metric" in said[(2, "value", "12%")]
        fine = write_csv(tmp_path / "fine.csv", [[None, None, "CFO", "cfo_cx_budget_aligned", "FY2027-Q1", None, None,
                                                  "72%", None, None, None, None, None, None, None, None]])
        assert run_import(db.session, fine, dry_run=True).status == "would_import"


def test_a_period_written_like_a_quarter_with_a_leading_zero_says_it_is_read_as_a_month(demo, tmp_path):
    """"2025-01" is January 2025 (FY2025-Q2), as documented; "2025-1" is FY2025-Q1. An analyst who meant
    the quarter is told, before confirming, how the file's spelling was read, with its first row."""
    rows = [survey_row(period="FY2025-Q1"), survey_row(period="2025-03", channel="web"),
            survey_row(period="2025-03", channel="email"), survey_row(period="2025-1", channel="mail"),
            survey_row(period="2025-11", channel="chat")]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "months.csv", rows), dry_run=True)
    assert result.status == "would_import", result.errors
    said = [w for w in result.warnings if w.startswith("Period ")]
    assert said == ["Period '2025-03' (first on row 3) is read as a calendar month, March 2025, so in FY2025-Q2. "
                    "If it means a quarter, write FY2025-Q3 (or 2025-3) and upload the file again; if it is a month, "
                    "nothing needs to change."], said
    many = [survey_row(period="2025-02", channel=f"web {k}") for k in range(300)]  # read in bulk, by whole chunks
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "bulk.csv", many), dry_run=True)
    assert [w for w in result.warnings if w.startswith("Period '2025-02' (first on row 2)")]


def test_a_row_refused_for_its_values_names_its_impossible_quarter_too(demo, tmp_path):
    """A row with a bad value stops before its quarter is read: "FY2026-Q9" beside "high" went unsaid, and
    the analyst found it only on the next upload."""
    rows = [survey_row(period="FY2026-Q9", counts=(None,) * 5, value="high", n=-3),
            survey_row(period="FY2026-Q9", channel="web")]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "q9.csv", rows), dry_run=True)
    said = {(e["row"], e["column"]) for e in result.errors}
    assert {(2, "value"), (2, "n"), (2, "period"), (3, "period")} <= said, result.errors
    assert all("quarter must be 1-4, got 9" in e["message"] for e in result.errors if e["column"] == "period")


def test_a_quarter_written_without_fy_says_it_is_read_as_the_fiscal_quarter(demo, tmp_path):
    """"Q1 2025" and "2025Q1" are fiscal quarters, as documented; a file of calendar quarters would be read a
    quarter early. The preview says how the first was read, and what a calendar quarter would be."""
    rows = [survey_row(period="FY2025-Q1"), survey_row(period="FY2025-Q2", channel="web"),
            survey_row(period="Q1 2025", channel="email"), survey_row(period="2025Q3", channel="mail")]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "quarters.csv", rows), dry_run=True)
    assert result.status == "would_import", result.errors
    said = [w for w in result.warnings if w.startswith("Quarters written without FY")]
    assert said == ["Quarters written without FY, such as 'Q1 2025' (row 4), are read as fiscal quarters: FY2025-Q1, "
                    "October 2024 to December 2024. If the file means calendar quarters, write them as fiscal ones "
                    "(calendar Q1 2025 is FY2025-Q2) or as dates and upload the file again; if they are fiscal "
                    "quarters, nothing needs to change."], result.warnings
    marked = [survey_row(period=p, channel=c) for p, c in (("FY2025-Q1", "web"), ("Q2 FY2025", "mail"),
                                                            ("FY25 Q3", "chat"), ("2025-02-15", "email"))]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "marked.csv", marked), dry_run=True)
    assert result.status == "would_import" and not [w for w in result.warnings if "without FY" in w], result.warnings
    many = [survey_row(period="2025-2", channel=f"web {k}") for k in range(300)]  # read in bulk, by whole chunks
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "bulk.csv", many), dry_run=True)
    assert [w for w in result.warnings if w.startswith("Quarters written without FY, such as '2025-2' (row 2)")]
    # The current quarter: the calendar quarter of its name has not begun, so there is no other reading (it
    # was offered: "calendar Q1 2027 is FY2027-Q2", a quarter an upload is refused)
    from scorecard.periods import Period

    current = Period.from_date(agency_today())
    now = [survey_row(period=f"Q{current.quarter} {current.fiscal_year}", channel="web")]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "now.csv", now), dry_run=True)
    assert result.status == "would_import" and not [w for w in result.warnings if "without FY" in w], result.warnings
    # Beside an earlier quarter written so, in either order: the file's quarters are fiscal (the note came when
    # the earlier one was on the first row)
    before = survey_row(period=f"Q{current.prev().quarter} {current.prev().fiscal_year}", channel="mail")
    for rows in ([*now, before], [before, *now]):
        with demo.app_context():
            result = run_import(db.session, write_csv(tmp_path / "both.csv", rows), dry_run=True)
        assert result.status == "would_import" and not [w for w in result.warnings if "without FY" in w], (
            result.warnings)


def test_a_fiscal_year_column_beside_a_quarter_is_no_quarter_without_fy(demo, tmp_path):
    """A "Fiscal Year" column of 2025 beside a "Quarter" of Q1 names the fiscal year: the preview said it was a
    quarter written without FY, quoting 'fiscal_year=2025, quarter=Q1', which no cell holds. Quarters that are
    read without FY in other spellings (2025/1, 2025_Q1, Q1_2025) are said as the others are."""
    header = [c for c in HEADER if c != "period"] + ["fiscal_year", "quarter"]
    rows = [[*row[:4], *row[5:], "2025", quarter] for row, quarter in (
        (survey_row(channel="web"), "Q1"), (survey_row(channel="mail"), "2"), (survey_row(channel="chat"), "q3"))]
    with demo.app_context():
        result = run_import(db.session, write_csv(tmp_path / "columns.csv", rows, header=header), dry_run=True)
    assert result.status == "would_import", result.errors
    assert not [w for w in result.warnings if "without FY" in w], result.warnings
    for spelling in ("2025/1", "2025_Q1", "Q1_2025", "2025 - 1"):
        with demo.app_context():
            result = run_import(db.session, write_csv(tmp_path / "one.csv", [survey_row(period=spelling)]),
                                dry_run=True)
        assert result.status == "would_import", (spelling, result.errors)
        assert [w for w in result.warnings
                if w.startswith(f"Quarters written without FY, such as {spelling!r} (row 2)")], result.warnings


def test_answer_counts_under_a_merged_header_cell_are_refused_not_scored_from_the_first(demo, tmp_path):
    """An "Answer counts" banner merged over the five count columns leaves count_2 to count_5 without a name:
    the row was stored with count_1 alone (a trust of 1.00 from n=10, where the answers give 3.75)."""
    book = Workbook()
    sheet = book.active
    header = list(HEADER)
    first = header.index("count_1")
    for k in range(1, 5):
        header[first + k] = None
    sheet.append(header)
    sheet.append(survey_row(counts=(10, 10, 20, 40, 40)))
    sheet.merge_cells(start_row=1, start_column=first + 1, end_row=1, end_column=first + 5)
    path = tmp_path / "merged.xlsx"
    book.save(path)
    with demo.app_context():
        before = _count()
        with pytest.raises(ImportFileError) as refused:
            run_import(db.session, path, dry_run=True)
        assert _count() == before
    said = str(refused.value)
    assert "names count_1 but not count_2, count_3, count_4, count_5: these columns come together" in said, said
    assert "a merged header cell names only its first column" in said


def test_the_preview_shows_a_change_to_the_digits_given(demo, tmp_path):
    """The preview rounded to 4 digits: 5349.8 changed to 5349.9 read "5350 -> 5350", and 123,456.5 as
    "1.235e+05"."""
    def row(value):
        return ["Benefits Administration", "Benefits Call Center", "", "backlog", "FY2025-Q1", "web", "", value,
                "", "", "", "", "", "", "", ""]
    with demo.app_context():
        assert run_import(db.session, write_csv(tmp_path / "first.csv", [row(5349.8)])).status == "imported"
        result = run_import(db.session, write_csv(tmp_path / "second.csv", [row(123456.5)]), dry_run=True)
        [change] = result.preview
        assert (change["before"], change["after"]) == ("5349.8", "123456.5"), change
        # a change below the 4 decimals shown is shown whole: it read "3 -> 3"
        assert run_import(db.session, write_csv(tmp_path / "third.csv", [row(3.00001)])).status == "imported"
        [change] = run_import(db.session, write_csv(tmp_path / "fourth.csv", [row(3.00002)]), dry_run=True).preview
        assert (change["before"], change["after"]) == ("3.00001", "3.00002"), change


def test_the_preview_of_a_score_from_answer_counts_reads_to_four_decimals_and_its_n_with_separators(demo, tmp_path):
    """A mean from answer counts read "2.55813953488372 (n=86)" in the preview, and 12,000 respondents "n=12000"."""
    with demo.app_context():
        rows = [survey_row(counts=(20, 30, 10, 16, 10)),  # a mean of 224 / 86
                survey_row(channel="web", counts=(2000, 2000, 2000, 3000, 3000))]
        result = run_import(db.session, write_csv(tmp_path / "q.csv", rows), dry_run=True)
        assert result.status == "would_import", result.errors
        assert sorted(change["after"] for change in result.preview) == ["2.6047 (n=86)", "3.25 (n=12,000)"]


def test_the_rejected_rows_download_is_written_in_time_linear_in_its_rows(monkeypatch):
    """The download of the 5,000 rejected rows kept of a large file took 15 s: the row each marked cell is
    on was asked of the sheet (Worksheet.max_row, which looks at every cell written so far) once a row."""
    import io

    from openpyxl import load_workbook as read_back
    from openpyxl.worksheet.worksheet import Worksheet

    from importers.error_report import ErrorReport, ErrorRow

    asked = []
    counted_max_row = property(lambda sheet: asked.append(1) or Worksheet._max_row_as_built.__get__(sheet))
    monkeypatch.setattr(Worksheet, "_max_row_as_built", Worksheet.max_row, raising=False)
    monkeypatch.setattr(Worksheet, "max_row", counted_max_row)
    report = ErrorReport(header=["metric", "period"], rows=[
        ErrorRow(number, ["trust", f"FY2026-Q{number}"], {"period"}, ["period: not a fiscal quarter"])
        for number in range(2, 202)])
    written = io.BytesIO()
    report.write_xlsx(written)
    assert len(asked) < 20, f"asked {len(asked)} times for 200 rows"
    monkeypatch.undo()
    sheet = read_back(written).active
    assert sheet.cell(row=201, column=3).fill.fgColor.rgb.endswith("F8DFE2"), "the last row's bad cell is marked"
    assert sheet.cell(row=201, column=2).fill.fgColor.rgb == "00000000" and sheet.cell(row=201, column=1).value == 201


def test_the_rejected_rows_report_reads_no_further_than_its_rows_and_a_page_keeps_few_columns():
    """A rejected file of a million rows was read whole for every view of its page (14-20 s), and one of
    16,000 columns made a page of 1.6 million cells: the report stops at the last row it shows, and a page
    keeps the columns at fault and the first others (the download keeps every one)."""
    from importers.error_report import ErrorReport, _pick

    def rows():
        yield ["metric", *(f"extra {k}" for k in range(500)), "period"]
        for number in range(2, 10**6):
            if number > 5:
                raise AssertionError("read beyond the rows the report shows")
            yield ["trust", *range(500), "FY2027-Q5" if number == 3 else "FY2025-Q1"]
    report = ErrorReport()
    errors = {3: [{"column": "period", "message": "not a quarter"}], 5: [{"column": None, "message": "a duplicate"}]}
    _pick(report, rows(), 0, errors, [3, 5])
    assert [r.row for r in report.rows] == [3, 5] and len(report.header) == 502
    page = report.narrowed(40)
    assert len(page.header) == 40 and page.columns_left_out == 462
    assert "period" in page.header and page.header[0] == "metric", "the column at fault is kept, then the first"
    assert page.rows[0].cells[page.header.index("period")] == "FY2027-Q5"
    assert report.narrowed(1000) is report


def test_a_sheet_of_thousands_of_unknown_columns_names_the_first_and_counts_the_rest(demo, tmp_path):
    """A sheet of 16,000 columns listed every one in the preview (and in its warning)."""
    extra = [f"extra {k}" for k in range(2000)]
    path = write_csv(tmp_path / "wide.csv", [[*survey_row(), *range(2000)]], header=[*HEADER, *extra])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.unknown_columns == extra[:50]
    [said] = [w for w in result.warnings if w.startswith("Columns not read")]
    assert "\u201cextra 49\u201d and 1,950 more." in said and "extra 50\u201d" not in said


def _quarter_row(program, channel="phone"):
    return db.session.scalars(sa.select(Observation).join(Observation.program).where(
        Observation.period == "FY2026-Q1", Observation.channel == channel,
        Observation.subject_key.like("program:%")).where(sa.text("programs.name = :name")).params(name=program)).all()


@pytest.mark.parametrize("chunk", [5000, 2])  # one chunk; or the months in chunks of their own (the bulk path first)
def test_monthly_rows_roll_up_into_their_quarter(demo, tmp_path, monkeypatch, chunk):
    """DESIGN: monthly data rolls up to quarters. Three months of one program's phone survey were refused as
    duplicates of the first; they are one FY2026-Q1 row, every answer counted, and the preview says so."""
    from importers import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", chunk)
    months = [("2025-10", (5, 5, 10, 20, 10)), ("2025-11", (4, 6, 10, 20, 12)), ("2025-12", (3, 7, 10, 25, 15))]
    rows = [survey_row(program, period=month, counts=counts, touchpoint="IVR survey")
            for month, counts in months for program in ("Benefits Call Center", "Online Benefits Portal")]
    with demo.app_context():
        before = _count()
        preview = run_import(db.session, write_csv(tmp_path / "monthly.csv", rows), dry_run=True)
        assert preview.status == "would_import", preview.errors
        assert any("4 monthly rows were added into the row of their quarter" in w for w in preview.warnings)
        result = run_import(db.session, write_csv(tmp_path / "monthly.csv", rows))
        assert result.status == "imported" and _count() == before + 2, result.errors
        [stored] = _quarter_row("Benefits Call Center")
        assert (stored.count_1, stored.count_2, stored.count_3, stored.count_4, stored.count_5) == (12, 18, 30, 65, 37)
        assert stored.n == 162 and stored.value == pytest.approx((12 + 36 + 90 + 260 + 185) / 162)


def test_a_month_given_twice_names_the_row_that_gave_that_month(demo, tmp_path):
    """April, May, June and June again: the second June was said to repeat row 2 (April, the quarter's first row),
    not row 4 (June). Small and large files alike (the bulk reader keeps the months' rows too)."""
    with demo.app_context():
        for extra in (0, 600):  # a file large enough to be read in chunks first
            padding = [survey_row(program="Benefits Call Center", channel=f"kiosk {k}") for k in range(extra)]
            rows = [*padding, *(survey_row(period=f"2026-0{m}-01", channel="web") for m in (4, 5, 6, 6))]
            result = run_import(db.session, write_csv(tmp_path / f"twice-{extra}.csv", rows), dry_run=True)
            assert result.status == "rejected"
            (error,) = result.errors
            assert error["row"] == extra + 5 and error["message"].endswith(f"as row {extra + 4}"), error


def test_months_spelt_like_quarters_are_not_summed_on_a_guess(demo, tmp_path):
    """2025-01 to 2025-04 are months as documented, but a file of quarters written so ("2025-01", "2025-02",
    "2025-03") became one FY2025-Q2 row of three quarters' answers. Refused, saying how to write either."""
    with demo.app_context():
        before = _count()
        rows = [survey_row(period=f"2025-0{q}") for q in (1, 2, 3)]
        result = run_import(db.session, write_csv(tmp_path / "quarters.csv", rows))
        assert result.status == "rejected" and _count() == before
        assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(3, "period", "2025-02"),
                                                                              (4, "period", "2025-03")]
        assert "write months as dates (2025-02-01) or quarters as FY2025-Q2" in result.errors[0]["message"]
        assert "write months as dates (2025-03-01) or quarters as FY2025-Q3" in result.errors[1]["message"], (
            "the row's own month or quarter, not Q1 for every row")
        # the refused file's notes had said "if it is a month, nothing needs to change" and "2 monthly rows were
        # added into the row of their quarter"; its example years are its own
        assert not [w for w in result.warnings if "month" in w], result.warnings
        later = run_import(db.session, write_csv(tmp_path / "later.csv", [survey_row(period=f"2026-0{q}")
                                                                          for q in (1, 2)]), dry_run=True)
        assert "but 2026-01 to 2026-04 may mean quarters" in later.errors[0]["message"]
        assert "write months as dates (2026-02-01) or quarters as FY2026-Q2" in later.errors[0]["message"]
        dated = [survey_row(period=f"2025-0{m}-01") for m in (1, 2, 3)]
        assert run_import(db.session, write_csv(tmp_path / "months.csv", dated)).status == "imported"
        # April to June: May and June are months whatever one reads, so the file's 2025-04 is April
        spring = [survey_row(period=f"2025-0{m}", channel="web") for m in (4, 5, 6)]
        result = run_import(db.session, write_csv(tmp_path / "spring.csv", spring))
        assert result.status == "imported" and result.plan.counts["inserted"] == 1, result.errors


def test_a_file_of_some_months_says_it_replaces_the_quarter_stored_and_the_same_months_reordered_change_nothing(
        demo, tmp_path):
    """October imported, then November alone: the quarter's row became November's answers with no word."""
    def month(period, counts, note):
        row = survey_row(period=period, counts=counts)
        row[-1] = note
        return row
    october, november = month("2025-10", (5, 5, 10, 20, 10), "Survey closed early; low response"), month(
        "2025-11", (4, 6, 10, 20, 12), "Nov")
    with demo.app_context():
        assert run_import(db.session, write_csv(tmp_path / "both.csv", [november, october])).status == "imported"
        stored = db.session.scalar(sa.select(Observation.notes).order_by(Observation.id.desc()))
        assert stored == "Survey closed early; low response; Nov", "each month's note whole, in month order"
        reordered = run_import(db.session, write_csv(tmp_path / "again.csv", [october, november]), dry_run=True)
        assert reordered.plan.counts["updated"] == 0 and reordered.plan.counts["unchanged"] == 1
        alone = run_import(db.session, write_csv(tmp_path / "nov.csv", [november]), dry_run=True)
        assert alone.plan.counts["updated"] == 1
        assert any("1 quarter row stored before is replaced by the months of this file" in w
                   for w in alone.warnings), alone.warnings


def test_monthly_rows_that_cannot_be_one_quarter_are_named_and_nothing_is_written(demo, tmp_path):
    """The same month twice is a duplicate; months asking the question in other words, or values without
    their respondents, cannot be pooled: each is named by row, column and value."""
    same_month = [survey_row(period="2025-10"), survey_row(period="2025-10")]
    reworded = [survey_row(period="2025-10"), survey_row(period="2025-11")]
    reworded[1][-2] = "I trust this agency."
    unweighed = [["Benefits Administration", "Benefits Call Center", None, "wait_time", month, "phone", "", minutes,
                  None, None, None, None, None, None, None, None] for month, minutes in (("2025-10", 12.5),
                                                                                        ("2025-11", 9.0))]
    with demo.app_context():
        before = _count()
        for name, rows, column, value, words in (
                ("same", same_month, "metric", "trust", "the same metric, subject, period, channel and touchpoint "
                                                         "as row 2"),
                ("reworded", reworded, "question_text", "I trust this agency.",
                 "another month of FY2026-Q1, as row 2, but it asks the question in other words"),
                ("unweighed", unweighed, "n", None, "a value without its respondents (n) cannot be weighed")):
            result = run_import(db.session, write_csv(tmp_path / f"{name}.csv", rows))
            assert result.status == "rejected", name
            [error] = result.errors
            assert (error["row"], error["column"], error["value"]) == (3, column, value), (name, error)
            assert words in error["message"], (name, error)
        assert _count() == before


def test_a_quarters_row_and_a_month_of_it_are_named_as_such(demo, tmp_path):
    """A file giving FY2026-Q1 whole and November 2025 too was refused as "the same metric, subject, period,
    channel and touchpoint as row 2", though the two periods read differently; it says the one is a month
    of the other, whichever comes first, naming the period's cell."""
    with demo.app_context():
        before = _count()
        for rows, value, words in (
                ([survey_row(period="FY2026-Q1"), survey_row(period="2025-11")], "2025-11",
                 "as row 2 in the same quarter: row 2 gives the whole quarter FY2026-Q1, and 2025-11 is a month of "
                 "it. Give the quarter or its months, not both"),
                ([survey_row(period="2025-10-15"), survey_row(period="FY26 Q1")], "FY26 Q1",
                 "as row 2 in the same quarter: row 2 gives 2025-10-15, a month of FY2026-Q1, the quarter this row "
                 "gives whole. Give the quarter or its months, not both")):
            result = run_import(db.session, write_csv(tmp_path / "both.csv", rows))
            assert result.status == "rejected"
            [error] = result.errors
            assert (error["row"], error["column"], error["value"]) == (3, "period", value), error
            assert error["message"] == f"the same metric, subject, channel and touchpoint {words}", error
        assert _count() == before


def test_a_component_name_two_agencies_share_is_told_apart_by_the_rows_program(demo, tmp_path):
    """The demo's Retirement Services and OPM's (from performance.gov) share a name: every row naming it was
    refused as ambiguous, though its program is under one of them only. Where both or neither hold it, the
    row is still refused, naming the components by code."""
    from scorecard.models import Agency, Component, Program

    with demo.app_context():
        twin = Component(code="OPM-BA", name="Benefits Administration", agency=Agency(code="OPM", name="OPM"))
        db.session.add(Program(code="OPM-BA-1", name="Survivor Benefits", component=twin))
        db.session.commit()
        before = _count()
        result = run_import(db.session, write_csv(tmp_path / "ours.csv", [survey_row()]))
        assert result.status == "imported", result.errors
        stored = db.session.scalar(sa.select(Observation).order_by(Observation.id.desc()))
        assert stored.program.name == "Benefits Call Center" and stored.component_id != twin.id
        assert _count() == before + 1
        unknown = run_import(db.session, write_csv(tmp_path / "neither.csv", [survey_row(program="Nowhere Line")]))
        assert unknown.status == "rejected" and "is ambiguous" in unknown.errors[0]["message"], unknown.errors
