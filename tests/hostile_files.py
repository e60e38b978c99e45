"""Hostile and handmade spreadsheet files, written byte by byte for the tests: the files no
well-behaved writer produces (zip bombs, sparse sheets, entity bombs, OLE2 containers)."""
import struct
import zipfile

MB = 1 << 20

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def sheet_xml(body: str, dimension: str = "A1") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
            f"<sheetData>{body}</sheetData></worksheet>").encode()


def cells(rows) -> str:
    """<row> elements for rows of values (str inline, numbers as numbers), refs from A1."""
    out = []
    for r, row in enumerate(rows, start=1):
        parts = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>' if isinstance(value, str)
                         else f'<c r="{ref}"><v>{value}</v></c>')
        out.append(f'<row r="{r}">{"".join(parts)}</row>')
    return "".join(out)


def handmade_xlsx(path, sheet: bytes, *, workbook_extra: str = "", parts: dict = None, shared_strings=None):
    """A minimal xlsx written by hand, for files no well-behaved writer produces."""
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_strings is not None:
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                         f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Data" '
                         f'sheetId="1" r:id="rId1"/></sheets>{workbook_extra}</workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, content in (parts or {}).items():
            archive.writestr(name, content)
    return path


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def handmade_ods(path, tables: str):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                         'opendocument:xmlns:manifest:1.0"/>', zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", f'<office:document-content {ODS_NS}><office:body><office:spreadsheet>'
                         f'{tables}</office:spreadsheet></office:body></office:document-content>',
                         zipfile.ZIP_DEFLATED)
    return path


def ods_table(name, rows):
    def cell(value):
        if isinstance(value, str):
            return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
        return (f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p>'
                "</table:table-cell>")
    body = "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in rows)
    return f'<table:table table:name="{name}">{body}</table:table>'


FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2(streams: dict) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors, one FAT sector, one directory sector)."""
    body, entries, fat, next_sector = [], [], [FATSECT, END], 2
    for name, content in streams.items():
        content = content.ljust(max(4096, len(content)), b"\0")  # at the mini-stream cutoff: plain sectors
        count = -(-len(content) // 512)
        fat += [next_sector + i + 1 for i in range(count - 1)] + [END]
        body.append(content.ljust(count * 512, b"\0"))
        entries.append((name, next_sector, len(content)))
        next_sector += count

    def entry(name, kind, start, size, child=FREE, right=FREE):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, FREE, right, child)
                + bytes(36) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, END, 0, child=1) + b"".join(
        entry(n, 2, s, z, right=i + 2 if i + 1 < len(entries) else FREE) for i, (n, s, z) in enumerate(entries))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, END, 0, END, 0) + struct.pack("<109I", 0, *[FREE] * 108))
    fat_sector = struct.pack("<128I", *fat, *[FREE] * (128 - len(fat)))
    return header + fat_sector + directory.ljust(512, b"\0") + b"".join(body)


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)) + "]>")


def write_zip_bomb(path, header, megabytes: int = 600):
    """An xlsx-looking zip whose second sheet unpacks to `megabytes` MB of spaces (~1000:1)."""
    handmade_xlsx(path, sheet_xml(cells([header])))
    block = b" " * MB
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as part:
        for _ in range(megabytes):
            part.write(block)
    return path
