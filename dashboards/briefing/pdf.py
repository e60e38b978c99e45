"""The briefing as a tagged PDF (fpdf2): a title and language (also as XMP metadata) and bookmarks, and a
structure tree that reads in order — Document ▸ H1, P, H2, Table ▸ Caption, TR ▸ TH (scope Column /
Row), TD — so a screen reader announces headings and each cell with its headers; a linked cell holds a
Link element with its annotation (which names it back, and says where it leads); page furniture (rules,
fills, page numbers) is marked as artifacts. Tables repeat their header row on each new page.

fpdf2 builds a flat structure tree of its own (for images' alternative texts and section
titles); the nested tree here is built on its structure classes, which is why pyproject pins
fpdf2 below 2.9. The text is set in DejaVu Sans Condensed (bundled, its glyphs embedded): Latin,
Greek and Cyrillic, dashes, quotes and arrows as written; a character it lacks is written in its
nearest spelling, else "?", and the element holding it carries the text as written (/ActualText), which
a screen reader reads, as the title, subject and bookmarks do (they need no font). A section longer
than PDF_ROWS rows shows its first rows (the first of each kind, for a section of several) and says
so; the workbook carries every row. A table of WIDE columns or more is set on landscape pages of its
own."""
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape as xml_escape

from fpdf import FPDF
from fpdf.actions import URIAction
from fpdf.annotations import PDFAnnotation
from fpdf.enums import MethodReturnValue, PageOrientation, XPos, YPos
from fpdf.prefs import ViewerPreferences
from fpdf.structure_tree import NumberTree, StructElem, StructureTreeBuilder
from fpdf.syntax import PDFObject, PDFString

from dashboards.briefing.content import Briefing
from dashboards.tables import COUNT, NUMBER, Table

FONT = "DejaVu"
FONTS = Path(__file__).with_name("fonts")  # DejaVu Sans Condensed (its LICENSE beside it); the glyphs used are embedded
FONT_FILES = {"": "DejaVuSansCondensed.ttf", "B": "DejaVuSansCondensed-Bold.ttf",
              "I": "DejaVuSansCondensed-Oblique.ttf"}
LINE = 4.6        # mm per line of table text
MAX_CELL = 700    # characters of one cell drawn; a longer text is cut with an ellipsis
PDF_ROWS = 150    # rows of a section's table read on paper; the workbook has every row
WIDE = 8          # columns from which a section's table is set on landscape pages (the red programs' nine)
_SPELLED = {"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": ""}


# Hebrew, Arabic, Syriac, Thaana, N'Ko... and their presentation forms: right-to-left letters
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """The characters every face of the font draws (read once from their character maps)."""
    from fontTools.ttLib import TTFont

    maps = []
    for name in FONT_FILES.values():
        with TTFont(FONTS / name, lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*maps))


def drawable(text) -> str:
    """`text` as the font draws it: every character it has (Latin, Greek, Cyrillic, accents, dashes, arrows,
    check marks...) as itself; one it lacks (a Chinese character) as its nearest spelling the font has, else
    "?"; a right-to-left letter (Hebrew, Arabic) as "?", as it would otherwise read backwards."""
    text = "" if text is None else str(text)
    covered = _covered()
    if all(ord(ch) in covered for ch in text) and not _RIGHT_TO_LEFT.search(text):
        return text
    out = []
    for ch in text:
        if ch in _SPELLED:
            out.append(_SPELLED[ch])
        elif _RIGHT_TO_LEFT.match(ch):
            out.append("?")  # drawn left to right its letters read backwards: worse than none (no shaping here)
        elif ord(ch) in covered:
            out.append(ch)
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in covered)
            out.append(plain or "?")
    return "".join(out)


class _Elem(StructElem):
    """A structure element that may carry attributes (/A), as table header cells do, and the text as written
    where the font drew another spelling (/ActualText)."""

    __slots__ = ("a", "actual_text")

    def __init__(self, *args, attributes: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.a = attributes
        self.actual_text = None


def _xmp(title: str) -> str:
    """The document's XMP metadata: its title and language (Dublin Core), as its information dictionary says."""
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{xml_escape(title)}</rdf:li></rdf:Alt></dc:title>'
            '<dc:language><rdf:Bag><rdf:li>en-US</rdf:li></rdf:Bag></dc:language>'
            '<dc:creator><rdf:Seq><rdf:li>CX Scorecard</rdf:li></rdf:Seq></dc:creator>'
            '</rdf:Description></rdf:RDF></x:xmpmeta>')


