"""Reference layouts from real .xlsx and .csv files: commitments, org structure, metric definitions,
leaders, performance plans, capacity assessments and targets — insert, unchanged re-import,
update, exact revert, row/column/value messages with nothing written, scope by role, detection."""
import contextlib
import csv
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from importers.errors import ImportFileError
from importers.formats.reference_formats import REFERENCE_FORMATS
from importers.formats.registry import FORMATS
from importers.pipeline import detect_format, run_import
from importers.revert import RevertError, revert_batch
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Driver,
    Function,
    ImportBatch,
    ImportRowChange,
    Leader,
    LifeExperience,
    Metric,
    MetricKind,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    ScopeType,
    Target,
    User,
)
from scorecard.models.commitments import commitment_metrics, commitment_programs
from scorecard.models.org import program_life_experience
from scorecard.models.plans import requirement_programs
from tests.helpers import write_xlsx

MODELS = (Agency, Component, Program, LifeExperience, Metric, Leader, Commitment, CommitmentUpdate,
          PerformancePlan, PlanElement, PlanRequirement, CapacityAssessment, CapacityDomainScore, Target)
LINK_TABLES = (commitment_programs, commitment_metrics, requirement_programs, program_life_experience)
UNTRACKED = {"updated_at", "version"}  # bookkeeping a revert moves forward, not data it restores


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot() -> dict:
    """Every row of every table the reference imports write, as plain tuples."""
    state = {}
    for model in MODELS:
        columns = [c for c in model.__table__.c if c.name not in UNTRACKED]
        state[model.__tablename__] = db.session.execute(
            sa.select(*columns).order_by(model.__table__.c.id)).all()
    for table in LINK_TABLES:
        state[table.name] = sorted(db.session.execute(sa.select(table)).all())
    return state


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def cell_errors(result) -> dict:
    return {(e["row"], e["column"]): e for e in result.errors}


def assert_error(result, row, column, value, *fragments):
    errors = cell_errors(result)
    assert (row, column) in errors, f"no error at row {row}, column {column}: {result.errors}"
    error = errors[(row, column)]
    assert error["value"] == value, error
    for fragment in fragments:
        assert fragment in error["message"], error


def assert_rejected_without_writes(path, before, **kwargs):
    batches = count(ImportBatch)
    result = run_import(db.session, path, **kwargs)
    assert result.status == "rejected", result.message
    db.session.expire_all()
    assert snapshot() == before and count(ImportBatch) == batches
    return result


def commitment(title) -> Commitment:
    return db.session.scalar(sa.select(Commitment).where(Commitment.title == title))


# ----------------------------------------------------------------------------- commitments

COMMITMENT_HEADER = ["Function", "Title", "Status", "Reason", "Due date", "Programs", "Metrics", "Capacity domain",
                     "Evidence", "Note"]
NEW_TITLE = "Publish a CX dashboard for the budget office"
CFO_OFF_TRACK = "Align CX budget requests with HISP action plans"  # demo: off_track with a reason


MOVED = "Back on track; due in June after the vendor change"


def test_commitments_insert_unchanged_update_and_exact_revert(demo, tmp_path):
    rows = [
        ["CFO", NEW_TITLE, "At risk", "Waiting on the data team", "2027-03-31",
         "Benefits Call Center; Disaster Helpline", "trust; ease", "governance and strategy",
         "https://example.gov/a https://example.gov/b", "Kick-off"],
        # Moving the due date needs a reason, as on the web form.
        ["cfo", CFO_OFF_TRACK, "On track", MOVED, date(2027, 6, 30), "Benefits Call Center", "trust", None, None, None],
    ]
    first = write_xlsx(tmp_path / "commitments.xlsx", COMMITMENT_HEADER, rows,
                       title_rows=[["CFO commitments — quarterly update"], []])
    with demo.app_context():
        original = snapshot()
        a = run_import(db.session, first)
        assert a.status == "imported" and a.format == "commitments", a.errors
        assert a.plan.counts == {"inserted": 1, "updated": 1, "unchanged": 0, "removed": 0}
        new = commitment(NEW_TITLE)
        assert new.status is CommitmentStatus.at_risk and new.reason == "Waiting on the data team"
        assert new.due_date == date(2027, 3, 31) and new.capacity_domain == "Governance & Strategy"
        assert sorted(p.name for p in new.programs) == ["Benefits Call Center", "Disaster Helpline"]
        assert sorted(m.code for m in new.metrics) == ["ease", "trust"]
        assert new.evidence_links == ["https://example.gov/a", "https://example.gov/b"]
        assert new.function.code == "CFO" and new.last_update_at is not None
        updated = commitment(CFO_OFF_TRACK)
        assert updated.status is CommitmentStatus.on_track and updated.reason == MOVED
        history = {u.commitment_id: u for u in db.session.scalars(
            sa.select(CommitmentUpdate).where(CommitmentUpdate.commitment_id.in_([new.id, updated.id])))}
        assert history[new.id].note == "Kick-off" and history[new.id].status is CommitmentStatus.at_risk
        assert history[updated.id].changes["status"] == ["off_track", "on_track"]
        assert history[updated.id].changes["reason"][1] == MOVED
        assert f"batch {a.batch_id}" in history[updated.id].note
        after_a = snapshot()

        again = run_import(db.session, write_csv(tmp_path / "same.csv", COMMITMENT_HEADER, [
            r[:4] + [str(r[4])[:10]] + r[5:] for r in rows]))
        assert again.status == "imported", again.errors
        assert again.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 2, "removed": 0}
        db.session.expire_all()
        assert snapshot() == after_a

        # A file without the links columns leaves them as they are; a blank reason clears nothing else.
        b = run_import(db.session, write_xlsx(tmp_path / "status.xlsx", ["Function", "Title", "Status", "Reason"], [
            ["CFO", NEW_TITLE, "off track", "The vendor withdrew"]]))
        assert b.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 0, "removed": 0}, b.errors
        db.session.expire_all()
        new = commitment(NEW_TITLE)
        assert new.status is CommitmentStatus.off_track and len(new.programs) == 2 and len(new.metrics) == 2

        refused = pytest.raises(RevertError, match=f"later import batch {b.batch_id} changed rows of batch "
                                                   f"{a.batch_id}; revert batch {b.batch_id} first, "
                                                   f"then batch {a.batch_id}")
        with refused:
            revert_batch(db.session, a.batch_id)
        db.session.rollback()
        revert_batch(db.session, b.batch_id)
        db.session.expire_all()
        assert without_revert_notes(snapshot()) == after_a
        assert revert_notes() == [(new.id, None, CommitmentStatus.at_risk, "Waiting on the data team",
                                   f"Reverted import batch {b.batch_id} (status.xlsx): status back from Off track to "
                                   "At risk; reason back from “The vendor withdrew” to “Waiting on the data team”.",
                                   {})], (
            "the commitment's history says who reverted which import (None: the command line), field by field")
        revert_batch(db.session, a.batch_id, user_id=db.session.scalar(
            sa.select(User.id).where(User.email == "admin@demo.cx.gov")))
        db.session.expire_all()
        assert without_revert_notes(snapshot()) == original, "the commitment, its links and its history as they were"
        admin = db.session.scalar(sa.select(User.id).where(User.email == "admin@demo.cx.gov"))
        [(commitment_id, who, status, reason, note, changes)] = revert_notes()  # the one on the new one: gone
        assert (commitment_id, who, status, reason) == (updated.id, admin, CommitmentStatus.off_track, updated.reason)
        assert note.startswith(f"Reverted import batch {a.batch_id} (commitments.xlsx): status back from On track to "
                               f"Off track; reason back from “{MOVED}” to “"), note
        assert "; due date back from 2027-06-30 to " in note and changes == {}, (
            "the commitment it made is gone with its history; the one it changed says what became of it, in words: "
            "as fields, what it undid read as moved again (a due date put back as a slip)")


def revert_notes() -> list[tuple]:
    """The history rows reverts wrote: (commitment, who, status, reason, note, changes), oldest first."""
    return [tuple(r) for r in db.session.execute(
        sa.select(CommitmentUpdate.commitment_id, CommitmentUpdate.user_id, CommitmentUpdate.status,
                  CommitmentUpdate.reason, CommitmentUpdate.note, CommitmentUpdate.changes)
        .where(CommitmentUpdate.note.like("Reverted import batch %")).order_by(CommitmentUpdate.id))]


def without_revert_notes(state: dict) -> dict:
    return {**state, "commitment_updates": [row for row in state["commitment_updates"]
                                            if not re.match(r"Reverted import batch \d+ ", row.note or "")]}


def imported_commitment(tmp_path) -> int:
    """A CIO commitment, "Publish the API catalogue", made by an import (in an app context): the batch's id."""
    path = write_xlsx(tmp_path / "c.xlsx", COMMITMENT_HEADER[:4],
                      [["CIO", "Publish the API catalogue", "on_track", None]])
    result = run_import(db.session, path)
    assert result.status == "imported", result.errors
    return result.batch_id


def test_commitment_edited_after_import_is_not_reverted_over(demo, tmp_path):
    with demo.app_context():
        batch_id = imported_commitment(tmp_path)
        edited = commitment("Publish the API catalogue")
        edited.status = CommitmentStatus.complete
        db.session.commit()
        with pytest.raises(RevertError, match="was changed after batch .*its status is now “Complete”; "
                                              "the import wrote “On track”\\); reverting"):
            revert_batch(db.session, batch_id)
        db.session.rollback()
        assert commitment("Publish the API catalogue") is not None
        assert db.session.get(ImportBatch, batch_id).status.value == "committed"


