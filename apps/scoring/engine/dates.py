"""Date ranges in resume text ("2019 - 2023", "Jan 2019 – Present", "03/2018 to 06/2020") as month intervals.

A month is counted as ``year * 12 + month - 1``; an interval is ``[start, end)``. A year-only range
counts whole years between its years ("2019 - 2023" is four years), a range with months includes its
end month, and "present" ends at the reference date's month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for name in names
}
_MONTH_NAME = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_YEAR = r"(?:19|20)\d\d"
_POINT = rf"(?:{_MONTH_NAME}\s*,?\s*{_YEAR}|\d{{1,2}}\s*/\s*{_YEAR}|{_YEAR}\s*[-/]\s*\d{{1,2}}(?!\d)|{_YEAR})"
_NOW = r"(?:present|current(?:ly)?|now|today|date|ongoing)"
_RANGE_RE = re.compile(
    rf"(?<![\w/])(?P<start>{_POINT})\s*(?:-|–|—|to:?|until|till|through|thru|up\s+to)\s*(?P<end>{_POINT}|{_NOW})(?![\w/])",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(_YEAR)


@dataclass(frozen=True, slots=True)
class DateRange:
    start_month: int
    end_month: int  # exclusive
    start: int  # character offsets of the range in its text
    end: int

    @property
    def months(self) -> int:
        return max(0, self.end_month - self.start_month)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _point(text: str) -> tuple[int, bool]:
    """Return (month index, whether the month was given) of one end of a range."""
    lowered = text.lower().strip()
    year = int(_YEAR_RE.search(lowered).group())
    word = re.match(r"[a-z]+", lowered)
    if word and word.group() in _MONTHS:
        return year * 12 + _MONTHS[word.group()], True
    numbers = [int(n) for n in re.findall(r"\d+", lowered)]
    if len(numbers) == 2:
        month = numbers[0] if numbers[1] == year else numbers[1]
        if 1 <= month <= 12:
            return year * 12 + month - 1, True
    return year * 12, False


def find_ranges(text: str, reference: date, start: int = 0, end: int | None = None) -> list[DateRange]:
    """Return the date ranges in ``text[start:end]``, clipped to the reference date."""
    now = month_index(reference)
    found: list[DateRange] = []
    for match in _RANGE_RE.finditer(text, start, len(text) if end is None else end):
        first, first_has_month = _point(match.group("start"))
        last_text = match.group("end")
        if _YEAR_RE.search(last_text):
            last, last_has_month = _point(last_text)
            # A year-only end means "some time that year": whole years between the two years,
            # half a year when both are the same year.
            if last_has_month:
                last += 1
            elif not first_has_month and last == first:
                last += 6
        else:
            last = now
        last = min(last, now)
        if last > first:
            found.append(DateRange(first, last, match.start(), match.end()))
    return found


def merged_months(intervals: list[tuple[int, int]]) -> int:
    """Months covered by the union of ``[start, end)`` intervals, so overlapping jobs count once."""
    total, reach = 0, None
    for start, end in sorted(intervals):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total
