"""Checks run on an upload before any parser touches it: kind by magic bytes, zip and XML bombs, sheet area."""
import codecs
import collections
import os
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Optional
from xml.sax.saxutils import unescape

from defusedxml import ElementTree as SafeET

from importers.errors import ImportFileError, SpreadsheetError, UncachedFormula

MB = 1 << 20
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SAVE_AS = "Open it in Excel and save it as an Excel workbook (.xlsx) or CSV, then upload that."
_MAGIC = [(b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
          (b"Rar!", "a RAR archive"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
          (b"\x7fELF", "a program"), (b"{\\rtf", "an RTF document")]
_ZIP_KINDS = [("word/document.xml", "a Word document"), ("ppt/presentation.xml", "a PowerPoint presentation")]
_OLE_KINDS = [("WordDocument", "a Word document"), ("PowerPoint Document", "a PowerPoint presentation")]
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 26})


def password_protected() -> ImportFileError:
    return ImportFileError("This workbook is password-protected (encrypted), so it cannot be read.",
                           hint="Open it in Excel, remove the password (File > Info > Protect Workbook > "
                                "Encrypt with Password, clear it), save, and upload it again.")


def _not_a_spreadsheet(what: str, hint: str = "") -> ImportFileError:
    return ImportFileError(f"This file is {what}, not a spreadsheet.",
                           hint=hint or "Upload an Excel workbook (.xlsx, .xls), an OpenDocument sheet (.ods) or CSV.")


def _refuse_a_stray_nul(head: bytes) -> None:
    """Text with a NUL byte or two (a damaged export): say where, as a row problem would."""
    text = head.replace(b"\x00", b"")
    if b"\x00" not in head or len(head) - len(text) > 4 or len(text.translate(None, _CONTROL)) < len(text) * 0.99:
        return
    at = head.index(b"\x00")
    line = head.count(b"\n", 0, at) + 1
    column = at - (head.rfind(b"\n", 0, at) + 1) + 1
    raise ImportFileError(f"The file is text, but line {line} holds a NUL byte (character {column} of the line), "
                          "which no text may hold; nothing was imported.",
                          hint="Remove the character (it often comes from a damaged export) and upload again.")


def _refuse_a_known_kind(head: bytes) -> None:
    """A file of a kind its first bytes name (an image, a PDF, an archive, a program): say which."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise _not_a_spreadsheet(what)
    if head.startswith(b"MZ") and b"\x00" in head[:64]:  # a DOS header (no text holds a NUL this early)
        raise _not_a_spreadsheet("a Windows program")


def _utf16_without_mark(head: bytes) -> Optional[str]:
    """"big-endian" or "little-endian" when `head` reads as UTF-16 text without the byte-order mark (most
    characters Latin, so every other byte a NUL; every character one text holds), else None: called binary
    data, such a file gave no clue how to save it so it can be read. A dash or curly quote is text too
    (U+2013's low byte is a control character: read byte by byte, "Café – señor" was binary). The head is
    the file's first bytes: a character cut at its end (an emoji's surrogate pair across byte 8,192) is left
    for the rest of the file."""
    pairs = head[:len(head) // 2 * 2]
    if len(pairs) < 8:
        return None
    for codec, order in (("utf-16-be", "big-endian"), ("utf-16-le", "little-endian")):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(pairs, final=False)
        except UnicodeDecodeError:  # a lone surrogate: another order, or no text
            continue
        latin = sum(1 for ch in text if " " <= ch <= "~" or ch in "\r\n\t")
        shown = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        if latin >= len(text) * 0.5 and shown >= len(text) * 0.99:
            return order
    return None


def check_size(path, max_bytes: int) -> None:
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ImportFileError(f"The file is {size / MB:.1f} MB; the largest file accepted is {max_bytes / MB:.0f} MB.",
                              hint="Split it into smaller files.")


def sniff_kind(path) -> str:
    """'xlsx' (also xlsm), 'xlsb', 'ods', 'xls' or 'csv' (any text), judged by content, not by name."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if not head:
        raise ImportFileError("The file is empty.")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(OLE2):
        names = ole2_stream_names(path)
        if "EncryptedPackage" in names:
            raise password_protected()
        if names & {"Workbook", "Book"}:
            return "xls"
        what = next((w for n, w in _OLE_KINDS if n in names), "an Office file of an unknown kind")
        raise _not_a_spreadsheet(what)
    _refuse_a_known_kind(head)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, as Excel's "Unicode text" export writes
    _refuse_a_stray_nul(head)
    order = _utf16_without_mark(head)
    if order:
        raise ImportFileError(f"The file looks like UTF-16 text ({order}) without the byte-order mark a UTF-16 "
                              "file starts with, so it was not read; nothing was imported.",
                              hint='Open it in Excel or a text editor, save it as "CSV UTF-8" (or as .xlsx), and '
                                   "upload that copy.")
    if b"\x00" in head or len(head.translate(None, _CONTROL)) < len(head) * 0.99:
        raise _not_a_spreadsheet("binary data of an unknown kind")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    if start.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in start:
            raise _not_a_spreadsheet("an Excel 2003 XML spreadsheet", SAVE_AS)
        raise _not_a_spreadsheet("a web page (HTML)" if b"<html" in start else "an XML document", SAVE_AS)
    return "csv"


