"""The dashboards' reusable pieces without a browser: tables (HTML, CSV, XLSX of exactly what is
shown), status badges in words, filters in the query string, the heatmap figure, the cache."""
import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import openpyxl
import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from dashboards import cache, components, tables, validation
from dashboards.figures import heatmap_figure
from dashboards.figures.heatmap import TITLE_CHARS, TITLE_LINE_PX, titled
from dashboards.queries.heatmap import Cell, Heatmap, HeatmapRow
from dashboards.urlstate import QueryParam, UrlState
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.models import Agency, Component, ImportBatch, Observation, Program
from scorecard.survey import shown_change

TABLE = tables.Table(
    caption="Programs by status, FY2026-Q4",
    columns=[tables.Column("program", "Program", link="href", row_header=True), tables.Column("component", "Component"),
             tables.Column("value", "Trust (1-5)", tables.NUMBER), tables.Column("n", "n", tables.COUNT),
             tables.Column("status", "Status", tables.STATUS)],
    rows=[{"program": "Alpha & Co <b>", "href": "/dashboards/program?id=1&period=FY2026-Q4", "component": "One",
           "value": 3.6049, "n": 1234, "status": "red"},
          {"program": "=HYPERLINK(\"http://x\")", "href": None, "component": "Two", "value": None, "n": None,
           "status": "insufficient_data"}],
    name="program-status-FY2026-Q4")


class Cells(HTMLParser):
    """The table's structure: caption, header cells with their scope, each row's cells as text."""

    def __init__(self):
        super().__init__()
        self.caption, self.headers, self.rows, self.links = "", [], [], []
        self._in, self._cell = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "caption":
            self._in = "caption"
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = [tag, attrs.get("scope"), ""]
        elif tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = None
        elif tag in ("th", "td"):
            self.rows[-1].append(tuple(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._cell is not None:
            self._cell[2] += data


def test_table_html_has_caption_scopes_and_escapes_text():
    parsed = Cells()
    parsed.feed(tables.to_html(TABLE))
    assert parsed.caption == "Programs by status, FY2026-Q4"
    assert parsed.rows[0] == [("th", "col", "Program"), ("th", "col", "Component"), ("th", "col", "Trust (1-5)"),
                              ("th", "col", "n"), ("th", "col", "Status")]
    assert parsed.rows[1] == [("th", "row", "Alpha & Co <b>"), ("td", None, "One"), ("td", None, "3.60"),
                              ("td", None, "1,234"), ("td", None, "red")]
    assert parsed.rows[2][2:] == [("td", None, "—"), ("td", None, "—"), ("td", None, "insufficient data")]
    assert parsed.links == ["/dashboards/program?id=1&period=FY2026-Q4"]
    assert "<b>" not in tables.to_html(TABLE) and "\n" not in tables.to_html(TABLE)
    empty = tables.Table("Nothing", TABLE.columns, [])
    assert 'colspan="5">Nothing to show' in tables.to_html(empty)


def test_each_panels_download_buttons_are_described_by_its_own_summary():
    """A program's page holds five "Download CSV" buttons: each is described by its panel's summary, so
    a screen reader's list of buttons tells them apart."""
    panels = [components.table_panel(name, summary=f"Show the {name} as a table") for name in ("trust", "drivers")]
    for panel, name in zip(panels, ("trust", "drivers")):
        summary = panel.children[0]
        buttons = [c for c in panel.children[1].children if c.__class__.__name__ == "Button"]
        assert summary.id == f"{name}-toggle" and summary.children == f"Show the {name} as a table"
        assert [b.to_plotly_json()["props"]["aria-describedby"] for b in buttons] == [summary.id] * 2


def test_csv_and_xlsx_hold_exactly_what_the_table_shows():
    text = tables.to_csv(TABLE).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Program", "Component", "Trust (1-5)", "n", "Status"],
                    ["Alpha & Co <b>", "One", "3.6", "1234", "red"],
                    ["'=HYPERLINK(\"http://x\")", "Two", "", "", "insufficient data"]]
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(TABLE)))
    sheet = book.active
    assert sheet.title == "program-status-FY2026-Q4"
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Program", "Component", "Trust (1-5)", "n", "Status"],
        ["Alpha & Co <b>", "One", 3.6, 1234, "red"],
        ["=HYPERLINK(\"http://x\")", "Two", None, None, "insufficient data"]]  # as shown: a text, never run
    assert sheet["A3"].data_type == "s" and sheet["A3"].quotePrefix


def test_an_xlsx_download_shows_numbers_to_the_places_the_table_shows():
    """Excel's General format read a target of 4.00 as "4" and 3.90 as "3.9": each number is formatted to the
    places the page shows (a value as given to its own places), a count with its thousands separated."""
    table = tables.Table("t", [tables.Column("name", "Program", row_header=True),
                               tables.Column("value", "Trust", tables.NUMBER, decimals=None),
                               tables.Column("target", "Target", tables.NUMBER),
                               tables.Column("share", "Share", tables.NUMBER, decimals=0),
                               tables.Column("n", "n", tables.COUNT)],
                         [{"name": "a", "value": 3.897, "target": 4.0, "share": 67, "n": 1234},
                          {"name": "b", "value": 3.9, "target": None, "share": 5, "n": 3}], name="t")
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    assert [[c.number_format for c in row[1:]] for row in sheet.iter_rows(min_row=2)] == [
        ["#,##0.000", "#,##0.00", "#,##0", "#,##0"], ["#,##0.00", "General", "#,##0", "#,##0"]]
    assert sheet["A2"].number_format == "General", "texts stay General"


def test_a_due_date_is_downloaded_as_a_date_beside_its_days_overdue():
    """"2026-11-18, overdue by 12 days" was one text cell: a spreadsheet could not sort or filter the
    action plans by due date. The date is a date (ISO in the CSV) and the days overdue a number."""

    rows = [{"title": "Late", **tables.due_cells(date(2026, 11, 18), 12)},
            {"title": "Open", **tables.due_cells(None, None)}]
    table = tables.Table("Due", [tables.Column("title", "Commitment", row_header=True), *tables.DUE_COLUMNS], rows=rows)
    assert tables.to_csv(table).decode("utf-8-sig").splitlines() == [
        "Commitment,Due,Days overdue", "Late,2026-11-18,12", "Open,,"]
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    due, overdue = sheet["B2"], sheet["C2"]
    assert due.is_date and due.value.date() == date(2026, 11, 18) and due.number_format == "yyyy-mm-dd"
    assert overdue.value == 12 and sheet["B3"].value is None and sheet["C3"].value is None, "dates alone, as numbers"
    drawn = tables.to_html(table)
    assert "<td>2026-11-18</td>" in drawn and '<td class="dash-num">12</td>' in drawn and "<td>none set</td>" in drawn


