"""CSV we write: the template and the per-row report, safe to open in a spreadsheet.

Imported values are data: a name like "=HYPERLINK(…)" is stored as typed. Only when we hand a CSV back
does a cell starting with = + - @ (or a tab or carriage return) get a leading apostrophe, so Excel
and LibreOffice show it as text instead of running it (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from apps.candidates.csv_import.fields import TEMPLATE_HEADERS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REPORT_HEADERS = ("Row", "Status", "Name", "Reason", "Candidate link")


def neutralize(value: object) -> str:
    """Return a cell value a spreadsheet shows as text, never as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield CSV text line by line (for a streaming response), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def template_csv() -> str:
    """Return the downloadable template: the header row only (an example row would get imported).

    The BOM makes Excel read it as UTF-8, so accented names typed into it survive.
    """
    return "\ufeff" + "".join(csv_lines([TEMPLATE_HEADERS]))
