"""GSA Touchpoints A-11 v2 responses, as Touchpoints exports them (CSV) and as analysts save them
(xlsx): aggregated into observations of the program and period chosen at upload."""
import csv
import json
from unittest.mock import ANY

import pytest
import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.pipeline import run_import
from importers.revert import RevertError, revert_batch
from importers.sinks.touchpoints import TOUCHPOINT
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    BatchStatus,
    Component,
    ImportBatch,
    ImportRowChange,
    Metric,
    Observation,
    Program,
)
from scorecard.periods import Period
from tests.helpers import post, upload, write_xlsx

ASPECTS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
# The header of Touchpoints' A-11 v2 export, in its order.
HEADER = (["external_id", "question_1"] + [f"positive_{a}" for a in ASPECTS] + [f"negative_{a}" for a in ASPECTS]
          + ["question_4"])
OFFERED = set(ASPECTS) - {"humanity"}  # this form does not offer "humanity": its cells are "null"

# (id, question_1, chosen as what went well, chosen as what could be improved, open text)
THUMBS_RESPONSES = [
    (90311, 1, "effectiveness ease", "", "Quick and clear"),
    (90312, 1, "effectiveness efficiency employee", "", ""),
    (90313, 1, "ease", "", ""),
    (90314, 1, "effectiveness transparency", "", "The agent explained every step"),
    (90315, 1, "employee other", "", ""),
    (90316, 1, "effectiveness ease efficiency", "", ""),
    (90317, 1, "", "", ""),
    (90318, 1, "ease", "", ""),
    (90319, 0, "", "efficiency transparency", "Took three calls, my SSN is 123-45-6789"),
    (90320, 0, "", "efficiency", ""),
    (90321, "null", "", "", ""),
]


def response_row(external_id, answer, good, bad, text, numeric=False):
    def flag(chosen, aspect):
        if aspect not in OFFERED:
            return "null"
        value = 1 if aspect in chosen.split() else 0
        return value if numeric else str(value)
    return ([external_id, answer] + [flag(good, a) for a in ASPECTS] + [flag(bad, a) for a in ASPECTS]
            + [text or None])


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def thumbs_csv(path):
    return write_csv(path, [response_row(*r) for r in THUMBS_RESPONSES])


@pytest.fixture
def org(app):
    """An agency with a program that fields the form, and two programs sharing one name."""
    with app.app_context():
        agency = Agency(code="DPS", name="Department of Public Services")
        benefits = Component(agency=agency, code="BA", name="Benefits Administration")
        passports = Component(agency=agency, code="PTS", name="Passport & Travel Services")
        db.session.add_all([
            Program(component=benefits, code="BA-CALL", name="Benefits Call Center"),
            Program(component=benefits, code="BA-HELP", name="Help Desk"),
            Program(component=passports, code="PTS-HELP", name="Help Desk"),
        ])
        db.session.commit()
    return app


OPTIONS = {"program": "Benefits Call Center", "period": "FY25 Q2"}


def _observations(batch_id=None) -> dict:
    query = sa.select(Observation, Metric.code).join(Metric, Metric.id == Observation.metric_id)
    if batch_id is not None:
        query = query.where(Observation.import_batch_id == batch_id)
    return {code: obs for obs, code in db.session.execute(query)}


