"""A record's fields checked one by one, as the API's write serializers would: each
check returns the clean value or raises Invalid, whose message names the field."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from timeline.models import (
    STATELESS_LOCATION_KINDS,
    Actor,
    ActorKind,
    ActorRole,
    Certainty,
    CoordinatePrecision,
    DatePrecision,
    Event,
    Location,
    LocationKind,
    Source,
)
from timeline.vocabulary.countries import to_alpha2
from timeline.vocabulary.dates import date_errors

# The API's write limits (EventWriteSerializer) where the model sets none.
MAX_SUMMARY = 20000
MAX_QUOTE = 5000
MAX_LINKS = 200

NaturalKey = tuple[Any, ...]  # a place's, actor's or source's: NaturallyKeyed.key_of


class Invalid(ValueError):
    """Why a record cannot be imported; the message names the field."""


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[return-value]


LIMITS = {
    "title": _max_length(Event, "title"),
    "dataset": _max_length(Event, "dataset"),
    "external_id": _max_length(Event, "external_id"),
    "location.name": _max_length(Location, "name"),
    "location.admin1": _max_length(Location, "admin1"),
    "actor.name": _max_length(Actor, "name"),
    "source.url": _max_length(Source, "url"),
    "source.publisher": _max_length(Source, "publisher"),
    "source.title": _max_length(Source, "title"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_validate_url = URLValidator()


# -- an event's own fields ------------------------------------------------------------------
def event_key(record: dict[str, Any], dataset: str) -> tuple[str, str]:
    """The event's (dataset, external_id); ``dataset`` for a record that names none,
    and for an exported event without external_id (keyed by its exported id)."""
    external_id = _text(record, "external_id", "external_id", LIMITS["external_id"])
    own_dataset = _text(record, "dataset", "dataset", LIMITS["dataset"])
    if not external_id:
        exported_id = record.get("id")
        if not isinstance(exported_id, int) or isinstance(exported_id, bool):
            raise Invalid(
                "external_id: required (or the id of an exported event), so that "
                "importing again updates the event instead of duplicating it."
            )
        return dataset, str(exported_id)
    return own_dataset or dataset, external_id


def event_values(record: dict[str, Any], event_types: dict[str, int]) -> tuple[Any, ...]:
    """The event's own columns, in checking.COMPARED's order (the event type as its id,
    from ``event_types``: code -> id)."""
    title = _text(record, "title", "title", LIMITS["title"], required=True)
    summary = _text(record, "summary", "summary", MAX_SUMMARY)
    event_type = record.get("event_type")
    code = event_type.get("code") if isinstance(event_type, dict) else event_type
    event_type_id = event_types.get(code) if isinstance(code, str) else None
    if event_type_id is None:
        raise Invalid(f"event_type: {code!r} is not an event type code.")
    start = _iso_date(record.get("start_date"), "start_date")
    end_value = record.get("end_date")
    end = _iso_date(end_value, "end_date") if end_value else start
    precision = _choice(
        record, "date_precision", "date_precision", DatePrecision, DatePrecision.DAY
    )
    if errors := date_errors(start, end, precision):
        raise Invalid("; ".join(f"{name}: {message}" for name, message in errors.items()))
    ongoing = record.get("ongoing", False)
    if not isinstance(ongoing, bool):
        raise Invalid(f"ongoing: true or false, not {ongoing!r}.")
    certainty = _choice(record, "certainty", "certainty", Certainty, Certainty.REPORTED)
    return title, summary, event_type_id, start, end, precision, ongoing, certainty


# -- its place, actors and sources ----------------------------------------------------------
def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: an object is required.")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{where}: a list is required.")
    if len(value) > MAX_LINKS:
        raise Invalid(f"{where}: at most {MAX_LINKS} items.")
    return value


def location_checked(item: dict[str, Any]) -> tuple[NaturalKey, dict[str, Any]]:
    """The place's natural key and fields."""
    name = _text(item, "name", "location.name", LIMITS["location.name"], required=True)
    kind = _choice(item, "kind", "location.kind", LocationKind, "")
    if not kind:
        raise Invalid("location.kind: required.")
    country = _country(item, "location.country_code")
    if not country and kind not in STATELESS_LOCATION_KINDS:
        raise Invalid("location.country_code: required unless the place is a sea or area.")
    admin1 = _text(item, "admin1", "location.admin1", LIMITS["location.admin1"])
    latitude = _coordinate(item.get("latitude"), "location.latitude", 90)
    longitude = _coordinate(item.get("longitude"), "location.longitude", 180)
    precision = _choice(
        item, "coordinate_precision", "location.coordinate_precision", CoordinatePrecision, ""
    )
    if (latitude is None) != (longitude is None):
        raise Invalid("location.latitude: give both latitude and longitude, or neither.")
    if latitude is not None and not precision:
        raise Invalid("location.coordinate_precision: say how precise the coordinates are.")
    if latitude is None and precision:
        raise Invalid("location.coordinate_precision: there are no coordinates.")
    fields = {
        "name": name,
        "kind": kind,
        "country_code": country,
        "admin1": admin1,
        "latitude": latitude,
        "longitude": longitude,
        "coordinate_precision": precision,
    }
    return Location.key_of(fields), fields


