"""Names that tell records apart. Two records a page lists may share a name (two agencies' "Retirement
Services", three programs called "Contact Center", three leaders called "Pat Smith"): named alike they read as
one, and a user acts on the wrong one or reads one's number as the other's. Each record is named by its name and
as many of its qualifiers, in order (a program's component, then that component's agency), as it takes to tell it
from the records that share its name; a name no other record has is given alone, as before."""
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Optional


def told_apart(records: Mapping[Hashable, Sequence[Optional[str]]]) -> dict[Hashable, tuple[str, ...]]:
    """{key: (name, qualifier, ...)} -> {key: the name and the qualifiers it needs}. Names are compared as a
    person reads them (case and spacing aside); a qualifier that is None or blank is passed over."""
    parts = {key: tuple(str(p) for p in values if p is not None and str(p).strip()) for key, values in records.items()}
    depth = dict.fromkeys(parts, 1)
    while True:
        alike: dict[tuple, list] = defaultdict(list)
        for key, values in parts.items():
            alike[tuple(_read(value) for value in values[:depth[key]])].append(key)
        grew = False
        for keys in alike.values():
            if len(keys) < 2:
                continue
            for key in keys:
                if depth[key] < len(parts[key]):
                    depth[key] += 1
                    grew = True
        if not grew:
            return {key: values[:depth[key]] for key, values in parts.items()}


def _read(text: str) -> str:
    return " ".join(text.split()).casefold()