def _count(model=Observation):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_thumbs_export_is_aggregated_into_the_chosen_program_and_quarter(org, tmp_path):
    path = thumbs_csv(tmp_path / "touchpoints-export.csv")
    with org.app_context():
        result = run_import(db.session, path, options=OPTIONS)
        assert result.status == "imported", result.errors
        assert result.format == "touchpoints-a11-v2"
        assert result.plan.counts == {"inserted": 13, "updated": 0, "unchanged": 0, "removed": 0}
        assert not any("chosen at upload" in w for w in result.warnings), "the layout reads its program and quarter"
        found = _observations(result.batch_id)
        program = db.session.scalar(sa.select(Program).where(Program.code == "BA-CALL"))
        for obs in found.values():
            assert (obs.program_id, obs.period, obs.channel, obs.touchpoint) == (
                program.id, "FY2025-Q2", "", TOUCHPOINT)

        trust = found["trust"]  # 8 thumbs up, 2 down, 1 unanswered: down counts as 1, up as 5
        assert trust.counts == [2, 0, 0, 0, 8] and trust.n == 10
        assert trust.value == pytest.approx(4.2)
        assert "thumbs" in trust.question_text

        # % of the 11 respondents offered each aspect who chose it
        expected = {"positive_effectiveness": 4, "positive_ease": 4, "positive_efficiency": 2,
                    "positive_transparency": 1, "positive_employee": 2, "positive_other": 1,
                    "negative_effectiveness": 0, "negative_ease": 0, "negative_efficiency": 2,
                    "negative_transparency": 1, "negative_employee": 0, "negative_other": 0}
        for column, chosen in expected.items():
            obs = found[f"a11v2_{column}"]
            assert obs.n == 11, column
            assert obs.value == pytest.approx(100 * chosen / 11), column
            assert obs.counts == [None] * 5
        # "humanity" was not offered on this form: no observation, rather than a 0 %
        assert "a11v2_positive_humanity" not in found and "a11v2_negative_humanity" not in found
        assert len(found) == 13
        # open text (question_4) is never stored
        texts = " ".join(str(o.question_text) + str(o.notes) for o in found.values())
        assert "123-45-6789" not in texts and "Quick and clear" not in texts


@pytest.mark.parametrize("period", ["Q2 2025", "2025Q2", "2025-2"])
def test_a_quarter_chosen_without_fy_is_said_to_be_read_as_the_fiscal_quarter(org, tmp_path, period):
    """A metrics file's "Q1 2027" gets a note that it is read as a fiscal quarter (a calendar one may have been
    meant); the quarter chosen for a Touchpoints export got none, and its upload replaces that quarter's figures."""
    path = thumbs_csv(tmp_path / "touchpoints-export.csv")
    with org.app_context():
        result = run_import(db.session, path, options={**OPTIONS, "period": period}, dry_run=True)
    assert f"The quarter chosen at upload, {period!r}, is read as a fiscal quarter: FY2025-Q2, January 2025 to March " \
           "2025. If calendar Q2 2025 was meant, that is FY2025-Q3" in " ".join(result.warnings), result.warnings
    current = Period.from_date(agency_today())  # the calendar quarter of its name has not begun: nothing to say
    with org.app_context():
        now = f"Q{current.quarter} {current.fiscal_year}"
        result = run_import(db.session, path, options={**OPTIONS, "period": now}, dry_run=True)
    assert not [w for w in result.warnings if "chosen at upload" in w], result.warnings


def test_a_form_answered_by_fewer_than_the_minimum_sample_is_pointed_out_in_the_preview(org, tmp_path):
    """11 responses give a trust result of 10 respondents, shown as insufficient data: the preview of a file
    of observations says so, that of a Touchpoints export said nothing."""
    with org.app_context():
        result = run_import(db.session, thumbs_csv(tmp_path / "few.csv"), options=OPTIONS, dry_run=True)
    assert result.status == "would_import", result.errors
    small = [w for w in result.warnings if "fewer than 30 respondents" in w]
    assert len(small) == 1 and small[0].startswith(
        "13 survey results of a program or function in a quarter have fewer than 30 respondents in this file (the "
        "first on row 2: trust, FY2025-Q2, 10 respondents)"), small
    many = [response_row(90400 + k, 1, "ease", "", "") for k in range(40)]
    with org.app_context():
        result = run_import(db.session, write_csv(tmp_path / "many.csv", many), options=OPTIONS, dry_run=True)
    assert result.status == "would_import", result.errors
    assert not [w for w in result.warnings if "respondents in this file" in w], result.warnings


