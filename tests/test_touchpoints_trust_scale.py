"""The scale of a Touchpoints file's trust question (question_1): chosen at upload (the Trust
question scale field, `--trust-scale thumbs|five`) or read from the answers, and always said in
the preview and the command line's output; a file of nothing but 1s is read as thumbs up with a
warning that says so and how to choose 1-5 instead."""
import pytest
import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import Agency, BatchStatus, Component, ImportBatch, Metric, Observation, Program
from tests.helpers import post, upload
from tests.test_import_touchpoints import response_row, write_csv

OPTIONS = {"program": "Benefits Call Center", "period": "FY25 Q2"}


@pytest.fixture
def org(app):
    with app.app_context():
        agency = Agency(code="DPS", name="Department of Public Services")
        benefits = Component(agency=agency, code="BA", name="Benefits Administration")
        db.session.add(Program(component=benefits, code="BA-CALL", name="Benefits Call Center"))
        db.session.commit()
    return app


def answers_csv(path, answers):
    """A Touchpoints export whose question_1 answers are `answers`, one response each."""
    return write_csv(path, [response_row(9000 + i, answer, "ease", "", "") for i, answer in enumerate(answers)])


def _stored_trust(batch_id):
    return db.session.scalar(sa.select(Observation).join(Metric, Metric.id == Observation.metric_id)
                             .where(Metric.code == "trust", Observation.import_batch_id == batch_id))


def test_a_file_of_only_1s_is_read_as_thumbs_up_with_a_warning(org, tmp_path):
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "ones.csv", [1] * 12), options=OPTIONS)
        assert result.status == "imported", result.errors
        stored = _stored_trust(result.batch_id)
        assert stored.counts == [0, 0, 0, 0, 12] and "thumbs" in stored.question_text
        [warning] = [w for w in result.warnings if "question_1" in w]
        assert warning.startswith("Assumed: every question_1 (trust) answer is 1")
        assert "thumbs up / down" in warning and "--trust-scale five" in warning


def test_choosing_1_to_5_reads_the_same_1s_as_the_lowest_answer(org, tmp_path):
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "ones.csv", [1] * 12),
                            options={**OPTIONS, "trust_scale": "five"})
        assert result.status == "imported", result.errors
        assert _stored_trust(result.batch_id).counts == [12, 0, 0, 0, 0]
        scale = [w for w in result.warnings if "respondents in this file" not in w]  # 12: a small sample besides
        assert scale == ["question_1 (trust) was read as answers from 1 to 5: the scale chosen at upload."]


def test_choosing_thumbs_says_so_without_a_warning_of_doubt(org, tmp_path):
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "ones.csv", [1, 1, 0]),
                            options={**OPTIONS, "trust_scale": "thumbs"}, dry_run=True)
        assert result.status == "would_import", result.errors
        assert not any(w.startswith("Assumed") for w in result.warnings)
        assert any("thumbs up / down" in w and "chosen at upload" in w for w in result.warnings)


@pytest.mark.parametrize("answers, expected", [
    ([1, 1, 0, 1], "thumbs up / down (1 = up, 0 = down; counted as 5 / 1): a 0, yes or no appears among the answers"),
    ([1, "yes", "no"], "thumbs up / down (1 = up, 0 = down; counted as 5 / 1): a 0, yes or no appears among the "
                       "answers"),
    ([1, 1, 4, 5], "answers from 1 to 5: answers from 2 to 5 appear"),
])
def test_a_scale_read_from_the_answers_is_stated(org, tmp_path, answers, expected):
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "a.csv", answers), options=OPTIONS, dry_run=True)
        assert result.status == "would_import", result.errors
        assert [w for w in result.warnings if "question_1" in w] == [f"question_1 (trust) was read as {expected}."]


