"""Read any file an analyst has into rows of raw cell values: CSV in-process, workbooks in a limited child."""
import codecs
import contextlib
import csv
import datetime
import io
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Optional

from importers.errors import AmbiguousNumber, ImportFileError
from importers.header import column_letter
from importers.safety import (
    MB,
    SheetScan,
    check_sheet_dimensions,
    check_size,
    check_zip,
    password_protected,
    scan_ods,
    scan_sheet,
    sniff_kind,
    workbook_sheets,
)
from scorecard.text import counted

PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb",
               ".xls": "xls", ".ods": "ods"}
_KIND_NAMES = {"csv": "plain text (CSV)", "xlsx": "an Excel workbook", "xlsb": "an Excel binary workbook",
               "xls": "an Excel 97-2003 workbook", "ods": "an OpenDocument spreadsheet"}
SPLIT_HINT = ("If it really holds this much data, split it into smaller files; if it should be small, it may "
              "have stray cells far from the data (Ctrl+End in Excel jumps to the last cell): delete them and save.")


@dataclass(frozen=True)
class Limits:
    """What one workbook parse may use. The child process gets max_memory of address space, `timeout`
    seconds of wall clock (and of CPU), and may write max_output bytes of rows."""

    max_memory: int = 1536 * MB
    timeout: float = 120.0
    max_unzipped: int = 500 * MB
    max_ratio: float = 100
    max_entries: int = 10_000
    max_cells: int = 50_000_000
    max_output: int = 4096 * MB
    max_file_bytes: Optional[int] = None


@dataclass
class Table:
    """One sheet of a file. `rows` is a one-pass iterator of lists of raw values (str, int, float, bool,
    date, datetime, time, None, an UncachedFormula or a SpreadsheetError); an empty cell is "" or absent. Row i of the
    iterator is spreadsheet row i + 1 and cell j is column j (A = 0), also when the data starts lower
    or further right."""

    kind: str
    rows: Iterable[list]
    sheet: Optional[str] = None
    sheet_names: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    hidden_columns: list = field(default_factory=list)  # (first, last) 0-based column ranges a workbook hides


def read_table(path, *, sheet: Optional[str] = None, limits: Limits = Limits()) -> Table:
    """Check and read one file; raises ImportFileError with a message for the analyst.

    The kind comes from the content, not the name (a mismatch is a warning). Workbooks: hidden sheets
    are skipped unless `sheet` names one; by default the first visible sheet with data is read. Dates
    come back as date/datetime, numbers as float. Formulas read as the result the file stores; an xlsx
    formula cell with no stored result (openpyxl, XlsxWriter) comes back as an UncachedFormula, which
    every normalizer rejects as an error for that cell, and a warning names the cells; an xlsx cell
    holding a spreadsheet error (#DIV/0!) comes back as a SpreadsheetError, rejected the same way. A merged cell's
    value is in its top-left cell; the other cells of the merge are empty."""
    path = Path(path)
    if limits.max_file_bytes:
        check_size(path, limits.max_file_bytes)
    kind = sniff_kind(path)
    warnings = []
    named = _EXTENSIONS.get(path.suffix.lower())
    if named and named != kind:
        warnings.append(f"The file is named {path.suffix} but holds {_KIND_NAMES[kind]}; it was read as such.")
    elif path.suffix and not named:  # x.pdf holding a CSV: read, and said, as a mislabelled workbook is
        warnings.append(f"The file is named {path.suffix[:20]}, which is no spreadsheet's name, but holds "
                        f"{_KIND_NAMES[kind]}; it was read as such.")
    if kind == "csv":
        if sheet:
            warnings.append("A CSV file has no sheets; the sheet name given was ignored.")
        return read_csv(path, warnings)
    try:
        with _named_as_its_kind(path, kind) as readable:
            return _read_workbook(readable, kind, sheet, limits, warnings)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a part that does not unpack as the archive says
        raise ImportFileError(f"The workbook is damaged: a part of it does not unpack to what the archive declares "
                              f"({error}); nothing was imported.",
                              hint="Save it again from Excel and upload the new copy.") from None