def test_a_revert_refused_for_a_later_update_names_who_saved_it_and_what(demo, tmp_path):
    """A note added after the import moves the commitment's last update: the refusal printed both times as
    "datetime.datetime(2026, 12, 6, 19, 22, 58, ...)", then as two times, the same to the second when the save
    came within it, naming neither the change nor who made it. It names who saved it, when and what they did;
    a field changed is named before the stamp each save moves."""
    from scorecard.clock import moment
    from scorecard.commitments.services import update_commitment

    with demo.app_context():
        batch_id = imported_commitment(tmp_path)
        noted = commitment("Publish the API catalogue")
        wrote = noted.last_update_at
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.cx.gov"))
        update_commitment(db.session, noted, {}, user=admin, version=noted.version, note="Checked with the team.")
        now = commitment("Publish the API catalogue").last_update_at
        assert now != wrote
        with pytest.raises(RevertError) as refused:
            revert_batch(db.session, batch_id)
        assert str(refused.value) == (
            f"commitment #{noted.id} ('Publish the API catalogue') was updated after batch {batch_id} imported it. "
            f"Saved last by {admin.name} (admin@demo.cx.gov) at {moment(now, seconds=True)}, adding a note; "
            "reverting would lose that change, so nothing was reverted")
        db.session.rollback()
        noted = commitment("Publish the API catalogue")
        update_commitment(db.session, noted, {"next_step": "Ask the CIO."}, user=admin, version=noted.version)
        with pytest.raises(RevertError) as refused:
            revert_batch(db.session, batch_id)
        assert "Saved last by Admin (admin@demo.cx.gov) at " in str(refused.value), "the newest save named"
        assert "changing the next step" in str(refused.value) and "last update is now" not in str(refused.value)
        db.session.rollback()


def test_a_revert_refusal_quotes_a_text_as_it_was_written():
    """A next step was quoted as Python writes it ('It\\'s a \\"new\\" step\\nline two'), with backslashes."""
    from importers.revert import _quoted

    assert _quoted('It\'s a "new" step\nline two — über ✓') == '“It\'s a "new" step\nline two — über ✓”'
    assert _quoted("bell\x07") == "“bell\\u0007”" and _quoted(None) == "empty" and _quoted(4.0) == "4"


def test_commitment_bad_values_are_named_and_nothing_is_written(demo, tmp_path):
    rows = [
        ["CFOO", "Something new", "on_track", None, None, None, None, None, None, None],           # 2
        ["CFO", "Something else", "late", None, None, None, None, None, None, None],               # 3
        ["CFO", "Risky", "at risk", None, None, None, None, None, None, None],                     # 4
        ["CFO", "Dated", "on_track", None, "2027-02-30", None, None, None, None, None],            # 5
        ["CFO", "Linked", "on_track", None, None, "Benefit Call Centre", "trustt", None, None, None],  # 6
        ["CFO", "Domain", "on_track", None, None, None, None, "Measurements and stuff", "ftp://x", None],  # 7
        ["CIO", "Twice", "on_track", None, None, None, None, None, None, None],                    # 8
        ["CIO", " twice ", "complete", None, None, None, None, None, None, None],                  # 9
        ["CFO", CFO_OFF_TRACK, None, "", None, None, None, None, None, None],                      # 10
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", COMMITMENT_HEADER, rows)
    with demo.app_context():
        result = assert_rejected_without_writes(path, snapshot())
        assert_error(result, 2, "Function", "CFOO", "unknown function 'CFOO'",
                     "closest: 'CFO' (Chief Financial Officer)")
        assert_error(result, 3, "Status", "late", "not a commitment status", "At risk")
        assert_error(result, 4, "Reason", None, "at risk needs a reason: say why it is at risk")
        assert_error(result, 5, "Due date", "2027-02-30", "not a date")
        assert_error(result, 6, "Programs", "Benefit Call Centre", "unknown program", "'Benefits Call Center' (")
        assert_error(result, 6, "Metrics", "trustt", "unknown metric 'trustt'", "'trust'")
        assert_error(result, 7, "Capacity domain", "Measurements and stuff", "not a capacity-assessment domain",
                     "'Measurement'")
        assert_error(result, 7, "Evidence", "ftp://x", "not a web address")
        assert_error(result, 9, "Title", "twice", "as row 8")
        # The stored commitment is off_track; blanking its reason (status unchanged) is refused too.
        assert_error(result, 10, "Reason", None, "off track needs a reason")
        assert result.rejected == 8  # row 8 is fine on its own


def test_officers_import_only_their_own_functions_commitments(demo, tmp_path):
    header = ["Function", "Title", "Status", "Reason"]
    with demo.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == "cfo.officer@demo.cx.gov"))
        before = snapshot()
        mixed = write_xlsx(tmp_path / "mixed.xlsx", header, [["CFO", "Own work", "on_track", None],
                                                             ["CIO", "Not mine", "on_track", None]])
        result = assert_rejected_without_writes(mixed, before, user_id=officer.id)
        assert_error(result, 3, "Function", "CIO", "only for their own function (CFO)", "this row is for CIO")
        assert result.rejected == 1
        own = run_import(db.session, write_xlsx(tmp_path / "own.xlsx", header, [["CFO", "Own work", "on_track", None]]),
                         user_id=officer.id)
        assert own.status == "imported", own.errors
        assert db.session.scalar(sa.select(CommitmentUpdate.user_id).where(
            CommitmentUpdate.commitment_id == commitment("Own work").id)) == officer.id

        analyst = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
        with pytest.raises(ImportFileError, match="may import commitments.*signed in as analyst"):
            run_import(db.session, write_xlsx(tmp_path / "analyst.xlsx", header, [["CFO", "X", "on_track", None]]),
                       user_id=analyst.id)


def test_leaders_change_only_the_status_of_their_own_commitments(demo, tmp_path):
    header = ["Function", "Title", "Status", "Reason", "Due date"]
    with demo.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "leader@demo.cx.gov"))
        mine = commitment("Fund digital intake for top three services")
        mine.leader_id = user.leader_id
        db.session.commit()
        due = mine.due_date
        result = run_import(db.session, write_xlsx(tmp_path / "l.xlsx", header, [
            ["CFO", mine.title, "at_risk", "Procurement slipped", due],
            ["CFO", CFO_OFF_TRACK, "on_track", None, None]]), user_id=user.id)
        assert result.status == "rejected"
        # Someone else's title and nobody's read alike (the web answers "not found" for both): no new ones.
        assert_error(result, 3, "Title", CFO_OFF_TRACK, f"no commitment of yours is titled {CFO_OFF_TRACK!r}: "
                     "leaders cannot create commitments, only update the status and reason of their own")
        new = run_import(db.session, write_xlsx(tmp_path / "l-new.xlsx", header, [
            ["CFO", "A brand new one", "on_track", None, None]]), user_id=user.id)
        assert_error(new, 2, "Title", "A brand new one", "leaders cannot create commitments")
        theirs = commitment(CFO_OFF_TRACK).id
        by_id = run_import(db.session, write_xlsx(tmp_path / "l-id.xlsx", ["ID", *header[:4]], [
            [theirs, "CFO", CFO_OFF_TRACK, "on_track", None], [999999, "CFO", "Nobody's", "on_track", None]]),
            user_id=user.id)
        for row, ident in ((2, theirs), (3, 999999)):  # the cell that chose it: its id, in the same words
            assert_error(by_id, row, "ID", ident, f"no commitment of yours has id {ident}: leaders update only "
                         "commitments that name them as the leader")
        assert "names someone else" not in str(by_id.errors) and "#" not in str(by_id.errors)
        moved = run_import(db.session, write_xlsx(tmp_path / "l2.xlsx", header, [
            ["CFO", mine.title, "at_risk", "Procurement slipped", date(2030, 1, 1)]]), user_id=user.id)
        assert_error(moved, 2, "Due date", "2030-01-01", "only the status and reason")
        # By its title alone over an officer's save, the row is a conflict (nothing tells whether it was written
        # before that save); by its id and version, as a download of the leader's commitments gives them, it is
        # the leader's to make.
        typed = run_import(db.session, write_xlsx(tmp_path / "l3.xlsx", header[:4], [
            ["CFO", mine.title, "at_risk", "Procurement slipped"]]), user_id=user.id)
        assert typed.status == "imported" and typed.plan.counts["updated"] == 0, typed.errors
        assert any("names it by its title alone" in w for w in typed.warnings), typed.warnings
        ok = run_import(db.session, write_xlsx(tmp_path / "l4.xlsx", ["ID", *header[:4], "Version"], [
            [mine.id, "CFO", mine.title, "at_risk", "Procurement slipped", mine.version]]), user_id=user.id)
        assert ok.status == "imported", ok.errors
        assert commitment(mine.title).status is CommitmentStatus.at_risk


# ---------------------------------------------------------------------- org, metrics, leaders

ORG_HEADER = ["Agency", "Component", "Component code", "HISP", "Program", "Program code", "Life experiences"]
AGENCY = "Department of Public Services (demo)"


