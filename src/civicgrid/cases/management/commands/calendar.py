"""`civicgrid calendar seed|add|remove|show|coverage`: the working-day calendar (holidays and make-up working days)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.cases.calendar import (
    ADMIN_SOURCE,
    LIBRARY_SOURCE,
    CalendarError,
    WorkingCalendar,
    coverage,
    remove_day,
    seed_from_library,
    set_day,
)

ADD_HELP = """List one day of the official calendar: a holiday (休, --holiday NAME) or a make-up working day
(调休上班, --workday NAME, the holiday it makes up for). Use it for the years chinese-calendar does not know yet,
e.g. after the State Council announces next year's arrangement. An existing row of that date is replaced."""


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2027-01-01 ({exc})") from None


def parse_year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise CommandError(f"invalid year {text!r}: expected a year such as 2027") from None
    if not 1 <= year <= 9999:
        raise CommandError(f"invalid year {text!r}: expected a year between 1 and 9999")
    return year


def _runs(days) -> list[str]:
    """Consecutive listed days of the same kind and name as '10-01..10-07 国庆节 休'."""
    parts: list[list] = []
    for info in days:
        last = parts[-1] if parts else None
        if last and last[1] == info.day - timedelta(days=1) and (last[2], last[3]) == (info.is_workday, info.name):
            last[1] = info.day
        else:
            parts.append([info.day, info.day, info.is_workday, info.name])
    out = []
    for first, last, work, name in parts:
        span = f"{first:%m-%d}" if first == last else f"{first:%m-%d}..{last:%m-%d}"
        out.append(f"{span} {name or '-'} {'班' if work else '休'}")
    return out


class Command(BaseCommand):
    help = ("The working-day calendar: `seed` copies chinese-calendar's years into the database, `add` lists an "
            "administrator's holiday or make-up working day, `remove` deletes one, `show YEAR` prints a year month "
            "by month, `coverage` says which years are known.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        seed = actions.add_parser("seed", help="copy the chinese-calendar package's days into the database")
        seed.add_argument("--year", action="append", dest="years", metavar="YEAR",
                          help="only this year (repeatable; default every year the package knows)")
        add = actions.add_parser("add", help="list a holiday or make-up working day", description=ADD_HELP)
        add.add_argument("date", help="the day, YYYY-MM-DD")
        kind = add.add_mutually_exclusive_group(required=True)
        kind.add_argument("--holiday", metavar="NAME", help="a rest day of this holiday, e.g. 元旦")
        kind.add_argument("--workday", metavar="NAME", help="a make-up working day for this holiday, e.g. 春节")
        remove = actions.add_parser("remove", help="delete the row of a day (it then follows the plain week)")
        remove.add_argument("date", help="the day, YYYY-MM-DD")
        show = actions.add_parser("show", help="print one year month by month")
        show.add_argument("year", help="e.g. 2026")
        actions.add_parser("coverage", help="say which years the calendar knows")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except CalendarError as exc:
            raise CommandError(str(exc)) from None

    def do_seed(self, options) -> None:
        years = [parse_year(y) for y in options["years"]] if options["years"] else None
        created, updated = seed_from_library(years)
        self.stdout.write(f"Calendar seeded from {LIBRARY_SOURCE}: {created} days created, {updated} updated.")

    def do_add(self, options) -> None:
        day = parse_date(options["date"])
        is_workday = options["holiday"] is None
        name = options["workday"] if is_workday else options["holiday"]
        row, created = set_day(day, is_workday=is_workday, name=name, source=ADMIN_SOURCE)
        kind = "make-up working day (班)" if row.is_workday else "holiday (休)"
        self.stdout.write(f"{'Added' if created else 'Replaced'} {day.isoformat()} ({day:%A}): {kind} {row.name}".rstrip())

    def do_remove(self, options) -> None:
        day = parse_date(options["date"])
        if not remove_day(day):
            raise CommandError(f"{day.isoformat()} is not listed in the calendar")
        self.stdout.write(f"Removed {day.isoformat()}: it now follows the plain week.")

    def do_show(self, options) -> None:
        year = parse_year(options["year"])
        calendar = WorkingCalendar.load()
        listed = calendar.listed_days(date(year, 1, 1), date(year, 12, 31))
        holidays = sum(1 for d in listed if not d.is_workday)
        work_total = calendar.workdays_between(date(year, 1, 1), date(year + 1, 1, 1))
        days_total = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        if calendar.is_covered(year):
            self.stdout.write(f"{year}: {holidays} holidays and {len(listed) - holidays} make-up working days listed; "
                              f"{work_total} working days, {days_total - work_total} rest days.")
        else:
            self.stdout.write(f"{year}: NOT COVERED - no holidays or make-up working days are listed; counted as a "
                              f"plain week (Monday to Friday): {work_total} working days. Add the days with "
                              f"`civicgrid calendar add {year}-01-01 --holiday 元旦`.")
        self.stdout.write("month    work  rest  holidays (休) and make-up working days (班)")
        for month in range(1, 13):
            first = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1)
            work = calendar.workdays_between(first, end)
            rest = (end - first).days - work
            runs = "; ".join(_runs(calendar.listed_days(first, end - timedelta(days=1))))
            self.stdout.write(f"{first:%Y-%m}  {work:4d}  {rest:4d}  {runs}".rstrip())

    def do_coverage(self, options) -> None:
        info = coverage()
        this_year = timezone.localdate().year
        if not info.years:
            self.stdout.write("The calendar lists no days: every date is counted as a plain week (Monday to Friday) "
                              "and flagged. Run `civicgrid calendar seed`.")
            return
        sources = ", ".join(f"{n} from {source}" for source, n in sorted(info.by_source.items()))
        span = str(info.first_year) if info.first_year == info.last_year else f"{info.first_year}–{info.last_year}"
        days = "1 day" if info.listed_days == 1 else f"{info.listed_days} days"
        self.stdout.write(f"Known years: {span} ({days} listed: {sources}).")
        if info.missing_years:
            self.stdout.write("Not covered in between: " + ", ".join(map(str, info.missing_years)) + ".")
        self.stdout.write(f"Known up to {info.last_year}: dates from {info.last_year + 1} on are counted as a plain "
                          "week (Monday to Friday) and flagged as not covered until an administrator adds them "
                          f"(`civicgrid calendar add {info.last_year + 1}-01-01 --holiday 元旦`).")
        known = set(info.years)
        for label, year in (("This year", this_year), ("Next year", this_year + 1)):
            self.stdout.write(f"{label} ({year}): {'covered' if year in known else 'NOT COVERED'}.")
