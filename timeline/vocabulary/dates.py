"""Partial dates: YYYY, YYYY-MM or YYYY-MM-DD, each standing for a span of days."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

from django.core.exceptions import ValidationError


class DateSpan(NamedTuple):
    """The days a partial date stands for: 2024 is 2024-01-01..2024-12-31."""

    first: dt.date
    last: dt.date


# The precisions a date pair may have (models.DatePrecision offers them as choices).
DAY, MONTH, YEAR = "day", "month", "year"

PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def parse_partial_date(value: str) -> DateSpan:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD into the span of days it covers."""
    if not re.fullmatch(PARTIAL_DATE_PATTERN, value):
        raise ValidationError(f"'{value}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.")
    parts = [int(part) for part in value.split("-")]
    try:
        if len(parts) == 1:
            return DateSpan(dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31))
        if len(parts) == 2:
            last_day = calendar.monthrange(parts[0], parts[1])[1] if 1 <= parts[1] <= 12 else 0
            return DateSpan(dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last_day))
        day = dt.date(*parts)
        return DateSpan(day, day)
    except ValueError:
        raise ValidationError(f"'{value}' is not a real date.") from None


def date_errors(start: dt.date | None, end: dt.date | None, precision: str) -> dict[str, str]:
    """Why the start/end pair does not fit the precision, by field (empty when it does).

    Precision month means both ends fall on month boundaries (first and last day),
    precision year on year boundaries: an event known to within "June 2002" spans
    2002-06-01..2002-06-30.
    """
    if start is None or end is None:
        return {}
    if end < start:
        return {"end_date": "The end date is before the start date."}
    if precision == MONTH:
        last_day = calendar.monthrange(end.year, end.month)[1]
        if start.day != 1 or end.day != last_day:
            return {
                "date_precision": "With precision month, start_date is the first day of a "
                "month and end_date the last day of a month."
            }
    if precision == YEAR and (
        (start.month, start.day) != (1, 1) or (end.month, end.day) != (12, 31)
    ):
        return {
            "date_precision": "With precision year, start_date is 1 January and end_date "
            "31 December."
        }
    return {}
