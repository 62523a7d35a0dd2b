"""Query parameters of the list endpoints: FilterSets and the strict filter backend.

Every filter says what it accepts (help_text becomes the OpenAPI description) and
rejects what it cannot read with a 400 naming the parameter; an empty value
(``country=``) means the filter is absent.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any, NamedTuple

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from timeline.countries import to_alpha2
from timeline.errors import QueryParameterError
from timeline.models import Event


class DateSpan(NamedTuple):
    """The days a partial date stands for: 2024 is 2024-01-01..2024-12-31."""

    first: dt.date
    last: dt.date


PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def parse_partial_date(value: str) -> DateSpan:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD into the span of days it covers."""
    if not re.fullmatch(PARTIAL_DATE_PATTERN, value):
        raise forms.ValidationError(
            f"'{value}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.", code="invalid"
        )
    parts = [int(part) for part in value.split("-")]
    year = parts[0]
    if year < 1:
        raise forms.ValidationError(f"'{value}': the year must be 0001 or later.")
    try:
        if len(parts) == 1:
            return DateSpan(dt.date(year, 1, 1), dt.date(year, 12, 31))
        month = parts[1]
        if len(parts) == 2:
            last_day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return DateSpan(dt.date(year, month, 1), dt.date(year, month, last_day))
        day = dt.date(year, month, parts[2])
        return DateSpan(day, day)
    except ValueError:
        raise forms.ValidationError(f"'{value}' is not a real date.", code="invalid") from None


class PartialDateField(forms.CharField):
    def to_python(self, value: Any) -> DateSpan | None:
        text = super().to_python(value)
        return parse_partial_date(text) if text else None


@extend_schema_field({"type": "string", "pattern": PARTIAL_DATE_PATTERN, "example": "2024-06"})
class PartialDateFilter(django_filters.Filter):
    """A YYYY, YYYY-MM or YYYY-MM-DD date; EventFilterSet.filter_queryset applies it."""

    field_class = PartialDateField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return qs  # The date range is applied as a whole, see EventFilterSet.


class CountryListField(forms.CharField):
    def to_python(self, value: Any) -> list[str] | None:
        text = super().to_python(value)
        if not text:
            return None
        codes = []
        for item in text.split(","):
            code = to_alpha2(item)
            if code is None:
                raise forms.ValidationError(
                    f"'{item.strip()}' is not an ISO 3166-1 alpha-2 or alpha-3 country code."
                )
            codes.append(code)
        return codes


@extend_schema_field(
    {"type": "string", "pattern": r"^[A-Za-z]{2,3}(,[A-Za-z]{2,3})*$", "example": "OM,QAT"}
)
class CountryFilter(django_filters.Filter):
    """ISO 3166-1 alpha-2 or alpha-3 codes, any case, comma-separated (OR)."""

    field_class = CountryListField

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class EventFilterSet(django_filters.FilterSet):
    country = CountryFilter(
        field_name="country_code",
        help_text="Country of the event's location: ISO 3166-1 alpha-2 or alpha-3 code, any "
        "case; several comma-separated codes match any of them (OM,QAT).",
    )
    date_from = PartialDateFilter(
        help_text="Events that overlap the range starting on this date (YYYY, YYYY-MM or "
        "YYYY-MM-DD; a partial date starts on its first day).",
    )
    date_to = PartialDateFilter(
        help_text="Events that overlap the range ending on this date (YYYY, YYYY-MM or "
        "YYYY-MM-DD; a partial date ends on its last day: 2024 means 2024-12-31).",
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid:
            start = self.form.cleaned_data.get("date_from")
            end = self.form.cleaned_data.get("date_to")
            if start and end and start.first > end.last:
                self.form.add_error("date_from", "date_from is after date_to.")
                return False
        return valid

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        start: DateSpan | None = self.form.cleaned_data.get("date_from")
        end: DateSpan | None = self.form.cleaned_data.get("date_to")
        # An event is the interval start_date..end_date (open-ended when ongoing); it
        # matches when that interval overlaps the requested range, ends included.
        if end:
            queryset = queryset.filter(start_date__lte=end.last)
        if start:
            queryset = queryset.filter(Q(end_date__gte=start.first) | Q(ongoing=True))
        return queryset


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, raising the API's query-parameter error on bad values."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise QueryParameterError(
                {
                    name: [str(message) for message in messages]
                    for name, messages in filterset.errors.items()
                }
            )
        return filterset.qs
