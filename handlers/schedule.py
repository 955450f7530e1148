"""When the twice-yearly leadership summary and its reminders fall due.

Pure calendar logic, free of any database, chat platform or scheduler: callers pass `now`
and the settings, so the bot can decide on start-up (not only when a timer fires) whether
a summary or a reminder is owed. That is what lets a summary missed while the bot was down
still be posted once, within the grace period.

Rules (PRODUCT.md, "The leadership summary"): a configured month-day on a weekend or a
Finnish public holiday (the `holidays` package's FI calendar, Midsummer Eve and Christmas
Eve included) moves to the next working day; a summary belongs to the half-year of its
moved date; reminders fall a given number of days before the moved date, by the same
working-day rule.

Local times are always built with `datetime.combine(day, at, tzinfo=zone)` and instants are
compared in UTC, so daylight-saving changes never shift a summary by an hour. (Finland
changes its clocks on Sundays, which are never working days, so a moved summary or
reminder never lands on a local time that is skipped or repeated.)
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "Calendar",
    "SummaryKey",
    "SummarySlot",
    "check_reminder_days",
    "due_reminder",
    "due_summary",
    "half_year",
    "hand_post_key",
    "is_working_day",
    "next_summary",
    "next_working_day",
    "parse_month_days",
    "parse_time",
    "period_bounds",
    "period_of",
    "reminder_days",
    "scheduled_key",
    "summary_slots",
    "window_start",
]

_PERIOD = re.compile(r"([0-9]{4})-H([12])")
_MONTH_DAY = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
_SATURDAY = 5
# No run of weekends and holidays in Finland is anywhere near this long; the bound only
# stops an endless loop should the holiday calendar ever be broken.
_MAX_DAYS_OFF = 31


def _require_date(day: date) -> date:
    """Refuse a datetime: its calendar day depends on the zone, so the caller must pick it."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}; use .astimezone(zone).date()")
    return day