@contextlib.contextmanager
def _named_as_its_kind(path: Path, kind: str):
    """`path`, or a link to it named for what it holds: the workbook parser goes by the name (an
    .xlsx named .xls would be read as a damaged 97-2003 workbook), the content decides here."""
    if _EXTENSIONS.get(path.suffix.lower()) == kind:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="scorecard-workbook-") as folder:
        link = Path(folder) / f"workbook.{kind}"
        link.symlink_to(path.resolve())
        yield link


# ------------------------------------------------------------------------------------------- CSV

def read_csv(path, warnings: Optional[list] = None) -> Table:
    """CSV/TSV: encoding UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252; delimiter , ; tab or |
    (or Excel's "sep=" first line). Rows stream; values stay strings."""
    warnings = [] if warnings is None else warnings
    encoding = _csv_encoding(path, warnings)
    with _open_text(path, encoding) as handle:
        sample = handle.read(64 * 1024)
        whole = not handle.read(1)
    if not sample.strip():
        raise ImportFileError("The file is empty.")
    delimiter, skip_first = _csv_delimiter(sample, whole)
    return Table("csv", _csv_rows(path, encoding, delimiter, skip_first), warnings=warnings,
                 encoding=encoding, delimiter=delimiter)


_BOM_READ_AS_ONE_BYTE = codecs.BOM_UTF8.decode("cp1252")  # "ï»¿" (Latin-1 reads it the same)


def _open_text(path, encoding: str):
    """The file as text in `encoding`, past a UTF-8 byte-order mark where a one-byte encoding would read it
    as "ï»¿" glued to the first header (a Windows-1252 file some editor saved with UTF-8's mark: its
    first column was dropped as unknown)."""
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 — returned open, closed by its caller
    if encoding in ("cp1252", "latin-1") and handle.read(len(_BOM_READ_AS_ONE_BYTE)) != _BOM_READ_AS_ONE_BYTE:
        handle.seek(0)
    return handle


def _decodes(path, encoding: str) -> bool:
    return _undecodable(path, encoding) is None


def _undecodable(path, encoding: str) -> Optional[tuple[int, str]]:
    """(about where, why) the file's bytes stop reading as `encoding`, or None when they all read."""
    decoder = codecs.getincrementaldecoder(encoding)()
    read = held = 0
    with open(path, "rb") as handle:
        try:
            for block in iter(lambda: handle.read(MB), b""):
                held = len(decoder.getstate()[0])  # a character's first bytes, kept from the block before
                decoder.decode(block)
                read += len(block)
            held = len(decoder.getstate()[0])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:  # error.start counts from the first byte held over
            return min(read - held + error.start, os.fstat(handle.fileno()).st_size), error.reason
    return None


# A Windows-1252 text holds a character UTF-8 would write in two bytes now and then by chance (a capital
# accented letter before a curly quote, a dash or a no-break space: "RENÉ’S"), but its other accented
# letters are bytes UTF-8 does not allow. A UTF-8 text with a damaged byte holds many more characters
# UTF-8 reads than bytes it does not.
UTF8_CHARACTERS_PER_BAD_BYTE = 2
# Accented Latin letters (À to ſ) as UTF-8 writes them: two bytes that Windows-1252 reads as "Ã", "Ä" or "Å"
# before a symbol ("Ã©"), which no text writes; a capital before punctuation ("É’") reads as UTF-8 too, but
# as an IPA letter (U+0252), so it is not one of these.
UTF8_LETTER = re.compile("[\u00c0-\u017f]")


