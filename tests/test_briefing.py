"""Briefing export from the overview: the PDF and the XLSX of a quarter and agency say what the
overview's queries say (tiles, what changed, red programs with the rules' explanations, overdue
commitments, leaders at risk), in the role's scope; the PDF is tagged (title, headings, tables
with header cells) and its text names the red programs and overdue commitments; the workbook has
a sheet per section with a frozen header; the job runs in the background reporting progress;
only the user who asked downloads the file; its state is on its row and its file in the upload
storage."""
import base64
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dashboards.briefing import content, jobs, pdf, xlsx
from dashboards.queries import common
from dashboards.queries import overview as queries
from scorecard import dispatch
from scorecard.a11 import ensure_standard_metrics
from scorecard.clock import in_zone
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    AuditEvent,
    BriefingJob,
    Commitment,
    CommitmentStatus,
    Component,
    Function,
    Leader,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    Role,
    Target,
    User,
)
from tests.helpers import CALLBACK_URL, at_once, callback_answer, callback_body, database_going_away

TODAY = date(2026, 8, 15)        # FY2026-Q4: the data ends with FY2026-Q3
NOW, PRIOR = "FY2026-Q3", "FY2026-Q2"
GREEN = [2, 3, 5, 30, 60]         # mean 4.43 of 100
RED_COUNTS = [15, 20, 25, 25, 15]  # mean 3.05 of 100
JOB = "overview-briefing-job.data"  # what the briefing callbacks write


def _observations(session, metric, program, period, counts):
    n = sum(counts)
    session.add(Observation(
        metric_id=metric.id, agency_id=program.component.agency_id, component_id=program.component_id,
        program_id=program.id, subject_key=f"program:{program.id}", period=period, channel="web",
        touchpoint="survey", n=n, value=sum((k + 1) * c for k, c in enumerate(counts)) / n,
        **{f"count_{k + 1}": c for k, c in enumerate(counts)}))


def build_agency(session) -> dict:
    """Two agencies; in the first, two red programs (one turned red this quarter), three green;
    two overdue commitments of the CFO, one complete and one not yet due; two leaders, one whose
    CX requirement rides on the red programs."""
    from scorecard.models.plans import requirement_programs  # noqa: F401  (the secondary table)
    from scorecard.rules.service import evaluate
    from scorecard.rules.store import default_pack, import_rules

    metrics = ensure_standard_metrics(session)
    cfo = session.scalar(sa.select(Function).where(Function.code == "CFO")) or Function(
        code="CFO", name="Chief Financial Officer")
    dept, other = Agency(code="TD", name="Test Department"), Agency(code="OD", name="Other Department")
    benefits = Component(agency=dept, code="BEN", name="Benefits", is_hisp=True)
    records = Component(agency=dept, code="REC", name="Records", is_hisp=True)
    far = Component(agency=other, code="FAR", name="Far Away", is_hisp=True)
    programs = {name: Program(component=component, code=code, name=name) for code, name, component in [
        ("P1", "Pension Claims", benefits), ("P2", "Disability Appeals", benefits),
        ("P3", "Survivor Benefits", benefits), ("P4", "Records Requests", records),
        ("P5", "Archive Search", records), ("P7", "Remote Permits", far)]}
    session.add_all([cfo, dept, other, *programs.values()])
    session.flush()
    for agency in (dept, other):
        for code in ("trust", "satisfaction"):
            session.add(Target(metric_id=metrics[code].id, scope_type="agency", scope_id=agency.id, fiscal_year=2026,
                               target=4.0, green_at=4.0, amber_at=3.7))
    red_now = {"Pension Claims", "Disability Appeals", "Remote Permits"}
    red_before = {"Disability Appeals", "Remote Permits"}
    for name, program in programs.items():
        for code in ("trust", "satisfaction"):
            _observations(session, metrics[code], program, PRIOR, RED_COUNTS if name in red_before else GREEN)
            _observations(session, metrics[code], program, NOW, RED_COUNTS if name in red_now else GREEN)
    stamp = datetime(2026, 5, 1, tzinfo=UTC)
    dana = Leader(name="Dana Reyes", email="dana@test.gov", title="Director, Benefits", component=benefits,
                  function=cfo)
    sam = Leader(name="Sam Ortiz", email="sam@test.gov", title="Director, Records", component=records)
    session.add_all([
        Commitment(function=cfo, leader=dana, title="Modernize the pension portal", status=CommitmentStatus.at_risk,
                   reason="Vendor delays.", due_date=date(2026, 6, 30), last_update_at=stamp),
        Commitment(function=cfo, title="Publish call-center scripts", status=CommitmentStatus.off_track,
                   reason="Staff shortage.", due_date=date(2026, 7, 31), last_update_at=stamp),
        Commitment(function=cfo, title="Close the audit finding", status=CommitmentStatus.complete,
                   due_date=date(2026, 5, 1), last_update_at=stamp),
        Commitment(function=cfo, title="Launch the chat channel", status=CommitmentStatus.on_track,
                   due_date=date(2026, 12, 31), last_update_at=stamp)])
    for leader, linked in ((dana, ["Pension Claims", "Disability Appeals"]), (sam, ["Records Requests"])):
        plan = PerformancePlan(leader=leader, fiscal_year=2026)
        element = PlanElement(plan=plan, name="Results Driven", weight=100, is_results_driven=True)
        element.requirements.append(PlanRequirement(text=f"Raise trust in {', '.join(linked)} to target.",
                                                    metric_id=metrics["trust"].id,
                                                    programs=[programs[n] for n in linked]))
        session.add(plan)
    session.commit()
    import_rules(session, default_pack(), publish=True)
    session.commit()
    evaluate(session, today=TODAY)
    session.commit()
    return {"agency_id": dept.id, "other_id": other.id}


@pytest.fixture
def agency(app):
    with app.app_context():
        return build_agency(db.session)


def _scope(role: str, function_id=None) -> common.Scope:
    return common.Scope(Role(role), function_id)


