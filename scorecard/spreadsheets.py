"""Writing a table for people to open in a spreadsheet: .csv or .xlsx, all or nothing, and texts
that a spreadsheet would run as a formula neutralised (CSV injection). Every export uses it:
the ratings export (scorecard/plans/export.py) and the observations export of `importers`."""
import csv
import errno
import os
import re
from pathlib import Path

# The texts a spreadsheet's cell holds to mean "no value" (the importers read them as a blank cell; the
# API refuses them in a JSON row, where null says it).
MISSING_WORDS = frozenset({"", "n/a", "na", "no data", "#n/a", "-", "\u2014", "\u2013", "null", "none"})


def means_no_value(text: str) -> bool:
    """Whether `text` is one of MISSING_WORDS (case and surrounding spaces aside)."""
    return text.strip().casefold() in MISSING_WORDS


FORMULA_SIGNS = ("=", "+", "-", "@")
FORMULA_STARTS = FORMULA_SIGNS + ("\t", "\r")
# A plain number ("-5", "+1,234.5", "-12 %") starts like a formula but is not one.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                           r"(?:\s?%)?")


def _quoted(text: str) -> bool:
    """Whether a spreadsheet would run `text` as a formula, or read it as one neutralised (an apostrophe
    before such a text, however many: the importers take one off)."""
    while text.startswith("'"):
        text = text[1:]
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralize_formula(text):
    """A text starting with = + - @ tab or CR gets a leading apostrophe so that a spreadsheet shows
    it as text instead of running it; a plain number such as "-5" is left alone. A text that already
    starts with apostrophes before such a one ("'=x", typed so) gets one more: the importers take one
    apostrophe off such a text (`unneutralized`), so what was stored comes back as it was."""
    if isinstance(text, str) and _quoted(text):
        return "'" + text
    return text


def unneutralized(text: str) -> str:
    """`text` as stored before `neutralize_formula`: one leading apostrophe off a text it would have
    put one before (a spreadsheet reads it so); every other text as it is."""
    return text[1:] if text.startswith("'") and _quoted(text[1:]) else text


# Characters a workbook cannot hold (openpyxl refuses them): the C0 controls but tab and the line breaks.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_for_export(value):
    """A value ready to write to a CSV or workbook export (apply on every export, whatever was stored):
    a text without the characters a workbook cannot hold, then neutralised, in that order (a control
    character taken off after would uncover a formula); everything else unchanged. Every way in refuses
    such characters (scorecard.text); a text stored before that still exports."""
    return neutralize_formula(UNWRITABLE.sub("", value)) if isinstance(value, str) else value


def xlsx_row(sheet, values) -> list:
    """`values` (each made safe_for_export) as a row to append to a workbook's `sheet`: a neutralised
    formula-like text is written as the text itself, typed as text with Excel's quote prefix — what typing
    '=x in Excel stores: shown without the apostrophe, never run, and read back as the text by the
    importers. Any other value as it is (a text that itself starts with an apostrophe keeps the extra one
    the importers take off; one starting with a tab or line break keeps its apostrophe, which holds the
    white space a reader would trim)."""
    return [_xlsx_value(sheet, value) for value in values]


def _xlsx_value(sheet, value):
    if not isinstance(value, str) or not value.startswith("'"):
        return value
    plain = unneutralized(value)
    if plain == value or not plain.startswith(FORMULA_SIGNS):
        return value  # a text itself starting with an apostrophe, or with a tab (a reader trims it): as written
    from openpyxl.cell import Cell

    cell = Cell(sheet, row=1, column=1, value=plain)  # placed where it is appended
    cell.data_type = "s"  # not "f": a text, whatever it starts with
    cell.quotePrefix = True
    return cell


def write_table(out: Path, columns, rows, sheet_name: str) -> int:
    """`rows` under a header of `columns`, as .csv or .xlsx by the file's extension; returns the count.
    Text that a spreadsheet would run as a formula must already be neutralised by the caller
    (`safe_for_export`)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ValueError(f"export to .csv or .xlsx, not {out.suffix or 'a file without extension'}")
    if not out.parent.is_dir():  # before a write-only workbook is opened: it cannot be closed cleanly after
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(out.parent))
    part = out.with_name(f".{out.name}.part")  # a failed export leaves no half-written file behind
    try:
        count = _write_csv(part, columns, rows) if suffix == ".csv" else _write_xlsx(part, columns, rows, sheet_name)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count


def _write_csv(out: Path, columns, rows) -> int:
    """UTF-8 with a byte-order mark, as the dashboards' downloads: without it Excel opens the file as
    Windows-1252, and a dash or an accent saved back comes in as other text (new keys, pooled twice)."""
    count = 0
    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for count, row in enumerate(rows, start=1):  # noqa: B007 (count is the rows written)
            writer.writerow(["" if v is None else v for v in row])
    return count


def _write_xlsx(out: Path, columns, rows, sheet_name: str) -> int:
    from openpyxl import Workbook

    count = 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_row(sheet, columns))
    for count, row in enumerate(rows, start=1):  # noqa: B007 (count is the rows written)
        sheet.append(xlsx_row(sheet, row))
    workbook.save(out)
    return count