def test_org_structure_creates_components_and_programs_and_reverts(demo, tmp_path):
    rows = [
        [AGENCY, "Veterans Outreach Office", None, "yes", "Outreach Events", None,
         "Transitioning from military to civilian life; Caring for a veteran"],
        [AGENCY, "Veterans Outreach Office", None, "yes", "Outreach Hotline", "DPS-VOO-HOT", None],
        [AGENCY, "Benefits Administration", "DPS-BA", False, None, None, None],  # BA is a HISP in the demo
    ]
    with demo.app_context():
        original = snapshot()
        a = run_import(db.session, write_xlsx(tmp_path / "org.xlsx", ORG_HEADER, rows))
        assert a.status == "imported" and a.format == "org", a.errors
        # new: component, two programs, one life experience; BA's flag updated; the agency unchanged
        assert a.plan.counts == {"inserted": 4, "updated": 1, "unchanged": 1, "removed": 0}
        office = db.session.scalar(sa.select(Component).where(Component.name == "Veterans Outreach Office"))
        assert office.is_hisp and office.code == "DPS-VOO" and office.agency.code == "DPS"
        events = db.session.scalar(sa.select(Program).where(Program.name == "Outreach Events"))
        assert events.code == "DPS-VOO-01" and sorted(e.name for e in events.life_experiences) == [
            "Caring for a veteran", "Transitioning from military to civilian life"]
        assert db.session.scalar(sa.select(Program.code).where(Program.name == "Outreach Hotline")) == "DPS-VOO-HOT"
        assert not db.session.scalar(sa.select(Component).where(Component.code == "DPS-BA")).is_hisp
        again = run_import(db.session, write_csv(tmp_path / "org.csv", ORG_HEADER,
                                                 [[c if c is not None else "" for c in r] for r in rows]))
        assert again.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 5, "removed": 0}, again.errors
        revert_batch(db.session, a.batch_id)
        db.session.expire_all()
        assert snapshot() == original


def test_an_org_name_spaced_otherwise_keeps_the_stored_name(demo, tmp_path):
    """A program written with a non-breaking space (pasted from a web page) was renamed to that spelling:
    the preview showed "Disability Compensation Claims" before and after, and the name changed unseen."""
    rows = [[AGENCY, "Benefits\u00a0Administration", "DPS-BA", True, "Disability\u00a0Compensation  Claims",
             "DPS-BA-01", "Transitioning from military to civilian life"],
            [AGENCY, "Benefits\u00a0Administration", "DPS-BA", True, None, None, None]]
    with demo.app_context():
        original = snapshot()
        result = run_import(db.session, write_xlsx(tmp_path / "org.xlsx", ORG_HEADER, rows))
        assert result.status == "imported", result.errors
        assert result.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 3, "removed": 0}
        db.session.expire_all()
        assert snapshot() == original


def test_a_blank_cell_keeps_a_programs_life_experiences_and_description_and_none_removes_them(demo, tmp_path):
    """An analyst's org file of names alone (its life-experience and description cells blank) unlinked the
    program's life experiences and cleared its description; the preview said only "1 linked → 0 linked"."""
    header = ORG_HEADER + ["Program description"]
    program = [AGENCY, "Benefits Administration", "DPS-BA", "yes", "Disability Compensation Claims", "DPS-BA-01"]
    with demo.app_context():
        db.session.scalar(sa.select(Program).where(Program.code == "DPS-BA-01")).description = "Disability claims."
        db.session.commit()
        original = snapshot()
        kept = run_import(db.session, write_csv(tmp_path / "names.csv", header, [program + ["", ""]]), dry_run=True)
        assert kept.status == "would_import" and kept.plan.counts == {
            "inserted": 0, "updated": 0, "unchanged": 3, "removed": 0}
        assert snapshot() == original
        removed = run_import(db.session, write_csv(tmp_path / "none.csv", header, [program + ["(none)", ""]]))
        assert removed.status == "imported" and removed.plan.counts["updated"] == 1, removed.errors
        db.session.expire_all()
        stored = db.session.scalar(sa.select(Program).where(Program.code == "DPS-BA-01"))
        assert stored.life_experiences == [] and stored.description == "Disability claims."
        assert db.session.scalar(sa.select(LifeExperience).where(LifeExperience.name.ilike("%none%"))) is None


def test_none_listed_with_life_experiences_is_refused_and_never_made_a_life_experience(demo, tmp_path):
    """"(none); Approaching retirement" made a new life experience named "(none)", and "none;" one named
    "none" (alone, "none" reads as blank), and linked them to the program."""
    program = [AGENCY, "Benefits Administration", "DPS-BA", "yes", "Disability Compensation Claims", "DPS-BA-01"]
    with demo.app_context():
        original = snapshot()
        mixed = run_import(db.session, write_csv(tmp_path / "mixed.csv", ORG_HEADER,
                                                 [program + ["(none); Approaching retirement"]]), dry_run=True)
        assert mixed.status == "rejected"
        [error] = mixed.errors
        assert error["column"] == "Life experiences" and "(none)" in error["message"], error
        blank = run_import(db.session, write_csv(tmp_path / "blank.csv", ORG_HEADER, [program + ["none;"]]))
        assert blank.status == "imported" and blank.plan.counts["inserted"] == 0, blank.errors
        assert snapshot() == original
        assert db.session.scalar(sa.select(LifeExperience).where(LifeExperience.name.ilike("%none%"))) is None


def test_life_experiences_separated_by_commas_are_refused_naming_the_separator(demo, tmp_path):
    """"Approaching retirement, Recovering from a disaster" made one new life experience of that whole name,
    linked in place of the two the program was meant to serve."""
    named = "Approaching retirement, Recovering from a disaster"
    rows = [[AGENCY, "Benefits Administration", "DPS-BA", "yes", "Disability Compensation Claims", "DPS-BA-01", named]]
    with demo.app_context():
        original = snapshot()
        result = run_import(db.session, write_csv(tmp_path / "org.csv", ORG_HEADER, rows), dry_run=True)
        assert result.status == "rejected"
        [error] = result.errors
        assert (error["row"], error["column"], error["value"]) == (2, "Life experiences", named), error
        assert "separate them with semicolons" in error["message"]
        assert snapshot() == original


def test_a_life_experience_longer_than_its_column_is_refused_at_the_preview(demo, tmp_path):
    rows = [[AGENCY, "Veterans Outreach Office", None, "yes", "Outreach Events", None,
             "Caring for a veteran; " + "L" * 250]]
    with demo.app_context():
        original = snapshot()
        result = run_import(db.session, write_xlsx(tmp_path / "org.xlsx", ORG_HEADER, rows), dry_run=True)
        assert result.status == "rejected"
        [error] = result.errors
        assert (error["row"], error["column"]) == (2, "Life experiences"), "the column as the file names it"
        assert "is 250 characters long; at most 200 fit" in error["message"]
        assert snapshot() == original


def test_org_conflicts_and_permissions(demo, tmp_path):
    rows = [
        [AGENCY, "Veterans Outreach Office", "DPS-BA", None, None, None, None],    # 2: code of another component
        [AGENCY, "New Office", "NO", "maybe", None, None, None],                   # 3: not a yes/no
        [AGENCY, "New Office", "NO2", None, "One", None, None],                    # 4: disagrees with row 3's code
        [AGENCY, "Passport & Travel Services", None, None, "Travel Advisories", None, None],  # 5: fine
        [AGENCY, "Passport & Travel Services", None, None, "travel advisories", None, None],  # 6: duplicate
    ]
    with demo.app_context():
        result = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", ORG_HEADER, rows), snapshot())
        assert_error(result, 2, "Component code", "DPS-BA", "belongs to 'Benefits Administration'")
        assert_error(result, 3, "HISP", "maybe", "not a yes/no value")
        assert_error(result, 6, "Program", "travel advisories", "the same program as row 5")
        analyst = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
        with pytest.raises(ImportFileError, match="only administrators may import the org structure"):
            run_import(db.session, write_xlsx(tmp_path / "o.xlsx", ORG_HEADER, rows[3:4]), user_id=analyst.id)


def test_metric_definitions_insert_update_kind_guard_and_revert(demo, tmp_path):
    header = ["Metric code", "Name", "Kind", "Direction", "Unit", "A-11 driver"]
    with demo.app_context():
        original = snapshot()
        result = run_import(db.session, write_xlsx(tmp_path / "m.xlsx", header, [
            ["cxo_journeys_mapped", "Journeys mapped", "Percentage", "Higher is better", "%", None],
            ["wait_time", "Average wait (minutes)", None, None, None, None]]))
        assert result.format == "metric-definitions" and result.plan.counts == {
            "inserted": 1, "updated": 1, "unchanged": 0, "removed": 0}, result.errors
        new = db.session.scalar(sa.select(Metric).where(Metric.code == "cxo_journeys_mapped"))
        assert new.kind is MetricKind.percent and new.direction.value == "higher"
        wait = db.session.scalar(sa.select(Metric).where(Metric.code == "wait_time"))
        assert wait.name == "Average wait (minutes)" and wait.kind is MetricKind.duration  # blank kind kept
        revert_batch(db.session, result.batch_id)
        db.session.expire_all()
        assert snapshot() == original
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", header, [
            ["wait_time", None, "percent", None, None, None],
            ["brand_new", None, "ratio", "sideways", None, "happiness"]]), original)
        assert_error(bad, 2, "Kind", "percent", "already has observations", "cannot become percent")
        assert_error(bad, 3, "Kind", "ratio", "not a metric kind", "likert")
        assert_error(bad, 3, "Direction", "sideways", "higher or lower")
        assert_error(bad, 3, "A-11 driver", "happiness", "not a A-11 driver")


def test_a_metric_with_targets_keeps_its_direction(demo, tmp_path):
    """Trust turned "lower is better" by a definitions import while its targets stayed green at 4.0 and amber
    at 3.5: thresholds the targets import refuses for such a metric, and every program's status turned over.
    A metric without targets may still change direction."""
    header = ["Metric code", "Name", "Kind", "Direction"]
    with demo.app_context():
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        assert trust.direction.value == "higher"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Target).where(Target.metric_id == trust.id))
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "flip.xlsx", header, [
            ["trust", None, None, "lower"]]), snapshot())
        assert_error(bad, 2, "Direction", "lower", "targets whose green and amber thresholds are set "
                     "for higher is better", "cannot become lower")
        result = run_import(db.session, write_xlsx(tmp_path / "new.xlsx", header, [
            ["complaints_open", "Open complaints", "count", "higher"]]))
        assert result.status == "imported", result.errors
        result = run_import(db.session, write_xlsx(tmp_path / "turn.xlsx", header, [
            ["complaints_open", None, None, "lower"]]))
        assert result.status == "imported", result.errors
        assert db.session.scalar(sa.select(Metric).where(Metric.code == "complaints_open")).direction.value == "lower"