def _briefing(app, role="executive", agency_id=None, function_id=None):
    with app.app_context():
        scope = _scope(role, function_id)
        found = queries.overview(db.session, None, common.ProgramFilter(agency_id), scope, TODAY,
                                 min_n=app.config["SURVEY_MIN_N"])
        made = content.build(db.session, None, agency_id, scope, TODAY, min_n=app.config["SURVEY_MIN_N"],
                             prepared_for="executive@test.gov", base_url="http://localhost/")
        return found, made


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of white space (a wrapped cell's line ends) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _sheet(book, name) -> tuple[list, list[list]]:
    """A section sheet's header row and rows (below the line saying what the sheet is)."""
    rows = [list(r) for r in book[name].iter_rows(values_only=True)]
    return rows[1], rows[2:]


# ----------------------------------------------------------------------------- the workbook

def test_the_workbook_has_a_sheet_per_section_with_the_overviews_numbers(app, agency):
    found, made = _briefing(app, agency_id=agency["agency_id"])
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(made)))
    assert book.sheetnames == ["Contents", "glance", "changes", "red", "overdue", "leaders"]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A3", name
        assert book[name]["A1"].value.startswith("CX briefing: Test Department, FY2026-Q3. "), (
            "a sheet read alone says its agency and quarter")
    assert book["Contents"]["A1"].value == "CX briefing: Test Department, FY2026-Q3"
    overdue = made.section(content.OVERDUE).table.caption
    assert overdue.startswith("Overdue commitments as of ") and book["overdue"]["A1"].value.endswith(overdue), (
        "the section sheets dropped the tables' captions: the overdue sheet never said its as-of date")
    assert f"in FY{found.leaders.fiscal_year} plans" in book["leaders"]["A1"].value

    header, rows = _sheet(book, "glance")
    assert header == ["Measure", "Value", "Detail"]
    values = {measure: value for measure, value, _ in rows}
    trust, *others = found.scores  # FY2026 is A-11's v2 survey: trust is the share who trust, as on the tile
    assert values["Trust / confidence, agency-wide (% who trust)"] == round(trust.value, 1)
    for score in others:
        assert values[f"{score.name}, agency-wide (1-5)"] == round(score.value, 2)
    for status, count in found.statuses.counts.items():
        if count or status != "no_data":
            assert values[f"Programs {status.replace('_', ' ')}"] == count
    assert values["Programs red"] == 2 and values["Programs green"] == 3
    for row in found.commitments.rows:
        assert values[f"Commitments: {row.label.lower()}"] == row.count
    assert values["Commitments: overdue"] == 2
    assert values["Leaders with CX requirements proposed below 3"] == len(found.leaders.leaders) == 1
    assert values["A-11 reporting: programs that reported"] == found.reporting.reported
    # a text wider than its column wraps within it (Excel clipped a red program's reason and leaders at the next
    # column); a short one does not
    for name in book.sheetnames[1:]:
        sheet = book[name]
        for column in sheet.iter_cols(min_row=3):
            width = sheet.column_dimensions[column[0].column_letter].width
            for cell in column:
                if isinstance(cell.value, str) and len(cell.value) > width:
                    assert cell.alignment.wrap_text, (name, cell.coordinate, cell.value)
    notes = [row[2] for row in book["Contents"].iter_rows(min_row=5)]
    assert notes and all(cell.alignment.wrap_text for cell in notes)
    formats = {row[0].value: row[1].number_format for row in book["glance"].iter_rows(min_row=3)}
    assert formats["Programs red"] == "#,##0", "a count read 3.00 in Excel (the whole column was formatted 0.00)"
    assert formats["Trust / confidence, agency-wide (% who trust)"] == '0.0"%"', "79.9 read 79.90, not 79.9%"
    assert all(formats[f"{score.name}, agency-wide (1-5)"] == "#,##0.00" for score in others)

    header, rows = _sheet(book, "red")
    assert header == ["Program", "Component", "Trust (mean 1-5, judged against the target)", "Share who trust (%)", "n",
                      "Target", "Reason", "Leaders answering for it", "Commitments"], (
        "FY2026 is A-11's v2 survey: the share who trust beside the score the status is judged on")
    assert [r[0] for r in rows] == ["Disability Appeals", "Pension Claims"]  # Remote Permits is another agency's
    assert len(rows) == found.statuses.counts["red"]
    assert all(r[2] == 3.05 and r[4] == 100 and r[5] == 4.0 for r in rows)
    assert all(r[3] == 40.0 for r in rows), "RED_COUNTS: 40 of 100 answered 4 or 5"
    assert all("trust was 3.05" in r[6] and "red" in r[6] for r in rows), rows  # the findings' explanations
    assert book["red"]["A3"].hyperlink.target.startswith("http://localhost/dashboards/program?id=")

    header, rows = _sheet(book, "overdue")
    assert [r[0] for r in rows] == ["Modernize the pension portal", "Publish call-center scripts"]
    assert rows[0][1:] == ["CFO", "Dana Reyes", datetime(2026, 6, 30), 46, "At risk", "Vendor delays."], (
        "a date, as the dashboards' downloads write it (it was the text '2026-06-30')")
    assert book["overdue"]["D3"].number_format == "yyyy-mm-dd"
    assert book["overdue"]["E3"].number_format == "#,##0"
    assert book["red"]["F3"].number_format == "#,##0.00", (
        "the target reads 4.00, as in the PDF, not Excel's General 4")
    assert len(rows) == next(r.count for r in found.commitments.rows if r.key == "overdue")

    header, rows = _sheet(book, "leaders")
    assert header[0] == "Leader" and [r[0] for r in rows] == ["Dana Reyes"]
    assert rows[0][3] == found.leaders.leaders[0].requirements[0].rating < 3

    header, rows = _sheet(book, "changes")
    turned = [r for r in rows if r[1] == "Programs that turned red"]
    assert [r[0] for r in turned] == ["Pension Claims (Benefits)"]
    assert len(rows) == len(found.changes.lines)
    contents = [row for row in book["Contents"].iter_rows(values_only=True) if row[0] in ("glance", "changes")]
    assert "changes are significant at 95%" not in str(contents), (
        "the briefing said every change was significant, beside commitments that slipped and programs that turned "
        "red by chance")
    caption = next(section.table.caption for section in made.sections if section.key == "changes")
    assert caption == ("What changed since FY2026-Q2: survey scores significant at 95%, programs that turned red, "
                       "commitments that slipped or went overdue")


def test_all_agencies_count_every_red_program(app, agency):
    found, made = _briefing(app)
    red = made.section(content.RED_PROGRAMS).table.rows
    assert {r["program"] for r in red} == {"Disability Appeals", "Pension Claims", "Remote Permits"}
    assert len(red) == found.statuses.counts["red"]


def test_an_agencys_briefing_holds_its_own_commitments_and_leaders_only(app, agency):
    """A briefing named for an agency listed the department's every overdue commitment and every leader
    at risk (another department's people in a briefing for the IRS). An agency's are those tied to its
    components and programs, owned by its leaders, or its leaders' functions' own."""
    found, made = _briefing(app, agency_id=agency["other_id"])
    assert found.commitments.narrowed and found.commitments.open_total == 0
    assert made.section(content.OVERDUE).table.rows == [] and made.section(content.LEADERS).table.rows == []
    # a briefing is sent on: its words name the agency, not "the agency chosen"
    assert made.section(content.LEADERS).note.startswith("Leaders of Other Department, in the plans")
    assert made.section(content.OVERDUE).note == ("Open commitments tied to Other Department (by its programs, "
                                                  "components or leaders) that are past their due date.")
    assert not [line for line in found.changes.lines if line.subject.startswith("CFO:")]
    found, made = _briefing(app, agency_id=agency["agency_id"])
    assert {r["title"] for r in made.section(content.OVERDUE).table.rows} == {
        "Modernize the pension portal", "Publish call-center scripts"}, "the CFO's: its leader sits in Benefits"
    assert [r["leader"] for r in made.section(content.LEADERS).table.rows] == ["Dana Reyes"]
    every, _ = _briefing(app)
    assert not every.commitments.narrowed and every.commitments.open_total == found.commitments.open_total == 3
    with app.app_context():  # the department's own C-suite: a function's head (no component) and their own
        cfo = db.session.scalar(sa.select(Function).where(Function.code == "CFO"))
        head = Leader(name="Chief Financial Officer", email="cfo@test.gov", function=cfo)
        own = Commitment(function=cfo, leader=head, title="Reconcile CX spending", status=CommitmentStatus.off_track,
                         reason="Late data.", due_date=date(2026, 7, 1),
                         last_update_at=datetime(2026, 5, 1, tzinfo=UTC))
        db.session.add_all([head, own])
        db.session.commit()
        home, away = common.ProgramFilter(agency["agency_id"]), common.ProgramFilter(agency["other_id"])
        assert head.id in set(db.session.scalars(sa.select(Leader.id).where(home.leader_clause(db.session))))
        assert head.id not in set(db.session.scalars(sa.select(Leader.id).where(away.leader_clause(db.session))))
        assert own.id in home.commitment_ids(db.session) and own.id not in away.commitment_ids(db.session)


def test_an_agency_without_results_in_the_quarter_is_said_to_have_none_not_nothing_red(app, agency):
    """The page says an agency chosen (a performance.gov one) has no results in the quarter, and where its
    newest are; the briefing gave its zeros alone ("Programs red 0"), read as nothing red."""
    with app.app_context():
        metrics = ensure_standard_metrics(db.session)
        old = Component(agency=Agency(code="OLD", name="Old Department"), code="OLDC", name="Old Bureau")
        program = Program(component=old, code="P9", name="Old Service")
        db.session.add(program)
        db.session.flush()
        _observations(db.session, metrics["trust"], program, PRIOR, GREEN)
        db.session.commit()
        agency_id = old.agency_id
        made = content.build(db.session, NOW, agency_id, _scope("executive"), TODAY)
        note = made.section(content.GLANCE).note
        assert note.startswith(f"No program of Old Department has survey results in {NOW}. Their newest results are "
                               f"from {PRIOR}. "), note
        assert "No program of" not in content.build(db.session, NOW, agency["agency_id"], _scope("executive"),
                                                     TODAY).section(content.GLANCE).note
    assert "No program of Old Department has survey results" in pdf_text(pdf.render(made))


def test_an_agency_whose_leaders_have_no_plan_is_not_told_there_are_no_plans(app, agency):
    """The overview of an agency none of whose leaders has a plan says so; its briefing said "No
    performance plans yet." beside a department whose leaders have two."""
    found, made = _briefing(app, agency_id=agency["other_id"])
    assert found.leaders.fiscal_year is None and found.leaders.narrowed
    words = "No leader of Other Department has a performance plan."
    glance = {row["measure"]: row["detail"] for row in made.section(content.GLANCE).table.rows}
    assert glance["Leaders with CX requirements proposed below 3"] == words
    assert made.section(content.LEADERS).table.empty == words
    text = pdf_text(pdf.render(made))
    assert words in text and "No performance plans yet." not in text
    _, every = _briefing(app)
    assert "No leader of" not in pdf_text(pdf.render(every))


def test_red_programs_of_a_quarter_the_rules_have_not_evaluated_are_not_said_to_be_explained_by_findings(
        app, agency):
    """The section's note said every reason was "the explanation of the rule finding" in a quarter the rules
    never evaluated, where each reason is the trust score against its target (as the overview says)."""
    with app.app_context():
        scope = _scope("executive")
        made = content.build(db.session, PRIOR, agency["agency_id"], scope, TODAY,
                             min_n=app.config["SURVEY_MIN_N"], base_url="http://localhost/")
        section = made.section(content.RED_PROGRAMS)
        assert [r["program"] for r in section.table.rows] == ["Disability Appeals"]
        assert not any(r["why"] for r in section.table.rows), "no finding for FY2026-Q2"
        assert section.table.rows[0]["reason"].startswith("Trust 3.05")
        assert "explanation of the rule finding" not in section.note
        assert section.note == ("Each red program with its trust score against its target: no rule finding of "
                                "FY2026-Q2 explains its status.")
        made = content.build(db.session, NOW, agency["agency_id"], scope, TODAY,
                             min_n=app.config["SURVEY_MIN_N"], base_url="http://localhost/")
        section = made.section(content.RED_PROGRAMS)
        assert all(r["why"] for r in section.table.rows)
        assert section.note == "Each red program with the explanation of the rule finding behind its status."