def test_a_stored_control_character_leaves_the_workbook_writable_and_the_formula_neutralised():
    # stored before every way in refused it (scorecard.text): a workbook cannot hold it, and one in front
    # of "=" must not hide the formula from the neutralising
    table = tables.Table("t", TABLE.columns[:2], [{"program": "\x01=HYPERLINK(\"http://x\")", "component": "a\x0bb"}],
                         name="t")
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [("=HYPERLINK(\"http://x\")", "ab")]
    assert sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix, "text, shown without an apostrophe"


def test_an_export_writes_a_repeated_text_as_it_writes_it_once():
    """A text is exported once per column and value (a heatmap repeats its names thousands of times): the
    same text in a text and a status column, a formula, a number and True in a text column each keep
    their own export."""
    columns = [tables.Column("a", "A"), tables.Column("b", "B", tables.STATUS), tables.Column("c", "C"),
               tables.Column("d", "D", tables.NUMBER, decimals=1)]
    rows = [{"a": "no_target", "b": "no_target", "c": 1, "d": 2.26}, {"a": "=1+2", "b": "red", "c": True, "d": 2.26},
            {"a": "no_target", "b": "no_target", "c": 1.0, "d": None}, {"a": "=1+2", "b": None, "c": "1", "d": 1}]
    assert tables.Table("t", columns, rows).export_rows() == [
        ["no_target", "no target", "1", 2.3], ["'=1+2", "red", "True", 2.3],
        ["no_target", "no target", "1.0", None], ["'=1+2", None, "1", 1.0]]


def test_a_compact_result_reads_back_from_the_cache_as_it_was_without_what_it_kept_for_itself():
    """Thousands of cells and plans go through the cache for one page: each pickles as its fields' values
    (dashboards.cache.Compact); a value a plan read once and kept on itself is read again, not pickled."""
    import pickle

    from dashboards.queries.leaders import ElementRatings, LeaderPlan, RequirementRating

    row = HeatmapRow(7, "Alpha", "One", [Cell(3.6, 200, 4.0, "red", share=60.0, thumbs=True, question="q",
                                              source="batch 3", finding_id=9), Cell(None, None, None, "no_data")])
    back = pickle.loads(pickle.dumps(row))
    assert back == row and [type(c) for c in back.cells] == [Cell, Cell]
    rated = RequirementRating(11, 2, 5, "/findings/5")
    plan = LeaderPlan(1, 2, "Amy", "Director", "One", "CFO",
                      [ElementRatings(3, "Results Driven", 40, True, True, 2, None, [rated], True)])
    assert plan.lowest == rated and "lowest" in plan.__dict__  # read once, kept on the plan
    back = pickle.loads(pickle.dumps(plan))
    assert back == plan and "lowest" not in back.__dict__ and back.lowest == rated and back.at_risk


@pytest.mark.parametrize("status, word", [
    ("red", "red"), ("amber", "amber"), ("green", "green"), ("insufficient_data", "insufficient data"),
    ("no_target", "no target"), ("no_data", "no data"), (None, "no data")])
def test_a_status_badge_says_the_word_and_draws_a_shape(status, word):
    badge = components.status_badge(status).to_plotly_json()["props"]
    icon, text = badge["children"]
    assert text.children == word
    assert icon.to_plotly_json()["props"]["aria-hidden"] == "true"
    assert f"status-icon--{status or 'no_data'}" in icon.className
    assert f">{word}</span>" in tables.badge_html(status)
    assert status is None or status in components.STATUS_SHAPES


def test_a_number_with_its_n_and_ci():
    shown = components.with_n(4.1234, 1234, ci=(4.05, 4.2))
    texts = [child.children for child in shown.children]
    assert texts == ["4.12", "n = 1,234", "95% CI 4.05 to 4.20"]
    assert [c.children for c in components.with_n(None, None).children] == ["no data"]


URL = UrlState("/example", [
    QueryParam("period", "example-period", validation.period, default=lambda: "FY2026-Q4"),
    QueryParam("agency", "example-agency", validation.id_or("all"), default="all", omit="all"),
    QueryParam("sort", "example-sort", validation.choice("worst", "name", default="worst"), default="worst",
               omit="worst"),
])


def test_filters_read_from_the_query_string_and_written_back():
    assert URL.path == "/dashboards/example" and URL.location_id == "dashboards-example-url"
    assert URL.read({}) == {"period": "FY2026-Q4", "agency": "all", "sort": "worst"}
    assert URL.read({"period": "FY25 Q1", "agency": "7", "sort": "name"}) == {
        "period": "FY2025-Q1", "agency": "7", "sort": "name"}
    refused = URL.read({"period": "the third quarter", "agency": str(10**30), "sort": ["name", "best"]})
    assert refused == {"period": "FY2026-Q4", "agency": "all", "sort": "worst"}, "refused values read as the default"
    assert URL.read_search("?agency=3&agency=4&unknown=1") == {"period": "FY2026-Q4", "agency": "4", "sort": "worst"}
    assert URL.search({"period": "FY2025-Q1", "agency": "7", "sort": "name"}) == "?period=FY2025-Q1&agency=7&sort=name"
    assert URL.search({"period": "FY2025-Q1", "agency": "all", "sort": "worst"}) == "?period=FY2025-Q1"
    assert URL.search({"period": None, "agency": "all"}) == ""
    assert URL.read_search(URL.search({"period": "FY2025-Q1", "agency": "7", "sort": "name"})) == {
        "period": "FY2025-Q1", "agency": "7", "sort": "name"}, "a copied link reproduces the view"


