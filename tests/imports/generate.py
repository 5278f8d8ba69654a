"""A large CSV with a known share of bad rows, and the counts a correct import reports for it.

Used by the 50,000-row test and by bench/csv_import.py. Every row's fate is decided while writing it,
independently of the code under test: the expected report is built by construction.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

HEADERS = [
    "First name", "Last name", "Email", "Phone", "LinkedIn", "Location",
    "Current title", "Current company", "Source", "Tags", "Notes",
]  # fmt: skip
FIRST = ["Ada", "Grace", "Linus", "Margaret", "Renée", "José", "Zoë", "Ngozi", "Hiroshi", "Anaïs"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Müller", "García", "Ó Briain", "Okafor", "Sato"]


@dataclass
class Generated:
    data: bytes
    rows: int
    expected: Counter[str] = field(default_factory=Counter)  # created / skipped, and skipped by reason
    statuses: dict[int, str] = field(default_factory=dict)  # row number → created / skipped


def existing_emails(count: int) -> list[str]:
    """Emails of people the workspace has before the import (the bench and test create them)."""
    return [f"already{i}@example.org" for i in range(count)]


def generate(rows: int, *, existing: int = 100) -> Generated:
    """Return a UTF-8 CSV of `rows` people: about 1 in 40 rows is bad in some way."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    result = Generated(b"", rows)
    last_valid_email = ""
    taken = existing_emails(existing)
    for i in range(rows):
        number = i + 2
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        email = f"person{i}@example.com"
        linkedin = f"https://www.linkedin.com/in/person-{i}/"
        extra: list[str] = []
        reason = ""
        if i % 100 == 7:
            first = last = ""
            reason = "missing_name"
        elif i % 100 == 13:
            email = f"person{i}-at-example.com"
            reason = "bad_email"
        elif i % 250 == 21 and last_valid_email:
            email = last_valid_email.upper()
            reason = "duplicate_in_file"
        elif i % 500 == 99:
            linkedin = f"https://example.com/in/person-{i}"
            reason = "bad_linkedin"
        elif i % 1000 == 500 and taken:
            email = taken[(i // 1000) % len(taken)]
            reason = "duplicate_in_workspace"
        elif i % 2000 == 1999:
            extra = ["a stray cell"]
            reason = "extra_cells"
        notes = f'Met at "PyCon", said:\nhappy to talk, {i}' if i % 50 == 0 else ""
        writer.writerow(
            [first, last, email, f"+1 555 {i:07d}", linkedin, "Lisbon, Portugal", "Engineer",
             f"Company {i % 997}", "Referral", "python, sql", notes, *extra]
        )  # fmt: skip
        if reason:
            result.expected["skipped"] += 1
            result.expected[reason] += 1
            result.statuses[number] = "skipped"
        else:
            result.expected["created"] += 1
            result.statuses[number] = "created"
            last_valid_email = email
    result.data = out.getvalue().encode()
    return result
