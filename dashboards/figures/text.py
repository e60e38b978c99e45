"""Text as Plotly draws it. Plotly reads a subset of HTML in every title, axis label, cell and hover
(<b>, <br>, <a href>, <span style> and entities), so a name, question or file name as stored goes in
escaped (`plain`) and shows as written; long text goes in on short lines (`wrapped`)."""
import html
import math
import re
from functools import lru_cache
from typing import Optional

HOVER_CHARS = 40  # a hover's line: a phone's screen (390 px) shows it whole


def plain(text) -> str:
    """`text` as stored, escaped for Plotly: "<b>" shows as "<b>", "&" as "&"."""
    return html.escape(str(text), quote=False)


@lru_cache(maxsize=8192)  # a quarter's cells repeat their questions, batches and names
def wrapped(text: str, width: int = HOVER_CHARS, most: Optional[int] = None) -> str:
    """`text` escaped (`plain`) on lines of `width` characters (words kept whole; a longer word on its
    own line), at most `most` lines with "…" after the last when it is cut. Written out: textwrap took a
    third of the heatmap's answer for its 14,000 hover lines."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    cut = most is not None and len(lines) > most
    shown = "<br>".join(plain(part) for part in (lines[:most] if cut else lines))
    return shown + "…" if cut else shown


def cut_in_the_middle(text: str, width: int) -> str:
    """`text` escaped (`plain`) on one line of at most `width` characters: a longer one keeps its start and its
    end about an "…". A name told from a namesake ends with what tells it apart ("Retirement Services,
    Department of Labor"; "…, Office of Personnel Management"): cut at its end, two rows read alike."""
    text = " ".join(text.split())
    if len(text) <= width:
        return plain(text)
    tail = (width - 1) * 3 // 5
    return plain(text[:width - 1 - tail].rstrip()) + "…" + plain(text[-tail:].lstrip())


# What a character of the charts' font takes, in ems, by kind (Source Sans Pro's widths, rounded up so that a
# fallback font, Helvetica or Arial, still fits): a name in capitals runs a third wider than in lower case.
_WIDE, _CAPITAL, _NARROW, _SPACE, _OTHER = 0.95, 0.7, 0.32, 0.28, 0.58
_NARROWS = set("ijlItfr.,:;'!|()[]")
# A line of a title or label in a font size of its own: its size and its (escaped, `plain`) text
SIZED = re.compile(r"<span style='font-size:(\d+)px'>([^<]*)</span>")
_TAG = re.compile(r"<[^>]+>")


def _ems(text: str) -> float:
    return sum(_WIDE if c in "WMmw@%" else _CAPITAL if c.isupper() else _NARROW if c in _NARROWS
               else _SPACE if c == " " else _OTHER for c in text)


def labels_width(labels, size: int) -> int:
    """The width in px of the longest line of Plotly tick labels at font `size` (a line in a smaller
    `<span style='font-size:..px'>` at its own), estimated from its characters: a y-axis's margin set
    from it, not by Plotly's automargin, which measures every label in the browser and draws the chart
    again for each change (at 500 programs the heatmap held the page still for 12 s, 4 s without it)."""
    widest = 0.0
    for label in labels:
        for line in label.split("<br>"):
            sized = SIZED.fullmatch(line)
            px = int(sized.group(1)) if sized else size
            widest = max(widest, _ems(html.unescape(_TAG.sub("", line))) * px)
    return math.ceil(widest)
