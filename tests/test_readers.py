"""Reading files safely: real CSVs, encodings, workbooks, and hostile files that must not hurt the parent."""
import codecs
import csv
import datetime
import io
import os
import pickle
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from importers.errors import ImportFileError, SpreadsheetError, UncachedFormula
from importers.header import ColumnMap, find_header_row, map_columns
from importers.normalize import to_int, to_number, to_text
from importers.readers import Limits, _child_result, _RowsUnpickler, read_table
from importers.safety import check_zip, ole2_stream_names, sniff_kind
from tests.helpers import SHARED_DATA, write_xlsx
from tests.hostile_files import (
    LAUGHS,
    MAIN,
    cells,
    handmade_ods,
    handmade_xlsx,
    ods_table,
    ole2,
    sheet_xml,
    write_zip_bomb,
)

DATA = SHARED_DATA
TRUST_CSV = DATA / "hisp-trust-fy2021q1-fy2023q1.csv"
COLLECTIONS_CSV = DATA / "omb-cx-reporting-collections-fy2021.csv"
TRUST_COLUMNS = [  # the published header, in its order
    "fiscal_year", "quarter", "organization_id", "organization_name", "service_provider_id", "service_provider_name",
    "service_provider_desc", "service_id", "service_name", "service_provided", "transaction_point", "channel",
    "rating", "reflection", "population_size", "volume_of_customers_provided_survey_opportunity",
    "volume_of_respondents", "sample_size", "question_id", "question_text", "strongly_disagree_num", "disagree_num",
    "neutral_num", "agree_num", "strongly_agree_num", "strongly_agree_or_agree_num", "point_scale", "metric_category",
]
HEADER = ["agency", "metric", "period", "value", "n"]
MB = 1 << 20


def read(path, **kwargs):
    table = read_table(path, **kwargs)
    return table, list(table.rows)


@pytest.fixture
def normal_xlsx(tmp_path):
    return write_xlsx(tmp_path / "normal.xlsx", HEADER, [["DOI", "trust", "FY2023 Q1", 4.5, 120]], sheet="Data")


def still_works(path):
    """The parent survived the hostile file, and a normal workbook still parses."""
    table, rows = read(path)
    assert rows == [HEADER, ["DOI", "trust", "FY2023 Q1", 4.5, 120.0]] and table.warnings == []




# ------------------------------------------------------------------------ real performance.gov CSVs

@pytest.mark.parametrize("path, known, data_rows, width", [
    (TRUST_CSV, set(TRUST_COLUMNS), 478, 28),
    (COLLECTIONS_CSV, {"attributes_organization_id", "attributes_q1_text", "attributes_q1_point_scale",
                       "attributes_collection_year", "attributes_channel"}, 188, 104),
])
def test_real_performance_gov_csvs(path, known, data_rows, width):
    table, rows = read(path)
    assert (table.kind, table.delimiter, table.encoding, table.warnings) == ("csv", ",", "utf-8-sig", [])
    header = find_header_row(rows[:30], known)
    assert header == 0
    data = [r for r in rows[header + 1:] if any(c.strip() for c in r)]
    assert len(data) == data_rows and {len(r) for r in data} == {width}
    assert any("\n" in c for r in data for c in r) and any('"' in c for r in data for c in r)  # quoted multi-line


def test_real_trust_csv_maps_every_column():
    table, rows = read(TRUST_CSV)
    columns = map_columns(rows[0], {name: [] for name in TRUST_COLUMNS})
    assert columns.unknown == [] and columns.missing(TRUST_COLUMNS) == []
    first = columns.values(rows[1])
    assert to_int(first["fiscal_year"]) == 2021 and to_int(first["population_size"]) == 9707552
    assert first["question_text"].startswith("I trust VA to fulfill our country\u2019s commitment")


# ------------------------------------------------------------------------------------------- CSV