def _mostly_utf8(path) -> bool:
    """Whether the file's characters beyond ASCII read as UTF-8 at least UTF8_CHARACTERS_PER_BAD_BYTE
    times as often as not, or its accented letters read as UTF-8 at least as often as not (one "é" written
    as UTF-8 beside one stray Windows-1252 byte is a damaged UTF-8 file: read as Windows-1252, the "é" is
    stored as "Ã©"); past a byte-order mark (a Windows-1252 file some editor saved with UTF-8's mark is
    still Windows-1252)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    read = bad = letters = 0
    with open(path, "rb") as handle:
        if handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            handle.seek(0)
        for block in chain(iter(lambda: handle.read(MB), b""), [None]):
            text = decoder.decode(b"", final=True) if block is None else decoder.decode(block)
            wrong = text.count("\ufffd")
            bad += wrong
            read += len(text) - len(text.encode("ascii", "ignore")) - wrong
            letters += len(UTF8_LETTER.findall(text))
    return read >= UTF8_CHARACTERS_PER_BAD_BYTE * bad or letters >= bad


def _utf8_break(path, offset: int) -> str:
    """Where a UTF-8 file breaks at `offset`, in words: "line 3 holds the byte 0xEF (byte 120 of the file, after
    'bad'), which UTF-8 does not allow"."""
    line, tail, left = 1, b"", offset
    with open(path, "rb") as handle:
        while left:
            block = handle.read(min(MB, left))
            if not block:
                break
            left -= len(block)
            line += block.count(b"\n")
            tail = (tail + block).rsplit(b"\n", 1)[-1][-40:]
        rest = handle.read(4)
    byte = rest[:1] if rest and (len(rest) == 4 or not _utf8_start(rest)) else b""  # b"": a character cut short
    before = tail.decode("utf-8", "ignore").lstrip("\ufeff").strip()  # not the byte-order mark, quoted
    return f"line {line} holds " + (
        f"the byte 0x{byte[0]:02X} (byte {offset + 1:,} of the file{f', after {before!r}' if before else ''}), "
        "which UTF-8 does not allow" if byte else "a character cut short where the file ends")


def _utf8_start(tail: bytes) -> bool:
    """Whether the last bytes of a file are the start of a UTF-8 character the file ends before."""
    try:
        return not codecs.getincrementaldecoder("utf-8")().decode(tail)
    except UnicodeDecodeError:
        return False


def _damaged_utf8(path, offset: int) -> ImportFileError:
    """The refusal of a UTF-8 file with a byte at `offset` that UTF-8 does not allow: read as Windows-1252
    instead, every accented letter of every row would be stored garbled ("Café" as "CafÃ©")."""
    return ImportFileError(
        f"The file is UTF-8 text, but {_utf8_break(path, offset)}. Read as Windows-1252 instead, every accented "
        "letter in the file would be garbled (\"Café\" as \"CafÃ©\"), so nothing was imported.",
        hint="Correct or retype the text there, save the file as \"CSV UTF-8\" (in Excel: Save As, CSV UTF-8) "
             "and upload it again.")


def _csv_encoding(path, warnings: list) -> str:
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        broken = _undecodable(path, "utf-16")
        if broken is not None:  # found while its rows streamed, it ended the batch as an unexpected failure
            raise ImportFileError(
                f"The file starts as UTF-16 text (its first bytes are UTF-16's byte-order mark), but near byte "
                f"{broken[0]:,} it no longer reads as UTF-16 ({broken[1]}); nothing was imported.",
                hint="Open it in Excel and save it again as \"CSV UTF-8\", or as .xlsx, and upload that copy.")
        return "utf-16"
    broken = _undecodable(path, "utf-8")
    if broken is None:
        return "utf-8-sig"
    if _mostly_utf8(path):  # UTF-8 with a few bad bytes, not another encoding
        raise _damaged_utf8(path, broken[0])
    if _decodes(path, "cp1252"):
        # A file opening with UTF-8's byte-order mark says it is UTF-8 (an editor may have put the mark on a
        # Windows-1252 file): where it is not is named, so a stray byte in a UTF-8 file can be found and corrected.
        marked = (f"It opens with UTF-8's byte-order mark, but {_utf8_break(path, broken[0])}. "
                  if head.startswith(codecs.BOM_UTF8) else "")
        warnings.append("The file is not UTF-8 text; it was read as Windows-1252 (Western European). " + marked +
                        "If names in the preview look garbled (a file saved in another alphabet, such as Japanese "
                        "Shift-JIS), save it as \"CSV UTF-8\" from Excel and upload that copy.")
        return "cp1252"
    warnings.append("The file is neither UTF-8 nor Windows-1252 text; it was read as Latin-1, and some "
                    "characters may be wrong. Save it as \"CSV UTF-8\" from Excel for a faithful import.")
    return "latin-1"


