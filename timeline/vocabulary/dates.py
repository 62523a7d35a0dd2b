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