def test_a_viewer_gets_the_agency_briefing_with_its_commitments_but_no_plans(app, agency):
    """Every role sees the agency dashboards, the C-suite's commitments included (DESIGN §6); a plan's
    ratings are the plan's. A viewer's commitment lines lead to the functions' pages, not to pages that
    refuse them."""
    found, made = _briefing(app, role="viewer", agency_id=agency["agency_id"])
    assert found.commitments is not None and found.leaders is None
    overdue = made.section(content.OVERDUE).table
    assert overdue.rows and all("/dashboards/function?code=" in r["href"] for r in overdue.rows)
    assert made.section(content.LEADERS).table is None
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(made)))
    assert _sheet(book, "leaders") == (["Note"], [["Performance plans are not shown to your role."]])
    text = pdf_text(pdf.render(made))
    assert "Pension Claims" in text and "Modernize the pension portal" in text
    assert "Leaders with CX requirements proposed below 3 Performance plans are not shown to your role." in text


def test_an_officer_sees_their_own_functions_leaders_only(app, agency):
    with app.app_context():
        cfo = db.session.scalar(sa.select(Function.id).where(Function.code == "CFO"))
        db.session.add(Leader(name="Other Function Leader", email="olf@test.gov"))
        db.session.commit()
    _, made = _briefing(app, role="officer", function_id=cfo)
    assert [r["leader"] for r in made.section(content.LEADERS).table.rows] == ["Dana Reyes"]
    with app.app_context():
        sam_plan = db.session.scalar(sa.select(PerformancePlan.id).join(Leader).where(Leader.name == "Sam Ortiz"))
    hrefs = [r["href"] for r in made.section(content.LEADERS).table.rows]
    assert f"/plans/{sam_plan}" not in " ".join(hrefs)


# ----------------------------------------------------------------------------- the PDF

def test_the_pdf_names_the_red_programs_and_overdue_commitments_and_is_tagged(app, agency):
    _, made = _briefing(app, agency_id=agency["agency_id"])
    data = pdf.render(made)
    reader = PdfReader(io.BytesIO(data))
    text = pdf_text(data)
    for name in ("Pension Claims", "Disability Appeals", "Modernize the pension portal",
                 "Publish call-center scripts", "Vendor delays.", "Dana Reyes"):
        assert name in text, name
    assert "Remote Permits" not in text
    assert "trust was 3.05" in text
    assert reader.metadata.title == "CX briefing: Test Department, FY2026-Q3"
    assert reader.xmp_metadata.dc_title == {"x-default": "CX briefing: Test Department, FY2026-Q3"}, "no XMP"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-US" and bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    top, sections = reader.outline
    assert top.title == made.title and [o.title for o in sections] == [s.heading for s in made.sections]

    tags, links = [], []

    def walk(node, depth=0, parent=None):
        node = node.get_object()
        if node.get("/Type") == "/OBJR":  # an annotation belonging to its element (a link)
            links.append((parent, node["/Obj"].get_object()))
            return
        tags.append((depth, node["/S"], node.get("/A", {}).get("/Scope") if "/A" in node else None))
        for kid in node.get("/K", []) if isinstance(node.get("/K"), list) else []:
            if isinstance(kid, dict) or hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid, depth + 1, node)
    for top in root["/StructTreeRoot"]["/K"]:
        walk(top)
    kinds = [t[1] for t in tags]
    assert kinds[0] == "/Document" and kinds.count("/H1") == 1 and kinds.count("/H2") == len(made.sections)
    assert kinds.count("/Table") == 5 and "/Caption" in kinds
    assert ("/TH" in kinds) and ("/TD" in kinds)
    scopes = {t[2] for t in tags if t[1] == "/TH"}
    assert scopes == {"/Column", "/Row"}
    # Every link is tagged (PDF/UA): a Link element holding its annotation, which names the element back
    annotations = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert annotations and len(links) == len(annotations), "a link annotation outside the structure tree"
    numbers = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    parents = {numbers[i]: numbers[i + 1] for i in range(0, len(numbers), 2)}
    assert list(parents) == sorted(parents)
    for element, annotation in links:
        assert element["/S"] == "/Link" and annotation["/Subtype"] == "/Link"
        assert parents[annotation["/StructParent"]].get_object() == element
        assert " (opens http://localhost/" in annotation["/Contents"], annotation["/Contents"]


def test_the_briefing_says_when_it_was_prepared_in_the_agencys_zone(monkeypatch):
    """"Prepared 04 December 2026, 03:30 UTC" on a briefing taken into a meeting on the evening of the 3rd,
    Eastern: the one time in the briefing was in UTC while its overdue days were the agency's."""
    from zoneinfo import ZoneInfo

    from scorecard import clock

    monkeypatch.setattr(clock, "_zone", ZoneInfo("America/New_York"))
    made = content.Briefing("CX briefing: All agencies, FY2027-Q1", "FY2027-Q1", "All agencies", "exec@test.gov",
                            datetime(2026, 12, 4, 3, 30, tzinfo=UTC))
    said = "Prepared 03 December 2026, 22:30 EST for exec@test.gov"
    assert openpyxl.load_workbook(io.BytesIO(xlsx.render(made)))["Contents"]["A2"].value == said
    assert said + "." in pdf_text(pdf.render(made))


def test_text_beyond_latin1_is_drawn_as_written_and_only_what_the_font_lacks_is_spelled_out():
    """Core fonts drew Latin-1 only: "Причина: delays" read "???????: delays" in an executive's briefing."""
    assert pdf.drawable("trust 3.1 → 3.4 – café “ok” ✓") == "trust 3.1 → 3.4 – café “ok” ✓"
    assert pdf.drawable("Ünïcödé — Ελληνικά, Причина") == "Ünïcödé — Ελληνικά, Причина"
    assert pdf.drawable("服务 delays") == "?? delays", "the font has no Chinese characters"
    assert pdf.drawable("שלום مرحبا ok") == "???? ????? ok", "right to left, drawn left to right, reads backwards"


def test_a_linked_cell_of_the_workbook_keeps_its_quote_prefix():
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    table = Table("Red", [Column("program", "Program", link="href", row_header=True)],
                  [{"program": "+1 555 help line", "href": "https://example.gov/p/1"}], name="t")
    made = Briefing("CX briefing", "FY2026-Q4", "All agencies", "exec@test.gov", datetime(2026, 12, 1, 8, 0),
                    [Section("red", "Red programs", "", table)])
    cell = openpyxl.load_workbook(io.BytesIO(xlsx.render(made)))["red"]["A3"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("+1 555 help line", "s", True)
    assert cell.hyperlink.target == "https://example.gov/p/1"


def test_a_briefing_with_greek_and_cyrillic_reads_them_back_from_the_pdf():
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    table = Table("Commitments", [Column("title", "Title", row_header=True), Column("reason", "Reason")],
                  [{"title": "Ünïcödé — Ελληνικά ✓", "reason": "Причина: delays"}], name="t")
    made = Briefing("CX briefing: Ünïcödé", "FY2026-Q4", "All agencies", "exec@test.gov",
                    datetime(2026, 12, 1, 8, 0), [Section("glance", "At a glance", "Notes — “quoted”.", table)])
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.render(made))).pages).split())
    for words in ("Ünïcödé — Ελληνικά ✓", "Причина: delays", "Notes — “quoted”."):
        assert words in text, text


def test_text_the_font_lacks_keeps_its_words_in_the_metadata_bookmarks_and_the_structure():
    """An agency named in Chinese read "Agence ???" in the PDF's title, subject, XMP title and bookmarks (which
    need no font), and a screen reader read "?" for each character the font has not: each element drawn
    otherwise carries the text as written (/ActualText)."""
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    agency, title = "Agence d’Essai 中文署", "Café — 中文服务 🎉"
    table = Table("Commitments 中文", [Column("title", "Title", link="href", row_header=True),
                                       Column("reason", "Reason 理由")],
                  [{"title": title, "href": "https://example.gov/c/1", "reason": "Vendor delays."}], name="t")
    empty = Table("Leaders", [Column("leader", "Leader")], [], name="l", empty=f"No leader of {agency} has a plan.")
    made = Briefing(f"CX briefing: {agency}, FY2026-Q4", "FY2026-Q4", agency, "exec@test.gov",
                    datetime(2026, 12, 1, 8, 0), [Section("glance", "At a glance 概要", "Notes.", table),
                                                  Section("leaders", "Leaders", "", empty)])
    reader = PdfReader(io.BytesIO(pdf.render(made)))
    assert reader.metadata.title == made.title and agency in reader.metadata.subject
    assert reader.xmp_metadata.dc_title == {"x-default": made.title}
    top, sections = reader.outline
    assert top.title == made.title and sections[0].title == "At a glance 概要"
    assert "Agence d’Essai ???" in pdf_text(pdf.render(made)), "drawn: the font has no Chinese characters"
    actual = {}

    def walk(node):
        node = node.get_object()
        if "/S" in node and "/ActualText" in node:
            actual[node["/S"]] = actual.get(node["/S"], []) + [node["/ActualText"]]
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid)
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert made.title in actual["/H1"] and "At a glance 概要" in actual["/H2"]
    assert actual["/Link"] == [title] and f"No leader of {agency} has a plan." in actual["/TD"]
    link = next(a.get_object() for page in reader.pages for a in page.get("/Annots", []))
    assert link["/Contents"] == f"{title} (opens https://example.gov/c/1)", "what a screen reader says of the link"
    assert actual["/Caption"] == ["Commitments 中文"] and actual["/TH"] == ["Reason 理由"]
    assert "Vendor delays." not in actual.get("/TD", []), "text the font draws as written needs none"


