"""Value normalizers and header names: what analysts type, what workbooks hold, and what must be refused."""
import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.errors import CellError, ImportFileError, UncachedFormula
from importers.header import column_letter, norm_name
from importers.normalize import (
    MISSING,
    is_missing,
    to_bool,
    to_date,
    to_int,
    to_name,
    to_number,
    to_text,
)
from scorecard.spreadsheets import UNWRITABLE, neutralize_formula, safe_for_export, unneutralized

MISSING_SPELLINGS = ["", "  ", "N/A", "NA", "n/a", "No Data", "no data", "#N/A", "-", "\u2014", "null", "NULL",
                     "None", " none ", None]


@pytest.mark.parametrize("raw", MISSING_SPELLINGS)
def test_missing_tokens_are_none_everywhere(raw):
    assert is_missing(raw)
    for normalize in (to_number, to_int, to_text, to_bool, to_date):
        assert normalize(raw) is None


@pytest.mark.parametrize("raw, expected", [
    (4, 4.0), (4.25, 4.25), ("1,234.5", 1234.5), ("9707552.0", 9707552.0), (" 85% ", 85.0), ("85 %", 85.0),
    ("$1,200", 1200.0), ("(1,200)", -1200.0), ("($1,200.50)", -1200.5), ("-$5", -5.0), ("$-5", -5.0),
    ("-5", -5.0), ("+5", 5.0), (".5", 0.5), ("12.", 12.0), ("1e3", 1000.0), ("0", 0.0), ("1,234,567", 1234567.0),
    ("85\u00a0%", 85.0), ("12.5\u202f%", 12.5),  # a French-locale Excel's or a pasted report's percent
])
def test_to_number_accepts(raw, expected):
    assert to_number(raw) == expected


@pytest.mark.parametrize("raw, message", [
    (True, "true/false"), (False, "true/false"), ("abc", "not a number"), ("4,5", "use a point for decimals"),
    ("1,23,4", "not a number"), ("nan", "not a number"), ("inf", "not a number"), (float("nan"), "not a finite"),
    (float("inf"), "not a finite"), ("#DIV/0!", "spreadsheet error #DIV/0!"), ("--5", "not a number"),
    ("-$-5", "not a number"), (datetime.date(2023, 1, 5), "date or time"), ("5 apples", "not a number"),
])
def test_to_number_refuses(raw, message):
    with pytest.raises(ValueError, match=message):
        to_number(raw)


@pytest.mark.parametrize("raw, message", [
    ("100\u200b", "'100\\u200b' is not a number: character 4 is an invisible zero width space (U+200B), which the "
                   "cell shows as nothing; delete it"),
    ("\ufeff5", "character 1 is an invisible zero width no-break space (U+FEFF)"),
    # a no-break or thin space is no invisible character: the cell shows it as a space
    ("1\u00a0234", "character 2 is a no-break space (U+00A0), which the cell shows as a space"),
    ("1\u202f234", "character 2 is a narrow no-break space (U+202F), which the cell shows as a space"),
    ("\u22125", "'\u22125' is not a number: its \u2212 (minus sign, U+2212) is not the hyphen-minus a number is "
                "written with; write - for a negative number"),
    ("\u2013 0.5", "its \u2013 (en dash, U+2013) is not the hyphen-minus"),
])
def test_a_number_with_a_character_its_reader_cannot_see_or_tell_apart_says_which(raw, message):
    """"100" with a zero-width space after it was refused as "'100\u200b' is not a number", a minus sign
    from a word processor as "'\u22125' is not a number": the analyst saw 100 and -5. The message says which
    character, and where."""
    for normalize in (to_number, to_int):
        with pytest.raises(ValueError) as refused:
            normalize(raw)
        assert message in str(refused.value)


@pytest.mark.parametrize("raw, expected", [(12, 12), (12.0, 12), ("12", 12), ("12.0", 12), (" 1,200 ", 1200),
                                           ("-3", -3), ("98765432109876543210", 98765432109876543210)])
def test_to_int_accepts(raw, expected):
    assert to_int(raw) == expected and isinstance(to_int(raw), int)


@pytest.mark.parametrize("raw, message", [("12.5", "not a whole number"), (12.5, "not a whole number"),
                                          ("12%", "percentage"), (True, "true/false"), ("x", "not a number")])
def test_to_int_refuses(raw, message):
    with pytest.raises(ValueError, match=message):
        to_int(raw)


@pytest.mark.parametrize("raw, script", [("\u0661\u0662\u0663", "Arabic-Indic"), ("\uff11\uff12\uff13", "Fullwidth"),
                                         ("\u0661\u0662\u0663\u066b\u0665", "Arabic-Indic"),
                                         ("12\u0969", "Devanagari"), ("(\uff11,234)", "Fullwidth")])