def actor_checked(item: dict[str, Any], n: int) -> tuple[NaturalKey, dict[str, Any]]:
    """The n-th actor's natural key and fields (its role is checked apart)."""
    where = f"actors[{n}]"
    name = _text(item, "name", f"{where}.name", LIMITS["actor.name"], required=True)
    kind = _choice(item, "kind", f"{where}.kind", ActorKind, "")
    if not kind:
        raise Invalid(f"{where}.kind: required.")
    fields = {"name": name, "kind": kind, "country_code": _country(item, f"{where}.country_code")}
    return Actor.key_of(fields), fields


def actor_role(item: dict[str, Any], n: int) -> str:
    role = item.get("role")
    if type(role) is str and role in _VALUES[ActorRole]:  # the usual case, first
        return role
    role = _choice(item, "role", f"actors[{n}].role", ActorRole, "")
    if not role:
        raise Invalid(f"actors[{n}].role: required.")
    return role


# The fields that identify a source in a record: a non-empty URL, or the natural key.
SOURCE_FIELDS = ("url", *Source.natural_key_fields)


def source_checked(
    item: dict[str, Any], n: int, known_urls: dict[str, Any]
) -> tuple[str, NaturalKey, dict[str, Any]]:
    """The n-th source's URL, natural key and fields (its quote is checked apart). A URL
    in ``known_urls`` (in the database, or checked already) is not checked again."""
    where = f"sources[{n}]"
    url = _text(item, "url", f"{where}.url", LIMITS["source.url"])
    if url and url not in known_urls and (error := _url_error(url)):
        raise Invalid(f"{where}.url: {error}")
    publisher = _text(
        item, "publisher", f"{where}.publisher", LIMITS["source.publisher"], required=True
    )
    title = _text(item, "title", f"{where}.title", LIMITS["source.title"], required=True)
    published = item.get("published_on")
    published_on = _iso_date(published, f"{where}.published_on") if published else None
    fields = {"url": url, "publisher": publisher, "title": title, "published_on": published_on}
    return url, Source.key_of(fields), fields


def source_quote(item: dict[str, Any], n: int) -> str:
    quote = item.get("quote")
    if type(quote) is str and "\x00" not in quote and 0 < len(quote := quote.strip()) <= MAX_QUOTE:
        return quote  # the usual case, first
    return _text(item, "quote", f"sources[{n}].quote", MAX_QUOTE, required=True)


# -- one value ------------------------------------------------------------------------------
def _text(
    item: dict[str, Any], name: str, where: str, max_length: int, required: bool = False
) -> str:
    value = item.get(name)
    if value is None:
        value = ""
    elif not isinstance(value, str):
        raise Invalid(f"{where}: a string is required, not {type(value).__name__}.")
    if "\x00" in value:
        raise Invalid(f"{where}: NUL bytes are not allowed.")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{where}: required.")
    if len(value) > max_length:
        raise Invalid(f"{where}: at most {max_length} characters (has {len(value)}).")
    return value


# TextChoices.values builds a new list at each call: read each once.
_VALUES = {
    choices: frozenset(choices.values)
    for choices in (
        ActorKind,
        ActorRole,
        Certainty,
        CoordinatePrecision,
        DatePrecision,
        LocationKind,
    )
}


def _choice(item: dict[str, Any], name: str, where: str, choices: Any, default: str) -> str:
    value = item.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in _VALUES[choices]:
        raise Invalid(f"{where}: {value!r} is not one of {', '.join(choices.values)}.")
    return value


def _iso_date(value: Any, where: str) -> dt.date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{where}: {value!r} is not a real date.") from None
    raise Invalid(f"{where}: {value!r} is not a YYYY-MM-DD date.")


def _country(item: dict[str, Any], where: str) -> str:
    value = _text(item, "country_code", where, 3)
    if not value:
        return ""
    alpha2 = to_alpha2(value)
    if alpha2 is None:
        raise Invalid(f"{where}: {value!r} is not an ISO 3166-1 country code.")
    return alpha2


def _coordinate(value: Any, where: str, bound: int) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{where}: a number is required, not {value!r}.")
    if not -bound <= value <= bound:  # NaN fails too
        raise Invalid(f"{where}: {value!r} is out of range -{bound}..{bound}.")
    return float(value)


@lru_cache(maxsize=4096)
def _url_error(url: str) -> str:
    try:
        _validate_url(url)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""