def _csv_delimiter(sample: str, whole: bool) -> tuple[str, bool]:
    """The delimiter whose split gives the most rows of one width (then the widest), quotes respected."""
    first = sample.split("\n", 1)[0].strip().strip('"')
    if len(first) == 5 and first.lower().startswith("sep="):
        return first[4], True
    text = sample if whole else sample[:sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0.0, 0)
    for delimiter in (",", ";", "\t", "|"):
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        widths = widths if whole or len(widths) < 2 else widths[:-1]  # the last row may be cut short
        if not widths:
            continue
        width, times = Counter(widths).most_common(1)[0]
        score = (round(times / len(widths), 1), width) if width > 1 else (0.0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best, False


def _oversized_column(path, encoding: str, delimiter: str, line: int) -> Optional[int]:
    """The column (from 1) of the record starting on `line` of the file whose value passes the CSV field
    limit, read character by character as the reader splits it (quotes respected); None when none does."""
    limit, column, length, quoted = csv.field_size_limit(), 1, 0, False
    with open(path, encoding=encoding, newline="") as handle:
        for _ in range(line - 1):
            handle.readline()
        while chunk := handle.read(1 << 16):
            for ch in chunk:
                if ch == '"':
                    quoted = not quoted  # a doubled quote inside one turns it off and on again
                    continue
                if not quoted:
                    if ch == delimiter:
                        column, length = column + 1, 0
                        continue
                    if ch in "\r\n":
                        return None
                length += 1
                if length > limit:
                    return column
    return None


# "1,234", "1.234", "-12.500", "$1,234 %": one separator, a comma or a point, before exactly three digits
# and nothing else. Where columns are separated by semicolons (Excel in most of Europe writes 1.234 for a
# thousand and more, 1,234 for a little over one) either reading is possible, so such a number is
# refused, not guessed (AmbiguousNumber); where they are separated by tabs only the comma is (a tab file's
# 3.875 is the score it reads as). "0.125" is no thousand, and "1,234,567" or "1,234.5" have one reading
# only: they read as numbers do.
_AMBIGUOUS_NUMBER = re.compile(r"\s*\(?[-+]?\$?[1-9]\d{0,2}[.,]\d{3}\s*%?\)?\s*")


def _csv_rows(path, encoding: str, delimiter: str, skip_first: bool):
    with _open_text(path, encoding) as handle:
        if skip_first:
            handle.readline()
        reader = csv.reader(handle, delimiter=delimiter)
        rows = start = ended = width = 0  # rows read; the reader's lines the last one starts and ends on
        first: list = []  # the first row (the header, unless title rows come before it)
        try:
            for row in reader:
                rows, start, ended = rows + 1, ended + 1, reader.line_num
                first = first or row
                if ended > start and width > 2:  # the widest row before this one (this one may hold others)
                    _swallowed_rows(row, rows, delimiter, width, start + skip_first, ended + skip_first,
                                    partial(_well_quoted, path, encoding, delimiter, start + skip_first,
                                            ended + skip_first))
                width = max(width, len(row))
                if delimiter != ",":  # semicolons or tabs: "1,234" (or, with semicolons, "1.234") may mean either
                    marks = ",." if delimiter == ";" else ","
                    row = [AmbiguousNumber(cell) if any(m in cell for m in marks) and _AMBIGUOUS_NUMBER.fullmatch(cell)
                           else cell for cell in row]
                yield row
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                line = ended + 1 + skip_first
                column = _oversized_column(path, encoding, delimiter, line)
                where = "" if column is None else f" in column {column}" + (
                    f" (headed {first[column - 1]!r})" if len(first) >= column and first[column - 1] else "")
                raise ImportFileError(
                    f"Row {rows + 1} (from line {line} of the file) holds a value longer than "
                    f"{csv.field_size_limit():,} characters{where}, far more than any column of a layout takes, or a "
                    "quote opened there and never closed took the rest of the file into one value; nothing was "
                    "imported.", hint="Shorten the value, or close the quote, and upload the file again.") from None
            raise ImportFileError(f"The CSV file could not be read near line {reader.line_num}: {error}.") from None
    # The last row: a quote opened in it and never closed took the rest of the file, were that the rest of
    # its own line alone (its row then read as a row short of a value, the quote unnamed).
    if rows and _unclosed_from(path, encoding, delimiter, start + skip_first):
        first, last = start + skip_first, ended + skip_first
        raise ImportFileError(
            f"Row {rows} opens a quoted value (line {first} of the file) that is never closed, so the rest of the "
            f"file, {f'lines {first}-{last}' if last > first else f'line {first} to its end'}, would be read into "
            "that one cell; nothing was imported.",
            hint='Close the quote, or double a quote that belongs in the text ("") and upload the file again.')


def _swallowed_rows(row: list, number: int, delimiter: str, width: int, first: int, last: int,
                    well_quoted) -> None:
    """Refuse a row one of whose cells spans lines that read as whole rows (as many delimiters as the
    file's widest row has cells, less one): a quote opened in it and closed only by a later quoted
    value took the rows between into that cell. Such a row breaks CSV's quoting (the later value's
    quote closes the cell and text follows it); a note of several lines, one of them a list with as
    many commas, quoted as CSV quotes it (`well_quoted()`), is kept."""
    for index, cell in enumerate(row):
        if ("\n" in cell and any(line.count(delimiter) >= width - 1 for line in cell.split("\n")[1:])
                and not well_quoted()):
            raise ImportFileError(
                f"Row {number}'s value in column {column_letter(index)} runs over lines {first}-{last} of the "
                "file, which read as whole rows: a quote opened there is not closed where the value ends, so "
                "those rows would be read into that one cell; nothing was imported.",
                hint='Close the quote, or double a quote that belongs in the text ("") and upload the file again.')


def _well_quoted(path, encoding: str, delimiter: str, first: int, last: int) -> bool:
    """Whether lines `first` to `last` of the CSV text read as rows under CSV's strict quoting (every
    quoted value closed by a quote followed by a delimiter or the line's end)."""
    with open(path, encoding=encoding, newline="") as handle:
        try:
            for _row in csv.reader(islice(handle, first - 1, last), delimiter=delimiter, strict=True):
                pass
        except csv.Error:
            return False
    return True


def _unclosed_from(path, encoding: str, delimiter: str, line: int) -> bool:
    """Whether the CSV text from `line` on ends inside a quoted value (the lenient reader above takes
    the rest of the file into that cell without a word)."""
    with open(path, encoding=encoding, newline="") as handle:
        rest = islice(handle, line - 1, None)
        try:
            for _row in csv.reader(rest, delimiter=delimiter, strict=True):
                pass
        except csv.Error as error:
            return "unexpected end of data" in str(error)
    return False


# -------------------------------------------------------------------------------------- workbooks

class _RowsUnpickler(pickle.Unpickler):
    """The child only sends plain values; refuse anything else even if it were compromised."""

    def find_class(self, module, name):
        if module == "datetime" and name in ("date", "datetime", "time", "timedelta"):
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} from the workbook reader")