def test_a_blank_cell_keeps_what_a_defined_metric_has(demo, tmp_path):
    """A blank driver cell emptied trust's driver (and the dashboards lost their trust column); a blank unit or
    description emptied those. For a metric already defined every blank cell keeps what is stored."""
    header = ["code", "name", "kind", "unit", "direction", "driver", "description"]
    with demo.app_context():
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        before = (trust.unit, trust.driver, trust.description, trust.direction)
        assert all(before)
        result = run_import(db.session, write_xlsx(tmp_path / "rename.xlsx", header, [
            ["trust", "Trust in the service", None, None, None, None, None]]))
        assert result.status == "imported", result.errors
        db.session.expire_all()
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        assert trust.name == "Trust in the service"
        assert (trust.unit, trust.driver, trust.description, trust.direction) == before
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "driver.xlsx", header, [
            ["trust", None, None, None, None, "ease", None]]), snapshot())
        assert_error(bad, 2, "driver", "ease", "'trust' is an A-11 standard metric: its driver is trust")
        result = run_import(db.session, write_xlsx(tmp_path / "own.xlsx", header, [
            ["call_back_trust", "Call-back trust", "likert", "1-5", None, "trust", None]]))
        assert result.status == "imported", result.errors  # a metric of the agency's own may name a driver


def test_a_standard_metric_has_a11s_driver_before_any_survey_result_made_it(app, tmp_path):
    """In a database whose first file is its metric definitions (no survey result yet made the standard
    metrics), a row gave trust the driver ease and was kept; the right driver was then refused, the message
    saying ease is what A-11 defines."""
    header = ["code", "name", "kind", "unit", "direction", "driver", "description"]
    with app.app_context():
        wrong = run_import(db.session, write_xlsx(tmp_path / "wrong.xlsx", header, [
            ["trust", "Trust", "likert", "1-5", "higher", "ease", None]]))
        assert_error(wrong, 2, "driver", "ease", "'trust' is an A-11 standard metric: its driver is trust")
        blank = run_import(db.session, write_xlsx(tmp_path / "blank.xlsx", header, [
            ["trust", "Trust", "likert", "1-5", "higher", None, None],
            ["a11v2_positive_ease", "Ease went well", "percent", "%", "higher", None, None]]))
        assert blank.status == "imported", blank.errors
        drivers = dict(db.session.execute(sa.select(Metric.code, Metric.driver)).all())
        assert drivers == {"trust": Driver.trust, "a11v2_positive_ease": None}


def test_leaders_by_email_or_name(demo, tmp_path):
    header = ["Leader", "Email", "Title", "Component", "Function"]
    with demo.app_context():
        original = snapshot()
        result = run_import(db.session, write_xlsx(tmp_path / "leaders.xlsx", header, [
            ["Pat Rivera", "Pat.Rivera@demo.cx.gov", "Director, Outreach", "Benefits Administration", None],
            [None, None, None, None, None],
            ["Avery Alvarez", "leader.ba@demo.cx.gov", "Administrator", "DPS-BA", None]]))
        assert result.format == "leaders" and result.plan.counts == {
            "inserted": 1, "updated": 1, "unchanged": 0, "removed": 0}, result.errors
        pat = db.session.scalar(sa.select(Leader).where(Leader.email == "pat.rivera@demo.cx.gov"))
        assert pat.component.name == "Benefits Administration" and pat.title == "Director, Outreach"
        revert_batch(db.session, result.batch_id)
        db.session.expire_all()
        assert snapshot() == original
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", header, [
            ["Sam", "sam-at-demo", None, None, "CFX"]]), original)
        assert_error(bad, 2, "Email", "sam-at-demo", "not an e-mail address")
        # a leaders file defines leaders by their own addresses: a row with the address leader.ba@ signs in with
        # (leader@demo.cx.gov) had renamed Avery Alvarez, and its revert was refused
        avery = db.session.scalar(sa.select(Leader).where(Leader.email == "leader.ba@demo.cx.gov"))
        was = (avery.name, avery.title)
        made = run_import(db.session, write_xlsx(tmp_path / "sign-in.xlsx", header, [
            ["Jordan Newperson", "leader@demo.cx.gov", "Deputy", "Benefits Administration", None]]))
        assert made.status == "imported" and made.plan.counts["inserted"] == 1, (made.errors, made.plan.counts)
        db.session.expire_all()
        assert (avery.name, avery.title) == was
        named = db.session.scalar(sa.select(Leader.name).where(Leader.email == "leader@demo.cx.gov"))
        assert named == "Jordan Newperson"


def test_a_leaders_preview_names_components_and_functions_not_their_ids(demo, tmp_path):
    """The preview read "component_id: ; function_id: 2 → component_id: 1; function_id: 1" for a leader moved from
    the CIO to the CFO, and left a new leader's component and function out, though the import set them."""
    header = ["Leader", "Email", "Title", "Component", "Function"]
    with demo.app_context():
        moved = db.session.scalar(sa.select(Leader).where(Leader.function_id.is_not(None))
                                  .order_by(Leader.id).limit(1))
        was = moved.function.code
        other = db.session.scalar(sa.select(Function.code).where(Function.code != was).order_by(Function.code))
        preview = run_import(db.session, write_xlsx(tmp_path / "leaders.xlsx", header, [
            [moved.name, moved.email, moved.title, "Benefits Administration", other],
            ["Pat Rivera", "pat.rivera@demo.cx.gov", "Director, Outreach", "Benefits Administration", other]]),
            dry_run=True)
        words = {p["name"]: p for p in preview.preview}
        # each named with the e-mail that keys it (two Pat Smiths' rows read alike)
        update, insert = words[f"{moved.name} ({moved.email})"], words["Pat Rivera (pat.rivera@demo.cx.gov)"]
        assert f"function: {was}" in update["before"] and f"function: {other}" in update["after"], update
        assert "component: Benefits Administration" in update["after"] and "_id" not in update["after"]
        assert "component: Benefits Administration" in insert["after"] and f"function: {other}" in insert["after"], (
            insert)


@pytest.mark.parametrize("address", ["mailto:leader.ba@demo.cx.gov", "leader.ba@demo.cx.gov.", "pat@demo"])
def test_a_leaders_address_a_sign_in_would_refuse_is_refused(demo, tmp_path, address):
    """"mailto:leader.ba@demo.cx.gov" (a link's target pasted into the cell) was taken as an address: a
    second Avery Alvarez was planned beside the first, with an address no one signs in with."""
    header = ["Leader", "Email", "Title", "Component", "Function"]
    with demo.app_context():
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "leaders.xlsx", header, [
            ["Avery Alvarez", address, "Administrator", "DPS-BA", None]]), snapshot())
        assert_error(bad, 2, "Email", address, "is not an e-mail address (name@agency.gov)")


# ---------------------------------------------------------------------------- plans

PLAN_HEADER = ["Leader", "Fiscal year", "Element", "Weight", "Requirement", "Metric", "Target", "Target scope",
               "Programs"]
PLAN_LEADER = "sbo.manager1@demo.cx.gov"


def plan_rows(leader=PLAN_LEADER, fy="FY2028", weights=(15, 15, 15, 15, 40)):
    names = ["Leading Change", "Leading People", "Business Acumen", "Building Coalitions", "Results Driven"]
    rows = [[leader, fy, name, weight, f"Demonstrates {name.lower()}.", None, None, None, None]
            for name, weight in zip(names, weights)]
    rows.append([leader, fy, "Results Driven", weights[4], "Raise trust at the help desk to target.", "trust", 4.0,
                 None, "Business Help Desk"])
    return rows


def add_fy2028_trust_target() -> None:
    """The agency-wide FY2028 trust target a plan's requirement links."""
    trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "DPS"))
    db.session.add(Target(metric=trust, scope_type=ScopeType.agency, scope_id=agency.id, fiscal_year=2028,
                          target=4.0, green_at=4.0, amber_at=3.7))
    db.session.commit()


def imported_plan(tmp_path) -> PerformancePlan:
    """The FY2028 plan of `plan_rows`, imported from a workbook (its trust target added first)."""
    add_fy2028_trust_target()
    imported = run_import(db.session, write_xlsx(tmp_path / "plan.xlsx", PLAN_HEADER, plan_rows()))
    assert imported.status == "imported", imported.errors
    return db.session.scalar(sa.select(PerformancePlan).join(Leader).where(
        Leader.email == PLAN_LEADER, PerformancePlan.fiscal_year == 2028))