def test_cp1252_semicolon_csv(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("agency;note;value\nDépartement;l\u2019équipe, « bien »;4,5\nDOI;ok;3\n".encode("cp1252"))
    table, rows = read(path)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert rows[0] == ["agency", "note", "value"] and rows[2] == ["DOI", "ok", "3"]
    assert rows[1] == ["Département", "l\u2019équipe, « bien »", "4,5"]
    assert "Windows-1252" in table.warnings[0]


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfagency,value\nDOI,4.5\n")
    table, rows = read(path)
    assert rows == [["agency", "value"], ["DOI", "4.5"]] and table.warnings == []


def test_tab_separated_and_utf16_unicode_text(tmp_path):
    text = "agency\tquestion\tvalue\nVA\tI trust VA, mostly\t4.5\n"
    (tmp_path / "a.tsv").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(text.encode("utf-16"))  # Excel's "Unicode text" export
    for name in ("a.tsv", "b.txt"):
        table, rows = read(tmp_path / name)
        assert table.delimiter == "\t" and rows[1] == ["VA", "I trust VA, mostly", "4.5"]


def test_delimiter_respects_quotes_and_excel_sep_line(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('agency,note,value\n"DOI","a; b; c; d",1\n"VA","line one\nline two; x",2\n', encoding="utf-8")
    table, rows = read(path)
    assert table.delimiter == "," and rows[2] == ["VA", "line one\nline two; x", "2"]
    path.write_text("sep=|\nagency|value\nDOI|4\n", encoding="utf-8")
    table, rows = read(path)
    assert table.delimiter == "|" and rows == [["agency", "value"], ["DOI", "4"]]


def test_neither_utf8_nor_cp1252_falls_back_to_latin1(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"agency,value\nD\x81I,4\n")  # 0x81 is undefined in cp1252
    table, rows = read(path)
    assert table.encoding == "latin-1" and rows[1] == ["D\x81I", "4"] and "Latin-1" in table.warnings[0]


def test_a_utf8_csv_with_a_bad_byte_is_refused_naming_the_line_and_byte_not_read_as_windows_1252(tmp_path):
    """Read as Windows-1252 because of one stray byte, every accented note of every row was stored
    garbled ("Café" as "CafÃ©") with a warning that named nothing."""
    path = tmp_path / "notes.csv"
    good = "".join(f"Disaster Loans,wait_time,FY198{i}-Q1,{i},Café résumé — naïve {i}\n" for i in range(5))
    path.write_bytes(("program,metric,period,value,notes\n" + good).encode("utf-8")
                     + b"Disaster Loans,wait_time,FY1979-Q1,9,bad byte \xff here\n")
    with pytest.raises(ImportFileError) as refused:
        read_table(path)
    assert "The file is UTF-8 text, but line 7 holds the byte 0xFF (byte " in str(refused.value)
    assert "wait_time,FY1979-Q1,9,bad byte'), which UTF-8 does not allow" in str(refused.value)
    assert 'save the file as "CSV UTF-8"' in str(refused.value)
    # Where a block of the check ends inside a character, the byte is still named exactly.
    first = "program,notes\n" + "x" * (1024 * 1024 - 15) + ",é\n"  # the é's two bytes straddle 1 MB
    path.write_bytes(first.encode("utf-8") + b"y,\x81\n" + "z,déjà là\n".encode())
    with pytest.raises(ImportFileError, match=f"line 3 holds the byte 0x81 \\(byte {len(first.encode()) + 3:,} "):
        read_table(path)


@pytest.mark.parametrize("notes", [b"Jos\xc3\xa9\x92s team", b"caf\xc3\xa9 \xe9",
                                   b"\xc5\xbbaneta \x96 Dvo\xc5\x99\xe1k"])
def test_one_accented_letter_in_utf8_beside_one_stray_byte_is_refused_as_damaged_utf8(tmp_path, notes):
    """"José" written as UTF-8 and a curly apostrophe pasted from Word (Windows-1252's 0x92): one letter to one
    bad byte was under the two-to-one the check asked, so the file was read as Windows-1252 and stored
    "JosÃ©’s team" (and "cafÃ© é") with a warning that named nothing."""
    path = tmp_path / "jose.csv"
    path.write_bytes(b"program,metric,period,channel,value,n,notes\n"
                     b"Disability Compensation Claims,wait_time,FY2026-Q1,phone,12,100," + notes + b"\n")
    with pytest.raises(ImportFileError, match="The file is UTF-8 text, but line 2 holds the byte 0x"):
        read_table(path)


def test_a_csv_opening_with_utf8s_byte_order_mark_but_not_utf8_says_where_it_is_not(tmp_path):
    """A file that starts with UTF-8's byte-order mark says it is UTF-8. With one stray byte and no accented letter
    to vouch for it, it is read as Windows-1252 (an editor may put the mark on such a file: the test below), and
    the warning said "the file is not UTF-8 text" and nothing of the byte stored as "ï": it names where."""
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"program,metric,period,channel,value,n,notes\n"
                     b"Disability Compensation Claims,wait_time,FY2026-Q1,phone,12,100,ok\n"
                     b"Disability Compensation Claims,wait_time,FY2026-Q2,phone,11,100,bad \xef here\n")
    table, rows = read(path)
    assert table.encoding == "cp1252" and rows[2][-1] == "bad \u00ef here"
    assert "It opens with UTF-8's byte-order mark, but line 3 holds the byte 0xEF (byte " in " ".join(table.warnings)
    first = tmp_path / "first.csv"
    first.write_bytes(codecs.BOM_UTF8 + b"metric_code,valu\xe9\n")
    table, _ = read(first)
    assert "line 1 holds the byte 0xE9 (byte 20 of the file, after 'metric_code,valu')" in " ".join(table.warnings), (
        "the mark is not quoted as \\ufeff")


def test_a_utf8_file_ending_inside_a_character_is_said_to_be_cut_short(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes("program,notes\nx,caf\u00e9 d\u00e9j\u00e0 \u00e9t\u00e9\n".encode() + b"y,ab\xc3")
    with pytest.raises(ImportFileError, match="line 3 holds a character cut short where the file ends"):
        read_table(path)


@pytest.mark.parametrize("name", ["RENÉ’S CAFÉ", "JOSÉ\u00a0PEÑA", "“ANDRÉ” Müller", "São Paulo – Zoë"])
def test_a_windows_1252_csv_whose_capitals_before_punctuation_look_like_utf8_is_read_as_windows_1252(
        tmp_path, name):
    """A capital accented letter before a curly quote, a dash or a no-break space is, by chance, a character
    UTF-8 writes in two bytes: such a Windows-1252 file was refused as damaged UTF-8."""
    path = tmp_path / "names.csv"
    path.write_bytes(f"program,leader\nPassport,{name}\n".encode("cp1252"))
    table, rows = read(path)
    assert rows[1] == ["Passport", name]


def test_title_rows_above_the_header(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("CX report FY2023,,\n,,\nPrepared by OCFO; draft,,\nAgency,Metric,Value\nDOI,trust,4.5\n")
    table, rows = read(path)
    assert find_header_row(rows, {"agency", "metric", "value", "n"}) == 3


def test_header_only_and_empty_files(tmp_path):
    (tmp_path / "header.csv").write_text("agency,metric,value\n")
    table, rows = read(tmp_path / "header.csv")
    assert rows == [["agency", "metric", "value"]] and find_header_row(rows, {"agency", "value"}) == 0
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf \r\n\r\n")
    for name in ("empty.csv", "blank.csv"):
        with pytest.raises(ImportFileError, match="The file is empty"):
            read_table(tmp_path / name)


def test_oversized_csv_field_is_a_file_error(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text('agency,note\nDOI,"' + "x" * 200_000 + '"\n')
    with pytest.raises(ImportFileError, match=r"Row 2 \(from line 2 of the file\) holds a value longer than 131,072 "
                                              r"characters in column 2 \(headed 'note'\)"):
        read(path)
    unquoted = tmp_path / "unquoted.csv"
    unquoted.write_text("agency,program,note\nDOI,Parks,ok\nDOI," + "y" * 200_000 + ",x\n")
    with pytest.raises(ImportFileError, match=r"Row 3 \(from line 3 of the file\) .* in column 2 \(headed 'program'\)"):
        read(unquoted)


@pytest.mark.parametrize("sep_line", [False, True])
def test_a_quote_never_closed_is_refused_not_read_as_the_rest_of_the_file(tmp_path, sep_line):
    """A stray quote opening row 3's last cell would take rows 4-31 into that cell without a word."""
    path = tmp_path / "unterminated.csv"
    lines = (["sep=,"] if sep_line else []) + [",".join(HEADER), "DOI,trust,FY2025-Q1,4.1,40",
                                                 'DOI,trust,FY2025-Q2,4.2,"41']
    lines += [f"DOI,trust,FY{2026 + k // 4}-Q{k % 4 + 1},4.0,{50 + k}" for k in range(28)]
    path.write_text("\n".join(lines) + "\n")
    first = 3 + sep_line
    with pytest.raises(ImportFileError, match=rf"Row 3's value in column E runs over lines {first}-{first + 28} of "
                                              "the file, which read as whole rows"):
        read(path)
    # The rest of the file as notes, not rows: still never closed.
    path.write_text("\n".join(lines[:-28] + ["a note", "over two lines"]) + "\n")
    with pytest.raises(ImportFileError, match=rf"Row 3 opens a quoted value \(line {first} of the file\) that is "
                                              rf"never closed, so the rest of the file, lines {first}-{first + 2}"):
        read(path)
    # In the last row, taking the rest of its own line alone: the row was refused as a row without a value.
    for end in ("\n", ""):
        path.write_text("\n".join(lines[:-28]) + end)
        with pytest.raises(ImportFileError, match=rf"Row 3 opens a quoted value \(line {first} of the file\) that is "
                                                  rf"never closed, so the rest of the file, line {first} to its end"):
            read(path)


def test_a_quote_closed_only_by_a_later_quoted_value_is_refused(tmp_path):
    """Row 3's notes open a quote that never closes; a later row's quoted value closes it: the rows
    between would go into row 3's cell."""
    path = tmp_path / "gap.csv"
    header = ",".join([*HEADER, "notes"])
    lines = [header, "DOI,trust,FY2025-Q1,4.1,40,fine", 'DOI,trust,FY2025-Q2,4.2,41,"started a note']
    lines += [f"DOI,trust,FY{2026 + k},4.0,{50 + k},plain" for k in range(6)]
    lines += ['DOI,trust,FY2033-Q1,4.0,60,"Smith, John"', "DOI,trust,FY2034-Q1,4.0,61,after"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFileError, match=r"Row 3's value in column F runs over lines 3-10 of the file, which "
                                              r"read as whole rows"):
        read(path)


def test_quoted_cells_over_several_lines_are_still_read(tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text(",".join(HEADER) + '\nDOI,trust,FY2025-Q1,4.1,40\nDOI,"trust,\nasked twice",FY2025-Q2,4.2,"41"\n')
    _table, rows = read(path)
    assert rows[-1] == ["DOI", "trust,\nasked twice", "FY2025-Q2", "4.2", "41"]


@pytest.mark.parametrize("suffix", [".xls", ".xlsb", ".ods"])
def test_a_workbook_named_as_another_kind_is_read_as_what_it_holds(tmp_path, normal_xlsx, suffix):
    """The parser goes by the name: an .xlsx named .xls was read as a damaged 97-2003 workbook."""
    renamed = tmp_path / f"report{suffix}"
    renamed.write_bytes(normal_xlsx.read_bytes())
    table, rows = read(renamed)
    assert table.kind == "xlsx" and rows == [HEADER, ["DOI", "trust", "FY2023 Q1", 4.5, 120.0]]
    assert table.warnings == [f"The file is named {suffix} but holds an Excel workbook; it was read as such."]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["normal.xlsx", renamed.name]), "no link left"


def test_a_file_named_as_no_spreadsheet_says_what_it_was_read_as(tmp_path):
    """A CSV named x.pdf was read without a word, where the same file named .xlsx was said to be one."""
    path = tmp_path / "x.pdf"
    path.write_text(",".join(HEADER) + "\nDOI,trust,FY2025-Q1,4.1,40\n")
    table, rows = read(path)
    assert table.kind == "csv" and rows[-1] == ["DOI", "trust", "FY2025-Q1", "4.1", "40"]
    assert table.warnings == ["The file is named .pdf, which is no spreadsheet's name, but holds plain text (CSV); "
                              "it was read as such."]


def test_csv_renamed_xlsx_is_read_as_csv_with_a_warning(tmp_path, normal_xlsx):
    path = tmp_path / "report.xlsx"
    path.write_text("agency,value\nDOI,4.5\n")
    table, rows = read(path)
    assert table.kind == "csv" and rows[1] == ["DOI", "4.5"] and "named .xlsx" in table.warnings[0]
    renamed = tmp_path / "really_a_workbook.csv"
    renamed.write_bytes(normal_xlsx.read_bytes())
    table, rows = read(renamed)
    assert table.kind == "xlsx" and rows[0] == HEADER and "named .csv" in table.warnings[0]


def test_header_helpers_on_messy_headers():
    with pytest.raises(ImportFileError, match="No header row") as error:
        find_header_row([["Report"], [], ["only agency", "agency"]], {"agency", "value"})
    assert "agency, value" in error.value.message
    columns = map_columns(["Agency ", None, "Value (%)", "Notes"], {"agency": [], "value": ["value %"]})
    assert columns.index == {"agency": 0, "value": 2} and columns.unknown == ["Notes"]
    assert columns.missing(["agency", "n"]) == ["n"] and ColumnMap.letter(27) == "AB"
    with pytest.raises(ImportFileError, match=r"Columns A \('count_1'\) and C \('Count 1'\) both mean 'count_1'"):
        map_columns(["count_1", "x", "Count 1"], {"count_1": ["answers 1"]})


# ------------------------------------------------------------------------------------- workbooks

def test_xlsx_values_dates_and_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"  # empty first sheet: the first visible sheet WITH data is read
    data = book.create_sheet("Data")
    data.append(["agency", "when", "stamp", "ok", "value"])
    data.append(["DOI", datetime.date(2023, 1, 5), datetime.datetime(2023, 1, 5, 10, 30), True, 85])
    secret = book.create_sheet("Lookup", 0)
    secret.append(["hidden", "lookup"])
    secret.sheet_state = "hidden"
    book.save(tmp_path / "b.xlsx")
    table, rows = read(tmp_path / "b.xlsx")
    assert (table.kind, table.sheet, table.sheet_names, table.hidden_sheets) == ("xlsx", "Data", ["Cover", "Data"],
                                                                                 ["Lookup"])
    assert rows[1] == ["DOI", datetime.date(2023, 1, 5), datetime.datetime(2023, 1, 5, 10, 30), True, 85.0]
    assert any("Hidden sheet 'Lookup' was not read." in w for w in table.warnings)
    table, rows = read(tmp_path / "b.xlsx", sheet="lookup")  # hidden, chosen by name (case-insensitive)
    assert table.sheet == "Lookup" and rows == [["hidden", "lookup"]] and "is hidden" in table.warnings[0]
    table, rows = read(tmp_path / "b.xlsx", sheet="Cover")
    assert table.sheet == "Cover" and rows == []
    with pytest.raises(ImportFileError, match=r"no sheet named 'Nope'.*'Cover', 'Data', 'Lookup'"):
        read_table(tmp_path / "b.xlsx", sheet="Nope")


def test_workbook_with_only_hidden_data(tmp_path):
    book = openpyxl.Workbook()
    hidden = book.create_sheet("Raw")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "h.xlsx")
    with pytest.raises(ImportFileError, match="every visible sheet is empty") as error:
        read_table(tmp_path / "h.xlsx")
    assert "'Raw'" in error.value.hint


def test_titles_merged_header_and_offset_data_keep_excel_positions(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B2"] = "FY2023 CX scorecard"
    sheet["B3"] = "Answer counts"
    sheet.merge_cells("B3:D3")  # merged header cell: the value sits in the top-left cell
    for col, name in zip("BCDE", ["agency", "count_1", "count_2", "value"]):
        sheet[f"{col}4"] = name
    for col, value in zip("BCDE", ["DOI", 3, 7, 4.5]):
        sheet[f"{col}5"] = value
    book.save(tmp_path / "m.xlsx")
    table, rows = read(tmp_path / "m.xlsx")
    assert not any(rows[0]) and rows[1][:2] == ["", "FY2023 CX scorecard"]  # row i is spreadsheet row i + 1
    assert rows[2][1:4] == ["Answer counts", "", ""]
    header = find_header_row(rows, {"agency", "count_1", "count_2", "value"})
    columns = map_columns(rows[header], {"agency": [], "count_1": [], "count_2": [], "value": []})
    assert header == 3 and columns.index == {"agency": 1, "count_1": 2, "count_2": 3, "value": 4}
    assert columns.letter(columns.index["value"]) == "E" and columns.values(rows[4])["count_2"] == 7.0


def test_cells_merged_over_several_rows_are_named_in_a_warning(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["program", "metric", "value"])
    for period in range(3):
        sheet.append(["Pensions" if period == 0 else None, "trust", 4.1])
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B5:C5")  # across columns only: every row keeps its value
    book.save(tmp_path / "merged.xlsx")
    table, rows = read(tmp_path / "merged.xlsx")
    assert [r[0] for r in rows[1:4]] == ["Pensions", "", ""]
    [warning] = [w for w in table.warnings if "merged" in w]
    assert "1 merged cell range over several rows (A2:A4)" in warning and "Unmerge it and fill in each row" in warning


def test_hidden_rows_and_columns_of_an_opendocument_sheet_are_noted(tmp_path):
    """An xlsx's hidden rows were named in a note, an OpenDocument sheet's not: read unseen. Hidden rows
    holding nothing (the rest of the sheet collapsed below the data) are not news."""
    table = ods_table("Data", [["program", "n", "value"], ["Pensions", 40, 4.1], ["Pensions", 50, 3.9],
                               ["Pensions", 60, 4.4]])
    table = table.replace('<table:table table:name="Data">', '<table:table table:name="Data"><table:table-column/>'
                          '<table:table-column table:visibility="collapse"/><table:table-column/><table:table-column '
                          'table:number-columns-repeated="1021" table:visibility="collapse"/>')
    rows = table.split("<table:table-row>")
    table = "<table:table-row table:visibility=\"collapse\">".join(
        ["<table:table-row>".join(rows[:3]), "<table:table-row>".join(rows[3:])])
    table = table.replace("</table:table>", '<table:table-row table:number-rows-repeated="1048570" '
                          'table:visibility="collapse"><table:table-cell/></table:table-row></table:table>')
    handmade_ods(tmp_path / "hidden.ods", table)
    found, rows = read(tmp_path / "hidden.ods")
    assert rows[2] == ["Pensions", 50.0, 3.9], "read like the others"
    assert found.warnings == ["Sheet 'Data' has 1 hidden row (3); it was read like the others. Unhide it to check "
                              "it, or delete it if it should not be imported."]
    assert found.hidden_columns == [(1, 1), (3, 1023)]  # the import names those it reads (B), not the rest


def test_formula_without_cached_value_is_an_error_for_that_cell(tmp_path):
    write_xlsx(tmp_path / "f.xlsx", ["agency", "count_1", "count_2", "n"], [["DOI", 3, 4, "=B2+C2"]], sheet="Data")
    table, rows = read(tmp_path / "f.xlsx")
    marker = rows[1][3]
    assert isinstance(marker, UncachedFormula) and marker.cell == "D2" and str(marker) == "=B2+C2"
    assert "1 formula cell with no saved result (D2)" in table.warnings[0]
    with pytest.raises(ValueError, match=r"formula =B2\+C2 has no saved result"):
        to_int(marker)


def test_formulas_reading_another_workbook_are_named_in_a_warning(tmp_path):
    """A cell linked to another workbook ("='[other.xlsx]Sheet1'!A1" in Excel, "[1]Sheet1!A1" as stored) was
    read from the value saved with it without a word: what that file held when this one was last saved."""
    body = ('<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>[1]Sheet1!A1</f><v>5</v></c>'
            '<c r="C1"><f>\'[2]Q1 data\'!B7*2</f><v>8</v></c><c r="D1"><f>SUM(A1:C1)</f><v>16</v></c></row>'
            '<row r="2"><c r="A2"><f t="shared" ref="A2:C2" si="0">[1]Sheet1!A2</f><v>1</v></c>'
            '<c r="B2"><f t="shared" si="0"/><v>2</v></c><c r="C2"><f t="shared" si="0"/><v>3</v></c>'
            '<c r="D2"><f t="shared" ref="D2:E2" si="1">Table1[[#This Row],[Col]]</f><v>4</v></c>'
            '<c r="E2"><f t="shared" si="1"/><v>4</v></c></row>')
    handmade_xlsx(tmp_path / "linked.xlsx", sheet_xml(body, "A1:E2"))
    table, rows = read(tmp_path / "linked.xlsx")
    assert rows == [[3.0, 5.0, 8.0, 16.0, ""], [1.0, 2.0, 3.0, 4.0, 4.0]], "the saved values are read as before"
    [warning] = table.warnings
    assert warning.startswith("Sheet 'Data' has 5 formula cells that read another workbook (B1, C1, A2, B2, C2): "
                              "their values are what that workbook held when this file was last saved")
    body = '<row r="1"><c r="A1"><f>[1]!Total</f><v>5</v></c><c r="B1"><f>A1+1</f><v>6</v></c></row>'
    handmade_xlsx(tmp_path / "one.xlsx", sheet_xml(body, "A1:B1"))
    [warning] = read(tmp_path / "one.xlsx")[0].warnings
    assert "1 formula cell that reads another workbook (A1): its value is what" in warning


def test_a_cell_holding_a_spreadsheet_error_is_an_error_for_that_cell(tmp_path):
    """The workbook parser reads #DIV/0! as an empty cell; the file's own XML says what it holds."""
    body = ('<row r="1"><c r="A1"><v>3</v></c><c r="B1" t="e"><v>#DIV/0!</v></c>'
            '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" t="e"><f>NA()</f><v>#N/A</v></c>'
            '<c r="E1" t="inlineStr"><is><t>t="e"</t></is></c></row>')
    handmade_xlsx(tmp_path / "errors.xlsx", sheet_xml(body, "A1:E1"))
    table, rows = read(tmp_path / "errors.xlsx")
    assert rows[0][0] == 3.0 and [str(v) for v in rows[0][1:4]] == ["#DIV/0!", "#DIV/0!", "#N/A"]
    assert rows[0][4] == 't="e"', "a text that reads like the attribute is a text"
    assert all(isinstance(v, SpreadsheetError) for v in rows[0][1:4])
    assert [v.cell for v in rows[0][1:4]] == ["B1", "C1", "D1"]
    for convert in (to_int, to_number, to_text):
        with pytest.raises(ValueError, match="the cell holds the spreadsheet error #DIV/0!, not a value"):
            convert(rows[0][1])
    # as openpyxl writes one: an error value in a data row of an upload
    write_xlsx(tmp_path / "e.xlsx", ["agency", "value"], [["DOI", "#REF!"]], sheet="Data")
    _table, rows = read(tmp_path / "e.xlsx")
    assert str(rows[1][1]) == "#REF!"


def test_formula_with_cached_value_reads_the_value(tmp_path):
    body = ('<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1*2</f><v>6</v></c>'
            '<c r="C1" t="str"><f>IF(A1&gt;5,"big","")</f><v></v></c></row>')
    handmade_xlsx(tmp_path / "cached.xlsx", sheet_xml(body, "A1:C1"))
    table, rows = read(tmp_path / "cached.xlsx")
    assert rows == [[3.0, 6.0, ""]] and table.warnings == []
    # a workbook that asks to be recalculated on load (XlsxWriter, openpyxl) stores placeholder results
    handmade_xlsx(tmp_path / "placeholder.xlsx", sheet_xml(body, "A1:C1"),
                  workbook_extra='<calcPr fullCalcOnLoad="1"/>')
    table, rows = read(tmp_path / "placeholder.xlsx")
    assert isinstance(rows[0][1], UncachedFormula) and str(rows[0][2]) == '=IF(A1>5,"big","")'


def test_many_rows_cross_chunk_boundaries(tmp_path):
    rows = [["agency", "value", "n"]] + [[f"A{i}", i / 4, i] for i in range(12_345)]
    handmade_xlsx(tmp_path / "many.xlsx", sheet_xml(cells(rows), f"A1:C{len(rows)}"))
    table, got = read(tmp_path / "many.xlsx")
    assert len(got) == len(rows) and got[-1] == ["A12344", 3086.0, 12344.0] and got[5000] == ["A4999", 1249.75, 4999]


def test_ods_workbook(tmp_path):
    path = handmade_ods(tmp_path / "book.ods", ods_table("Data", [["agency", "value"], ["DOI", 4.5]]))
    table, rows = read(path)
    assert (table.kind, table.sheet, rows) == ("ods", "Data", [["agency", "value"], ["DOI", 4.5]])


def test_rows_unpickler_only_accepts_plain_values():
    values = [["a", 1, 2.5, True, None, datetime.date(2023, 1, 5), datetime.timedelta(hours=1)]]
    assert _RowsUnpickler(io.BytesIO(pickle.dumps(values, protocol=5))).load() == values
    with pytest.raises(pickle.UnpicklingError, match="unexpected object"):
        _RowsUnpickler(io.BytesIO(pickle.dumps(os.getcwd, protocol=5))).load()


# --------------------------------------------------------------------------------- hostile files

@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", HEADER)


def test_zip_bomb_is_refused_from_the_central_directory(zip_bomb, normal_xlsx):
    assert zip_bomb.stat().st_size < 5 * MB
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="zip bomb: it unpacks to more than 500 MB"):
        read_table(zip_bomb)
    with pytest.raises(ImportFileError, match=r"zip bomb: its part xl/worksheets/sheet2.xml unpacks [\d,]+ times"):
        check_zip(zip_bomb, max_total_uncompressed=10_000 * MB)
    assert time.monotonic() - started < 5
    still_works(normal_xlsx)


def _declaring(path, part: bytes, size: int) -> None:
    """Rewrite `part`'s uncompressed size in the local header and the central directory."""
    import struct

    data = bytearray(path.read_bytes())
    for signature, size_at, name_length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at != -1:
            length = struct.unpack("<H", data[at + name_length_at:at + name_length_at + 2])[0]
            if data[at + name_at:at + name_at + length] == part:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def test_a_part_that_unpacks_larger_than_it_declares_is_named_damaged(tmp_path, normal_xlsx):
    """A zip bomb with its sizes falsified passes the central directory's check; reading stops at the
    declared size and the checksum fails: a damaged workbook, said so, not an unexpected failure."""
    path = write_xlsx(tmp_path / "lying.xlsx", HEADER, [["Benefits Administration"] * len(HEADER)] * 3000)
    _declaring(path, b"xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(ImportFileError, match="The workbook is damaged: a part of it does not unpack to what the "
                                              "archive declares"):
        read_table(path)
    still_works(normal_xlsx)


def test_too_many_zip_entries(normal_xlsx, tmp_path):
    with pytest.raises(ImportFileError, match="possible zip bomb"):
        read_table(normal_xlsx, limits=Limits(max_entries=5))
    still_works(normal_xlsx)


def test_sparse_bomb_written_by_openpyxl(tmp_path, normal_xlsx):
    book = openpyxl.Workbook()
    book.active["A1"] = "agency"
    book.active["XFD1048576"] = "boom"
    book.save(tmp_path / "sparse.xlsx")
    with pytest.raises(ImportFileError, match=r"span A1:XFD1048576: reading it would mean 17,179,869,184 cells"):
        read_table(tmp_path / "sparse.xlsx")
    still_works(normal_xlsx)


@pytest.mark.parametrize("body, found", [
    ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c></row>', "a cell at XFD1048576"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><c r="AN1000000"><v>2</v></c></row>',
     "40,000,000 cells, for only"),
])
def test_sparse_bomb_with_a_lying_dimension(tmp_path, normal_xlsx, body, found):
    handmade_xlsx(tmp_path / "liar.xlsx", sheet_xml(body, "A1"))
    with pytest.raises(ImportFileError, match=found):
        read_table(tmp_path / "liar.xlsx")
    still_works(normal_xlsx)


def test_a_size_tag_far_beyond_few_cells_is_refused_with_advice_that_can_be_followed(tmp_path, normal_xlsx):
    """Two real rows under a <dimension> of the whole grid: there are no stray cells to delete, so the
    advice is to save the file again from Excel, which writes the true size."""
    handmade_xlsx(tmp_path / "tag.xlsx", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"))
    with pytest.raises(ImportFileError, match="says its cells span A1:XFD1048576") as refused:
        read_table(tmp_path / "tag.xlsx")
    assert refused.value.hint.startswith("Open it in Excel and save it again")
    still_works(normal_xlsx)


def test_sparse_bomb_on_a_later_sheet(tmp_path, normal_xlsx):
    """The first visible sheet is empty, so the child goes on to the second: the scan follows it there."""
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.create_sheet("Data")["A1"] = "agency"
    book.save(tmp_path / "two.xlsx")
    with zipfile.ZipFile(tmp_path / "two.xlsx") as source, zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as target:
        for info in source.infolist():
            body = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c></row>'
            target.writestr(info, sheet_xml(body) if info.filename.endswith("sheet2.xml") else source.read(info))
    with pytest.raises(ImportFileError, match="Sheet 'Data' has a cell at XFD1048576"):
        read_table(tmp_path / "bomb.xlsx")
    still_works(normal_xlsx)


def test_memory_limit_catches_what_the_checks_miss(tmp_path, normal_xlsx):
    """ZZ99999 before B1 in row 1 slips past the streaming scan; calamine then asks for 70 million cells
    (2.2 GB) and aborts the child with SIGABRT, which the parent reports."""
    body = '<row r="1"><c r="ZZ99999"><v>2</v></c><c r="B1"><v>1</v></c></row>'
    handmade_xlsx(tmp_path / "sneaky.xlsx", sheet_xml(body, "A1"))
    with pytest.raises(ImportFileError, match=r"needs more memory than allowed \(1,536 MB\)"):
        read_table(tmp_path / "sneaky.xlsx")
    still_works(normal_xlsx)


def test_ods_repeat_bombs(tmp_path, normal_xlsx):
    row = ('<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-'
           'repeated="{cols}" office:value-type="float" office:value="1"/></table:table-row>')
    handmade_ods(tmp_path / "grid.ods", f'<table:table table:name="Data">{row.format(rows=1048576, cols=16384)}'
                 "</table:table>")
    with pytest.raises(ImportFileError, match="more cells than any real sheet"):
        read_table(tmp_path / "grid.ods")
    handmade_ods(tmp_path / "tall.ods", f'<table:table table:name="Data">{row.format(rows=1000000, cols=90)}'
                 "</table:table>")
    with pytest.raises(ImportFileError, match=r"needs more memory than allowed \(400 MB\)"):
        read_table(tmp_path / "tall.ods", limits=Limits(max_memory=400 * MB))
    still_works(normal_xlsx)


@pytest.mark.parametrize("where", ["sharedStrings", "workbook"])
def test_xml_entity_bomb_is_refused_and_calamine_does_not_expand_it(tmp_path, normal_xlsx, where):
    strings = f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    path = tmp_path / "laughs.xlsx"
    if where == "sharedStrings":
        handmade_xlsx(path, sheet, shared_strings=strings)
    else:
        handmade_xlsx(path, sheet, parts={"xl/styles.xml": f'<?xml version="1.0"?>{LAUGHS}<styleSheet/>'})
    with pytest.raises(ImportFileError, match="declares XML entities"):
        read_table(path)
    if where == "sharedStrings":  # calamine itself, under a 512 MB limit: it errors instead of expanding
        probe = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))\n"
                 "from python_calamine import CalamineWorkbook\n"
                 "try:\n    print(CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python())\n"
                 "except Exception as e:\n    print(type(e).__name__)")
        done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout.strip() == "XmlError"
    still_works(normal_xlsx)


