"""Long canonical files are validated a chunk at a time (`canonical_many` and the sink's `add_many`),
and any chunk with a problem goes row by row. Whatever the mix of good and bad rows, both ways
must reach the same plan and name the same problems: this compares them on generated files."""
import csv
import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers.pipeline as pipeline
from importers.errors import ImportFileError
from importers.formats.registry import FORMATS
from importers.pipeline import run_import
from scorecard.extensions import db
from tests.helpers import write_xlsx

COLUMNS = ["component", "program", "function", "metric", "driver", "period", "channel", "touchpoint", "value", "n",
           "count_1", "count_2", "count_3", "count_4", "count_5", "question_text", "notes"]
COUNT = st.sampled_from(["", "0", "3", "10", "12.0", "-1", "x", "1,000"])
ROW = st.fixed_dictionaries({
    "component": st.sampled_from(["Benefits Administration", "Benefits Administration", "", "No Such Bureau"]),
    "program": st.sampled_from(["Benefits Call Center", "Pension Applications", "Pension Applications", "",
                                "Benefits Call Centre"]),
    "function": st.sampled_from(["", "", "", "CFO"]),
    "metric": st.sampled_from(["trust", "satisfaction", "cfo_cx_budget_aligned", "", "trustworthiness"]),
    "driver": st.sampled_from(["", "", "trust", "ease"]),
    "period": st.sampled_from(["FY2027-Q1", "FY2026-Q4", "2027 Q2", "FY2025-Q5", ""]),
    "channel": st.sampled_from(["phone", "web", "In_Person", ""]),
    "touchpoint": st.sampled_from(["", "a", "b"]),
    "value": st.sampled_from(["", "", "4.2", "7", "85%", "abc", "-2"]),
    "n": st.sampled_from(["", "", "25", "26", "-3"]),
    "count_1": COUNT, "count_2": COUNT, "count_3": COUNT, "count_4": COUNT, "count_5": COUNT,
    "question_text": st.sampled_from(["", "Did you trust us?", "=1+1"]),
    "notes": st.sampled_from(["", "checked"]),
})

GOOD_COUNT = st.sampled_from(["", "0", "3", "10", "12.0"])
GOOD_ROW = st.fixed_dictionaries({  # mostly valid rows, so that whole chunks pass too
    "component": st.sampled_from(["Benefits Administration", ""]),
    "program": st.sampled_from(["Benefits Call Center", "Pension Applications", "Survivor Benefits"]),
    "function": st.just(""),
    "metric": st.sampled_from(["trust", "satisfaction"]),
    "driver": st.sampled_from(["", "trust"]),
    "period": st.sampled_from(["FY2027-Q1", "FY2026-Q4", "2027 Q2"]),
    "channel": st.sampled_from(["phone", "web", "In_Person", ""]),
    "touchpoint": st.text("abcxyz ", max_size=3),
    "value": st.just(""), "n": st.just(""),
    "count_1": GOOD_COUNT, "count_2": GOOD_COUNT, "count_3": GOOD_COUNT, "count_4": GOOD_COUNT,
    "count_5": GOOD_COUNT,
    "question_text": st.sampled_from(["", "Did you trust us?"]),
    "notes": st.sampled_from(["", "checked"]),
})

VALUE_ROW = st.fixed_dictionaries({  # a C-suite function's own metric: a plain value, no answer counts
    "component": st.sampled_from(["Benefits Administration", ""]), "program": st.just(""),
    "function": st.just("CFO"), "metric": st.just("cfo_cx_budget_aligned"), "driver": st.just(""),
    "period": st.sampled_from(["FY2027-Q1", "FY2026-Q4"]), "channel": st.just(""),
    "touchpoint": st.text("ab", max_size=2), "value": st.sampled_from(["85%", "40", "12.5", "0"]),
    "n": st.sampled_from(["", "12"]), "count_1": st.just(""), "count_2": st.just(""), "count_3": st.just(""),
    "count_4": st.just(""), "count_5": st.just(""), "question_text": st.just(""), "notes": st.just(""),
})

