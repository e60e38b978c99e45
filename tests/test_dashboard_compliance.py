"""A-11 reporting compliance on a small agency built here: each program and quarter reported, late,
reported without counts, below the minimum sample or not reported; who is designated (a program
from its first quarter with results, a HISP's program that never reported in every quarter); each
quarter's counts; the page, its callbacks, downloads and hostile values."""
import base64
import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import openpyxl
import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from dashboards.figures.compliance import compliance_figure
from dashboards.queries import common
from dashboards.queries import compliance as queries
from scorecard.a11 import ensure_standard_metrics, v2_metric_code
from scorecard.clock import agency_today, day_of
from scorecard.extensions import db
from scorecard.models import Agency, BatchStatus, Component, ImportBatch, Observation, Program, Role, subject_key
from tests.helpers import CALLBACK_URL as URL
from tests.helpers import callback_answer as answer
from tests.helpers import callback_body as body
from tests.helpers import json_objects

Q1, Q2, Q3, Q4 = "FY2025-Q1", "FY2025-Q2", "FY2025-Q3", "FY2025-Q4"
ENOUGH = [0, 5, 15, 45, 35]  # n 100
FEW = [0, 1, 2, 4, 3]        # n 10


def observe(session, program, code, period, *, counts=None, value=None, n=None, batch=None, channel="web"):
    metric = ensure_standard_metrics(session)[code]
    session.flush()
    counts = list(counts) if counts else [None] * 5
    session.add(Observation(
        metric_id=metric.id, agency_id=program.component.agency_id, component_id=program.component_id,
        program_id=program.id, subject_key=subject_key(program_id=program.id), period=period, channel=channel,
        touchpoint="", n=sum(counts) if counts[0] is not None else n, value=value, count_1=counts[0],
        count_2=counts[1], count_3=counts[2], count_4=counts[3], count_5=counts[4],
        import_batch_id=None if batch is None else batch.id, first_import_batch_id=None if batch is None else batch.id))


def committed(session, name: str, when: datetime) -> ImportBatch:
    batch = ImportBatch(filename=name, checksum=name, status=BatchStatus.committed, committed_at=when)
    session.add(batch)
    session.flush()
    return batch


def build(session) -> dict:
    """A HISP with five programs (Easy never reports) and a bureau, not a HISP, with two (George never
    reports). FY2025-Q3 ended on 2025-06-30, so its results were due on 2025-07-30."""
    ensure_standard_metrics(session)
    agency = Agency(code="DA", name="Department A")
    hisp = Component(agency=agency, code="H", name="Benefits", is_hisp=True)
    bureau = Component(agency=agency, code="B", name="Small Bureau")
    p = {name: Program(component=c, code=f"P-{name}", name=name) for name, c in (
        ("Able", hisp), ("Baker", hisp), ("Charlie", hisp), ("Delta", hisp), ("Easy", hisp),
        ("Fox", bureau), ("George", bureau))}
    session.add_all([agency, *p.values()])
    session.flush()
    on_time = committed(session, "q3-on-time.xlsx", datetime(2025, 7, 20, 15, tzinfo=UTC))
    late = committed(session, "q3-late.xlsx", datetime(2025, 8, 25, 12, tzinfo=UTC))
    for period in (Q1, Q2, Q3, Q4):
        observe(session, p["Able"], "trust", period, counts=ENOUGH, batch=on_time if period == Q3 else None)
    observe(session, p["Able"], "satisfaction", Q3, counts=ENOUGH, batch=late)  # a later addition: still on time
    observe(session, p["Baker"], "trust", Q3, counts=ENOUGH, batch=late)
    observe(session, p["Charlie"], "trust", Q3, value=None)                  # a question without answers
    observe(session, p["Delta"], "trust", Q3, counts=FEW)                     # too few
    observe(session, p["Delta"], "satisfaction", Q3, counts=ENOUGH)           # not the trust question
    observe(session, p["Fox"], v2_metric_code("positive", "ease"), Q2, value=40.0, n=20)
    observe(session, p["Fox"], "trust", Q4, counts=ENOUGH)
    session.commit()
    return {"programs": p, "agency": agency}


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


def _cells(found, name: str) -> dict[str, queries.Cell]:
    row = next(r for r in found.rows if r.program == name)
    return {cell.period: cell for cell in row.cells}


