"""ACLED's CSV export, each row mapped onto our model in the API's read shape.

ACLED_FIELDS says how each column maps (docs/bulk.md gives it as a table),
ACLED_EVENT_TYPES the (event_type, sub_event_type) pairs; an unknown pair rejects the row."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, TextIO

import pycountry

from timeline.bulk.importing.readers import Record, Unreadable, _csv_rows, _number
from timeline.models import (
    Actor,
    ActorKind,
    ActorRole,
    Certainty,
    CoordinatePrecision,
    DatePrecision,
    LocationKind,
)

ACLED_DATASET = "acled"

# (ACLED event_type, ACLED sub_event_type, our event type code)
ACLED_EVENT_TYPES: tuple[tuple[str, str, str], ...] = (
    ("Battles", "Armed clash", "fight"),
    ("Battles", "Government regains territory", "fight"),
    ("Battles", "Non-state actor overtakes territory", "fight"),
    ("Explosions/Remote violence", "Air/drone strike", "assault.aerial"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "assault.heavy-weapons"),
    ("Explosions/Remote violence", "Suicide bomb", "assault.suicide-attack"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "assault.explosives"),
    ("Explosions/Remote violence", "Grenade", "assault.explosives"),
    ("Explosions/Remote violence", "Chemical weapon", "assault.unconventional"),
    ("Violence against civilians", "Sexual violence", "assault.sexual"),
    ("Violence against civilians", "Abduction/forced disappearance", "assault.abduct"),
    ("Violence against civilians", "Attack", "assault"),
    ("Protests", "Peaceful protest", "protest.demo"),
    ("Protests", "Protest with intervention", "protest.demo"),
    ("Protests", "Excessive force against protesters", "assault.crowd-control"),
    ("Riots", "Violent demonstration", "protest.riot"),
    ("Riots", "Mob violence", "protest.riot"),
    ("Strategic developments", "Agreement", "agree"),
    ("Strategic developments", "Arrests", "coerce.arrest"),
    ("Strategic developments", "Looting/property destruction", "assault.destroy"),
    ("Strategic developments", "Headquarters or base established", "mobilize.troops"),
    ("Strategic developments", "Non-violent transfer of territory", "retreat"),
    ("Strategic developments", "Disrupted weapons use", "coerce.seize"),
    ("Strategic developments", "Change to group/activity", "mobilize"),
    ("Strategic developments", "Other", "mobilize"),
)
_ACLED_CODES = {(kind.casefold(), sub.casefold()): code for kind, sub, code in ACLED_EVENT_TYPES}

# inter1/inter2 (the code, or its name in newer exports) -> (our actor kind, ACLED's name)
ACLED_ACTOR_KINDS: dict[str, tuple[str, str]] = {
    "1": (ActorKind.ARMED_FORCE, "State forces"),
    "2": (ActorKind.ARMED_GROUP, "Rebel group"),
    "3": (ActorKind.ARMED_GROUP, "Political militia"),
    "4": (ActorKind.ARMED_GROUP, "Identity militia"),
    "5": (ActorKind.OTHER, "Rioters"),
    "6": (ActorKind.OTHER, "Protesters"),
    "7": (ActorKind.OTHER, "Civilians"),
    "8": (ActorKind.ARMED_FORCE, "External/Other forces"),
}
_INTER = {
    **{code: code for code in ACLED_ACTOR_KINDS},
    **{name.casefold(): code for code, (_, name) in ACLED_ACTOR_KINDS.items()},
}
STATE_FORCES = "1"

ACLED_GEO_PRECISION = {
    "1": CoordinatePrecision.EXACT,
    "2": CoordinatePrecision.NEAR,
    "3": CoordinatePrecision.REGION,
}

# (ACLED column(s), our field(s), how): the mapping as a table docs can cite.
ACLED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id_cnty", "external_id", 'As is, in dataset "acled" (or the --dataset given).'),
    (
        "event_type, sub_event_type",
        "event_type",
        "The pair's PLOVER code (ACLED_EVENT_TYPES); an unknown pair rejects the row.",
    ),
    (
        "event_date, time_precision",
        "start_date, end_date, date_precision",
        "event_date is YYYY-MM-DD or 'DD Month YYYY'. time_precision 1: that day; 2: "
        "event_date-3 to event_date+3, precision day (ACLED: within a week); 3: the month "
        "of event_date, precision month.",
    ),
    ("sub_event_type, location", "title", "'<sub_event_type> in <location>'."),
    ("notes, fatalities", "summary", "The notes, then 'Fatalities: N.'."),
    ("location", "location.name", "As is."),
    ("geo_precision", "location.kind", "city; region when geo_precision is 3."),
    (
        "iso, country",
        "location.country_code",
        "iso (ISO 3166-1 numeric) as alpha-2; when iso is unknown, the country name; "
        "neither known rejects the row.",
    ),
    ("admin1", "location.admin1", "As is."),
    ("latitude, longitude", "location.latitude, location.longitude", "As is."),
    ("geo_precision", "location.coordinate_precision", "1 exact, 2 near, 3 region."),
    ("actor1", "actors", "Role initiator."),
    ("assoc_actor_1", "actors", "Each ';'-separated name, role supporter."),
    ("actor2", "actors", "Role target."),
    ("assoc_actor_2", "actors", "Each ';'-separated name, role target."),
    (
        "inter1, inter2",
        "actors[].kind, actors[].country_code",
        "inter1 for actor1 and assoc_actor_1, inter2 for actor2 and assoc_actor_2: 1 state "
        "forces and 8 external/other forces are armed_force; 2 rebel group, 3 political "
        "militia and 4 identity militia armed_group; 5 rioters, 6 protesters and 7 "
        "civilians other. State forces belong to the event's country, other actors to "
        "none. An actor on both sides is one participant; twice on one side, its first "
        "role.",
    ),
    (
        "source",
        "sources",
        "Each ';'-separated name: publisher that name, title 'ACLED source', no date, no "
        "URL; the quote is the notes (the title when there are none).",
    ),
    ("", "certainty", "reported."),
    (
        "year, disorder_type, interaction, civilian_targeting, region, admin2, admin3, "
        "source_scale, tags, timestamp",
        "",
        "Not kept.",
    ),
)

ACLED_REQUIRED = {
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "iso",
    "country",
    "location",
}
ACLED_SPREAD = dt.timedelta(days=3)  # time_precision 2: "within a week" of event_date
MONTHS = {
    name.casefold(): number
    for number, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
_WORDY_DATE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$")


def acled_records(stream: TextIO, *, dataset: str = ACLED_DATASET) -> Iterator[tuple[int, Record]]:
    """ACLED's CSV export, row by row."""
    for number, row in _csv_rows(stream, ACLED_REQUIRED, "an ACLED export"):
        try:
            yield number, acled_record(row, dataset=dataset)
        except ValueError as error:
            yield number, Unreadable(str(error))


