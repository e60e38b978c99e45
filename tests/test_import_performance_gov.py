"""The real performance.gov files go in as published: each survey's slots q1..q7 are its A-11
driver scores with the published point scales (the driver rule, scorecard/driver_rule.py), both
layouts agree on every survey they share, and re-importing changes nothing."""
import csv
import shutil

import pytest
import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.formats.observation_formats import channel_name
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


SLOTS = ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee")
PLACEHOLDERS = ("", "none", "n/a", "no question")
# The one published swap (performance.gov data README): IRS asked trust in q1 and satisfaction in q2.
SWAPS = {("16", "FY2021-Q2", "computer", "IRS.gov — Random selection after visiting any IRS.gov PUP page on a "
          "computer. 50/50 split of being presented with main survey or beta survey"): {1: "trust", 2: "satisfaction"}}


def _touchpoint(provided, point):
    return " — ".join(p.strip() for p in (provided, point) if p.strip())


def _scores():
    """{(service id, period, channel, touchpoint, driver): (point scale of the counts, n, question)}."""
    rows = db.session.execute(
        sa.select(Program.external_id, Observation.period, Observation.channel, Observation.touchpoint, Metric.code,
                  Observation.value, Observation.n, Observation.question_text)
        .join(Program, Observation.program_id == Program.id).join(Metric)).all()
    scores = {}
    for external_id, period, channel, touchpoint, driver, value, n, question in rows:
        key = (external_id.removeprefix("pg-program-"), period, channel, touchpoint, driver)
        assert key not in scores, key  # a survey answers each driver at most once
        scores[key] = (None if value is None else round(value, 2), n, question)
    return scores


def _published_collections():
    """{(service, period, channel, touchpoint, driver): (published point scale, n, question)} by the slot,
    with the published swap, from the file as published; q8..q11 are never a driver score."""
    published = {}
    for row in _rows(COLLECTIONS_CSV):
        p = "attributes_"
        survey = (row[p + "service_id"], f"FY{row[p + 'collection_year']}-Q{row[p + 'collection_quarter']}",
                  channel_name(row[p + "channel"].strip()),
                  _touchpoint(row[p + "service_provided"], row[p + "transaction_point"]))
        for q, driver in enumerate(SLOTS, start=1):
            driver = SWAPS.get(survey, {}).get(q, driver)
            text = row[f"{p}q{q}_text"].strip()
            counts = [_num(row[f"{p}q{q}_{k}"]) for k in range(1, 6)]
            if not text and not sum(counts):
                continue  # an unused slot
            scale = row[f"{p}q{q}_point_scale"]
            published[survey + (driver,)] = (round(float(scale), 2) if sum(counts) else None, sum(counts),
                                             None if text.lower() in PLACEHOLDERS else text)
    return published


def _published_trust(fiscal_year=None):
    published = {}
    for row in _rows(TRUST_CSV):
        if fiscal_year and row["fiscal_year"] != fiscal_year:
            continue
        survey = (row["service_id"], f"FY{row['fiscal_year']}-Q{row['quarter']}", channel_name(row["channel"].strip()),
                  _touchpoint(row["service_provided"], row["transaction_point"]))
        text, counts = row["question_text"].strip(), [_num(row[c]) for c in COUNT_NAMES]
        if not text and not sum(counts):
            continue
        driver = SWAPS.get(survey, {}).get(2, "trust")
        published[survey + (driver,)] = (round(float(row["point_scale"]), 2) if sum(counts) else None, sum(counts),
                                         None if text.lower() in PLACEHOLDERS else text)
    return published


def _snapshot():
    return db.session.execute(sa.select(Observation.id, Observation.value, Observation.n, Observation.count_1,
                                        Observation.count_5, Observation.touchpoint).order_by(Observation.id)).all()