def test_each_cell_says_how_the_program_reported(world):
    found = queries.compliance(db.session, Q4, 4, min_n=30)
    assert found.periods == [Q1, Q2, Q3, Q4]
    q3 = {row.program: row.cells[2] for row in found.rows}
    assert q3["Able"].status == queries.REPORTED and q3["Able"].respondents == 100
    assert {type(v) for cell in q3.values() for v in (cell.respondents, cell.observations, cell.without_batch)
            if v is not None} == {int}, "whole numbers on every database (PostgreSQL sums bigints as numeric)"
    assert q3["Able"].timing == "on time: committed 2025-07-20, due 2025-07-30"
    assert q3["Baker"].status == queries.LATE and q3["Baker"].days_late == 26
    assert q3["Baker"].timing == "late: committed 2025-08-25, due 2025-07-30 (26 days after)"
    assert q3["Charlie"].status == queries.WITHOUT_COUNTS and not q3["Charlie"].with_counts
    assert q3["Delta"].status == queries.BELOW_MINIMUM and q3["Delta"].respondents == 10, (
        "the trust question's respondents, not the largest question's")
    assert q3["Easy"].status == queries.NOT_REPORTED
    assert _cells(found, "Able")[Q1].timing.startswith("date of reporting unknown"), "never called late"


def test_a_report_one_day_late_says_one_day():
    cell = queries.Cell(Q3, queries.LATE, first_committed=datetime(2025, 7, 31, 14, tzinfo=UTC),
                        due=datetime(2025, 7, 30).date(), late=True)
    assert cell.timing == "late: committed 2025-07-31, due 2025-07-30 (1 day after)"


def test_performance_govs_published_history_imported_today_is_not_late(world):
    """The real performance.gov files imported in 2026 made every FY2021-FY2023 quarter 'late', which also hid
    a quarter reported without counts: their batch was committed when the history was brought in."""
    from scorecard.a11 import PERFGOV_COLLECTIONS_FORMAT, PERFGOV_TRUST_FORMAT

    p = world["programs"]
    for name, fmt, counts in (("George", PERFGOV_TRUST_FORMAT, ENOUGH), ("Easy", PERFGOV_COLLECTIONS_FORMAT, None)):
        batch = committed(db.session, f"{fmt}.csv", datetime(2026, 11, 30, 12, tzinfo=UTC))
        batch.format = fmt
        observe(db.session, p[name], "trust", Q1, counts=counts, batch=batch)
    db.session.commit()
    q1 = {row.program: row.cells[0] for row in queries.compliance(db.session, Q4, 4, min_n=30).rows}
    assert q1["George"].status == queries.REPORTED and not q1["George"].late
    assert q1["George"].timing.startswith("date of reporting unknown (published on performance.gov")
    assert q1["Easy"].status == queries.WITHOUT_COUNTS, "its own word, not hidden under 'late'"
    metrics = committed(db.session, "metrics.csv", datetime(2026, 11, 30, 12, tzinfo=UTC))
    metrics.format = "metrics"
    observe(db.session, p["Fox"], "trust", Q1, counts=ENOUGH, batch=metrics)
    db.session.commit()
    fox = {row.program: row.cells[0] for row in queries.compliance(db.session, Q4, 4, min_n=30).rows}["Fox"]
    assert fox.status == queries.LATE, "an agency's own upload, long after the due date, is late"


def test_a_quarter_is_reported_when_its_first_batch_was_committed(world):
    able = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Able")[Q3]
    assert able.status == queries.REPORTED and day_of(able.first_committed).isoformat() == "2025-07-20", (
        "a batch adding to the quarter after the due date does not make it late")
    assert not able.late and able.observations == 2


