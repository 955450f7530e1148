"""The summary calendar: half-year periods, Finnish working days, moved dates, the grace
after a missed summary, reminders, and daylight-saving changes. Weekdays are checked with
the standard `calendar` module so that every expected move is visibly right."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule import (
    SummarySlot,
    due_reminder,
    due_summary,
    is_working_day,
    next_summary,
    next_working_day,
    parse_month_days,
    parse_time,
    period_bounds,
    period_of,
    reminder_days,
    summary_slots,
)

HEL = ZoneInfo("Europe/Helsinki")
DEFAULT_DAYS = [(5, 20), (9, 20)]
NINE = time(9, 0)
REMIND = [14, 3]


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=HEL)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def weekday(day: date) -> str:
    return calendar.day_name[calendar.weekday(day.year, day.month, day.day)]


def slot_for(configured: date, at: time = NINE) -> SummarySlot:
    (slot,) = summary_slots(configured.year, [(configured.month, configured.day)], at, HEL)
    assert slot.configured == configured
    return slot


# --- periods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2025, 1, 1), "2025-H1"),
        (date(2025, 6, 30), "2025-H1"),
        (date(2025, 7, 1), "2025-H2"),
        (date(2025, 12, 31), "2025-H2"),
        (date(2026, 1, 1), "2026-H1"),
    ],
)
def test_period_of_half_year_boundaries(day: date, period: str) -> None:
    assert period_of(day) == period


def test_period_is_decided_by_the_local_day_not_utc() -> None:
    last_minute_of_june = local(2025, 6, 30, 23, 59)
    assert period_of(last_minute_of_june.date()) == "2025-H1"
    # 21:30 UTC on 30 June is already 00:30 on 1 July in Helsinki: the local day decides.
    just_after = utc(2025, 6, 30, 21, 30)
    assert just_after.date() == date(2025, 6, 30)
    assert period_of(just_after.astimezone(HEL).date()) == "2025-H2"
    new_year = utc(2025, 12, 31, 22, 30)
    assert period_of(new_year.date()) == "2025-H2"
    assert period_of(new_year.astimezone(HEL).date()) == "2026-H1"


def test_period_of_refuses_a_datetime_whose_day_depends_on_the_zone() -> None:
    with pytest.raises(TypeError, match="astimezone"):
        period_of(utc(2025, 6, 30, 21, 30))


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2025-H1", (date(2025, 1, 1), date(2025, 6, 30))),
        ("2025-H2", (date(2025, 7, 1), date(2025, 12, 31))),
        ("2028-H1", (date(2028, 1, 1), date(2028, 6, 30))),
    ],
)
def test_period_bounds_round_trip(period: str, bounds: tuple[date, date]) -> None:
    first, last = period_bounds(period)
    assert (first, last) == bounds
    assert period_of(first) == period_of(last) == period
    assert period_of(first - timedelta(days=1)) != period
    assert period_of(last + timedelta(days=1)) != period


def test_period_bounds_cover_every_day_exactly_once() -> None:
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        first, last = period_bounds(period_of(day))
        assert first <= day <= last
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "bad",
    ["2025-H3", "2025-H0", "2025H1", "25-H1", "2025-h1", "2025-H1 ", "", "H1-2025", "0000-H1",
     "２０２５-H1"],
)  # fmt: skip
def test_malformed_periods_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="malformed period"):
        period_bounds(bad)


# --- working days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 1, 6), "Epiphany"),
        (date(2025, 4, 18), "Good Friday"),
        (date(2025, 4, 21), "Easter Monday"),
        (date(2025, 5, 1), "May Day"),
        (date(2025, 5, 29), "Ascension Day"),
        (date(2025, 6, 20), "Midsummer Eve"),
        (date(2025, 12, 24), "Christmas Eve"),
        (date(2027, 12, 6), "Independence Day"),
    ],
)
def test_finnish_holidays_on_weekdays_are_not_working_days(day: date, name: str) -> None:
    assert calendar.weekday(day.year, day.month, day.day) < calendar.SATURDAY, name
    assert not is_working_day(day), name


def test_ordinary_weekdays_work_and_weekends_do_not() -> None:
    assert is_working_day(date(2025, 5, 20))  # Tuesday
    assert is_working_day(date(2025, 12, 31))  # New Year's Eve is an ordinary working day
    assert is_working_day(date(2025, 5, 30))  # the Friday after Ascension Day
    assert not is_working_day(date(2025, 5, 17))  # Saturday
    assert not is_working_day(date(2025, 5, 18))  # Sunday


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (date(2025, 5, 20), date(2025, 5, 20)),  # a working day stays
        (date(2028, 5, 20), date(2028, 5, 22)),  # Saturday → Monday
        (date(2025, 5, 29), date(2025, 5, 30)),  # Ascension Day (Thu) → Friday
        (date(2026, 6, 19), date(2026, 6, 22)),  # Midsummer Eve (Fri) → Monday
        (date(2025, 12, 24), date(2025, 12, 29)),  # 24–26 holidays, 27–28 weekend
        (date(2025, 4, 18), date(2025, 4, 22)),  # Good Friday → Tuesday after Easter Monday
        (date(2028, 12, 30), date(2029, 1, 2)),  # Saturday, Sunday, New Year's Day
    ],
)
def test_next_working_day_moves_forward(day: date, moved: date) -> None:
    assert next_working_day(day) == moved
    assert is_working_day(moved)
    between = day
    while between < moved:
        assert not is_working_day(between)
        between += timedelta(days=1)


def test_named_weekdays_of_the_examples() -> None:
    assert weekday(date(2028, 5, 20)) == "Saturday"
    assert weekday(date(2028, 5, 22)) == "Monday"
    assert weekday(date(2025, 5, 29)) == "Thursday"
    assert weekday(date(2026, 6, 19)) == "Friday"
    assert weekday(date(2025, 12, 27)) == "Saturday"
    assert weekday(date(2025, 12, 29)) == "Monday"


def test_no_working_day_is_a_daylight_saving_change_day() -> None:
    # Finland changes clocks on Sundays, so a summary or reminder at any local time never
    # falls into a skipped or repeated hour.
    day = date(2020, 1, 1)
    while day < date(2041, 1, 1):
        if is_working_day(day):
            start = datetime.combine(day, time(0), tzinfo=HEL)
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=HEL)
            assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24), day
        day += timedelta(days=1)


def test_next_working_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        next_working_day(local(2025, 5, 17, 12))


# --- the summary slots -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # 2025-05-20 Tuesday stays; 2025-09-20 Saturday → Monday 22nd.
        (2025, [(date(2025, 5, 20), date(2025, 5, 20)), (date(2025, 9, 20), date(2025, 9, 22))]),
        # 2026-05-20 Wednesday stays; 2026-09-20 Sunday → Monday 21st.
        (2026, [(date(2026, 5, 20), date(2026, 5, 20)), (date(2026, 9, 20), date(2026, 9, 21))]),
        # 2027-05-20 Thursday and 2027-09-20 Monday both stay.
        (2027, [(date(2027, 5, 20), date(2027, 5, 20)), (date(2027, 9, 20), date(2027, 9, 20))]),
        # 2028-05-20 Saturday → Monday 22nd; 2028-09-20 Wednesday stays.
        (2028, [(date(2028, 5, 20), date(2028, 5, 22)), (date(2028, 9, 20), date(2028, 9, 20))]),
    ],
)
def test_default_dates_and_their_real_moves(year: int, expected: list[tuple[date, date]]) -> None:
    slots = summary_slots(year, DEFAULT_DAYS, NINE, HEL)
    assert [(s.configured, s.day) for s in slots] == expected
    for slot in slots:
        assert is_working_day(slot.day)
        assert slot.at == datetime.combine(slot.day, NINE, tzinfo=HEL)
        assert slot.at.tzinfo is HEL
        # 09:00 in summer time (EEST, UTC+3) is 06:00 UTC, in May and in September alike.
        assert slot.at.astimezone(UTC).time() == time(6, 0)
        assert slot.period == f"{year}-H{1 if slot.day.month <= 6 else 2}"


def test_weekdays_behind_the_default_moves() -> None:
    assert [weekday(date(y, 9, 20)) for y in (2025, 2026, 2027)] == [
        "Saturday",
        "Sunday",
        "Monday",
    ]
    assert [weekday(date(y, 5, 20)) for y in (2025, 2026, 2027, 2028)] == [
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Saturday",
    ]


def test_slots_are_sorted_by_time_whatever_the_configured_order() -> None:
    slots = summary_slots(2025, [(9, 20), (5, 20)], NINE, HEL)
    assert [s.day for s in slots] == [date(2025, 5, 20), date(2025, 9, 22)]


def test_two_dates_moving_onto_the_same_day_give_one_summary() -> None:
    slots = summary_slots(2025, [(12, 24), (12, 26)], NINE, HEL)
    assert len(slots) == 1
    assert slots[0].configured == date(2025, 12, 24)
    assert slots[0].day == date(2025, 12, 29)


def test_october_dst_change_keeps_nine_local() -> None:
    # Summer time ends on Sunday 2025-10-26: 09:00 is 06:00 UTC before, 07:00 UTC after.
    assert weekday(date(2025, 10, 24)) == "Friday"
    assert weekday(date(2025, 10, 26)) == "Sunday"
    friday, monday = summary_slots(2025, [(10, 24), (10, 26)], NINE, HEL)
    assert friday.at.astimezone(UTC) == utc(2025, 10, 24, 6, 0)
    assert monday.day == date(2025, 10, 27)
    assert monday.at.astimezone(UTC) == utc(2025, 10, 27, 7, 0)
    assert monday.at.astimezone(HEL).hour == 9


def test_march_dst_change_keeps_nine_local() -> None:
    # Summer time starts on Sunday 2025-03-30: 09:00 is 07:00 UTC before, 06:00 UTC after.
    assert weekday(date(2025, 3, 30)) == "Sunday"
    friday, monday = summary_slots(2025, [(3, 28), (3, 30)], NINE, HEL)
    assert friday.at.astimezone(UTC) == utc(2025, 3, 28, 7, 0)
    assert monday.day == date(2025, 3, 31)
    assert monday.at.astimezone(UTC) == utc(2025, 3, 31, 6, 0)
    assert monday.at.astimezone(HEL).hour == 9


def test_a_late_december_date_can_move_into_next_years_first_half() -> None:
    assert weekday(date(2028, 12, 31)) == "Sunday"  # then New Year's Day (Monday)
    slot = slot_for(date(2028, 12, 31))
    assert slot.day == date(2029, 1, 2)
    assert slot.period == "2029-H1"
    christmas = slot_for(date(2025, 12, 24))
    assert (christmas.day, christmas.period) == (date(2025, 12, 29), "2025-H2")


# --- due_summary -----------------------------------------------------------------------


def test_due_summary_window_is_seven_days_from_the_moved_time() -> None:
    at = local(2025, 5, 20, 9, 0)
    assert due_summary(at - timedelta(seconds=1), DEFAULT_DAYS, NINE, HEL) is None
    slot = due_summary(at, DEFAULT_DAYS, NINE, HEL)
    assert slot is not None
    assert (slot.day, slot.period) == (date(2025, 5, 20), "2025-H1")
    later = due_summary(at + timedelta(days=6, hours=23), DEFAULT_DAYS, NINE, HEL)
    assert later == slot
    assert due_summary(at + timedelta(days=7), DEFAULT_DAYS, NINE, HEL) is None


def test_due_summary_accepts_now_in_any_zone() -> None:
    slot = due_summary(utc(2025, 5, 20, 6, 0), DEFAULT_DAYS, NINE, HEL)
    assert slot is not None and slot.day == date(2025, 5, 20)
    assert due_summary(utc(2025, 5, 20, 5, 59), DEFAULT_DAYS, NINE, HEL) is None


def test_due_summary_after_a_moved_date() -> None:
    # Configured Saturday 2025-09-20, moved to Monday 22nd: nothing due on the Saturday.
    assert due_summary(local(2025, 9, 20, 9, 0), DEFAULT_DAYS, NINE, HEL) is None
    slot = due_summary(local(2025, 9, 25, 14, 0), DEFAULT_DAYS, NINE, HEL)
    assert slot is not None
    assert (slot.configured, slot.day, slot.period) == (
        date(2025, 9, 20),
        date(2025, 9, 22),
        "2025-H2",
    )


def test_due_summary_grace_is_elapsed_time_across_the_october_change() -> None:
    # Friday 2025-10-24 09:00 EEST = 06:00 UTC; seven days later is 06:00 UTC = 08:00 EET.
    days = [(10, 24)]
    assert due_summary(local(2025, 10, 31, 7, 59), days, NINE, HEL) is not None
    assert due_summary(local(2025, 10, 31, 8, 0), days, NINE, HEL) is None


def test_due_summary_across_a_new_year() -> None:
    days = [(5, 20), (12, 31)]
    assert due_summary(local(2029, 1, 1, 12, 0), days, NINE, HEL) is None  # New Year's Day
    for now in (local(2029, 1, 2, 9, 0), local(2029, 1, 2, 15, 0), local(2029, 1, 8, 8, 59)):
        slot = due_summary(now, days, NINE, HEL)
        assert slot is not None, now
        assert (slot.configured, slot.day, slot.period) == (
            date(2028, 12, 31),
            date(2029, 1, 2),
            "2029-H1",
        )
    assert due_summary(local(2029, 1, 9, 9, 0), days, NINE, HEL) is None


def test_due_summary_picks_the_latest_of_two_within_the_grace() -> None:
    days = [(5, 20), (5, 22)]
    slot = due_summary(local(2025, 5, 23, 9, 0), days, NINE, HEL)
    assert slot is not None and slot.day == date(2025, 5, 22)


def test_due_summary_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_summary(datetime(2025, 5, 20, 9, 0), DEFAULT_DAYS, NINE, HEL)  # noqa: DTZ001


# --- next_summary ----------------------------------------------------------------------


def test_next_summary_is_strictly_after_now() -> None:
    assert next_summary(local(2025, 1, 1), DEFAULT_DAYS, NINE, HEL).day == date(2025, 5, 20)
    just_before = local(2025, 5, 20, 8, 59)
    assert next_summary(just_before, DEFAULT_DAYS, NINE, HEL).day == date(2025, 5, 20)
    at = local(2025, 5, 20, 9, 0)
    assert next_summary(at, DEFAULT_DAYS, NINE, HEL).day == date(2025, 9, 22)
    december = next_summary(local(2025, 12, 1), DEFAULT_DAYS, NINE, HEL)
    assert (december.day, december.period) == (date(2026, 5, 20), "2026-H1")


def test_next_summary_finds_last_years_date_moved_into_january() -> None:
    days = [(5, 20), (12, 31)]
    slot = next_summary(local(2029, 1, 1, 12, 0), days, NINE, HEL)
    assert (slot.configured, slot.day) == (date(2028, 12, 31), date(2029, 1, 2))


# --- reminders -------------------------------------------------------------------------


def test_reminder_days_default_spring_2025() -> None:
    slot = slot_for(date(2025, 5, 20))
    assert weekday(slot.day) == "Tuesday"
    assert weekday(date(2025, 5, 6)) == "Tuesday"  # 14 days before
    assert weekday(date(2025, 5, 17)) == "Saturday"  # 3 days before → Monday 19th
    assert reminder_days(slot, REMIND) == [date(2025, 5, 6), date(2025, 5, 19)]
    assert reminder_days(slot, [3, 14]) == [date(2025, 5, 6), date(2025, 5, 19)]


def test_reminder_days_count_from_the_moved_date() -> None:
    slot = slot_for(date(2025, 9, 20))  # Saturday → Monday 22nd
    assert reminder_days(slot, REMIND) == [date(2025, 9, 8), date(2025, 9, 19)]


def test_reminder_on_a_holiday_moves_forward_and_duplicates_collapse() -> None:
    slot = slot_for(date(2025, 6, 2))  # Monday
    # 4 days before is Ascension Day (Thursday 29 May) → Friday 30 May, as is 3 days before.
    assert reminder_days(slot, [4, 3]) == [date(2025, 5, 30)]


def test_reminder_that_would_reach_the_summary_day_is_dropped() -> None:
    slot = slot_for(date(2025, 12, 24))  # moved to Monday 29 December
    # 14 before: Monday 15th; 3 before: Friday 26th (Second Day of Christmas) → 29th: dropped.
    assert reminder_days(slot, REMIND) == [date(2025, 12, 15)]
    monday = slot_for(date(2025, 9, 20))  # Monday 22nd; 1 and 2 days before fall on the weekend
    assert reminder_days(monday, [1, 2]) == []
    assert reminder_days(monday, [0]) == []


def test_due_reminder_sequence_over_spring_2025() -> None:
    def check(now: datetime) -> tuple[date, date] | None:
        found = due_reminder(now, DEFAULT_DAYS, NINE, HEL, REMIND)
        return None if found is None else (found[0].day, found[1])

    may20 = date(2025, 5, 20)
    assert check(local(2025, 1, 15)) is None
    assert check(local(2025, 5, 6, 8, 59)) is None
    assert check(local(2025, 5, 6, 9, 0)) == (may20, date(2025, 5, 6))
    # The bot was down on the 6th and came back on the 10th: the 14-day reminder is owed.
    assert check(local(2025, 5, 10, 12, 0)) == (may20, date(2025, 5, 6))
    assert check(local(2025, 5, 19, 8, 59)) == (may20, date(2025, 5, 6))
    assert check(local(2025, 5, 19, 9, 0)) == (may20, date(2025, 5, 19))
    assert check(local(2025, 5, 20, 8, 59)) == (may20, date(2025, 5, 19))
    # Once the summary is due, no reminder: the next one counts down to September.
    assert check(local(2025, 5, 20, 9, 0)) is None
    assert due_summary(local(2025, 5, 20, 9, 0), DEFAULT_DAYS, NINE, HEL) is not None
    assert check(local(2025, 9, 8, 9, 0)) == (date(2025, 9, 22), date(2025, 9, 8))


def test_due_reminder_across_the_march_dst_change() -> None:
    # Summary configured Sunday 30 March 2025 → Monday 31st; 3 days before is Friday 28th,
    # still winter time: 09:00 EET is 07:00 UTC.
    days = [(3, 30)]
    assert due_reminder(utc(2025, 3, 28, 6, 59), days, NINE, HEL, [3]) is None
    found = due_reminder(utc(2025, 3, 28, 7, 0), days, NINE, HEL, [3])
    assert found is not None
    slot, day = found
    assert (slot.day, day) == (date(2025, 3, 31), date(2025, 3, 28))
    assert slot.at.astimezone(UTC) == utc(2025, 3, 31, 6, 0)


# --- settings parsing ------------------------------------------------------------------


def test_parse_month_days() -> None:
    assert parse_month_days(["05-20", "09-20"]) == [(5, 20), (9, 20)]
    assert parse_month_days([" 5-20", "09-20 "]) == [(5, 20), (9, 20)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("13-01", "month 13"),
        ("00-10", "month 0"),
        ("5/20", "MM-DD"),
        ("0520", "MM-DD"),
        ("05-20-2025", "MM-DD"),
        ("", "MM-DD"),
        ("02-30", "has no day 30"),
        ("04-31", "has no day 31"),
        ("05-00", "has no day 0"),
        ("02-29", "leap years"),
    ],
)
def test_parse_month_days_errors(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as excinfo:
        parse_month_days(["05-20", bad])
    assert repr(bad) in str(excinfo.value)


def test_parse_month_days_refuses_duplicates_and_nothing() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_month_days(["05-20", "5-20"])
    with pytest.raises(ValueError, match="no summary dates"):
        parse_month_days([])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("09:00", time(9, 0)), ("9:30", time(9, 30)), ("00:00", time(0)), ("23:59", time(23, 59)),
     ("9.00", time(9, 0))],
)  # fmt: skip
def test_parse_time(text: str, parsed: time) -> None:
    assert parse_time(text) == parsed


@pytest.mark.parametrize("bad", ["25:00", "24:00", "09:60", "9", "", "09:00:00", "9am", "0900"])
def test_parse_time_errors(bad: str) -> None:
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        parse_time(bad)
