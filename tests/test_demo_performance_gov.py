"""`scorecard demo` also loads the real performance.gov files, from the package's own copy,
through the import pipeline; a second run changes nothing."""
import csv

import sqlalchemy as sa

from importers.demo import DATA_DIR, DEMO_FILES
from scorecard.demo import TOUCHPOINTS_FORMAT
from scorecard.extensions import db
from scorecard.models import Agency, BatchStatus, ImportBatch, Observation, Program
from tests.conftest import COLLECTIONS_CSV, TRUST_CSV

TRUST_COUNTS = ("strongly_disagree_num", "disagree_num", "neutral_num", "agree_num", "strongly_agree_num")
COLLECTION_COUNTS = tuple(f"attributes_q{q}_{k}" for q in range(1, 12) for k in range(1, 6))


def _published() -> tuple[dict[str, str], set[str]]:
    """Both packaged files as published, in the order the demo loads them: organization id -> name
    (organisations where a provider is first published: every service listed is filed, one whose surveys
    asked nothing too, to count as not reporting), and the ids of the services with at least one answer (a
    few rows report only empty surveys). A provider published later under another organisation (Fish and
    Wildlife Service) keeps its first placement."""
    organizations, services, placed = {}, set(), {}
    for name, prefix, counts in zip(DEMO_FILES, ("", "attributes_"), (TRUST_COUNTS, COLLECTION_COUNTS)):
        with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                org = row[prefix + "organization_id"].strip()
                provider = placed.setdefault(row[prefix + "service_provider_id"].strip(), org)
                if provider == org:
                    organizations[org] = row[prefix + "organization_name"].strip()
                if any(float(row[c] or 0) for c in counts):
                    services.add(row[prefix + "service_id"].strip())
    return organizations, services


def _state():
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return (count(Agency), count(Observation), count(ImportBatch),
            db.session.scalar(sa.select(sa.func.sum(Observation.value))),
            db.session.scalar(sa.select(sa.func.sum(Observation.n))))


def test_the_package_holds_the_published_files_unchanged():
    assert (TRUST_CSV.name, COLLECTIONS_CSV.name) == DEMO_FILES
    for shared in (TRUST_CSV, COLLECTIONS_CSV, TRUST_CSV.parent / "README.md"):
        assert (DATA_DIR / shared.name).read_bytes() == shared.read_bytes()


def test_demo_loads_real_agencies_with_observations_once(app, runner, cli_demo):
    assert cli_demo.count("performance.gov ") == 2 and "inserted" in cli_demo
    assert ("fws.gov' is also published under US Fish and Wildlife; its first placement, "
            "under Department of the Interior, was kept") in cli_demo
    organizations, services = _published()
    assert len(organizations) >= 15 and len(services) >= 40
    with app.app_context():
        batches = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id)).all()
        own = [b for b in batches if b.format == TOUCHPOINTS_FORMAT]  # the demo agency's v2 survey, imported first
        assert own and batches[:len(own)] == own and {b.status for b in own} == {BatchStatus.committed}
        assert [(b.format, b.status) for b in batches[len(own):]] == [
            ("performance-gov-trust", BatchStatus.committed), ("performance-gov-collections", BatchStatus.committed)]
        agencies = {a.external_id: a for a in db.session.scalars(sa.select(Agency))}
        assert "DPS" in {a.code for a in agencies.values()}  # the synthetic demo agency is still there
        assert {key for key in agencies if key} == {f"pg-agency-{org_id}" for org_id in organizations}
        for org_id, name in organizations.items():
            assert agencies[f"pg-agency-{org_id}"].name == name
        # Every service with answers has observations, under a real agency.
        observed = dict(db.session.execute(
            sa.select(Program.external_id, sa.func.count(Observation.id))
            .join(Observation, Observation.program_id == Program.id)
            .join(Agency, Agency.id == Observation.agency_id)
            .where(Agency.external_id.is_not(None)).group_by(Program.external_id)).all())
        assert set(observed) == {f"pg-program-{service_id}" for service_id in services}
        veterans = agencies["pg-agency-2129"]
        assert veterans.name == "Department of Veterans Affairs"
        assert db.session.scalar(sa.select(sa.func.count()).where(Observation.agency_id == veterans.id)) > 100
        first = _state()

    retired = runner.invoke(args=["rules", "retire", "stale-commitment"])
    assert retired.exit_code == 0, retired.output
    with app.app_context():
        first = _state()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "Demo data already present" in again.output
    assert "Rules: left as they are" in again.output, (
        "run again (make run runs it at every start) it published the default pack over an administrator's "
        "rules, and brought the retired one back")
    with app.app_context():
        from scorecard.models import Rule, RuleStatus, RuleVersion

        statuses = db.session.scalars(sa.select(RuleVersion.status).join(Rule)
                                      .where(Rule.key == "stale-commitment")).all()
        assert RuleStatus.published not in statuses and RuleStatus.retired in statuses, statuses
    assert again.output.count("already imported") == 2 and "nothing changed" in again.output
    with app.app_context():
        assert _state() == first