@pytest.mark.parametrize("name, content, found", [
    ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG image, not a spreadsheet"),
    ("scan.csv", b"%PDF-1.7\n" + bytes(200), "a PDF document"),
    ("page.xls", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "a web page"),
    ("old.xls", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
     "Excel 2003 XML spreadsheet"),
    ("noise.csv", bytes(range(256)) * 8, "binary data"),
    ("setup.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200), "a Windows program"),  # not "text"
    ("memo.docx", None, "a Word document"),
    ("memo.doc", ole2({"WordDocument": b"x"}), "a Word document"),
    ("truncated.xlsx", b"PK\x03\x04" + bytes(100), "damaged or incomplete"),
    ("empty.xlsx", b"", "The file is empty"),
])
def test_files_that_are_not_spreadsheets(tmp_path, normal_xlsx, name, content, found):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
    else:
        path.write_bytes(content)
    with pytest.raises(ImportFileError, match=found):
        read_table(path)
    still_works(normal_xlsx)


def test_password_protected_ole2_file(tmp_path, normal_xlsx):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(ole2({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 5000}))
    assert ole2_stream_names(path) >= {"EncryptionInfo", "EncryptedPackage"}
    with pytest.raises(ImportFileError, match="password-protected") as error:
        sniff_kind(path)
    assert "remove the password" in error.value.hint
    still_works(normal_xlsx)


def test_really_encrypted_xlsx(tmp_path, normal_xlsx):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    with open(normal_xlsx, "rb") as plain, open(tmp_path / "secret.xlsx", "wb") as locked:
        ooxml.OOXMLFile(plain).encrypt("correct horse", locked)
    with pytest.raises(ImportFileError, match="password-protected"):
        read_table(tmp_path / "secret.xlsx")
    still_works(normal_xlsx)


def test_damaged_xls_is_reported_not_crashed(tmp_path, normal_xlsx):
    path = tmp_path / "old.xls"
    path.write_bytes(ole2({"Workbook": b"\x09\x08" + bytes(100)}))
    assert sniff_kind(path) == "xls"
    with pytest.raises(ImportFileError, match="could not be read as a workbook"):
        read_table(path)
    still_works(normal_xlsx)


def test_timeout_kills_the_child(tmp_path, normal_xlsx):
    rows = [["agency", "value", "n", "note"]] + [[f"A{i}", i / 4, i, "x" * 20] for i in range(150_000)]
    handmade_xlsx(tmp_path / "slow.xlsx", sheet_xml(cells(rows), f"A1:D{len(rows)}"))
    with pytest.raises(ImportFileError, match="took longer than 0.05 seconds"):
        read_table(tmp_path / "slow.xlsx", limits=Limits(timeout=0.05))
    still_works(normal_xlsx)


@pytest.mark.parametrize("code, stderr, found", [
    (-6, b"memory allocation of 549755813888 bytes failed", "needs more memory"),
    (-9, b"", "needs more memory"),  # the kernel's OOM killer
    (-11, b"", r"crashed on it \(signal SIGSEGV\)"),
    (-24, b"", "took longer"),  # SIGXCPU: the CPU-time limit
    (1, b"Traceback", r"crashed on it \(exit status 1\)"),
])
def test_child_failures_become_file_errors(tmp_path, code, stderr, found):
    out, err = io.BytesIO(b""), io.BytesIO(stderr)
    with pytest.raises(ImportFileError, match=found):
        _child_result(code, out, err, None, Limits())


def test_numbers_from_a_workbook_normalize(normal_xlsx):
    table, rows = read(normal_xlsx)
    assert to_number(rows[1][3]) == 4.5 and to_int(rows[1][4]) == 120


def test_csv_module_roundtrip_of_generated_file(tmp_path):
    path = tmp_path / "gen.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER] + [["D, \"I\"", "trust", "Q1", "4.5", str(i)] for i in range(3000)])
    table, rows = read(path)
    assert len(rows) == 3001 and rows[-1] == ['D, "I"', "trust", "Q1", "4.5", "2999"]


