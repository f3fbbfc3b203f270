"""The working-day calendar and the deadline arithmetic of the responsibility list (civicgrid.cases.calendar)."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.cases import calendar as cal
from civicgrid.cases.calendar import (
    CalendarError,
    Deadline,
    WorkingCalendar,
    add_minutes,
    elapsed_minutes,
    forget_calendar,
    get_calendar,
    seed_from_library,
    set_day,
)
from civicgrid.cases.models import Clock, WorkCalendarDay
from civicgrid.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
W, N = Clock.WORKDAYS, Clock.NATURAL
DAY = 1440


def at(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """The process-wide calendar must not carry rows of a rolled-back test into the next one."""
    forget_calendar()
    yield
    forget_calendar()


def run(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


# ---- an independent oracle: day by day, asking chinese-calendar itself (plain week where it does not know)

def oracle_is_workday(day: date, extra: dict[date, bool] | None = None) -> bool:
    if extra and day in extra:
        return extra[day]
    if 2004 <= day.year <= 2026:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def oracle_add(start: datetime, minutes: int) -> datetime:
    cursor, remaining = start.astimezone(SH), timedelta(minutes=minutes)
    if not remaining:
        return cursor
    while True:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(), tzinfo=SH)
        if oracle_is_workday(cursor.date()):
            available = midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = midnight


def oracle_elapsed(start: datetime, end: datetime) -> int:
    cursor, end, total = start.astimezone(SH), end.astimezone(SH), timedelta()
    while cursor < end:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(), tzinfo=SH)
        if oracle_is_workday(cursor.date()):
            total += min(midnight, end) - cursor
        cursor = midnight
    return int(total.total_seconds() // 60)


# ---- the data

def test_the_migration_seeded_every_year_the_library_knows():
    assert WorkCalendarDay.objects.count() == len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    years = set(WorkCalendarDay.objects.dates("date", "year").values_list("date__year", flat=True))
    assert years == set(range(2004, 2027))
    national_day = WorkCalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.is_workday, national_day.name, national_day.source) == (False, "国庆节", "chinese-calendar")


def test_2026_holidays_and_make_up_days_match_the_library():
    make_up = {row.date: row.name for row in WorkCalendarDay.objects.filter(date__year=2026, is_workday=True)}
    assert make_up == {
        date(2026, 1, 4): "元旦", date(2026, 2, 14): "春节", date(2026, 2, 28): "春节",
        date(2026, 5, 9): "劳动节", date(2026, 9, 20): "国庆节", date(2026, 10, 10): "国庆节",
    }
    assert set(make_up) == {d for d in chinese_calendar.workdays if d.year == 2026}
    holidays = dict(WorkCalendarDay.objects.filter(date__year=2026, is_workday=False).values_list("date", "name"))
    assert holidays == {d: chinese_calendar.Holiday(n).chinese for d, n in chinese_calendar.holidays.items()
                        if d.year == 2026}
    assert [holidays[date(2026, 10, d)] for d in range(1, 8)] == ["国庆节"] * 7
    assert holidays[date(2026, 9, 25)] == "中秋"


def test_every_day_2004_to_2026_agrees_with_the_library():
    calendar = get_calendar()
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_seeding_is_idempotent_repairs_rows_and_keeps_an_administrators_days():
    assert seed_from_library() == (0, 0)
    WorkCalendarDay.objects.filter(date=date(2026, 10, 1)).update(is_workday=True, name="wrong")
    WorkCalendarDay.objects.filter(date=date(2026, 10, 2)).delete()
    set_day(date(2026, 10, 3), is_workday=True, name="本地调整")  # an administrator overrides the library
    assert seed_from_library([2026]) == (1, 1)
    assert seed_from_library() == (0, 0)
    assert WorkCalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert not WorkCalendarDay.objects.get(date=date(2026, 10, 2)).is_workday
    kept = WorkCalendarDay.objects.get(date=date(2026, 10, 3))
    assert (kept.is_workday, kept.name, kept.source) == (True, "本地调整", "admin")


def test_seeding_a_year_the_library_does_not_know_says_so():
    with pytest.raises(CalendarError, match="does not know 2027"):
        seed_from_library([2027])
    with pytest.raises(NotImplementedError):  # the trap: the library itself crashes on next year's dates
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_is_workday_listed_plain_and_uncovered_days():
    calendar = get_calendar()
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, make-up day
    assert calendar.is_workday(date(2026, 9, 20))  # Sunday, make-up day
    assert not calendar.is_workday(date(2026, 10, 5))  # Monday, National Day
    assert not calendar.is_workday(date(2026, 3, 7))  # a plain Saturday
    assert calendar.is_workday(date(2026, 3, 11))  # a plain Wednesday
    assert calendar.is_workday(date(2027, 1, 1))  # unknown year: plain week, no crash...
    assert not calendar.is_covered(2027) and calendar.is_covered(2026)  # ...but not covered
    assert calendar.is_workday(at(2026, 10, 9, 16, 30).astimezone(UTC))  # an instant is judged in local time
    info = calendar.day(date(2026, 10, 1))
    assert (info.is_workday, info.name, info.listed, info.covered) == (False, "国庆节", True, True)


# ---- add_minutes on the working-day clock

def test_across_a_weekend():
    assert add_minutes(at(2026, 3, 6, 15), DAY, W) == Deadline(at(2026, 3, 9, 15))  # Fri 15:00 -> Mon 15:00
    assert add_minutes(at(2026, 3, 6, 22), 240, W).due == at(2026, 3, 9, 2)  # 4 hours from Friday 22:00
    assert add_minutes(at(2026, 3, 2, 9, 30), 5 * DAY, W).due == at(2026, 3, 9, 9, 30)


def test_across_the_2026_national_day_week_and_its_make_up_days():
    # Wed 30 Sep 10:00: 14 h of 30 Sep, 1-7 Oct off, Thu 8 + Fri 9 Oct, then the make-up Saturday 10 Oct
    assert add_minutes(at(2026, 9, 30, 10), 3 * DAY, W).due == at(2026, 10, 10, 10)
    assert add_minutes(at(2026, 9, 30, 10), 4 * DAY, W).due == at(2026, 10, 12, 10)  # Sunday 11 Oct is off
    # Fri 18 Sep 12:00: Saturday off, Sunday 20 Sep is a make-up working day
    assert add_minutes(at(2026, 9, 18, 12), DAY, W).due == at(2026, 9, 20, 12)
    # Thu 24 Sep 12:00 + 2 days: Mid-autumn 25-27 Sep off, Mon 28 Sep counts
    assert add_minutes(at(2026, 9, 24, 12), 2 * DAY, W).due == at(2026, 9, 29, 12)
    # 5 working days from Mon 28 Sep 00:00: 28, 29, 30 Sep, 8, 9 Oct -> due at the end of 9 Oct
    assert add_minutes(at(2026, 9, 28), 5 * DAY, W).due == at(2026, 10, 10)
    assert elapsed_minutes(at(2026, 9, 30, 12), at(2026, 10, 8, 12), W) == 12 * 60 + 12 * 60


def test_a_case_reported_on_a_rest_day_starts_at_midnight_of_the_next_working_day():
    assert add_minutes(at(2026, 10, 3, 14), 60, W).due == at(2026, 10, 8, 1)
    assert add_minutes(at(2026, 3, 7, 9, 30), DAY, W).due == at(2026, 3, 10)  # Saturday: all of Monday
    assert add_minutes(at(2026, 3, 8, 23, 59, 30), 1, W).due == at(2026, 3, 9, 0, 1)
    assert elapsed_minutes(at(2026, 3, 7, 9), at(2026, 3, 9, 8), W) == 8 * 60


def test_midnight_boundaries():
    assert add_minutes(at(2026, 3, 6), DAY, W).due == at(2026, 3, 7)  # ends at Friday 24:00, not Monday 00:00
    assert add_minutes(at(2026, 3, 6, 23, 59), 1, W).due == at(2026, 3, 7)
    assert add_minutes(at(2026, 3, 6, 23, 59), 2, W).due == at(2026, 3, 9, 0, 1)
    assert add_minutes(at(2026, 3, 9), DAY, W).due == at(2026, 3, 10)
    assert add_minutes(at(2026, 3, 7), 0, W).due == at(2026, 3, 7)  # a zero limit is due at once
    assert add_minutes(at(2026, 3, 7), 1, W).due == at(2026, 3, 9, 0, 1)
    assert elapsed_minutes(at(2026, 3, 6, 23), at(2026, 3, 9, 1), W) == 120
    assert elapsed_minutes(at(2026, 3, 7), at(2026, 3, 9), W) == 0
    # month and year boundaries
    assert add_minutes(at(2025, 12, 31, 12), DAY, W).due == at(2026, 1, 4, 12)  # 1-3 Jan off, Sunday 4 Jan works
    assert add_minutes(at(2026, 4, 30, 18), DAY, W).due == at(2026, 5, 6, 18)  # Labour Day 1-5 May


def test_seconds_and_other_zones_are_kept_and_results_are_in_shanghai_time():
    start = datetime(2026, 3, 6, 7, 0, 15, 250, tzinfo=UTC)  # 15:00:15.000250 in Shanghai, a Friday
    due = add_minutes(start, DAY, W).due
    assert due == at(2026, 3, 9, 15, 0, 15) + timedelta(microseconds=250)
    assert due.tzinfo == SH and due.utcoffset() == timedelta(hours=8)


def test_a_december_2026_deadline_crossing_into_2027_is_flagged_not_crashed():
    deadline = add_minutes(at(2026, 12, 31, 12), 2 * DAY, W)
    # 12 h of Thu 31 Dec, Fri 1 Jan 2027 counted as a plain weekday, weekend off, 12 h of Mon 4 Jan
    assert deadline.due == at(2027, 1, 4, 12)
    assert deadline.uncovered_years == {2027} and not deadline.covered
    assert "2027" in deadline.warning
    # ending exactly at 24:00 of 31 Dec counts nothing of 2027
    inside = add_minutes(at(2026, 12, 31), DAY, W)
    assert inside.due == at(2027, 1, 1) and inside.uncovered_years == frozenset() and inside.warning == ""
    assert cal.uncovered_years(at(2026, 12, 30), at(2027, 1, 2), W) == {2027}
    assert cal.uncovered_years(at(2026, 12, 30), at(2027, 1, 1), W) == frozenset()  # up to 24:00 of 31 Dec
    assert cal.uncovered_years(at(2026, 12, 30), at(2027, 1, 2), N) == frozenset()
    assert elapsed_minutes(at(2026, 12, 31, 12), at(2027, 1, 4, 12), W) == 2 * DAY
    # a fraction of a limit (the yellow warning at 80 %)
    assert add_minutes(at(2026, 12, 31, 12), 0.8 * 2 * DAY, W).due == at(2027, 1, 4, 2, 24)
    # a long span over several unknown years
    assert add_minutes(at(2026, 12, 1), 600 * DAY, W).uncovered_years == {2027, 2028, 2029}


def test_an_administrators_2027_holiday_changes_the_result_and_removes_the_flag():
    before = add_minutes(at(2026, 12, 31, 12), 2 * DAY, W)
    output = run("add", "2027-01-01", "--holiday", "元旦")
    assert output.strip() == "Added 2027-01-01 (Friday): holiday (休) 元旦"
    row = WorkCalendarDay.objects.get(date=date(2027, 1, 1))
    assert (row.is_workday, row.name, row.source) == (False, "元旦", "admin")
    assert ChangeRecord.objects.filter(model_label="cases.workcalendarday", object_id=str(row.pk)).exists()
    after = add_minutes(at(2026, 12, 31, 12), 2 * DAY, W)  # the cached calendar saw the new row
    assert before.due == at(2027, 1, 4, 12)
    assert after == Deadline(at(2027, 1, 5, 12), frozenset())
    assert add_minutes(at(2027, 12, 30), 3 * DAY, W).uncovered_years == {2028}
    # a make-up Saturday
    run("add", "2027-01-09", "--workday", "元旦")
    assert add_minutes(at(2027, 1, 8, 12), DAY, W).due == at(2027, 1, 9, 12)
    assert "Removed 2027-01-09" in run("remove", "2027-01-09")
    assert add_minutes(at(2027, 1, 8, 12), DAY, W).due == at(2027, 1, 11, 12)


def test_the_natural_clock_ignores_the_calendar():
    assert add_minutes(at(2026, 10, 1, 10), 3 * DAY, N) == Deadline(at(2026, 10, 4, 10))
    assert add_minutes(at(2026, 12, 31, 12), 2 * DAY, N) == Deadline(at(2027, 1, 2, 12))
    assert add_minutes(at(2026, 3, 6, 23, 30), 45, N).due == at(2026, 3, 7, 0, 15)
    utc_start = datetime(2026, 10, 1, 2, tzinfo=UTC)
    due = add_minutes(utc_start, 90, "natural").due
    assert due == at(2026, 10, 1, 11, 30) and due.tzinfo == SH
    assert elapsed_minutes(at(2026, 10, 1), at(2026, 10, 8), N) == 7 * DAY
    assert elapsed_minutes(utc_start, at(2026, 10, 1, 11), N) == 60  # mixed zones compare as instants
    assert elapsed_minutes(at(2026, 10, 1, 11), utc_start, N) == -60


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(CalendarError, match="timezone-aware"):
        add_minutes(datetime(2026, 3, 6, 12), 60, W)
    with pytest.raises(CalendarError, match="unknown clock"):
        add_minutes(at(2026, 3, 6), 60, "weekdays")
    with pytest.raises(CalendarError, match="negative"):
        add_minutes(at(2026, 3, 6), -1, W)
    with pytest.raises(CalendarError, match="timezone-aware"):
        elapsed_minutes(at(2026, 3, 6), datetime(2026, 3, 7), N)
    with pytest.raises(CalendarError, match="at most 40 characters"):
        set_day(date(2027, 1, 1), is_workday=False, name="节" * 41)


def test_elapsed_minutes_is_the_inverse_of_add_minutes_and_both_match_the_oracle():
    calendar = get_calendar()
    rng = random.Random(20261001)
    lo, hi = at(2025, 9, 1).timestamp(), at(2027, 3, 1).timestamp()
    for i in range(1500):
        start = datetime.fromtimestamp(rng.uniform(lo, hi), tz=SH)
        if i % 3 == 0:
            start = start.replace(hour=0, minute=0, second=0, microsecond=0)  # midnight starts
        elif i % 3 == 1:
            start = start.replace(second=0, microsecond=0)
        minutes = rng.choice([rng.randrange(0, 3 * DAY), rng.randrange(0, 40) * DAY, rng.randrange(0, 90 * DAY)])
        deadline = calendar.add_minutes(start, minutes, W)
        assert deadline.due >= start
        assert calendar.elapsed_minutes(start, deadline.due, W) == minutes, (start, minutes)
        if minutes:  # the earliest such instant: one minute earlier the limit is not yet used up
            assert calendar.elapsed_minutes(start, deadline.due - timedelta(minutes=1), W) == minutes - 1
        assert calendar.elapsed_minutes(deadline.due, start, W) == -minutes
        if i < 400:
            assert deadline.due == oracle_add(start, minutes), (start, minutes)
            end = start + timedelta(minutes=rng.randrange(0, 60 * DAY))
            assert calendar.elapsed_minutes(start, end, W) == oracle_elapsed(start, end), (start, end)
            natural = calendar.add_minutes(start, minutes, N)
            assert calendar.elapsed_minutes(start, natural.due, N) == minutes
        last_counted = (deadline.due - timedelta(microseconds=1)).date()
        expected = {y for y in range(start.year, last_counted.year + 1) if y > 2026} if minutes else set()
        assert deadline.uncovered_years == expected, (start, minutes)


def test_a_calendar_built_in_memory_follows_its_rows():
    calendar = WorkingCalendar([(date(2031, 5, 1), False, "劳动节"), (date(2031, 5, 3), True, "劳动节")])
    assert calendar.covered_years == {2031}
    # Wed 30 Apr 2031 12:00 + 2 days: Thu 1 May off, Fri 2 May, Sat 3 May make-up
    assert calendar.add_minutes(at(2031, 4, 30, 12), 2 * DAY, W) == Deadline(at(2031, 5, 3, 12))
    assert calendar.workdays_between(date(2031, 4, 28), date(2031, 5, 5)) == 5
    empty = WorkingCalendar()
    assert empty.add_minutes(at(2031, 4, 30, 12), 2 * DAY, W) == Deadline(at(2031, 5, 2, 12), frozenset({2031}))


# ---- the cache and the cost

def test_the_calendar_is_loaded_once_and_calls_make_no_query(django_assert_num_queries):
    with django_assert_num_queries(1):  # the rows (their fingerprint is computed from them)
        calendar = get_calendar()
    with django_assert_num_queries(0):
        assert get_calendar() is calendar
        for day in range(200):
            add_minutes(at(2026, 1, 1) + timedelta(days=day, minutes=7 * day), 1000 * DAY, W)
            elapsed_minutes(at(2024, 1, 1), at(2026, 1, 1) + timedelta(days=day), W)


def test_a_1000_day_span_costs_well_under_a_millisecond():
    calendar = get_calendar()
    starts = [at(2024, 1, 1) + timedelta(minutes=997 * i) for i in range(2000)]
    began = time.perf_counter()
    for start in starts:
        due = calendar.add_minutes(start, 1000 * DAY, W).due
        calendar.elapsed_minutes(start, due, W)
    per_pair = (time.perf_counter() - began) / len(starts)
    print(f"add + elapsed over 1000 working days: {per_pair * 1e6:.1f} µs")
    assert per_pair < 0.001, f"{per_pair * 1e6:.0f} µs per add + elapsed"


def test_the_cache_sees_changes_made_elsewhere_after_its_check_interval(settings, django_assert_num_queries):
    calendar = get_calendar()
    assert cal._fingerprint() == calendar.fingerprint  # the database's checksum agrees with the loaded rows'
    settings.CIVICGRID_CALENDAR_CHECK_SECONDS = 0
    assert get_calendar() is calendar  # checked, unchanged: not reloaded
    settings.CIVICGRID_CALENDAR_CHECK_SECONDS = 30
    # a write that sends no signal (as another process's would) is not seen before the next check...
    WorkCalendarDay.objects.bulk_create([WorkCalendarDay(date=date(2026, 10, 8), is_workday=False, name="x")])
    with django_assert_num_queries(0):
        assert get_calendar() is calendar and calendar.is_workday(date(2026, 10, 8))
    # ...and is seen once the check interval has passed
    settings.CIVICGRID_CALENDAR_CHECK_SECONDS = 0
    refreshed = get_calendar()
    assert refreshed is not calendar and not refreshed.is_workday(date(2026, 10, 8))
    WorkCalendarDay.objects.filter(date=date(2026, 10, 8)).update(is_workday=True)
    assert get_calendar() is not refreshed and get_calendar().is_workday(date(2026, 10, 8))
    WorkCalendarDay.objects.filter(date=date(2026, 10, 8)).update(date=date(2026, 10, 15))
    assert get_calendar().day(date(2026, 10, 15)).listed  # an in-place date change is caught by the fingerprint
    # a save or delete in this process refreshes it at once, whatever the interval
    settings.CIVICGRID_CALENDAR_CHECK_SECONDS = 3600
    current = get_calendar()
    WorkCalendarDay.objects.get(date=date(2026, 10, 15)).delete()
    assert get_calendar() is not current and not get_calendar().day(date(2026, 10, 15)).listed


# ---- the command

def test_command_seed_show_and_coverage():
    assert run("seed").strip() == "Calendar seeded from chinese-calendar: 0 days created, 0 updated."
    assert "0 days created" in run("seed", "--year", "2026")
    shown = run("show", "2026")
    assert shown.startswith("2026: 33 holidays and 6 make-up working days listed;")
    workdays_2026 = sum(chinese_calendar.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365))
    assert f"{workdays_2026} working days" in shown
    october = next(line for line in shown.splitlines() if line.startswith("2026-10"))
    assert october.split()[1:3] == ["18", "13"]
    assert "10-01..10-07 国庆节 休; 10-10 国庆节 班" in october
    assert "09-20 国庆节 班; 09-25..09-27 中秋 休" in shown
    assert "2027: NOT COVERED" in run("show", "2027")
    coverage = run("coverage")
    assert "Known years: 2004–2026" in coverage
    assert "Known up to 2026: dates from 2027 on are counted as a plain week" in coverage
    run("add", "2027-01-01", "--holiday", "元旦")
    assert "Known up to 2027" in run("coverage") and "1 from admin" in run("coverage")


def test_command_coverage_of_an_empty_calendar():
    WorkCalendarDay.objects.all().delete()
    assert "lists no days" in run("coverage")
    assert add_minutes(at(2026, 10, 1, 12), DAY, W).uncovered_years == {2026}


@pytest.mark.parametrize("args, message", [
    (("add", "2027-13-01", "--holiday", "元旦"), "invalid date '2027-13-01': expected YYYY-MM-DD"),
    (("add", "tomorrow", "--workday", "春节"), "invalid date 'tomorrow'"),
    (("remove", "2027-02-30"), "invalid date '2027-02-30'"),
    (("add", "2027-01-01"), "one of the arguments --holiday --workday is required"),
    (("show", "twenty"), "invalid year 'twenty'"),
    (("seed", "--year", "2027"), "does not know 2027"),
    (("remove", "2027-05-05"), "2027-05-05 is not listed"),
])
def test_command_bad_arguments_give_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_module_constants_are_what_the_rows_use():
    assert cal.LIBRARY_SOURCE == WorkCalendarDay._meta.get_field("source").default
    assert cal.ADMIN_SOURCE == "admin"
