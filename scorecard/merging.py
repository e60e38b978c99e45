"""What a save that meets someone else's newer save keeps: each field of the form merged three ways,
from how it was opened, how it is saved now and what the person sent. A field the person changed keeps
their value, every other takes the saved one; a field whose opening is not known (a form that carried
none, or an altered one) keeps the person's value and is shown as changed by both, so nothing is
credited to either. The commitment form and the capacity assessment both merge so."""
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldMerge:
    field: str
    merged: Any            # the value the form holds again
    opened: Any            # as the form was opened (None where not `known`)
    known: bool            # whether how the field was opened is known
    theirs_changed: bool
    yours_changed: bool
    shown: bool            # worth showing side by side: someone else changed it, or the two versions disagree


def three_way(fields, opened: dict, saved: dict, yours: dict) -> list[FieldMerge]:
    """One FieldMerge for each of `fields` (keys of `saved` and `yours`; `opened` may lack any)."""
    found = []
    for f in fields:
        if f not in opened:
            found.append(FieldMerge(f, yours[f], None, False, True, True, yours[f] != saved[f]))
            continue
        was = opened[f]
        mine, theirs = yours[f] != was, saved[f] != was
        found.append(FieldMerge(f, yours[f] if mine else saved[f], was, True, theirs, mine,
                                theirs or (mine and yours[f] != saved[f])))
    return found