def _read_workbook(path: Path, kind: str, sheet: Optional[str], limits: Limits, warnings: list) -> Table:
    book, targets = None, []
    if kind in ("xlsx", "xlsb", "ods"):
        check_zip(path, max_total_uncompressed=limits.max_unzipped, max_ratio=limits.max_ratio,
                  max_entries=limits.max_entries)
    if kind == "xlsx":
        book = workbook_sheets(path)
        targets = [book.find(sheet)] if sheet is not None else [s for s in book.sheets if s.state == "visible"]
        targets = [t for t in targets if t and t.part and "/worksheets/" in t.part]
        check_sheet_dimensions(path, targets, max_cells=limits.max_cells)
    # Closed below, or (rows_file) by the rows' generator when it is done: they outlive this block.
    rows_file, out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    args = {"path": str(path.absolute()), "sheet": sheet, "kind": kind, "fd": rows_file.fileno(),
            "memory": limits.max_memory, "cpu": int(limits.timeout) + 1, "output": limits.max_output}
    env = {**os.environ, "RUST_BACKTRACE": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))}

    def scanned(target):  # the sheet's XML streamed once (see scan_sheet)
        return scan_sheet(path, target, max_cells=limits.max_cells, recalculates=book.recalculates,
                          percent_styles=book.percent_styles)

    deadline = time.monotonic() + limits.timeout
    child = subprocess.Popen([sys.executable, "-m", "importers._parse_child", json.dumps(args)],
                             stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file,
                             pass_fds=(rows_file.fileno(),), env=env)
    try:
        scans = {}
        for target in targets:  # stream the XML of the sheet the child will read while it parses
            scans[target.name] = scanned(target)
            if scans[target.name].has_cells:
                break
        try:
            code = child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None
        if time.monotonic() > deadline:  # the limit covers the whole read: the parent's scan as well
            code = None
        meta = _child_result(code, out_file, err_file, sheet, limits)
        chosen = meta["sheet"]
        info = book.find(chosen) if book else None
        scan = scans.get(chosen)
        if scan is None and info and info.part and "/worksheets/" in info.part:
            scan = scanned(info)
        scan = _scan_beside(kind, path, meta, warnings) or scan
    except BaseException:
        rows_file.close()
        raise
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        out_file.close()
        err_file.close()
    warnings.extend(_sheet_warnings(meta, sheet, scan))
    rows_file.seek(0)
    return Table(kind, _workbook_rows(rows_file, {**scan.uncached, **scan.errors} if scan else {},
                                       scan.percent if scan else ()),
                 sheet=chosen, sheet_names=meta["visible"], hidden_sheets=meta["hidden"], warnings=warnings,
                 hidden_columns=scan.hidden_columns if scan else [])