def test_performance_plan_insert_unchanged_update_and_revert(demo, tmp_path):
    with demo.app_context():
        add_fy2028_trust_target()
        original = snapshot()
        a = run_import(db.session, write_xlsx(tmp_path / "plan.xlsx", PLAN_HEADER, plan_rows()))
        assert a.status == "imported" and a.format == "performance-plans", a.errors
        assert a.plan.counts == {"inserted": 1 + 5 + 6, "updated": 0, "unchanged": 0, "removed": 0}
        plan = db.session.scalar(sa.select(PerformancePlan).join(Leader).where(
            Leader.email == PLAN_LEADER, PerformancePlan.fiscal_year == 2028))
        weights = {e.name: (e.weight, e.is_results_driven) for e in plan.elements}
        assert weights["Results Driven"] == (40, True) and weights["Leading Change"] == (15, False)
        linked = next(r for e in plan.elements for r in e.requirements if r.metric_id)
        assert linked.metric.code == "trust" and linked.target.target == 4.0
        assert linked.target.scope_type is ScopeType.agency
        assert [p.name for p in linked.programs] == ["Business Help Desk"]
        after_a = snapshot()

        # 2028 / FY28 / FY2028 are one fiscal year; the same plan from CSV changes nothing.
        rows = plan_rows(fy="2028")
        rows[0][1] = "FY28"
        again = run_import(db.session, write_csv(tmp_path / "plan.csv", PLAN_HEADER, rows))
        assert again.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 12, "removed": 0}, again.errors

        b = run_import(db.session, write_xlsx(tmp_path / "plan2.xlsx", PLAN_HEADER[:4], [
            r[:4] for r in plan_rows(weights=(10, 10, 10, 10, 60))[:5]]))
        assert b.plan.counts == {"inserted": 0, "updated": 5, "unchanged": 1, "removed": 0}, b.errors
        revert_batch(db.session, b.batch_id)
        db.session.expire_all()
        assert snapshot() == after_a
        revert_batch(db.session, a.batch_id)
        db.session.expire_all()
        assert snapshot() == original


def test_a_plans_preview_names_the_target_and_programs_a_confirm_would_unlink(demo, tmp_path):
    """A plans file whose Programs cell was blank previewed "program_ids: 1 linked -> 0 linked", and one moving a
    requirement to another target "target_id: 103 -> target_id: 117": the analyst could not see which programs a
    confirm would unlink, nor which target it would link. The preview names them."""
    with demo.app_context():
        imported_plan(tmp_path)
        rows = plan_rows()
        rows[-1][6:] = [None, None, None]  # the trust requirement's target, scope and programs left blank
        preview = run_import(db.session, write_xlsx(tmp_path / "blank.xlsx", PLAN_HEADER, rows), dry_run=True)
        assert preview.status == "would_import", preview.errors
        (change,) = [c for c in preview.preview if c["action"] == "update"]
        assert change["before"] == "programs: Business Help Desk" and change["after"] == "programs: none", change
        desk = db.session.scalar(sa.select(Program.id).where(Program.name == "Business Help Desk"))
        db.session.add(Target(metric=db.session.scalar(sa.select(Metric).where(Metric.code == "trust")),
                              scope_type=ScopeType.program, scope_id=desk, fiscal_year=2028, target=4.2,
                              green_at=4.2, amber_at=3.9))
        db.session.commit()
        rows[-1][6:] = [4.2, "Business Help Desk", "Business Help Desk"]
        moved = run_import(db.session, write_xlsx(tmp_path / "moved.xlsx", PLAN_HEADER, rows), dry_run=True)
        (change,) = [c for c in moved.preview if c["action"] == "update"]
        assert change["before"] == "target: trust 4 for FY2028 (agency Department of Public Services (demo))", change
        assert change["after"] == "target: trust 4.2 for FY2028 (program Business Help Desk)", change
        assert "_id" not in change["before"] + change["after"] and "linked" not in change["after"], change


def test_a_file_of_part_of_a_plan_keeps_the_order_of_its_elements_and_requirements(demo, tmp_path):
    """A file updating one element (its weight) renumbered the elements it gave from 1: Results Driven, the
    plan's fifth, became its first beside Leading Change, and the plan page listed them out of order. The
    stored ones keep their places and a new one goes last; a file of the whole plan sets its order."""
    def order(plan) -> list:
        db.session.expire_all()
        return [(e.name, [r.text for r in sorted(e.requirements, key=lambda r: r.position)])
                for e in sorted(plan.elements, key=lambda e: e.position)]

    with demo.app_context():
        plan = imported_plan(tmp_path)
        before = order(plan)
        assert [name for name, _ in before] == ["Leading Change", "Leading People", "Business Acumen",
                                                "Building Coalitions", "Results Driven"]
        one = [row for row in plan_rows(weights=(15, 15, 15, 15, 40)) if row[2] == "Results Driven"][-1:]
        one[0][4] = "Answer every appeal within 30 days."  # a new requirement of the fifth element
        result = run_import(db.session, write_xlsx(tmp_path / "one.xlsx", PLAN_HEADER, one))
        assert result.status == "imported", result.errors
        after = order(plan)
        assert [name for name, _ in after] == [name for name, _ in before], "the elements keep their places"
        assert after[-1][1] == [*before[-1][1], "Answer every appeal within 30 days."], "a new requirement goes last"
        whole = list(reversed(plan_rows()[:5])) + plan_rows()[5:]
        assert run_import(db.session, write_xlsx(tmp_path / "whole.xlsx", PLAN_HEADER, whole)).status == "imported"
        assert [name for name, _ in order(plan)] == [row[2] for row in whole[:5]], "the whole plan sets its order"


def test_a_plans_requirement_names_its_commitment_as_the_title_reads(demo, tmp_path):
    """A requirement naming its commitment with full-width letters ("ＣＸ") was refused "unknown commitment",
    though the web and the commitments import read that title as the stored one."""
    stored = "Align CX budget requests with HISP action plans"
    with demo.app_context():
        add_fy2028_trust_target()
        rows = [row + [None] for row in plan_rows()]
        rows[-1][-1] = stored.replace("CX", "\uff23\uff38").replace("  ", " ")
        result = run_import(db.session, write_xlsx(tmp_path / "plan.xlsx", PLAN_HEADER + ["Commitment"], rows))
        assert result.status == "imported", result.errors
        linked = db.session.scalar(sa.select(PlanRequirement).where(PlanRequirement.commitment_id.is_not(None))
                                   .order_by(PlanRequirement.id.desc()))
        assert linked.commitment.title == stored


@contextlib.contextmanager
def in_fy2028():
    """The agency's clock in FY2028, the year of the plan these tests import: its elements may be rated."""
    from datetime import UTC, datetime

    from scorecard import clock

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(clock, "utcnow", lambda: datetime(2027, 10, 15, 12, tzinfo=UTC))
        yield


def test_a_plan_whose_element_was_rated_since_is_not_reverted_with_the_decision(demo, tmp_path):
    """A rating official decided an element of a plan an analyst imported; reverting the import deleted
    the plan and, by its cascade, the decision (a due-process record). It is refused, nothing changed."""
    from scorecard.models import ElementRating
    from scorecard.plans.services import decide

    with demo.app_context():
        add_fy2028_trust_target()
        imported = run_import(db.session, write_xlsx(tmp_path / "plan.xlsx", PLAN_HEADER, plan_rows()))
        assert imported.status == "imported", imported.errors
        plan = db.session.scalar(sa.select(PerformancePlan).join(Leader).where(
            Leader.email == PLAN_LEADER, PerformancePlan.fiscal_year == 2028))
        official = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        with in_fy2028():  # decided once its year has begun
            decide(db.session, next(e for e in plan.elements if e.name == "Results Driven"), 4,
                   "Met every milestone.", official)
        before = snapshot()
        decisions = db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating))
        with pytest.raises(RevertError, match=r"plan element #\d+ \('Results Driven'\), which batch \d+ "
                                              r"created, now has 1 rating decision that the import did not "
                                              r"write; reverting would delete it as well, so nothing was reverted"):
            revert_batch(db.session, imported.batch_id)
        db.session.rollback()
        db.session.expire_all()
        assert snapshot() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating)) == decisions


def test_a_plan_with_decided_ratings_keeps_its_weights_and_decided_requirements(demo, tmp_path):
    """A re-import re-weighted a plan its rating official had fully decided: the summary moved from level
    4 to 3 with no word on the plan. Once an element is decided, the plan's weights and Results Driven
    element, and the decided elements' requirements, are what was rated: a file changing them is refused,
    each cell named; the undecided elements' requirements may still change."""
    from scorecard.models import ElementRating, User
    from scorecard.plans.services import decide

    with demo.app_context():
        plan = imported_plan(tmp_path)
        official = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        results = next(e for e in plan.elements if e.name == "Results Driven")
        with in_fy2028():
            decide(db.session, results, 4, "Met every milestone.", official)
        before = snapshot()
        reweighted = assert_rejected_without_writes(write_xlsx(
            tmp_path / "reweighted.xlsx", PLAN_HEADER, plan_rows(weights=(10, 10, 10, 10, 60))), before)
        assert_error(reweighted, 2, "Weight", 10, "has ratings decided by a rating official")
        assert_error(reweighted, 6, "Weight", 60, "(stored: 40)")
        rows = plan_rows()
        rows[-1][8] = "Passport Renewal Online"  # the decided element's requirement linked to another program
        relinked = assert_rejected_without_writes(write_xlsx(tmp_path / "relinked.xlsx", PLAN_HEADER, rows), before)
        assert_error(relinked, 7, "Programs", "Passport Renewal Online", "'Results Driven' is decided, and its "
                     "requirement")
        rows = plan_rows()
        rows.append([PLAN_LEADER, "FY2028", "Results Driven", 40, "A requirement added after the decision.", None,
                     None, None, None])
        added = assert_rejected_without_writes(write_xlsx(tmp_path / "added.xlsx", PLAN_HEADER, rows), before)
        assert_error(added, 8, "Requirement", "A requirement added after the decision.", "cannot be added")
        same = plan_rows() + [[PLAN_LEADER, "FY2028", "Results Driven", 40, None, None, None, None, None]]
        again = run_import(db.session, write_csv(tmp_path / "same.csv", PLAN_HEADER, same))
        assert again.status == "imported" and again.plan.counts["inserted"] == again.plan.counts["updated"] == 0, (
            "the same plan again, with a row naming the decided element alone: unchanged, not refused",
            again.errors)
        rows = plan_rows()
        rows[0][4] = "Leads change across the bureau."  # an undecided element's requirement: still the plan's to edit
        assert run_import(db.session, write_xlsx(tmp_path / "undecided.xlsx", PLAN_HEADER, rows)).status == "imported"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating)) >= 1