def test_xlsx_with_a_1_to_5_question_is_detected_and_counted(org, tmp_path):
    answers = [5, 4, 4, 3, "null", 1, 2, 4.0, " 5 "]
    rows = [response_row(7000 + i, answer, "ease" if i % 2 else "", "efficiency" if i == 3 else "", "",
                         numeric=True) for i, answer in enumerate(answers)]
    path = write_xlsx(tmp_path / "responses.xlsx", HEADER, rows, sheet="Responses")
    with org.app_context():
        result = run_import(db.session, path, options={"program": "ba-call", "period": "FY2025-Q3"})
        assert result.status == "imported", result.errors
        assert result.format == "touchpoints-a11-v2"
        found = _observations(result.batch_id)
        trust = found["trust"]
        assert trust.counts == [1, 1, 1, 3, 2] and trust.n == 8
        assert trust.value == pytest.approx((1 + 2 + 3 + 12 + 10) / 8)
        assert "1 to 5" in trust.question_text
        assert found["a11v2_positive_ease"].value == pytest.approx(100 * 4 / 9)
        assert found["a11v2_negative_efficiency"].value == pytest.approx(100 / 9)
        assert found["a11v2_negative_efficiency"].n == 9


def test_program_and_period_are_required_and_checked(org, tmp_path, runner):
    path = thumbs_csv(tmp_path / "export.csv")
    cases = [
        ({"period": "FY2025-Q2"}, "--program"),
        ({"program": "Benefits Call Center"}, "--period"),
        ({"program": "Benefits Cal Center", "period": "FY2025-Q2"}, "closest: 'Benefits Call Center' (BA-CALL)"),
        ({"program": "Help Desk", "period": "FY2025-Q2"}, "BA-HELP (Benefits Administration), PTS-HELP"),
        ({"program": "Benefits Call Center", "period": "FY2025-Q5"}, "'FY2025-Q5'"),
        ({"program": "Benefits Call Center", "period": str(Period.from_date(agency_today()).next())},
         "has not begun: results can be given up to the current quarter"),  # once, for the file
        # a thumbs up read as a 5 in a v1 quarter moved its 1-5 trust mean, and stored aspects A-11 never asked
        ({"program": "Benefits Call Center", "period": "FY2023-Q1"}, "the period 'FY2023-Q1' chosen at upload is "
         "FY2023-Q1, before A-11's v2 survey began in FY2024-Q2"),
        ({"program": "Benefits Call Center", "period": "FY2024-Q1"}, "before A-11's v2 survey began in FY2024-Q2"),
    ]
    with org.app_context():
        for options, named in cases:
            with pytest.raises(ImportFileError) as error:
                run_import(db.session, path, options=options)
            db.session.rollback()
            assert named in str(error.value), (options, str(error.value))
        assert _count() == 0 and _count(ImportBatch) == 0

    outcome = runner.invoke(args=["import", str(path), "--json"])
    assert outcome.exit_code == 1
    payload = json.loads(outcome.output)
    assert payload["status"] == "failed" and "--program" in payload["message"]
    outcome = runner.invoke(args=["import", str(path), "--program", "BA-CALL", "--period", "2025-2", "--json"])
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.output)
    assert payload["format"] == "touchpoints-a11-v2" and payload["inserted"] == 13
    with org.app_context():
        assert set(db.session.scalars(sa.select(Observation.period))) == {"FY2025-Q2"}


def test_bad_cells_are_named_by_row_column_and_value_and_nothing_is_written(org, tmp_path):
    rows = [response_row(*r) for r in THUMBS_RESPONSES]
    rows[2][HEADER.index("positive_ease")] = "2"  # file row 4
    rows[4][HEADER.index("negative_other")] = "yes"  # file row 6
    rows[5][HEADER.index("question_1")] = "7"  # file row 7
    rows[6][HEADER.index("positive_employee")] = "0.5"  # file row 8
    path = write_csv(tmp_path / "bad.csv", rows)
    with org.app_context():
        result = run_import(db.session, path, options=OPTIONS)
        assert result.status == "rejected"
        assert result.rejected == 4
        found = {(e["row"], e["column"], e["value"]) for e in result.errors}
        assert found == {(4, "positive_ease", "2"), (6, "negative_other", "yes"), (7, "question_1", "7"),
                         (8, "positive_employee", "0.5")}
        flag_message = next(e["message"] for e in result.errors if e["column"] == "negative_other")
        assert "1 (chosen), 0 (offered, not chosen) or null (not offered)" in flag_message
        assert _count() == 0 and _count(ImportBatch) == 0