def _scan_beside(kind: str, path: Path, meta: dict, warnings: list) -> Optional[SheetScan]:
    """What an .ods or .xls sheet's parser does not say (its percentage cells; an .ods's hidden rows), found
    beside it; None for the other kinds (an xlsx's sheet is scanned as the child parses it)."""
    chosen = meta["sheet"]
    if kind == "ods" and chosen is not None:
        return scan_ods(path, chosen)
    if kind == "xls" and "percent" in meta:
        return _xls_scan(meta["percent"], warnings, chosen)
    return None


def _xls_scan(percent: dict, warnings: list, chosen: str) -> SheetScan:
    """What the child found of a 97-2003 sheet's percentage cells, as an xlsx's scan says it (its note,
    and the cells read as they show); a sheet whose formats could not be read is named in a note."""
    if "unread" in percent:
        warnings.append(f"The number formats of sheet {chosen!r} could not be read ({percent['unread']}): a cell "
                        "showing a percentage, such as 85%, was read as the fraction it stores (0.85). Save the "
                        "file as .xlsx, or format such columns as plain numbers (85), and upload it again.")
        return SheetScan()
    return SheetScan(percent={tuple(cell) for cell in percent["cells"]}, percent_count=percent["count"])


def _child_result(code, out_file, err_file, sheet, limits: Limits) -> dict:
    """The child's report, or the ImportFileError that says why it failed."""
    unsafe = "The workbook could not be read safely: "
    if code is None or code == -signal.SIGXCPU:
        raise ImportFileError(f"{unsafe}reading it took longer than {limits.timeout:g} seconds.", hint=SPLIT_HINT)
    if code == -signal.SIGXFSZ:
        raise ImportFileError(f"{unsafe}it holds more data than allowed.", hint=SPLIT_HINT)
    out_file.seek(0)
    err_file.seek(max(0, err_file.seek(0, 2) - 4096))
    output, errors = out_file.read(), err_file.read()
    meta = _RowsUnpickler(io.BytesIO(output)).load() if code == 0 and output else {}
    error = meta.get("error")
    if error == "memory" or not meta and (code == -signal.SIGKILL or b"memory allocation" in errors
                                          or b"MemoryError" in errors):
        raise ImportFileError(f"{unsafe}it needs more memory than allowed ({limits.max_memory / MB:,.0f} MB).",
                              hint=SPLIT_HINT)
    if not meta:
        how = f"exit status {code}"
        if code < 0:
            how = f"signal {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"signal {-code}"
        raise ImportFileError(f"{unsafe}the reader crashed on it ({how}).",
                              hint="The file may be damaged; save it again from Excel and upload the new copy.")
    listed = ", ".join(repr(n) for n in meta.get("visible", []) + meta.get("hidden", [])) or "none"
    if error == "no_sheet":
        raise ImportFileError(f"There is no sheet named {sheet!r} in the workbook; its sheets are: {listed}.")
    if error == "no_data":
        hidden = meta.get("hidden")
        raise ImportFileError("The workbook has no data: every visible sheet is empty.",
                              hint=f"Its hidden sheets ({', '.join(map(repr, hidden))}) were not read; choose one "
                                   "by name to read it." if hidden else None)
    if error == "unreadable":
        if meta.get("password"):
            raise password_protected()
        if "Cell limit exceeded" in meta.get("detail", ""):
            raise ImportFileError("The workbook was refused: it asks for more cells than any real sheet has (a "
                                  f"\"sparse bomb\"; {meta['detail'].split(': ', 1)[-1]}).", hint=SPLIT_HINT)
        raise ImportFileError(f"The file could not be read as a workbook: it is damaged or not really a "
                              f"spreadsheet ({meta.get('detail')}).",
                              hint="Save it again from Excel as .xlsx and upload the new copy.")
    return meta