def _zip_kind(path) -> str:
    with open_zip(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            mimetype = archive.read("mimetype").strip()
            if mimetype == ODS_MIMETYPE:
                return "ods"
            raise _not_a_spreadsheet(f"an OpenDocument file of type {mimetype.decode('ascii', 'replace')!r}")
    raise _not_a_spreadsheet(next((w for n, w in _ZIP_KINDS if n in names), "a ZIP archive"))


def _zip_entry_count(path) -> Optional[int]:
    """The entry count in the end-of-central-directory record, read before zipfile loads every entry."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 65557))
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        count = int.from_bytes(tail[at + 10:at + 12], "little")
        locator = tail[at - 20:at] if at >= 20 else b""
        if count == 0xFFFF and locator[:4] == b"PK\x06\x07":
            handle.seek(int.from_bytes(locator[8:16], "little"))
            record = handle.read(40)
            if record[:4] == b"PK\x06\x06":
                count = int.from_bytes(record[32:40], "little")
    return count


def open_zip(path, max_entries: int = 10_000) -> zipfile.ZipFile:
    count = _zip_entry_count(path)
    if count is not None and count > max_entries:
        raise ImportFileError(f"The file is a ZIP archive of {count:,} parts, more than the {max_entries:,} a "
                              "spreadsheet may have; it was refused as a possible zip bomb.")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError("The file looks like a ZIP-based workbook but it is damaged or incomplete "
                              f"({error}).", hint="Save it again from Excel and upload the new copy.") from None


def check_zip(path, *, max_total_uncompressed: int = 500 * MB, max_ratio: float = 100,
              max_entries: int = 10_000) -> None:
    """Refuse zip bombs by the sizes declared in the central directory, and XML parts with a DTD."""
    bomb = "The workbook was refused as a possible zip bomb: "
    with open_zip(path, max_entries) as archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise ImportFileError(f"{bomb}it has {len(infos):,} parts (at most {max_entries:,} allowed).")
        total = 0
        for info in infos:
            total += info.file_size
            if info.flag_bits & 1:
                raise password_protected()
            if total > max_total_uncompressed:
                raise ImportFileError(f"{bomb}it unpacks to more than {max_total_uncompressed / MB:,.0f} MB.")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MB and ratio > max_ratio:  # small parts may compress well, harmlessly
                raise ImportFileError(f"{bomb}its part {info.filename} unpacks {ratio:,.0f} times larger than it "
                                      f"is stored (at most {max_ratio:g} times allowed).")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")) and info.file_size:
                _check_prolog(archive, info)


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Spreadsheet XML never declares a DTD; one with <!DOCTYPE or <!ENTITY is an entity bomb or worse."""
    with archive.open(info) as part:
        head = part.read(64 * 1024)
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head[:root.start()] if root else head
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or (root is None and len(head) == 64 * 1024):
        raise ImportFileError(f"The workbook was refused: its part {info.filename} declares XML entities "
                              "(a DTD), which spreadsheets never need and \"billion laughs\" bombs use.")


@dataclass
class SheetInfo:
    name: str
    state: str  # visible | hidden | veryHidden
    part: Optional[str]


@dataclass
class Workbook:
    sheets: list[SheetInfo]
    recalculates: bool  # calcPr fullCalcOnLoad: written by a program that did not calculate formulas
    percent_styles: frozenset = frozenset()  # cell style indexes whose number format shows a percentage

    def find(self, name: str) -> Optional[SheetInfo]:
        return next((s for s in self.sheets if s.name == name), None) or next(
            (s for s in self.sheets if s.name.strip().casefold() == name.strip().casefold()), None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _number(text: str) -> bool:
    """Whether a style attribute is a plain number ("²" is a digit to `str.isdigit`, not to `int`)."""
    return text.isascii() and text.isdigit()


def workbook_sheets(path) -> Workbook:
    """The sheets of an xlsx (name, visibility, XML part), parsed with defusedxml."""
    with open_zip(path) as archive:
        def parse(name):
            if name not in archive.namelist():
                return None
            if archive.getinfo(name).file_size > 20 * MB:
                raise ImportFileError(f"The workbook was refused: its part {name} is implausibly large.")
            try:
                return SafeET.fromstring(archive.read(name))
            except Exception as error:  # defusedxml's EntitiesForbidden, ParseError, ...
                raise ImportFileError(f"The workbook is damaged: its part {name} is not valid XML ({error}).") from None
        book, rels = parse("xl/workbook.xml"), parse("xl/_rels/workbook.xml.rels")
        styles = parse("xl/styles.xml")
    targets = {}
    for rel in (rels if rels is not None else []):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    sheets, recalculates = [], False
    for element in book.iter():
        tag = _local(element.tag)
        if tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            sheets.append(SheetInfo(element.get("name", ""), element.get("state", "visible"), targets.get(rid)))
        elif tag == "calcPr":
            recalculates = element.get("fullCalcOnLoad") in ("1", "true")
    return Workbook(sheets, recalculates, _percent_styles(styles))


_PERCENT_FORMATS = {9, 10}  # the built-in "0%" and "0.00%"
PERCENT_KEPT = 1_000_000  # percentage cells whose positions a scan keeps (to read them as they show); all counted


def shows_percent(format_code: str) -> bool:
    """Whether a number format ("0%", "0.0%", but not "0\\%" or "[Red]0") shows a percentage: a "%" that
    is not quoted text, an escaped character or inside [brackets] (colours, locales)."""
    return "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", format_code or "")


def _percent_styles(styles) -> frozenset:
    """Indexes of the cell styles (cellXfs) whose number format shows a percentage: such a cell
    stores 0.85 and shows 85%, and 85 is what its author meant."""
    if styles is None:
        return frozenset()
    percent = set(_PERCENT_FORMATS)
    for element in styles.iter():
        if _local(element.tag) == "numFmt" and shows_percent(element.get("formatCode", "")) \
                and _number(element.get("numFmtId", "")):
            percent.add(int(element.get("numFmtId")))
    found = set()
    for element in styles.iter():
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(child for child in element if _local(child.tag) == "xf"):
                if _number(xf.get("numFmtId", "0")) and int(xf.get("numFmtId", "0")) in percent:
                    found.add(index)
    return frozenset(found)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')
_FAR_CELL = re.compile(rb' r="([A-Z]{3,})(\d+)"| r="([A-Z]{1,2})(\d{7,})"')  # beyond column ZZ or row 999,999
_LAST_REF = re.compile(rb' r="([A-Z]*)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN_COLUMNS = re.compile(rb'<(?:\w+:)?col\s[^>]*?\bhidden="(?:1|true)"[^>]*>')
_COLUMN_SPAN_FIRST, _COLUMN_SPAN_LAST = re.compile(rb'\bmin="(\d+)"'), re.compile(rb'\bmax="(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)<")


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def column_letter(number: int) -> str:
    """The letters of column `number` (1 is A, 27 AA): `column_number`'s inverse."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SPARSE_MIN_CELLS, MAX_CELLS_PER_BYTE = 2_000_000, 50


def _too_big(sheet: SheetInfo, ref: str, rows: int, cols: int, max_cells: int, xml_bytes: int,
             declared: bool) -> Optional[ImportFileError]:
    """A sheet is refused when its grid is beyond Excel's, over max_cells, or (above 2 million cells)
    more than 50 cells per byte of its XML: a few cells spread far apart, which parsers make dense."""
    area = rows * cols
    sparse = area > SPARSE_MIN_CELLS and area > MAX_CELLS_PER_BYTE * xml_bytes
    if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLS or area > max_cells or sparse:
        what = f"says its cells span {ref}" if declared else f"has a cell at {ref}, far from the rest of the data"
        limit = (f"for only {xml_bytes:,} bytes of data" if sparse and area <= max_cells
                 else f"more than the {max_cells:,} allowed")
        hint = ("Delete the stray cells or empty rows and columns after the data (Ctrl+End in Excel jumps to the "
                "last cell), save, and upload again.")
        if declared:  # the size the file states, which the program that wrote it may have got wrong
            hint = ("Open it in Excel and save it again: Excel writes the size the data really has. If Ctrl+End "
                    "then jumps far beyond the data, delete the stray cells or empty rows and columns after it first.")
        return ImportFileError(
            f"Sheet {sheet.name!r} {what}: reading it would mean {area:,} cells, {limit} (a \"sparse bomb\").",
            hint=hint)
    return None


def check_sheet_dimensions(path, sheets: Optional[list[SheetInfo]] = None, *, max_cells: int = 50_000_000) -> None:
    """Refuse xlsx sheets whose declared <dimension> is absurd (rows x cols > max_cells, or beyond Excel's grid)."""
    sheets = workbook_sheets(path).sheets if sheets is None else sheets
    with open_zip(path) as archive:
        names = set(archive.namelist())
        for sheet in sheets:
            if sheet.part not in names:
                continue
            size = archive.getinfo(sheet.part).file_size
            with archive.open(sheet.part) as part:
                match = _DIMENSION.search(part.read(64 * 1024))
            if match:
                c1, r1, c2, r2 = (g.decode() if g else None for g in match.groups())
                rows = int(r2 or r1) - int(r1) + 1
                cols = column_number(c2 or c1) - column_number(c1) + 1
                ref = match.group(0)[match.group(0).index(b'"') + 1:-1].decode()
                error = _too_big(sheet, ref, abs(rows), abs(cols), max_cells, size, True)
                if error:
                    raise error


@dataclass
class SheetScan:
    """What a streaming pass over a worksheet's XML found: formula cells without a stored result, and
    cells holding a spreadsheet error (the workbook parser reads both as empty)."""

    uncached: dict = field(default_factory=dict)  # (row, col) 0-based -> UncachedFormula
    uncached_count: int = 0
    errors: dict = field(default_factory=dict)  # (row, col) 0-based -> SpreadsheetError
    formulas: int = 0
    has_cells: bool = False
    percent: set = field(default_factory=set)  # (row, col) 0-based of number cells shown as percentages
    percent_count: int = 0
    hidden_rows: list = field(default_factory=list)  # the first hidden rows' numbers (1-based, as Excel shows)
    hidden_count: int = 0
    hidden_columns: list = field(default_factory=list)  # (first, last) 0-based column ranges hidden in the sheet
    linked: list = field(default_factory=list)  # the first cells whose formula reads another workbook ("G2")
    linked_count: int = 0
    linked_shared: set = field(default_factory=set)  # the shared formulas (si) whose first cell reads one


def scan_sheet(path, sheet: SheetInfo, *, max_cells: int = 50_000_000, recalculates: bool = False,  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
               keep: int = 100_000, percent_styles: frozenset = frozenset(),
               keep_percent: int = PERCENT_KEPT) -> SheetScan:
    """Stream one worksheet's XML once: refuse cells far beyond the data (a sparse bomb whose <dimension>
    lies), and find formula cells that have no stored result. With `recalculates` (the workbook asks to
    be recalculated on load: written by a library such as XlsxWriter, whose stored results are
    placeholders) every formula cell counts as having no result. Number cells in one of
    `percent_styles` are noted too (they show 85% and store 0.85)."""
    scan, max_row, max_col, buffer, columns_ahead = SheetScan(), 0, 0, b"", True
    cursor = [0, 0]  # the last row and column read: cells without references are placed by it (_referenced)
    prefixed = False  # the sheet's tags have a namespace prefix (<x:c>)
    styled = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bs="(?:' + b"|".join(str(i).encode() for i in sorted(percent_styles))
                        + rb')"[^>]*>') if percent_styles else None
    with open_zip(path) as archive, archive.open(sheet.part) as part:
        size = archive.getinfo(sheet.part).file_size
        while True:
            block = part.read(MB)
            buffer += block
            cut = len(buffer)
            if block:
                ends = list(_CELL_END.finditer(buffer, max(0, len(buffer) - 65536)))
                if not ends and len(buffer) < 64 * MB:
                    continue
                cut = ends[-1].end() if ends else cut
            prefixed = prefixed or b":sheetData" in buffer[:cut]
            if _unreferenced(buffer, cut, prefixed):  # a row or cell placed by its order: given its reference
                head = _referenced(buffer[:cut], cursor)
                buffer, cut = head + buffer[cut:], len(head)
            else:
                _follow(buffer, cut, cursor)
            for match in _FAR_CELL.finditer(buffer, 0, cut):
                letters, digits = match.group(1, 2) if match.group(1) else match.group(3, 4)
                max_col, max_row = max(max_col, column_number(letters.decode())), max(max_row, int(digits))
                error = _too_big(sheet, (letters + digits).decode(), max_row, max_col, max_cells, size, False)
                if error:
                    raise error
            scan.has_cells = scan.has_cells or b"<c " in buffer or b"<c>" in buffer or b":c " in buffer
            at = buffer.rfind(b' r="', 0, cut)
            last = _LAST_REF.match(buffer, at) if at >= 0 else None
            if last:
                max_row = max(max_row, int(last.group(2)))
                max_col = max(max_col, column_number(last.group(1).decode()) if last.group(1) else 0)
                error = _too_big(sheet, (last.group(1) + last.group(2)).decode(), max_row, max_col, max_cells,
                                 size, False)
                if error:
                    raise error
            if b"f>" in buffer or b"<f " in buffer or b":f " in buffer:  # cheap test before the slow regex
                for match in _FORMULA.finditer(buffer, 0, cut):
                    _formula_cell(buffer, match.start(), scan, recalculates, keep)
            if b't="e"' in buffer:
                for match in _ERROR_CELL.finditer(buffer, 0, cut):
                    _error_cell(buffer, match, scan, keep)
            if styled is not None:
                for match in styled.finditer(buffer, 0, cut):
                    _percent_cell(match.group(0), scan, keep_percent)
            if columns_ahead:  # a sheet's <cols> come before its cells
                data = buffer.find(b"sheetData", 0, cut)
                columns_ahead = data < 0
                _hidden_columns(buffer, cut if columns_ahead else data, scan)
            if b"hidden=" in buffer:
                for match in _HIDDEN_ROW.finditer(buffer, 0, cut):
                    scan.hidden_count += 1
                    number = _ROW_NUMBER.search(match.group(0))
                    if number and len(scan.hidden_rows) < 10:
                        scan.hidden_rows.append(int(number.group(1)))
            buffer = buffer[cut:]
            if not block:
                return scan


_UNREFERENCED = re.compile(rb'<(?:\w+:)?(?:c|row)(?=[\s>/])(?![^>]*\sr=")')
_PLACED_TAG = re.compile(rb"<((?:\w+:)?(?:c|row))(?=[\s>/])([^>]*)>")
_ROW_REF = re.compile(rb'\sr="(\d+)"')


def _referenced(block: bytes, cursor: list) -> bytes:
    """`block` of a sheet's XML with each row and cell that has no reference given the one its order implies.
    The file format makes a reference optional (some tools write none: a cell's place is then its order in
    its row, a row's its order in the sheet); the parser places such cells so, and the checks that place
    them by their references (percentage, error and formula cells, hidden rows) find them too. `cursor`,
    [row, column] (1-based) of the last tag read, carries the place from one block to the next."""
    def placed(match: re.Match) -> bytes:
        name, attributes = match.group(1), match.group(2)
        if name.endswith(b"row"):
            own = _ROW_REF.search(attributes)
            cursor[0], cursor[1] = int(own.group(1)) if own else cursor[0] + 1, 0
            return match.group(0) if own else b'<%s r="%d"%s>' % (name, cursor[0], attributes)
        own = _REF.search(attributes)
        if own:
            cursor[0], cursor[1] = int(own.group(2)), column_number(own.group(1).decode())
            return match.group(0)
        cursor[1] += 1
        return b'<%s r="%s%d"%s>' % (name, column_letter(cursor[1]).encode(), cursor[0], attributes)
    return _PLACED_TAG.sub(placed, block)


def _unreferenced(buffer: bytes, end: int, prefixed: bool) -> bool:
    """Whether a row or cell tag of `buffer[:end]` has no reference. Counted first: every "<c" and "<row" opening
    with its reference (as writers put it: first) is what a sheet of references gives (four counts, a tenth
    of the search's time; a text cannot hold a "<", so no text can stand in for a tag's reference); searched
    when they differ (a block beside the sheet's other parts, <cols> or <colBreaks>, a reference written
    later in its tag, none), and always in a sheet whose tags have a prefix (<x:c>, which the counts miss)."""
    if not prefixed and (buffer.count(b"<c", 0, end) + buffer.count(b"<row", 0, end)
                         == buffer.count(b'<c r="', 0, end) + buffer.count(b'<row r="', 0, end)):
        return False
    return _UNREFERENCED.search(buffer, 0, end) is not None


def _follow(buffer: bytes, end: int, cursor: list) -> None:
    """Move `cursor` to the last row or cell of a block whose every tag has its reference (the next block's
    cells without one are placed after it)."""
    for window in (4096, 65536, end):
        last = collections.deque(_PLACED_TAG.finditer(buffer, max(0, end - window), end), maxlen=1)
        if last:
            last = last[0]
            name, attributes = last.group(1), last.group(2)
            if name.endswith(b"row") and (own := _ROW_REF.search(attributes)):
                cursor[0], cursor[1] = int(own.group(1)), 0
            elif own := _REF.search(attributes):
                cursor[0], cursor[1] = int(own.group(2)), column_number(own.group(1).decode())
            return


def _hidden_columns(buffer: bytes, end: int, scan: SheetScan) -> None:
    """The column ranges a sheet's <cols> hide (<col min="5" max="5" hidden="1"/>), 0-based."""
    for match in _HIDDEN_COLUMNS.finditer(buffer, 0, end):
        first, last = _COLUMN_SPAN_FIRST.search(match.group(0)), _COLUMN_SPAN_LAST.search(match.group(0))
        if first and last and len(scan.hidden_columns) < 1000:
            scan.hidden_columns.append((int(first.group(1)) - 1, int(last.group(1)) - 1))


def _formula_cell(buffer: bytes, at: int, scan: SheetScan, recalculates: bool, keep: int) -> None:
    start = max(buffer.rfind(b"<c ", 0, at), buffer.rfind(b"<c>", 0, at), buffer.rfind(b":c ", 0, at))
    start = at if start < 0 else start
    end = _CELL_END.search(buffer, at)
    cell = buffer[start:end.end() if end else len(buffer)]
    scan.formulas += 1
    tag = cell[:cell.find(b">") + 1]
    _linked_cell(cell, tag, scan)
    if not recalculates and (_VALUE.search(cell) or b' t="str"' in tag):
        return  # a stored result (a string formula may store an empty one)
    scan.uncached_count += 1
    ref = re.search(rb' r="([A-Z]+)(\d+)"', tag)
    text = _FORMULA_TEXT.search(cell)
    formula = unescape(text.group(1).decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}) if text else ""
    if ref and len(scan.uncached) < keep:
        key = (int(ref.group(2)) - 1, column_number(ref.group(1).decode()) - 1)
        scan.uncached[key] = UncachedFormula(formula or "(shared formula)", (ref.group(1) + ref.group(2)).decode())


# A reference to another workbook, as an xlsx stores it: its external link's number in brackets ("[1]Sheet1!A1",
# "'[2]Q1 data'!B7", "[1]!Total"); Excel shows the other file's name there.
_OTHER_BOOK = re.compile(rb"(?:^|[^\w\]])'?\[\d+\]")
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')


def _linked_cell(cell: bytes, tag: bytes, scan: SheetScan) -> None:
    """Note a formula cell that reads another workbook: its stored result is what that file held when this
    one was last saved (a cell of a shared formula counts when the formula's first cell reads one)."""
    formula = _FORMULA_ELEMENT.search(cell)
    if formula is None:
        return
    shared = _SHARED_INDEX.search(formula.group(1) or b"")
    text = formula.group(2) or b""
    if _OTHER_BOOK.search(text):
        if shared:
            scan.linked_shared.add(shared.group(1))
    elif not (shared and not text and shared.group(1) in scan.linked_shared):
        return
    scan.linked_count += 1
    ref = _REF.search(tag)
    if ref and len(scan.linked) < 5:
        scan.linked.append((ref.group(1) + ref.group(2)).decode())


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f(\s[^>]*?)?(?:/>|>([^<]*)<)")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bt="e"[^>]*>')
_ERROR_TEXT = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)<")


def _error_cell(buffer: bytes, match: re.Match, scan: SheetScan, keep: int) -> None:
    """A cell of type "e": its error (#DIV/0!, its stored value) as the cell's raw value."""
    ref = _REF.search(match.group(0))
    end = _CELL_END.search(buffer, match.end())
    value = _ERROR_TEXT.search(buffer, match.end(), end.start()) if end else None
    if ref and len(scan.errors) < keep:
        text = value.group(1).decode("utf-8", "replace").strip() if value else ""
        scan.errors[(int(ref.group(2)) - 1, column_number(ref.group(1).decode()) - 1)] = SpreadsheetError(
            text[:32] or "#N/A", (ref.group(1) + ref.group(2)).decode())


_TYPE = re.compile(rb'\st="([a-z]+)"')
_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')


def _percent_cell(tag: bytes, scan: SheetScan, keep: int) -> None:
    kind = _TYPE.search(tag)
    ref = _REF.search(tag)
    if (kind and kind.group(1) != b"n") or not ref:
        return  # text, a boolean, an error; or a cell with no reference to place it by
    scan.percent_count += 1
    if len(scan.percent) < keep:
        scan.percent.add((int(ref.group(2)) - 1, column_number(ref.group(1).decode()) - 1))


def ole2_stream_names(path) -> set[str]:
    """Names in an OLE2 compound file's directory ('Workbook', 'EncryptedPackage', ...), read defensively."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        header = handle.read(512)
        if len(header) < 512:
            return set()
        shift, = struct.unpack_from("<H", header, 30)
        if shift not in (9, 12):
            return set()
        sector = 1 << shift
        fat_count, first_dir, first_difat, difat_count = struct.unpack_from("<II16xII", header, 44)
        max_sectors = size // sector + 1

        def read(number):
            handle.seek((number + 1) * sector)
            return handle.read(sector)

        fat_sectors = list(struct.unpack_from("<109I", header, 76))
        number, hops = first_difat, 0
        while number < max_sectors and hops <= min(difat_count, max_sectors):
            block = read(number)
            if len(block) < sector:
                break
            entries = struct.unpack(f"<{sector // 4}I", block)
            fat_sectors += entries[:-1]
            number, hops = entries[-1], hops + 1
        fat = []
        for number in fat_sectors[:min(fat_count, max_sectors)]:
            if number < max_sectors:
                block = read(number)
                fat += struct.unpack(f"<{len(block) // 4}I", block[:len(block) // 4 * 4])
        names, number, seen = set(), first_dir, set()
        while number < max_sectors and number not in seen:
            seen.add(number)
            block = read(number)
            for offset in range(0, len(block) - 127, 128):
                length, kind = struct.unpack_from("<HB", block, offset + 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    names.add(block[offset:offset + length - 2].decode("utf-16-le", "replace"))
            number = fat[number] if number < len(fat) else max_sectors
    return names


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def scan_ods(path, sheet_name: str, *, keep_percent: int = PERCENT_KEPT) -> SheetScan:  # noqa: C901 (one pass over the sheet's elements, kept together so the order of checks reads top to bottom)
    """Stream one OpenDocument sheet's XML (content.xml, with defusedxml) for what its parser does not
    say: number cells of the value type "percentage" (they show 85% and store 0.85, and were read as the
    fraction), at the positions the parser gives them (repeated rows and cells counted out); and its hidden
    rows that hold values and hidden columns (collapsed, or filtered out), as an xlsx's are noted."""
    scan = SheetScan()
    row, inside, repeat, column, hidden_row, filled = -1, False, 1, 0, False, False
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        for event, element in SafeET.iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _ODS_TABLE + "table":
                    inside = element.get(_ODS_TABLE + "name") == sheet_name
                elif inside and tag == _ODS_TABLE + "table-column":
                    span = int(element.get(_ODS_TABLE + "number-columns-repeated", "1"))
                    if element.get(_ODS_TABLE + "visibility") in _ODS_HIDDEN and len(scan.hidden_columns) < 1000:
                        scan.hidden_columns.append((column, column + span - 1))
                    column += span
                elif inside and tag == _ODS_TABLE + "table-row":
                    row, col = row + 1, 0
                    repeat = int(element.get(_ODS_TABLE + "number-rows-repeated", "1"))
                    hidden_row, filled = element.get(_ODS_TABLE + "visibility") in _ODS_HIDDEN, False
                elif inside and tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
                    span = int(element.get(_ODS_TABLE + "number-columns-repeated", "1"))
                    kind = element.get(_ODS_OFFICE + "value-type")
                    if kind == "percentage":
                        _note_percent(scan, range(row, row + repeat), range(col, col + span), keep_percent)
                    filled = filled or kind is not None
                    col += span
            elif tag == _ODS_TABLE + "table-row":
                if inside and hidden_row and filled:  # hidden rows beyond the data, holding nothing, are not news
                    scan.hidden_count += repeat
                    scan.hidden_rows.extend(range(row + 1, row + 1 + min(repeat, 10 - len(scan.hidden_rows))))
                if inside:
                    row += repeat - 1
                element.clear()
            elif tag == _ODS_TABLE + "table" and inside:
                break
    return scan


_ODS_HIDDEN = ("collapse", "filter")


def _note_percent(scan: SheetScan, rows: range, cols: range, keep: int) -> None:
    """Percentage cells over `rows` x `cols`: all counted, the first `keep` positions kept."""
    scan.percent_count += len(rows) * len(cols)
    for r in rows:
        for c in cols:
            if len(scan.percent) >= keep:
                return
            scan.percent.add((r, c))
