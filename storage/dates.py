"""Programme dates: a year, a year-month or a day, as the programme file gives them."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_FINNISH_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_FINNISH_MONTH = re.compile(r"^(\d{1,2})[/.](\d{4})$")


def normalize_when(value: object) -> str | None:
    """`2026`, `2026-06` or `2026-06-30` from what YAML or Excel gives (also `6/2026`,
    `30.6.2026`); None if it is not a date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    month: int | None
    day: int | None
    if match := _FINNISH_DAY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _FINNISH_MONTH.match(text):
        month, year = (int(g) for g in match.groups())
        day = None
    elif match := _ISO.match(text):
        year = int(match[1])
        month = int(match[2]) if match[2] else None
        day = int(match[3]) if match[3] else None
    else:
        return None
    if not 1900 <= year <= 2200:
        return None
    try:
        if day is not None and month is not None:
            return date(year, month, day).isoformat()
    except ValueError:
        return None
    if month is not None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return f"{year:04d}"


def parts(when: str) -> tuple[int, int | None, int | None]:
    pieces = [int(p) for p in when.split("-")]
    return pieces[0], pieces[1] if len(pieces) > 1 else None, pieces[2] if len(pieces) > 2 else None


def first_day(when: str) -> date:
    year, month, day = parts(when)
    return date(year, month or 1, day or 1)


def last_day(when: str) -> date:
    """The last day a `due` covers: `2026-06` is due by the end of June."""
    year, month, day = parts(when)
    if day is not None and month is not None:
        return date(year, month, day)
    month = month or 12
    return date(year, month, calendar.monthrange(year, month)[1])