def test_a_pdf_tables_header_row_never_ends_a_page_without_its_first_row():
    """The red programs' table began at a page's foot: its header row drawn there, its first row (tall with
    the leaders answering for it) overleaf under a second header. A section now starts on a new page when
    its heading, note, the table's caption, header and first row do not fit together."""
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    red = {"program": "Benefits Call Center", "component": "Benefits Administration",
           "reason": "Benefits Call Center trust was 3.62 (n=250) in FY2026-Q4 against a target of 4.20: red.",
           "leaders": ", ".join(f"Leader Name{k}" for k in range(20))}
    for filler in range(18, 32):  # the first section's rows: the second section begins ever lower on page 1
        first = Table("Filler", [Column("n", "Number", row_header=True)], [{"n": f"row {k}"} for k in range(filler)],
                      name="f")
        tall = Table("Red", [Column("program", "Program", row_header=True), Column("component", "Component"),
                             Column("reason", "Reason"), Column("leaders", "Leaders")], [red], name="r")
        made = Briefing("CX briefing", "FY2026-Q4", "All agencies", "exec@test.gov", datetime(2026, 12, 1, 8, 0),
                        [Section("f", "Filler", "A note.", first), Section("red", "Red programs", "A note.", tall)])
        pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.render(made))).pages]
        [where] = [n for n, text in enumerate(pages) if "Red programs" in text]
        assert "Benefits Call Center" in pages[where], (filler, pages[where][-200:])
        assert pages[where].count("Program Component Reason Leaders") == 1, "the header row once, above its row"


def test_a_wide_table_longer_than_a_page_goes_on_over_landscape_pages():
    """The red programs' table went on to portrait pages after its first, landscape, one: its right-hand columns
    (the commitments, half the leaders) fell off the page's edge."""
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    leaders = ", ".join(f"Leader Name{k}" for k in range(9))
    wide = Table("Wide", [Column(f"c{k}", f"Column {k}", row_header=not k) for k in range(pdf.WIDE)],
                 [{**{f"c{k}": f"value {k} of row {n}" for k in range(pdf.WIDE - 1)}, f"c{pdf.WIDE - 1}": leaders}
                  for n in range(60)], name="w")
    narrow = Table("Narrow", [Column("a", "A", row_header=True)], [{"a": "after"}], name="n")
    made = Briefing("CX briefing", "FY2026-Q4", "All agencies", "exec@test.gov", datetime(2026, 12, 1, 8, 0),
                    [Section("wide", "Wide section", "A note.", wide), Section("after", "After", "A note.", narrow)])
    pages = PdfReader(io.BytesIO(pdf.render(made))).pages
    shapes = ["landscape" if page.mediabox.width > page.mediabox.height else "portrait" for page in pages]
    holding = [n for n, page in enumerate(pages) if "of row" in page.extract_text()]
    assert len(holding) > 2 and all(shapes[n] == "landscape" for n in holding), shapes
    assert "value 1 of row 59" in " ".join(pages[holding[-1]].extract_text().split()) and shapes[-1] == "portrait"


def test_a_shortened_section_of_several_kinds_keeps_the_first_of_each():
    """160 commitments that went overdue filled the PDF's 150 rows of what changed, and the significant score
    changes listed after them were left out of it: each kind keeps its first rows."""
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    rows = ([{"kind": "Commitments that went overdue", "subject": f"Commitment {n}"} for n in range(160)]
            + [{"kind": "Significant declines", "subject": f"Declined program {n}"} for n in range(3)]
            + [{"kind": "Significant improvements", "subject": f"Improved program {n}"} for n in range(2)])
    table = Table("What changed", [Column("subject", "Subject", row_header=True), Column("kind", "Change")], rows,
                  name="changes")
    made = Briefing("CX briefing", "FY2026-Q4", "All agencies", "exec@test.gov", datetime(2026, 12, 1, 8, 0),
                    [Section("changes", "What changed", "A note.", table, kinds="kind")])
    text = pdf_text(pdf.render(made))
    assert all(f"Declined program {n}" in text for n in range(3)) and "Improved program 1" in text
    assert "Commitment 144" in text and "Commitment 145 " not in text
    assert f"{pdf.PDF_ROWS} of 165 rows: the first of each kind; the Excel briefing lists them all" in text
    assert pdf.first_rows(rows, 4, "kind") == [rows[0], rows[1], rows[160], rows[163]]
    assert pdf.first_rows(rows, 200, "kind") == rows and pdf.first_rows(rows, 2) == rows[:2]


def test_a_pdf_sets_a_table_of_many_columns_on_landscape_pages_of_its_own():
    """The red programs' nine columns were cut to a few words a line on a portrait page (the leaders answering
    for a program a column of single names); a table of WIDE columns or more gets landscape pages, and the
    sections after it are portrait again."""
    from dashboards.briefing.content import Briefing, Section
    from dashboards.tables import Column, Table

    narrow = Table("Narrow", [Column("a", "A", row_header=True), Column("b", "B")], [{"a": "x", "b": "y"}], name="n")
    wide = Table("Wide", [Column(f"c{k}", f"Column {k}", row_header=not k) for k in range(pdf.WIDE)],
                 [{f"c{k}": f"value {k}" for k in range(pdf.WIDE)}], name="w")
    made = Briefing("CX briefing", "FY2026-Q4", "All agencies", "exec@test.gov", datetime(2026, 12, 1, 8, 0),
                    [Section("one", "Before", "A note.", narrow), Section("wide", "Wide section", "A note.", wide),
                     Section("two", "After", "A note.", narrow)])
    pages = PdfReader(io.BytesIO(pdf.render(made))).pages
    shapes = [("landscape" if page.mediabox.width > page.mediabox.height else "portrait",
               "Wide section" in page.extract_text(), "After" in page.extract_text()) for page in pages]
    assert shapes == [("portrait", False, False), ("landscape", True, False), ("portrait", False, True)], shapes


# ----------------------------------------------------------------------------- the job

def _owner(app, email="exec@test.gov") -> int:
    with app.app_context():
        owner = User(email=email, role=Role.executive)
        owner.set_password("correct horse battery")
        db.session.add(owner)
        db.session.commit()
        return owner.id


def _start(app, request, **options):
    with app.app_context():  # as the overview's callback does, in its request
        return jobs.start(app, request, **options)


def _request(owner_id, fmt="xlsx", agency_id=None):
    return jobs.Request(owner_id, "exec@test.gov", _scope("executive"), None, agency_id, fmt, TODAY)


def test_the_job_reports_progress_on_its_row_and_keeps_the_file_in_the_upload_storage(app, agency, monkeypatch):
    seen = []
    write = jobs._progress

    def recorded(job_id, stage, percent, status=jobs.RUNNING, **values):
        seen.append((status, percent, stage))
        write(job_id, stage, percent, status, **values)
    monkeypatch.setattr(jobs, "_progress", recorded)
    owner_id = _owner(app)
    job_id, future = _start(app, _request(owner_id, agency_id=agency["agency_id"]))
    future.result(timeout=60)
    percents = [p for _, p, _ in seen]
    assert seen[-1][:2] == ("running", 75) and percents == sorted(percents) and len(set(percents)) >= 5
    assert "Red programs" in [s for _, _, s in seen]
    with app.app_context():
        row = db.session.get(BriefingJob, job_id)
        assert (row.status, row.percent, row.owner_id) == ("done", 100, owner_id)
        assert (Path(app.config["UPLOAD_FOLDER"]) / row.file_key).is_file()  # kept where uploads are
        data, name, mimetype = jobs.file_for(app, db.session, job_id, owner_id)
        assert jobs.file_for(app, db.session, job_id, owner_id + 1) is None  # only its owner's
    assert name == "cx-briefing-FY2026-Q3-test-department.xlsx" and mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[1] == "glance"


def test_a_failing_job_says_so(app, agency, monkeypatch):
    monkeypatch.setattr(content, "build", lambda *a, **k: 1 / 0)
    owner_id = _owner(app)
    job_id, future = _start(app, _request(owner_id, "pdf"))
    future.result(timeout=60)
    with app.app_context():
        found = jobs.state(app, db.session, job_id, owner_id)
        assert found["status"] == "failed" and "could not be written" in found["message"]
        assert jobs.file_for(app, db.session, job_id, owner_id) is None