@pytest.mark.parametrize("zone, late", [("America/New_York", False), ("UTC", True)])
def test_a_report_committed_in_the_evening_of_its_due_day_is_on_time(monkeypatch, zone, late):
    """A batch committed at 10 p.m. Eastern on the due day (2 a.m. the next day in UTC) was counted a day late
    and its cell said "committed" the next day: days were UTC days, not the agency's."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from scorecard import clock

    monkeypatch.setattr(clock, "_zone", ZoneInfo(zone))
    fact = {"trust": 100, "largest": 100, "committed": datetime(2025, 7, 31, 2, tzinfo=UTC), "undated": 0,
            "observations": 1, "without": 0, "counts": True}
    cell = queries.cell_of(Q3, fact, True, 30, date(2026, 1, 1))
    assert cell.due == date(2025, 7, 30) and cell.late is late
    assert cell.timing == ("late: committed 2025-07-31, due 2025-07-30 (1 day after)" if late
                           else "on time: committed 2025-07-30, due 2025-07-30")


def test_designation_from_the_first_quarter_with_results_or_always_for_a_silent_hisp_program(world):
    found = queries.compliance(db.session, Q4, 4, min_n=30)
    assert [row.program for row in found.rows] == ["Able", "Baker", "Charlie", "Delta", "Easy", "Fox"], (
        "George, outside a HISP with no results, is never designated")
    fox = _cells(found, "Fox")
    assert [fox[q].status for q in (Q1, Q2, Q3, Q4)] == [
        queries.NOT_DESIGNATED, queries.BELOW_MINIMUM, queries.NOT_REPORTED, queries.REPORTED]
    assert fox[Q2].respondents == 20, "a v2 aspect's respondents when the trust question is missing"
    baker = _cells(found, "Baker")
    assert [baker[q].status for q in (Q1, Q2, Q3, Q4)] == [
        queries.NOT_DESIGNATED, queries.NOT_DESIGNATED, queries.LATE, queries.NOT_REPORTED], (
        "a HISP program too is held from its first report on")
    easy = _cells(found, "Easy")
    assert all(easy[q].status == queries.NOT_REPORTED for q in (Q1, Q2, Q3, Q4)), (
        "a HISP program that never reported is due every quarter")
    assert queries.compliance(db.session, Q2, 2, min_n=30).periods == [Q1, Q2]


def test_each_quarter_counts_the_designated_programs(world):
    found = queries.compliance(db.session, Q4, 4, min_n=30)
    q1, q2, q3, q4 = found.quarters
    assert (q1.designated, q1.reported) == (2, 1), "Able, and Easy that never reported"
    assert (q2.designated, q2.reported) == (3, 2), "and Fox, from its first results"
    assert q3.counts == {queries.NOT_REPORTED: 2, queries.LATE: 1, queries.WITHOUT_COUNTS: 1,
                         queries.BELOW_MINIMUM: 1, queries.NOT_YET_DUE: 0, queries.REPORTED: 1}
    assert q3.due.isoformat() == "2025-07-30" and q3.share == pytest.approx(4 / 6)
    assert (q4.designated, q4.reported) == (6, 2)


def test_a_quarter_whose_results_are_not_yet_due_awaits_them_and_is_not_where_the_dashboards_open(world):
    """One program's results uploaded into the quarter under way turned every other program "not reported",
    and every dashboard opened on that quarter."""
    from datetime import date

    q4_due = date(2025, 10, 30)  # FY2025-Q4 ended on 30 September 2025
    during = queries.compliance(db.session, Q4, 4, min_n=30, today=q4_due)
    after = queries.compliance(db.session, Q4, 4, min_n=30, today=q4_due + timedelta(days=1))
    easy_during, easy_after = _cells(during, "Easy"), _cells(after, "Easy")
    assert easy_during[Q4].status == queries.NOT_YET_DUE and easy_during[Q4].timing == "due 2025-10-30"
    assert easy_during[Q3].status == queries.NOT_REPORTED, "an earlier quarter's results were due"
    assert easy_after[Q4].status == queries.NOT_REPORTED
    q4 = during.quarters[-1]
    assert (q4.designated, q4.reported, q4.awaited, q4.counts[queries.NOT_REPORTED]) == (6, 2, 4, 0)
    assert (after.quarters[-1].reported, after.quarters[-1].counts[queries.NOT_REPORTED]) == (2, 4)
    names = [t.name for t in go.Figure(compliance_figure(during)).data]
    assert "not yet due" in names and "not yet due" not in [t.name for t in go.Figure(compliance_figure(after)).data]

    assert common.chosen_period(db.session, None, today=date(2025, 9, 30)) == Q3, "Q4 is under way"
    assert common.chosen_period(db.session, None, today=date(2025, 10, 1)) == Q4, "Q4 has ended: its results come in"
    assert common.chosen_period(db.session, Q4, today=date(2025, 9, 1)) == Q4, "chosen, it is shown"
    assert common.chosen_period(db.session, None, today=date(2024, 1, 1)) == Q4, "none ended: the latest with data"


def test_the_quarters_shown_and_the_filters(world):
    assert queries.shown_periods(db.session, None, 2) == [Q3, Q4]
    assert queries.shown_periods(db.session, Q3, None) == [Q1, Q2, Q3], "never before the first quarter with data"
    assert queries.shown_periods(db.session, "FY2024-Q1", 4) == []
    found = queries.compliance(db.session, None, 2, common.ProgramFilter(world["agency"].id))
    assert found.periods == [Q3, Q4] and len(found.rows) == 6
    assert queries.compliance(db.session, None, 2, common.ProgramFilter(2**31 - 1)).rows == []
    assert queries.quarters_value("all") is None and queries.quarters_value("8") == 8


def test_an_empty_database_has_nothing_to_show(app):
    with app.app_context():
        found = queries.compliance(db.session)
        assert found.periods == [] and found.rows == []
        assert not go.Figure(compliance_figure(found)).data  # a go.Figure or its JSON: the same figure


def test_the_chart_stacks_every_status_with_its_pattern(world):
    figure = go.Figure(compliance_figure(queries.compliance(db.session, Q4, 4, min_n=30)))  # as Plotly reads it
    assert [trace.name for trace in figure.data] == [
        "reported", "late", "reported without counts", "below minimum sample", "not reported"]
    assert len({trace.marker.pattern.shape for trace in figure.data}) == 5, "colour is never the only signal"
    assert [a.text for a in figure.layout.annotations] == ["1<br>of 2", "2<br>of 3", "4<br>of 6", "2<br>of 6"]


# ------------------------------------------------------------------------------ the page


@pytest.fixture
def executive(app, client_as):
    with app.app_context():
        build(db.session)
    client = client_as("executive")
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    return client


FILTERS = {"compliance-through.value": Q4, "compliance-quarters.value": "4", "compliance-agency.value": "all",
           "compliance-component.value": "all", "compliance-sort.value": "name"}


def test_the_page_draws_the_grid_first(executive):
    shown = answer(executive, body("compliance-grid.children", FILTERS, "compliance-through.value"))
    grid = json.dumps(shown["compliance-grid"], ensure_ascii=False)
    assert "A-11 reporting status by program and quarter, FY2025-Q1 to FY2025-Q4" in grid
    assert "status-badge--not_reported" in grid and "not reported" in grid and "status-badge--late" in grid
    said = shown["compliance-summary"]["children"]
    assert said.startswith("FY2025-Q4: 2 of 6 designated programs reported (33%): "), said
    parts = re.search(r"\): (\d+) on time with enough answers, (\d+) late, (\d+) without counts, (\d+) below the "
                      r"minimum sample of \d+; (\d+) not reported\.", said)
    assert parts and sum(map(int, parts.groups()[:4])) == 2, f"the 2 reported, split by how: {said}"
    exceptions = json.dumps(shown["compliance-exceptions"])
    assert "late: committed 2025-08-25, due 2025-07-30 (26 days after)" in exceptions
    assert "below minimum sample" in exceptions and "2025-07-20" not in exceptions, "on time is no exception"



def test_fewer_quarters_than_asked_for_says_so(executive):
    """Through FY2025-Q2 with 4 quarters asked for, the page read "Quarters shown: 4 quarters" over a grid of
    two, FY2025-Q1 to FY2025-Q2, saying nothing of the other two: there are no results before FY2025-Q1."""
    shown = answer(executive, body("compliance-grid.children", {**FILTERS, "compliance-through.value": Q2},
                                   "compliance-through.value"))
    assert "FY2025-Q1 to FY2025-Q2" in json.dumps(shown["compliance-grid"])
    said = shown["compliance-summary"]["children"]
    assert said.endswith(" Shown: 2 of the 4 quarters asked for; there are no survey results before FY2025-Q1."), said
    full = answer(executive, body("compliance-grid.children", FILTERS, "compliance-through.value"))
    assert "Shown:" not in full["compliance-summary"]["children"], "the 4 asked for, shown"


def test_a_component_narrows_the_grid_and_its_downloads(executive):
    """At 50 components an agency's grid was one of 500 programs: a component narrows it, as on the heatmap."""
    with executive.application.app_context():
        bureau = db.session.scalar(sa.select(Component.id).where(Component.name == "Small Bureau"))
    chosen = {**FILTERS, "compliance-component.value": str(bureau)}
    shown = answer(executive, body("compliance-grid.children", chosen, "compliance-component.value"))
    grid = shown["compliance-grid"]["children"]["props"]["children"]["props"]["html"]
    # George, of a bureau that is not a HISP, has never reported: designated in no quarter, as with every component
    assert re.findall(r'<th scope="row"><a [^>]*>(\w+)<', grid) == ["Fox"], grid[:400]
    assert shown["compliance-summary"]["children"].startswith("FY2025-Q4: 1 of 1 designated program reported")
    data = answer(executive, body("compliance-grid-download.data", {**chosen, "compliance-grid-csv.n_clicks": 1},
                                  "compliance-grid-csv.n_clicks"))
    rows = list(csv.reader(io.StringIO(base64.b64decode(data["compliance-grid-download"]["data"]["content"])
                                       .decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Fox"]
    page = answer(executive, body("_pages_content.children", {
        "_pages_location.pathname": "/dashboards/compliance", "_pages_location.search": f"?component={bureau}"},
        "_pages_location.pathname"))
    controls = {node["props"]["id"]: node["props"].get("value") for node in json_objects(page)
                if node.get("type") == "Dropdown"}
    assert controls["compliance-component"] == str(bureau), "the address keeps the component chosen"


def test_worst_first_puts_the_programs_that_did_not_report_first(executive):
    shown = answer(executive, body("compliance-grid.children", {**FILTERS, "compliance-sort.value": "worst"},
                                   "compliance-sort.value"))
    grid = shown["compliance-grid"]["children"]["props"]["children"]["props"]["html"]
    first = grid.split('<th scope="row">', 2)[1]
    assert ">Easy<" in first
    assert re.search(r'href="/dashboards/program\?id=\d+&amp;period=FY2025-Q4"', first), "the last quarter's"


def test_the_grid_downloads_exactly_what_it_shows(executive):
    shown = answer(executive, body("compliance-grid.children", FILTERS, "compliance-through.value"))
    html = shown["compliance-grid"]["children"]["props"]["children"]["props"]["html"]
    data = answer(executive, body("compliance-grid-download.data", {**FILTERS, "compliance-grid-csv.n_clicks": 1},
                                  "compliance-grid-csv.n_clicks"))
    sent = data["compliance-grid-download"]["data"]
    assert sent["filename"] == "a11-compliance-FY2025-Q4-quarters-4.csv", "the quarters chosen named"
    rows = list(csv.reader(io.StringIO(base64.b64decode(sent["content"]).decode("utf-8-sig"))))
    assert rows[0] == ["Program", Q1, Q2, Q3, Q4, "Component", "Agency", "HISP", "First quarter with results"]
    assert len(rows) - 1 == html.count("<tr>") - 1 == 6
    assert rows[-1][:5] == ["Fox", "not designated", "below minimum sample", "not reported", "reported"]


def test_the_quarters_table_counts_every_program_reported_in_any_way(executive):
    data = answer(executive, body("compliance-quarters-table-download.data",
                                  {**FILTERS, "compliance-quarters-table-csv.n_clicks": 1},
                                  "compliance-quarters-table-csv.n_clicks"))
    content = base64.b64decode(data["compliance-quarters-table-download"]["data"]["content"]).decode("utf-8-sig")
    rows = [dict(zip(*(lambda r: (r[0], row))(r))) for r in [list(csv.reader(io.StringIO(content)))]
            for row in r[1:]]
    q3 = next(row for row in rows if row["Quarter"] == Q3)
    # Q3: 6 designated, 2 not reported; late, without counts, below minimum and reported 1 each.
    assert (q3["Designated"], q3["Reported (any)"], q3["Reported (%)"], q3["Reported"]) == ("6", "4", "67", "1")
    assert q3["Not reported"] == "2" and q3["Below minimum sample"] == "1"
    assert q3["Due"] == "2025-07-30"
    # In the workbook the due date is a date, not text that reads as one (it sorted and filtered as text).
    data = answer(executive, body("compliance-quarters-table-download.data",
                                  {**FILTERS, "compliance-quarters-table-xlsx.n_clicks": 1},
                                  "compliance-quarters-table-xlsx.n_clicks"))
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(
        data["compliance-quarters-table-download"]["data"]["content"]))).active
    header = [cell.value for cell in sheet[1]]
    due = next(row[header.index("Due")] for row in sheet.iter_rows(min_row=2) if row[0].value == Q3)
    assert due.is_date and due.value.date() == date(2025, 7, 30), (due.value, due.data_type)


def test_the_page_renders_with_its_definitions(executive):
    shown = answer(executive, body("_pages_content.children", {"_pages_location.pathname": "/dashboards/compliance",
                                                               "_pages_location.search": "?quarters=4&sort=name"},
                                   "_pages_location.pathname"))
    text = json.dumps(shown, ensure_ascii=False)
    assert "A-11 reporting compliance" in text and "Designated: " in text and "30 days" in text
    controls = {node["props"]["id"]: node["props"].get("value") for node in json_objects(shown)
                if node.get("type") == "Dropdown"}
    assert controls["compliance-quarters"] == "4" and controls["compliance-sort"] == "name"


@pytest.mark.parametrize("spec, value", [
    ("compliance-through.value", "the last one"), ("compliance-through.value", 2025),
    ("compliance-quarters.value", "7"), ("compliance-quarters.value", 8),
    ("compliance-agency.value", "-1"), ("compliance-agency.value", [1]), ("compliance-component.value", "x"),
    ("compliance-sort.value", "best"), ("compliance-sort.value", {"by": "name"}),
    ("compliance-through.value", "FY1900-Q1"), ("compliance-through.value", "1900-01-01"),  # they were 500s
    ("compliance-through.value", "FY2101-Q1"),
])
def test_hostile_values_answer_400(executive, spec, value):
    response = executive.post(URL, json=body("compliance-grid.children", {**FILTERS, spec: value}, spec))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["detail"].startswith(f"{spec}: ")


def test_a_quarter_after_the_latest_with_data_shows_the_latest(executive):
    """A grid through FY2100 of every quarter was every program "not reported" 300 times over: 28 MB
    of answer, kept by the cache, for any signed-in user who asked."""
    latest = answer(executive, body("compliance-grid.children", {**FILTERS, "compliance-quarters.value": "all"},
                                    "compliance-through.value"))
    later = answer(executive, body("compliance-grid.children", {**FILTERS, "compliance-quarters.value": "all",
                                                                "compliance-through.value": "FY2100-Q4"},
                                   "compliance-through.value"))
    assert later == latest and "FY2100" not in json.dumps(later)


def test_a_hostile_download_answers_400(executive):
    request = body("compliance-exceptions-download.data", {**FILTERS, "compliance-exceptions-xlsx.n_clicks": True},
                   "compliance-exceptions-xlsx.n_clicks")
    response = executive.post(URL, json=request)
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("compliance-exceptions-xlsx.n_clicks: ")


def test_a_correction_after_the_due_date_does_not_make_a_quarter_reported_on_time_late(world, tmp_path):
    """Through the real importer: a quarter reported on time, then every value corrected after the due date.
    The correction moves each observation to its batch; the report was still on time. Reverting the
    correction keeps it so."""
    from importers.pipeline import run_import
    from importers.revert import revert_batch

    def upload(name: str, counts: list[int], when: datetime) -> int:
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["component", "program", "metric", "period", "channel", "n",
                             "count_1", "count_2", "count_3", "count_4", "count_5"])
            for channel in ("web", "phone"):
                writer.writerow(["Benefits", "Easy", "trust", Q3, channel, sum(counts), *counts])
        result = run_import(db.session, path, user_id=None)
        assert result.status == "imported", result.errors
        db.session.get(ImportBatch, result.batch_id).committed_at = when
        db.session.commit()
        return result.batch_id

    upload("q3.csv", [0, 5, 15, 45, 35], datetime(2025, 7, 20, 15, tzinfo=UTC))
    correction = upload("q3-corrected.csv", [1, 5, 14, 45, 35], datetime(2025, 9, 15, 9, tzinfo=UTC))
    stored = db.session.scalars(sa.select(Observation).where(Observation.program_id == world["programs"]["Easy"].id))
    assert {o.import_batch_id for o in stored} == {correction}, "every value was corrected"

    def easy() -> queries.Cell:
        return _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Easy")[Q3]

    assert easy().status == queries.REPORTED and not easy().late
    assert easy().timing == "on time: committed 2025-07-20, due 2025-07-30"
    revert_batch(db.session, correction)
    assert easy().status == queries.REPORTED and easy().timing == "on time: committed 2025-07-20, due 2025-07-30"

    # A quarter first stored without an import batch (a history typed in) has no known date of reporting,
    # and keeps none when an import corrects it long after: it is not thereby late.
    charlie = world["programs"]["Charlie"]
    observe(db.session, charlie, "trust", Q2, counts=ENOUGH)
    db.session.commit()
    assert _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Charlie")[Q2].timing.startswith(
        "date of reporting unknown")
    path = tmp_path / "q2-charlie.csv"
    path.write_text("component,program,metric,period,channel,n,count_1,count_2,count_3,count_4,count_5\n"
                    f"Benefits,Charlie,trust,{Q2},web,100,1,5,14,45,35\n", encoding="utf-8")
    corrected = run_import(db.session, path, user_id=None)
    assert corrected.status == "imported" and corrected.plan.counts["updated"] == 1, corrected.errors
    cell = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Charlie")[Q2]
    assert cell.status == queries.REPORTED and not cell.late and cell.timing.startswith("date of reporting unknown")
    # nor when the import also adds a question: the quarter's first report may be the typed-in one
    path.write_text("component,program,metric,period,channel,n,count_1,count_2,count_3,count_4,count_5\n"
                    f"Benefits,Charlie,trust,{Q2},web,100,2,5,13,45,35\n"
                    f"Benefits,Charlie,satisfaction,{Q2},web,100,1,5,14,45,35\n", encoding="utf-8")
    added = run_import(db.session, path, user_id=None)
    assert added.status == "imported" and added.plan.counts == {
        "inserted": 1, "updated": 1, "unchanged": 0, "removed": 0}
    cell = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Charlie")[Q2]
    assert cell.status == queries.REPORTED and not cell.late and cell.timing.startswith("date of reporting unknown")


