"""Read CSV text: the delimiter (comma, semicolon or tab), the header row, and the records under it.

The csv module does the quoting (quoted delimiters, doubled quotes, newlines inside quotes). Row
numbers are the ones a spreadsheet shows: the header is usually row 1, and a cell with a line break
inside it stays one row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from apps.candidates.csv_import.decoding import CsvRejected, decode_upload

DELIMITERS = (",", ";", "\t")
DELIMITER_LABELS = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50


@dataclass(frozen=True)
class Record:
    row_number: int
    cells: list[str]


@dataclass(frozen=True)
class CsvFile:
    text: str = field(repr=False)
    encoding: str
    delimiter: str
    headers: tuple[str, ...]
    header_row: int
    row_count: int  # records under the header that are not blank

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS.get(self.delimiter, repr(self.delimiter))

    def records(self) -> Iterator[Record]:
        """Yield the non-blank records under the header, with their row numbers."""
        rows = _reader(self.text, self.delimiter)
        try:
            for number, cells in enumerate(rows, start=1):
                if number <= self.header_row or not any(c.strip() for c in cells):
                    continue
                yield Record(number, cells)
        except csv.Error as exc:
            raise CsvRejected(f"Row {rows.line_num} could not be read: {exc}.") from None


def read_csv(data: bytes, *, max_rows: int) -> CsvFile:
    """Decode, sniff and check a CSV upload; raise CsvRejected saying what is wrong with it."""
    decoded = decode_upload(data)
    text = decoded.text
    delimiter = sniff_delimiter(text)
    rows = _reader(text, delimiter)
    headers: list[str] | None = None
    header_row = count = 0
    try:
        for number, cells in enumerate(rows, start=1):
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers, header_row = cells, number
                continue
            count += 1
            if count > max_rows:
                raise CsvRejected(
                    f"This file has more than {max_rows:,} candidates. Split it into files of at most "
                    f"{max_rows:,} rows and import them one after the other."
                )
    except csv.Error as exc:
        raise CsvRejected(f"Row {rows.line_num} could not be read: {exc}.") from None
    if headers is None:
        raise CsvRejected("The file is empty.")
    if count == 0:
        raise CsvRejected("The file has a header row but no candidates under it.")
    return CsvFile(
        text=text,
        encoding=decoded.encoding,
        delimiter=delimiter,
        headers=tuple(h.strip() for h in headers),
        header_row=header_row,
        row_count=count,
    )


def sniff_delimiter(text: str) -> str:
    """Return the delimiter that splits the header into several columns and most of the first rows
    into as many; csv.Sniffer's guess breaks ties, then a comma wins. One column means a comma."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # never a half row
    try:
        guess = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        guess = ","
    scores = {d: _score(sample, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d][0] > 1, scores[d][1], d == guess, d == ",", scores[d][0]))
    return best if scores[best][0] > 1 else ","


def _score(sample: str, delimiter: str) -> tuple[int, int]:
    """(columns in the header, rows among the first ones as wide as the header)."""
    rows: list[list[str]] = []
    try:
        for cells in _reader(sample, delimiter):
            if any(c.strip() for c in cells):
                rows.append(cells)
            if len(rows) >= SNIFF_RECORDS:
                break
    except csv.Error:
        return (0, 0)
    if not rows:
        return (0, 0)
    width = len(rows[0])
    return (width, sum(1 for r in rows[1:] if len(r) == width))


def _reader(text: str, delimiter: str) -> Any:  # the csv module's reader type is private
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