# The sheets of the app's own templates (importers.templates): the data, its instructions, and the hidden lists
# its drop-downs offer. Read from a filled-in template, the data sheet is the one meant; nothing to say.
TEMPLATE_DATA, TEMPLATE_HELP, TEMPLATE_LISTS = "data", "instructions", "lists"
# The commitments download (scorecard.commitments.export), imported back: its data and its instructions.
COMMITMENTS_EXPORT = "commitments"


def _sheet_warnings(meta: dict, sheet: Optional[str], scan) -> list[str]:
    chosen, notes = meta["sheet"], []
    template = ((chosen == TEMPLATE_DATA and meta["visible"] == [TEMPLATE_DATA, TEMPLATE_HELP]
                 and meta["hidden"] == [TEMPLATE_LISTS])
                or (chosen == COMMITMENTS_EXPORT and meta["visible"] == [COMMITMENTS_EXPORT, TEMPLATE_HELP]
                    and not meta["hidden"]))
    if chosen in meta["hidden"]:
        notes.append(f"Sheet {chosen!r} is hidden; it was read because it was chosen by name.")
    elif sheet is None and len(meta["visible"]) > 1 and not template:
        notes.append(f"The workbook has {len(meta['visible'])} sheets; the first with data, {chosen!r}, was read. "
                     "Choose another by name to read it instead.")
    if sheet is None and meta["hidden"] and not template:
        one = len(meta["hidden"]) == 1
        notes.append(f"Hidden {'sheet' if one else 'sheets'} {', '.join(map(repr, meta['hidden']))} "
                     f"{'was' if one else 'were'} not read.")
    if scan and scan.percent_count:
        read = min(scan.percent_count, len(scan.percent))
        formatted = "formatted as a percentage" if scan.percent_count == 1 else "formatted as percentages"
        shown = "was read as it shows" if read == 1 else "were read as they show"
        notes.append(f"Sheet {chosen!r} has {counted(scan.percent_count, 'number cell')} {formatted}; "
                     f"{read:,} {shown} (a cell storing 0.85 and showing 85% as 85)"
                     + ("." if read == scan.percent_count else
                        "; the rest were read as stored fractions. Format the column as plain numbers instead."))
    merged = meta.get("merged") or {}
    if merged.get("count"):
        spans = [f"{column_letter(a[1])}{a[0] + 1}:{column_letter(b[1])}{b[0] + 1}" for a, b in merged["first"]]
        more = ", ..." if merged["count"] > len(spans) else ""
        notes.append(f"Sheet {chosen!r} has {counted(merged['count'], 'merged cell range')} over several rows "
                     f"({', '.join(spans)}{more}): a merge's value is in its first row only, so its other rows "
                     f"read as empty. Unmerge {'it' if merged['count'] == 1 else 'them'} and fill in each row.")
    if scan and scan.hidden_count:
        more = ", ..." if scan.hidden_count > len(scan.hidden_rows) else ""
        rows = ("it was read like the others. Unhide it to check it, or delete it if it should not be imported"
                if scan.hidden_count == 1 else "they were read like the others. Unhide them to check them, or "
                "delete the rows that should not be imported")
        notes.append(f"Sheet {chosen!r} has {counted(scan.hidden_count, 'hidden row')} "
                     f"({', '.join(map(str, scan.hidden_rows))}{more}); {rows}.")
    if scan and scan.linked_count:
        more = ", ..." if scan.linked_count > len(scan.linked) else ""
        one = scan.linked_count == 1
        notes.append(f"Sheet {chosen!r} has {counted(scan.linked_count, 'formula cell')} that "
                     f"{'reads' if one else 'read'} another workbook ({', '.join(scan.linked)}{more}): "
                     f"{'its value is' if one else 'their values are'} what that workbook held when this file was "
                     "last saved, which may have changed since; the other workbook itself is not opened. If "
                     f"{'it' if one else 'they'} should be checked first, open both files, save this one, and "
                     "upload it again; or paste the values in place of the formulas.")
    if scan and scan.uncached_count:
        cells = [m.cell for m in scan.uncached.values()][:5]
        more = ", ..." if scan.uncached_count > len(cells) else ""
        unread = ("did not calculate it. That cell cannot be read; in an imported column it is reported as an error"
                  if scan.uncached_count == 1 else "did not calculate them. Those cells cannot be read; any of them "
                  "in an imported column is reported as an error")
        notes.append(f"Sheet {chosen!r} has {counted(scan.uncached_count, 'formula cell')} with no saved result "
                     f"({', '.join(cells)}{more}): the program that wrote the file {unread}. Open the file in Excel "
                     "or LibreOffice, save it, and upload it again.")
    return notes