def test_a_job_whose_database_went_away_is_failed_once_it_answers_again(app, agency, monkeypatch, caplog):
    """The database restarting mid-briefing failed the job, and recording that failed too (it was still
    down): the page showed "Writing the PDF file 75%" until the job counted as stalled, ten minutes later.
    Recording the failure is tried again for about a minute, as an import's is."""
    down = database_going_away(monkeypatch, content, "build")  # and the next two commits fail: still restarting
    monkeypatch.setattr(dispatch, "END_RETRY_SECONDS", (0, 0, 0))  # the retries at once
    owner_id = _owner(app)
    job_id, future = _start(app, _request(owner_id, "pdf"))
    future.result(timeout=60)
    with app.app_context():
        found = jobs.state(app, db.session, job_id, owner_id)
    assert found["status"] == "failed" and "could not be written" in found["message"], found
    assert down["commits"] == 0
    assert len([r for r in caplog.records if "could not be recorded yet" in r.getMessage()]) == 2


def test_a_job_delivered_twice_runs_once_and_a_silent_one_reads_as_failed(app, agency):
    owner_id = _owner(app)
    request = _request(owner_id)
    job_id, _ = _start(app, request, wait=True)
    with app.app_context():
        written = db.session.get(BriefingJob, job_id).file_key
    jobs.run(app, job_id, request.as_json())  # the task again (a redelivery): nothing is redone
    with app.app_context():
        assert db.session.get(BriefingJob, job_id).file_key == written
        assert jobs.claim_delivery(db.session, job_id) is True
        assert jobs.claim_delivery(db.session, job_id) is False  # sent by itself once

        silent = BriefingJob(id="s" * 30, owner_id=owner_id, fmt="pdf", status="running", stage="Red programs",
                             percent=40, created_at=datetime.now(UTC) - timedelta(hours=1),
                             heartbeat_at=datetime.now(UTC) - timedelta(seconds=601))
        late = BriefingJob(id="q" * 30, owner_id=owner_id, fmt="pdf", status="queued", stage="Queued", percent=0,
                           created_at=datetime.now(UTC) - timedelta(seconds=601))
        db.session.add_all([silent, late])
        db.session.commit()
        for job in (silent, late):
            found = jobs.state(app, db.session, job.id, owner_id)
            assert found["status"] == "failed" and "did not finish in time" in found["message"]
            assert db.session.get(BriefingJob, job.id).status == "failed"  # recorded, not only reported
        late_id = late.id
        waiting = BriefingJob(id="w" * 30, owner_id=owner_id, fmt="xlsx", status="queued", stage="Queued", percent=0,
                              created_at=datetime.now(UTC) - timedelta(seconds=95))
        db.session.add(waiting)
        db.session.commit()
        found = jobs.state(app, db.session, waiting.id, owner_id)
        assert found["status"] == "queued", "not given up yet"
        assert found["stage"].startswith("queued for more than 30 s, waiting for the server's other background "
                                         "jobs"), found
        assert jobs.state(app, db.session, waiting.id, owner_id)["stage"] == found["stage"], (
            "the same words at every poll: a live region reads a change out again")
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # jobs go to workers: one may not be running
        try:
            assert "no worker may be running" in jobs.state(app, db.session, waiting.id, owner_id)["stage"]
        finally:
            app.config["REDIS_URL"] = None
    jobs.run(app, late_id, _request(owner_id).as_json())  # its task comes at last: it does nothing
    with app.app_context():
        assert (db.session.get(BriefingJob, late_id).status, db.session.get(BriefingJob, late_id).file_key) == (
            "failed", None)


def test_the_end_is_recorded_even_while_a_write_holds_the_database(app, agency, monkeypatch):
    """Progress may be dropped when the database is busy; the end may not (it waits, as any write)."""
    import threading

    owner_id = _owner(app)
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock held here is SQLite's")
    holder = sa.create_engine(url)
    connection = holder.connect()
    render = xlsx.render

    def busy_while_rendering(briefing):  # another writer (an import, an evaluation) takes the lock for a second
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        threading.Timer(1.0, connection.rollback).start()
        return render(briefing)
    monkeypatch.setattr(xlsx, "render", busy_while_rendering)
    job_id, _ = _start(app, _request(owner_id), wait=True)
    connection.close()
    holder.dispose()
    with app.app_context():
        row = db.session.get(BriefingJob, job_id)
        assert (row.status, row.percent) == ("done", 100) and row.file_key


def test_a_briefing_past_its_time_is_not_served_though_not_swept_yet(app, agency, client_as):
    """The page says a briefing is kept until a time; past it, the file was still served (only the next
    briefing's job sweeps), and the removed-link page's words were untrue."""
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "pdf", agency["agency_id"])
    _until_done(executive, job_id)
    assert executive.get(f"/dashboards/briefings/{job_id}").status_code == 200
    with app.app_context():
        job = db.session.get(BriefingJob, job_id)
        job.created_at = job.created_at - timedelta(hours=24, seconds=1)
        db.session.commit()
    gone = executive.get(f"/dashboards/briefings/{job_id}")
    assert gone.status_code == 404 and "for 24 hours, then removed" in gone.text


def test_old_jobs_are_swept_with_their_files(app, agency):
    owner_id = _owner(app)
    job_id, _ = _start(app, _request(owner_id), wait=True)
    with app.app_context():
        path = Path(app.config["UPLOAD_FOLDER"]) / db.session.get(BriefingJob, job_id).file_key
        assert path.is_file()
        assert jobs.sweep(app, db.session, now=datetime.now(UTC) + timedelta(hours=25)) == 1
        assert jobs.state(app, db.session, job_id, owner_id) is None
    assert not path.exists()


# ----------------------------------------------------------------------------- from the page

def _click(client, fmt: str, agency_id) -> str:
    values = {f"overview-briefing-{fmt}.n_clicks": 1, "overview-period.value": NOW,
              "overview-agency.value": str(agency_id)}
    answer = callback_answer(client, callback_body(JOB, values, f"overview-briefing-{fmt}.n_clicks"))
    assert answer["overview-briefing-poll"]["disabled"] is False
    assert "Preparing the" in str(answer["overview-briefing-status"]["children"])
    return answer["overview-briefing-job"]["data"]


def _poll(client, job_id, ticks=1, filters=None) -> dict:
    """A tick of the poll, the page's filters `filters` ({"overview-period.value": ..., ...}; none chosen: the
    quarter the dashboards open on, all agencies)."""
    return callback_answer(client, callback_body(JOB, {"overview-briefing-poll.n_intervals": ticks,
                                                       "overview-briefing-job.data": job_id, **(filters or {})},
                                                 "overview-briefing-poll.n_intervals"))


def _until_done(client, job_id) -> dict:
    for tick in range(1, 200):
        answer = _poll(client, job_id, tick)
        if answer["overview-briefing-poll"]["disabled"]:
            return answer
        assert "Preparing the" in str(answer["overview-briefing-status"]["children"])
        time.sleep(0.05)
    raise AssertionError("the briefing never finished")


def _ready(client):
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    return client


def test_the_overview_button_writes_the_briefing_and_the_owner_downloads_it(app, agency, client_as):
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "pdf", agency["agency_id"])
    answer = _until_done(executive, job_id)
    assert "overview-briefing-download" in answer, answer
    sent = answer["overview-briefing-download"]["data"]
    assert sent["filename"] == "cx-briefing-FY2026-Q3-test-department.pdf" and sent["base64"]
    text = pdf_text(base64.b64decode(sent["content"]))
    assert "Pension Claims" in text and "Publish call-center scripts" in text
    status = str(answer["overview-briefing-status"]["children"])
    assert f"/dashboards/briefings/{job_id}" in status and "'download'" not in status, (
        "a plain link: followed after the briefing was removed it opens a page saying so (a download link "
        "failed silently)")
    with app.app_context():
        kept = in_zone(db.session.get(BriefingJob, job_id).created_at + timedelta(hours=24))
    assert f"It is kept for you until {kept:%d %B %Y, %H:%M}" in status, status
    again = _poll(executive, job_id, 99)
    assert "overview-briefing-download" not in again  # sent once by itself; the link stays
    response = executive.get(f"/dashboards/briefings/{job_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]

    xlsx_job = _click(executive, "xlsx", agency["agency_id"])
    _until_done(executive, xlsx_job)
    book = openpyxl.load_workbook(io.BytesIO(executive.get(f"/dashboards/briefings/{xlsx_job}").data))
    assert [r[0].value for r in book["red"].iter_rows(min_row=3)] == ["Disability Appeals", "Pension Claims"]


def test_the_panel_says_when_its_briefing_is_not_of_the_filters_chosen_now(app, agency, client_as):
    """The panel kept "Your briefing is ready. Download cx-briefing-FY2026-Q2-..." under "The quarter and agency
    chosen above" after the quarter was changed to FY2026-Q3: only the file name told that the briefing was of
    another quarter. It says what each briefing is of, and when the filters chosen since differ."""
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "pdf", agency["agency_id"])
    same = {"overview-period.value": NOW, "overview-agency.value": str(agency["agency_id"])}
    for tick in range(1, 200):
        answer = _poll(executive, job_id, tick, same)
        if answer["overview-briefing-poll"]["disabled"]:
            break
        assert f"Preparing the PDF briefing of {NOW}, Test Department: " in str(answer), answer
        time.sleep(0.05)
    status = str(answer["overview-briefing-status"]["children"])
    assert f"Your briefing of {NOW}, Test Department is ready. " in status and "not of the quarter" not in status
    # the status is a live region: written again only when what it says changes (it was rewritten every tick)
    shown = answer["overview-briefing-shown"]["data"]
    same_again = _poll(executive, job_id, 250, {**same, "overview-briefing-shown.data": shown})
    assert "overview-briefing-status" not in same_again and "overview-briefing-shown" not in same_again, same_again

    changed = {**same, "overview-period.value": PRIOR}
    fired = callback_answer(executive, callback_body(JOB, {**changed, JOB: job_id}, "overview-period.value"))
    assert fired == {"overview-briefing-poll": {"disabled": False}}, "the filter chosen again polls the panel's job"
    again = _poll(executive, job_id, 300, {**changed, "overview-briefing-shown.data": shown})
    status = str(again["overview-briefing-status"]["children"])
    assert again["overview-briefing-shown"]["data"] != shown
    assert f"Your briefing of {NOW}, Test Department is ready. " in status
    assert (f"It is not of the quarter and agency chosen now ({PRIOR}, Test Department): start a new one with the "
            "buttons above for those.") in status
    assert "overview-briefing-download" not in again, "not sent a second time"
    everyone = _poll(executive, job_id, 301, {"overview-period.value": NOW})
    assert f"chosen now ({NOW}, all agencies)" in str(everyone["overview-briefing-status"]["children"])


