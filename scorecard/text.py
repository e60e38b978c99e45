"""Characters no text column keeps: NUL (PostgreSQL's text refuses it; SQLite would keep it and
cut the text short in most readers), an unpaired surrogate (a JSON escape such as "\\ud800",
which is not a character and cannot be written as UTF-8), and the other C0 control characters but
tab, the line breaks and Word's (`line_breaks`): no workbook can hold them, so an export would fail on
one, or drop it and let what follows it read as a formula. DEL and the C1 controls (U+007F to U+009F)
too: no box shows them, a terminal reading a log or an export takes U+009B for the start of an escape
and U+0085 for a line break. Every way in refuses them, naming the
field: forms and query strings (scorecard.security), JSON bodies (scorecard.json_bodies), the API's
texts (scorecard.api.schemas), imported cells (importers.normalize) and rule definitions
(scorecard.rules.schema). So are the bidirectional controls (`bidi_problem`), which a column keeps
but which make a text read other than it is stored. A text of one line (a title) refuses the line breaks
and every other control character as well (`UNKEPT_ON_ONE_LINE`)."""
import contextlib
import json
import re
import unicodedata
from typing import Optional

UNKEPT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Every line break but "\n": the vertical tab and the form feed (a line break and a page break as Word puts them on
# the clipboard: Shift+Enter is a vertical tab), Windows' "\r\n" and a lone "\r". Not refused: every way in
# (forms, the API, imported cells) reads them as "\n" (`line_breaks`). A text box sends "\r\n"; a CSV cell or a
# JSON text kept its "\r", which an Excel export does not give back (its re-import read as a change).
BREAKS = re.compile("\r\n?|[\x0b\x0c]")


def line_breaks(value):
    """A text with every line break as "\\n" (Word's line and page breaks, "\\r\\n" and "\\r"); anything else
    as it is."""
    return BREAKS.sub("\n", value) if isinstance(value, str) and BREAKS.search(value) else value


def as_the_box_counted(value):
    """A text box's text with each line break one character, as the box's maxlength counted it (a browser
    sends a line break as "\\r\\n"): for a field whose length limit the page states with maxlength."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# Bidirectional controls: kept by every column, but they make a text read other than it is stored
# ("invoice\u202efdp.exe"). Every way in refuses them too: forms (scorecard.security), the API's
# texts (scorecard.api.schemas), imported cells (importers.normalize), rule definitions.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_problem(value) -> Optional[str]:
    """'U+202E' when `value` holds a bidirectional control character, else None."""
    if not isinstance(value, str):
        return None
    found = BIDI_CONTROLS.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


# A rule definition is JSON typed by hand: a vertical tab or form feed in it is an escape written on
# purpose (`\\u000b`), not a pasted line break, so it is refused there with the rest.
UNKEPT_OR_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# A text of one line (a commitment's title): the line breaks, the tab and the other control characters
# (C0, DEL, C1) too, and Unicode's line and paragraph separators. A text box shows none of them, and a
# browser's one-line box drops the line breaks, so the next save of the form would change the text unseen.
UNKEPT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
LINE_BREAKS = frozenset({"U+000A", "U+000D", "U+2028", "U+2029"})


def unkept_character(value, pattern: re.Pattern = UNKEPT) -> Optional[str]:
    """'U+0000' when the text `value` holds a character no text column keeps (`pattern`), else None."""
    if not isinstance(value, str):
        return None
    found = pattern.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def json_nodes(document):
    """(path, node) for every node of a parsed JSON document, depth first, each object or list before what
    it holds; `path` (keys and indexes: [0, "notes"]) is one list kept up to date as the walk goes, so copy
    it to keep it. One path and one iterator a level open: the walk costs memory as deep as the document,
    not as large (a path copied for every node made a 60 kB body, a wide array nested 900 deep, take 216 MB
    whatever it held)."""
    path: list = []
    yield path, document
    if not isinstance(document, (dict, list)):
        return
    open_levels = [_children(document)]
    while open_levels:
        for step, child in open_levels[-1]:
            path.append(step)
            yield path, child
            if isinstance(child, (dict, list)):
                open_levels.append(_children(child))
                break
            path.pop()
        else:
            open_levels.pop()
            if path:  # the level closed was an object's or a list's in another: its step goes
                path.pop()


def _children(node):
    return iter(node.items() if isinstance(node, dict) else enumerate(node))


def unkept_in(document, pattern: re.Pattern = UNKEPT) -> Optional[tuple[list, str]]:
    """(path, code) of a text (a value or a key) in a parsed JSON document holding such a character,
    the path as keys and indexes ([0, "notes"]); None when there is none."""
    for path, node in json_nodes(document):
        if isinstance(node, str):
            code = unkept_character(node, pattern)
            if code:
                return list(path), code
        elif isinstance(node, dict):
            for key in node:
                code = unkept_character(key, pattern)
                if code:
                    return [*path, key], code
    return None


def unkept_field(values) -> Optional[tuple[str, str]]:
    """(name, code) of the first field of a query string or form (a MultiDict) whose name or a value
    holds such a character; None when none does."""
    for name, given in values.lists():
        for text in (name, *given):
            code = unkept_character(text)
            if code:
                return name, code
    return None


def shown(value, pattern: re.Pattern = UNKEPT):
    """A text as a message may quote it: each such character (`pattern`) written as its escape ("a\\u0000b")."""
    if not isinstance(value, str):
        return value
    return pattern.sub(lambda found: f"\\u{ord(found.group()):04x}", value)


SHOWN_AT_MOST = 500  # characters of one value a page lists (a value an import refused)


def cut(value, limit: int = SHOWN_AT_MOST):
    """A value as a page lists it: a text longer than `limit` cut there, saying how long it was (a refused
    cell of 32,767 characters was printed whole, twice); other values as they are."""
    if not isinstance(value, str) or len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"


def words(code: str) -> str:
    """What the character is, for a message."""
    if code == "U+0000":
        return "a NUL character (U+0000)"
    if code in LINE_BREAKS:
        return f"a line break ({code})"
    if code == "U+0009":
        return "a tab (U+0009)"
    if int(code[2:], 16) < 0x20 or 0x7F <= int(code[2:], 16) <= 0x9F:
        return f"a control character ({code})"
    return f"an unpaired surrogate ({code}), not a character"


# Characters that draw nothing and mean nothing in a name: the zero-width space, the word joiner and
# the invisible operators, the Mongolian vowel separator, the byte-order mark, the soft hyphen and the
# left-to-right and right-to-left marks. (Not the zero-width joiner and non-joiner: they spell words in
# Persian and Indic scripts and join emoji.)
INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200e\u200f\u2060-\u2064\ufeff]")


def visible(value: str) -> str:
    """`value` without INVISIBLE characters. Two names that differ only by them look the same and are
    not: the names of a survey and of an organisation drop them as they are imported and looked up
    (importers.normalize.to_name, importers.resolve), so they cannot make look-alike keys."""
    return value if value.isascii() else INVISIBLE.sub("", value)


def name_key(value: str) -> str:
    """How names and codes compare when they are looked up: case, spacing and the characters that draw
    nothing aside ("TRUST", " trust" and "trust\u200b" name the metric `trust`)."""
    return " ".join(visible(value).casefold().split())


# Scripts whose letters draw like Latin ones (Cyrillic а е о р с у х, Greek Α Β Ε Ο...): a word of Latin
# letters with one of theirs in it ("Hеlp" with a Cyrillic е) looks like the Latin word and is not.
_LOOK_ALIKE_SCRIPTS = ("CYRILLIC", "GREEK")
_WORD = re.compile(r"\w+")


def look_alike_letter(value: str) -> Optional[str]:
    """The first Cyrillic or Greek letter in a word otherwise of Latin letters, or None. A name spelt
    with one looks like the name it copies and matches nothing: an import would otherwise create a
    second program or component of the same look beside the real one, or refuse it as unknown with
    the real name, drawn the same, as the closest."""
    if value.isascii():
        return None
    for word in _WORD.findall(value):
        if word.isascii():
            continue
        first: dict[str, str] = {}
        for ch in word:
            if ch.isalpha():
                first.setdefault(unicodedata.name(ch, "").split(" ", 1)[0], ch)
        if "LATIN" in first:
            other = next((first[s] for s in _LOOK_ALIKE_SCRIPTS if s in first), None)
            if other is not None:
                return other
    return None


def look_alike_message(value: str, letter: str, what: str = "name") -> str:
    """Why a name (or `what` else: a title) with `letter` (look_alike_letter) is refused, for a message."""
    return (f"{value!r} has {_letter_words(letter)} among Latin letters: it looks like a Latin letter and is not; "
            f"type the {what} again with Latin letters")


def _letter_words(letter: str) -> str:
    """A letter of another alphabet, named: "the letter 'р' of another alphabet (Cyrillic Small Letter Er, U+0440)"."""
    return f"the letter {letter!r} of another alphabet ({unicodedata.name(letter).title()}, U+{ord(letter):04X})"


def look_alike_site(link: str) -> Optional[str]:
    """Why a web address is refused when its site's name mixes another alphabet's letters among Latin ones
    ("https://раураl.com", Cyrillic р а у among Latin l, or the same written "xn--..."), or when a name comes
    before the site's ("https://www.performance.gov@evil.example/"): it draws as a known site's address and
    leads to another. None for any other address (a site named in one alphabet, Cyrillic or Latin, is itself)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(link)
        host = parts.hostname or ""
    except ValueError:
        return None
    if "@" in parts.netloc:  # "https://www.performance.gov@evil.example/" draws as the first and leads to the second
        user, _, site = parts.netloc.rpartition("@")
        return (f"{link!r} holds {user + '@'!r} before the site's name ({site!r}): a name there can make the link "
                "read as another site's address; give the address without the part up to the @")
    letter = look_alike_letter(_idna_words(host))
    if letter is None:
        return None
    return (f"{link!r} names a site with {_letter_words(letter)} among Latin letters: it looks like another site's "
            "address; type it again")


def _idna_words(host: str) -> str:
    """A site's name as a browser may draw it: each "xn--" label in its letters (a label that does not
    decode is left as written)."""
    labels = []
    for label in host.split("."):
        if label[:4].lower() == "xn--":
            with contextlib.suppress(UnicodeError, ValueError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(label)
    return ".".join(labels)


# Letters and symbols that draw nothing: the Hangul fillers and the blank braille pattern.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


# Marks that draw nothing wherever they stand: the variation selectors and the grapheme joiner.
_MARKS_DRAWING_NOTHING = re.compile("[\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def drawn(value: str) -> str:
    """`value` without the characters that draw nothing: every format character (a zero-width joiner or
    non-joiner as well as text.INVISIBLE), the fillers, the variation selectors and the grapheme joiner.
    For comparing two texts as they read (a title and the one it copies); what is stored keeps them."""
    if value.isascii():
        return value
    return "".join(c for c in _MARKS_DRAWING_NOTHING.sub("", value)
                   if c not in _FILLERS and unicodedata.category(c) != "Cf")


def unseen_characters(value: str) -> list[str]:
    """The characters of `value` a reader cannot tell from a space or from nothing (a no-break space, the
    characters `drawn` drops), each once and named: "a no-break space (U+00A0)". A message names them: one
    quoting the text shows them as a space or nothing, and a repr as '\xa0'."""
    found = dict.fromkeys(c for c in value if c != " " and (
        c.isspace() or c in _FILLERS or unicodedata.category(c) == "Cf" or _MARKS_DRAWING_NOTHING.match(c)))
    return [f"{'an' if name[:1] in 'aeiou' else 'a'} {name} (U+{ord(c):04X})"
            for c in found for name in [unicodedata.name(c, "unnamed character").lower()]]


def nothing_shown(value) -> str:
    """What a cell at fault holds when it shows nothing, for a page that marks it: "(empty)" for none, an empty
    text or spaces; "(only a zero-width space (U+200B))" for a text of characters that draw nothing, which
    read as an empty cell beside a message saying it holds no reason. "" for anything that shows."""
    if value is None or (isinstance(value, str) and not value.strip(" ")):
        return "(empty)"
    if not isinstance(value, str) or not blank(value):
        return ""
    named = []
    for c in dict.fromkeys(value.replace(" ", "")):  # each once, spaces aside (a tab, a combining mark...)
        code = f"U+{ord(c):04X}"
        name = unicodedata.name(c, "")
        named.append(f"{'an' if name[:1] in 'AEIOU' else 'a'} {name.lower()} ({code})" if name else words(code))
    return f"(only {listed(named)})"


def blank(value: Optional[str]) -> bool:
    """Whether a text shows nothing: empty, or only spaces, invisible format characters (a zero-width
    space, a word joiner, a soft hyphen...), combining marks with nothing to combine with (a
    variation selector, the grapheme joiner) and fillers. A reason a rule requires must show something."""
    return not value or all(c.isspace() or c in _FILLERS or unicodedata.category(c) in ("Cf", "Mn", "Me")
                            for c in value)


def readable_json(value, indent=None) -> str:
    """`value` as JSON a person reads on a page (the audit log, a finding's inputs): each character as
    itself, where Jinja's `tojson`, made for scripts, writes & < > ' as \\u0026 ...; the template escapes
    the text as any other."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent, default=str)


def named_values(value) -> list[tuple[str, str]]:
    """An audit event's before or after as a person reads it: (name, value) for each of an object's keys, a
    key's underscores read as spaces; a text in quotation marks, as JSON writes it (so the text "none" or "yes"
    is not read as no value or true), null as none, true and false as yes and no, numbers, lists and objects as
    readable JSON ("proposed rating: none", not {"proposed_rating": null}); anything else as one pair named ""."""
    def said(item) -> str:
        if item is None:
            return "none"
        if isinstance(item, bool):
            return "yes" if item else "no"
        return readable_json(item)
    if not isinstance(value, dict):
        return [("", said(value))]
    return [(str(key).replace("_", " "), said(item)) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))]


def counted(count: int, one: str, many: str = "") -> str:
    """A count with its noun: "1 plan", "2,000 plans", "3 agencies" (`many` when not one + s)."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def listed(items) -> str:
    """Several things named in a sentence: "a", "a and b", "a, b and c" (no serial comma, as the pages
    write it)."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def days(n: int) -> str:
    """A number of days as a page says it: "1 day", "12 days"."""
    return counted(n, "day")


def days_ago(days) -> str:
    """A count of days since something, as a page says it: "today", "1 day ago", "12 days ago"."""
    if days is None:
        return "never"
    return "today" if days == 0 else f"{counted(days, 'day')} ago"


def refused_download(problems) -> str:
    """Why a download whose address holds filters that cannot be read was refused (a list leaves such a
    filter out and says so above the rows; a file has nowhere to say it, and would hold more than asked)."""
    return (f"Nothing was downloaded: {counted(len(problems), 'filter')} in the address could not be used "
            f"({'; '.join(problems)}). Open the list, set the filters there and use its download link.")


def in_file_name(value, limit: Optional[int] = 40) -> str:
    """`value` in the letters a file name keeps on every system (A-Z, a-z, 0-9, "_" and "."; any run of
    others one "_"), cut to `limit`: a download's name says the filters it holds ("-status-at_risk")."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", str(value))[:limit]


FILTERS_IN_NAME_AT_MOST = 120  # characters: a file name has 255 bytes on most systems, and a name beside them


def filters_in_file_name(args: dict, flags: tuple = ()) -> str:
    """The filters of a query string (as a list's `args()` gives them: key -> value or list of values), as a
    download's file name says them ("-function-CFO-status-at_risk-off_track-overdue"; a yes-or-no filter, one of
    `flags`, by its key alone), so that a filtered file is not taken for the whole list; "" for none. At most
    FILTERS_IN_NAME_AT_MOST characters, ending "-etc" where cut (every filter chosen at its longest made a
    name no system keeps)."""
    parts = []
    for key, value in args.items():
        values = [] if key in flags else value if isinstance(value, (list, tuple)) else [value]
        parts.append("-".join(in_file_name(part) for part in (key, *values)))
    said = "".join(f"-{part}" for part in parts)
    return said if len(said) <= FILTERS_IN_NAME_AT_MOST else said[:FILTERS_IN_NAME_AT_MOST - 4] + "-etc"