def test_digits_of_another_script_are_refused_by_name_as_numbers_and_whole_numbers(raw, script):
    """float() read "١٢٣" and "１２３" as 123 but not "١٢٣٫٥": they are refused alike, as the web forms do."""
    for normalize in (to_number, to_int):
        with pytest.raises(ValueError, match=f"written with digits of another script \\({script}\\); write the "
                                             "number with the digits 0-9"):
            normalize(raw)
    assert to_text(raw) == raw, "as text it stays what it says"


@pytest.mark.parametrize("raw", ["\u0664\u0665\u0660\u0660\u0660", "\uff12\uff10\uff12\uff15-01-15"])
def test_digits_of_another_script_are_refused_in_dates_and_periods(raw):
    """A date serial "٤٥٠٠٠" read as 2023-03-15 and "FY٢٠٢٥-Q١" as FY2025-Q1, where numbers refused them."""
    from scorecard.periods import PeriodError, parse_period

    with pytest.raises(ValueError, match="digits of another script"):
        to_date(raw)
    for period in ("FY\u0662\u0660\u0662\u0665-Q\u0661", "FY\uff12\uff10\uff12\uff15-Q\uff11", raw):
        with pytest.raises(PeriodError):
            parse_period(period)


def test_names_drop_characters_that_draw_and_mean_nothing():
    for hidden in ("\u200b", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"):
        assert to_name(f"web{hidden}") == "web" and to_name(f"form{hidden}A") == "formA"
        assert to_text(f"form{hidden}A") == f"form{hidden}A", "other texts are kept as written"
    assert to_name("\u200b") is None and to_name(" \u2060 ") is None
    assert to_name("Café — façade") == "Café — façade", "visible letters and marks stay"
    # The joiners spell words (Persian) and join emoji: they stay.
    assert to_name("نمی\u200cخواهم") == "نمی\u200cخواهم" and to_name("👩\u200d💻") == "👩\u200d💻"


def test_to_text():
    assert to_text("  Bureau of Trust Funds  Administration  ") == "Bureau of Trust Funds  Administration"
    assert to_text(2129.0) == "2129" and to_text(4.5) == "4.5" and to_text(7) == "7" and to_text(True) == "TRUE"
    assert to_text(datetime.date(2023, 1, 5)) == "2023-01-05"
    assert to_text(datetime.datetime(2023, 1, 5, 10, 30)) == "2023-01-05 10:30:00"
    assert to_text("=HYPERLINK(\"http://x\")") == "=HYPERLINK(\"http://x\")"
    for stored in ("=1+1", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "plain", "-5", "'quoted", "'=typed so",
                   "''+twice", "'-5"):
        assert to_text(neutralize_formula(stored)) == stored, "an export's apostrophe comes off again"
    assert to_text("'-5") == "'-5", "an apostrophe before a plain number was not put there by an export"
    with pytest.raises(ValueError, match=r"hidden text-direction character \(U\+202E\)"):
        to_text("Vendor late \u202eexe.pdf")  # refused as the web forms and the API refuse it


@pytest.mark.parametrize("text, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-5", "-5"), ("-1,234.5", "-1,234.5"),
    ("+5%", "+5%"), ("'=typed so", "''=typed so"), ("'-5", "'-5"), ("'plain", "'plain"),
    ("plain text", "plain text"), ("", ""),
])
def test_neutralize_formula(text, expected):
    assert neutralize_formula(text) == expected
    assert safe_for_export(text) == expected


def test_safe_for_export_takes_off_what_a_workbook_cannot_hold_before_neutralising():
    assert safe_for_export('\x01=HYPERLINK("http://evil.example","x")') == '\'=HYPERLINK("http://evil.example","x")'
    assert safe_for_export("a\x0bb\tc\r\nd\x1f") == "ab\tc\r\nd", "tab and line breaks are kept"


def test_safe_for_export_leaves_non_text_alone():
    assert safe_for_export(-5) == -5 and safe_for_export(None) is None and safe_for_export(4.5) == 4.5


@given(st.text())
def test_export_comes_back_as_stored_and_never_starts_a_formula(text):
    once = safe_for_export(text)
    assert unneutralized(once) == UNWRITABLE.sub("", text), "importing the export gives back what was stored"
    if once.startswith(("=", "+", "-", "@", "\t", "\r")):  # only plain numbers are left as they are
        assert math.isfinite(float(once.replace(",", "").rstrip("%").strip())) or "e" in once.lower()