def test_another_user_cannot_download_or_follow_the_briefing(app, agency, client_as):
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "xlsx", agency["agency_id"])
    _until_done(executive, job_id)
    with app.app_context():
        other = User(email="second.executive@test.gov", role=Role.executive)
        other.set_password("correct horse battery")
        db.session.add(other)
        db.session.commit()
        second = _ready(app.test_client(user=other))
    refused = second.get(f"/dashboards/briefings/{job_id}")
    assert refused.status_code == 404 and "kept for the user who asked for it, for 24 hours" in refused.text
    assert second.get("/dashboards/briefings/" + "x" * 30).status_code == 404
    answer = _poll(second, job_id, 5)
    assert "not available" in str(answer["overview-briefing-status"]["children"])
    assert "overview-briefing-download" not in answer
    assert app.test_client().get(f"/dashboards/briefings/{job_id}").status_code == 302  # sign in first
    assert executive.get(f"/dashboards/briefings/{job_id}").status_code == 200


def test_a_briefing_is_withdrawn_when_its_owners_role_changes(app, agency, client_as):
    """An officer asked for a briefing and was made a viewer while it was written: it was still served,
    holding the plans' ratings the viewer role may not see. A change of role, function or leader record
    withdraws the user's briefings, saying why; one still being written keeps no file."""
    from scorecard.admin.services import update_account

    officer = _ready(client_as("officer"))
    job_id = _click(officer, "xlsx", agency["agency_id"])
    _until_done(officer, job_id)
    assert officer.get(f"/dashboards/briefings/{job_id}").status_code == 200
    with app.app_context():
        user = db.session.get(User, db.session.get(BriefingJob, job_id).owner_id)
        admin = User(email="admin.two@test.gov", role=Role.admin)
        admin.set_password("correct horse battery")
        db.session.add(admin)
        update_account(db.session, user, by=admin, name=user.name, role=Role.viewer, function_code=None,
                       leader_email=None)
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.role_change")).one()
        assert event.after["briefings_withdrawn"] == 1
    assert officer.get(f"/dashboards/briefings/{job_id}").status_code == 404
    status = str(_poll(officer, job_id, 3)["overview-briefing-status"]["children"])
    assert "changed after you asked for this briefing, so it was withdrawn" in status, status

    def withdrawn_as_written(*args, **kwargs):  # the role changes while the next one is written
        with app.app_context():
            db.session.execute(sa.update(BriefingJob).values(status="failed"))
            db.session.commit()
        return build(*args, **kwargs)
    build = content.build
    owner_id = _owner(app)
    folder = Path(app.config["UPLOAD_FOLDER"])
    files = set(folder.rglob("*")) if folder.exists() else set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(content, "build", withdrawn_as_written)
        second, future = _start(app, _request(owner_id))
        future.result(timeout=60)
    with app.app_context():
        assert db.session.get(BriefingJob, second).status == "failed"
    assert {f for f in folder.rglob("*") if f.is_file()} == {f for f in files if f.is_file()}, "no file kept"


def _reopened(client, job_id) -> dict:
    """The briefing callback as a page opened again answers it: the tab's job read back from its storage."""
    body = callback_body(JOB, {"overview-briefing-job.modified_timestamp": 1_796_000_000_000,
                               "overview-briefing-job.data": job_id}, "overview-briefing-job.modified_timestamp")
    response = client.post(CALLBACK_URL, json=body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response.get_json()["response"] if response.status_code == 200 else {}


def test_a_page_opened_again_follows_its_tabs_briefing_and_forgets_one_it_cannot_reach(app, agency, client_as):
    """A reloaded overview forgot the briefing being written (its id was in the page alone): the tab keeps the
    id, and the page opened again polls it once more, to its progress or link; an id the user cannot reach
    (removed, another's) is forgotten without a word, and a tab with none asks nothing."""
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "pdf", agency["agency_id"])
    resumed = _reopened(executive, job_id)
    assert resumed == {"overview-briefing-poll": {"disabled": False}}, resumed
    answer = _until_done(executive, job_id)
    assert f"/dashboards/briefings/{job_id}" in str(answer["overview-briefing-status"]["children"])
    assert _reopened(executive, job_id) == {"overview-briefing-poll": {"disabled": False}}, (
        "a finished briefing is polled too: its next tick shows its link and until when it is kept")
    again = _poll(executive, job_id, 50)
    assert "is ready. " in str(again["overview-briefing-status"]["children"])
    assert "overview-briefing-download" not in again, "the file is sent by itself once, not at every reload"

    with app.app_context():
        other = User(email="third.executive@test.gov", role=Role.executive)
        other.set_password("correct horse battery")
        db.session.add(other)
        db.session.commit()
        second = _ready(app.test_client(user=other))
    for client, job in ((second, job_id), (executive, "n0-such-job-xxxxxxxxxxxx")):
        forgotten = _reopened(client, job)
        assert forgotten == {"overview-briefing-job": {"data": None}, "overview-briefing-poll": {"disabled": True}}, (
            forgotten)
    assert _reopened(executive, None) == {}, "a tab without a briefing: nothing changes"


