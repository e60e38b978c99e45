"""Command-line import, revert, templates and exports (registered on the `scorecard` CLI)."""
import json
import sys

import click
from flask.cli import with_appcontext

from importers.errors import ImportFileError
from scorecard.cli_values import ID
from scorecard.periods import read_planned_year
from scorecard.text import counted


class TerminalProgress:
    """A one-line progress display on stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, stage: str, rows: int):
        if self.enabled:
            bar = "#" * min(30, rows // 10000) + "." * max(0, 30 - rows // 10000)
            sys.stderr.write(f"\r{stage:<11} [{bar}] {rows:,} rows")
            sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "format_name", help="Name the format instead of detecting it from the header.")
@click.option("--sheet", help="Worksheet to read (hidden sheets only when named).")
@click.option("--program", help="Program for a Touchpoints responses export.")
@click.option("--period", help="Fiscal quarter for a Touchpoints responses export, e.g. FY2025-Q1.")
@click.option("--touchpoint", help="Name of the form's touchpoint for a Touchpoints responses export "
              "(default \"Touchpoints A-11 v2\"; name each form when a program has several).")
@click.option("--trust-scale", type=click.Choice(["thumbs", "five"]),
              help="Scale of a Touchpoints export's trust question (question_1): thumbs up / down (1 / 0) or "
              "answers from 1 to 5 (default: read from the answers; a file of only 1s is read as thumbs up).")
@click.option("--dry-run", is_flag=True, help="Validate and plan; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def import_command(path, format_name, sheet, program, period, touchpoint, trust_scale, dry_run, as_json):
    """Import a spreadsheet (xlsx, xlsm, xls, ods, csv, tsv)."""
    from importers.pipeline import run_import
    from scorecard.extensions import db

    if touchpoint is not None and not touchpoint.strip():  # given, but blank: not a wish for the default touchpoint
        raise click.BadParameter("the touchpoint's name is blank: give its name, or leave --touchpoint out for the "
                                 "form's default touchpoint", param_hint="--touchpoint")
    progress = TerminalProgress(not as_json)
    options = {k: v for k, v in (("program", program), ("period", period), ("touchpoint", touchpoint),
                                 ("trust_scale", trust_scale)) if v}
    try:
        result = run_import(db.session, path, format_name=format_name, sheet=sheet, options=options,
                            dry_run=dry_run, progress=progress)
        payload = result.as_json()
    except ImportFileError as error:
        db.session.rollback()
        # the same keys as every other result's (ImportResult.as_json), so a script reads any one alike
        payload = {"batch": None, "format": error.format or format_name, "status": "failed", "inserted": 0,
                   "updated": 0, "unchanged": 0, "removed": 0, "rejected": 0,
                   "errors": [{"row": None, "column": None, "value": None, "message": str(error)}],
                   "message": str(error), "driver_notes": [], "placements": [], "created": {}, "unknown_columns": [],
                   "warnings": []}
    progress.close()
    if as_json:
        click.echo(json.dumps(payload, default=str))
    else:
        _print_human(payload)
    if payload["status"] in ("rejected", "failed"):
        sys.exit(1)


def _print_human(payload: dict) -> None:
    shown_format = f" (format {payload['format']})" if payload["format"] else ""
    click.echo(f"{payload['status']}: {payload['message']}" + shown_format)
    if payload.get("batch"):
        click.echo(f"batch {payload['batch']}: {payload['inserted']} inserted, {payload['updated']} updated, "
                   f"{payload['unchanged']} unchanged"
                   + (f", {payload['removed']} removed" if payload["removed"] else ""))
    for error in payload["errors"][:50]:
        where = f"row {error['row']}, column {error['column']}" if error["row"] else "file"
        value = f" (value {error['value']!r})" if error["value"] is not None else ""
        click.echo(f"  {where}: {error['message']}" + value, err=True)
    if len(payload["errors"]) > 50:
        click.echo(f"  ... and {len(payload['errors']) - 50} more (use --json for all)", err=True)
    for item in payload.get("driver_notes", []):
        if item["note"] != "non-standard wording":  # those are counted in the message; --json lists them
            slot = f"q{item['slot']}" if item["slot"] else "every slot"
            click.echo(f"  row {item['row']} {slot}: {item['note']}"
                       + (f" ({item['driver']})" if item["driver"] else "") + f": {item['question']}")
    for warning in payload.get("warnings", []):
        click.echo(f"  warning: {warning}", err=True)


@click.command("revert")
@click.argument("batch", type=ID)
@click.option("--dry-run", is_flag=True, help="Check the revert and count what it would do; change nothing.")
@with_appcontext
def revert_command(batch, dry_run):
    """Undo an import batch: remove its rows and restore what it replaced. The agencies, components and programs
    it created are kept (other data may name them now). A revert cannot itself be undone."""
    from importers.revert import RevertError, kept_words, revert_batch
    from scorecard.extensions import db

    try:
        summary = revert_batch(db.session, batch, dry_run=dry_run)
    except RevertError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if dry_run:
        kept = kept_words(summary)
        click.echo(f"Batch {batch} can be reverted: {counted(summary['deleted'], 'row')} would be deleted, "
                   f"{summary['restored']:,} restored. {kept + ' ' if kept else ''}Nothing was changed.")
        return
    click.echo(f"Reverted batch {batch}: {counted(summary['deleted'], 'row')} deleted, {summary['restored']:,} "
               f"restored. {kept_words(summary)}".rstrip())




@click.command("sweep-uploads")
@with_appcontext
def sweep_command():
    """Cancel previews left unconfirmed and remove uploads no batch needs (older than IMPORT_KEEP_DAYS);
    fail imports whose job stopped (silent for IMPORT_STALE_SECONDS)."""
    from flask import current_app

    from importers.jobs import sweep
    from scorecard.extensions import db

    summary = sweep(current_app, db.session)
    click.echo(f"{counted(summary['expired'], 'preview')} expired, {counted(summary['removed'], 'stored upload')} "
               f"removed, {counted(summary['failed'], 'import')} whose job stopped marked failed.")


@click.command("template")
@click.argument("format_name", metavar="FORMAT")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The .xlsx file to write.")
@with_appcontext
def template_command(format_name, out):
    """Write a blank Excel template for FORMAT, with drop-down lists and instructions."""
    from importers.templates import write_template
    from scorecard.extensions import db

    if not out.lower().endswith(".xlsx"):  # a workbook written under a .csv name opens as garbage
        raise click.BadParameter(f"{out!r}: a template is an Excel workbook; name it .xlsx", param_hint="--out")
    try:
        write_template(db.session, format_name, out)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
    click.echo(f"Wrote {out}.")


@click.group("export")
def export_group():
    """Export data in import layouts."""


@export_group.command("observations")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="A .csv or .xlsx file.")
@click.option("--period", help="Only this fiscal quarter, e.g. FY2025-Q1.")
@click.option("--component", help="Only this component (name or code).")
@with_appcontext
def export_observations_command(out, period, component):
    """Write observations in the canonical metrics layout."""
    from importers.export import export_observations
    from scorecard.extensions import db
    from scorecard.periods import PeriodError

    try:
        count = export_observations(db.session, out, period=period, component=component)
    except (ValueError, PeriodError) as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
    click.echo(f"Wrote {counted(count, 'observation')} to {out}.")


@export_group.command("ratings")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="A .csv or .xlsx file.")
@click.option("--fy", "fiscal_year", help="Only plans of this fiscal year, e.g. FY2026 or 2026.")
@with_appcontext
def export_ratings_command(out, fiscal_year):
    """Write leaders' element ratings: proposed, confirmed, the plan's summary score and level (of the decisions,
    once every element is decided) and its projected summary (proposals where undecided)."""
    from scorecard.extensions import db
    from scorecard.plans.export import export_ratings

    year = None
    if fiscal_year:
        try:
            year = read_planned_year(fiscal_year)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--fy") from None
    try:
        count = export_ratings(db.session, out, year)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
    click.echo(f"Wrote {counted(count, 'element rating row')} to {out}.")


@export_group.command("commitments")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="A .xlsx or .csv file.")
@click.option("--function", "function", metavar="CODE", help="Only this function's commitments, e.g. CFO.")
@with_appcontext
def export_commitments_command(out, function):
    """Write commitments to edit offline and import back: id and version per row; the workbook has a
    status drop-down and an instructions sheet."""
    from scorecard.commitments.export import export_commitments
    from scorecard.extensions import db

    try:
        count = export_commitments(db.session, out, function)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
    click.echo(f"Wrote {counted(count, 'commitment')} to {out}.")


def register(app) -> None:
    for command in (import_command, revert_command, sweep_command, template_command, export_group):
        app.cli.add_command(command)