def test_duplicate_responses_and_mixed_scales_are_rejected(org, tmp_path):
    rows = [response_row(*r) for r in THUMBS_RESPONSES]
    rows[7][0] = rows[1][0]  # file row 9 repeats the response id of row 3
    rows[9][1] = 4  # file row 11: a 1-5 answer among thumbs (the first thumbs down is on row 10)
    path = write_csv(tmp_path / "mixed.csv", rows)
    with org.app_context():
        result = run_import(db.session, path, options=OPTIONS)
        assert result.status == "rejected"
        by_row = {e["row"]: e for e in result.errors}
        assert set(by_row) == {9, 11}
        assert by_row[9]["column"] == "external_id" and "row 3" in by_row[9]["message"]
        assert by_row[11]["column"] == "question_1" and by_row[11]["value"] == 4
        assert "0 on row 10" in by_row[11]["message"] and "4 on row 11" in by_row[11]["message"]
        assert _count() == 0 and _count(ImportBatch) == 0


def test_reimport_changes_nothing_and_revert_restores_exactly(org, tmp_path):
    csv_path = thumbs_csv(tmp_path / "export.csv")
    xlsx_path = write_xlsx(tmp_path / "export.xlsx", HEADER, [response_row(*r, numeric=True) for r in THUMBS_RESPONSES],
                           sheet="Responses")
    grown = THUMBS_RESPONSES + [(90322, 0, "", "effectiveness", "")]
    grown_path = write_csv(tmp_path / "export-later.csv", [response_row(*r) for r in grown])
    with org.app_context():
        first = run_import(db.session, csv_path, options=OPTIONS)
        assert first.status == "imported"
        snapshot = {code: (o.value, o.n, o.counts) for code, o in _observations().items()}

        again = run_import(db.session, csv_path, options=OPTIONS)
        assert again.status == "duplicate" and "nothing changed" in again.message

        same = run_import(db.session, xlsx_path, options=OPTIONS)  # same answers, another file
        assert same.status == "imported"
        assert same.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 13, "removed": 0}

        later = run_import(db.session, grown_path, options=OPTIONS)
        assert later.status == "imported"
        assert later.plan.counts == {"inserted": 0, "updated": 13, "unchanged": 0, "removed": 0}
        after = _observations()
        assert after["trust"].counts == [3, 0, 0, 0, 8]
        assert after["a11v2_negative_effectiveness"].value == pytest.approx(100 / 12)

        revert_batch(db.session, later.batch_id)
        assert {code: (o.value, o.n, o.counts) for code, o in _observations().items()} == snapshot
        assert db.session.get(ImportBatch, later.batch_id).status is BatchStatus.reverted

        # The same answers from another file carried the first batch's rows unchanged: reverting the first
        # from under it is refused, naming it; reverted in turn, both go.
        with pytest.raises(RevertError, match=f"import batch {same.batch_id} carried rows of batch {first.batch_id}"):
            revert_batch(db.session, first.batch_id)
        assert revert_batch(db.session, same.batch_id) == {"deleted": 0, "restored": 0, "kept": {}, "evaluation": ANY,
                                                           "dry_run": False}
        revert_batch(db.session, first.batch_id)
        assert _count() == 0


