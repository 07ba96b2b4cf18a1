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