_AS_PERCENT = object()


def _workbook_rows(handle, uncached: dict, percent=()):
    """The rows the child parsed, with a marker in each cell the parser read as empty that is not
    (`uncached`: an UncachedFormula in a formula cell that has no result, a SpreadsheetError in a
    cell holding #DIV/0! and its kin), and each number cell formatted as a percentage read as it
    shows: 0.85 as the text "85%"."""
    by_row: dict[int, list] = {}
    for (row, col), marker in uncached.items():
        by_row.setdefault(row, []).append((col, marker))
    for row, col in percent:
        by_row.setdefault(row, []).append((col, _AS_PERCENT))
    index = 0
    with handle:
        while True:
            try:
                item = _RowsUnpickler(handle).load()
            except EOFError:
                return
            if isinstance(item, int):
                for _ in range(item):
                    yield []
                index += item
                continue
            if not by_row:
                yield from item
                continue
            for row in item:
                for col, marker in by_row.get(index, ()):
                    if marker is _AS_PERCENT:
                        if col < len(row) and row[col].__class__ in (int, float):
                            row[col] = f"{row[col] * 100:.15g}%"
                        continue
                    row = row + [""] * (col + 1 - len(row)) if col >= len(row) else row
                    row[col] = marker
                index += 1
                yield row