def test_a_text_file_with_a_stray_nul_names_where_it_is(tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"component,program,metric,period,value\nBA,Call,trust,FY2026-Q1,4\x00.1\n")
    with pytest.raises(ImportFileError, match=r"line 2 holds a NUL byte \(character 26 of the line\)"):
        read_table(path)
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match="binary data of an unknown kind"):
        read_table(tmp_path / "binary.csv")


@pytest.mark.parametrize("encoding, order", [("utf-16-be", "big-endian"), ("utf-16-le", "little-endian")])
def test_utf16_text_without_its_byte_order_mark_is_named_so_not_binary_data(tmp_path, encoding, order):
    path = tmp_path / "nobom.csv"
    # a dash and curly quotes too: U+2013's and U+201C's low bytes are control characters, read byte by byte
    path.write_bytes("component,program,metric,period,value,notes\nBenefits Administration,Caf\u00e9 \u2013 se\u00f1or,"
                     "trust,FY2026-Q1,4,r\u00e9sum\u00e9 \u201cquoted\u201d\n".encode(encoding))
    with pytest.raises(ImportFileError) as refused:
        read_table(path)
    assert f"The file looks like UTF-16 text ({order}) without the byte-order mark" in str(refused.value)
    assert 'save it as "CSV UTF-8"' in str(refused.value) and "binary data" not in str(refused.value)


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_utf16_without_its_mark_is_named_so_when_a_character_straddles_the_bytes_first_read(tmp_path, encoding):
    """The file's first 8,192 bytes are judged: an emoji's surrogate pair cut there read as no UTF-16 at all,
    and the file as binary data."""
    header = "component,program,metric,period,value,notes\n"
    row = "Benefits Administration,Call Center,trust,FY2026-Q1,4,fine\n"
    text = header + row * ((8190 - len(header.encode(encoding))) // len(row.encode(encoding)))
    text += "x" * ((8190 - len(text.encode(encoding))) // 2) + "\U0001F600,\n" + row * 3
    assert text.encode(encoding)[8190:8194] == "\U0001F600".encode(encoding)  # the pair straddles byte 8,192
    path = tmp_path / "nobom.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(ImportFileError, match=r"looks like UTF-16 text \((big|little)-endian\) without"):
        read_table(path)


_ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')


def _ods(path: Path, rows_xml: str) -> Path:
    """A minimal OpenDocument spreadsheet of one sheet, "data", whose rows are `rows_xml`."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NAMESPACES}><office:body>'
               f'<office:spreadsheet><table:table table:name="data">{rows_xml}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:'
                         'manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.'
                         'opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
                         'manifest:media-type="text/xml"/></manifest:manifest>', zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_percentage_cell_is_read_as_it_shows_as_in_an_xlsx(tmp_path):
    """A cell of the value type "percentage" stores 0.85 and shows 85%: an .xlsx's was read as 85, an .ods's
    as 0.85, stored without a word. Repeated rows and cells are counted out to find the right cells."""
    def text(value):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    def percent(value, repeat=1):
        return (f'<table:table-cell office:value-type="percentage" office:value="{value}" '
                f'table:number-columns-repeated="{repeat}"><text:p>{value * 100:g}%</text:p></table:table-cell>')

    rows = (f'<table:table-row>{text("metric")}{text("value")}{text("other")}{text("last")}</table:table-row>'
            '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="4"/>'
            '</table:table-row>'
            f'<table:table-row>{text("digital_adoption")}{percent(0.85, 2)}'
            '<table:table-cell office:value-type="float" office:value="0.5"><text:p>0.5</text:p></table:table-cell>'
            '</table:table-row>')
    table = read_table(_ods(tmp_path / "percent.ods", rows))
    read = [list(row) for row in table.rows]
    assert read[3][:4] == ["digital_adoption", "85%", "85%", 0.5], read
    assert any("formatted as percentages" in w for w in table.warnings), table.warnings


def test_a_well_quoted_note_of_several_lines_with_a_list_in_it_is_read(tmp_path):
    """A note quoted as CSV quotes it, whose second line lists many things (as many commas as a row has), was
    refused as rows swallowed by an unclosed quote; the JSON API's own file was refused so."""
    path = tmp_path / "note.csv"
    header = ",".join([*HEADER, "notes"])
    listed = ", ".join(f"channel {k}" for k in range(8))
    path.write_text("\n".join([header, "DOI,trust,FY2025-Q1,4.1,40,fine",
                               f'DOI,trust,FY2025-Q2,4.2,41,"Context for this quarter:\n{listed}."',
                               "DOI,trust,FY2025-Q3,4.3,42,after"]) + "\n")
    _table, rows = read(path)
    assert [row[5] for row in rows[1:]] == ["fine", f"Context for this quarter:\n{listed}.", "after"]


@pytest.mark.parametrize("body", [
    "component,program,metric\nBenefits Administration,Veterans\u2019 Line,trust\n",  # Windows-1252 (its quote)
    "sep=;\ncomponent;program;metric\nBenefits Administration;Veterans\u2019 Line;trust\n",  # and Excel's sep= line
])
def test_a_windows_1252_csv_saved_with_utf8s_byte_order_mark_keeps_its_first_column(tmp_path, body):
    """Read as Windows-1252, the mark was "ï»¿" glued to the first header, whose column was then dropped."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("cp1252"))
    table, rows = read(path)
    assert table.encoding == "cp1252"
    assert rows[0] == ["component", "program", "metric"] and rows[1][1] == "Veterans\u2019 Line"


def _without_references(source: Path, target: Path, after_row: int = 0) -> Path:
    """`source` as some tools write an xlsx: its rows and cells (those after row `after_row`) without their
    references (r="B7", optional in the file format), each placed by its order."""
    import re
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if "/worksheets/" in item.filename:
                kept = data.index(b'<row r="%d"' % (after_row + 1)) if after_row else 0
                data = data[:kept] + re.sub(rb'(<(?:row|c)\b[^>]*?) r="[A-Z]*\d+"', rb"\1", data[kept:])
                assert (b' r="' in data) is bool(after_row)
            new.writestr(item, data)
    return target


def test_cells_without_references_are_placed_by_their_order_for_every_check(tmp_path):
    """A workbook whose cells carry no references: its percentage cell was read as the fraction it stores
    (55.5% as 0.555, 100 times too small), and its formula without a result, its error cell and its hidden
    row went unnoticed, each check finding cells by their references."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in (["program", "value", "n", "total"], ["Pensions", 0.555, 40, "=B2+C2"],
                ["Pensions", 0.4, "#N/A", 1], ["Pensions", 0.3, 60, 2]):
        sheet.append(row)
    sheet["B2"].number_format = "0.0%"
    sheet.row_dimensions[4].hidden = True
    book.save(tmp_path / "placed.xlsx")
    path = _without_references(tmp_path / "placed.xlsx", tmp_path / "unplaced.xlsx")
    table, rows = read(path)
    assert rows[1][:3] == ["Pensions", "55.5%", 40.0], "read as it shows"
    assert isinstance(rows[1][3], UncachedFormula) and rows[1][3].cell == "D2"
    assert isinstance(rows[2][2], SpreadsheetError) and rows[2][2].cell == "C3"
    assert any("hidden row (4)" in w for w in table.warnings), table.warnings
    placed, as_placed = read(tmp_path / "placed.xlsx")
    assert [[str(v) for v in row] for row in rows] == [[str(v) for v in row] for row in as_placed]
    assert table.warnings == placed.warnings
    # References on the first rows only, then none (a tool appending rows): each cell without one is placed.
    path = _without_references(tmp_path / "placed.xlsx", tmp_path / "later.xlsx", after_row=2)
    later, later_rows = read(path)
    assert [[str(v) for v in row] for row in later_rows] == [[str(v) for v in row] for row in as_placed]
    assert later.warnings == placed.warnings
    # Tags with a namespace prefix and no references (<x:c>): an error cell is still found where it is.
    prefixed = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row>'
                '<x:c t="inlineStr"><x:is><x:t>program</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>value</x:t>'
                '</x:is></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>Pensions</x:t></x:is></x:c><x:c t="e">'
                "<x:v>#DIV/0!</x:v></x:c></x:row></x:sheetData></x:worksheet>")
    handmade_xlsx(tmp_path / "prefixed.xlsx", prefixed.encode())
    _table, rows = read(tmp_path / "prefixed.xlsx")
    assert isinstance(rows[1][1], SpreadsheetError) and rows[1][1].cell == "B2", rows
    # A text holding ' r="' beside a cell without its reference: the one does not stand in for the other.
    body = ('<row r="1"><c r="A1" t="inlineStr"><is><t>program</t></is></c></row><row r="2"><c r="A2" '
            't="inlineStr"><is><t>a r="x</t></is></c><c t="e"><v>#N/A</v></c></row>')
    handmade_xlsx(tmp_path / "text.xlsx", sheet_xml(body, "A1:B2"))
    _table, rows = read(tmp_path / "text.xlsx")
    assert isinstance(rows[1][1], SpreadsheetError) and rows[1][1].cell == "B2", rows
