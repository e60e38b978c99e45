"""Observations: read with filters, and posted as rows of the canonical layout, which go through
the same import pipeline as a file (one import batch, all or nothing, revertible, rules
re-evaluated)."""
import csv
import re
import tempfile
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_login import current_user

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, get_or_404, metric_named, page
from scorecard.api.ports import imports
from scorecard.api.problems import PROBLEM_JSON, ApiProblem, sent_value
from scorecard.extensions import db
from scorecard.models import Observation
from scorecard.text import counted

blp = Blueprint("api_observations", __name__, description="Observations: one value of a metric for a program or "
                                                      "function in a period, channel and touchpoint.")
COLUMNS = tuple(s.ObservationRowSchema().fields)


@blp.route("/observations")
@blp.arguments(s.ObservationArgs, location="query")
@blp.response(200, s.page_of(s.ObservationSchema))
def observations(args):
    """Observations with their counts, n, question text, non-standard wording and import batch, by id."""
    query = sa.select(Observation).order_by(Observation.id)
    for name in ("program_id", "function_id", "import_batch_id"):
        if args.get(name):
            query = query.where(getattr(Observation, name) == args[name])
    if args.get("metric"):
        query = query.where(Observation.metric_id == metric_named(db.session, args["metric"]).id)
    if args.get("period_from"):
        query = query.where(Observation.period >= args["period_from"])
    if args.get("period_to"):
        query = query.where(Observation.period <= args["period_to"])
    if args.get("updated_since"):
        query = query.where(Observation.updated_at >= args["updated_since"])
    if "channel" in args:
        query = query.where(Observation.channel == " ".join(args["channel"].replace("_", " ").lower().split()))
    return page(db.session, query, args, options=[so.joinedload(Observation.metric)])


@blp.route("/observations/<int(max=2147483647):observation_id>")
@blp.response(200, s.ObservationSchema)
def observation(observation_id):
    """One observation."""
    return get_or_404(db.session, Observation, observation_id, "observation")


@blp.route("/observations", methods=["POST"])
@blp.arguments(s.DryRunArgs, location="query")
@blp.arguments(s.ObservationRowSchema(many=True), description="Rows of the canonical metrics layout: each names a "
               "metric, a period, a program or a function, and a value or answer counts count_1..count_5. A key "
               "left out of every row leaves that column as stored (question_text, notes); one given in some rows "
               "is read as empty in the others, as a blank cell of a file is; but a row giving some answer counts "
               "reads those it leaves out (or sends as null) as 0. A row with a value and no answer counts "
               "replaces the stored counts with none.")
@blp.response(201, s.ImportSummarySchema, headers={"Location": {"schema": {"type": "string"}, "description": (
    "The import batch the rows were written as (GET /imports/{batch_id}; revert it there).")}},
    description="Imported as one import batch.")
@blp.alt_response(200, schema=s.ImportSummarySchema, success=True,
                  description="A dry run (would_import), or rows already imported (duplicate): nothing written.")
@blp.alt_response(422, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="Rows with problems (each in `errors`, `row` counting the array's items from 1); "
                              "nothing was written. The importer's summary is in the problem too "
                              "(its status as `import_status`).")
def post_observations(args, rows):
    """Import observations: validated and committed by the import pipeline, like a file."""
    if not rows:
        raise ApiProblem(422, "Send a JSON array with at least one row.")
    services = imports()
    with tempfile.TemporaryDirectory(prefix="api-observations-") as folder:
        path = _write_rows(Path(folder) / "observations.csv", rows)
        try:
            result = services.pipeline.run_import(
                db.session, path, filename=f"POST /api/v1/observations ({counted(len(rows), 'row')})",
                format_name="metrics",
                dry_run=args["dry_run"], user_id=current_user.id)
        except services.errors.ImportFileError as error:
            db.session.rollback()
            raise ApiProblem(422, str(error)) from None
    summary = result.as_json()
    summary["errors"] = [_item_row(e, rows) for e in summary["errors"]]
    # the importer's other words are of the CSV file the rows were written as: of the request's items here
    summary["warnings"] = [_of_items(warning) for warning in summary["warnings"]]
    summary["message"] = _of_items(summary["message"]) if isinstance(summary["message"], str) else summary["message"]
    summary["driver_notes"] = [{**note, "row": note["row"] - 1} if isinstance(note.get("row"), int) else note
                               for note in summary["driver_notes"]]
    if result.status == "rejected":
        extra = {k: v for k, v in summary.items() if k not in ("errors", "status", "message")}
        # the pipeline speaks of a file: here the rows are the request's items
        one = result.rejected == 1
        detail = (f"{counted(result.rejected, 'item')} {'has' if one else 'have'} problems; nothing was imported. "
                  f"Fix {'it' if one else 'them'} and send the request again.") if result.rejected else result.message
        raise ApiProblem(422, detail, errors=summary["errors"], extra={**extra, "import_status": "rejected"})
    if result.status != "imported":
        return summary, 200
    return summary, 201, {"Location": url_for("api_imports.batch", batch_id=result.batch_id)}