class _ParentTree(NumberTree):
    """The parent tree: a page's entry lists the elements of its marked contents (fpdf2's), and a link's entry
    (`objects`) names the one Link element its annotation belongs to; written in ascending keys."""

    __slots__ = ("objects",)

    def __init__(self):
        super().__init__()
        self.objects: dict[int, StructElem] = {}

    def serialize(self, obj_dict=None, _security_handler=None) -> str:
        entries = {key: "[" + " ".join(e.ref for e in elements) + "]" for key, elements in self.nums.items()}
        entries |= {key: element.ref for key, element in self.objects.items()}
        return PDFObject.serialize(self, {"/Nums": "[" + "\n".join(f"{k} {v}" for k, v in sorted(entries.items()))
                                          + "]"})


class _LinkAnnotation(PDFAnnotation):
    """A link written as an object of its own, so that its Link structure element can name it (an OBJR), with
    its entry in the parent tree (/StructParent) and its text for assistive technology (/Contents)."""

    def __init__(self, *args, struct_parent: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.struct_parent = struct_parent


class _ObjectReference:
    """A structure element's kid that is an annotation: << /Type /OBJR /Obj ... /Pg ... >>."""

    def __init__(self, annotation: PDFAnnotation, page):
        self.annotation, self.page = annotation, page

    def serialize(self, _security_handler=None, _obj_id=None) -> str:
        return f"<</Type /OBJR /Obj {self.annotation.ref} /Pg {self.page.ref}>>"


LINK_KEYS_FROM = 100_000  # a link's parent-tree key: apart from the pages' (0, 1, 2... as they are marked)


class _Tree(StructureTreeBuilder):
    """fpdf2's builder, serialising the whole nested tree (it writes the Document's children only)."""

    def __init__(self):
        super().__init__()
        self.struct_tree_root.parent_tree = _ParentTree()

    def __iter__(self):
        yield self.struct_tree_root
        yield self.struct_tree_root.parent_tree
        pending = [self.doc_struct_elem]
        while pending:
            element = pending.pop(0)
            yield element
            pending.extend(kid for kid in element.k if isinstance(kid, StructElem))

    def empty(self) -> bool:
        return False


class TaggedPDF(FPDF):
    """FPDF writing tagged content: `group(tag)` opens a structure element, `marked(tag)` a leaf
    whose drawing is its content. Page breaks are taken by the caller between leaves
    (`room_for`), never inside one."""

    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.struct_builder = _Tree()
        self._parents = [self.struct_builder.doc_struct_elem]
        self._page_parents: dict[int, int] = {}
        self.set_auto_page_break(False)
        self.set_margins(16, 16, 16)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, FONTS / name)
        self.set_title(title)
        self.set_lang("en-US")
        self.set_author("CX Scorecard")
        self.set_creator("CX Scorecard")
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_xmp_metadata(_xmp(title))  # the title and language where PDF/UA checkers read them
        self.alias_nb_pages()
        self.doc_title = drawable(title)

    # ----------------------------------------------------------------- structure
    def _element(self, tag: str, kids: list, attributes: Optional[str] = None) -> _Elem:
        parent = self._parents[-1]
        element = _Elem(f"/{tag}", parent, kids, page_number=self.page, attributes=attributes)
        element.pg = self.pages[self.page]
        parent.k.append(element)
        return element

    @contextmanager
    def group(self, tag: str, attributes: Optional[str] = None):
        self._parents.append(self._element(tag, [], attributes))
        try:
            yield
        finally:
            self._parents.pop()

    @contextmanager
    def marked(self, tag: str, attributes: Optional[str] = None, written: Optional[str] = None):
        """A leaf element whose content is what is drawn inside; `written`, the text as written where the font
        drew it otherwise (`drawable`), is its /ActualText."""
        tree = self.struct_builder
        spid = self._page_parents.setdefault(self.page, len(self._page_parents))
        tree.spid_per_page_number[self.page] = spid
        self.pages[self.page].struct_parents = spid
        owners = tree.struct_tree_root.parent_tree.nums[spid]
        mcid = len(owners)
        owners.append(self._element(tag, [mcid], attributes))
        if written is not None and drawable(written) != written:
            owners[-1].actual_text = PDFString(written)
        page = self.page
        self._out(f"/{tag} <</MCID {mcid}>> BDC")
        yield
        assert self.page == page, "a tagged leaf never spans a page break"
        self._out("EMC")

    def tagged_link(self, element: StructElem, x: float, y: float, width: float, height: float, href: str,
                    text: str) -> None:
        """Make `element` (a Link holding the text just drawn) a link over that area: its annotation joins the
        element (an OBJR), names it back (/StructParent) and says where it leads (/Contents)."""
        objects = self.struct_builder.struct_tree_root.parent_tree.objects
        key = LINK_KEYS_FROM + len(objects)
        annotation = _LinkAnnotation("Link", x=x * self.k, y=self.h_pt - y * self.k, width=width * self.k,
                                     height=height * self.k, action=URIAction(href), struct_parent=key,
                                     contents=f"{text} (opens {href})")
        self.pages[self.page].add_annotation(annotation)
        element.k.append(_ObjectReference(annotation, self.pages[self.page]))
        objects[key] = element

    @contextmanager
    def artifact(self):
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    # ----------------------------------------------------------------- pages
    def footer(self):
        with self.artifact():
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(90)
            self.cell(0, 5, f"{self.doc_title}  -  page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(0)

    def room_for(self, height: float) -> bool:
        """Start a new page unless `height` mm fit above the bottom margin; True when it did."""
        if self.get_y() + height <= self.h - 18:
            return False
        self.add_page(same=True)  # a wide table's next page is landscape too (the default, portrait, cut it off)
        return True

    def _one_line(self, width: float, text: str) -> bool:
        return "\n" not in text and self.get_string_width(text) + 2 * self.c_margin + 2.5 < width

    def text_height(self, width: float, text: str, size: float, style: str = "", line: float = LINE) -> float:
        self.set_font(FONT, style, size)
        if self._one_line(width, text):
            return line  # fits on one line: no need to lay it out
        return self.multi_cell(width, line, text, align="L", dry_run=True, output=MethodReturnValue.HEIGHT,
                               padding=(0, 1))

    def _cell(self, width: float, text: str, align: str):
        """A table cell's text from the current position: a plain cell when it fits on one line
        (fpdf2 lays a multi-cell out character by character), else wrapped."""
        if self._one_line(width, text):
            x = self.get_x()
            self.cell(width, LINE, text, align=align)
            self.set_x(x + width)
        else:
            self.multi_cell(width, LINE, text, align=align, new_x=XPos.RIGHT, new_y=YPos.TOP, padding=(0, 1))

    def paragraph(self, written: str, *, tag: str = "P", size: float = 10, style: str = "", line: float = 5,
                  space: float = 2):
        text = drawable(written)
        self.room_for(self.text_height(self.epw, text, size, style, line) + space)
        self.set_font(FONT, style, size)
        with self.marked(tag, written=written):
            self.multi_cell(self.epw, line, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(space)

    HEADINGS = {1: (18, 8), 2: (14, 6.5)}  # level: (size, mm per line)

    def heading(self, text: str, level: int):
        size, line = self.HEADINGS[level]
        self.room_for(line + 30 if level > 1 else line)  # a heading does not sit alone at a page's foot
        self.start_section(text, level=level - 1)  # a bookmark needs no font
        self.paragraph(text, tag=f"H{level}", size=size, style="B", line=line, space=1.5)

    def section_opening(self, heading: str, note: str, table: Optional[Table]) -> float:
        """The height of a section's heading and note, and of its table's opening (`table_opening`): kept on
        one page, so a heading never sits alone at a page's foot with its table overleaf."""
        size, line = self.HEADINGS[2]
        height = self.text_height(self.epw, drawable(heading), size, "B", line) + 1.5
        height += self.text_height(self.epw, drawable(note), 9.5, line=5) + 2
        return height + (self.table_opening(table, _widths(self, table)) if table is not None else 0)

    def table_opening(self, table: Table, widths: list[float]) -> float:
        """The height of a table's caption, header row and first row (both rows of a table of two: its last row
        never alone overleaf), kept on one page: a header never sits alone at a page's foot."""
        height = self.text_height(self.epw, drawable(table.caption), 9, "I", 4.5) + 1
        height += self._header_height(table, widths)
        for row in table.rows[:2 if len(table.rows) == 2 else 1]:
            height += self._row_height(table, row, widths)
        return height

    # ----------------------------------------------------------------- tables
    def table_of(self, table: Table):
        widths = _widths(self, table)
        self.room_for(self.table_opening(table, widths))  # its section kept the heading with it (render)
        with self.group("Table"):
            self.set_font(FONT, "I", 9)
            caption = drawable(table.caption)
            with self.marked("Caption", written=table.caption):
                self.multi_cell(self.epw, 4.5, caption, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1)
            self._header_row(table, widths)
            if not table.rows:
                with self.group("TR"), self.marked("TD", written=table.empty):
                    self.set_font(FONT, "", 9)
                    self.multi_cell(self.epw, LINE, drawable(table.empty), border=1, align="L", new_x=XPos.LMARGIN,
                                    new_y=YPos.NEXT, padding=(0, 1))
            for index, row in enumerate(table.rows):
                texts = [_cell_text(column, row) for column in table.columns]
                height = self._row_height(table, row, widths, texts)
                needed = height
                if index == len(table.rows) - 2 and index:  # the last row never alone (of two: `table_opening`)
                    needed += self._row_height(table, table.rows[-1], widths)
                if self.room_for(needed):
                    self._header_row(table, widths)
                self._row(table, row, texts, widths, height)
        self.ln(4)

    def _row_height(self, table: Table, row: dict, widths: list[float], texts: Optional[list[str]] = None) -> float:
        texts = texts or [_cell_text(column, row) for column in table.columns]
        return max(self.text_height(w, t, 9, "B" if c.row_header else "")
                   for w, t, c in zip(widths, texts, table.columns)) + 1.5

    def _header_height(self, table: Table, widths: list[float]) -> float:
        return max(self.text_height(w, drawable(c.header), 8.5, "B") for w, c in zip(widths, table.columns)) + 1.5

    def _header_row(self, table: Table, widths: list[float]):
        texts = [drawable(c.header) for c in table.columns]
        height = self._header_height(table, widths)
        y = self.get_y()
        with self.artifact():
            self.set_fill_color(226, 230, 236)
            self.rect(self.l_margin, y, sum(widths), height, style="F")
        with self.group("TR"):
            x = self.l_margin
            for column, width, text in zip(table.columns, widths, texts):
                self.set_xy(x, y + 0.75)
                self.set_font(FONT, "B", 8.5)
                with self.marked("TH", "<</O /Table /Scope /Column>>", written=column.header):
                    self._cell(width, text, "R" if column.kind in (NUMBER, COUNT) else "L")
                x += width
        self.set_xy(self.l_margin, y + height)

    def _row(self, table: Table, row: dict, texts: list[str], widths: list[float], height: float):
        y = self.get_y()
        with self.artifact():
            self.set_draw_color(200)
            self.line(self.l_margin, y + height, self.l_margin + sum(widths), y + height)
        with self.group("TR"):
            x = self.l_margin
            for column, width, text in zip(table.columns, widths, texts):
                self.set_xy(x, y + 0.75)
                self.set_font(FONT, "B" if column.row_header else "", 9)
                tag, attributes = ("TH", "<</O /Table /Scope /Row>>") if column.row_header else ("TD", None)
                align = "R" if column.kind in (NUMBER, COUNT) else "L"
                href = row.get(column.link) if column.link else None
                written = _written(column, row)
                if href and href.startswith(("http://", "https://")) and text:  # the cell ▸ its Link ▸ text, link
                    with self.group(tag, attributes):
                        # drawn as a link reads (USWDS's link blue, underlined): black bold read as a label
                        self.set_font(FONT, ("B" if column.row_header else "") + "U", 9)
                        self.set_text_color(0, 94, 162)
                        with self.marked("Link", written=written):
                            self._cell(width, text, align)
                        self.set_text_color(0)
                        self.tagged_link(self._parents[-1].k[-1], x, y, width, height, href, written)
                else:
                    with self.marked(tag, attributes, written=written):
                        self._cell(width, text, align)
                x += width
        self.set_xy(self.l_margin, y + height)


def _written(column, row: dict) -> str:
    """A cell's text as written, cut at MAX_CELL characters."""
    text = column.text(row.get(column.key))
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 3] + "..."


def _cell_text(column, row: dict) -> str:
    """A cell's text as the font draws it (`drawable`)."""
    return drawable(_written(column, row))


def _widths(pdf: TaggedPDF, table: Table) -> list[float]:
    """Columns as wide as their longest text needs, within bounds, fitted to the page: a column too
    wide for it gives up width down to its longest word (a date, "Target"), never a word broken
    across lines, before a column is narrowed below that."""
    pdf.set_font(FONT, "B", 9)  # headers are bold: the widest words
    wanted, least = [], []
    for column in table.columns:
        texts = [drawable(column.header)] + [_cell_text(column, row) for row in table.rows[:300]]
        longest = max(pdf.get_string_width(t) for t in texts) + 3
        word = max(pdf.get_string_width(w) for t in texts for w in (t.split() or [""])) + 3
        floor = 14 if column.kind in (NUMBER, COUNT) else 22
        wanted.append(min(max(longest, floor), 95))
        least.append(min(word, wanted[-1], 45))
    if sum(wanted) <= pdf.epw:
        return [w * pdf.epw / sum(wanted) for w in wanted]
    if sum(least) >= pdf.epw:
        return [w * pdf.epw / sum(least) for w in least]
    spare = (pdf.epw - sum(least)) / (sum(wanted) - sum(least))  # of what each wants beyond its longest word
    return [low + (want - low) * spare for low, want in zip(least, wanted)]


def first_rows(rows: list[dict], limit: int, kinds: Optional[str] = None) -> list[dict]:
    """At most `limit` of `rows`: the first ones, or with `kinds` (the key naming each row's kind) the first of
    every kind, each kind given an even share of `limit` and what a smaller kind leaves to the others, in the
    order given (160 commitments that went overdue left no room for the significant score changes after them)."""
    if len(rows) <= limit:
        return rows
    if kinds is None:
        return rows[:limit]
    sizes: dict = {}
    for row in rows:
        sizes[row.get(kinds)] = sizes.get(row.get(kinds), 0) + 1
    kept, left = dict.fromkeys(sizes, 0), limit
    while left:
        open_kinds = [kind for kind in sizes if kept[kind] < sizes[kind]]
        share = max(1, left // len(open_kinds))
        for kind in open_kinds:
            more = min(share, sizes[kind] - kept[kind], left)
            kept[kind] += more
            left -= more
    out = []
    for row in rows:
        kind = row.get(kinds)
        if kept[kind]:
            out.append(row)
            kept[kind] -= 1
    return out


def render(briefing: Briefing) -> bytes:
    pdf = TaggedPDF(briefing.title)
    pdf.set_subject(f"The CX Scorecard overview of {briefing.period or 'no quarter'} for {briefing.agency}")
    pdf.add_page()
    with pdf.group("Sect"):
        pdf.heading(briefing.title, 1)
        prepared = f"Prepared {briefing.prepared_when}"
        pdf.paragraph(prepared + (f" for {briefing.prepared_for}" if briefing.prepared_for else "") + ".",
                      size=9, space=4)
    for section in briefing.sections:
        table = section.table
        shortened = table is not None and len(table.rows) > PDF_ROWS
        if shortened:
            table = replace(table, rows=first_rows(table.rows, PDF_ROWS, section.kinds))
        landscape = table is not None and len(table.columns) >= WIDE
        # a wide table's own pages, and portrait again after it
        if landscape != (pdf.cur_orientation is PageOrientation.LANDSCAPE):
            pdf.add_page(orientation="L" if landscape else "P")
        pdf.room_for(min(pdf.section_opening(section.heading, section.note, table), pdf.h - 40))
        with pdf.group("Sect"):
            pdf.heading(section.heading, 2)
            pdf.paragraph(section.note, size=9.5)
            if shortened:
                which = "of each kind" if section.kinds else "in the order shown"
                pdf.paragraph(f"{PDF_ROWS:,} of {len(section.table.rows):,} rows: the first {which}; the Excel "
                              "briefing lists them all.", size=9.5)
            if table is not None:
                pdf.table_of(table)
    return bytes(pdf.output())
