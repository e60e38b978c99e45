"""`WholeNumberField` as the forms use it, on what people type: one message for each kind of wrong value,
an empty one left to the validators (required, or optional: no value), a huge one named."""
import pytest

from scorecard.api.forms import NewTokenForm
from scorecard.plans.forms import DecisionForm

REQUIRED = "This field is required."


@pytest.mark.parametrize("typed, said, read", [
    ("", [REQUIRED], None),
    ("   ", [REQUIRED], None),  # spaces are no value: not "Not a valid integer value" and a range beside it
    ("abc", ["Not a valid integer value: “abc” was sent."], None),  # the value named, as every form names it
    ("2.5", ["Not a valid integer value: “2.5” was sent."], None),
    ("0", ["Number must be between 1 and 5: “0” was sent."], 0),  # the value named, as every form names it
    ("5", None, 5),
    (" 5 ", None, 5),  # the spaces typed around it
    # int() reads these as 10, 3 and 3: nobody typed those numbers here
    ("1_0", ["'1_0' is not a number this field takes: write it with the digits 0-9"], None),
    # what the field takes is its range: "0 or more" was said of a rating from 1 to 5 (and 0 then refused too)
    ("+3", ["'+3' is not a number this field takes: it takes a whole number from 1 to 5, written without a "
            "sign"], None),
    ("-1", ["'-1' is not a number this field takes: it takes a whole number from 1 to 5, written without a "
            "sign"], None),
    ("\uff13", ["'\uff13' is not a number this field takes: write it with the digits 0-9"], None),
    # beyond any integer column: said by the field's own range (it was "it is larger than 2,147,483,647")
    ("99999999999999999999", ["'99999999999999999999' is not a number this field takes: it takes a whole number "
                              "from 1 to 5"], None),
])
def test_a_required_rating(app, typed, said, read):
    with app.test_request_context(method="POST", data={"rating": typed, "justification": "x"}):
        form = DecisionForm(meta={"csrf": False})
        form.validate()
        assert (form.errors.get("rating"), form.rating.data) == (said, read)


@pytest.mark.parametrize("typed, said, read", [
    ("", None, None),  # "leave empty for never"
    ("  ", None, None),
    ("abc", ["Not a valid integer value: “abc” was sent."], None),
    ("0", ["Number must be between 1 and 3650: “0” was sent."], 0),
    ("-1", ["'-1' is not a number this field takes: it takes a whole number from 1 to 3650, written without a "
            "sign"], None),
    ("90", None, 90),
])
def test_an_optional_expiry(app, typed, said, read):
    with app.test_request_context(method="POST", data={"expires_days": typed, "name": "job", "scope": "read"}):
        form = NewTokenForm(meta={"csrf": False})
        form.validate()
        assert (form.errors.get("expires_days"), form.expires_days.data) == (said, read)


@pytest.mark.parametrize("typed, read", [
    ("1", 1), ("007", 7), ("999999999", 999_999_999),
    ("0", None), ("000", None), ("1234567890", None), ("²", None), ("٣", None), ("５", None),
    ("+3", None), ("-1", None), ("1.0", None), ("1_0", None), (" 3", None), ("", None),
])
def test_a_page_or_id_in_an_address(typed, read):
    """The audit log's and a rule's findings' addresses read a page (and the log an object id) alike."""
    from scorecard.fields import counting_number

    assert counting_number(typed) == read