def test_the_heatmap_figure_writes_each_status_as_a_word():
    heat = Heatmap("FY2026-Q4", ["satisfaction", "trust"], [
        HeatmapRow(5, "Alpha", "Bureau One", [Cell(3.6, 200, 4.0, "red"), Cell(4.01, 12, 4.0, "insufficient_data")]),
        HeatmapRow(6, "Bravo", "Bureau One", [Cell(None, None, None, "no_data"), Cell(4.3, 90, None, "no_target")])])
    drawn = heatmap_figure(heat)
    figure = go.Figure(drawn).to_plotly_json()  # plain data Plotly validates (a bad key raises)
    assert drawn["layout"]["template"] == go.Figure().to_plotly_json()["layout"]["template"], "as go.Figure draws it"
    trace = figure["data"][0]
    assert trace["text"] == [["3.60<br>red", "4.01<br>insufficient data"], ["—<br>no data", "4.30<br>no target"]]
    assert trace["customdata"][0][0] == "/dashboards/program?id=5&period=FY2026-Q4"
    assert trace["y"] == [0, 1] and "Alpha" in figure["layout"]["yaxis"]["ticktext"][0]
    assert "Bureau One" in figure["layout"]["yaxis"]["ticktext"][0]
    long = "Finding information about programs on the website."
    heat.rows = [HeatmapRow(7, long, "Farm Service Agency of the Department", heat.rows[0].cells),
                 HeatmapRow(8, long.replace("website", "web site"), "Farm Service Agency of the Department",
                            heat.rows[1].cells)]
    labels = heatmap_figure(heat)["layout"]["yaxis"]["ticktext"]
    assert len(heatmap_figure(heat)["data"][0]["y"]) == 2, "two names shortened alike are still two rows"
    lines = [re.sub(r"<[^>]+>", "", line) for label in labels for line in label.split("<br>")]
    # a component cut in its middle keeps its end (where an agency tells two programs of one name apart)
    assert lines[:3] == ["Finding information", "about programs on the…", "Farm Service…of the Department"], lines
    assert max(map(len, lines)) <= 31, "a phone keeps room for the columns (the hover gives the names whole)"
    assert "R" not in {t.split("<br>")[-1] for row in trace["text"] for t in row}
    heat.not_asked = ["ease", "employee"]
    title = go.Figure(heatmap_figure(heat)).to_plotly_json()["layout"]["title"]["text"]
    assert "Not reported in FY2026-Q4: ease / simplicity and employee helpfulness" in " ".join(
        re.sub(r"<[^>]+>", " ", title).split())
    empty = go.Figure(heatmap_figure(Heatmap("FY2026-Q4"))).to_plotly_json()
    note = empty["layout"]["annotations"][0]
    assert note["text"].replace("<br>", " ") == "No program observations for this quarter and these filters."
    # at the top left on short lines: centred on one line, a phone's view of the scrolling chart cut it off
    assert max(map(len, note["text"].split("<br>"))) <= 32 and (note["x"], note["xanchor"]) == (0, "left")


def test_the_heatmap_chart_draws_the_first_programs_and_says_the_table_holds_every_one(app):
    """At 500 programs the chart was 26,000 px tall and a browser drew it for 10 s and more on every filter
    change (its y-axis measured by Plotly's automargin): it draws the first CHART_ROWS, the title and the page's
    summary say so, and the y-axis's margin comes from its labels."""
    from dashboards.figures.heatmap import CHART_ROWS
    from dashboards.pages.heatmap import summary

    cells = [Cell(3.6, 200, 4.0, "red"), Cell(4.3, 90, 4.0, "green")]
    heat = Heatmap("FY2026-Q4", ["satisfaction", "trust"],
                   [HeatmapRow(i, f"Program {i}", "Bureau One", cells) for i in range(1, CHART_ROWS + 11)])
    drawn = go.Figure(heatmap_figure(heat)).to_plotly_json()
    assert len(drawn["data"][0]["z"]) == len(drawn["layout"]["yaxis"]["ticktext"]) == CHART_ROWS
    assert drawn["data"][0]["customdata"][-1][0] == f"/dashboards/program?id={CHART_ROWS}&period=FY2026-Q4"
    title = " ".join(re.sub(r"<[^>]+>", " ", drawn["layout"]["title"]["text"]).split())
    assert f"The first {CHART_ROWS} of {CHART_ROWS + 10} programs in the order chosen; the table below holds " \
           "every one" in title
    assert f"The chart draws the first {CHART_ROWS} in the order chosen; the table below holds all " \
           f"{CHART_ROWS + 10}." in summary(heat)
    assert drawn["layout"]["yaxis"]["automargin"] is False, "said, not left to the template (it turns it on)"
    narrow = drawn["layout"]["margin"]["l"]
    heat.rows = heat.rows[:CHART_ROWS]
    assert "draws the first" not in summary(heat) and "first" not in heatmap_figure(heat)["layout"]["title"]["text"]
    heat.rows[0] = HeatmapRow(1, "Wide names of programs", "Bureau One", cells)
    lower = heatmap_figure(heat)["layout"]["margin"]["l"]
    heat.rows[0] = HeatmapRow(1, "WIDE NAMES OF PROGRAMS", "Bureau One", cells)
    assert heatmap_figure(heat)["layout"]["margin"]["l"] > lower > narrow, "longer, wider; in capitals, wider still"


# ------------------------------------------------------------------------------ the cache

def test_a_cached_query_answers_from_the_cache_until_the_data_changes(app):
    calls = []

    @cache.cached
    def observations(session, period):
        calls.append(period)
        return session.scalar(sa.select(sa.func.count()).select_from(Observation).where(Observation.period == period))

    with app.app_context():
        assert observations(db.session, "FY2026-Q4") == 0
        assert observations(db.session, "FY2026-Q4") == 0
        assert calls == ["FY2026-Q4"], "the second call came from the cache"
        observations(db.session, "FY2026-Q3")
        assert calls == ["FY2026-Q4", "FY2026-Q3"], "other arguments, another key"
        before = cache.data_version(db.session)
        db.session.add(ImportBatch(filename="q4.xlsx", checksum="0" * 64))
        db.session.commit()
        assert cache.data_version(db.session) != before, "an import changes the data version"
        observations(db.session, "FY2026-Q4")
        assert calls == ["FY2026-Q4", "FY2026-Q3", "FY2026-Q4"], "so the query runs again"
        assert observations.uncached(db.session, "FY2026-Q4") == 0