def test_trust_file_scores_match_the_published_point_scale(app):
    with app.app_context():
        result = run_import(db.session, TRUST_CSV)
        assert result.status == "imported", result.errors[:5]
        assert result.format == "performance-gov-trust"
        published = _published_trust()
        assert _scores() == published
        assert sum(1 for scale, n, _ in published.values() if n) == 446
        listed = {r["organization_id"] for r in _rows(TRUST_CSV)}
        # One provider (Fish and Wildlife Service) is published under two organisations; the first
        # placement is kept and the second organisation is not created empty.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == len(listed) - 1
        # Every service the file lists is filed, those whose every survey asked nothing too (CBP's contact
        # center, OneRD, USAID awards: a HISP's services, expected to report): they were left out, and the
        # compliance page counted 42 programs designated where the file lists 45.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == len(
            {r["service_id"] for r in _rows(TRUST_CSV)}) == 45
        silent = db.session.scalars(sa.select(Program.name).where(~Program.id.in_(
            sa.select(Observation.program_id).where(Observation.program_id.is_not(None))))).all()
        assert sorted(silent) == ["Competing for USAID awards", "Contacting the CBP contact center",
                                  "Filing an application under the OneRD Guarantee Loan Initiative"], silent
        from dashboards.queries.compliance import compliance
        quarters = {q.period: (q.reported, q.designated) for q in compliance(db.session, "FY2023-Q1", 9).quarters}
        # a HISP's program that never reported counts as designated in every quarter shown (the page's rule)
        assert quarters["FY2023-Q1"] == (31, 45) and quarters["FY2021-Q2"] == (20, 25), quarters
        # Every row is accounted for: the 10 whose trust question has no text and no answers (a survey
        # that did not ask it) are listed, by file row, not dropped unseen.
        asked_nothing = [i for i, r in enumerate(_rows(TRUST_CSV), start=2)
                         if not r["question_text"].strip() and not sum(_num(r[c]) for c in COUNT_NAMES)]
        assert len(asked_nothing) == 10
        assert sorted(n["row"] for n in result.plan.driver_notes if n["note"] == "not asked") == asked_nothing
        assert result.plan.counts["inserted"] + len(asked_nothing) == len(_rows(TRUST_CSV))
        assert ("10 survey rows with no question asked (no text, no answers), so no score imported from them (their "
                "services are filed, to count as not reporting)") in result.message
        # performance.gov's own compliance flag is not imported, and the preview says so: the compliance page
        # reads "reported" for a quarter it flags FALSE (USCIS's contact center, FY2021-Q1)
        told = [w for w in result.warnings if "\u201crating\u201d" in w]
        assert len(told) == 1 and "compliance flag (TRUE, PARTIAL or FALSE), is not imported" in told[0], told
        assert any(w.startswith("Column \u201creflection\u201d") for w in result.warnings), result.warnings


def test_collections_file_scores_are_the_published_slots(app):
    """Every slot q1..q7 is its driver's score with the published point scale (the IRS swap aside)."""
    with app.app_context():
        result = run_import(db.session, COLLECTIONS_CSV)
        assert result.status == "imported", result.errors[:5]
        assert result.format == "performance-gov-collections"
        scores = _scores()
        assert scores == _published_collections()
        assert sum(1 for value, n, _ in scores.values() if n) > 900
        # Passport Services FY2021-Q2 by phone: q1 and q3 both ask about satisfaction, yet only q1 is
        # the satisfaction score, and n is q1's respondents, not q1 + q3.
        passport = next(r for r in _rows(COLLECTIONS_CSV) if r["attributes_service_id"] == "25"
                        and r["attributes_collection_quarter"] == "2" and r["attributes_channel"] == "automated_phone")
        key = ("25", "FY2021-Q2", "automated phone", _touchpoint(passport["attributes_service_provided"],
                                                       passport["attributes_transaction_point"]))
        assert scores[key + ("satisfaction",)][1] == sum(_num(passport[f"attributes_q1_{k}"]) for k in range(1, 6))
        assert scores[key + ("effectiveness",)][2] == passport["attributes_q3_text"].strip()


@pytest.mark.parametrize("order", [(COLLECTIONS_CSV, TRUST_CSV), (TRUST_CSV, COLLECTIONS_CSV)],
                         ids=["collections-first", "trust-first"])
def test_both_layouts_give_the_same_driver_scores_in_either_order(app, order):
    """Every service x quarter x driver score the two files share agrees, whichever is imported first
    (each order on its own fresh database): the second import finds every shared survey unchanged,
    and the shared scores are the published ones, so both orders agree with each other."""
    trust_2021 = _published_trust("2021")
    shared = set(trust_2021)
    assert len(shared) == 184 and shared <= set(_published_collections())
    with app.app_context():
        first, second = (run_import(db.session, path) for path in order)
        assert first.status == second.status == "imported"
        assert second.plan.counts["updated"] == 0
        scores = _scores()
        assert {key: scores[key] for key in shared} == trust_2021


