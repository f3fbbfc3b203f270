"""The working-day calendar (工作日历) and the deadline arithmetic of the responsibility list (时限计算).

Where the days come from
    Official holidays (休) and make-up working days (调休上班, 班) are rows of `WorkCalendarDay` in the database,
    seeded from the pinned chinese-calendar package by `seed_from_library()` (data migration cases 0003 and
    `civicgrid calendar seed`) and added by an administrator for the years the package does not know yet
    (`civicgrid calendar add 2027-01-01 --holiday 元旦`, source "admin"). Nothing here ever calls the package at
    run time, so a deadline computed in late December cannot crash (DESIGN.md, "Traps we already know of").

Which days are working days (`WorkingCalendar.is_workday`)
    - a listed date follows its row;
    - an unlisted date of a *covered* year (a year with at least one listed row) follows the plain week:
      Monday to Friday work, Saturday and Sunday rest;
    - a date of a year with no rows at all also follows the plain week, but that year is *not covered*: every
      result that counted such a day carries the year in `uncovered_years`, so pages can show a warning.

How time is counted (decision)
    - clock "natural" (24×7): the limit is plain elapsed time, `start + minutes`.
    - clock "workdays": we count WHOLE working days. A working day contributes all of its 24 hours, from 00:00 to
      24:00 local time; a rest day contributes nothing. "5 working days" is 5 × 1440 minutes that skip rest days,
      and "4 hours" is 240 minutes of working days (a case reported on Friday 22:00 with a 4-hour limit is due on
      Monday 02:00). A case reported on a rest day starts counting at 00:00 of the next working day.
      When the limit runs out exactly at the end of a working day, the deadline is that day's 24:00 (= 00:00 of the
      next day), not the start of the next working day: the earliest instant at which the time is used up.
    - Instants are aware datetimes; arithmetic runs in the wall-clock time of settings.TIME_ZONE (Asia/Shanghai,
      which has had no daylight saving time since 1991, so a local minute is a real minute). Results are returned
      in that zone. Seconds and microseconds are kept; `elapsed_minutes` truncates toward zero.

Cost
    The calendar is loaded from the database once per process (`get_calendar()`) and kept: a listed day is a
    correction to the plain week, so the number of working days before any date is a closed formula plus a
    binary search over the ~800 listed days. `add_minutes` and `elapsed_minutes` cost O(log) whatever the span
    and make no database query. The cached calendar is refreshed at once when a row is saved or deleted in this
    process (model signals; the bulk writes here refresh it explicitly) and, for changes made by other
    processes, after a cheap fingerprint query (count, max id, checksums of the dates) run at most every
    CIVICGRID_CALENDAR_CHECK_SECONDS (default 30) seconds. `forget_calendar()` drops it (tests, raw SQL).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from civicgrid.cases.models import Clock, WorkCalendarDay
from civicgrid.core.models import ChangeRecord
from civicgrid.core.services import record_change, snapshot

LIBRARY_SOURCE = "chinese-calendar"
ADMIN_SOURCE = "admin"

DAY_MINUTES = 1440
_MINUTE_US = 60_000_000
_DAY_US = DAY_MINUTES * _MINUTE_US
_MAX_ORDINAL = date.max.toordinal()
_NAME_MAX = WorkCalendarDay._meta.get_field("name").max_length
_HISTORY_FIELDS = ["date", "is_workday", "name", "source"]


class CalendarError(ValueError):
    """A calendar request that cannot be carried out (unknown year, bad name, bad clock)."""


# --------------------------------------------------------------------------------------------------------------
# The plain week, as arithmetic on proleptic ordinals (date(1, 1, 1).toordinal() == 1 is a Monday)

def _plain_is_workday(ordinal: int) -> bool:
    return (ordinal - 1) % 7 < 5


def _plain_workdays_before(ordinal: int) -> int:
    """Monday-to-Friday days among the ordinals 1 .. ordinal - 1."""
    weeks, rest = divmod(ordinal - 1, 7)
    return weeks * 5 + min(rest, 5)


def _date_key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


# --------------------------------------------------------------------------------------------------------------
# Results

@dataclass(frozen=True)
class Deadline:
    """When a time limit runs out, and which years were counted as plain weeks because nobody listed them."""

    due: datetime
    uncovered_years: frozenset[int] = frozenset()

    @property
    def covered(self) -> bool:
        return not self.uncovered_years

    @property
    def warning(self) -> str:
        """A sentence for pages and logs; empty when every counted day was known."""
        if not self.uncovered_years:
            return ""
        years = ", ".join(str(y) for y in sorted(self.uncovered_years))
        return (f"The working-day calendar does not cover {years}: those days were counted as a plain week "
                "(Monday to Friday). An administrator should add the holidays (civicgrid calendar add).")


@dataclass(frozen=True)
class Coverage:
    """Which years the calendar knows (has at least one row for)."""

    years: tuple[int, ...]
    listed_days: int
    by_source: dict[str, int]

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.years else None

    @property
    def missing_years(self) -> tuple[int, ...]:
        """Years without rows between the first and the last covered year."""
        if not self.years:
            return ()
        known = set(self.years)
        return tuple(y for y in range(self.years[0], self.years[-1] + 1) if y not in known)


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    name: str
    listed: bool
    covered: bool


# --------------------------------------------------------------------------------------------------------------
# The calendar

def _normalise_clock(clock: str) -> str:
    value = getattr(clock, "value", clock)
    if value not in (Clock.NATURAL, Clock.WORKDAYS):
        raise CalendarError(f"unknown clock {clock!r}: expected {Clock.NATURAL.value!r} or {Clock.WORKDAYS.value!r}")
    return str(value)


def _check_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if timezone.is_naive(value):
        raise CalendarError(f"{name} must be a timezone-aware datetime (got the naive {value.isoformat()})")


class WorkingCalendar:
    """The holidays and make-up working days in memory, with the deadline arithmetic over them.

    Build one from `(date, is_workday, name)` triples, or use `WorkingCalendar.load()` / `get_calendar()`.
    Instances are immutable and safe to share between threads.
    """

    def __init__(self, days: Iterable[tuple[date, bool, str]] = (), *, fingerprint: tuple | None = None,
                 tz: tzinfo | None = None):
        listed: dict[int, tuple[bool, str]] = {}
        for day, is_workday, name in days:
            listed[day.toordinal()] = (bool(is_workday), name or "")
        self._listed = listed
        self._ordinals = sorted(listed)
        corrections = [0]
        for ordinal in self._ordinals:
            corrections.append(corrections[-1] + int(listed[ordinal][0]) - int(_plain_is_workday(ordinal)))
        self._corrections = corrections
        self.covered_years: frozenset[int] = frozenset(date.fromordinal(o).year for o in self._ordinals)
        self.fingerprint = fingerprint
        self._tz = tz

    @classmethod
    def load(cls, *, using: str | None = None) -> WorkingCalendar:
        """Read every row (one query) and remember the fingerprint of what was read."""
        manager = WorkCalendarDay.objects.db_manager(using) if using else WorkCalendarDay.objects
        rows = list(manager.values_list("id", "date", "is_workday", "name"))
        return cls(((d, w, n) for _, d, w, n in rows), fingerprint=_fingerprint_of_rows(rows))

    # ---- days

    @property
    def tz(self) -> tzinfo:
        return self._tz or timezone.get_default_timezone()

    def __len__(self) -> int:
        return len(self._ordinals)

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def is_workday(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self._local(day).date()
        row = self._listed.get(day.toordinal())
        return row[0] if row is not None else _plain_is_workday(day.toordinal())

    def day(self, day: date) -> DayInfo:
        row = self._listed.get(day.toordinal())
        covered = day.year in self.covered_years
        if row is None:
            return DayInfo(day, _plain_is_workday(day.toordinal()), "", False, covered)
        return DayInfo(day, row[0], row[1], True, covered)

    def listed_days(self, first: date, last: date) -> list[DayInfo]:
        """The listed days from `first` to `last` inclusive, in date order."""
        lo = bisect_left(self._ordinals, first.toordinal())
        hi = bisect_left(self._ordinals, last.toordinal() + 1)
        return [self.day(date.fromordinal(o)) for o in self._ordinals[lo:hi]]

    def _workdays_before(self, ordinal: int) -> int:
        """Working days among the ordinals 1 .. ordinal - 1 (a constant offset does not matter: only differences)."""
        return _plain_workdays_before(ordinal) + self._corrections[bisect_left(self._ordinals, ordinal)]

    def workdays_between(self, first: date, end: date) -> int:
        """Working days d with first <= d < end (negative when end < first)."""
        return self._workdays_before(end.toordinal()) - self._workdays_before(first.toordinal())

    def uncovered_years_between(self, first: date, last: date) -> frozenset[int]:
        """Years from first.year to last.year inclusive (either order) with no listed day."""
        lo, hi = sorted((first.year, last.year))
        return frozenset(y for y in range(lo, hi + 1) if y not in self.covered_years)

    # ---- instants

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.tz)

    def _position(self, value: datetime) -> tuple[int, int]:
        """(local ordinal, microseconds since local midnight)."""
        local = self._local(value)
        us = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        return local.toordinal(), us

    def _working_us(self, ordinal: int, us: int) -> int:
        """Working microseconds from the origin to (ordinal, us) local."""
        counted = us if self.is_workday(date.fromordinal(ordinal)) else 0
        return self._workdays_before(ordinal) * _DAY_US + counted

    def _first_ordinal_with(self, workdays: int, lo: int) -> int:
        """The smallest ordinal n >= lo with _workdays_before(n) >= workdays."""
        if self._workdays_before(lo) >= workdays:
            return lo
        # galloping search for an upper bound, then bisection; W grows by ~5 per 7 days outside long holidays
        step = max(16, 2 * (workdays - self._workdays_before(lo)))
        hi = lo + step
        while True:
            if hi > _MAX_ORDINAL + 1:
                raise CalendarError("the deadline would fall after the year 9999")
            if self._workdays_before(hi) >= workdays:
                break
            lo, step = hi, step * 2
            hi = lo + step
        while hi - lo > 1:  # invariant: W(lo) < workdays <= W(hi)
            mid = (lo + hi) // 2
            if self._workdays_before(mid) >= workdays:
                hi = mid
            else:
                lo = mid
        return hi

    def _from_local(self, ordinal: int, us: int) -> datetime:
        if ordinal > _MAX_ORDINAL:
            raise CalendarError("the deadline would fall after the year 9999")
        naive = datetime.fromordinal(ordinal) + timedelta(microseconds=us)
        return naive.replace(tzinfo=self.tz)

    def add_minutes(self, start: datetime, minutes: int, clock: str) -> Deadline:
        """When `minutes` of the clock have passed since `start` (the earliest such instant)."""
        _check_aware("start", start)
        clock = _normalise_clock(clock)
        if minutes < 0:
            raise CalendarError(f"a time limit cannot be negative ({minutes} minutes)")
        if clock == Clock.NATURAL:
            due = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.tz)
            return Deadline(due)
        ordinal, us = self._position(start)
        if minutes == 0:
            return Deadline(self._local(start))
        target = self._working_us(ordinal, us) + round(minutes * _MINUTE_US)  # a fraction (80 % of a limit) is fine
        full_days, rest = divmod(target, _DAY_US)
        if rest:  # inside the working day d with W(d) == full_days: the first n with W(n) > full_days is d + 1
            due_ordinal = self._first_ordinal_with(full_days + 1, ordinal) - 1
            last_counted = due_ordinal
        else:  # at the end (24:00) of the full_days-th working day
            due_ordinal = self._first_ordinal_with(full_days, ordinal)
            last_counted = due_ordinal - 1
            rest = 0
        due = self._from_local(due_ordinal, rest)
        first, last = date.fromordinal(ordinal), date.fromordinal(max(ordinal, last_counted))
        return Deadline(due, self.uncovered_years_between(first, last))

    def elapsed_minutes(self, start: datetime, end: datetime, clock: str) -> int:
        """Minutes of the clock from `start` to `end` (negative if end < start), truncated toward zero."""
        _check_aware("start", start)
        _check_aware("end", end)
        clock = _normalise_clock(clock)
        if clock == Clock.NATURAL:
            delta = end.astimezone(UTC) - start.astimezone(UTC)
            us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        else:
            us = self._working_us(*self._position(end)) - self._working_us(*self._position(start))
        return us // _MINUTE_US if us >= 0 else -((-us) // _MINUTE_US)

    def uncovered_years_in(self, start: datetime, end: datetime, clock: str = Clock.WORKDAYS) -> frozenset[int]:
        """The years counted as plain weeks when measuring from `start` to `end` on `clock`."""
        _check_aware("start", start)
        _check_aware("end", end)
        if _normalise_clock(clock) == Clock.NATURAL:
            return frozenset()
        a, b = sorted((self._local(start), self._local(end)))
        last = (b - timedelta(microseconds=1)).date() if b > a else a.date()
        return self.uncovered_years_between(a.date(), max(a.date(), last))


# --------------------------------------------------------------------------------------------------------------
# The process-wide cached calendar

class _Cache:
    calendar: WorkingCalendar | None = None
    checked_at: float = float("-inf")
    dirty: bool = False


_cache = _Cache()


def _check_seconds() -> float:
    return float(getattr(settings, "CIVICGRID_CALENDAR_CHECK_SECONDS", 30))


def _fingerprint_of_rows(rows: list[tuple[int, date, bool, str]]) -> tuple[int, int, int, int]:
    keys = [(_date_key(d), w) for _, d, w, _ in rows]
    return (len(rows), max((r[0] for r in rows), default=0), sum(k for k, _ in keys), sum(k for k, w in keys if w))


def _fingerprint() -> tuple[int, int, int, int]:
    """The same four numbers as `_fingerprint_of_rows`, computed by the database (one aggregate query)."""
    key = ExtractYear("date") * 10000 + ExtractMonth("date") * 100 + ExtractDay("date")
    zero = Value(0, output_field=IntegerField())
    row = WorkCalendarDay.objects.aggregate(
        n=Count("id"), top=Coalesce(Max("id"), zero), keys=Coalesce(Sum(key), zero),
        work_keys=Coalesce(Sum(key, filter=Q(is_workday=True)), zero))
    return int(row["n"]), int(row["top"]), int(row["keys"]), int(row["work_keys"])


def get_calendar() -> WorkingCalendar:
    """The calendar of this process: loaded once, refreshed when the rows change (see the module docstring)."""
    cache = _cache
    calendar = cache.calendar
    now = time.monotonic()
    if calendar is not None and not cache.dirty and now - cache.checked_at < _check_seconds():
        return calendar
    cache.dirty = False
    if calendar is None or _fingerprint() != calendar.fingerprint:
        calendar = WorkingCalendar.load()
        cache.calendar = calendar
    cache.checked_at = now
    return calendar


def forget_calendar() -> None:
    """Drop the cached calendar; the next `get_calendar()` reads the database again."""
    _cache.calendar = None
    _cache.dirty = False
    _cache.checked_at = float("-inf")


def _rows_changed(**kwargs) -> None:
    _cache.dirty = True


post_save.connect(_rows_changed, sender=WorkCalendarDay, dispatch_uid="civicgrid.cases.calendar.saved")
post_delete.connect(_rows_changed, sender=WorkCalendarDay, dispatch_uid="civicgrid.cases.calendar.deleted")


# --------------------------------------------------------------------------------------------------------------
# The arithmetic the case loop calls

def add_minutes(start: datetime, minutes: int, clock: str, *, calendar: WorkingCalendar | None = None) -> Deadline:
    """The deadline `minutes` of `clock` ("natural" or "workdays") after the aware datetime `start`."""
    return (calendar or get_calendar()).add_minutes(start, minutes, clock)


def elapsed_minutes(start: datetime, end: datetime, clock: str, *, calendar: WorkingCalendar | None = None) -> int:
    """Minutes of `clock` between two aware datetimes (the inverse of `add_minutes`), for the share of a limit used."""
    return (calendar or get_calendar()).elapsed_minutes(start, end, clock)


def uncovered_years(start: datetime, end: datetime, clock: str, *,
                    calendar: WorkingCalendar | None = None) -> frozenset[int]:
    """The years `elapsed_minutes(start, end, clock)` counted as plain weeks (empty on the natural clock)."""
    return (calendar or get_calendar()).uncovered_years_in(start, end, clock)


def is_workday(day: date, *, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or get_calendar()).is_workday(day)


# --------------------------------------------------------------------------------------------------------------
# Writes: seeding from the library, an administrator's days

def library_days() -> dict[date, tuple[bool, str]]:
    """Every day the pinned chinese-calendar package lists: date -> (is_workday, Chinese holiday name)."""
    import chinese_calendar

    chinese = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days = {d: (False, chinese.get(name, name)) for d, name in chinese_calendar.holidays.items()}
    days.update({d: (True, chinese.get(name, name)) for d, name in chinese_calendar.workdays.items()})
    return days


def library_years() -> frozenset[int]:
    return frozenset(d.year for d in library_days())


def seed_from_library(years: Iterable[int] | None = None, *, model=None, using: str | None = None) -> tuple[int, int]:
    """Copy the library's holidays and make-up days of `years` (default: all it knows) into the database.

    Idempotent: returns (created, updated); a second run returns (0, 0). Rows an administrator wrote (any source
    other than chinese-calendar) are left as they are; rows no longer in the library are not deleted. `model` and
    `using` are for the data migration, which passes its historical WorkCalendarDay and its database alias.
    """
    model = model or WorkCalendarDay
    manager = model.objects.db_manager(using) if using else model.objects
    days = library_days()
    known = frozenset(d.year for d in days)
    wanted = known if years is None else frozenset(int(y) for y in years)
    unknown = sorted(wanted - known)
    if unknown:
        import chinese_calendar

        raise CalendarError(
            f"chinese-calendar {chinese_calendar.__version__} does not know {', '.join(map(str, unknown))} "
            f"(it knows {min(known)}–{max(known)}); add those days with `civicgrid calendar add`")
    wanted_days = {d: v for d, v in days.items() if d.year in wanted}
    if not wanted_days:
        return 0, 0
    with transaction.atomic(using=manager.db):
        existing = {row.date: row for row in manager.filter(date__gte=min(wanted_days),
                                                                   date__lte=max(wanted_days))}
        to_create, to_update = [], []
        for day, (work, name) in sorted(wanted_days.items()):
            row = existing.get(day)
            if row is None:
                to_create.append(model(date=day, is_workday=work, name=name, source=LIBRARY_SOURCE))
            elif row.source == LIBRARY_SOURCE and (row.is_workday, row.name) != (work, name):
                row.is_workday, row.name = work, name
                to_update.append(row)
        manager.bulk_create(to_create, batch_size=500)
        manager.bulk_update(to_update, ["is_workday", "name"], batch_size=500)
    forget_calendar()
    return len(to_create), len(to_update)


def set_day(day: date, *, is_workday: bool, name: str = "", source: str = ADMIN_SOURCE,
            actor=None) -> tuple[WorkCalendarDay, bool]:
    """An administrator lists `day` as a holiday (is_workday False) or make-up working day; returns (row, created).

    Replaces any row of that date (a library row too), and writes a change-history row.
    """
    name = (name or "").strip()
    if len(name) > _NAME_MAX:
        raise CalendarError(f"the holiday name may have at most {_NAME_MAX} characters ({len(name)} given)")
    with transaction.atomic():
        row = WorkCalendarDay.objects.select_for_update().filter(date=day).first()
        before = snapshot(row, _HISTORY_FIELDS) if row else {}
        created = row is None
        if created:
            row = WorkCalendarDay(date=day)
        row.is_workday, row.name, row.source = bool(is_workday), name, source
        row.save()
        record_change(row, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE, actor=actor,
                      source=f"calendar ({source})", before=before, after=snapshot(row, _HISTORY_FIELDS))
    forget_calendar()
    return row, created


def remove_day(day: date, *, actor=None, source: str = ADMIN_SOURCE) -> bool:
    """Remove the row of `day` (the day then follows the plain week); False when there was none."""
    with transaction.atomic():
        row = WorkCalendarDay.objects.select_for_update().filter(date=day).first()
        if row is None:
            return False
        before = snapshot(row, _HISTORY_FIELDS)
        row_id = row.pk
        row.delete()
        row.pk = row_id  # the history row names the deleted record
        record_change(row, ChangeRecord.Action.DELETE, actor=actor, source=f"calendar ({source})", before=before)
    forget_calendar()
    return True


def coverage() -> Coverage:
    rows = WorkCalendarDay.objects.values_list("date", "source")
    years: set[int] = set()
    by_source: Counter[str] = Counter()
    for day, source in rows:
        years.add(day.year)
        by_source[source] += 1
    return Coverage(tuple(sorted(years)), sum(by_source.values()), dict(by_source))