def test_a_survey_query_is_kept_across_officers_edits_and_not_across_imports(app):
    """Every edit of a commitment changed the one data version, so the overview pooled every quarter's
    answers again while officers worked (a load test: the overview's answer 1.2 s at its median). A query
    keyed by the survey's parts (`reads=SURVEY`) is kept across such edits; an import still changes it."""
    from scorecard.models import Commitment, Function

    calls, everything = [], []

    @cache.cached(reads=cache.SURVEY)
    def answers(session, period):
        calls.append(period)
        return 0

    @cache.cached
    def commitments(session):
        everything.append(1)
        return 0

    with app.app_context():
        answers(db.session, "FY2026-Q4"), commitments(db.session)
        cfo = Function(code="CFO", name="Chief Financial Officer")
        db.session.add(Commitment(function=cfo, title="Publish CX spending", evidence_links=[]))
        db.session.commit()
        answers(db.session, "FY2026-Q4"), commitments(db.session)
        assert calls == ["FY2026-Q4"] and everything == [1, 1], "an edit leaves the survey's queries kept"
        db.session.add(ImportBatch(filename="q4.xlsx", checksum="0" * 64))
        db.session.commit()
        answers(db.session, "FY2026-Q4")
        assert calls == ["FY2026-Q4"] * 2, "an import changes them"
        assert cache.data_version(db.session, cache.SURVEY) != cache.data_version(db.session)
    assert set(cache.SURVEY) < set(cache._version_columns())


def test_survey_keyed_queries_read_only_what_imports_write():
    """A query keyed by the survey's parts alone must not read commitments, plans, capacity, findings or
    rules, nor call anything that does (its answer would outlive their changes): read from the code, each
    such query and every dashboards query it calls, however deep."""
    import ast
    from pathlib import Path

    edited = {"Finding", "RuleVersion", "Commitment", "CommitmentUpdate", "PerformancePlan", "PlanElement",
              "PlanRequirement", "ElementRating", "CapacityAssessment", "CapacityDomainScore", "Leader", "User",
              "Function", "commitment_programs", "requirement_programs", "visible_plans", "latest_decisions",
              "requirement_ratings", "action_items"}
    functions = {}
    for path in (Path(cache.__file__).parent / "queries").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                functions.setdefault(node.name, []).append(node)

    def survey_keyed(node) -> bool:
        return any(isinstance(d, ast.Call) and any(k.arg == "reads" for k in d.keywords) for d in node.decorator_list)

    def reads(name: str, seen: set) -> set:
        found = set()
        for node in functions.get(name, []):
            for sub in ast.walk(node):
                word = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
                if word in edited:
                    found.add(word)
                if word in functions and word not in seen:
                    seen.add(word)
                    found |= {f"{word} > {w}" for w in reads(word, seen)}
        return found
    keyed = [name for name, nodes in functions.items() if any(survey_keyed(n) for n in nodes)]
    assert {"pooled_scores", "survey_heatmap", "program_trend", "compliance"} <= set(keyed)
    assert {name: reads(name, {name}) for name in keyed} == {name: set() for name in keyed}
    assert reads("changes_since_prior", {"changes_since_prior"}), "the check finds what a query reads"


def test_a_cache_that_stops_answering_is_passed_by_with_one_line_logged(app, monkeypatch, caplog):
    """A shared cache (Redis) timing out: the query is computed, and the log says so in one line (a
    traceback at each pause read as a fault of the app's)."""
    calls = []

    @cache.cached
    def counted(session):
        calls.append(1)
        return 7

    def timed_out(_key):
        raise TimeoutError("Timeout reading from socket")
    monkeypatch.setattr(cache.cache, "get", timed_out)
    monkeypatch.setattr(cache, "_passed_by_until", 0.0)
    with app.app_context(), caplog.at_level("WARNING", logger="dashboards.cache"):
        assert counted(db.session) == 7 and counted(db.session) == 7 and len(calls) == 2
    said = [r for r in caplog.records if r.name == "dashboards.cache"]
    assert len(said) == 1 and said[0].exc_info is None, "one line per pause, no traceback"
    assert "not answering (TimeoutError: Timeout reading from socket)" in said[0].getMessage()


def test_a_change_committed_after_a_later_stamped_one_still_changes_the_data_version(app):
    """Two officers' saves: the first stamped (updated_at) before the second but committed after it, its
    transaction held by a lock. The newest stamp stayed the second's, and every worker kept serving the
    first's commitment as it was until the evaluation the save queued had run (never, with no worker)."""
    from datetime import timedelta

    from scorecard.models import CapacityAssessment, Commitment, CommitmentStatus, Function
    from scorecard.models.base import utcnow
    from scorecard.models.capacity import CapacityStatus

    with app.app_context():
        cfo = Function(code="CFO", name="Chief Financial Officer")
        first, second = (Commitment(function=cfo, title=title, evidence_links=[]) for title in ("First", "Second"))
        component = Component(agency=Agency(code="A", name="Agency"), code="C", name="Component")
        assessed, other = CapacityAssessment(component=component, fiscal_year=2026), CapacityAssessment(
            component=component, fiscal_year=2027)
        db.session.add_all([first, second, assessed, other])
        db.session.commit()
        for earlier, newest in ((first, second), (assessed, other)):
            newest.updated_at = utcnow()
            db.session.commit()
            before = cache.data_version(db.session)
            earlier.status = CommitmentStatus.at_risk if isinstance(earlier, Commitment) else CapacityStatus.submitted
            earlier.updated_at = newest.updated_at - timedelta(seconds=1)  # stamped first, committed now
            db.session.commit()
            assert cache.data_version(db.session) != before, type(earlier).__name__


def test_publishing_or_retiring_a_rule_changes_the_data_version(published):
    """The pages read the published rules' findings only: a rule retired (or a version published) changes
    what they show at once, before the evaluation it queues has run, so it changes the version."""
    from scorecard.models import RuleStatus, RuleVersion

    with published.app_context():
        before = cache.data_version(db.session)
        version = db.session.scalars(sa.select(RuleVersion).where(RuleVersion.status == RuleStatus.published)
                                     .order_by(RuleVersion.id)).first()
        version.status = RuleStatus.retired
        db.session.commit()
        retired = cache.data_version(db.session)
        assert retired != before
        version.status = RuleStatus.published
        db.session.commit()
        assert cache.data_version(db.session) == before != retired