def test_the_summary_lists_swaps_and_non_standard_wordings(app):
    with app.app_context():
        result = run_import(db.session, COLLECTIONS_CSV)
        notes = result.plan.driver_notes
        swaps = {(n["program"], n["period"], n["slot"], n["driver"]) for n in notes if n["note"] == "swapped"}
        assert swaps == {("Visiting IRS.gov", "FY2021-Q2", 1, "trust"),
                         ("Visiting IRS.gov", "FY2021-Q2", 2, "satisfaction")}
        assert "q1 counted as trust" in result.message and "q2 counted as satisfaction" in result.message
        non_standard = [n for n in notes if n["note"] == "non-standard wording"]
        assert (f"{len(non_standard)} questions with answer counts kept under their slot's driver with "
                "non-standard wording" in result.message)
        assert "questions reported without counts (no score), whatever their wording" in result.message
        deeoic = [n for n in non_standard if n["slot"] == 3 and n["question"].startswith("Overall, how satisfied")]
        assert deeoic and all(n["driver"] == "effectiveness" and n["reads_as"] == "satisfaction" for n in deeoic)
        beyond = [n for n in notes if n["note"] == "not pooled"]
        assert beyond and all(n["slot"] > 7 and n["driver"] is None for n in beyond)
        assert payload_keys(result) >= {"driver_notes"}


def payload_keys(result):
    return set(result.as_json())


def test_reimporting_the_same_files_changes_nothing(app, tmp_path):
    with app.app_context():
        for path in (TRUST_CSV, COLLECTIONS_CSV):
            assert run_import(db.session, path).status == "imported"
        before = _snapshot()
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
        for path in (TRUST_CSV, COLLECTIONS_CSV):
            again = run_import(db.session, path)
            assert again.status == "duplicate" and "already imported" in again.message
        assert _snapshot() == before
        # The same data in a file with other bytes (a re-download) plans no change at all.
        copy = tmp_path / "trust-again.csv"
        shutil.copyfile(TRUST_CSV, copy)
        with copy.open("a", encoding="utf-8") as handle:
            handle.write("\n")
        result = run_import(db.session, copy)
        assert result.status == "imported"
        assert result.plan.counts["inserted"] == 0 and result.plan.counts["updated"] <= 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches + 1


def _one_row_file(path, source, **changes):
    """`source`'s header and first row, with `changes` to its cells, as a CSV at `path`."""
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        row = {**next(reader), **changes}
        fields = reader.fieldnames
    return _write_rows(path, [row], fields)


