"""Decoding and reading uploads: encodings, dialects, quoting, and the files we refuse."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from apps.candidates.csv_import.decoding import CsvRejected, decode_upload
from apps.candidates.csv_import.reader import read_csv, sniff_delimiter

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def rows(data: bytes) -> list[tuple[int, list[str]]]:
    return [(r.row_number, r.cells) for r in read_csv(data, max_rows=100).records()]


def test_utf8_with_and_without_bom_read_the_same():
    text = "Name,City\nRenée,Zürich\n"
    plain, with_bom = decode_upload(text.encode()), decode_upload(codecs.BOM_UTF8 + text.encode())
    assert plain.text == with_bom.text == text
    assert (plain.encoding, with_bom.encoding) == ("utf-8", "utf-8-sig")
    assert read_csv(codecs.BOM_UTF8 + text.encode(), max_rows=5).headers == ("Name", "City")


def test_excel_windows_1252_is_detected():
    data = "Name;Note\nRené Müller;costs 5 € – it’s fine\n".encode("cp1252")
    parsed = read_csv(data, max_rows=5)
    assert parsed.encoding == "cp1252"
    assert parsed.delimiter == ";"
    assert rows(data) == [(2, ["René Müller", "costs 5 € – it’s fine"])]


def test_excel_unicode_text_is_utf16_and_tab_separated():
    data = codecs.BOM_UTF16_LE + "Name\tEmail\nZoë\tzoe@example.com\n".encode("utf-16-le")
    parsed = read_csv(data, max_rows=5)
    assert (parsed.encoding, parsed.delimiter) == ("utf-16", "\t")
    assert rows(data) == [(2, ["Zoë", "zoe@example.com"])]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Name,Email\nA,a@x.io\n", ","),
        ("Name;Email;Title\nSmith, Jo;a@x.io;Dev, Ops\n", ";"),
        ("Name\tEmail\nA\ta@x.io\n", "\t"),
        ("Name\nAda\nGrace\n", ","),  # one column: nothing to sniff
        ('Name,Note\n"A","x;y;z"\n"B","p;q;r"\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_quoted_newlines_and_quotes_stay_in_their_cell_and_rows_count_as_a_spreadsheet_shows():
    data = b'Name,Note\r\n"Ada","line one\r\nline two, with ""quotes"""\r\nGrace,ok\r\n'
    assert rows(data) == [(2, ["Ada", 'line one\r\nline two, with "quotes"']), (3, ["Grace", "ok"])]


def test_blank_lines_are_skipped_but_keep_row_numbers():
    data = b"\nName,Email\n\nAda,a@x.io\n,,\nGrace,g@x.io\n"
    parsed = read_csv(data, max_rows=10)
    assert parsed.header_row == 2 and parsed.row_count == 2
    assert [r.row_number for r in parsed.records()] == [4, 6]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"Name,Email\n", "a header row but no candidates"),
        (b"Name,Email\n,,\n\n", "a header row but no candidates"),
        (PNG, "This is an image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "This is an image"),
        (b"%PDF-1.7\n", "This is a PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook"),
        (b"Name\x00,Email\n", "not text"),
        (bytes(range(1, 32)) * 40, "not text"),
    ],
)
def test_files_that_are_not_csv_are_refused_with_a_clear_message(data, message):
    with pytest.raises(CsvRejected, match=message):
        read_csv(data, max_rows=10)


def test_an_xlsx_workbook_is_refused_with_save_as_csv_advice():
    with pytest.raises(CsvRejected, match="Excel workbook.*save it as"):
        read_csv(xlsx_bytes(), max_rows=10)


def test_more_rows_than_the_limit_is_refused():
    data = ("Name\n" + "".join(f"P{i}\n" for i in range(4))).encode()
    assert read_csv(data, max_rows=4).row_count == 4
    with pytest.raises(CsvRejected, match="more than 3 candidates"):
        read_csv(data, max_rows=3)


def test_a_cell_over_the_csv_field_limit_is_refused_with_its_row():
    data = b'Name,Note\nAda,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(CsvRejected, match="Row 2 could not be read"):
        read_csv(data, max_rows=10)