# a separator row analysts leave between sections: empty, or spaces of any kind
BLANK_ROW = st.fixed_dictionaries({c: st.sampled_from(["", "", " ", "\t", "\u00a0", "\u200b "]) for c in COLUMNS})


def _without_bulk(monkeypatch):
    monkeypatch.setitem(FORMATS, "metrics", dataclasses.replace(FORMATS["metrics"], records_many=None))


def _outcome(app, path):
    """What a dry run of `path` would do, in comparable terms."""
    with app.app_context():
        try:
            result = run_import(db.session, path, dry_run=True)
        except ImportFileError as error:
            db.session.rollback()
            return ("error", str(error))
        plan = result.plan
        return (result.status, result.rejected, result.errors,
                None if plan is None else ([(c.row, c.key, tuple(c.after.items())) for c in plan.inserts],
                                           [(c.row, c.key, c.before, c.after) for c in plan.updates],
                                           plan.unchanged))


def _write(path, header, rows):
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    else:
        write_xlsx(path, header, [[_cell(v) for v in row] for row in rows])  # numbers as numbers, as in a workbook
    return path


def _cell(text):
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text or None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(GOOD_ROW | GOOD_ROW | VALUE_ROW | ROW | BLANK_ROW, min_size=1, max_size=40),
       columns=st.sets(st.sampled_from(COLUMNS[4:]), min_size=2),
       suffix=st.sampled_from([".csv", ".xlsx"]), chunk=st.sampled_from([1, 3, 7, 5000]))
def test_chunked_and_row_by_row_validation_agree(demo, tmp_path_factory, monkeypatch, rows, columns, suffix,
                                                  chunk):
    columns |= {"period", "count_1", "count_5"}  # a recognisable layout; the rest comes and goes
    header = ["component", "program", "function", "metric"] + [c for c in COLUMNS[4:] if c in columns]
    path = _write(tmp_path_factory.mktemp("bulk") / f"metrics{suffix}", header,
                  [[row[c] for c in header] for row in rows])
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", chunk)
    chunked = _outcome(demo, path)
    with monkeypatch.context() as patch:
        _without_bulk(patch)
        row_by_row = _outcome(demo, path)
    assert chunked == row_by_row


def test_a_long_valid_file_goes_through_in_chunks_and_a_bad_row_is_still_named(demo, tmp_path, monkeypatch):
    """The chunked path is taken for valid chunks (add_many keeps them) and a problem in a late
    chunk is reported with its own row number, the rest of the file unaffected."""
    from importers.sinks.observations import ObservationSink

    kept = []
    original = ObservationSink.add_many
    monkeypatch.setattr(ObservationSink, "add_many",
                        lambda self, numbers, records: kept.append(numbers[0]) or original(self, numbers, records))
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    header = ["program", "metric", "period", "touchpoint", "n", "count_1", "count_2", "count_3", "count_4",
              "count_5"]
    rows = [["Benefits Call Center", "trust", "FY2027-Q1", f"survey {k}", 10, 1, 1, 2, 3, 3] for k in range(45)]
    path = _write(tmp_path / "long.csv", header, [[str(v) for v in r] for r in rows])
    assert _outcome(demo, path)[0] == "would_import"
    assert kept == [2, 12, 22, 32, 42]
    rows[33][4] = 11  # n disagrees with the counts on spreadsheet row 35
    rows.insert(5, [""] * len(header))  # a blank row: the chunk skips it, later rows keep their numbers
    path = _write(tmp_path / "bad.csv", header, [[str(v) for v in r] for r in rows])
    kept.clear()
    status, rejected, errors, _ = _outcome(demo, path)
    assert (status, rejected) == ("rejected", 1)
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(36, "n", "11")]
    assert kept == [2, 12, 22, 42], "the chunk with the bad row (rows 32-41) went row by row"