def test_a_demo_whose_first_load_was_cut_short_gets_its_rules_when_run_again(app, runner, cli_demo):
    """A first `scorecard demo` stopped after the agency was saved (Ctrl-C during its imports) left no rule:
    run again, it said the rules were left as they were, and nothing ever had a status."""
    from scorecard.models import Finding, Rule, RuleVersion

    with app.app_context():
        for model in (Finding, RuleVersion, Rule):  # as if the first load had stopped before the rules
            db.session.execute(sa.delete(model))
        db.session.commit()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "Rules: default pack of 8 rules published (8 new or changed)" in again.output
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(Finding))
        assert found > 0
        db.session.execute(sa.delete(Finding))  # cut short after the pack was published: rules, no findings
        db.session.commit()
    evaluated = runner.invoke(args=["demo"])
    assert f"Rules: left as they are, and evaluated (none had been): {found:,} findings." in evaluated.output, (
        evaluated.output)


def test_a_demo_run_again_leaves_a_later_import_of_the_same_rows_as_it_is(app, runner, cli_demo, tmp_path):
    """An analyst corrected some of the collections file's answer counts (imported and confirmed); `scorecard
    demo` run again imported the packaged file over them, printing "nothing changed"."""
    from importers.pipeline import run_import

    source = DATA_DIR / "omb-cx-reporting-collections-fy2021.csv"
    with open(source, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    counted = next(row for row in rows if (row["attributes_q1_4"] or "0") != (row["attributes_q1_5"] or "0"))
    counted["attributes_q1_4"], counted["attributes_q1_5"] = counted["attributes_q1_5"], counted["attributes_q1_4"]
    answers = [int(float(counted[f"attributes_q1_{k}"] or 0)) for k in range(1, 6)]  # the mean it publishes, too
    counted["attributes_q1_point_scale"] = f"{sum(k * a for k, a in enumerate(answers, 1)) / sum(answers):.1f}"
    corrected = tmp_path / "collections-corrected.csv"
    with open(corrected, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with app.app_context():
        result = run_import(db.session, corrected)
        assert result.status == "imported" and result.plan.counts["updated"] >= 1, result.message
        after_correction = _state()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert again.output.count("already imported as batch") == 2 and "left as it stands" in again.output
    with app.app_context():
        assert _state() == after_correction, "the analyst's counts stay, and no batch is added"


def test_a_demo_run_again_names_the_batch_that_holds_a_file_imported_again(app, runner, cli_demo):
    """The packaged file reverted and imported again: `scorecard demo` said it was "already imported as batch 2
    (reverted)", where the later batch holds it."""
    from importers.pipeline import run_import
    from importers.revert import revert_batch

    with app.app_context():
        first = db.session.scalar(sa.select(ImportBatch.id).where(ImportBatch.filename == DEMO_FILES[1],
                                                                  ImportBatch.status == BatchStatus.committed))
        revert_batch(db.session, first)
        again = run_import(db.session, DATA_DIR / DEMO_FILES[1])
        assert again.status == "imported", again.message
    said = runner.invoke(args=["demo"])
    assert said.exit_code == 0, said.output
    assert f"{DEMO_FILES[1]}: already imported as batch {again.batch_id} (committed)" in said.output, said.output

