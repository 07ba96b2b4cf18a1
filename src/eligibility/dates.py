"""Date arithmetic used by derived values."""

from __future__ import annotations

import calendar
import datetime as dt


def whole_years(start: dt.date, end: dt.date) -> int:
    """Completed years from start to end (an age). Someone born on 29 February
    completes a year on 1 March in years without that day."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month, months later; the last day of the month when that day does not exist."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_period(start: dt.date, unit: str, amount: int) -> dt.date:
    if unit == "days":
        return start + dt.timedelta(days=amount)
    if unit == "weeks":
        return start + dt.timedelta(weeks=amount)
    if unit == "months":
        return add_months(start, amount)
    return add_months(start, 12 * amount)


def is_date(value) -> bool:
    """True only for text that is a real date written YYYY-MM-DD (ten ASCII characters).

    The one test of a date everywhere: rule files, settings, cases and the command line.
    datetime.date.fromisoformat alone is not enough: from Python 3.11 it also accepts week
    dates such as 2020-W09-6 and compact dates such as 20200229.
    """
    if not (isinstance(value, str) and len(value) == 10 and value.isascii() and value[4] == "-" and value[7] == "-"
            and (value[:4] + value[5:7] + value[8:]).isdigit()):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