def test_a_new_export_of_a_touchpoint_replaces_its_whole_set_and_revert_puts_it_back(org, client_as, tmp_path):
    """A corrected export for the same program, quarter and touchpoint that offers no aspects (a thumbs-only
    form) leaves no "went well" share of the earlier export beside its trust: those figures are removed, the
    preview says so row by row, and reverting the new import puts them back as they were."""
    org.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    only_trust = write_csv(tmp_path / "corrected.csv", [[i, answer] + ["null"] * 14 + [None]
                                                         for i, answer in enumerate([0] * 10, start=1)])
    other_touchpoint = thumbs_csv(tmp_path / "phone.csv")
    with org.app_context():
        first = run_import(db.session, thumbs_csv(tmp_path / "first.csv"), options=OPTIONS)
        beside = run_import(db.session, other_touchpoint, options={**OPTIONS, "touchpoint": "Phone survey"})
        assert first.status == beside.status == "imported"
        before = {code: (o.id, o.value, o.n, o.import_batch_id, o.created_at)
                  for code, o in _observations(first.batch_id).items()}
        assert len(before) == 13

    batch_id = upload(analyst, only_trust.read_bytes(), name="corrected.csv", program="Benefits Call Center",
                      period="FY2025 Q2")
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "1 row would be inserted" not in page and "12 removed" in page
    assert page.count("not in the file") == 12 and page.count(">removed<") == 12
    assert ("This export replaces the figures stored for Benefits Call Center&#39;s touchpoint &#39;Touchpoints A-11 "
            "v2&#39; in FY2025-Q2: 12 figures it does not give are removed (what went well: effectiveness, ease, "
            "efficiency, transparency, employee, other; what could be improved: effectiveness, ease, efficiency, "
            "transparency, employee, other)") in page
    with org.app_context():
        assert _count() == 26, "a preview removes nothing"
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with org.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.committed and batch.removed == 12 and batch.updated == 1
        mine = db.session.execute(sa.select(Metric.code, Observation).join(Metric).where(
            Observation.touchpoint == TOUCHPOINT)).all()
        assert [(code, o.counts) for code, o in mine] == [("trust", [10, 0, 0, 0, 0])], (
            "only the new export's figure is left for its touchpoint")
        phone = db.session.scalar(sa.select(sa.func.count()).where(Observation.touchpoint == "Phone survey"))
        assert phone == 13, "another touchpoint of the program is not touched"

        with pytest.raises(RevertError, match=f"later import batch {batch_id} removed rows of batch {first.batch_id}"):
            revert_batch(db.session, first.batch_id)
        assert revert_batch(db.session, batch_id)["restored"] == 13
        back = {code: (o.id, o.value, o.n, o.import_batch_id, o.created_at)
                for code, o in _observations(first.batch_id).items()}
        assert back == before
    history = analyst.get("/imports/").get_data(as_text=True)
    assert ">Removed</th>" in history


def test_a_figure_stored_again_after_it_was_removed_keeps_the_removing_import_from_being_reverted(org, tmp_path):
    only_trust = write_csv(tmp_path / "corrected.csv", [[1, 1] + ["null"] * 14 + [None]])
    with org.app_context():
        run_import(db.session, thumbs_csv(tmp_path / "first.csv"), options=OPTIONS)
        removing = run_import(db.session, only_trust, options=OPTIONS)
        assert removing.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 0, "removed": 12}
        # a later file giving an aspect again changes the trust the removing import wrote (and so is named
        # as the later batch to revert first); a figure stored otherwise (here: directly) is named too
        again = run_import(db.session, write_csv(tmp_path / "again.csv", [response_row(*r) for r in THUMBS_RESPONSES
                                                                          if r[0] != 90321][:5]), options=OPTIONS)
        assert again.plan.counts == {"inserted": 12, "updated": 1, "unchanged": 0, "removed": 0}
        with pytest.raises(RevertError, match=f"batch {again.batch_id} changed rows of batch {removing.batch_id}"):
            revert_batch(db.session, removing.batch_id)
        revert_batch(db.session, again.batch_id)
        trust = _observations()["trust"]
        ease = db.session.scalar(sa.select(Metric).where(Metric.code == "a11v2_positive_ease"))
        db.session.add(Observation(metric=ease, agency_id=trust.agency_id, component_id=trust.component_id,
                                   program_id=trust.program_id, subject_key=trust.subject_key, period=trust.period,
                                   channel="", touchpoint=f" {TOUCHPOINT} ", value=50.0, n=4))
        db.session.commit()
        stored = _count()
        with pytest.raises(RevertError, match="an edit has stored that figure again since"):
            revert_batch(db.session, removing.batch_id)
        assert _count() == stored, "nothing was reverted"


def _half(tmp_path, name, offered, answer=1):
    """An export whose responses were offered only the aspects of `offered` ("positive", "negative", or both:
    "")."""
    rows = []
    for i, (good, bad) in enumerate([("ease", ""), ("", "efficiency"), ("effectiveness", "ease")], start=1):
        row = response_row(i, answer, good, bad, "")
        rows.append([cell if column in ("external_id", "question_1", "question_4") or column.startswith(offered)
                     else "null" for column, cell in zip(HEADER, row)])
    return write_csv(tmp_path / name, rows)


