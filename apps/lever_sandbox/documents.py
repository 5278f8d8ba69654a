"""Minimal, deterministic PDF, DOCX and plain-text writers for generated resumes and files.

A document is a list of ``(style, text)`` lines with style ``title``, ``heading`` or ``text``.
The PDF uses the standard Helvetica fonts (WinAnsi) and, for lines outside Windows-1252 (Chinese,
Polish names…), a Type0 font whose ToUnicode map lets text extractors recover every character.
The DOCX is the smallest package Word and python-docx accept: content types, one relationship,
one document part. Neither writer needs a third-party library.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from xml.sax.saxutils import escape

Line = tuple[str, str]

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_TYPE = "text/plain; charset=utf-8"
CONTENT_TYPES = {"pdf": PDF_TYPE, "docx": DOCX_TYPE, "txt": TEXT_TYPE, "png": "image/png"}

_SIZES = {"title": 18, "heading": 12, "text": 10}
_WRAP = 95
_TOP, _BOTTOM, _LEFT = 740, 60, 64
# A 1x1 transparent PNG: generated "image" attachments are stored but never parsed (as in Lever).
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def wrapped(lines: list[Line]) -> list[Line]:
    """Return ``lines`` with long text lines wrapped the way the PDF lays them out."""
    out: list[Line] = []
    for style, text in lines:
        parts = textwrap.wrap(text, _WRAP) if style == "text" and len(text) > _WRAP else [text]
        out.extend((style, part) for part in parts)
    return out


def render_text(lines: list[Line]) -> bytes:
    """Return the document as UTF-8 plain text, headings in capitals."""
    return "\n".join(t.upper() if s == "heading" else t for s, t in lines).encode() + b"\n"


def render_docx(lines: list[Line], title: str = "Resume") -> bytes:
    """Return the document as a DOCX package (one paragraph per line, bold headings)."""
    body = []
    for style, text in lines:
        props = {"title": '<w:rPr><w:b/><w:sz w:val="36"/></w:rPr>', "heading": "<w:rPr><w:b/></w:rPr>"}
        run = (
            f'<w:r>{props.get(style, "")}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
        )
        body.append(f"<w:p>{run}</w:p>")
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{ns}"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="12240" w:h="15840"/></w:sectPr></w:body></w:document>'
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/></Relationships>'
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title>'
            "<dc:creator>Recruitdesk Lever sandbox</dc:creator></cp:coreProperties>"
        ),
        "word/document.xml": document,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: same bytes every time
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, xml.encode())
    return buffer.getvalue()


def render_pdf(lines: list[Line], title: str = "Resume") -> bytes:
    """Return the document as a PDF 1.4 file with extractable text (one or more Letter pages)."""
    laid_out = wrapped(lines)
    unicode_chars = sorted({c for _, t in laid_out if not _winansi(t) for c in t if ord(c) < 0x10000})
    pages: list[list[Line]] = [[]]
    y = _TOP
    for line in laid_out:
        step = _SIZES[line[0]] + (10 if line[0] != "text" else 5)
        if y - step < _BOTTOM:
            pages.append([])
            y = _TOP
        pages[-1].append(line)
        y -= step
    # Fixed objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 Type0, 6 CIDFont,
    # 7 descriptor, 8 ToUnicode, 9 info; then a page and its content stream per page.
    objects: list[bytes] = [b""] * 9
    kids = []
    for n, page in enumerate(pages):
        page_obj, content_obj = 10 + 2 * n, 11 + 2 * n
        kids.append(f"{page_obj} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
            f"/F2 4 0 R /F3 5 0 R >> >> /Contents {content_obj} 0 R >>".encode()
        )
        objects.append(_stream(_page_content(page)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    objects[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    objects[4] = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /ArialUnicodeMS /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 8 0 R >>"
    )
    objects[5] = (
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ArialUnicodeMS /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 /CIDToGIDMap /Identity >>"
    )
    objects[6] = (
        b"<< /Type /FontDescriptor /FontName /ArialUnicodeMS /Flags 32 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>"
    )
    objects[7] = _stream(_to_unicode(unicode_chars))
    objects[8] = f"<< /Title {_utf16(title)} /Producer (Recruitdesk Lever sandbox) >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 9 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _page_content(page: list[Line]) -> bytes:
    ops = []
    y = _TOP
    for style, text in page:
        size = _SIZES[style]
        y -= size + (10 if style != "text" else 5)
        if not text:
            continue
        if _winansi(text):
            font = "/F2" if style != "text" else "/F1"
            ops.append(f"BT {font} {size} Tf {_LEFT} {y} Td ({_escape(text)}) Tj ET")
        else:
            hex_text = "".join(f"{ord(c):04X}" for c in text if ord(c) < 0x10000)
            ops.append(f"BT /F3 {size} Tf {_LEFT} {y} Td <{hex_text}> Tj ET")
    return "\n".join(ops).encode("ascii")


def _winansi(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _escape(text: str) -> str:
    out = []
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def _to_unicode(chars: list[str]) -> bytes:
    blocks = []
    for start in range(0, len(chars), 100):
        chunk = chars[start : start + 100]
        entries = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{entries}\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("ascii")


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _utf16(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"
