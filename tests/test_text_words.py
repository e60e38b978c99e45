"""How the pages put things into words (scorecard.text): counts with their nouns and several things named
in one sentence, written once for every page, export and message."""
import pytest

from scorecard.a11 import driver_names
from scorecard.text import counted, listed


@pytest.mark.parametrize(("items", "sentence"), [
    ([], ""), (["trust"], "trust"), (["trust", "ease"], "trust and ease"),
    (["trust", "ease", "quality"], "trust, ease and quality"),
])
def test_several_things_are_named_in_one_sentence(items, sentence):
    assert listed(items) == sentence and listed(iter(items)) == sentence


def test_drivers_are_named_by_their_names_in_a_sentence():
    assert driver_names(["satisfaction", "ease", "helpfulness"]) == "satisfaction, ease / simplicity and helpfulness"


def test_a_count_carries_its_noun():
    assert (counted(1, "plan"), counted(2000, "plan"), counted(3, "agency", "agencies")) == (
        "1 plan", "2,000 plans", "3 agencies")