def test_an_import_whose_rows_one_confirmed_after_it_removed_waits_for_that_one(org, client_as, tmp_path):
    """Batch ids are given at upload: a file previewed first and confirmed last removed the rows of a batch
    with a higher id, and reverting that batch was let through (its rows then came back with the other's
    revert, stamped with a reverted batch). The one confirmed later is named, whatever its id."""
    org.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    late = upload(analyst, _half(tmp_path, "late.csv", "positive", answer="null").read_bytes(), name="late.csv",
                  program="Benefits Call Center", period="FY2025 Q2")
    with org.app_context():
        early = run_import(db.session, _half(tmp_path, "early.csv", "negative"), options=OPTIONS)
        assert early.status == "imported" and early.batch_id > late
    post(analyst, f"/imports/{late}/confirm")  # previewed again: the stored rows changed
    post(analyst, f"/imports/{late}/confirm")
    with org.app_context():
        batch = db.session.get(ImportBatch, late)
        assert batch.status is BatchStatus.committed and batch.removed == 7, batch.message
        with pytest.raises(RevertError, match=f"later import batch {late} removed rows of batch {early.batch_id}"):
            revert_batch(db.session, early.batch_id)
        revert_batch(db.session, late)
        revert_batch(db.session, early.batch_id)
        assert _count() == 0


def test_the_batch_that_removed_a_row_is_named_not_one_given_its_id_since(org, tmp_path):
    with org.app_context():
        first = run_import(db.session, thumbs_csv(tmp_path / "all.csv"), options=OPTIONS)
        removing = run_import(db.session, _half(tmp_path, "positive.csv", "positive"), options=OPTIONS)
        assert removing.plan.counts["removed"] == 6
        other = run_import(db.session, thumbs_csv(tmp_path / "other.csv"),
                           options={**OPTIONS, "program": "BA-HELP"})
        assert other.status == "imported"
        with pytest.raises(RevertError, match=f"later import batch {removing.batch_id} removed rows of batch "
                                              f"{first.batch_id}; revert batch {removing.batch_id} first, "
                                              f"then batch {first.batch_id}"):
            revert_batch(db.session, first.batch_id)


def test_figures_put_back_beside_a_later_exports_would_mix_two_exports_and_are_refused(org, tmp_path):
    """A revert put an older export's removed figures back beside those a later export of the same touchpoint
    wrote: the mix of two exports the replacing was meant to prevent."""
    with org.app_context():
        run_import(db.session, _half(tmp_path, "all.csv", ""), options=OPTIONS)
        removing = run_import(db.session, _half(tmp_path, "positive.csv", "positive"),
                              options={**OPTIONS, "touchpoint": f"  {TOUCHPOINT.replace(' ', '   ')} "})
        assert removing.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 7, "removed": 6}
        later = run_import(db.session, _half(tmp_path, "later.csv", "positive", answer=0), options=OPTIONS)
        assert later.plan.counts["updated"] >= 1 and later.plan.counts["removed"] == 0
        stored = _count()
        with pytest.raises(RevertError, match=f"later import batch {later.batch_id} wrote figures of the touchpoint "
                                              r"\(FY2025-Q2, touchpoint 'Touchpoints A-11 v2'\) after batch "
                                              f"{removing.batch_id} removed some of them"):
            revert_batch(db.session, removing.batch_id)
        assert _count() == stored
        revert_batch(db.session, later.batch_id)
        assert revert_batch(db.session, removing.batch_id)["restored"] == 6
        assert _count() == 13


