"""The real performance.gov files go in as published: every survey question with answer counts
is stored under its A-11 driver with the published point scale, and re-importing changes nothing."""
import csv
import shutil
from collections import Counter

import pytest
import sqlalchemy as sa

from importers.drivers import classify_question
from importers.formats.observation_formats import channel_name, question_touchpoint
from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import Agency, ImportBatch, Metric, Observation, Program
from tests.conftest import COLLECTIONS_CSV, TRUST_CSV

COUNT_NAMES = ("strongly_disagree_num", "disagree_num", "neutral_num", "agree_num", "strongly_agree_num")


def _rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _num(text):
    return int(float(text)) if text and text.strip() else 0


def _stored(period, service_id, channel, touchpoint, question, slot=None):
    """The observation for one published survey question, found by its natural key."""
    key = question_touchpoint(touchpoint, question.strip())
    key = key if slot is None else f"{key} (q{slot})"
    program = db.session.scalar(sa.select(Program).where(Program.external_id == f"pg-program-{service_id}"))
    rows = db.session.execute(
        sa.select(Observation, Metric.code).join(Metric).where(
            Observation.program_id == program.id, Observation.period == period,
            Observation.channel == channel_name(channel.strip()),
            Observation.touchpoint == key)).all()
    assert len(rows) == 1, (period, service_id, channel, touchpoint, question)
    return rows[0]


def _touchpoint(provided, point):
    return " — ".join(p.strip() for p in (provided, point) if p.strip())


def _snapshot():
    return db.session.execute(sa.select(Observation.id, Observation.value, Observation.n, Observation.count_1,
                                        Observation.count_5, Observation.touchpoint).order_by(Observation.id)).all()


def test_trust_file_scores_match_the_published_point_scale(app):
    with app.app_context():
        result = run_import(db.session, TRUST_CSV)
        assert result.status == "imported", result.errors[:5]
        assert result.format == "performance-gov-trust"
        unplaced = {u["question"].strip() for u in result.plan.unplaced}
        checked = 0
        for row in _rows(TRUST_CSV):
            counts = [_num(row[c]) for c in COUNT_NAMES]
            no_text = row["question_text"].strip().lower() in ("", "none", "n/a", "no question")
            if no_text and not sum(counts):
                continue  # no question and no answers: nothing is stored
            names = [row["organization_name"], row["service_provider_name"], row["service_name"]]
            touchpoint = _touchpoint(row["service_provided"], row["transaction_point"])
            driver = None if no_text else classify_question(row["question_text"], context_names=names + [touchpoint])
            driver = driver or row["metric_category"]
            observation, metric = _stored(f"FY{row['fiscal_year']}-Q{row['quarter']}", row["service_id"],
                                          row["channel"], _touchpoint(row["service_provided"], row["transaction_point"]),
                                          "" if no_text else row["question_text"])
            assert metric == driver  # the text decides; without text, the category the file gives
            if sum(counts):
                assert round(observation.value, 2) == pytest.approx(float(row["point_scale"]))
                assert observation.n == sum(counts)
                checked += 1
            else:
                assert observation.value is None and row["point_scale"] == ""
        assert checked == 446 and unplaced == set()
        reporting = {r["organization_id"] for r in _rows(TRUST_CSV)
                     if sum(_num(r[c]) for c in COUNT_NAMES) or r["question_text"].strip().lower() not in (
                         "", "none", "n/a", "no question")}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == len(reporting)


def test_collections_file_scores_match_every_question(app):
    with app.app_context():
        result = run_import(db.session, COLLECTIONS_CSV)
        assert result.status == "imported", result.errors[:5]
        assert result.format == "performance-gov-collections"
        unplaced = {u["question"].strip() for u in result.plan.unplaced}
        checked = 0
        for row in _rows(COLLECTIONS_CSV):
            p = "attributes_"
            touchpoint = _touchpoint(row[p + "service_provided"], row[p + "transaction_point"])
            seen = {}
            for q in range(1, 12):
                text = row[f"{p}q{q}_text"].strip()
                counts = [_num(row[f"{p}q{q}_{k}"]) for k in range(1, 6)]
                if text.lower() in ("", "none", "n/a", "no question"):
                    if sum(counts):  # answers without a question cannot be placed: listed, not stored
                        assert "(no question text)" in unplaced
                    continue
                asked = " ".join(text.split()).casefold()
                slot = None
                if asked in seen:  # a repeated question: kept only when its answers differ
                    if not sum(counts) or counts == seen[asked]:
                        continue
                    slot = q
                seen[asked] = counts
                names = [row[p + "organization_name"], row[p + "service_provider_name"], row[p + "service_name"]]
                driver = classify_question(text, context_names=names + [touchpoint])
                if driver is None:
                    assert text in unplaced
                    continue
                observation, metric = _stored(
                    f"FY{row[p + 'collection_year']}-Q{row[p + 'collection_quarter']}", row[p + "service_id"],
                    row[p + "channel"], touchpoint, text, slot)
                assert metric == driver
                if sum(counts):
                    assert round(observation.value, 2) == pytest.approx(float(row[f"{p}q{q}_point_scale"]))
                    checked += 1
        assert checked > 900
        assert unplaced and all(isinstance(q, str) and q for q in unplaced)


def test_reimporting_the_same_files_changes_nothing(app, tmp_path):
    with app.app_context():
        for path in (TRUST_CSV, COLLECTIONS_CSV):
            assert run_import(db.session, path).status == "imported"
        before = _snapshot()
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
        for path in (TRUST_CSV, COLLECTIONS_CSV):
            again = run_import(db.session, path)
            assert again.status == "duplicate" and "already imported" in again.message
        # The same data in a file with other bytes (a re-download) plans no change at all.
        copy = tmp_path / "trust-again.csv"
        shutil.copyfile(TRUST_CSV, copy)
        with copy.open("a", encoding="utf-8") as handle:
            handle.write("\n")
        result = run_import(db.session, copy)
        assert result.status == "imported"
        assert result.plan.counts["inserted"] == 0 and result.plan.counts["updated"] <= 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches + 1


def test_the_two_publications_agree_except_where_performance_gov_revised_a_survey(app):
    """Both files publish FY2021 trust surveys; importing one after the other updates only the
    surveys whose answer counts differ between the two publications."""
    with app.app_context():
        run_import(db.session, COLLECTIONS_CSV)
        result = run_import(db.session, TRUST_CSV)
        updated = result.plan.counts["updated"]
        assert updated <= 4
        assert Counter(c.action for c in result.plan.updates) == Counter({"update": updated})