@pytest.mark.parametrize("scale, answers, wrong, words", [
    ("thumbs", [1, 0, 4, 2, 4], [(4, 4), (5, 2)], "not a thumbs up / down (1 or 0)"),
    ("five", [3, 4, 0, 5], [(4, 0)], "not an answer from 1 to 5"),
    ("five", [3, "no", "yes"], [(3, 0), (4, 1)], "not an answer from 1 to 5"),
])
def test_answers_outside_the_chosen_scale_are_rejected_by_row(org, tmp_path, scale, answers, wrong, words):
    """Each answer the chosen scale has no place for is named once, on the first row it is on."""
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "a.csv", answers),
                            options={**OPTIONS, "trust_scale": scale})
        assert result.status == "rejected"
        assert [(e["row"], e["value"]) for e in result.errors] == wrong
        for error in result.errors:
            assert error["column"] == "question_1"
            assert words in error["message"] and "chosen at upload" in error["message"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 0


def test_an_answer_outside_the_chosen_scale_says_how_many_responses_give_it(org, tmp_path):
    """Named once, on its first row, an answer given by 37 responses read as if one had: the analyst fixing
    the file learns how many rows it is on."""
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "a.csv", [3, 0] + [4, 0] * 36 + [5]),
                            options={**OPTIONS, "trust_scale": "five"})
        assert result.status == "rejected"
        [error] = result.errors
        assert (error["row"], error["value"]) == (3, 0)
        assert error["message"].startswith("question_1 is 0 (37 responses give it; this is the first), which is "
                                           "not an answer from 1 to 5"), error["message"]


def test_an_unknown_scale_is_refused(org, tmp_path):
    with org.app_context(), pytest.raises(ImportFileError, match="trust scale 'seven'.*thumbs, five"):
        run_import(db.session, answers_csv(tmp_path / "a.csv", [1]), options={**OPTIONS, "trust_scale": "seven"})


def test_command_line_option_and_warning(org, tmp_path, runner):
    path = answers_csv(tmp_path / "ones.csv", [1] * 5)
    args = ["import", str(path), "--program", "Benefits Call Center", "--period", "FY25 Q2", "--dry-run"]
    assumed = runner.invoke(args=args)
    assert assumed.exit_code == 0, assumed.output
    assert "warning: Assumed: every question_1 (trust) answer is 1" in assumed.output
    chosen = runner.invoke(args=args + ["--trust-scale", "five"])
    assert chosen.exit_code == 0 and "read as answers from 1 to 5: the scale chosen at upload" in chosen.output
    assert "Assumed" not in chosen.output
    bad = runner.invoke(args=args + ["--trust-scale", "seven"])
    assert bad.exit_code == 2 and "--trust-scale" in bad.output
    done = runner.invoke(args=args[:-1] + ["--trust-scale", "five", "--json"])
    assert done.exit_code == 0, done.output
    with org.app_context():
        batch = db.session.scalar(sa.select(ImportBatch.id).order_by(ImportBatch.id.desc()))
        assert _stored_trust(batch).counts == [5, 0, 0, 0, 0]


def test_the_upload_form_takes_the_scale_and_the_preview_states_it(org, client_as, tmp_path):
    org.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    assert 'name="trust_scale"' in analyst.get("/imports/upload").get_data(as_text=True)
    content = answers_csv(tmp_path / "ones.csv", [1] * 7).read_bytes()

    assumed = upload(analyst, content, name="ones.csv", **OPTIONS)
    page = analyst.get(f"/imports/{assumed}").get_data(as_text=True)
    assert "previewed" in page and 'id="import-warnings"' in page
    assert "Assumed: every question_1 (trust) answer is 1" in page
    assert post(analyst, f"/imports/{assumed}/cancel").status_code == 302

    chosen = upload(analyst, content, name="ones.csv", trust_scale="five", **OPTIONS)
    page = analyst.get(f"/imports/{chosen}").get_data(as_text=True)
    assert "read as answers from 1 to 5: the scale chosen at upload" in page and "Assumed" not in page
    assert post(analyst, f"/imports/{chosen}/confirm").status_code == 302
    with org.app_context():
        assert db.session.get(ImportBatch, chosen).status is BatchStatus.committed
        assert _stored_trust(chosen).counts == [7, 0, 0, 0, 0]


@pytest.mark.parametrize("answers, row, value", [
    ([1] * 4 + [3] + [1] * 10 + [0] * 5, 6, "3"),   # one 3 among thumbs: the 3's row, not the first 0's after it
    ([4, 5, 4, 2, 3, 1, 0, 4, 5], 8, "0"),           # one 0 among 1-5 answers: the 0's row
])
def test_mixed_scales_are_refused_at_the_first_row_of_the_fewer_answers(org, tmp_path, answers, row, value):
    """59 thumbs answers and a single 3: the refusal named a later, valid 0, and left the 3 out of the
    rejected-rows file."""
    with org.app_context():
        result = run_import(db.session, answers_csv(tmp_path / "mixed.csv", answers), options=OPTIONS)
    assert result.status == "rejected"
    [error] = result.errors
    assert (error["row"], error["column"], str(error["value"])) == (row, "question_1", value), error
    assert "mixes thumbs up / down answers" in error["message"]