def _write_rows(path, rows, fields=None):
    """`rows` (dicts) as a CSV at `path`, under their keys (or `fields`) as the header."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("source, column, value, message", [
    (TRUST_CSV, "channel", "c" * 100, "a channel's name is at most 64 characters; this one has 100"),
    (TRUST_CSV, "service_name", "S" * 400, "400 characters long; at most 300 fit"),
    (TRUST_CSV, "service_provider_name", "P" * 300, "300 characters long; at most 200 fit"),
    (TRUST_CSV, "organization_name", "O" * 300, "300 characters long; at most 200 fit"),
    (TRUST_CSV, "service_id", "9" * 80, "an id has at most 18 digits; this one has 80"),
    (TRUST_CSV, "service_id", "12.5", "'12.5' is not an id"),
    (TRUST_CSV, "strongly_agree_num", str(2 * 10**9), "at most 1,000,000,000"),
    (COLLECTIONS_CSV, "attributes_channel", "c" * 65, "a channel's name is at most 64 characters"),
    (COLLECTIONS_CSV, "attributes_organization_abbreviation", "A" * 33, "33 characters long; at most 32 fit"),
    # one answer count left out beside the others was read as 0 and moved the mean without a word
    (TRUST_CSV, "strongly_disagree_num", "N/A", "this answer count is empty while the question's other answer"),
    (TRUST_CSV, "neutral_num", "", "this answer count is empty while the question's other answer counts are given"),
    (COLLECTIONS_CSV, "attributes_q1_1", "-", "this answer count is empty while the question's other answer"),
    # a question over 4,000 characters was stored, where the metrics layout and the API refuse it
    (TRUST_CSV, "question_text", "Q" * 4001, "at most 4,000 characters, not 4,001"),
    (COLLECTIONS_CSV, "attributes_q3_text", "Q" * 9000, "at most 4,000 characters, not 9,000"),
], ids=lambda v: str(v)[:24] if not str(v).startswith("/") else None)
def test_values_too_long_or_large_for_their_columns_are_refused_at_the_preview(app, tmp_path, source, column,
                                                                                value, message):
    path = _one_row_file(tmp_path / "hostile.csv", source, **{column: value})
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
        result = run_import(db.session, path, dry_run=True)
        assert result.status == "rejected", result.status
        found = [e for e in result.errors if e["column"] == column]
        assert found and message in found[0]["message"] and found[0]["row"] == 2, result.errors
        assert run_import(db.session, path).status == "rejected"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == 0, "nothing created"


def test_an_id_is_read_exactly_as_its_digits(app, tmp_path):
    path = _one_row_file(tmp_path / "id.csv", TRUST_CSV, service_id="123456789012345678")
    with app.app_context():
        assert run_import(db.session, path).status == "imported"
        assert db.session.scalar(sa.select(Program.external_id)) == "pg-program-123456789012345678"


def test_a_revert_says_what_the_batch_created_and_keeps_it(app):
    from importers.revert import revert_batch
    from scorecard.models import Program

    with app.app_context():
        result = run_import(db.session, TRUST_CSV)
        created = result.plan.created
        assert created["programs"] > 0
        programs = db.session.scalar(sa.select(sa.func.count()).select_from(Program))
        summary = revert_batch(db.session, result.batch_id)
        assert summary["kept"] == created and summary["deleted"] == result.plan.counts["inserted"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == programs


def test_the_revert_page_says_the_program_created_is_kept(demo, client_as, tmp_path):
    from tests.helpers import csrf_token, post, upload

    demo.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    path = _one_row_file(tmp_path / "one.csv", TRUST_CSV, service_id="987654321", service_name="A Brand New Service")
    batch_id = upload(analyst, path.read_bytes(), name="one.csv")
    post(analyst, f"/imports/{batch_id}/confirm")
    with demo.app_context():
        assert db.session.get(ImportBatch, batch_id).preview["created"]["programs"] == 1
    dry = demo.test_cli_runner().invoke(args=["revert", "--dry-run", str(batch_id)])
    assert dry.exit_code == 0 and dry.output.strip() == (
        f"Batch {batch_id} can be reverted: 1 row would be deleted, 0 restored. What it created would be kept, as "
        "other data may name it now: 1 agency, 1 component, 1 program. Nothing was changed."), dry.output
    # said before the click too (it was said only once the revert had run)
    asked = analyst.get(f"/imports/{batch_id}/revert").get_data(as_text=True)
    assert ("What it created would be kept, as other data may name it now: 1 agency, 1 component, 1 program. A "
            "program kept without results is still listed" in " ".join(asked.split())), asked
    token = csrf_token(asked)
    page = analyst.post(f"/imports/{batch_id}/revert", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert ("1 row removed, 0 restored. What it created is kept, as other data may name it now: 1 agency, "
            "1 component, 1 program." in page)


def test_a_preview_of_many_survey_notes_counts_them_all_and_keeps_the_swaps(demo, client_as, tmp_path):
    """Three years of the collections file hold over 2,000 notes of the driver rule: the page said "How survey
    questions were counted (1000)" and "First 200 of 1000 shown", and it kept the first 1,000 by row, so the
    IRS swap of the third year was on no page. It says how many there are, and keeps the swaps first."""
    import re

    from tests.helpers import upload, write_xlsx

    demo.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    rows = _rows(COLLECTIONS_CSV)
    years = [{**row, "id": f"{row['id']}{year}", "attributes_collection_year": year}
             for year in ("2021", "2022", "2023") for row in rows]
    path = write_xlsx(tmp_path / "three-years.xlsx", list(years[0]), [list(row.values()) for row in years])
    page = analyst.get(f"/imports/{upload(analyst, path.read_bytes(), name='three-years.xlsx')}").get_data(as_text=True)
    total = int(re.search(r"How survey questions were counted \(([\d,]+)\)", page).group(1).replace(",", ""))
    assert total > 2000
    assert f"The first 200 of the {total:,} are shown, swaps first; the import summary counts them all." in page
    notes = page[page.index("What the driver rule did"):]
    assert re.search(r"Visiting IRS\.gov, FY2023-Q2, computer</td>\s*<td>q1</td><td>trust</td>\s*<td>swapped", notes)


def test_a_batch_that_created_nothing_in_the_end_keeps_nothing_on_revert(demo, client_as, tmp_path):
    """Two previews of the same new service: the one confirmed first creates it; reverting the other
    does not claim to keep it."""
    from tests.helpers import csrf_token, post, upload

    demo.config["IMPORTS_INLINE"] = True
    analyst = client_as("analyst")
    web = _one_row_file(tmp_path / "web.csv", TRUST_CSV, service_id="987654322", service_name="Another New Service",
                        channel="web")
    phone = _one_row_file(tmp_path / "phone.csv", TRUST_CSV, service_id="987654322",
                          service_name="Another New Service", channel="phone")
    a, b = upload(analyst, web.read_bytes(), name="web.csv"), upload(analyst, phone.read_bytes(), name="phone.csv")
    post(analyst, f"/imports/{b}/confirm")
    post(analyst, f"/imports/{a}/confirm")
    with demo.app_context():
        assert db.session.get(ImportBatch, a).status.value == "committed"
        assert "created" not in db.session.get(ImportBatch, a).preview
    token = csrf_token(analyst.get("/imports/").get_data(as_text=True))
    page = analyst.post(f"/imports/{a}/revert", data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True)
    assert "1 row removed, 0 restored." in page and "What it created is kept" not in page


def _as_excel_saves_it(source, target):
    """The CSV opened in Excel and saved as a workbook: every cell that reads as a number is stored as
    one (Excel keeps numbers as floating point: a fiscal year 2021 is 2021.0 to a reader)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(source.stem[:31])
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        cells = []
        for text in row:
            try:
                cells.append(float(text) if text.strip() and text.strip().lower() not in ("nan", "inf") else text)
            except ValueError:
                cells.append(text)
        sheet.append(cells)
    book.save(target)
    return target