def test_two_different_sets_of_published_rules_never_share_a_data_version(app):
    """Four drafts written before any is published (ids in a row), the first and the last published, then
    both retired and the middle two published: as many rules published, their ids adding up to the same
    sum. The pages read other findings then, so the version differs (it read the count and the sum alone)."""
    from scorecard.a11 import ensure_standard_metrics
    from scorecard.rules.store import default_pack, publish_version, retire, save

    with app.app_context():
        ensure_standard_metrics(db.session)
        keys = []
        for i in range(4):
            definition = {**default_pack()[0], "key": f"trust-status-{i}", "title": f"Trust status {i}"}
            keys.append(save(db.session, definition).key)
        db.session.commit()
        first, second, third, fourth = keys
        for key in (first, fourth):
            publish_version(db.session, key)
        db.session.commit()
        outer = cache.data_version(db.session)
        for key in (first, fourth):
            retire(db.session, key)
        for key in (second, third):
            publish_version(db.session, key)
        db.session.commit()
        assert cache.data_version(db.session) != outer


def test_the_agencys_time_zone_is_part_of_the_data_version(app, monkeypatch):
    """A report's lateness and a commitment's last update are days in the agency's zone: a shared cache
    (Redis, a folder) kept answering with the old zone's days after SCORECARD_TIMEZONE changed."""
    from zoneinfo import ZoneInfo

    from scorecard import clock

    with app.app_context():
        monkeypatch.setattr(clock, "_zone", ZoneInfo("America/New_York"))
        eastern = cache.data_version(db.session), cache.data_version(db.session, cache.SURVEY)
        monkeypatch.setattr(clock, "_zone", ZoneInfo("America/Chicago"))
        central = cache.data_version(db.session), cache.data_version(db.session, cache.SURVEY)
    assert eastern[0] != central[0] and eastern[1] != central[1]


def test_a_callbacks_answer_is_kept_per_request_viewer_and_data(demo, client_as, monkeypatch):
    """Through Dash's callback endpoint: the same request by the same kind of viewer on the same data is
    answered with the bytes sent before, without running the callback; another viewer, another filter or
    changed data runs it; a download is kept per button (which one fired), not per click count."""
    from dashboards import dash_app, figures
    from scorecard.models import Agency, CapacityAssessment, Component
    from tests.helpers import CALLBACK_URL, callback_body

    runs = []  # the heatmap's figure drawn, or one of its files written: the callback ran

    def counted(real):
        return lambda *args: runs.append(real.__name__) or real(*args)
    monkeypatch.setattr(figures, "heatmap_figure", counted(figures.heatmap_figure))
    monkeypatch.setattr(tables, "to_csv", counted(tables.to_csv))
    monkeypatch.setattr(tables, "to_xlsx", counted(tables.to_xlsx))
    viewer, officer = client_as("viewer"), client_as("officer")
    assert viewer.get("/dashboards/_dash-dependencies").status_code == 200 and dash_app.callback_map
    body = callback_body("heatmap-graph.figure", {"heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": "all",
                                                  "heatmap-sort.value": "worst"})
    first = viewer.post(CALLBACK_URL, json=body)
    again = viewer.post(CALLBACK_URL, json=body)
    assert first.status_code == again.status_code == 200 and again.data == first.data
    assert len(runs) == 1, "the viewer's second request came from the cache"
    assert officer.post(CALLBACK_URL, json=body).status_code == 200 and len(runs) == 2, "another kind of viewer"
    other = callback_body("heatmap-graph.figure", {"heatmap-period.value": "FY2026-Q3", "heatmap-agency.value": "all",
                                                   "heatmap-sort.value": "worst"})
    assert viewer.post(CALLBACK_URL, json=other).status_code == 200 and len(runs) == 3, "another quarter"
    with demo.app_context():
        component = Component(agency=db.session.scalars(sa.select(Agency)).first(), code="NEW", name="New")
        db.session.add(CapacityAssessment(component=component, fiscal_year=2026))
        db.session.commit()
    assert viewer.post(CALLBACK_URL, json=body).status_code == 200 and len(runs) == 4, "changed data"

    csv = callback_body("heatmap-table-download.data", {"heatmap-table-csv.n_clicks": 1,
                                                        "heatmap-period.value": "FY2026-Q4"})
    assert viewer.post(CALLBACK_URL, json=csv).status_code == 200 and len(runs) == 5
    csv["inputs"][0]["value"] = 2  # pressed again: the same file
    assert viewer.post(CALLBACK_URL, json=csv).status_code == 200 and len(runs) == 5
    xlsx = callback_body("heatmap-table-download.data", {"heatmap-table-xlsx.n_clicks": 1,
                                                         "heatmap-period.value": "FY2026-Q4"})
    answer = viewer.post(CALLBACK_URL, json=xlsx)
    assert answer.status_code == 200 and len(runs) == 6, "the other button fired: another file"
    assert answer.get_json()["response"]["heatmap-table-download"]["data"]["filename"].endswith(".xlsx")


def test_the_cache_backend_is_a_setting(app):
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert "cache" in app.extensions and cache.cache in app.extensions["cache"]


def test_a_redis_cache_chosen_by_name_uses_the_redis_set_for_the_jobs(monkeypatch, tmp_path):
    """SCORECARD_CACHE_TYPE=RedisCache beside SCORECARD_REDIS_URL used Redis's default address
    (localhost:6379), not the Redis named; its own address, when set, is kept."""
    from flask import Flask

    from scorecard.config import load_config

    monkeypatch.setenv("SCORECARD_ENV", "development")
    monkeypatch.setenv("SCORECARD_CACHE_TYPE", "RedisCache")
    for own, expected in ((None, "redis://redis.internal:6379/0"),
                          ("redis://cache.internal:6379/2", "redis://cache.internal:6379/2")):
        app = Flask(__name__, instance_path=str(tmp_path))
        load_config(app, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "CACHE_TYPE": "RedisCache",
                          "REDIS_URL": "redis://redis.internal:6379/0", "CACHE_REDIS_URL": own,
                          "SECRET_KEY": "a-long-random-secret-for-this-test-0123456789"})
        assert app.config["CACHE_REDIS_URL"] == expected
        assert app.config["CACHE_OPTIONS"]["socket_timeout"] == app.config["REDIS_TIMEOUT_SECONDS"]


