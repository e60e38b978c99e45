"""The one rule for which survey question answers which A-11 driver, for every layout.

A-11 Section 280 surveys (before FY2024 Q2) ask seven standard statements in a fixed order,
and performance.gov publishes each *slot* as its driver whatever the wording:

    q1 satisfaction, q2 trust, q3 effectiveness, q4 ease, q5 efficiency, q6 transparency, q7 employee

The rule, applied to one survey (one service, channel, touchpoint and quarter):

1. A survey answers each driver **at most once**; the driver of a question is its slot.
2. The one exception: a question whose wording is unmistakably *another* driver's standard
   statement (IRS FY2021-Q2 asked trust in q1 and satisfaction in q2) is counted under the
   driver its wording names — the wording wins — unless that driver's own slot holds its
   standard statement already. A question displaced that way is not pooled.
3. Questions beyond the seven slots (q8..q11) are never pooled into a driver score.
4. A question whose wording is not its driver's standard statement is kept under the driver,
   marked **non-standard wording** (derived from the question text wherever it is shown).
5. A slot with a question but no answer counts (the wording often a placeholder: "NONE", "No
   Question") is *reported without counts*: kept, never a score. Answer counts under a blank
   or placeholder question are still that slot's answers.

Layouts call `assign_drivers` with the slots they hold (the trust-flattened file holds slot 2
only), so both performance.gov layouts give the same driver for the same published question.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

SLOT_DRIVERS: dict[int, str] = {
    1: "satisfaction", 2: "trust", 3: "effectiveness", 4: "ease", 5: "efficiency", 6: "transparency", 7: "employee",
}
DRIVER_SLOTS = {driver: slot for slot, driver in SLOT_DRIVERS.items()}
PLACEHOLDERS = frozenset({"none", "no question", "n/a", "na"})

# The standard A-11 statements, as providers write them (the agency or service named inside
# varies; the statement does not). Anything else is non-standard wording.
_STAFF = r"(?:employees?|personnel|staff|representatives?|attorneys?|agents?)"
_STANDARD = {
    "satisfaction": r"\bi (?:am|was) (?:very )?satisfied with\b",
    "trust": r"\bincreased my (?:trust|confidence)\b",
    "effectiveness": (r"\bmy (?:need|needs|issue|request|problem) (?:was|were|has been|have been) "
                      r"(?:addressed|resolved)\b"),
    "ease": r"\beasy to (?:find or )?complete what\b",
    "efficiency": r"\btook a reasonable amount of time\b",
    "transparency": r"\bi was treated fairly\b|\bi understood what was being asked of me\b",
    "employee": rf"\b{_STAFF}(?: (?:i|that i|who) (?:interacted|spoke|dealt|worked) with)? (?:was|were) helpful\b",
}
_COMPILED = {driver: re.compile(pattern) for driver, pattern in _STANDARD.items()}
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(_PUNCT).lower().split())


@lru_cache(maxsize=4096)
def is_placeholder(text: Optional[str]) -> bool:
    """True for an empty question or the placeholders providers type instead of one (kept per text, as
    `standard_driver` is: a page asks it of every question of hundreds of points, 30 µs each)."""
    return text is None or _normalize(text).rstrip(".") in PLACEHOLDERS or not text.strip()


@lru_cache(maxsize=4096)
def standard_driver(text: Optional[str]) -> Optional[str]:
    """The driver whose standard statement `text` is — exactly one, else None (two statements
    pasted into one cell name no single driver)."""
    if is_placeholder(text):
        return None
    normalized = _normalize(text)
    found = [driver for driver, pattern in _COMPILED.items() if pattern.search(normalized)]
    return found[0] if len(found) == 1 else None


def is_non_standard_wording(driver: Optional[str], text: Optional[str], period=None) -> bool:
    """True when a question stored under `driver` is not that driver's standard statement.
    Unknown wording (no question text), metrics without a driver and results of the v2 survey (from
    FY2024-Q2, given `period`: it asks its own trust question, not v1's statements) are never marked."""
    if not driver or is_placeholder(text):
        return False
    if period is not None:
        from scorecard.a11 import asked_in_v2

        if asked_in_v2(period):
            return False
    return standard_driver(text) != driver


@dataclass(frozen=True)
class SlotQuestion:
    """One question of a survey as published: its slot (1..11), wording and answer counts."""

    slot: int
    text: Optional[str]
    counts: Optional[Sequence[int]]

    @property
    def has_counts(self) -> bool:
        return bool(self.counts) and any(self.counts)

    @property
    def asked(self) -> bool:
        """Published at all: some wording (a placeholder counts) or some answers."""
        return bool(self.text and self.text.strip()) or self.has_counts


@dataclass(frozen=True)
class DriverAnswer:
    """What the rule made of one question: the driver it answers (None: not pooled) and why."""

    question: SlotQuestion
    driver: Optional[str]
    note: Optional[str] = None  # swapped | non-standard wording | not pooled | reported without counts

    @property
    def reported_without_counts(self) -> bool:
        return self.driver is not None and not self.question.has_counts


NOTE_SWAPPED = "swapped"
NOTE_NON_STANDARD = "non-standard wording"
NOTE_NOT_POOLED = "not pooled"
NOTE_NO_COUNTS = "reported without counts"
NOTE_NOT_ASKED = "not asked"  # a survey row whose questions all have no text and no answers


def assign_drivers(questions: Sequence[SlotQuestion]) -> list[DriverAnswer]:
    """Apply the rule to the questions one survey published; returns one answer per question
    asked, in slot order. No two answers share a driver."""
    asked = sorted((q for q in questions if q.asked), key=lambda q: q.slot)
    by_slot = {q.slot: q for q in asked}
    wording = {q.slot: standard_driver(q.text) for q in asked}

    taken: dict[str, SlotQuestion] = {}
    swapped: set[int] = set()
    # The exception first: a standard statement of another driver claims that driver, unless
    # the driver's own slot already holds its standard statement (or another claim came first).
    for q in asked:
        own, says = SLOT_DRIVERS.get(q.slot), wording[q.slot]
        if own is None or says is None or says == own or says in taken:
            continue
        holder = by_slot.get(DRIVER_SLOTS[says])
        if holder is not None and wording[holder.slot] == says:
            continue
        taken[says] = q
        swapped.add(q.slot)

    answers = []
    for q in asked:
        if q.slot in swapped:
            driver = next(d for d, holder in taken.items() if holder is q)
            answers.append(DriverAnswer(q, driver, NOTE_SWAPPED))
            continue
        own = SLOT_DRIVERS.get(q.slot)
        if own is None or own in taken:
            answers.append(DriverAnswer(q, None, NOTE_NOT_POOLED))
            continue
        taken[own] = q
        answer = DriverAnswer(q, own)
        if answer.reported_without_counts:
            answer = DriverAnswer(q, own, NOTE_NO_COUNTS)
        elif is_non_standard_wording(own, q.text):
            answer = DriverAnswer(q, own, NOTE_NON_STANDARD)
        answers.append(answer)
    return answers
