"""What a query parameter's text may be: the form fields that read one filter's value,
and the OpenAPI schema that says the same to clients.

A field turns the text into a value (a list, a partial date, a box...) or raises a
ValidationError whose message the client sees under the parameter's name. An empty
text is None: the filter is absent. The filters that apply these values are in
timeline.api.filters.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from timeline.vocabulary.countries import to_alpha2
from timeline.vocabulary.dates import PARTIAL_DATE_PATTERN, DateSpan, parse_partial_date

MAX_LIST_ITEMS = 100


# -- list values ------------------------------------------------------------------------
class ListField(forms.CharField):
    """A comma-separated list; each item is read by ``parse_item`` (which raises
    ValidationError with a message for the client)."""

    def __init__(self, *, parse_item: Callable[[str], Any], **kwargs: Any) -> None:
        self.parse_item = parse_item
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Any] | None:
        text = super().to_python(value)
        if not text:
            return None
        items = [item.strip() for item in text.split(",")]
        if len(items) > MAX_LIST_ITEMS:
            raise forms.ValidationError(f"At most {MAX_LIST_ITEMS} comma-separated values.")
        if any(item == "" for item in items):
            raise forms.ValidationError("An empty item in the list.")
        return [self.parse_item(item) for item in items]


def parse_country(item: str) -> str:
    code = to_alpha2(item)
    if code is None:
        raise forms.ValidationError(
            f"'{item}' is not an ISO 3166-1 alpha-2 or alpha-3 country code."
        )
    return code


def parse_id(item: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", item):
        raise forms.ValidationError(f"'{item}' is not an id (a whole number).")
    return int(item)


def choice_parser(choices: type[Any], what: str) -> Callable[[str], str]:
    def parse(item: str) -> str:
        if item not in choices.values:
            raise forms.ValidationError(
                f"'{item}' is not a {what}: one of {', '.join(choices.values)}."
            )
        return item

    return parse


COUNTRY_SCHEMA = {
    "type": "string",
    "pattern": r"^[A-Za-z]{2,3}(,[A-Za-z]{2,3})*$",
    "example": "OM,QAT",
}
ID_LIST_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,18}(,[0-9]{1,18})*$", "example": "1,2"}
EVENT_TYPE_LIST_SCHEMA = {
    "type": "string",
    "pattern": r"^[a-z0-9.-]+(,[a-z0-9.-]+)*$",
    "example": "consult,cooperate",
}


def enum_list_schema(choices: type[Any]) -> dict[str, Any]:
    values = "|".join(re.escape(value) for value in choices.values)
    return {
        "type": "string",
        "pattern": rf"^({values})(,({values}))*$",
        "example": choices.values[0],
    }


# -- dates ------------------------------------------------------------------------------
class PartialDateField(forms.CharField):
    def to_python(self, value: Any) -> DateSpan | None:
        text = super().to_python(value)
        return parse_partial_date(text) if text else None


PARTIAL_DATE_SCHEMA = {"type": "string", "pattern": PARTIAL_DATE_PATTERN, "example": "2024-06"}


class DateMatch:
    OVERLAPS = "overlaps"
    WITHIN = "within"
    choices = ((OVERLAPS, OVERLAPS), (WITHIN, WITHIN))


class MomentField(forms.CharField):
    """An ISO 8601 date-time, read as UTC when it has no offset."""

    def to_python(self, value: Any) -> dt.datetime | None:
        text = super().to_python(value)
        if not text:
            return None
        message = f"'{text}' is not an ISO 8601 date-time such as 2024-10-02T00:00:00Z."
        try:
            moment = parse_datetime(text)
        except ValueError:
            raise forms.ValidationError(message) from None
        if moment is None:
            raise forms.ValidationError(message)
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(f"'{text}' is out of range.") from None


MOMENT_SCHEMA = {"type": "string", "format": "date-time"}


# -- geography --------------------------------------------------------------------------
class BBox(NamedTuple):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def _floats(text: str, count: int, usage: str) -> list[float]:
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(parts) != count or len(numbers) != count or not all(map(math.isfinite, numbers)):
        raise forms.ValidationError(f"'{text}' is not {usage}.")
    return numbers


class BBoxField(forms.CharField):
    usage = "min_lon,min_lat,max_lon,max_lat in degrees"

    def to_python(self, value: Any) -> BBox | None:
        text = super().to_python(value)
        if not text:
            return None
        box = BBox(*_floats(text, 4, self.usage))
        if not (-180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180):
            raise forms.ValidationError("Longitudes run from -180 to 180.")
        if not (-90 <= box.min_lat <= box.max_lat <= 90):
            raise forms.ValidationError("Latitudes run from -90 to 90, min_lat <= max_lat.")
        return box


BBOX_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
    "example": "51,22,60,27",
}


class Near(NamedTuple):
    lat: float
    lon: float
    km: float


MAX_NEAR_KM = 5000


class NearField(forms.CharField):
    def to_python(self, value: Any) -> Near | None:
        text = super().to_python(value)
        if not text:
            return None
        near = Near(*_floats(text, 3, "lat,lon,km"))
        if not (-90 <= near.lat <= 90 and -180 <= near.lon <= 180):
            raise forms.ValidationError("Latitude -90..90, longitude -180..180.")
        if not 0 < near.km <= MAX_NEAR_KM:
            raise forms.ValidationError(f"The radius is more than 0 and at most {MAX_NEAR_KM} km.")
        return near


NEAR_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9.]+,-?[0-9.]+,[0-9.]+$",
    "example": "25.29,51.53,50",
}