def _ids_freed_before_0025_given_again() -> None:
    """On SQLite, as a database made before migration 0025 does with the ids freed before its upgrade: the
    highest id given again once its row is gone (the table's sequence set back to the largest id held)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("UPDATE sqlite_sequence SET seq = (SELECT max(id) FROM observations) "
                                   "WHERE name = 'observations'"))


def test_a_removed_row_whose_id_was_given_again_waits_for_the_import_that_took_it(org, tmp_path):
    """SQLite gave the highest id again once its row was gone (a database made before migration 0025 still may,
    once). Put back under another id, a row was lost to the change log of the imports that wrote it (a revert of
    one of them later left it stamped with a reverted batch); the revert waits for the import holding the id
    instead, naming it."""
    with org.app_context():
        first = run_import(db.session, thumbs_csv(tmp_path / "first.csv"), options=OPTIONS)
        removing = run_import(db.session, write_csv(tmp_path / "corrected.csv", [[1, 1] + ["null"] * 14 + [None]]),
                              options=OPTIONS)
        gone = {c.row_id for c in db.session.scalars(sa.select(ImportRowChange).where(
            ImportRowChange.batch_id == removing.batch_id, ImportRowChange.action == "remove"))}
        _ids_freed_before_0025_given_again()
        other = run_import(db.session, thumbs_csv(tmp_path / "phone.csv"), options={**OPTIONS, "touchpoint": "Phone"})
        given_again = gone & set(db.session.scalars(sa.select(Observation.id).where(
            Observation.import_batch_id == other.batch_id)))
        if db.engine.dialect.name == "sqlite":
            assert given_again, "SQLite gave the removed rows' ids to the next rows stored"
            with pytest.raises(RevertError, match=f"later import batch {other.batch_id} stored rows under the row "
                                                  f"numbers of figures batch {removing.batch_id} removed"):
                revert_batch(db.session, removing.batch_id)
            assert _count() == 14, "nothing was reverted"
            revert_batch(db.session, other.batch_id)
        revert_batch(db.session, removing.batch_id)
        revert_batch(db.session, first.batch_id)
        assert _count() == (13 if db.engine.dialect.name != "sqlite" else 0)


def test_figures_are_not_put_back_under_numbers_a_later_import_logged_for_rows_of_its_own(org, tmp_path):
    """B removed A's rows; C, another touchpoint, took their freed numbers (SQLite, of ids freed before migration
    0025); D removed C's rows, freeing them again. B's revert put A's rows back under those numbers, which D's log
    named for C's rows: D, C and A could then never be reverted, each refusal naming another. B's revert now waits
    for C and D."""
    with org.app_context():
        one, two = {**OPTIONS, "touchpoint": "One"}, {**OPTIONS, "touchpoint": "Two"}
        a = run_import(db.session, _half(tmp_path, "all.csv", ""), options=one)
        b = run_import(db.session, _half(tmp_path, "positive.csv", "positive"), options=one)
        _ids_freed_before_0025_given_again()
        c = run_import(db.session, _half(tmp_path, "all2.csv", ""), options=two)
        trust_only = write_csv(tmp_path / "trust.csv", [[i, 0, *["null"] * 14, None] for i in (1, 2, 3)])
        d = run_import(db.session, trust_only, options=two)
        assert b.plan.counts["removed"] == 6 and d.plan.counts["removed"] == 12
        if db.engine.dialect.name == "sqlite":
            with pytest.raises(RevertError, match=f"later import batches? .*{c.batch_id}.* stored rows under the row "
                                                  f"numbers of figures batch {b.batch_id} removed"):
                revert_batch(db.session, b.batch_id)
        for batch in (d, c, b, a):  # in reverse confirm order, every one goes
            revert_batch(db.session, batch.batch_id)
        assert _count() == 0


def test_an_export_carrying_a_figure_after_a_removal_keeps_the_removed_ones_out(org, tmp_path):
    """A later export of the touchpoint that carried its trust unchanged (stamped with the first export) and
    removed the rest: putting back what an earlier export removed would mix three exports."""
    with org.app_context():
        run_import(db.session, _half(tmp_path, "all.csv", ""), options=OPTIONS)
        removing = run_import(db.session, _half(tmp_path, "positive.csv", "positive"), options=OPTIONS)
        trust_only = write_csv(tmp_path / "trust.csv", [[i, 1, *["null"] * 14, None] for i in (1, 2, 3)])
        later = run_import(db.session, trust_only, options=OPTIONS)
        assert later.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 1, "removed": 6}
        with pytest.raises(RevertError, match=f"later import batch {later.batch_id} wrote figures of the touchpoint"):
            revert_batch(db.session, removing.batch_id)
        revert_batch(db.session, later.batch_id)
        assert revert_batch(db.session, removing.batch_id)["restored"] == 6


def test_a_file_with_no_answers_is_rejected(org, tmp_path):
    rows = [[1, "null"] + ["null"] * 14 + [None], [2, ""] + ["null"] * 14 + ["just a comment"]]
    path = write_csv(tmp_path / "empty-answers.csv", rows)
    with org.app_context():
        result = run_import(db.session, path, options=OPTIONS)
        assert result.status == "rejected"
        assert "nothing to import" in result.errors[0]["message"]
        assert _count() == 0


def test_web_upload_takes_program_and_period_and_previews_before_writing(org, client_as, tmp_path):
    org.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    content = thumbs_csv(tmp_path / "export.csv").read_bytes()

    missing = upload(analyst, content, name="export.csv")
    with org.app_context():
        batch = db.session.get(ImportBatch, missing)
        assert batch.status is BatchStatus.failed and "--program" in batch.message
        assert batch.format == "touchpoints-a11-v2", "the layout the file was read as, not 'unknown'"

    batch_id = upload(analyst, content, name="export.csv", program="Benefits Call Center", period="FY2025 Q2")
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "previewed" in page and "Benefits Call Center" in page and "a11v2_positive_ease" in page
    with org.app_context():
        assert _count() == 0, "a preview writes nothing"
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with org.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.committed
        assert _observations(batch_id)["trust"].counts == [2, 0, 0, 0, 8]


def test_two_forms_of_one_program_in_one_quarter_are_two_touchpoints(org, tmp_path, runner):
    """A program fielding a web form and a phone form imports both exports for the same quarter:
    each is named at upload and kept as its own touchpoint, rather than the second overwriting
    the first. Without a name the standard one is used, as before."""
    web = thumbs_csv(tmp_path / "web-form.csv")
    phone = write_csv(tmp_path / "phone-form.csv", [response_row(1, 0, "", "efficiency", ""),
                                                      response_row(2, 1, "ease", "", "")])
    with org.app_context():
        first = run_import(db.session, web, options={**OPTIONS, "touchpoint": "  Online   claim form "})
        assert first.status == "imported", first.errors
    result = runner.invoke(args=["import", str(phone), "--program", "Benefits Call Center", "--period", "FY25 Q2",
                                 "--touchpoint", "Phone survey", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["updated"] == 0
    with org.app_context():
        trust = dict(db.session.execute(
            sa.select(Observation.touchpoint, Observation.n).join(Metric, Metric.id == Observation.metric_id)
            .where(Metric.code == "trust")).all())
        assert trust == {"Online claim form": 10, "Phone survey": 2}
        again = run_import(db.session, write_csv(tmp_path / "unnamed.csv", [response_row(3, 1, "", "", "")]),
                           options=OPTIONS)
        assert again.status == "imported" and _observations(again.batch_id)["trust"].touchpoint == TOUCHPOINT


@pytest.mark.parametrize("named, said", [
    ("x" * 1_000, "is 1,000 characters long; a touchpoint's name has at most 800"),
    ("Phone\x07survey", "holds the character U+0007"),
    ("   ", "the touchpoint's name is blank"),
])
def test_a_touchpoint_named_too_long_with_a_control_character_or_blank_is_refused(org, tmp_path, runner, named,
                                                                                    said):
    """`--touchpoint` of 1,000 characters was cut to 800, "a\\x07b" stored as "ab", and "" took the default
    touchpoint, replacing its figures for the quarter: each unseen. Each is refused, nothing written."""
    phone = write_csv(tmp_path / "phone-form.csv", [response_row(1, 0, "", "efficiency", "")])
    with org.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    result = runner.invoke(args=["import", str(phone), "--program", "Benefits Call Center", "--period", "FY25 Q2",
                                 "--touchpoint", named])
    assert result.exit_code != 0 and said in result.output, result.output
    with org.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == before


def test_the_upload_page_takes_the_touchpoint_name(org, client_as, tmp_path):
    org.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    assert 'name="touchpoint"' in analyst.get("/imports/upload").get_data(as_text=True)
    batch_id = upload(analyst, thumbs_csv(tmp_path / "export.csv").read_bytes(), name="export.csv",
                      program="Benefits Call Center", period="FY2025 Q2", touchpoint="Kiosk survey")
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with org.app_context():
        assert _observations(batch_id)["trust"].touchpoint == "Kiosk survey"