def test_plan_weights_break_opm_rules_and_bad_cells(demo, tmp_path):
    with demo.app_context():
        before = snapshot()
        low = assert_rejected_without_writes(write_xlsx(tmp_path / "low.xlsx", PLAN_HEADER,
                                                        plan_rows(weights=(20, 20, 20, 25, 15))[:5]), before)
        assert_error(low, 6, "Weight", 15, "Results Driven", "at least 20")
        assert_error(low, 5, "Weight", 25, "'Building Coalitions' weighs 25, more than Results Driven (15)")
        assert not any("add up" in e["message"] for e in low.errors)  # 20+20+20+25+15 is 100
        # the total is said at the first row, naming that row's weight as written: 101 is in no cell of the file
        over = assert_rejected_without_writes(write_xlsx(tmp_path / "over.xlsx", PLAN_HEADER,
                                                         plan_rows(weights=(15, 15, 15, 15, 41))[:5]), before)
        assert_error(over, 2, "Weight", 15, "the weights add up to 101; they must add up to 100")

        rows = plan_rows()[:5]
        rows[0][3] = 120                  # 2: out of range
        rows[1][1] = "FY20XX"             # 3: not a fiscal year
        rows[2][0] = "nobody@demo.cx.gov"  # 4: unknown leader
        rows.append([PLAN_LEADER, "FY2028", "Results Driven", 45, "Other", None, None, None, None])  # 7: disagrees
        rows.append([PLAN_LEADER, "FY2028", "Results Driven", 40, "Raise trust.", "trust", 4.5, None, None])  # 8
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", PLAN_HEADER, rows), before)
        assert_error(bad, 2, "Weight", 120, "outside 0-100")
        assert_error(bad, 3, "Fiscal year", "FY20XX", "not a fiscal year")
        assert_error(bad, 4, "Leader", "nobody@demo.cx.gov", "no leader has the e-mail address")
        assert_error(bad, 7, "Weight", 45, "weighs 40 on row 6")
        assert_error(bad, 8, "Target", 4.5, "no FY2028 target for 'trust'", "targets layout")


def test_a_plans_fiscal_year_is_one_the_product_plans_for(demo, tmp_path):
    """"-2027" was read as FY2027 (an existing plan's weights rewritten), "٢٠٢٦" as FY2026, and FY2101 or 1999
    imported into a year the leaders page, the API and the ratings export do not open."""
    with demo.app_context():
        before = snapshot()
        rows = plan_rows()[:5]
        for row, year in zip(rows, ("-2027", "FY2101", "1999", "٢٠٢٦")):
            row[1] = year
        bad = assert_rejected_without_writes(write_xlsx(tmp_path / "years.xlsx", PLAN_HEADER, rows), before)
        assert_error(bad, 2, "Fiscal year", "-2027", "not a fiscal year")
        assert_error(bad, 3, "Fiscal year", "FY2101", "outside the fiscal years 2000-2100, the years the scorecard "
                     "plans for")
        assert_error(bad, 4, "Fiscal year", "1999", "outside the fiscal years 2000-2100")
        assert_error(bad, 5, "Fiscal year", "٢٠٢٦", "not a fiscal year")


def test_a_plan_may_name_its_leader_by_the_address_they_sign_in_with(demo, tmp_path):
    """leader@demo.cx.gov signs in as the leader leader.ba@demo.cx.gov; a plans file naming the sign-in address was
    told no leader had it."""
    with demo.app_context():
        account = db.session.scalar(sa.select(User).where(User.email == "leader@demo.cx.gov"))
        own = account.leader.email
        assert own != account.email
        result = run_import(db.session, write_xlsx(tmp_path / "plan.xlsx", PLAN_HEADER,
                                                   plan_rows(leader="Leader@Demo.cx.gov")[:5]))
        assert result.status == "imported", result.errors
        plan = db.session.scalar(sa.select(PerformancePlan).where(PerformancePlan.fiscal_year == 2028))
        assert plan.leader.email == own


def test_an_unknown_leaders_closest_names_are_said_as_stored(demo):
    """'morgan chen' (the key names are compared as) was offered for 'Morgan Chenn'."""
    from importers.resolve import Unknown
    from importers.sinks.lookups import Leaders

    with demo.app_context():
        name = db.session.scalar(sa.select(Leader.name).where(Leader.name.contains(" ")).order_by(Leader.id))
        with pytest.raises(Unknown) as refused:
            Leaders(db.session).find(name + "x")
        assert f"closest: {name!r}" in str(refused.value)
        email = db.session.scalar(sa.select(Leader.email).where(Leader.email.is_not(None)).order_by(Leader.id))
        with pytest.raises(Unknown) as refused:  # an address: the closest addresses, not str.title's repr
            Leaders(db.session).find(email.replace("@", "x@"))
        assert f"closest: {email.lower()!r}" in str(refused.value) and "built-in" not in str(refused.value)


def test_plan_weights_from_a_percent_formatted_column(demo, tmp_path):
    rows = plan_rows(leader="sbo.manager2@demo.cx.gov", fy=2027, weights=(0.15, 0.15, 0.15, 0.15, 0.4))[:5]
    with demo.app_context():
        # The demo already holds this leader's FY2027 plan with the same weights: nothing changes.
        result = run_import(db.session, write_xlsx(tmp_path / "pct.xlsx", PLAN_HEADER[:4], [r[:4] for r in rows]))
        assert result.status == "imported", result.errors
        assert result.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 6, "removed": 0}



def test_plan_weights_typed_as_percentages_in_excel(demo, tmp_path):
    """An HR officer types 15% in a cell: Excel stores 0.15 with a percentage format. The plan
    reads 15, the same plan as the demo's, so nothing changes."""
    rows = plan_rows(leader="sbo.manager2@demo.cx.gov", fy=2027, weights=(0.15, 0.15, 0.15, 0.15, 0.4))[:5]
    path = write_xlsx(tmp_path / "typed.xlsx", PLAN_HEADER[:4], [r[:4] for r in rows])
    workbook = load_workbook(path)
    for (cell,) in workbook.active.iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = "0%"
    workbook.save(path)
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert result.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 6, "removed": 0}
        assert any("5 number cells formatted as percentages" in w for w in result.warnings)


# -------------------------------------------------------------------- capacity assessments

CAPACITY_HEADER = ["Component", "FY", "Domain", "Score", "Narrative"]


def test_capacity_assessment_insert_update_variants_and_revert(demo, tmp_path):
    rows = [["Benefits Administration", "FY2028", domain, score, f"FY2028 {domain}"] for domain, score in (
        ("measurement", 4), ("GOVERNANCE and strategy", 5), ("Culture & Organisation", 3),
        ("customer  understanding", 6), ("Service Design and Improvement", 7))]
    with demo.app_context():
        original = snapshot()
        a = run_import(db.session, write_xlsx(tmp_path / "cap.xlsx", CAPACITY_HEADER, rows))
        assert a.status == "imported" and a.format == "capacity", a.errors
        assert a.plan.counts == {
            "inserted": 5, "updated": 0, "unchanged": 0, "removed": 0}, "one per row: the assessment is none"
        assessment = db.session.scalar(sa.select(CapacityAssessment).where(CapacityAssessment.fiscal_year == 2028))
        assert [d.domain for d in assessment.domain_scores] == [
            "Measurement", "Governance & Strategy", "Culture & Organization", "Customer Understanding",
            "Service Design & Improvement"]
        assert assessment.total == 25
        after_a = snapshot()
        b = run_import(db.session, write_csv(tmp_path / "cap.csv", CAPACITY_HEADER[:4], [
            ["DPS-BA", 2028, "Measurement", "5"], ["Benefits Administration", "2028", "Governance & Strategy", 5]]))
        assert b.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 1, "removed": 0}, b.errors
        revert_batch(db.session, b.batch_id)
        db.session.expire_all()
        assert snapshot() == after_a
        revert_batch(db.session, a.batch_id)
        db.session.expire_all()
        assert snapshot() == original


def test_a_capacity_score_edited_after_import_is_named_by_its_assessment_when_a_revert_is_refused(demo, tmp_path):
    """The refusal named the database table ("capacity_domain_scores row 11 ('Measurement')"), not the
    component and year the analyst knows the score by."""
    path = write_csv(tmp_path / "cap.csv", CAPACITY_HEADER[:4], [["Small Business Office", 2028, "Measurement", 3]])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        score = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).where(
            CapacityAssessment.fiscal_year == 2028, CapacityDomainScore.domain == "Measurement"))
        score.score = 4.0
        db.session.commit()
        with pytest.raises(RevertError) as refused:
            revert_batch(db.session, result.batch_id)
        db.session.rollback()
    message = str(refused.value)
    assert message.startswith("the Measurement domain of Small Business Office's FY2028 capacity assessment was "
                              "changed after batch"), message
    assert "capacity_domain_scores" not in message
    assert "(its score is now 4; the import wrote 3)" in message, "the values as a page shows them"