def test_a_page_of_a_long_table_stays_within_the_table():
    from dashboards.tables import page_of
    assert page_of(250, 1, 100) == tables.Page(1, 3, 0, 100, 250)
    assert page_of(250, 3, 100) == tables.Page(3, 3, 200, 250, 250)
    assert page_of(250, 9, 100) == page_of(250, 3, 100), "past the last page: the last"
    assert page_of(250, 0, 100) == page_of(250, 1, 100)
    assert page_of(200, 2, 100).end == 200 and page_of(200, 3, 100).number == 2
    assert page_of(0, 5, 100) == tables.Page(1, 1, 0, 0, 0)
    assert page_of(2_000, 2, 100).words("leaders") == "Leaders 101 to 200 of 2,000 (page 2 of 20)."
    assert page_of(0, 1, 100).words("leaders") == "No leaders."


def test_each_page_figure_is_plotly_json_plotly_validates(evaluated):
    """The figures are Plotly's JSON made directly (no validated go.Figure per answer): each reads back
    through go.Figure, which raises on a key Plotly does not know, with the template go.Figure adds."""
    from dashboards.figures.capacity import capacity_figure
    from dashboards.figures.compliance import compliance_figure
    from dashboards.figures.leaders import levels_figure
    from dashboards.figures.life_experiences import trust_figure
    from dashboards.queries.capacity import capacity
    from dashboards.queries.compliance import compliance
    from dashboards.queries.leaders import leaders
    from dashboards.queries.life_experience_rollup import life_experience_rollup

    template = go.Figure().to_plotly_json()["layout"]["template"]
    with evaluated.app_context():
        drawn = {"capacity": capacity_figure(capacity(db.session, agency_today())),
                 "leaders": levels_figure(leaders(db.session)),
                 "life experiences": trust_figure(life_experience_rollup(db.session)),
                 "compliance": compliance_figure(compliance(db.session))}
    for page, figure in drawn.items():
        assert isinstance(figure, dict) and figure["layout"]["template"] == template, page
        read = go.Figure(figure).to_plotly_json()
        assert read["data"] and read["layout"]["title"]["text"], f"the demo's {page} figure shows its data"
    for page, figure in drawn.items():  # a phone's chart (about 360 px) shows each line of the title whole
        lines = re.sub(r"<[^>]+>", "", figure["layout"]["title"]["text"].replace("<br>", "\n")).split("\n")
        assert max(map(len, lines)) <= TITLE_CHARS * 18 // 13, (page, lines)
    assert [bar["name"] for bar in drawn["compliance"]["data"]][0] == "reported"
    assert len(drawn["compliance"]["layout"]["annotations"]) == len(drawn["compliance"]["data"][0]["x"])


def test_a_life_experience_pooled_over_one_program_says_one_program(evaluated):
    from dashboards.figures.life_experiences import trust_figure
    from dashboards.queries.life_experience_rollup import life_experience_rollup
    from dashboards.queries.program import TRUST

    with evaluated.app_context():
        rollup = life_experience_rollup(db.session)
    measure = next(m for e in rollup.experiences if (m := e.measure(TRUST)) is not None and m.value is not None)
    measure.programs = 1
    hover = " ".join(text for trace in trust_figure(rollup)["data"] for text in trace.get("hovertext") or ())
    assert "pooled over 1 program<br>" in hover and "1 programs" not in hover


def test_a_charts_title_is_wrapped_and_the_plot_keeps_its_size():
    """A title is drawn on one line, which a phone's width cut off."""
    short = titled({"height": 400, "margin": {"t": 90}}, "A-11 drivers by program, FY2026-Q4")
    assert short["title"]["text"] == "A-11 drivers by program, FY2026-Q4"
    assert (short["height"], short["margin"]["t"]) == (400, 90), "one line: nothing added"
    long = titled({"height": 400, "margin": {"t": 90}}, "Trust by life experience, FY2026-Q4 (share who trust, A-11 "
                  "v2 survey), pooled over the programs' answers<br><span style='font-size:13px'>Not asked in "
                  "FY2026-Q4: satisfaction, effectiveness, ease, efficiency, transparency, employee</span>")
    lines = long["title"]["text"].split("<br>")
    assert [len(line) <= TITLE_CHARS for line in lines[:3]] == [True] * 3 and len(lines) == 5
    assert lines[3].startswith("<span style='font-size:13px'>Not asked") and lines[4].endswith("employee</span>")
    assert long["height"] - 400 == long["margin"]["t"] - 90 == (5 - 1 - 1) * TITLE_LINE_PX


def test_the_life_experiences_summary_counts_a_program_serving_two_once(app):  # the pages need the Dash app
    from dashboards.pages.life_experiences import summary
    from dashboards.queries.life_experience_rollup import Experience, LifeProgram, Rollup

    def program(pid):
        return LifeProgram(pid, f"P{pid}", "C", "A", "green", None, None, None)
    rollup = Rollup("FY2026-Q4", experiences=[Experience(1, "Retiring", programs=[program(1), program(2)]),
                                              Experience(2, "Disaster", programs=[program(2), program(3)])])
    assert summary(rollup).startswith("2 life experiences, 3 programs, in FY2026-Q4")
    assert "; 0 of the 2 life experiences with trust answers." in summary(rollup), (
        "which of the two counts has trust answers, said: it read \"; 0 with trust answers\"")


def test_a_score_beside_its_target_never_reads_as_the_target_when_it_is_not():
    """The heatmap showed 3.90 (amber) against a target of 3.90: the score was 3.89655."""
    from scorecard.scoring import beside_target

    assert beside_target(3.89655, 3.9) == 3.897 and beside_target(3.90344, 3.9) == 3.903
    assert beside_target(3.9, 3.9) == 3.9 and beside_target(4.1234, 3.9) == 4.12 and beside_target(4.1234, None) == 4.12
    assert beside_target(3.899999, 3.9) == 3.899999, "however close"
    # nor as an edge of its status: 3.696 is red against an amber edge at 3.7, and read "3.70"
    assert beside_target(3.696, 4.0, edges=(4.0, 3.7)) == 3.696 and beside_target(3.7, 4.0, edges=(4.0, 3.7)) == 3.7
    assert beside_target((3.7 * 20 + 3.7 * 62) / 82, 4.0, edges=(4.0, 3.7)) == 3.7, "on the edge, as judged"
    assert beside_target(3.62, 4.0, edges=(4.0, 3.7)) == 3.62
    score = tables.Column("value", "Score (1-5)", tables.NUMBER, decimals=None)
    assert [score.text(v) for v in (3.897, 3.9, 4.12, None)] == ["3.897", "3.90", "4.12", "—"]
    assert score.export(3.897) == 3.897, "the download holds what the page shows"
    drawn = tables.to_html(tables.Table("Scores", [tables.Column("program", "Program", row_header=True), score],
                                        rows=[{"program": "Housing Inspections", "value": 3.897}]))
    assert '<td class="dash-num">3.897</td>' in drawn, "the page's table as its chart and files"