def acled_record(row: dict[str, Any], *, dataset: str = ACLED_DATASET) -> dict[str, Any]:
    """One ACLED row in our read shape; ValueError says why it cannot be mapped."""
    kind, sub = _value(row, "event_type"), _value(row, "sub_event_type")
    code = _ACLED_CODES.get((kind.casefold(), sub.casefold()))
    if code is None:
        raise ValueError(f"event_type/sub_event_type: no mapping for {kind!r} / {sub!r}.")
    start, end, date_precision = _dates(row)
    country = _country(_value(row, "iso"), _value(row, "country"))
    location = _location(row, country)
    actors = _actors(row, country)
    title = f"{sub} in {location['name']}"
    notes = _value(row, "notes")
    return {
        "dataset": dataset,
        "external_id": _value(row, "event_id_cnty"),
        "title": title,
        "summary": _summary(notes, _value(row, "fatalities")),
        "event_type": {"code": code},
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "date_precision": date_precision,
        "ongoing": False,
        "certainty": Certainty.REPORTED,
        "location": location,
        "actors": actors,
        "sources": [
            {
                "url": "",
                "publisher": publisher,
                "title": "ACLED source",
                "published_on": None,
                "quote": notes or title,
            }
            for publisher in dict.fromkeys(_names(_value(row, "source")))
        ],
    }


def _value(row: dict[str, Any], name: str) -> str:
    return (row.get(name) or "").strip()


def _names(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split(";") if name.strip()]