def test_capacity_counts_are_the_rows_and_scores_read_as_typed(demo, tmp_path):
    """A one-row file is one row in the counts (the assessment it belongs to is not a row of its own),
    and a whole-number score is shown as it was typed: 6, never 6.0."""
    with demo.app_context():
        stored = db.session.scalar(sa.select(CapacityDomainScore).join(CapacityAssessment).join(Component).where(
            Component.name == "Benefits Administration", CapacityAssessment.fiscal_year == 2027,
            CapacityDomainScore.domain == "Measurement"))
        old, new = stored.score, 6 if stored.score != 6 else 5
        path = write_csv(tmp_path / "c.csv", CAPACITY_HEADER[:4], [["DPS-BA", "FY2027", "Measurement", str(new)]])
        preview = run_import(db.session, path, dry_run=True)
        assert preview.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 0, "removed": 0}
        assert preview.message.startswith("0 rows would be inserted, 1 updated, 0 unchanged")
        (change,) = preview.preview
        assert change["before"] == f"score: {old:g}" and change["after"] == f"score: {new}"
        cleared = run_import(db.session, write_csv(tmp_path / "cleared.csv", CAPACITY_HEADER, [
            ["DPS-BA", "FY2027", "Measurement", str(new), None]]), dry_run=True)
        (change,) = cleared.preview
        assert change["after"] == f"score: {new}; narrative: (blank)", "a narrative erased is said to be"

        started = run_import(db.session, write_csv(tmp_path / "n.csv", CAPACITY_HEADER, [
            ["DPS-BA", "FY2030", "Measurement", "4", None],
            ["DPS-BA", "FY2030", "Governance & Strategy", "4.5", None]]),
            dry_run=True)
        assert started.plan.counts == {"inserted": 2, "updated": 0, "unchanged": 0, "removed": 0}
        assert [(c["record"], c["after"]) for c in started.preview] == [
            ("capacity domain score (starts the FY2030 assessment, scale 1-7)", "domain: Measurement; score: 4"),
            ("capacity domain score (starts the FY2030 assessment, scale 1-7)",
             "domain: Governance & Strategy; score: 4.5")]

        refused = run_import(db.session, write_csv(tmp_path / "r.csv", CAPACITY_HEADER, [
            ["DPS-BA", "FY2027", "Measurement", "9", None]]))
        (error,) = refused.errors
        assert error["value"] == 9 and repr(error["value"]) == "9", error
        assert error["message"] == "the score 9 is outside the assessment's scale (1-7)"


def test_capacity_bad_values(demo, tmp_path):
    rows = [
        ["Benefits Administration", "FY2028", "Measurment stuff", 4, None],   # 2
        ["Benefits Administration", "FY2028", "Measurement", 8, None],        # 3
        ["Benefit Administration", "FY2028", "Measurement", 4, None],         # 4
        ["Benefits Administration", "next year", "Measurement", 4, None],     # 5
        ["Benefits Administration", "FY2028", "Culture and organization", "high", None],  # 6
    ]
    with demo.app_context():
        result = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", CAPACITY_HEADER, rows), snapshot())
        assert_error(result, 2, "Domain", "Measurment stuff", "not a capacity-assessment domain")
        assert_error(result, 3, "Score", 8, "outside the assessment's scale (1-7)")
        assert_error(result, 4, "Component", "Benefit Administration", "unknown component",
                     "'Benefits Administration' (")
        assert_error(result, 5, "FY", "next year", "not a fiscal year")
        assert_error(result, 6, "Score", "high", "not a number")


def test_capacity_import_checks_what_the_assessment_form_checks(demo, tmp_path):
    """What the form would refuse is refused here too: an import must not leave a year the form can
    then not save (or, outside 2000-2100, not even open)."""
    header = CAPACITY_HEADER + ["Evidence"]
    rows = [
        ["Benefits Administration", "FY2029", "Measurement", 4, None, "javascript:alert(1) not a link"],   # 2
        ["Benefits Administration", "FY2029", "Culture & Organization", 4, "n" * 10_050, None],            # 3
        ["Benefits Administration", "1901", "Measurement", 4, None, None],                                 # 4
    ]
    with demo.app_context():
        result = assert_rejected_without_writes(write_xlsx(tmp_path / "cap.xlsx", header, rows), snapshot())
        # a cell's links are counted as read, split at spaces and semicolons too, not as lines typed in it
        assert_error(result, 2, "Evidence", "javascript:alert(1) not a link", "4 links are refused: link 1: "
                     "'javascript:alert(1)' is not a web address; link 2: 'not' is not a web address")
        assert_error(result, 3, "Narrative", "n" * 10_050, "10,050 characters long; at most 10,000 fit")
        assert_error(result, 4, "FY", "1901", "outside the fiscal years 2000-2100")
        fine = run_import(db.session, write_xlsx(tmp_path / "ok.xlsx", header, [
            ["Benefits Administration", "FY2029", "Measurement", 4, None,
             "https://a.example.gov/x; https://b.example.gov/y"]]))
        assert fine.status == "imported", fine.errors
        stored = db.session.scalar(sa.select(CapacityDomainScore.evidence).join(CapacityAssessment).where(
            CapacityAssessment.fiscal_year == 2029, CapacityDomainScore.domain == "Measurement"))
        assert stored == "https://a.example.gov/x\nhttps://b.example.gov/y", "one per line, as the form keeps them"


# ---------------------------------------------------------------------------- targets

TARGET_HEADER = ["Metric", "Scope type", "Scope", "Fiscal year", "Target", "Green threshold", "Amber threshold"]


def test_targets_insert_update_and_revert(demo, tmp_path):
    rows = [["trust", None, "Disaster Helpline", "FY2028", 4.3, 4.3, 4.0],
            ["wait_time", "program", "Benefits Call Center", "FY2027", 8, None, 12],
            ["cfo_cx_budget_aligned", None, "CFO", 2028, "85%", "85%", "70%"]]  # the demo sets FY2027's
    with demo.app_context():
        original = snapshot()
        a = run_import(db.session, write_xlsx(tmp_path / "targets.xlsx", TARGET_HEADER, rows))
        assert a.status == "imported" and a.format == "targets", a.errors
        assert a.plan.counts == {"inserted": 3, "updated": 0, "unchanged": 0, "removed": 0}
        cfo = db.session.scalar(sa.select(Target).join(Metric).where(Metric.code == "cfo_cx_budget_aligned",
                                                                     Target.scope_type == ScopeType.function,
                                                                     Target.fiscal_year == 2028))
        assert (cfo.target, cfo.green_at, cfo.amber_at, cfo.fiscal_year) == (85.0, 85.0, 70.0, 2028)
        wait = db.session.scalar(sa.select(Target).join(Metric).where(Metric.code == "wait_time",
                                                                      Target.scope_type == ScopeType.program))
        assert wait.green_at == 8 and wait.rag(9) == "amber" and wait.rag(13) == "red"
        after_a = snapshot()
        b = run_import(db.session, write_csv(tmp_path / "t.csv", TARGET_HEADER, [
            ["trust", "", "Disaster Helpline", "2028", "4.4", "4.4", "4.1"],
            ["wait_time", "program", "Benefits Call Center", "FY27", "8", "", "12"]]))
        assert b.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 1, "removed": 0}, b.errors
        revert_batch(db.session, b.batch_id)
        db.session.expire_all()
        assert snapshot() == after_a
        revert_batch(db.session, a.batch_id)
        db.session.expire_all()
        assert snapshot() == original


def test_a_fiscal_year_written_as_a_decimal_number_is_read_as_the_year(demo, tmp_path):
    """"2028.0" (a float column written out by pandas) was refused as no fiscal year in the targets and capacity
    layouts, which the metrics layout reads; "2028.5" is still no year."""
    with demo.app_context():
        found = run_import(db.session, write_csv(tmp_path / "t.csv", TARGET_HEADER, [
            ["trust", "", "Disaster Helpline", "2028.0", "4.4", "4.4", "4.1"]]), dry_run=True)
        assert found.status == "would_import" and found.plan.counts["inserted"] == 1, found.errors
        refused = run_import(db.session, write_csv(tmp_path / "u.csv", TARGET_HEADER, [
            ["trust", "", "Disaster Helpline", "2028.5", "4.4", "4.4", "4.1"]]), dry_run=True)
        assert refused.status == "rejected" and "'2028.5' is not a fiscal year" in refused.errors[0]["message"]


def test_target_bad_values(demo, tmp_path):
    rows = [
        ["trust", None, "Disaster Helpline", "FY2028", 4.3, 3.9, 4.1],            # 2: amber above green
        ["wait_time", None, "Benefits Call Center", "FY2028", 8, 8, 6],           # 3: lower is better: amber below
        ["trust", None, "Disaster Helpline", "FY2029", 6, 6, 4],                   # 4: likert out of range
        ["trust", "component", "Disaster Helpline", "FY2028", 4, 4, 3.5],         # 5: not a component
        ["trust", None, "Disaster Helpln", "FY2028", 4, 4, 3.5],                  # 6: unknown scope
        ["trust", "division", "Disaster Helpline", "FY2028", 4, 4, 3.5],          # 7: bad scope type
        ["trust", None, "Disaster Helpline", "FY2030", 3.8, 4.0, 3.5],            # 8: target not green
    ]
    with demo.app_context():
        result = assert_rejected_without_writes(write_xlsx(tmp_path / "bad.xlsx", TARGET_HEADER, rows), snapshot())
        assert_error(result, 2, "Amber threshold", 4.1, "inconsistent", "must not be above green_at (3.9)")
        assert_error(result, 3, "Amber threshold", 6, "better lower", "must not be below green_at (8)")
        assert_error(result, 4, "Target", 6, "outside the range of a likert metric (1 to 5)")
        assert_error(result, 5, "Scope", "Disaster Helpline", "unknown component 'Disaster Helpline'")
        assert_error(result, 6, "Scope", "Disaster Helpln", "unknown scope", "'Disaster Helpline'")
        assert_error(result, 7, "Scope type", "division", "not a scope type", "program")
        assert_error(result, 8, "Target", 3.8, "would not be green")


