"""The world events are drawn from: countries of Zipf-like sizes, and the locations,
actors and sources in them, stored (or found again by their natural keys) before any
event is written."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pycountry
from django.db import transaction
from django.db.models.functions import Lower

from timeline.bulk.synthetic.summary import GenerateError, GenerateSummary
from timeline.bulk.synthetic.words import (
    ACTOR_FORMS,
    ACTOR_KIND_WEIGHTS,
    ADMIN1_FORMS,
    FIRST_NAMES,
    PLACE_FORMS,
    PUBLISHER_FORMS,
    SITE_FORMS,
    TOPICS,
    VOCABULARY,
    Words,
    ascii_only,
    cumulative,
    pick,
    slug,
)
from timeline.models import (
    Actor,
    ActorKind,
    CoordinatePrecision,
    Location,
    LocationKind,
    Source,
)
from timeline.vocabulary.text import fold

M = TypeVar("M", Location, Actor, Source)

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
COUNTRY_COUNT = 200
MAX_LOCATIONS = 20_000
MAX_ACTORS = 50_000
MAX_SOURCES = 20_000
# Rows per query when matching rows on their keys: under SQLite's 999 parameters.
LOOKUP_CHUNK = 500


@dataclass
class World:
    """What events are drawn from: the reference rows' ids and names."""

    countries: list[str]  # those with locations, largest first
    country_cumulative: list[float]
    places: dict[str, list[tuple[int, str]]]  # country: [(location id, name)]
    country_names: dict[str, str]
    actors: list[tuple[int, str]]  # (id, name)
    actors_by_country: dict[str, list[tuple[int, str]]]
    sources: list[tuple[int, str]]  # (id, publisher)


@dataclass(frozen=True)
class _Countries:
    codes: list[str]  # largest first
    weights: list[float]
    names: dict[str, str]