def test_the_overview_says_a_quarter_is_still_being_reported(world):
    from datetime import date

    from dashboards.pages.overview import reporting_tile, under_way_notice
    from dashboards.queries.overview import a11_reporting

    during = a11_reporting(db.session, Q4, today=date(2025, 10, 30))
    assert during.under_way and (during.expected, during.reported) == (6, 2)
    words = json.dumps([c.to_plotly_json() for c in under_way_notice(during)], default=str)
    assert "FY2025-Q4 is still being reported: results are due 30 October 2025" in words
    tile = json.dumps(reporting_tile(during, None).to_plotly_json(), default=str)
    assert "so far: results are due 30 October 2025" in tile and "Not reported yet (not yet due):" in tile
    after = a11_reporting(db.session, Q4, today=date(2025, 10, 31))
    assert not after.under_way and under_way_notice(after) == []
    assert "Not reported:" in json.dumps(reporting_tile(after, None).to_plotly_json(), default=str)


def test_the_briefing_and_the_status_tile_say_a_quarter_is_still_being_reported(world):
    """The overview warned that a quarter still being reported reads the programs in so far; its briefing read
    as a complete result, and the status tile said the programs not yet due "reported no results"."""
    from datetime import date

    from dashboards.briefing import content
    from dashboards.pages.overview import status_tile
    from dashboards.queries import common
    from dashboards.queries.overview import overview
    from scorecard.models import Role

    scope = common.Scope(Role.executive, None)
    during, after = date(2025, 10, 30), date(2025, 10, 31)
    note = content.build(db.session, Q4, None, scope, during).sections[0].note
    assert note.startswith("FY2025-Q4 is still being reported: results are due 30 October 2025, and 2 of 6 "
                           "designated programs have reported so far."), note
    assert "still being reported" not in content.build(db.session, Q4, None, scope, after).sections[0].note
    found = overview(db.session, Q4, common.ProgramFilter(None), scope, during)
    tile = json.dumps(status_tile(found.statuses, None, found.reporting).to_plotly_json(), default=str)
    assert "they have not reported FY2025-Q4 yet (not yet due: results are due 30 October 2025)" in tile, tile
    found = overview(db.session, Q4, common.ProgramFilter(None), scope, after)
    tile = json.dumps(status_tile(found.statuses, None, found.reporting).to_plotly_json(), default=str)
    assert "reported no results in FY2025-Q4 (A-11 reporting)" in tile