def test_a_component_name_two_agencies_share_is_told_apart_by_code_in_layouts_without_an_agency(demo, tmp_path):
    """Targets and capacity have no agency column; the message said to add one, which the importer then said
    it does not read. It names each match by code and agency, and the code imports."""
    with demo.app_context():
        db.session.add(Component(agency=Agency(code="OD", name="Other Department"), code="OD-BA",
                                 name="Benefits Administration"))
        db.session.commit()
        before = snapshot()
        targets = assert_rejected_without_writes(write_csv(tmp_path / "t.csv", TARGET_HEADER, [
            ["trust", "component", "Benefits Administration", "FY2028", 4, 4, 3.6],
            ["trust", None, "benefits administration", "FY2028", 4, 4, 3.6]]), before)
        capacity = assert_rejected_without_writes(write_csv(tmp_path / "c.csv", CAPACITY_HEADER[:4], [
            ["Benefits Administration", 2028, "Measurement", 4]]), before)
        for result, row, column in ((targets, 2, "Scope"), (targets, 3, "Scope"), (capacity, 2, "Component")):
            error = cell_errors(result)[(row, column)]
            assert "is ambiguous: 2 match (DPS-BA under 'Department" in error["message"], error
            assert "OD-BA under 'Other Department'" in error["message"] and "give its code instead" in error["message"]
            assert "column" not in error["message"], error
        coded = run_import(db.session, write_csv(tmp_path / "c2.csv", CAPACITY_HEADER[:4], [["OD-BA", 2028,
                                                                                             "Measurement", 4]]))
        assert coded.status == "imported", coded.errors


# ------------------------------------------------------------------- detection, templates, CLI

DETECTED = {
    "commitments": ["Function", "Commitment", "Status", "Reason", "Due date"],
    "org": ["Agency", "Bureau", "Bureau code", "HISP", "Program name"],
    "metric-definitions": ["Metric code", "Metric name", "Type", "Unit", "Direction"],
    "leaders": ["Full name", "E-mail", "Position", "Component"],
    "performance-plans": ["Leader email", "FY", "Critical element", "Weight", "Requirement", "Linked metric"],
    "capacity": ["Component", "Fiscal year", "Capacity domain", "Score", "Narrative"],
    "targets": ["Metric", "Scope", "FY", "Target", "Green", "Amber"],
}


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_each_layout_is_detected_from_its_header_below_title_rows(name):
    fmt, index = detect_format([["Quarterly upload"], [], DETECTED[name]])
    assert (fmt.name, index) == (name, 2)


@pytest.mark.parametrize("fmt", REFERENCE_FORMATS, ids=lambda f: f.name)
def test_templates_for_reference_layouts_detect_as_themselves(demo, tmp_path, fmt):
    out = tmp_path / f"{fmt.name}.xlsx"
    result = demo.test_cli_runner().invoke(args=["template", fmt.name, "--out", str(out)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    header = [c.value for c in workbook["data"][1]]
    assert header == [c.name for c in fmt.columns]
    assert detect_format([header])[0].name == fmt.name
    lists = workbook["lists"]
    names = [c.value for c in lists[1]]
    for column, values in fmt.template_lists.items():
        assert column in names
        letter = chr(ord("A") + names.index(column))
        assert [lists[f"{letter}{i}"].value for i in range(2, len(values) + 2)] == values
        target = chr(ord("A") + header.index(column))
        assert any(str(v.sqref).startswith(f"{target}2") for v in workbook["data"].data_validations.dataValidation)


def test_cli_imports_and_reverts_a_reference_layout(demo, tmp_path):
    runner = demo.test_cli_runner()
    path = write_csv(tmp_path / "targets.csv", TARGET_HEADER, [["ease", "", "Disaster Helpline", "FY2028", 4, 4, 3.6]])
    dry = json.loads(runner.invoke(args=["import", str(path), "--dry-run", "--json"]).output)
    assert dry["format"] == "targets" and dry["inserted"] == 1 and dry["batch"] is None
    done = runner.invoke(args=["import", str(path), "--json"])
    payload = json.loads(done.output)
    assert done.exit_code == 0 and payload["inserted"] == 1
    with demo.app_context():
        change = db.session.scalar(sa.select(ImportRowChange).where(ImportRowChange.batch_id == payload["batch"]))
        assert change.table_name == "targets" and change.after["amber_at"] == 3.6
    reverted = runner.invoke(args=["revert", str(payload["batch"])])
    assert reverted.exit_code == 0 and "1 row deleted, 0 restored." in reverted.output
    bad = write_csv(tmp_path / "bad.csv", TARGET_HEADER, [["ease", "", "Disaster Helpline", "FY2028", 4, 3, 3.6]])
    rejected = runner.invoke(args=["import", str(bad), "--json"])
    assert rejected.exit_code != 0
    error = json.loads(rejected.output)["errors"][0]
    assert error["column"] == "Amber threshold" and error["row"] == 2 and error["value"] == 3.6


def test_every_reference_format_is_registered_with_a_sink():
    from importers.formats.registry import SINKS

    for fmt in REFERENCE_FORMATS:
        assert FORMATS[fmt.name] is fmt and fmt.sink in SINKS


# --------------------------------------------------------------------------------- web

def test_web_preview_confirm_and_revert_of_targets(demo, client_as):
    from tests.helpers import post, upload, workbook_bytes

    demo.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    with demo.app_context():
        before = count(Target)
    content = workbook_bytes([TARGET_HEADER, ["ease", None, "Disaster Helpline", "FY2028", 4.1, 4.1, 3.8]])
    batch_id = upload(analyst, content, name="targets.xlsx")
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "previewed" in page and "target ease" in page and "program Disaster Helpline" in page
    assert "amber_at: 3.8" in page
    with demo.app_context():
        assert count(Target) == before, "a preview writes nothing"
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        assert db.session.get(ImportBatch, batch_id).status.value == "committed" and count(Target) == before + 1
    assert post(analyst, f"/imports/{batch_id}/revert").status_code == 302
    with demo.app_context():
        assert count(Target) == before


def test_web_upload_of_commitments_by_an_analyst_fails_with_the_reason(demo, client_as):
    from tests.helpers import upload, workbook_bytes

    demo.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    batch_id = upload(analyst, workbook_bytes([COMMITMENT_HEADER[:4], ["CFO", "Anything", "on_track", None]]))
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status.value == "failed" and "may import commitments" in batch.message
        assert commitment("Anything") is None


@pytest.mark.parametrize("later", ["commitment link", "target"])
def test_a_program_the_import_created_and_others_since_name_is_not_reverted_from_under_them(demo, tmp_path, later):
    """Reverting an org import deleted its new program and, by their cascade, the links a commitment saved on the
    web had to it (an association table has no id, so it was not checked), and left a later target naming
    the deleted program by its scope. Both refuse the revert now, and nothing changes."""
    rows = [[AGENCY, "Veterans Outreach Office", None, "yes", "Outreach Hotline", "DPS-VOO-HOT", None]]
    with demo.app_context():
        created = run_import(db.session, write_xlsx(tmp_path / "org.xlsx", ORG_HEADER, rows))
        assert created.status == "imported", created.errors
        hotline = db.session.scalar(sa.select(Program).where(Program.name == "Outreach Hotline"))
        if later == "commitment link":
            tied = db.session.scalar(sa.select(Commitment).order_by(Commitment.id))
            tied.programs.append(hotline)
            words = r"1 link in commitments' programs that the import did not write; reverting would delete it as well"
        else:
            trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
            db.session.add(Target(metric=trust, scope_type=ScopeType.program, scope_id=hotline.id, fiscal_year=2028,
                                  target=4.0, green_at=4.0, amber_at=3.7))
            words = r"1 target that the import did not write; reverting would leave it naming a row that is no"
        db.session.commit()
        before = snapshot()
        with pytest.raises(RevertError, match=rf"program #\d+ \('Outreach Hotline'\), which batch \d+ created, "
                                              rf"now has {words}"):
            revert_batch(db.session, created.batch_id)
        db.session.rollback()
        db.session.expire_all()
        assert snapshot() == before


def test_a_program_name_of_words_is_likened_to_names_not_to_codes_sharing_a_word(demo):
    """"Nope Program" was answered "closest: 'PG-PROGRAM-8' (Contacting the Trust Beneficiary contact center),
    'PG-PROGRAM-7' ...": the performance.gov services' codes share the word. A name of words is likened to
    names; a code is still likened to codes."""
    from importers.resolve import Directory, Unknown

    with demo.app_context():
        component = db.session.scalar(sa.select(Component).order_by(Component.id))
        for k, name in ((7, "Contacting the Trust Beneficiary call center"), (8, "Applying for a passport"),
                        (9, "Reporting a lost card")):
            db.session.add(Program(component=component, code=f"PG-PROGRAM-{k}", name=name))
        db.session.flush()
        directory = Directory(db.session)
        with pytest.raises(Unknown) as nope:
            directory.program("Nope Program")
        with pytest.raises(Unknown) as misspelt:
            directory.program("Benefit Call Centre")
        with pytest.raises(Unknown) as code:
            directory.program("PG-PROGRAM-99")
        with pytest.raises(Unknown) as spaced:
            directory.program("PG PROGRAM 8x")  # a code typed with spaces for its hyphens is still likened
    assert "closest: 'PG-PROGRAM-8' (" in str(spaced.value), str(spaced.value)
    assert "PG-PROGRAM" not in str(nope.value), str(nope.value)
    assert "closest: 'Benefits Call Center' (" in str(misspelt.value)
    assert "closest: 'PG-PROGRAM-9" in str(code.value), str(code.value)
