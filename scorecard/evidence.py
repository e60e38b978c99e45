"""Evidence links: the one check of a web address given as evidence, for a commitment (its form, the API, a
spreadsheet) and for a capacity assessment's domain (its form, a spreadsheet), and the words that refuse
them: every bad link named at once, each quoted to 60 characters (25 long lines quoted whole made a page of
778 KB), what a link must be said once.

Links typed in one text are read one way wherever they are typed (`split_links`: a commitment's box, a
spreadsheet's cell; a capacity form's lines each read so); each caller keeps its own limit of how many, and
what makes one link good, and how long they may be together (`too_long`), is here alone."""
import re
import unicodedata
from typing import Optional
from urllib.parse import urlsplit

from scorecard.text import look_alike_site

MAX_LINK_LENGTH = 2_000
# The links of one commitment or domain, written one per line, fit one spreadsheet cell: the downloads write them in
# one, and Excel's (openpyxl's) cell keeps at most 32,767 characters, cutting the rest without a word (20 links of
# 2,000 characters came back from a round trip as 17, the last one cut).
MAX_LINKS_TEXT = 32_767
NOT_A_LINK = "is not a web address"
WHAT_A_LINK_IS = "start with http:// or https:// and name a site, e.g. https://www.performance.gov/cx/"
QUOTED_LENGTH = 60

# a second web address straight after a letter or digit of the first, in any script (an international
# site's name, a path's é): two links pasted without a line between (an address carried inside one, as the
# Web Archive's /2024/https://... or ?url=https://..., follows a mark)
_RUN_TOGETHER = re.compile(r"(?i)(?:(?<=[^\W_])|(?<=[,，；]))https?://")  # or after a comma: a list pasted
# or straight after a comma or a semicolon (any width) in the site's name: "https://c.gov,https://d.gov"
_LISTED_TOGETHER = re.compile(r"(?i)^https?://[^/?#]*[,;，；]https?://")


# Between links typed in one text (a form's box, a spreadsheet's cell): spaces and line breaks, and semicolons before
# them, before the end or before another web address ("a; b", "a;", "a;https://b"); a semicolon inside an address
# (";jsessionid=...") is the address's. The form split at spaces alone (keeping "a;"), a file at every semicolon
# too (refusing a download that held such an address).
_BETWEEN_LINKS = re.compile(r"(?i);*\s+|;+(?=https?://|$)")


def split_links(text: Optional[str], kept=frozenset()) -> list[str]:
    """The links typed in one text, in order (as every way in reads them: `_BETWEEN_LINKS`); a line that is a link
    `kept` (stored before this reading: "https://y.gov/p;") is that link, whole, so that saving what is stored
    changes nothing."""
    found = []
    for line in (text or "").splitlines():
        if line.strip() in kept:
            found.append(line.strip())
        else:
            found += [piece for piece in _BETWEEN_LINKS.split(line) if piece]
    return found


def too_long(links) -> Optional[str]:
    """The words refusing links that, one per line, would not fit one spreadsheet cell (`MAX_LINKS_TEXT`)."""
    length = sum(len(link) for link in links) + max(len(links) - 1, 0)
    if length <= MAX_LINKS_TEXT:
        return None
    return (f"the links come to {length:,} characters written one per line, and at most {MAX_LINKS_TEXT:,} fit in "
            "the one spreadsheet cell the downloads write them in: drop a link or shorten one")


def quoted(link: str) -> str:
    """A link as a message quotes it: to 60 characters, an ellipsis after a longer one."""
    return f"{link[:QUOTED_LENGTH]!r}{'…' if len(link) > QUOTED_LENGTH else ''}"


def is_web_address(text: str) -> bool:
    """Whether `text` is an http or https address naming a site (with a port, if any, that is a port):
    what a page may draw as a link."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 — a port beyond 65535 (or not a number) raises here
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and _a_site(parts)


def _a_site(parts) -> bool:
    """Whether the address names a site, and one site: a name holding a comma or a semicolon (of any width) was two
    addresses run together ("https://c.gov,https://d.gov" named the site "c.gov,https"), drawn as a link that
    leads nowhere. (What else a name may not hold, a space or an invisible character, link_problem says.)"""
    return bool(parts.hostname) and not any(mark in parts.hostname for mark in ",;，；")


def link_problem(link: str, *, characters: bool = True, stored=frozenset()) -> Optional[str]:
    """Why `link` is refused as evidence, quoting it; None when it is a good one.

    Beyond its length and being a web address, a link changed is refused for a space, a control or an invisible
    character (a zero-width space makes a link that looks right and leads elsewhere), for two addresses run
    together, and for a site's name that looks like another's (`text.look_alike_site`). Those later checks are
    not made of a link `stored` already, nor where `characters` is False (a spreadsheet's reader: the links that
    change are checked where they are saved): a link kept from before them must not block the rest of a save."""
    if len(link) > MAX_LINK_LENGTH:
        return f"{quoted(link)} is longer than {MAX_LINK_LENGTH:,} characters"
    if not is_web_address(link):
        if _LISTED_TOGETHER.search(link):
            return f"{quoted(link)} runs two web addresses together: put each evidence link on its own line"
        return f"{quoted(link)} {NOT_A_LINK}"
    if not characters or link in stored:
        return None
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in link):
        # The web forms and a spreadsheet split links at spaces or lines: one holding a space could not be saved
        # again as it is.
        return (f"{quoted(link)} holds a space, a control or an invisible character: each evidence link is one web "
                "address (write a space in it as %20)")
    if _RUN_TOGETHER.search(link, 1):
        return f"{quoted(link)} runs two web addresses together: put each evidence link on its own line"
    read = split_links(link)
    if read != [link]:  # a list's item (the API's): as it would be read back from a form or a file
        said = "two links" if len(read) > 1 else "a link without its final semicolon"
        return (f"{quoted(link)} would be read as {said} wherever links are typed in one text (a semicolon before "
                "a space, the end or another web address separates them): give each link on its own")
    return look_alike_site(link)


def refusal(problems: list[str], noun: str = "link") -> str:
    """`problems` (at least one) said at once: one as it is, more counted ("2 lines are refused: line 1: ...;
    line 5: ..."), and after any address that is no web address, what each `noun` must be, once."""
    said = problems[0] if len(problems) == 1 else f"{len(problems)} {noun}s are refused: " + "; ".join(problems)
    if any(NOT_A_LINK in problem for problem in problems):
        said += f"; each {noun} must {WHAT_A_LINK_IS}"
    return said


def too_many(count: int, limit: int) -> Optional[str]:
    """"at most 20 links, not 21" when `count` links are more than `limit`; else None."""
    return f"at most {limit} links, not {count}" if count > limit else None