@pytest.mark.parametrize("source", [TRUST_CSV, COLLECTIONS_CSV], ids=["trust", "collections"])
def test_the_real_files_saved_from_excel_read_as_the_csv(app, tmp_path, source):
    """Numbers stored as numbers: the years and quarters, ids and counts. The workbook is the same
    data: after the CSV, it changes nothing."""
    workbook = _as_excel_saves_it(source, tmp_path / f"{source.stem}.xlsx")
    with app.app_context():
        from_csv = run_import(db.session, source)
        assert from_csv.status == "imported", from_csv.errors[:3]
        assert from_csv.unknown_columns and not any("not read" in w for w in from_csv.warnings), \
            "the published columns it does not need are no reason to rename anything"
        again = run_import(db.session, workbook, dry_run=True)
        assert again.status == "would_import", again.errors[:3]
        counts = from_csv.plan.counts
        assert again.plan.counts == {"inserted": 0, "updated": 0,
                                     "unchanged": counts["inserted"] + counts["unchanged"], "removed": 0}


def test_years_and_quarters_written_as_decimals_read_as_whole_numbers(app, tmp_path):
    """A CSV written from a data frame holds them as "2021.0" and "2.0"."""
    rows = _rows(TRUST_CSV)[:3]
    for row in rows:
        row["fiscal_year"], row["quarter"] = f"{row['fiscal_year']}.0", f"{row['quarter']}.0"
    path = _write_rows(tmp_path / "decimals.csv", rows)
    with app.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "would_import" and result.plan.counts["inserted"] == 3, result.errors[:2]