def _write_rows(path: Path, rows: list[dict]) -> Path:
    """The rows as a CSV file of the canonical layout. A `sep=,` line names the delimiter, so the
    header is the table's first row and item i of the array is row i + 2."""
    present = [c for c in COLUMNS if any(c in row for row in rows)]
    counts = [c for c in COLUMNS if c.startswith("count_")]
    if set(counts) & set(present):  # a key left out of an item is null: every answer count is a column then
        present = [c for c in COLUMNS if c in present or c in counts]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("sep=,\r\n")
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(present)
        for row in rows:
            # A JSON item leaves out the answers nobody gave; in a file a blank count beside others is refused
            # (it may be an "N/A"), so here they are written as the 0 they are.
            counted = any(row.get(c) is not None for c in counts)
            writer.writerow([_cell(row[c]) if row.get(c) is not None else "0" if counted and c in counts else ""
                             for c in present])
    return path


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_AS_ROW = re.compile(r" as row (\d+)(?=$|, but )")  # the importer's own words ("... as row 3", "as row 3, but")
_ROW = re.compile(r"\brow (\d+)\b")
# A value the importer quotes (as Python writes it: 'Call row 12 center', or "O'Hare"): the request's own
# words, kept as sent. A quote opens after no letter or digit (not the apostrophe of "A-11's").
_QUOTED = re.compile(r"""(?<!\w)(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?!\w)""")
_OF_A_FILE = (("upload the file again", "send the rows again"), ("this file was", "these rows were"),
              ("This file was", "These rows were"))


def _of_items(text: str) -> str:
    """An importer's warning or message of the CSV written from the request, as of the request: its row N
    (N >= 2; row 1 is the header the API wrote) as item N - 1, its file as the rows ("(first on row 2) ...
    upload the file again" named a row that is no item, and a file nobody sent). A value it quotes is left
    as sent."""
    def of_items(words: str) -> str:
        words = _ROW.sub(lambda found: f"item {int(found.group(1)) - 1}" if int(found.group(1)) >= 2
                         else found.group(0), words)
        for said, meant in _OF_A_FILE:
            words = words.replace(said, meant)
        return words

    pieces, start = [], 0
    for quoted in _QUOTED.finditer(text):
        pieces += [of_items(text[start:quoted.start()]), quoted.group(0)]
        start = quoted.end()
    return "".join(pieces) + of_items(text[start:])


def _item_row(error: dict, rows: list[dict]) -> dict:
    """An importer error's spreadsheet row as the position of the item in the posted array, in its
    `row` and where its message names another row ("the same ... as row 3": as item 2); its `value`, for
    a key the item holds, as the item holds it (a JSON number, null), not as its CSV cell was written (the
    text "3" for 3, "" for null, 1e308 written out in 309 digits)."""
    row = error.get("row")
    item = row - 1 if isinstance(row, int) and row >= 2 else row
    message = error.get("message")
    if isinstance(message, str):
        message = _AS_ROW.sub(lambda found: f" as item {int(found.group(1)) - 1}", message)
    value, column = error.get("value"), error.get("column")
    if isinstance(item, int) and 0 < item <= len(rows) and isinstance(column, str) and column in rows[item - 1]:
        value = sent_value(item, column)
    return {**error, "row": item, "value": value, "message": message}