def test_a_target_reads_as_the_rules_write_it_beside_its_score():
    """The overview and the briefing wrote "against a target of 4" where a rule's explanation of the same
    program wrote "against a target of 4.00", and "3.9" beside it: one form, the score's places."""
    from types import SimpleNamespace

    from dashboards.queries.overview import trust_words

    said = [trust_words(SimpleNamespace(value=value, target=target, share=None, n=58, edges=(target, 3.7)))
            for value, target in ((3.62, 4.0), (3.89655, 3.9), (4.5, 4.125), (3.696, 4.0))]
    assert said == ["trust 3.62 (n = 58) against a target of 4.00", "trust 3.897 (n = 58) against a target of 3.90",
                    "trust 4.50 (n = 58) against a target of 4.125", "trust 3.696 (n = 58) against a target of 4.00"]


def test_a_change_reads_as_the_difference_of_the_numbers_beside_it():
    """"trust 4.28 → 3.62 (-0.65 ...)": the change was of the unrounded means (4.2849 and 3.6249)."""
    assert shown_change(4.2849, 3.6249) == -0.66
    assert f"{shown_change(4.10, 4.22):+.2f}" == "+0.12" and shown_change(3.0, 3.0) == 0
    assert shown_change(80.04, 85.06, decimals=1) == 5.1, "85.1 - 80.0"


def test_a_downloads_name_says_each_filter_chosen_once_by_its_name(app):
    from dash import State

    from dashboards.components import filters_in_name

    state = [State("leaders-year", "value"), State("leaders-component", "value"), State("leaders-function", "value"),
             State("leaders-table-page", "data")]
    with app.app_context():
        assert filters_in_name(state, ["2026", "all", "3", "2"], "leaders-FY2026") == "-function-3", "no year twice"
        assert filters_in_name(state, ["2026", "12", None, "1"], "leaders-FY2026") == "-component-12"
        assert filters_in_name([State("heatmap-agency", "value")], ["a b/../c"], "heatmap") == "-agency-a_b_.._c"
        energy = Agency(code="DOE", name="Department of Energy (“DOE”)")
        efficiency = Component(agency=energy, code="EE", name="Efficiency")
        db.session.add(Program(component=efficiency, code="P1", name="Grants"))  # a program: the filters list it
        db.session.commit()
        agency_id = db.session.scalar(sa.select(Agency.id).where(Agency.code == "DOE"))
        assert filters_in_name([State("heatmap-agency", "value")], [str(agency_id)], "heatmap") == (
            f"-agency-{agency_id}-Department_of_Energy_DOE"), "named as the filter lists it, beside its id"
        component_id = str(efficiency.id)
        assert filters_in_name([State("heatmap-component", "value")], [component_id], "heatmap") == (
            f"-component-{component_id}-Efficiency"), "a component's own name, not its agency's before it"
        energy.name = "能源部 ⚡"  # letters a file name may not keep everywhere: the id alone, never "agency-"
        program = Program(component=efficiency, code="P2", name="Loans")  # the filters list the new name
        db.session.add(program)
        db.session.commit()
        assert filters_in_name([State("heatmap-agency", "value")], [str(agency_id)], "heatmap") == (
            f"-agency-{agency_id}")


MARKUP = " <b>Bold</b> & <a href='https://evil.example/'>x</a>"


def test_a_name_as_stored_is_text_in_every_figure_never_markup(evaluated):
    """Plotly reads <b>, <br>, <a href> and entities in a chart's title, labels and hovers: names,
    units, touchpoints and file names as stored are escaped in every figure, so they show as written."""
    import json

    from dashboards.figures import capacity as capacity_figures
    from dashboards.figures import functions as function_figures
    from dashboards.figures import life_experiences
    from dashboards.figures import program as program_figures
    from dashboards.queries import capacity, common, functions, heatmap, life_experience_rollup, program
    from scorecard.models import Component, Function, LifeExperience, Metric, Program

    with evaluated.app_context():
        for model in (Component, Function, LifeExperience, Metric, Program):
            db.session.execute(sa.update(model).values(name=model.name + MARKUP))
        db.session.execute(sa.update(Metric).where(Metric.unit.is_not(None)).values(  # a unit is short (32)
            unit=sa.func.substr(Metric.unit, 1, 8) + " <i>u</i>&"))
        db.session.execute(sa.update(Observation).values(
            touchpoint=sa.func.coalesce(Observation.touchpoint, "") + MARKUP))
        db.session.execute(sa.update(ImportBatch).values(filename=ImportBatch.filename + MARKUP))
        db.session.commit()
        story = db.session.scalar(sa.select(Program.id).where(Program.name == "Benefits Call Center" + MARKUP))
        info = program.program_info(db.session, story)
        latest = common.chosen_period(db.session, None)
        trend = program.program_trend(db.session, story)
        found = functions.functions(db.session, agency_today())
        reporting = next(row for row in found.rows if row.metrics)
        drawn = {
            "heatmap": heatmap_figure(heatmap.driver_heatmap(db.session)),
            "capacity": capacity_figures.capacity_figure(capacity.capacity(db.session, agency_today(), 2026)),
            "functions": function_figures.commitments_figure(found),
            "function metrics": function_figures.metrics_figure(reporting.metrics, reporting.name),
            "life experiences": life_experiences.trust_figure(
                life_experience_rollup.life_experience_rollup(db.session)),
            "program trust": program_figures.trust_figure(trend, info.name),
            "program drivers": program_figures.drivers_figure(trend, info.name),
            "program volumes": program_figures.volumes_figure(program.channel_breakdown(db.session, story, latest),
                                                              info.name),
        }
    for page, figure in drawn.items():
        go.Figure(figure)  # a figure written as plain data is valid Plotly (a bad key raises)
        text = json.dumps(figure if isinstance(figure, dict) else figure.to_plotly_json())
        # (a title's lines may break at the name's spaces)
        assert "&lt;b&gt;Bold&lt;/b&gt;" in text and "&amp;" in text and "&lt;a" in text, page
        for raw in ("<a ", "<b>Bold", " & ", "<i>u"):
            assert raw not in text, (page, text[text.index(raw) - 300:text.index(raw) + 60])