def test_a_refused_quarter_is_named_by_the_files_own_columns_once_per_row(app, tmp_path):
    rows = _rows(COLLECTIONS_CSV)[:3]
    rows[1]["attributes_collection_year"] = "2031"
    path = _write_rows(tmp_path / "future.csv", rows)
    with app.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected" and result.rejected == 1
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "attributes_collection_year and attributes_collection_quarter")]
    assert "fiscal_year=2031" in str(result.errors[0]["value"])

    from types import SimpleNamespace

    from importers.error_report import error_report
    from scorecard.storage import FolderStorage

    batch = SimpleNamespace(errors=result.errors, stored_path=path.name, options={}, format=None)
    report = error_report(batch, store=FolderStorage(tmp_path))
    [row] = report.rows
    assert row.bad == {"attributes_collection_year", "attributes_collection_quarter"}, (
        "errors.xlsx marks both cells the quarter is made of")


def test_a_touchpoint_spelt_with_other_spaces_is_the_survey_stored_not_a_second_one(app, tmp_path):
    """A re-saved file whose touchpoint has a non-breaking space or two spaces in it was stored as a second
    survey beside the first, and the quarter pooled both: the program's trust had twice its respondents.
    Also the double space the published file itself holds, now written once."""
    rows = _rows(TRUST_CSV)[:3]
    rows[0]["transaction_point"] = rows[0]["transaction_point"].replace(" ", "\u00a0")
    rows[1]["service_provided"] = rows[1]["service_provided"].replace(" ", "  ", 1)
    spaced = next(row for row in _rows(TRUST_CSV) if "  " in row["service_provided"] + row["transaction_point"])
    spaced = {**spaced, "service_provided": " ".join(spaced["service_provided"].split()),
              "transaction_point": " ".join(spaced["transaction_point"].split())}
    path = _write_rows(tmp_path / "resaved.csv", rows + [spaced])
    with app.app_context():
        assert run_import(db.session, TRUST_CSV).status == "imported"
        before = _snapshot()
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors[:3]
        assert result.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 4, "removed": 0}
        assert _snapshot() == before
    twice = _write_rows(tmp_path / "twice.csv", [_rows(TRUST_CSV)[0], rows[0]])
    with app.app_context():
        result = run_import(db.session, twice, dry_run=True)
    assert result.status == "rejected"
    key = "service_id, channel, fiscal_year, quarter, service_provided, transaction_point"
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, key)], "the file's own columns: it has no metric"
    assert "as row 2" in result.errors[0]["message"]


def test_a_survey_given_twice_in_the_wide_layout_is_said_once_by_the_files_own_key_columns(app, tmp_path):
    """A row of the collections file given again was refused once per survey question (seven times), each
    "column metric" (the file has none) with the question's driver as its value, and errors.xlsx marked nothing."""
    rows = _rows(COLLECTIONS_CSV)[:30]
    path = _write_rows(tmp_path / "twice.csv", [*rows, rows[9]])
    with app.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected" and result.rejected == 1
    [error] = result.errors
    key = ["attributes_service_id", "attributes_channel", "attributes_collection_year", "attributes_collection_quarter",
           "attributes_service_provided", "attributes_transaction_point"]
    assert (error["row"], error["column"], error["value"]) == (32, ", ".join(key), None)
    assert error["message"].startswith("the same survey's results as row 11: ")

    from types import SimpleNamespace

    from importers.error_report import error_report
    from scorecard.storage import FolderStorage

    batch = SimpleNamespace(errors=result.errors, stored_path=path.name, options={}, format=None)
    [row] = error_report(batch, store=FolderStorage(tmp_path)).rows
    assert row.bad == set(key), "errors.xlsx marks the key's cells"


def test_a_trust_file_row_of_another_metric_category_is_refused_not_filed_as_trust(app, tmp_path):
    """The flattened file's rows are all 'trust'; an ease row in it was imported as trust without a word."""
    rows = _rows(TRUST_CSV)[:3]
    rows[1]["metric_category"] = "ease"
    rows[2]["metric_category"] = " Trust "
    path = _write_rows(tmp_path / "categories.csv", rows)
    with app.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.status == "rejected" and result.rejected == 1
    [error] = result.errors
    assert (error["row"], error["column"], error["value"]) == (3, "metric_category", "ease")
    assert "trust question only" in error["message"]