@pytest.mark.parametrize("raw, expected", [
    (True, True), (False, False), (1, True), (0, False), (1.0, True), ("TRUE", True), ("false", False),
    (" Yes ", True), ("no", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("x", True),
])
def test_to_bool(raw, expected):
    assert to_bool(raw) is expected


@pytest.mark.parametrize("raw", ["PARTIAL", "maybe", 2, 0.5])
def test_to_bool_refuses(raw):
    with pytest.raises(ValueError, match="not a yes/no value"):
        to_bool(raw)


@pytest.mark.parametrize("raw, expected", [
    (datetime.date(2023, 3, 15), datetime.date(2023, 3, 15)),
    (datetime.datetime(2023, 3, 15, 10, 30), datetime.date(2023, 3, 15)),
    (45000, datetime.date(2023, 3, 15)), (45000.75, datetime.date(2023, 3, 15)), ("45000", datetime.date(2023, 3, 15)),
    (1, datetime.date(1900, 1, 1)), (59, datetime.date(1900, 2, 28)), (61, datetime.date(1900, 3, 1)),
    ("2023-03-15", datetime.date(2023, 3, 15)), ("2023-03-15T10:30:00", datetime.date(2023, 3, 15)),
    ("2023-03-15 10:30", datetime.date(2023, 3, 15)), ("2023/03/15", datetime.date(2023, 3, 15)),
    ("3/15/2023", datetime.date(2023, 3, 15)), ("03/15/2023", datetime.date(2023, 3, 15)),
    ("3/15/23", datetime.date(2023, 3, 15)), ("Mar 15, 2023", datetime.date(2023, 3, 15)),
    ("15-Mar-2023", datetime.date(2023, 3, 15)),
])
def test_to_date(raw, expected):
    assert to_date(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("15/03/2023", "not a date"), ("FY2023 Q1", "not a date"), (60, "not a valid Excel date"),
    (0, "not a valid Excel date"), (-5, "not a valid Excel date"), (True, "true/false"), ("2023", "not a date"),
    ("#VALUE!", "spreadsheet error"),
])
def test_to_date_refuses(raw, message):
    with pytest.raises(ValueError, match=message):
        to_date(raw)


@given(st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)))
def test_excel_serial_round_trip(day):
    assert to_date((day - datetime.date(1899, 12, 30)).days) == day


@settings(max_examples=300)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_formatted_numbers_read_back(value):
    assert math.isclose(to_number(f"{value:,.2f}"), round(value, 2), abs_tol=0.006)
    assert math.isclose(to_number(f"${abs(value):,.2f}"), round(abs(value), 2), abs_tol=0.006)
    assert to_number(repr(value)) == value


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_integers_read_back(number):
    assert to_int(str(number)) == number and to_int(f"{number}.0") == number and to_int(float(number)) == number


def test_uncached_formula_is_an_error_in_every_normalizer():
    marker = UncachedFormula("SUM(B2:F2)", "G2")
    for normalize in (to_number, to_int, to_text, to_bool, to_date):
        with pytest.raises(ValueError, match=r"the formula =SUM\(B2:F2\) has no saved result"):
            normalize(marker)
    assert not is_missing(marker) and str(marker) == "=SUM(B2:F2)"


def test_errors():
    error = ImportFileError("The file is empty.", hint="Upload the file with the data.")
    assert (error.message, str(error)) == ("The file is empty.", "The file is empty. Upload the file with the data.")
    assert str(ImportFileError("Plain.")) == "Plain." and ImportFileError("Plain.").hint is None
    assert CellError(5, "value", datetime.date(2023, 1, 5), "bad").as_dict() == {
        "row": 5, "column": "value", "value": "2023-01-05", "message": "bad"}
    assert CellError(6, None, UncachedFormula("A1"), "x").as_dict()["value"] == "=A1"


@pytest.mark.parametrize("raw", ["Count 1", "count_1", "COUNT-1 ", "  count   1", "Count\u00a01", "count.1"])
def test_norm_name(raw):
    assert norm_name(raw) == "count 1"


def test_norm_name_edges():
    assert norm_name(None) == "" and norm_name(2023.0) == "2023" and norm_name("% Agree") == "agree"
    assert norm_name("attributes_q1_point_scale") == "attributes q1 point scale" and norm_name("Straße") == "strasse"


@given(st.text())
def test_norm_name_is_idempotent(text):
    assert norm_name(norm_name(text)) == norm_name(text)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702, 16383)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]


def test_missing_set_is_casefolded():
    assert all(token == token.strip().casefold() for token in MISSING)