def test_worst_first_puts_the_lowest_scores_first_when_no_cell_is_red_or_amber():
    """Without targets (the performance.gov agencies have none) the order was by how many cells had
    too few answers: a program of 4.5-5.0 from few respondents came before one scoring 1.9-2.2."""
    def row(name, *cells):
        return HeatmapRow(len(name), name, "C", [Cell(value, n, None, status) for value, n, status in cells])
    low = row("Low scores", (1.86, 400, "no_target"), (2.2, 380, "no_target"))
    few = row("Few answers", (4.9, 12, "insufficient_data"), (4.6, 10, "insufficient_data"))
    high = row("High scores", (4.4, 900, "no_target"), (None, None, "no_data"))
    red = row("Red", (4.8, 500, "red"), (4.9, 500, "green"))
    amber = row("Amber", (4.7, 500, "amber"), (1.5, 500, "no_target"))
    ordered = sorted([few, high, low, amber, red], key=HeatmapRow.severity)
    assert [r.program for r in ordered] == ["Red", "Amber", "Low scores", "High scores", "Few answers"]


def test_a_kept_answer_costs_the_database_two_statements(demo, client_as):
    """A view opened again asks SQLite for the data version and who is signed in, nothing more (no
    connection check before each request: a file is not dropped as a server's connection is); one not
    kept reads the data version once, though both the warm answers and the app look it up."""
    from tests.helpers import CALLBACK_URL, callback_body

    with demo.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's statement trace; PostgreSQL's pool checks each connection before use, as it should")
    viewer = client_as("viewer")
    body = callback_body("heatmap-graph.figure", {"heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": "all",
                                                  "heatmap-sort.value": "worst"})
    assert viewer.post(CALLBACK_URL, json=body).status_code == 200
    sent: list[str] = []

    def traced(connection, _record):
        connection.set_trace_callback(sent.append)  # every statement SQLite runs, the driver's own included
    with demo.app_context():
        sa.event.listen(db.engine, "connect", traced)
        db.engine.dispose()  # connections made from now on are traced
    try:
        assert viewer.post(CALLBACK_URL, json=body).status_code == 200  # connects
        sent.clear()
        assert viewer.post(CALLBACK_URL, json=body).status_code == 200  # takes the pool's connection
    finally:
        with demo.app_context():
            sa.event.remove(db.engine, "connect", traced)
    asked = [s for s in sent if not s.startswith("PRAGMA")]
    assert len(asked) == 2, asked
    assert "max(import_batches.id)" in asked[0] and "FROM users" in asked[1]
    with demo.app_context():
        cache.cache.clear()
        sa.event.listen(db.engine, "connect", traced)
        db.engine.dispose()
    sent.clear()
    try:
        assert viewer.post(CALLBACK_URL, json=body).status_code == 200  # nothing kept: the app draws it
    finally:
        with demo.app_context():
            sa.event.remove(db.engine, "connect", traced)
    versions = [s for s in sent if "max(import_batches.id)" in s and "max(import_batches.committed_at)" in s]
    assert len(versions) == 1, "the app drew the answer on the data version the warm answers had read"


def test_several_keys_the_page_does_not_read_are_said_to_be_no_settings_of_it():
    """"'agency', 'component' are not a setting of this page": several keys, one setting."""
    state = UrlState("/somewhere", [QueryParam("code", "somewhere-code", str)])
    assert state._unknown({"agency": "1", "component": "2"}) == [
        "'agency', 'component' are not settings of this page (its settings are code), so they are left out"]
    assert state._unknown({"agency": "1"}) == [
        "'agency' is not a setting of this page (its settings are code), so it is left out"]


def test_the_heatmap_names_its_drivers_as_a_reader_knows_them(app):
    """The heatmap's columns, hover and the drivers not asked read the drivers' codes ("trust", "employee";
    "No program reported satisfaction, ..., employee on the 1-5 scale"), not their names."""
    from dashboards.pages.heatmap import summary

    heat = Heatmap("FY2026-Q4", ["trust"], [HeatmapRow(5, "Alpha", "Bureau One", [Cell(3.6, 200, 4.0, "red")])],
                   not_asked=["satisfaction", "employee"])
    figure = heatmap_figure(heat)
    assert figure["layout"]["xaxis"]["ticktext"] == ["Trust /<br>confidence"]
    assert "Trust / confidence: 3.60" in figure["data"][0]["hovertext"][0][0]
    title = " ".join(re.sub(r"<[^>]+>", " ", figure["layout"]["title"]["text"]).split())
    assert "Not reported in FY2026-Q4: satisfaction and employee helpfulness" in title
    assert "No program reported satisfaction and employee helpfulness on the 1-5 scale" in summary(heat)
    from dashboards.pages.heatmap import heatmap_table
    with app.app_context():
        assert [row["driver"] for row in heatmap_table(heat).rows] == ["Trust / confidence"], "the table as the chart"


def test_a_long_tables_sheet_keeps_its_quarter():
    """Excel takes 31 characters of a sheet's name: "a11-compliance-exceptions-FY2026-Q4" read
    "a11-compliance-exceptions-FY202", a sheet copied into another workbook without its quarter."""
    import openpyxl

    from dashboards.tables import Column, Table, to_xlsx

    def sheet(name: str) -> str:
        table = Table("Caption", [Column("a", "A")], [{"a": "x"}], name=name)
        return openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active.title
    assert sheet("a11-compliance-exceptions-FY2026-Q4-quarters-4") == "a11-compliance-except-FY2026-Q4"
    assert sheet("capacity-components-FY2026") == "capacity-components-FY2026", "short enough: as it is"
    assert sheet("leaders-table-of-every-leader-there-is") == "leaders-table-of-every-leader-t", "no quarter to keep"
    assert sheet("what[is]:this*?/\\") == "whatisthis"
