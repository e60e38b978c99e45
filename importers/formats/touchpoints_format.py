"""GSA Touchpoints A-11 v2 responses: one row per survey response, as Touchpoints exports them.

Columns (Touchpoints `to_a11_v2_csv`): `external_id, question_1, positive_<aspect>...,
negative_<aspect>..., question_4` over the aspects effectiveness, ease, efficiency, transparency,
humanity, employee and other. `question_1` is the trust question: a thumbs up/down (1 / 0) on the
standard A-11 v2 form, or an answer from 1 to 5. A `positive_*` / `negative_*` cell is 1 when the
respondent chose that aspect as what went well / what could be improved, 0 when it was offered
and not chosen, and "null" when the form did not offer it. `question_4` is free text and is not
stored. The file names no program or period: both are chosen at upload, and the sink
(importers/sinks/touchpoints.py) aggregates the responses into observations.

The scale of `question_1` may be chosen at upload too (option `trust_scale`: TRUST_THUMBS or
TRUST_FIVE); without it the sink reads it from the answers and says which it assumed, with a
warning when the file cannot tell (every answer is 1).
"""
from numbers import Real

from importers.errors import UncachedFormula
from importers.formats.base import Column, Format
from importers.formats.cells import Cells
from importers.normalize import is_missing
from scorecard.a11 import V2_ASPECTS

POLARITIES = ("positive", "negative")
FLAG_COLUMNS = tuple(f"{polarity}_{aspect}" for polarity in POLARITIES for aspect in V2_ASPECTS)
THUMBS_UP, THUMBS_DOWN = "up", "down"
TRUST_THUMBS, TRUST_FIVE = "thumbs", "five"  # the `trust_scale` option: thumbs up / down, or 1 to 5
TRUST_SCALES = (TRUST_THUMBS, TRUST_FIVE)

_FLAG_HELP = "1 = chosen, 0 = offered and not chosen, null = not offered"
_FLAG_ERROR = "expected 1 (chosen), 0 (offered, not chosen) or null (not offered)"
_ANSWER_ERROR = "expected an answer from 1 to 5, or a thumbs up / down (1 / 0, yes / no), or null"
_THUMBS = {"yes": THUMBS_UP, "no": THUMBS_DOWN}


def _whole(raw):
    """The whole number a numeric cell or a text such as "1" or "4.0" holds, else None."""
    if raw.__class__ is bool:
        return None
    if isinstance(raw, Real):
        return int(raw) if float(raw).is_integer() else None
    try:
        number = float(raw.strip()) if isinstance(raw, str) else None
    except ValueError:
        return None
    return int(number) if number is not None and number.is_integer() else None


def to_flag(raw):
    """One `positive_*` / `negative_*` cell: 1, 0, or None (not offered)."""
    if isinstance(raw, UncachedFormula):
        raise ValueError(raw.message)
    if is_missing(raw):
        return None
    value = _whole(raw)
    if value not in (0, 1):
        raise ValueError(_FLAG_ERROR)
    return value


def to_answer(raw):
    """A `question_1` cell: 1-5, THUMBS_UP / THUMBS_DOWN (0, yes, no), or None (not answered).
    A 1 is a thumbs up on a thumbs file and a 1 on a 1-5 file: the sink decides per file."""
    if isinstance(raw, UncachedFormula):
        raise ValueError(raw.message)
    if is_missing(raw):
        return None
    if isinstance(raw, str) and raw.strip().casefold() in _THUMBS:
        return _THUMBS[raw.strip().casefold()]
    value = _whole(raw)
    if value == 0:
        return THUMBS_DOWN
    if value is None or not 1 <= value <= 5:
        raise ValueError(_ANSWER_ERROR)
    return value


def touchpoints_records(row: dict, options: dict) -> list[dict]:
    """One response: its id, its question_1 answer and its aspect flags (in FLAG_COLUMNS order)."""
    cells = Cells(row)
    answer = cells._read("question_1", to_answer)
    flags = tuple(cells.many(FLAG_COLUMNS, to_flag))
    response = row.get("external_id")
    cells.done()
    return [{"response": None if is_missing(response) else str(response).strip(), "question_1": answer,
             "flags": flags}]


TOUCHPOINTS = Format(
    name="touchpoints-a11-v2",
    title="GSA Touchpoints A-11 v2 responses",
    sink="touchpoints",
    columns=(
        Column("external_id", help="Touchpoints' id of the response."),
        Column("question_1", required=True,
               help="The trust question: thumbs up / down (1 / 0) or an answer from 1 to 5."),
        *(Column(name, help=_FLAG_HELP) for name in FLAG_COLUMNS),
        Column("question_4", help="Open text; not stored."),
    ),
    signature=("question_1", "positive_effectiveness", "negative_effectiveness"),
    key=("external_id",),
    records=touchpoints_records,
    options=("program", "period"),
    optional_options=("touchpoint", "trust_scale"),
    description="One row per response to a Touchpoints A-11 v2 form, aggregated at upload into the "
                "program and fiscal quarter you choose: answer counts for the trust question, and for each "
                "aspect the % of respondents offered it who chose it. The trust question's scale (thumbs up / "
                "down or 1 to 5) can be chosen at upload; otherwise it is read from the answers.",
)