def test_what_changed_runs_to_today_for_the_quarter_the_pages_open_on_whatever_is_uploaded_after_it(world):
    """One result uploaded into the quarter under way cut "what changed" of the quarter the overview opens
    on at that quarter's end: two months of commitments going overdue dropped out of it and the briefing."""
    from datetime import date

    from dashboards.queries.overview import changes_since_prior

    today = date(2025, 11, 15)  # FY2026-Q1 under way; FY2025-Q4 ended and its results are in
    observe(db.session, world["programs"]["Able"], "trust", "FY2026-Q1", counts=ENOUGH)
    db.session.commit()
    assert common.chosen_period(db.session, None, today) == Q4
    changes = changes_since_prior(db.session, Q4, common.ProgramFilter(), common.Scope(Role.executive), today)
    assert changes.as_of == today, "the quarter the pages open on runs to today"
    earlier = changes_since_prior(db.session, Q3, common.ProgramFilter(), common.Scope(Role.executive), today)
    assert earlier.as_of == date(2025, 6, 30)


def test_every_page_showing_a_quarter_still_being_reported_says_so(app):
    from dashboards import components
    from dashboards.pages import heatmap
    from dashboards.pages import program as program_page
    from dashboards.queries.heatmap import Cell, Heatmap, HeatmapRow
    from dashboards.queries.program import ProgramInfo
    from scorecard.periods import Period

    under_way, long_due = str(Period.from_date(agency_today())), str(Period.from_date(agency_today()).prev(2))
    said = components.still_reported(under_way)
    assert said.startswith(f" {under_way} is still being reported (results are due ") and "so far" in said
    assert components.still_reported(long_due) == "" and components.still_reported(None) == ""
    row = HeatmapRow(1, "Able", "Benefits", [Cell(4.1, 100, 4.0, "green")])
    assert heatmap.summary(Heatmap(under_way, ["trust"], [row])).endswith(said)
    assert not heatmap.summary(Heatmap(long_due, ["trust"], [row])).endswith(said)
    info = ProgramInfo(1, "Able", "P-A", "Benefits", "Department A", True, [], [long_due])
    assert program_page.summary(info, None, under_way).endswith(said)