def _require_aware(now: datetime) -> datetime:
    """A naive `now` would silently be read in the server's zone; insist on an instant."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def _utc(moment: datetime) -> datetime:
    """Compare instants in UTC: aware datetimes sharing a tzinfo compare by wall clock."""
    return moment.astimezone(UTC)


def period_of(day: date) -> str:
    """The half-year a summary reports on: `2025-H1` for January–June, `2025-H2` after."""
    _require_date(day)
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of a half-year period such as `2025-H1`."""
    match = _PERIOD.fullmatch(period) if isinstance(period, str) else None
    if match is None or int(match[1]) < 1:
        raise ValueError(f"malformed period {period!r}; expected e.g. '2025-H1' or '2025-H2'")
    year = int(match[1])
    if match[2] == "1":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    """Finland's public holidays of one year; cached because every look-up needs them."""
    return frozenset(holidays.country_holidays("FI", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday–Friday and not a Finnish public holiday: the days city offices are open."""
    _require_date(day)
    return day.weekday() < _SATURDAY and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself if offices are open, else the first open day after it."""
    _require_date(day)
    for offset in range(_MAX_DAYS_OFF + 1):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise RuntimeError(f"no working day within {_MAX_DAYS_OFF} days of {day}")


@dataclass(frozen=True)
class SummarySlot:
    """One scheduled summary: where it was configured, and where the calendar moved it."""

    configured: date  # the configured month-day in that year
    day: date  # moved to the next working day
    at: datetime  # aware, in the given zone: `day` at the configured local time
    period: str  # period_of(day): a summary belongs to the half-year of its moved date


def parse_month_days(values: list[str]) -> list[tuple[int, int]]:
    """`["05-20", "09-20"]` → `[(5, 20), (9, 20)]`, refusing anything that is not a real
    day of every year, so a bad setting fails at start-up rather than on the day."""
    parsed: list[tuple[int, int]] = []
    for raw in values:
        text = raw.strip()
        match = _MONTH_DAY.fullmatch(text)
        if match is None:
            raise ValueError(f"summary date {raw!r} is not in the form MM-DD, e.g. '05-20'")
        month, day = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"summary date {raw!r}: month {month} is not 1–12 (form MM-DD)")
        if (month, day) == (2, 29):
            raise ValueError(f"summary date {raw!r}: 29 February exists only in leap years")
        try:
            date(2001, month, day)  # a common year: every accepted month-day exists every year
        except ValueError:
            raise ValueError(f"summary date {raw!r}: month {month} has no day {day}") from None
        if (month, day) in parsed:
            raise ValueError(f"summary date {raw!r} is given twice")
        parsed.append((month, day))
    if not parsed:
        raise ValueError("no summary dates given; expected e.g. '05-20,09-20'")
    return parsed


def parse_time(value: str) -> time:
    """`"09:00"` → `time(9, 0)`: the local time of day a summary is posted. The Finnish
    `9.00` is accepted too, as that is how a coordinator in Tornio writes it."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"time {value!r} is not in the form HH:MM, e.g. '09:00'")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"time {value!r} is not a time of day (00:00–23:59)")
    return time(hour, minute)


def summary_slots(
    year: int, month_days: list[tuple[int, int]], at: time, zone: ZoneInfo
) -> list[SummarySlot]:
    """The summaries configured in `year`, each moved to a working day, sorted by time.

    A slot configured late in December may move into January of the next year. Two
    configured days that move onto the same day give one slot (the earlier configured)."""
    slots: dict[datetime, SummarySlot] = {}
    for month, day_of_month in sorted(month_days):
        configured = date(year, month, day_of_month)
        day = next_working_day(configured)
        moment = datetime.combine(day, at, tzinfo=zone)
        slots.setdefault(moment, SummarySlot(configured, day, moment, period_of(day)))
    return sorted(slots.values(), key=lambda slot: _utc(slot.at))


def _slots_between(
    first_year: int, last_year: int, month_days: list[tuple[int, int]], at: time, zone: ZoneInfo
) -> list[SummarySlot]:
    """Slots configured in the given years, inclusive, in time order."""
    slots = [
        slot
        for year in range(first_year, last_year + 1)
        for slot in summary_slots(year, month_days, at, zone)
    ]
    return sorted(slots, key=lambda slot: _utc(slot.at))


def due_summary(
    now: datetime,
    month_days: list[tuple[int, int]],
    at: time,
    zone: ZoneInfo,
    grace: timedelta = timedelta(days=7),
) -> SummarySlot | None:
    """The summary owed right now, if any: the latest slot with `at <= now < at + grace`.

    Asked on start-up as well as on schedule, so a summary missed while the bot was down is
    still posted (once: the caller claims the period in the database). The grace is elapsed
    time, measured in UTC."""
    _require_aware(now)
    if grace < timedelta(0):
        raise ValueError("grace must not be negative")
    local = now.astimezone(zone)
    # The previous year too: a late-December date may move into January.
    first_year = max(1, local.year - 1 - grace.days // 365)
    moment = _utc(now)
    due = [
        slot
        for slot in _slots_between(first_year, local.year, month_days, at, zone)
        if _utc(slot.at) <= moment < _utc(slot.at) + grace
    ]
    return due[-1] if due else None


def next_summary(
    now: datetime, month_days: list[tuple[int, int]], at: time, zone: ZoneInfo
) -> SummarySlot:
    """The first summary strictly after `now`: what reminders count down to."""
    _require_aware(now)
    if not month_days:
        raise ValueError("no summary dates configured")
    year = now.astimezone(zone).year
    moment = _utc(now)
    for slot in _slots_between(year - 1, year + 1, month_days, at, zone):
        if _utc(slot.at) > moment:
            return slot
    raise AssertionError("unreachable: next year always has a slot")  # pragma: no cover


def reminder_days(slot: SummarySlot, days_before: list[int]) -> list[date]:
    """The working days on which owners are reminded of `slot`, sorted and unique.

    Each is `n` days before the moved summary day, moved forward to a working day; one that
    would move onto (or past) the summary day is dropped, as the summary itself then says it."""
    days = {next_working_day(slot.day - timedelta(days=n)) for n in days_before}
    return sorted(day for day in days if day < slot.day)


def due_reminder(
    now: datetime,
    month_days: list[tuple[int, int]],
    at: time,
    zone: ZoneInfo,
    days_before: list[int],
) -> tuple[SummarySlot, date] | None:
    """The reminder owed right now for the next summary, as (summary, reminder day), or None.

    It is the latest reminder day that has come (at the summary's local time), so a bot that
    was down on the 14-days-before day still reminds when it is back, and once the 3-day
    one has come only that one counts. It stays returned until the summary is due: the
    caller sends at most one reminder a person per (summary, day)."""
    slot = next_summary(now, month_days, at, zone)
    moment = _utc(now)
    come = [
        day
        for day in reminder_days(slot, days_before)
        if _utc(datetime.combine(day, at, tzinfo=zone)) <= moment
    ]
    return (slot, come[-1]) if come else None


# --- which summary a post is -------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The configured schedule (DIGIBOT_SUMMARY_DATES, _TIME, _REMINDER_DAYS), checked."""

    month_days: tuple[tuple[int, int], ...] = ((5, 20), (9, 20))
    at: time = time(9, 0)
    reminder_days: tuple[int, ...] = (14, 3)
    grace: timedelta = timedelta(days=7)

    @classmethod
    def parse(cls, dates: list[str], at: str, days_before: list[int]) -> Calendar:
        month_days = parse_month_days(dates)
        check_reminder_days(month_days, days_before)
        return cls(tuple(month_days), parse_time(at), tuple(days_before))


def check_reminder_days(month_days: list[tuple[int, int]], days_before: list[int]) -> None:
    """Refuse reminder days that repeat or reach back to the previous summary date: the
    reminder window before a date must not swallow the summary before it."""
    for n, days in enumerate(days_before):
        if days in days_before[:n]:
            raise ValueError(f"reminder day {days} is given twice")
    if not days_before or not month_days:
        return
    ordinals = sorted(date(2001, month, day).toordinal() for month, day in month_days)
    gaps = [b - a for a, b in itertools.pairwise(ordinals)]
    gaps.append(ordinals[0] + 365 - ordinals[-1])  # from the last date to next year's first
    if max(days_before) >= min(gaps):
        raise ValueError(
            f"{max(days_before)} reminder days before a summary reach the summary before it: "
            f"the smallest gap between summary dates is {min(gaps)} days"
        )


@dataclass(frozen=True)
class SummaryKey:
    """Which summary a post is: its name (unique per channel), scheduled or extra, and the
    half-year its title speaks of."""

    name: str
    kind: str  # "scheduled" or "extra"
    half_year: str


def _name(slot: SummarySlot, calendar: Calendar, zone: ZoneInfo) -> str:
    """`2025-H1` when it is the only summary of its half-year, else its moved date."""
    year, month_days = slot.configured.year, list(calendar.month_days)
    same_half = [
        other
        for other in _slots_between(year - 1, year + 1, month_days, calendar.at, zone)
        if other.period == slot.period
    ]
    return slot.period if len(same_half) == 1 else slot.day.isoformat()


def scheduled_key(slot: SummarySlot, calendar: Calendar, zone: ZoneInfo) -> SummaryKey:
    return SummaryKey(_name(slot, calendar, zone), "scheduled", slot.period)


def window_start(slot: SummarySlot, calendar: Calendar, zone: ZoneInfo) -> datetime:
    """From the start of the day the largest reminder day names, a hand post is the slot's."""
    before = max(calendar.reminder_days, default=0)
    return datetime.combine(slot.day - timedelta(days=before), time(0), tzinfo=zone)


def hand_post_key(now: datetime, calendar: Calendar, zone: ZoneInfo) -> SummaryKey:
    """A coordinator's post at `now`: the next date's summary within its reminder window,
    the date's summary while it is due (posted already, or missed), else an extra named
    by its local day, which never stands in for a scheduled summary."""
    month_days = list(calendar.month_days)
    coming = next_summary(now, month_days, calendar.at, zone)
    due = due_summary(now, month_days, calendar.at, zone, calendar.grace)
    start = _utc(window_start(coming, calendar, zone))
    if start <= _utc(now) and (due is None or start > _utc(due.at)):
        return scheduled_key(coming, calendar, zone)
    if due is not None:
        return scheduled_key(due, calendar, zone)
    day = now.astimezone(zone).date()
    return SummaryKey(f"{day.isoformat()}-extra", "extra", period_of(day))


def half_year(name: str) -> str:
    """The half-year a summary's name speaks of: `2025-H1`, `2025-05-20`, `2025-01-15-extra`."""
    if _PERIOD.fullmatch(name):
        return name
    return period_of(date.fromisoformat(name[:10]))
