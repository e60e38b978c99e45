"""Child process for readers.py: parses one workbook with python-calamine under resource limits (and,
for a 97-2003 .xls, finds its number cells formatted as percentages with xlrd, which reads the formats
calamine does not give)."""
import itertools
import json
import os
import pickle
import resource
import sys

CHUNK_ROWS = 5000


def _dump(item, out) -> None:
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True  # no memo: rows share no objects, and pickling is three times faster
    pickler.dump(item)


def _limit(args: dict) -> None:
    for name, value, grace in (("RLIMIT_AS", args["memory"], 0), ("RLIMIT_CPU", args["cpu"], 5),
                               ("RLIMIT_FSIZE", args["output"], 0), ("RLIMIT_CORE", 0, 0)):
        which = getattr(resource, name)
        _, hard = resource.getrlimit(which)
        def cap(v, hard=hard):
            return v if hard == resource.RLIM_INFINITY else min(v, hard)
        resource.setrlimit(which, (cap(value), cap(value + grace)))  # CPU: SIGXCPU first, SIGKILL later


def _parse(path: str, sheet, out, kind: str = "") -> dict:
    """Write the chosen sheet to `out` as pickled chunks: a list of rows, or an int n for n empty rows
    (the rows above the data, so that row i is spreadsheet row i + 1); return what was read."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    book = CalamineWorkbook.from_path(path)
    sheets = [m for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    visible = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
    meta = {"visible": visible, "hidden": [m.name for m in sheets if m.visible != SheetVisibleEnum.Visible]}
    if sheet is not None:
        names = [m.name for m in sheets]
        name = sheet if sheet in names else next(
            (n for n in names if n.strip().casefold() == sheet.strip().casefold()), None)
        if name is None:
            return {**meta, "error": "no_sheet"}
        data = book.get_sheet_by_name(name)
    else:
        for name in visible:
            data = book.get_sheet_by_name(name)
            if data.start is not None:
                break
        else:
            return {**meta, "error": "no_data"}
    if data.start is None:  # an empty sheet chosen by name
        return {**meta, "sheet": name, "rows": 0}
    meta["merged"] = _merged_over_rows(data)
    first_row, first_col = data.start
    rows = data.iter_rows()
    first = next(rows)
    if first_row and all(v == "" for v in first):
        first_row = 0  # python-calamine 0.9 yields the empty rows above the data itself
    for done in range(0, first_row, CHUNK_ROWS):
        _dump(min(CHUNK_ROWS, first_row - done), out)
    pad, chunk, count = [""] * first_col, [], first_row
    for row in itertools.chain([first], rows):
        chunk.append(pad + row if first_col else row)
        if len(chunk) == CHUNK_ROWS:
            _dump(chunk, out)
            count, chunk = count + len(chunk), []
    if chunk:
        _dump(chunk, out)
    if kind == "xls":
        meta["percent"] = _xls_percent(path, name)
    return {**meta, "sheet": name, "rows": count + len(chunk)}


def _xls_percent(path: str, name: str) -> dict:
    """A 97-2003 sheet's number cells formatted as percentages (they store 0.85 and show 85%): their
    count and the first PERCENT_KEPT positions, (row, col) 0-based as the rows are, as an xlsx's scan
    keeps them; `unread` when the formats could not be read."""
    try:
        import xlrd

        from importers.safety import PERCENT_KEPT, shows_percent

        book = xlrd.open_workbook(path, formatting_info=True, on_demand=True)
        styles = {i for i, xf in enumerate(book.xf_list)
                  if xf.format_key in book.format_map and shows_percent(book.format_map[xf.format_key].format_str)}
        count, cells = 0, []
        if styles:
            sheet = book.sheet_by_name(name)
            for row in range(sheet.nrows):
                for col, kind in enumerate(sheet.row_types(row)):
                    if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(row, col) in styles:
                        count += 1
                        if len(cells) < PERCENT_KEPT:
                            cells.append((row, col))
        return {"count": count, "cells": cells}
    except Exception as error:  # noqa: BLE001 — the rows were read; only what their formats show is unknown
        return {"unread": f"{type(error).__name__}: {error}"[:200]}


def _merged_over_rows(data) -> dict:
    """Merged cells spanning several rows: their count and the first few, as ((row, col), (row, col))
    0-based. The parser reads such a merge's value in its first row only."""
    try:
        ranges = [r for r in (data.merged_cell_ranges or ()) if r[1][0] > r[0][0]]
    except Exception:  # noqa: BLE001 — a layout without merge information (old .xls, .ods): nothing to say
        return {"count": 0, "first": []}
    return {"count": len(ranges), "first": [list(map(list, r)) for r in ranges[:5]]}


def main() -> None:
    args = json.loads(sys.argv[1])
    _limit(args)
    out = os.fdopen(args["fd"], "wb", buffering=1 << 20)
    try:
        meta = _parse(args["path"], args["sheet"], out, args.get("kind", ""))
        out.flush()
    except MemoryError:
        meta = {"error": "memory"}
    except BaseException as error:  # calamine's errors, and pyo3's PanicException (a BaseException)
        meta = {"error": "unreadable", "password": type(error).__name__ == "PasswordError",
                "detail": f"{type(error).__name__}: {error}"[:500]}
    sys.stdout.buffer.write(pickle.dumps(meta, protocol=5))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