def test_the_program_page_says_a_designated_program_did_not_report_a_quarter_past_due(app):
    """It said "has no trust answers in FY2026-Q4" where the overview and the compliance page count the
    program as not reported."""
    from dashboards.pages import program as program_page
    from dashboards.queries.program import ProgramInfo
    from scorecard.periods import Period

    now = Period.from_date(agency_today())
    long_due, first, last = str(now.prev(2)), str(now.prev(8)), str(now.prev(4))
    info = ProgramInfo(1, "Able", "P-A", "Benefits", "Department A", True, [], [last, first])
    with app.app_context():
        said = program_page.summary(info, None, long_due)
        assert said.startswith(f"Able did not report A-11 survey results for {long_due} (due "), said
        assert f"it has reported since {first}, most recently for {last}." in said
        before = program_page.summary(info, None, str(now.prev(9)))
        assert before.startswith(f"Able has no trust answers in {now.prev(9)}."), "before its first results: not due"
        assert "did not report" not in program_page.summary(info, None, str(now)), "a quarter still being reported"
        # A HISP's program that never reported is designated in every quarter: its page said only "has no A-11
        # survey answers yet" where the overview and the compliance page list it as not reported.
        never = ProgramInfo(2, "Baker", "P-B", "Benefits", "Department A", True, [], [])
        said = program_page.summary(never, None, long_due)
        assert said.startswith(f"Baker did not report A-11 survey results for {long_due} (due "), said
        assert said.endswith("a HISP's program is designated to report in every quarter, and it has reported none "
                             "yet."), said
        elsewhere = ProgramInfo(3, "Charlie", "P-C", "Small Bureau", "Department A", False, [], [])
        assert program_page.summary(elsewhere, None, long_due) == "Charlie has no A-11 survey answers yet."
        assert program_page.summary(never, None, None) == "Baker has no A-11 survey answers yet."