def _dates(row: dict[str, Any]) -> tuple[dt.date, dt.date, str]:
    """event_date and time_precision as (start_date, end_date, date_precision)."""
    day = _date(_value(row, "event_date"))
    precision = _value(row, "time_precision")
    if precision == "1":
        return day, day, DatePrecision.DAY
    if precision == "2":
        return day - ACLED_SPREAD, day + ACLED_SPREAD, DatePrecision.DAY
    if precision == "3":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last), DatePrecision.MONTH
    raise ValueError(f"time_precision: {precision!r} is not 1, 2 or 3.")


def _date(text: str) -> dt.date:
    text = text.strip()
    try:
        if match := _WORDY_DATE.match(text):
            day, month, year = match.groups()
            return dt.date(int(year), MONTHS[month.casefold()], int(day))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except (KeyError, ValueError):
        pass
    raise ValueError(f"event_date: {text!r} is not a date (YYYY-MM-DD or DD Month YYYY).")


@lru_cache(maxsize=1)
def _alpha2_by_numeric() -> dict[str, str]:
    return {country.numeric: country.alpha_2 for country in pycountry.countries}


@lru_cache(maxsize=512)
def _country(iso: str, name: str) -> str:
    iso = iso.strip()
    if iso.isdigit() and (alpha2 := _alpha2_by_numeric().get(iso.zfill(3))):
        return alpha2
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        raise ValueError(
            f"iso/country: neither {iso!r} (ISO 3166-1 numeric) nor {name!r} is a known country."
        ) from None


def _location(row: dict[str, Any], country: str) -> dict[str, Any]:
    latitude, longitude = _number(_value(row, "latitude")), _number(_value(row, "longitude"))
    geo = _value(row, "geo_precision")
    coordinate_precision = ""
    if latitude is not None or longitude is not None:
        if geo not in ACLED_GEO_PRECISION:
            raise ValueError(f"geo_precision: {geo!r} is not 1, 2 or 3.")
        coordinate_precision = ACLED_GEO_PRECISION[geo]
    return {
        "name": _value(row, "location"),
        "kind": LocationKind.REGION if geo == "3" else LocationKind.CITY,
        "country_code": country,
        "admin1": _value(row, "admin1"),
        "latitude": latitude,
        "longitude": longitude,
        "coordinate_precision": coordinate_precision,
    }


def _actors(row: dict[str, Any], country: str) -> list[dict[str, Any]]:
    """actor1, actor2 and their associates, each once (by its natural key): one on both
    sides (fighting within a group) is a participant; twice on one side, its first role."""
    actors: dict[tuple[Any, ...], dict[str, Any]] = {}
    sides: dict[tuple[Any, ...], int] = {}
    for side, names, inter_column, role in (
        (1, [_value(row, "actor1")], "inter1", ActorRole.INITIATOR),
        (1, _names(_value(row, "assoc_actor_1")), "inter1", ActorRole.SUPPORTER),
        (2, [_value(row, "actor2")], "inter2", ActorRole.TARGET),
        (2, _names(_value(row, "assoc_actor_2")), "inter2", ActorRole.TARGET),
    ):
        names = [name for name in names if name]
        if not names:
            continue
        kind, actor_country = _actor_kind(_value(row, inter_column), inter_column, country)
        for name in names:
            actor = {"name": name, "kind": kind, "country_code": actor_country, "role": role}
            key = Actor.key_of(actor)
            if key not in actors:
                actors[key] = actor
                sides[key] = side
            elif sides[key] != side:
                actors[key]["role"] = ActorRole.PARTICIPANT
    return list(actors.values())


def _actor_kind(inter: str, column: str, country: str) -> tuple[str, str]:
    """An actor's kind and country from its inter1/inter2 cell: state forces belong to
    the event's country, other actors to none."""
    code = _INTER.get(inter.casefold())
    if code is None:
        raise ValueError(f"{column}: {inter!r} is not an ACLED actor type.")
    return ACLED_ACTOR_KINDS[code][0], country if code == STATE_FORCES else ""


def _summary(notes: str, fatalities: str) -> str:
    if fatalities and not fatalities.isdigit():
        raise ValueError(f"fatalities: {fatalities!r} is not a whole number.")
    return " ".join(part for part in (notes, fatalities and f"Fatalities: {fatalities}.") if part)