def test_a_preview_creating_organisations_writes_nothing_and_holds_no_one_up(app, tmp_path):
    """The collections file names 58 organisations this database does not have. Its preview plans them
    as new without writing them: on SQLite a first write would hold every other writer (an officer's
    save, another analyst's confirm) until the preview ends."""
    import sqlite3

    from scorecard.a11 import ensure_standard_metrics

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's one writer at a time; PostgreSQL's writers do not wait on a preview")
        ensure_standard_metrics(db.session)
        db.session.commit()
        programs = db.session.scalar(sa.select(sa.func.count()).select_from(Program))
        path = db.engine.url.database
        held = []

        def another_writer(stage, _rows):
            if stage.startswith("planning"):
                other = sqlite3.connect(path, timeout=0)
                try:
                    other.execute("CREATE TABLE IF NOT EXISTS preview_probe (x)")
                    other.execute("DROP TABLE preview_probe")
                    other.commit()
                except sqlite3.OperationalError as error:
                    held.append(str(error))
                finally:
                    other.close()

        result = run_import(db.session, COLLECTIONS_CSV, dry_run=True, progress=another_writer)
        assert result.status == "would_import" and result.plan.created == {"agencies": 15, "components": 21,
                                                                             "programs": 24}  # one asking nothing
        assert result.plan.counts["inserted"] == 1221 and held == []
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == programs
        assert run_import(db.session, COLLECTIONS_CSV).plan.created == result.plan.created, "the confirm creates them"


def test_two_new_organisations_of_one_name_are_told_apart_in_the_preview_and_the_confirm(app, tmp_path):
    """A file re-numbering an organisation (a new id, the same name) makes two new agencies of one name:
    the second is told apart by its id. The preview plans exactly what the confirm then does (it once
    said 'would import', and the confirm failed on the unique name)."""
    rows = _rows(TRUST_CSV)[:2]
    rows = [{**rows[0], "organization_id": "990001", "organization_name": "Agency Renumbered",
             "service_provider_id": "990011", "service_id": "990021"},
            {**rows[1], "organization_id": "990002", "organization_name": "Agency Renumbered",
             "service_provider_id": "990012", "service_id": "990022"}]
    path = _write_rows(tmp_path / "renumbered.csv", rows)
    with app.app_context():
        preview = run_import(db.session, path, dry_run=True)
        db.session.rollback()
        done = run_import(db.session, path)
        assert done.status == "imported", done.message
        assert (preview.plan.created, preview.plan.counts) == (done.plan.created, done.plan.counts)
        names = set(db.session.scalars(sa.select(Agency.name).where(Agency.name.like("Agency Renumbered%"))))
        assert names == {"Agency Renumbered", "Agency Renumbered (pg-agency-990002)"}


@pytest.mark.parametrize("source, dropped", [
    (COLLECTIONS_CSV, ("attributes_q1_4", "attributes_q1_5", "attributes_q1_point_scale")),
    (TRUST_CSV, ("agree_num", "strongly_agree_num")),
])
def test_a_published_file_without_some_of_a_questions_answer_counts_is_refused_at_its_header(app, tmp_path, source,
                                                                                              dropped):
    """q1's counts 4 and 5 taken out of the collections file: its q1 scores were read from three answers."""
    rows = [{k: v for k, v in row.items() if k not in dropped} for row in _rows(source)[:5]]
    path = _write_rows(tmp_path / "cut.csv", rows, [k for k in rows[0]])
    with app.app_context(), pytest.raises(ImportFileError, match="these columns come together"):
        run_import(db.session, path, dry_run=True)


def test_the_trust_file_uploaded_as_the_collections_layout_says_which_layout_it_looks_like(app, tmp_path):
    """Chosen as the collections layout, the real trust file was refused row by row (hundreds of errors) with
    no word that the layout chosen was the mistake."""
    with app.app_context():
        path = shutil.copy(TRUST_CSV, tmp_path / TRUST_CSV.name)
        result = run_import(db.session, path, format_name="performance-gov-collections", dry_run=True)
        assert result.status == "rejected" and result.rejected > 100
        assert "but the file looks like" in result.message and "(performance-gov-trust)" in result.message
        right = run_import(db.session, path, format_name="performance-gov-trust", dry_run=True)
        assert right.status == "would_import" and "looks like" not in (right.message or "")