def test_a_v2_trust_value_typed_without_its_answers_is_reported_without_counts(world):
    """From the v2 survey on, trust is counted from its answers: a value typed with an n of 1,300 judges
    nothing, so its quarter was reported without counts (not "1,300 with counts"). Before the v2 survey a
    mean typed with its n is a count of respondents, as it pools."""
    p = world["programs"]
    observe(db.session, p["Easy"], "trust", Q3, value=4.2, n=1300)
    observe(db.session, p["George"], "trust", "FY2024-Q1", value=4.2, n=1300)
    db.session.commit()
    easy = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Easy")[Q3]
    assert easy.status == queries.WITHOUT_COUNTS and not easy.with_counts and not easy.respondents
    george = _cells(queries.compliance(db.session, "FY2024-Q1", 1, min_n=30), "George")["FY2024-Q1"]
    assert george.status == queries.REPORTED and george.respondents == 1300
    observe(db.session, p["Delta"], "trust", Q3, value=1.0, n=5000, channel="phone")  # beside its 10 counted answers
    db.session.commit()
    delta = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Delta")[Q3]
    assert delta.status == queries.BELOW_MINIMUM and delta.respondents == 10


def test_a_v2_quarter_whose_trust_is_typed_is_without_counts_whatever_its_aspects_n(world):
    """A Touchpoints quarter whose trust answers were replaced by a typed value keeps its aspects' rows (n = 169
    each): the cell read "reported, 169 with counts" where the program page and the rules read no data."""
    p = world["programs"]
    observe(db.session, p["Easy"], "trust", Q3, value=4.9, n=5000)
    observe(db.session, p["Easy"], v2_metric_code("positive", "ease"), Q3, value=40.0, n=169)
    db.session.commit()
    easy = _cells(queries.compliance(db.session, Q4, 4, min_n=30), "Easy")[Q3]
    assert easy.status == queries.WITHOUT_COUNTS and not easy.with_counts and easy.respondents is None


def test_a_v1_mean_typed_beside_counted_answers_counts_its_respondents_as_it_pools(world):
    """Before the v2 survey a mean typed with its n pools beside counted answers (the program page: n = 1,010);
    the cell counted the 10 answers alone and read below the minimum sample."""
    p = world["programs"]
    v1 = "FY2024-Q1"
    observe(db.session, p["George"], "trust", v1, counts=FEW)
    observe(db.session, p["George"], "trust", v1, value=4.5, n=1000, channel="phone")
    db.session.commit()
    george = _cells(queries.compliance(db.session, v1, 1, min_n=30), "George")[v1]
    assert george.status == queries.REPORTED and george.respondents == 1010