@pytest.mark.parametrize("job", ["../../etc/passwd", "short", "a" * 65, 12345678901234567890123, ["x" * 30]])
def test_a_malformed_job_id_in_the_tab_reads_as_none_and_is_forgotten(app, agency, client_as, job):
    """The tab's storage is the browser's: an id in it that is not one was refused with every callback that sends
    it along, and the briefing buttons said nothing. It is read as no briefing (nothing looked up), forgotten as
    the page opens, and a button starts a briefing."""
    client = _ready(client_as("viewer"))
    body = callback_body(JOB, {"overview-briefing-poll.n_intervals": 1, "overview-briefing-job.data": job},
                         "overview-briefing-poll.n_intervals")
    answer = client.post(CALLBACK_URL, json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "not available" in str(answer.get_json()["response"]["overview-briefing-status"]["children"])
    assert _reopened(client, job) == {"overview-briefing-job": {"data": None},
                                      "overview-briefing-poll": {"disabled": True}}
    pressed = callback_body(JOB, {"overview-briefing-pdf.n_clicks": 1, "overview-briefing-job.data": job,
                                  "overview-period.value": NOW, "overview-agency.value": str(agency["agency_id"])},
                            "overview-briefing-pdf.n_clicks")
    started = callback_answer(client, pressed)
    assert jobs.JOB_ID.match(started["overview-briefing-job"]["data"]), started


def test_an_expired_briefing_is_forgotten_as_the_page_opens_again(app, agency, client_as):
    """Past its keep time a briefing's file is not served, but a reloaded overview offered its link as ready."""
    executive = _ready(client_as("executive"))
    job_id = _click(executive, "pdf", agency["agency_id"])
    _until_done(executive, job_id)
    with app.app_context():
        job = db.session.get(BriefingJob, job_id)
        job.created_at = job.created_at - timedelta(hours=24, seconds=1)
        db.session.commit()
    assert _reopened(executive, job_id) == {"overview-briefing-job": {"data": None},
                                            "overview-briefing-poll": {"disabled": True}}
    assert "not available" in str(_poll(executive, job_id, 60)["overview-briefing-status"]["children"])


def test_every_role_may_export_the_agency_briefing(app, agency, client_as):
    for role in [r.value for r in Role]:
        client = _ready(client_as(role))
        job_id = _click(client, "pdf", agency["agency_id"])
        _until_done(client, job_id)
        assert client.get(f"/dashboards/briefings/{job_id}").status_code == 200, role


def test_one_user_may_have_only_so_many_briefings_being_written(app, agency, client_as):
    """A fourth briefing while three are being written is refused, saying so; stalled jobs and other
    people's do not count, and once one finishes the user may start another."""
    viewer = _ready(client_as("viewer"))
    with app.app_context():
        owner = db.session.scalar(sa.select(User.id).where(User.role == Role.viewer))
        other = User(email="another.viewer@test.gov", role=Role.viewer)
        other.set_password("correct horse battery")
        db.session.add(other)
        db.session.flush()
        now, long_ago = datetime.now(UTC), datetime.now(UTC) - timedelta(hours=2)
        ids = [f"open-job-{k:02d}-xxxxxxxxxxxx" for k in range(3)]
        db.session.add_all([BriefingJob(id=i, owner_id=owner, fmt="pdf", status=status, stage="Queued", percent=0,
                                        created_at=now, heartbeat_at=now)
                            for i, status in zip(ids, (jobs.QUEUED, jobs.QUEUED, jobs.RUNNING))])
        db.session.add_all([  # a stalled one of the viewer's, and someone else's: neither counts
            BriefingJob(id="stalled-job-xxxxxxxxxxxx", owner_id=owner, fmt="pdf", status=jobs.RUNNING,
                        stage="Writing", percent=50, created_at=long_ago, heartbeat_at=long_ago),
            BriefingJob(id="others-job-xxxxxxxxxxxxx", owner_id=other.id, fmt="pdf", status=jobs.QUEUED,
                        stage="Queued", percent=0, created_at=now)])
        db.session.commit()
        before = db.session.scalar(sa.select(sa.func.count()).select_from(BriefingJob))
    body = callback_body(JOB, {"overview-briefing-xlsx.n_clicks": 1, "overview-period.value": NOW,
                               "overview-agency.value": str(agency["agency_id"])}, "overview-briefing-xlsx.n_clicks")
    refused = callback_answer(viewer, body)
    assert refused["overview-briefing-refused"]["children"].startswith("You have 3 briefings being written already")
    assert "overview-briefing-job" not in refused and "overview-briefing-status" not in refused, (
        "the briefing shown, if any, is kept")
    polled = _poll(viewer, ids[2], 3)
    assert "overview-briefing-refused" not in polled, "the poll of the briefing shown leaves the refusal in place"
    with app.app_context():
        db.session.execute(sa.update(BriefingJob).where(BriefingJob.id == ids[2]).values(
            status=jobs.FAILED, message="The briefing could not be written."))
        db.session.commit()
    ended = _poll(viewer, ids[2], 4)
    assert ended["overview-briefing-refused"]["children"] is None, "the refusal goes once the briefing shown ends"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingJob)) == before, "nothing queued"
        db.session.execute(sa.update(BriefingJob).where(BriefingJob.id == ids[0]).values(status=jobs.DONE))
        db.session.commit()
    _until_done(viewer, _click(viewer, "xlsx", agency["agency_id"]))


def test_a_second_briefing_is_not_started_while_the_panels_is_being_written(app, agency, client_as):
    """PDF then Excel a moment later: the panel followed the Excel one only, and the PDF was never sent.
    The second is refused, saying which is being prepared; once that is ready another may start."""
    viewer = _ready(client_as("viewer"))
    with app.app_context():
        owner = db.session.scalar(sa.select(User.id).where(User.role == Role.viewer))
        now = datetime.now(UTC)
        db.session.add(BriefingJob(id="pdf-being-written-xxxxxxx", owner_id=owner, fmt="pdf", status=jobs.RUNNING,
                                   stage="Writing", percent=40, created_at=now, heartbeat_at=now))
        db.session.commit()
    values = {"overview-briefing-xlsx.n_clicks": 1, "overview-period.value": NOW,
              "overview-agency.value": str(agency["agency_id"]), JOB: "pdf-being-written-xxxxxxx"}
    refused = callback_answer(viewer, callback_body(JOB, values, "overview-briefing-xlsx.n_clicks"))
    assert refused["overview-briefing-refused"]["children"].startswith(
        "No second briefing was started: the PDF briefing is still being prepared"), refused
    assert "overview-briefing-job" not in refused, "the panel keeps following the PDF"
    with app.app_context():
        db.session.execute(sa.update(BriefingJob).where(BriefingJob.id == "pdf-being-written-xxxxxxx")
                           .values(status=jobs.DONE))
        db.session.commit()
    started = callback_answer(viewer, callback_body(JOB, values, "overview-briefing-xlsx.n_clicks"))
    assert started["overview-briefing-job"]["data"] != "pdf-being-written-xxxxxxx" and \
        started["overview-briefing-refused"]["children"] is None


def test_a_second_click_before_the_first_answer_follows_the_first_briefing(app, agency, client_as, monkeypatch):
    """PDF then Excel 30 ms apart: the page sent the second before it heard of the first (Dash keeps the
    newer answer), so two jobs ran and the PDF was never sent. The second now follows the first."""
    monkeypatch.setattr(jobs, "dispatch", lambda *args, **kwargs: None)  # queued, not yet written
    viewer = _ready(client_as("viewer"))
    values = {"overview-period.value": NOW, "overview-agency.value": str(agency["agency_id"])}
    first = callback_answer(viewer, callback_body(JOB, {**values, "overview-briefing-pdf.n_clicks": 1},
                                                  "overview-briefing-pdf.n_clicks"))["overview-briefing-job"]["data"]
    second = callback_answer(viewer, callback_body(JOB, {**values, "overview-briefing-xlsx.n_clicks": 1},
                                                   "overview-briefing-xlsx.n_clicks"))  # the page's job: none yet
    assert second["overview-briefing-job"]["data"] == first, "the page follows the briefing already started"
    assert second["overview-briefing-refused"]["children"].startswith(
        "No second briefing was started: the PDF briefing started a moment ago is being prepared")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingJob)
                                 .where(BriefingJob.status == jobs.QUEUED)) == 1


def test_clicks_at_the_same_moment_never_pass_the_limit(app, agency, monkeypatch):
    """Eight briefings asked for at once by one user: at most BRIEFING_MAX_OPEN are kept, the others
    refused and not left behind."""
    import threading

    monkeypatch.setattr(jobs, "dispatch", lambda *args, **kwargs: None)  # queued, never run: they stay open
    with app.app_context():
        user = User(email="quick.clicker@test.gov", role=Role.viewer)
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()
        owner = user.id
    def request(agency_id):  # each of other filters: one of the same filters a moment ago would be JustStarted
        return jobs.Request(owner, "quick.clicker@test.gov", common.Scope(Role.viewer, None, None), None, agency_id,
                            "pdf", date(2026, 8, 15))
    start, outcomes, agencies = threading.Barrier(8), [], iter(range(1, 9))

    def click():
        agency_id = next(agencies)
        with app.app_context():
            start.wait()
            try:
                outcomes.append(jobs.start(app, request(agency_id))[0])
            except jobs.TooMany:
                outcomes.append(None)
            finally:
                db.session.remove()
    at_once(click, 8)
    kept = [job for job in outcomes if job]
    with app.app_context():
        stored = set(db.session.scalars(sa.select(BriefingJob.id).where(BriefingJob.owner_id == owner)))
    assert len(outcomes) == 8 and len(kept) == 3, outcomes  # counted one after another: exactly the limit
    assert stored == set(kept), "the refused ones left no job behind"


@pytest.mark.parametrize("period, agency_id, said", [
    ("FY2099-Q1", None, "FY2099-Q1 has no survey results"),
    (NOW, 99999, "there is no agency with the id 99999"),
])
def test_a_briefing_of_filters_the_page_does_not_offer_is_not_started(app, agency, client_as, period, agency_id,
                                                                       said):
    """A stale or hand-made request: an agency not there was written as "All agencies" over no programs,
    and a quarter without data as an empty briefing."""
    executive = _ready(client_as("executive"))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(BriefingJob))
    refused = callback_answer(executive, callback_body(JOB, {
        "overview-briefing-pdf.n_clicks": 1, "overview-period.value": period,
        "overview-agency.value": str(agency_id) if agency_id else "all"}, "overview-briefing-pdf.n_clicks"))
    assert refused["overview-briefing-refused"]["children"].startswith("No briefing was started: ")
    assert said in refused["overview-briefing-refused"]["children"]
    assert "overview-briefing-job" not in refused
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingJob)) == before


def test_the_briefings_links_lead_to_the_sites_address_not_the_requests_host(app, monkeypatch):
    """A request's Host header is the client's to write: with SCORECARD_BASE_URL set, the briefing's links
    use it (as the reminders' do); without it, the address the request came to."""
    from dashboards.briefing.panel import site_address

    monkeypatch.setitem(app.config, "BASE_URL", "https://cx.agency.gov/")
    with app.test_request_context("/dashboards/", headers={"Host": "evil.example"}):
        assert site_address() == "https://cx.agency.gov/"
    monkeypatch.setitem(app.config, "BASE_URL", "")
    with app.test_request_context("/dashboards/", headers={"Host": "cx.internal:8000"}):
        assert site_address() == "http://cx.internal:8000/"