def build_world(rng: random.Random, *, count: int, seed: int, summary: GenerateSummary) -> World:
    """Make and store the locations, actors and sources for ``count`` events. The rows
    of each kind are dropped once their ids and names are kept: memory stays small."""
    words = Words(rng)
    countries = _countries(rng)

    location_rows = _make_locations(
        rng, words, countries, count=min(MAX_LOCATIONS, max(50, count // 50))
    )
    places: dict[str, list[tuple[int, str]]] = {}
    for pk, row in _stored(Location, location_rows, narrow_by="name", summary=summary):
        places.setdefault(row.country_code, []).append((pk, row.name))
    del location_rows

    actor_rows = _make_actors(rng, words, countries, count=min(MAX_ACTORS, max(50, count // 20)))
    actors: list[tuple[int, str]] = []
    actors_by_country: dict[str, list[tuple[int, str]]] = {}
    for pk, row in _stored(Actor, actor_rows, narrow_by="name", summary=summary):
        actors.append((pk, row.name))
        if row.country_code:
            actors_by_country.setdefault(row.country_code, []).append((pk, row.name))
    del actor_rows

    source_rows = _make_sources(rng, words, count=min(MAX_SOURCES, max(20, count // 20)), seed=seed)
    sources = [
        (pk, row.publisher)
        for pk, row in _stored(Source, source_rows, narrow_by="title", summary=summary)
    ]

    with_places = [code for code in countries.codes if code in places]
    weight_of = dict(zip(countries.codes, countries.weights, strict=True))
    return World(
        countries=with_places,
        country_cumulative=cumulative(weight_of[code] for code in with_places),
        places=places,
        country_names=countries.names,
        actors=actors,
        actors_by_country=actors_by_country,
        sources=sources,
    )


def _countries(rng: random.Random) -> _Countries:
    # Which countries, and which is largest, depends on the seed; sizes follow Zipf's law.
    codes = rng.sample(sorted(c.alpha_2 for c in pycountry.countries), COUNTRY_COUNT)
    names = {}
    for code in codes:
        country = pycountry.countries.get(alpha_2=code)
        names[code] = getattr(country, "common_name", None) or country.name
    return _Countries(
        codes=codes, weights=[1 / rank for rank in range(1, len(codes) + 1)], names=names
    )


# -- storing: rows matched on their natural keys ------------------------------------------------


def _stored(
    model: type[M], rows: list[M], *, narrow_by: str, summary: GenerateSummary
) -> list[tuple[int, M]]:
    """``rows`` with their ids, in order: a row whose natural key is already stored is
    reused, the others are created with bulk_create. Stored rows are looked for a chunk
    at a time by their ``narrow_by`` field, then matched on the whole key."""
    kind = model._meta.verbose_name_plural
    stored: list[tuple[int, M]] = []
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        keys = [row.natural_key() for row in chunk]
        found = dict(_stored_keys(model, chunk, narrow_by))
        missing = [row for row, key in zip(chunk, keys, strict=True) if key not in found]
        with transaction.atomic():
            model.objects.bulk_create(missing)
        stored.extend((found.get(key, row.pk), row) for row, key in zip(chunk, keys, strict=True))
        summary.created[kind] += len(missing)
        summary.reused[kind] += len(chunk) - len(missing)
    if any(pk is None for pk, _ in stored):  # pragma: no cover - no ids from bulk_create
        raise GenerateError(f"The database did not return the ids of the new {kind}.")
    return stored


def _stored_keys(
    model: type[M], chunk: list[M], narrow_by: str
) -> Iterator[tuple[tuple[Any, ...], int]]:
    """(natural key, id) of the stored rows that share ``narrow_by`` with a row of
    ``chunk``, compared as the model's unique constraint does (LOWER() on folded fields,
    so that constraint's index serves the query)."""
    values = {getattr(row, narrow_by) for row in chunk}
    if narrow_by in model.folded_fields:
        queryset = model.objects.alias(narrowed=Lower(narrow_by)).filter(
            narrowed__in={value.lower() for value in values}
        )
    else:
        queryset = model.objects.filter(**{f"{narrow_by}__in": values})
    return queryset.natural_keys()


# -- making: the rows of each kind --------------------------------------------------------------


def _centroid(code: str) -> tuple[float, float, float]:
    """A pseudo-centroid and half-width (degrees) for a country, the same for every
    seed: not where the country is, but stable and well inside the valid ranges."""
    digest = zlib.crc32(code.encode())
    latitude = -45 + (digest % 10_000) / 10_000 * 105  # -45..60
    longitude = -170 + ((digest >> 14) % 10_000) / 10_000 * 340  # -170..170
    half = 1.5 + (digest >> 24) % 7  # 1.5..7.5
    return latitude, longitude, half


LOCATION_KINDS = (LocationKind.CITY, LocationKind.REGION, LocationKind.SITE)
LOCATION_KIND_TOTALS = cumulative((70, 10, 20))
PRECISIONS = (
    CoordinatePrecision.EXACT,
    CoordinatePrecision.NEAR,
    CoordinatePrecision.REGION,
    CoordinatePrecision.COUNTRY,
    "",  # no coordinates
)
PRECISION_TOTALS = cumulative((50, 25, 12, 5, 8))


def _make_locations(
    rng: random.Random, words: Words, countries: _Countries, *, count: int
) -> list[Location]:
    # One location in each country first (while there are enough), the rest by weight.
    codes = countries.codes
    per_country = Counter(codes[: min(count, len(codes))])
    per_country.update(
        rng.choices(codes, weights=countries.weights, k=count - sum(per_country.values()))
    )
    locations: list[Location] = []
    seen: set[tuple[Any, ...]] = set()
    for code in codes:
        wanted = per_country[code]
        if not wanted:
            continue
        centroid = _centroid(code)
        admins = _admin_divisions(rng, words, centroid, wanted=wanted)
        admin_names = list(admins)
        regions_left = list(admin_names)
        while wanted:
            kind = pick(rng, LOCATION_KINDS, LOCATION_KIND_TOTALS)
            admin1 = rng.choice(admin_names)
            if kind == LocationKind.REGION:
                if not regions_left:
                    continue
                name = admin1 = regions_left.pop()
            elif kind == LocationKind.SITE:
                name = rng.choice(SITE_FORMS).format(w=words.word())
            else:
                name = rng.choice(PLACE_FORMS).format(w=words.word())
            fields = {"name": name, "kind": kind, "country_code": code, "admin1": admin1}
            key = Location.key_of(fields)
            if key in seen:
                continue
            seen.add(key)
            wanted -= 1
            precision = pick(rng, PRECISIONS, PRECISION_TOTALS)
            lat, lon = _coordinates(rng, precision, admin=admins[admin1], centroid=centroid)
            locations.append(
                Location(
                    **fields,
                    latitude=None if lat is None else round(lat, 4),
                    longitude=None if lon is None else round(lon, 4),
                    coordinate_precision=precision,
                )
            )
    return locations


def _admin_divisions(
    rng: random.Random, words: Words, centroid: tuple[float, float, float], *, wanted: int
) -> dict[str, tuple[float, float]]:
    """A country's first-level divisions (about one per six places, at most 30), each
    with its centre."""
    latitude, longitude, half = centroid
    admins: dict[str, tuple[float, float]] = {}
    while len(admins) < max(1, min(30, wanted // 6 + 1)):
        admins[rng.choice(ADMIN1_FORMS).format(w=words.word())] = (
            latitude + rng.uniform(-half, half) * 0.7,
            longitude + rng.uniform(-half, half) * 0.7,
        )
    return admins


def _coordinates(
    rng: random.Random,
    precision: str,
    *,
    admin: tuple[float, float],
    centroid: tuple[float, float, float],
) -> tuple[float | None, float | None]:
    """A place's coordinates as precise as ``precision``: near its division's centre,
    inside its country's box, or none."""
    latitude, longitude, half = centroid
    if precision in (CoordinatePrecision.EXACT, CoordinatePrecision.NEAR):
        near_latitude = admin[0] + rng.gauss(0, half / 4)
        near_longitude = admin[1] + rng.gauss(0, half / 4)
        return (
            min(max(near_latitude, latitude - half), latitude + half),
            min(max(near_longitude, longitude - half), longitude + half),
        )
    if precision == CoordinatePrecision.REGION:
        return admin
    if precision == CoordinatePrecision.COUNTRY:
        return latitude, longitude
    return None, None


def _make_actors(
    rng: random.Random, words: Words, countries: _Countries, *, count: int
) -> list[Actor]:
    actors: list[Actor] = []
    seen: set[tuple[Any, ...]] = set()

    def add(name: str, kind: str, country: str, aliases: list[str]) -> None:
        fields = {"name": name, "kind": kind, "country_code": country}
        key = Actor.key_of(fields)
        if key in seen:
            return
        seen.add(key)
        aliases = list(dict.fromkeys(alias for alias in aliases if alias != name))
        actors.append(
            Actor(
                **fields,
                aliases=aliases,
                # What Actor.save() would set; bulk_create does not call it.
                search_text="\n".join(fold(text) for text in [name, *aliases]),
            )
        )

    # The states of the largest countries come first, and so (events draw actors with
    # a skew towards the start of the list) take part in the most events.
    codes, names = countries.codes, countries.names
    for code in codes[: min(len(codes), count // 10)]:
        country = pycountry.countries.get(alpha_2=code)
        aliases = [names[code], getattr(country, "official_name", ""), country.alpha_3]
        add(ascii_only(names[code]), ActorKind.STATE, code, [a for a in aliases if a])

    kinds = [kind for kind, _ in ACTOR_KIND_WEIGHTS]
    kind_totals = cumulative(weight for _, weight in ACTOR_KIND_WEIGHTS)
    country_totals = cumulative(countries.weights)
    while len(actors) < count:
        kind = pick(rng, kinds, kind_totals)
        country = pick(rng, codes, country_totals)
        if kind == ActorKind.ORGANISATION or (kind == ActorKind.OTHER and rng.random() < 0.5):
            country = ""
        if kind == ActorKind.PERSON:
            first, last = rng.choice(FIRST_NAMES), words.word()
            name = f"{first} {last}"
            aliases = [f"{first[0]}. {last}"]
        else:
            country_name = ascii_only(names[country]) if country else "International"
            name = rng.choice(ACTOR_FORMS[kind]).format(w=words.word(), c=country_name)
            initials = "".join(part[0] for part in name.split() if part[0].isupper())
            aliases = [initials if len(initials) > 1 else name.upper()]
        if rng.random() < 0.35:
            aliases.append(words.accented(name))
        elif rng.random() < 0.3:
            aliases.append(name.replace("k", "q").replace("ou", "u").replace("sh", "ch"))
        add(name, kind, country, aliases)
    return actors


def _make_sources(rng: random.Random, words: Words, *, count: int, seed: int) -> list[Source]:
    publishers = sorted({rng.choice(PUBLISHER_FORMS).format(w=words.word()) for _ in range(40)})
    first, days = FIRST_DAY.toordinal(), (LAST_DAY - FIRST_DAY).days + 1
    sources: list[Source] = []
    seen: set[tuple[Any, ...]] = set()
    while len(sources) < count:
        publisher = rng.choice(publishers)
        title = f"{words.word()} {rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}: "
        title += rng.choice(TOPICS)
        fields = {
            "publisher": publisher,
            "title": title,
            "published_on": dt.date.fromordinal(first + rng.randrange(days)),
        }
        key = Source.key_of(fields)
        if key in seen:
            continue
        seen.add(key)
        sources.append(
            Source(
                **fields,
                url=f"https://{slug(publisher)}.example/{fields['published_on']:%Y/%m/%d}/"
                f"{slug(title)}-{seed}-{len(sources) + 1}",
            )
        )
    return sources
