"""Map an A-11 Section 280 survey question to its CX driver by reading its text."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

DRIVERS = ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee")

# A question is placed only when its best driver scores at least this much...
_MIN_SCORE = 2
# ...and strictly more than every other driver (a tie means "cannot tell": None).

# Weights: 4 = the standard A-11 statement, 3 = an unambiguous phrase, 2 = a weaker
# signal that places a question only when nothing else competes, 1 = a hint.
# A driver's score is the best weight among its patterns that match (not a sum), so two
# standard statements pasted into one cell ("My need was addressed. It was easy to ...")
# tie and come out as None.
_STAFF = r"(?:employees?|staff|personnel|representatives?|agents?|attorneys?|decision\s+maker|person)"
_PATTERNS: dict[str, tuple[tuple[str, int], ...]] = {
    "satisfaction": (
        (r"\bi\s+(?:am|was)\s+satisfied\b", 4),
        (r"\bsatisfied\s+with\s+(?:the\s+|my\s+|your\s+)?(?:overall\s+)?(?:service|experience|visit|assistance)\b", 4),
        (r"\boverall\s+satisfaction\b", 4),
        (r"\boverall\s+(?:customer\s+service|experience)\b", 3),
        (r"\b(?:how|are\s+you|were\s+you)\s+satisfied\b", 2),
        (r"\bsatisfaction\b", 2),
        (r"\bsatisfied\b", 1),
    ),
    "trust": (
        (r"\bincreased\s+(?:my\s+)?(?:trust|confidence)\b", 4),
        (r"\b(?:trust|confidence)\s+in\b", 3),
        (r"\b(?:i|you|we)\s+(?:(?:do|can|still|really)\s+)?trust\b", 3),
        (r"\btrustworthy\b", 3),
        (r"\bconfiden(?:t|ce)\b", 2),
    ),
    "effectiveness": (
        (r"\bmy\s+needs?\s+(?:was|were)\s+addressed\b", 4),
        (r"\b(?:issue|request|problem|inquiry|question|need)s?\b(?:\s+\w+){0,3}\s+"
         r"(?:was|were|is|has\s+been)\s+resolved\b", 4),
        (r"\bresolution\s+to\s+my\b", 3),
        (r"\bresolve\s+my\s+(?:need|issue|problem|request|inquiry)", 3),
        (r"\bmet\s+my\s+needs?\b", 3),
        (r"\bneeds?\s+(?:was|were)\s+(?:met|addressed)\b", 3),
        (r"\baccomplish\s+what\b", 3),
        (r"\bable\s+to\s+successfully\b", 3),
        (r"\bable\s+to\s+(?:find\s+or\s+)?(?:complete|accomplish)\s+what\b", 3),
        (r"\banswered\s+(?:my|your)\s+questions?\b", 3),
        (r"\banswering\s+(?:my|your)\s+questions?\b", 3),
        (r"\bfound\s+(?:\S+\s+){0,5}?(?:helpful|useful)\b", 3),
        (r"\bhelped\s+me\s+(?:to\s+)?(?:do|accomplish|complete|get)\b", 3),
        (r"\bbeing\s+helpful\s+in\s+your\s+recovery\b", 3),
        (r"\beffectiveness\b", 3),
        (r"\bmeets?\s+(?:my|your)\s+(?:\w+\s+){0,3}needs\b", 2),
        (r"\buseful(?:ness)?\b", 2),
        (r"\bquality\b", 2),
    ),
    "ease": (
        (r"\beasy\s+to\s+complete\s+what\b", 4),
        (r"\b(?:easy|easier|simple)\s+to\b", 3),
        (r"\bhow\s+easy\b", 3),
        (r"\bease\s+of\b", 3),
        (r"\beasy\s+access\b", 3),
        (r"\bto\s+be\s+easy\b", 3),
        (r"\beasily\s+able\b", 3),
        (r"\bsimplicity\b", 3),
        (r"\beas(?:y|ily|e)\b", 1),
    ),
    "efficiency": (
        (r"\breasonable\s+amount\s+of\s+time\b", 4),
        (r"\bamount\s+of\s+time\b", 3),
        (r"\blength\s+of\s+time\b", 3),
        (r"\btime\s+it\s+took\b", 3),
        (r"\bhow\s+long\s+it\s+took\b", 3),
        (r"\bwait(?:ing)?\s+time\b", 3),
        (r"\btime\s*frame\b", 3),
        (r"\b(?:timely|quickly|promptly|speed)\b", 3),
        (r"\bwas\s+reasonable\b", 1),
    ),
    "transparency": (
        (r"\btreated\s+(?:me\s+)?fairly\b", 4),
        (r"\bunderstood\s+what\s+was\s+being\s+asked\b", 4),
        (r"\b(?:easy|simple)\s+to\s+understand\b", 4),
        (r"\bin\s+terms\s+i\s+could\s+understand\b", 4),
        (r"\bi\s+(?:\w+\s+)?(?:understood|understand)\b", 3),
        (r"\bbetter\s+understanding\b", 3),
        (r"\b(?:clear|clearly|clarity|clearness)\b", 3),
        (r"\btransparen(?:t|cy)\b", 3),
        (r"\b(?:equity|equitabl[ey])\b", 3),
        (r"\bi\s+(?:now\s+)?(?:know|knew)\s+(?:how|which|where|what|when)\b", 2),
        (r"\bfair(?:ly|ness)?\b", 2),
    ),
    "employee": (
        (
            rf"\b{_STAFF}\b[^.?:;]{{0,60}}?\b(?:helpful|helpfulness|courteous|courtesy|professional|professionalism"
            r"|friendly|respect|knowledge|knowledgeable|committed|able\s+to\s+understand)\b",
            4,
        ),
        (rf"\b{_STAFF}'s\s+(?:ability|knowledge)\b", 4),
        (rf"\b(?:courtesy|helpfulness|professionalism|knowledge|ability)\s+of\s+the\s+(?:\w+\s+){{0,3}}{_STAFF}\b", 4),
        (r"\b(?:courteous|courtesy|professionalism|friendly|knowledgeable|humanity|caring)\b", 3),
        (r"\binterest\s+in\s+helping\b", 3),
        (r"\bprofessional\b", 2),
    ),
}
_COMPILED = {driver: tuple((re.compile(p), w) for p, w in pats) for driver, pats in _PATTERNS.items()}

_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": " ... ",
                        "\u2013": "-", "\u2014": "-"})


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    return re.sub(r"\s+", " ", text).strip().lower()


def _strip_names(text: str, names: Iterable[str]) -> str:
    cleaned = sorted({_normalize(n) for n in names if isinstance(n, str)}, key=len, reverse=True)
    for name in cleaned:
        if len(name) < 2:
            continue
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in name.split(" ")) + r"(?!\w)"
        text = re.sub(pattern, " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _scores(text: str) -> dict[str, int]:
    scores = {}
    for driver, patterns in _COMPILED.items():
        best = max((w for rx, w in patterns if rx.search(text)), default=0)
        if best:
            scores[driver] = best
    return scores


# Cells sometimes hold several statements ("My need was addressed.  It was easy to ...",
# "1. ... 2. ..."): split at a sentence end followed by a capital, a digit or a quote.
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9\"'\u201c\u2018(\[<])")


def _place(text: str) -> str | None:
    scores = _scores(text)
    if not scores:
        return None
    top = max(scores.values())
    winners = [d for d, s in scores.items() if s == top]
    if top < _MIN_SCORE or len(winners) != 1:
        return None
    return winners[0]


def classify_question(text: str, *, context_names: Iterable[str] = ()) -> str | None:
    """Return the A-11 driver a question measures, or None when it cannot be placed confidently.

    ``context_names`` are the organization / provider / service names of the row; they are
    removed from the text first so that e.g. "Bureau of Trust Funds Administration" or
    "Employee Benefits Security Administration" cannot decide the driver.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    names = tuple(context_names)
    parts = [p for p in _SENTENCE_BREAK.split(text.strip()) if p.strip()]
    if len(parts) > 1:
        placed = {_place(_strip_names(_normalize(p), names)) for p in parts} - {None}
        if len(placed) > 1:  # two statements measuring different drivers in one cell
            return None
    return _place(_strip_names(_normalize(text), names))


def classify_questions(texts: Iterable[str], *, context_names: Iterable[str] = ()) -> dict[str, str | None]:
    """Classify many question texts at once: {text: driver or None}."""
    names = tuple(context_names)
    return {text: classify_question(text, context_names=names) for text in texts}