def test_a_briefings_file_is_named_with_one_hyphen_between_words():
    """"Department of Public Services (demo)" was written "...-services--demo.pdf", and "Health & Human
    Services" "health---human-services"."""
    def stem(agency: str) -> str:
        return content.Briefing("CX briefing", "FY2025-Q1", agency, "", datetime(2025, 2, 1)).file_stem

    assert stem("Department of Public Services (demo)") == "cx-briefing-FY2025-Q1-department-of-public-services-demo"
    assert stem("U.S. Department of Health & Human Services") == (
        "cx-briefing-FY2025-Q1-u-s-department-of-health-human-services")
    assert stem("All agencies") == "cx-briefing-FY2025-Q1-all-agencies"
    assert stem("(—)") == "cx-briefing-FY2025-Q1-all"


def test_a_briefing_of_no_red_program_and_no_plans_says_so_not_what_is_missing():
    """An agency without red programs or plans: the red programs' note spoke of "the explanation of the rule
    finding" behind statuses there were none of, and the leaders' caption of "proposed below 3 in plans"."""
    red = content.Table(caption="Red programs", name="red", rows=[], columns=[])
    assert content.red_programs_note(red, "FY2022-Q2") == "No program is red in FY2022-Q2."
    none = content.leaders_table(queries.LeadersBelow(None), "")
    assert none.caption == "Leaders with CX requirements proposed below 3"
    some = content.leaders_table(queries.LeadersBelow(2027, plans=3), "")
    assert some.caption == "Leaders with CX requirements proposed below 3 in FY2027 plans"


def test_each_red_program_names_who_answers_for_it(app, agency):
    """The briefing's red programs gave the reason but not who answers for each one: the leaders whose plans
    read it and the commitments tied to it, as the program page's accountability says (the role's plans)."""
    with app.app_context():
        pension = db.session.scalar(sa.select(Program).where(Program.name == "Pension Claims"))
        portal = db.session.scalar(sa.select(Commitment).where(Commitment.title == "Modernize the pension portal"))
        portal.programs.append(pension)
        db.session.commit()
    _, made = _briefing(app, agency_id=agency["agency_id"])
    red = {r["program"]: r for r in made.section(content.RED_PROGRAMS).table.rows}
    assert red["Pension Claims"]["leaders"] == "FY2026 plans: Dana Reyes."
    assert red["Pension Claims"]["commitments"] == "CFO: Modernize the pension portal (at risk, overdue)."
    assert red["Disability Appeals"]["commitments"] == "No commitment is tied to this program."
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(made)))
    header, rows = _sheet(book, content.RED_PROGRAMS)
    assert header[-2:] == ["Leaders answering for it", "Commitments"]
    assert "FY2026 plans: Dana Reyes." in [row[-2] for row in rows]
    text = pdf_text(pdf.render(made))
    assert "Dana Reyes" in text and "Leaders answering for it" in text
    _, seen = _briefing(app, role="viewer", agency_id=agency["agency_id"])
    red = {r["program"]: r for r in seen.section(content.RED_PROGRAMS).table.rows}
    assert red["Pension Claims"]["leaders"] == "Performance plans are not shown to your role."
    assert "Modernize the pension portal" in red["Pension Claims"]["commitments"]


def test_a_red_programs_leaders_say_when_the_role_does_not_see_them_all():
    """An officer's or a leader's briefing named only the leaders whose plans they see ("FY2026 plans: Avery
    Alvarez.") as all who answer for a red program, where the program page says 16 more plans read it."""
    from dashboards.queries.accountability import Accountability, PlanLine

    seen = [PlanLine(plan_id=1, href="/plans/1", leader="Avery Alvarez", title=None, fiscal_year=2026)]
    assert content.answerable_leaders(Accountability(plans=seen, hidden_plans=16), 2026) == (
        "FY2026 plans: Avery Alvarez. 16 more plans read it that your role does not see.")
    assert content.answerable_leaders(Accountability(plans=seen, hidden_plans=1), 2026) == (
        "FY2026 plans: Avery Alvarez. 1 more plan reads it that your role does not see.")
    assert content.answerable_leaders(Accountability(plans=seen), 2026) == "FY2026 plans: Avery Alvarez."


def test_a_red_programs_leaders_of_another_year_say_the_quarters_year_has_none():
    """A briefing of FY2024-Q1 named "FY2027 plans: ..." as the leaders answering for its red programs, with
    nothing to say no FY2024 plan read them: this year's leaders on the hook for a quarter three years back."""
    from dashboards.queries.accountability import Accountability, PlanLine

    seen = [PlanLine(plan_id=1, href="/plans/1", leader="Avery Alvarez", title=None, fiscal_year=2027)]
    assert content.answerable_leaders(Accountability(plans=seen), 2024) == (
        "No FY2024 plan reads it; FY2027 plans: Avery Alvarez.")
    # the nearest year's leaders, not the newest's: FY2025-Q2's briefing named FY2027's and skipped FY2026's
    seen.append(PlanLine(plan_id=2, href="/plans/2", leader="Blake Brown", title=None, fiscal_year=2026))
    assert content.answerable_leaders(Accountability(plans=seen), 2025) == (
        "No FY2025 plan reads it; FY2026 plans: Blake Brown.")


def test_a_tables_last_row_is_never_alone_on_a_page_and_its_links_read_as_links():
    """The PDF left the last row of "What changed" alone on a page, the rest of it blank; and a linked name was
    drawn black and bold, as a label, nothing saying it could be followed."""
    from dashboards.tables import Column, Table

    alone = []
    for count in range(20, 90):
        made = pdf.TaggedPDF("Rows")
        made.add_page()
        made.table_of(Table(caption="Rows", name="rows", columns=[Column("name", "Name", link="href")],
                            rows=[{"name": f"Row {n}", "href": f"https://x.test/{n}"} for n in range(count)]))
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(bytes(made.output()))).pages]
        if len(pages) > 1:
            alone.append(len(re.findall(r"Row \d+", pages[-1])))
    assert alone and min(alone) >= 2, alone
    # in a briefing, after a section of any length: a table of two rows is never split, and a section's heading
    # is never left at a page's foot without its table
    def table(rows, tag):
        return Table(caption=f"{tag} caption", name=tag, columns=[Column("name", "Name", link="href")],
                     rows=[{"name": f"{tag}-Row{n} " + "words " * 12, "href": f"https://x.test/{n}"}
                           for n in range(rows)])
    for filler in range(10, 70, 5):
        made = content.Briefing(title="T", period="FY2026-Q1", agency="A", prepared_for=None,
                                prepared_on=datetime(2026, 1, 1), sections=[
                                    content.Section("f", "Filler", "note", table(filler, "F")),
                                    content.Section("s", "Target section", "A note.", table(2, "S"))])
        for page in PdfReader(io.BytesIO(pdf.render(made))).pages:
            text = page.extract_text()
            assert len(re.findall(r"S-Row\d", text)) in (0, 2), (filler, text[-300:])
            assert ("Target section" in text) == bool(re.findall(r"S-Row\d", text)), (filler, text[-300:])
    made = pdf.TaggedPDF("Link")
    made.add_page()
    made.table_of(Table(caption="Links", name="links", columns=[Column("name", "Name", link="href")],
                        rows=[{"name": "Benefits Call Center", "href": "https://x.test/1"}]))
    content_stream = PdfReader(io.BytesIO(bytes(made.output()))).pages[0].get_contents().get_data().decode("latin-1")
    assert "0 0.3686 0.6353 rg" in content_stream, "USWDS's link blue"


def test_an_overdue_commitments_reason_is_in_the_briefing_of_who_may_open_its_page(demo, demo_today):
    """The briefing's overdue commitments gave every role each one's reason (what its officer or leader wrote),
    where the commitment's page and the API refuse a viewer, another function's officer or another leader."""
    from dashboards.briefing.content import overdue_table
    from dashboards.queries import common
    from scorecard.commitments.services import may_see
    from scorecard.models import Commitment, Function

    with demo.app_context():
        cfo = db.session.scalar(sa.select(Function.id).where(Function.code == "CFO"))
        scopes = {"executive": common.Scope(Role.executive), "viewer": common.Scope(Role.viewer),
                  "CFO officer": common.Scope(Role.officer, function_id=cfo)}
        reasons = {name: {row["title"]: row["reason"] for row in overdue_table(db.session, scope, demo_today,
                                                                              "http://x.test/").rows}
                   for name, scope in scopes.items()}
        commitments = {c.title: c for c in db.session.scalars(sa.select(Commitment).where(
            Commitment.title.in_(list(reasons["executive"]))))}
        seen = {name: {title for title in reasons[name] if may_see(scope, commitments[title])}
                for name, scope in scopes.items()}
        written = {title: c.reason for title, c in commitments.items()}
    assert len(reasons["executive"]) >= 2 and all(reasons["executive"][t] == written[t] for t in written)
    for name in ("viewer", "CFO officer"):
        assert set(reasons[name]) == set(written), "every overdue commitment is listed, as the overview counts it"
        assert seen[name] != set(written), name
        for title, reason in reasons[name].items():
            assert reason == (written[title] if title in seen[name] else "not shown to your role"), (name, title)
