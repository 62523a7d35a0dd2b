"""Synthetic events for benchmarks and demos, written by `manage.py generate_events`.

The data has the shape the performance reference measures
(/work/shared/research/performance-reference.md): countries of very unequal size
(Zipf-like), locations with coordinates, actors with aliases (some accented), about
two actors and one source per event, mixed date precisions, many events on the same
day, and titles and summaries made of words for the text search. Everything is drawn
from one ``random.Random(seed)``: the same seed gives the same rows (only the
database ids and created_at/updated_at differ).

This is benchmark and demo data, written straight into the tables, NOT through the
change log (timeline.services.changes): no Change rows are created and /changes/ does not
show it. Do not generate into a database whose change feed others replay.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypeVar

import pycountry
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from timeline.bulk import sql as bulk
from timeline.models import (
    Actor,
    ActorKind,
    ActorRole,
    Certainty,
    CoordinatePrecision,
    DatePrecision,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    LocationKind,
    Source,
    fold,
)

M = TypeVar("M", bound=models.Model)

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
COUNTRY_COUNT = 200
MAX_LOCATIONS = 20_000
MAX_ACTORS = 50_000
MAX_SOURCES = 20_000
# Rows per query when matching rows on their keys: under SQLite's 999 parameters.
LOOKUP_CHUNK = 500
# SQLite's page cache while generating, in KiB (bulk.sqlite_page_cache).
SQLITE_CACHE_KIB = 128 * 1024


class GenerateError(ValueError):
    """The dataset cannot be generated as asked (bad arguments, or it already has events)."""


@dataclass
class GenerateSummary:
    dataset: str
    seed: int
    events: int = 0
    event_actors: int = 0
    event_sources: int = 0
    # Locations, actors and sources are matched on their natural keys: rows an earlier
    # run (or anything else) wrote are reused, not duplicated.
    created: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        reference = ", ".join(
            f"{self.created[kind] + self.reused[kind]} {kind} ({self.reused[kind]} reused)"
            for kind in ("locations", "actors", "sources")
        )
        return (
            f"dataset {self.dataset!r}, seed {self.seed}: {self.events} events, "
            f"{self.event_actors} actor links, {self.event_sources} source links; "
            f"{reference}; {self.seconds:.1f} s, {self.events_per_second:,.0f} events/s"
        )


# -- words ----------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ONSETS = _words("b d f g h k l m n p r s t v z br dr gr kh kr sh st tr zh al ar el")
VOWELS = _words("a e i o u a e i o ai ei ou ia")
CODAS = ("", "", "", *_words("n r s k l m sh t nd rk"))
# Accented spellings a transliteration might use, for aliases.
ACCENTED = {
    "a": "áâä",
    "e": "éèê",
    "i": "íî",
    "o": "óöô",
    "u": "úüû",
    "c": "ç",
    "n": "ñ",
    "s": "ş",
    "z": "ž",
}
FIRST_NAMES = _words(
    """Amina Omar Leila Hassan Elena Ivan Maria Jose Chen Wei Aiko Kenji Fatima Ali Sofia
    Mateo Nadia Yusuf Ana Pedro Irina Dmitri Zara Tariq Noor Samir Lina Karim Mariam Daniel
    Rosa Luis Hana Farid Olga Pavel Grace Kwame Ama Kofi Ngozi Tunde Priya Arjun Mei Jun
    Sara David Yasmin Reza Parisa Ahmad Dilnoza Timur Aruzhan Bolat Ines Tomas"""
)
ADMIN1_FORMS = ("{w}", "{w} Province", "{w} Region", "{w} District")
PLACE_FORMS = ("{w}", "{w}", "{w}", "{w}", "New {w}", "Port {w}", "{w} Springs", "{w}abad")
SITE_FORMS = (
    "{w} Air Base",
    "{w} Border Crossing",
    "{w} Dam",
    "{w} Airport",
    "{w} Bridge",
    "{w} Refugee Camp",
    "{w} Oil Field",
    "{w} Checkpoint",
    "Mount {w}",
    "Camp {w}",
)
# Names by kind of actor: {w} a made-up word, {c} the actor's country.
ACTOR_FORMS: dict[str, tuple[str, ...]] = {
    ActorKind.GOVERNMENT_BODY: (
        "Ministry of {w} Affairs",
        "{w} Agency",
        "{w} Commission",
        "{w} Directorate",
        "{w} Authority",
        "Office of the {w} Council",
    ),
    ActorKind.ARMED_FORCE: (
        "{c} Army",
        "{c} Navy",
        "{c} Air Force",
        "{c} National Guard",
        "{c} Border Guard",
        "{c} Police",
        "{w} Brigade",
        "{w} Regiment",
        "{w} Division",
        "{w} Battalion",
    ),
    ActorKind.ARMED_GROUP: (
        "{w} Liberation Front",
        "{w} Brigades",
        "{w} Resistance Movement",
        "Popular Army of {w}",
        "{w} Defence Forces",
        "{w} Militia",
    ),
    ActorKind.POLITICAL_GROUP: (
        "{w} Party",
        "{w} Alliance",
        "{w} Democratic Union",
        "{w} Popular Movement",
        "{w} Labour Party",
        "{w} National Congress",
    ),
    ActorKind.ORGANISATION: (
        "{w} Cooperation Council",
        "{w} Development Bank",
        "{w} Union",
        "{w} Organisation",
        "{w} Commission",
        "{w} Forum",
    ),
    ActorKind.MEDIA: (
        "The {w} Times",
        "{w} Herald",
        "{w} Post",
        "{w} Gazette",
        "{w} News",
        "{w} Radio",
        "{w} Television",
    ),
    ActorKind.OTHER: (
        "{w} Foundation",
        "{w} Trading Company",
        "{w} Clan",
        "{w} Cooperative",
        "{w} Association",
    ),
}
# Kinds of the actors made after the states (one per large country), with weights.
ACTOR_KIND_WEIGHTS = (
    (ActorKind.PERSON, 30),
    (ActorKind.ARMED_GROUP, 12),
    (ActorKind.POLITICAL_GROUP, 12),
    (ActorKind.GOVERNMENT_BODY, 12),
    (ActorKind.ARMED_FORCE, 10),
    (ActorKind.ORGANISATION, 6),
    (ActorKind.MEDIA, 8),
    (ActorKind.OTHER, 5),
)
PUBLISHER_FORMS = (
    "The {w} Times",
    "{w} Herald",
    "{w} Daily",
    "{w} News Agency",
    "{w} Observer",
    "{w} Tribune",
)
# What events of each PLOVER event type (the code before the dot) say, for titles.
TYPE_PHRASES = {
    "agree": "agree on",
    "consult": "hold talks on",
    "support": "back a plan on",
    "concede": "make concessions on",
    "cooperate": "cooperate on",
    "aid": "send aid over",
    "retreat": "pull back over",
    "investigate": "open an inquiry into",
    "demand": "demand action on",
    "disapprove": "condemn moves on",
    "reject": "reject proposals on",
    "threaten": "threaten measures over",
    "sanction": "impose sanctions over",
    "protest": "protest over",
    "crime": "accused of crimes linked to",
    "mobilize": "mobilize over",
    "coerce": "crack down over",
    "assault": "attack amid dispute over",
    "fight": "clash over",
}
COOPERATIVE_TYPES = frozenset(_words("agree consult support concede cooperate aid retreat"))
TOPICS = (
    "water rights",
    "border security",
    "fuel prices",
    "election results",
    "grain exports",
    "fishing zones",
    "mining licences",
    "refugee returns",
    "a detained journalist",
    "the new constitution",
    "customs duties",
    "pipeline tariffs",
    "the peace plan",
    "land reform",
    "port access",
    "power cuts",
    "a disputed island",
    "prisoner exchanges",
    "the budget",
    "vaccine supplies",
)
VOCABULARY = _words(
    """officials witnesses residents delegation ministers spokesperson convoy talks agreement
    statement protesters police soldiers militants villagers farmers workers students
    journalists observers envoy negotiators border checkpoint highway market harbour province
    capital district village airport bridge camp crossing pipeline refinery election
    parliament ceasefire sanctions embargo treaty summit visit exercise drills shelling
    airstrike raid arrests detentions curfew strike boycott rally march petition inquiry
    tribunal verdict appeal amnesty release exchange aid shipment relief supplies drought
    flood harvest prices wages fuel water electricity hospital school mosque church temple
    monument embassy consulate council committee commission coalition opposition government
    army navy militia rebels coast mountains desert river valley morning evening overnight
    weekend reportedly confirmed denied announced demanded condemned welcomed urged warned
    pledged signed rejected postponed resumed"""
)
EXTRA_ROLES = tuple(
    role.value
    for role in (
        ActorRole.PARTICIPANT,
        ActorRole.SUPPORTER,
        ActorRole.SUPPORTER,
        ActorRole.MEDIATOR,
        ActorRole.BYSTANDER,
    )
)


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


def _pick(rng: random.Random, items: Sequence[Any], cumulative: list[float]) -> Any:
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _ascii(text: str) -> str:
    """``text`` without its accents. Names stay ASCII so that Python's lower() and the
    database's LOWER() (ASCII-only on SQLite) agree on the case-insensitive natural
    keys; the accented spellings go into the aliases."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii())


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


class _Words:
    """Pronounceable made-up words: place names, surnames, group names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        rng = self.rng
        syllables = 2 if rng.random() < 0.7 else 3
        text = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
        return (text + rng.choice(CODAS)).capitalize()

    def accented(self, text: str) -> str:
        """``text`` with one letter accented (unchanged if none can be)."""
        positions = [n for n, ch in enumerate(text) if ch in ACCENTED]
        if not positions:
            return text
        n = self.rng.choice(positions)
        return text[:n] + self.rng.choice(ACCENTED[text[n]]) + text[n + 1 :]


def _centroid(code: str) -> tuple[float, float, float]:
    """A pseudo-centroid and half-width (degrees) for a country, the same for every
    seed: not where the country is, but stable and well inside the valid ranges."""
    digest = zlib.crc32(code.encode())
    latitude = -45 + (digest % 10_000) / 10_000 * 105  # -45..60
    longitude = -170 + ((digest >> 14) % 10_000) / 10_000 * 340  # -170..170
    half = 1.5 + (digest >> 24) % 7  # 1.5..7.5
    return latitude, longitude, half


# -- reference rows (locations, actors, sources): matched on their natural keys -----------------


def _get_or_create(
    model: type[M],
    rows: list[M],
    *,
    key: Callable[[M], tuple[Any, ...]],
    existing: Callable[[list[M]], Iterable[tuple[tuple[Any, ...], int]]],
    summary: GenerateSummary,
) -> list[int]:
    """The ids of ``rows``, in order: a row whose key is already stored is reused, the
    others are created with bulk_create. ``existing(chunk)`` yields the (key, id) pairs
    stored for a chunk of rows."""
    kind = model._meta.verbose_name_plural
    ids: list[int] = []
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        keys = [key(row) for row in chunk]
        found = dict(existing(chunk))
        missing = [row for row, row_key in zip(chunk, keys, strict=True) if row_key not in found]
        with transaction.atomic():
            model._default_manager.bulk_create(missing)
        ids.extend(found.get(row_key, row.pk) for row, row_key in zip(chunk, keys, strict=True))
        summary.created[kind] += len(missing)
        summary.reused[kind] += len(chunk) - len(missing)
    if None in ids:  # pragma: no cover - a backend that returns no ids from bulk_create
        raise GenerateError(f"The database did not return the ids of the new {kind}.")
    return ids


def _location_key(row: Location) -> tuple[Any, ...]:
    return (row.name.lower(), row.kind, row.country_code, row.admin1.lower())


def _existing_locations(chunk: list[Location]) -> Iterable[tuple[tuple[Any, ...], int]]:
    rows = (
        Location.objects.annotate(lname=Lower("name"), ladmin1=Lower("admin1"))
        .filter(lname__in={row.name.lower() for row in chunk})
        .values_list("lname", "kind", "country_code", "ladmin1", "pk")
    )
    return ((tuple(row[:4]), row[4]) for row in rows)


def _actor_key(row: Actor) -> tuple[Any, ...]:
    return (row.name.lower(), row.kind, row.country_code)


def _existing_actors(chunk: list[Actor]) -> Iterable[tuple[tuple[Any, ...], int]]:
    rows = (
        Actor.objects.annotate(lname=Lower("name"))
        .filter(lname__in={row.name.lower() for row in chunk})
        .values_list("lname", "kind", "country_code", "pk")
    )
    return ((tuple(row[:3]), row[3]) for row in rows)


def _source_key(row: Source) -> tuple[Any, ...]:
    return (row.publisher, row.title, row.published_on)


def _existing_sources(chunk: list[Source]) -> Iterable[tuple[tuple[Any, ...], int]]:
    rows = Source.objects.filter(title__in={row.title for row in chunk}).values_list(
        "publisher", "title", "published_on", "pk"
    )
    return ((tuple(row[:3]), row[3]) for row in rows)


def _make_locations(
    rng: random.Random, words: _Words, *, count: int, countries: list[str], weights: list[float]
) -> list[Location]:
    # One location in each country first (while there are enough), the rest by weight.
    per_country = Counter(countries[: min(count, len(countries))])
    per_country.update(rng.choices(countries, weights=weights, k=count - sum(per_country.values())))
    kinds = (LocationKind.CITY, LocationKind.REGION, LocationKind.SITE)
    kind_cumulative = _cumulative((70, 10, 20))
    precisions = (
        CoordinatePrecision.EXACT,
        CoordinatePrecision.NEAR,
        CoordinatePrecision.REGION,
        CoordinatePrecision.COUNTRY,
        "",  # no coordinates
    )
    precision_cumulative = _cumulative((50, 25, 12, 5, 8))
    locations: list[Location] = []
    for code in countries:
        wanted = per_country[code]
        if not wanted:
            continue
        latitude, longitude, half = _centroid(code)
        admins: dict[str, tuple[float, float]] = {}  # first-level division: its centre
        while len(admins) < max(1, min(30, wanted // 6 + 1)):
            admins[rng.choice(ADMIN1_FORMS).format(w=words.word())] = (
                latitude + rng.uniform(-half, half) * 0.7,
                longitude + rng.uniform(-half, half) * 0.7,
            )
        admin_names = list(admins)
        regions_left = list(admin_names)
        seen: set[tuple[str, str, str]] = set()
        while wanted:
            kind = _pick(rng, kinds, kind_cumulative)
            admin1 = rng.choice(admin_names)
            if kind == LocationKind.REGION:
                if not regions_left:
                    continue
                name = admin1 = regions_left.pop()
            elif kind == LocationKind.SITE:
                name = rng.choice(SITE_FORMS).format(w=words.word())
            else:
                name = rng.choice(PLACE_FORMS).format(w=words.word())
            if (name.lower(), kind, admin1.lower()) in seen:
                continue
            seen.add((name.lower(), kind, admin1.lower()))
            wanted -= 1
            precision = _pick(rng, precisions, precision_cumulative)
            admin_latitude, admin_longitude = admins[admin1]
            lat: float | None
            lon: float | None
            if precision in (CoordinatePrecision.EXACT, CoordinatePrecision.NEAR):
                lat = min(
                    max(admin_latitude + rng.gauss(0, half / 4), latitude - half), latitude + half
                )
                lon = min(
                    max(admin_longitude + rng.gauss(0, half / 4), longitude - half),
                    longitude + half,
                )
            elif precision == CoordinatePrecision.REGION:
                lat, lon = admin_latitude, admin_longitude
            elif precision == CoordinatePrecision.COUNTRY:
                lat, lon = latitude, longitude
            else:
                lat = lon = None
            locations.append(
                Location(
                    name=name,
                    kind=kind,
                    country_code=code,
                    admin1=admin1,
                    latitude=None if lat is None else round(lat, 4),
                    longitude=None if lon is None else round(lon, 4),
                    coordinate_precision=precision,
                )
            )
    return locations


def _make_actors(
    rng: random.Random,
    words: _Words,
    *,
    count: int,
    countries: list[str],
    weights: list[float],
    country_names: dict[str, str],
) -> list[Actor]:
    actors: list[Actor] = []
    seen: set[tuple[str, str, str]] = set()

    def add(name: str, kind: str, country: str, aliases: list[str]) -> None:
        if (name.lower(), kind, country) in seen:
            return
        seen.add((name.lower(), kind, country))
        aliases = list(dict.fromkeys(alias for alias in aliases if alias != name))
        actors.append(
            Actor(
                name=name,
                kind=kind,
                country_code=country,
                aliases=aliases,
                # What Actor.save() would set; bulk_create does not call it.
                search_text="\n".join(fold(text) for text in [name, *aliases]),
            )
        )

    # The states of the largest countries come first, and so (events draw actors with
    # a skew towards the start of the list) take part in the most events.
    for code in countries[: min(len(countries), count // 10)]:
        country = pycountry.countries.get(alpha_2=code)
        aliases = [country_names[code], getattr(country, "official_name", ""), country.alpha_3]
        add(_ascii(country_names[code]), ActorKind.STATE, code, [a for a in aliases if a])

    kinds = [kind for kind, _ in ACTOR_KIND_WEIGHTS]
    kind_cumulative = _cumulative(weight for _, weight in ACTOR_KIND_WEIGHTS)
    country_cumulative = _cumulative(weights)
    while len(actors) < count:
        kind = _pick(rng, kinds, kind_cumulative)
        country = _pick(rng, countries, country_cumulative)
        if kind == ActorKind.ORGANISATION or (kind == ActorKind.OTHER and rng.random() < 0.5):
            country = ""
        if kind == ActorKind.PERSON:
            first, last = rng.choice(FIRST_NAMES), words.word()
            name = f"{first} {last}"
            aliases = [f"{first[0]}. {last}"]
        else:
            country_name = _ascii(country_names[country]) if country else "International"
            name = rng.choice(ACTOR_FORMS[kind]).format(w=words.word(), c=country_name)
            initials = "".join(part[0] for part in name.split() if part[0].isupper())
            aliases = [initials if len(initials) > 1 else name.upper()]
        if rng.random() < 0.35:
            aliases.append(words.accented(name))
        elif rng.random() < 0.3:
            aliases.append(name.replace("k", "q").replace("ou", "u").replace("sh", "ch"))
        add(name, kind, country, aliases)
    return actors


def _make_sources(rng: random.Random, words: _Words, *, count: int, seed: int) -> list[Source]:
    publishers = sorted({rng.choice(PUBLISHER_FORMS).format(w=words.word()) for _ in range(40)})
    first, days = FIRST_DAY.toordinal(), (LAST_DAY - FIRST_DAY).days + 1
    sources: list[Source] = []
    seen: set[tuple[str, str, dt.date]] = set()
    while len(sources) < count:
        publisher = rng.choice(publishers)
        title = f"{words.word()} {rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}: "
        title += rng.choice(TOPICS)
        published_on = dt.date.fromordinal(first + rng.randrange(days))
        if (publisher, title, published_on) in seen:
            continue
        seen.add((publisher, title, published_on))
        sources.append(
            Source(
                publisher=publisher,
                title=title,
                published_on=published_on,
                url=f"https://{_slug(publisher)}.example/{published_on:%Y/%m/%d}/"
                f"{_slug(title)}-{seed}-{len(sources) + 1}",
            )
        )
    return sources


@dataclass
class _World:
    """What events are drawn from: the reference rows' ids and names."""

    countries: list[str]  # those with locations, largest first
    country_cumulative: list[float]
    places: dict[str, list[tuple[int, str]]]  # country: [(location id, name)]
    country_names: dict[str, str]
    actors: list[tuple[int, str]]  # (id, name)
    actors_by_country: dict[str, list[tuple[int, str]]]
    sources: list[tuple[int, str]]  # (id, publisher)


def _world(rng: random.Random, *, count: int, seed: int, summary: GenerateSummary) -> _World:
    words = _Words(rng)
    # Which countries, and which is largest, depends on the seed; sizes follow Zipf's law.
    countries = rng.sample(sorted(c.alpha_2 for c in pycountry.countries), COUNTRY_COUNT)
    weights = [1 / rank for rank in range(1, len(countries) + 1)]
    country_names = {}
    for code in countries:
        country = pycountry.countries.get(alpha_2=code)
        country_names[code] = getattr(country, "common_name", None) or country.name

    location_rows = _make_locations(
        rng,
        words,
        count=min(MAX_LOCATIONS, max(50, count // 50)),
        countries=countries,
        weights=weights,
    )
    location_ids = _get_or_create(
        Location, location_rows, key=_location_key, existing=_existing_locations, summary=summary
    )
    places: dict[str, list[tuple[int, str]]] = {}
    for pk, row in zip(location_ids, location_rows, strict=True):
        places.setdefault(row.country_code, []).append((pk, row.name))
    del location_rows

    actor_rows = _make_actors(
        rng,
        words,
        count=min(MAX_ACTORS, max(50, count // 20)),
        countries=countries,
        weights=weights,
        country_names=country_names,
    )
    actor_ids = _get_or_create(
        Actor, actor_rows, key=_actor_key, existing=_existing_actors, summary=summary
    )
    actors: list[tuple[int, str]] = []
    actors_by_country: dict[str, list[tuple[int, str]]] = {}
    for pk, row in zip(actor_ids, actor_rows, strict=True):
        actors.append((pk, row.name))
        if row.country_code:
            actors_by_country.setdefault(row.country_code, []).append((pk, row.name))
    del actor_rows

    source_rows = _make_sources(rng, words, count=min(MAX_SOURCES, max(20, count // 20)), seed=seed)
    source_ids = _get_or_create(
        Source, source_rows, key=_source_key, existing=_existing_sources, summary=summary
    )
    sources = [(pk, row.publisher) for pk, row in zip(source_ids, source_rows, strict=True)]

    with_places = [code for code in countries if code in places]
    weight_of = dict(zip(countries, weights, strict=True))
    return _World(
        countries=with_places,
        country_cumulative=_cumulative(weight_of[code] for code in with_places),
        places=places,
        country_names=country_names,
        actors=actors,
        actors_by_country=actors_by_country,
        sources=sources,
    )


# -- events ---------------------------------------------------------------------------------


class _Insert:
    """Inserts rows of one model: executemany on SQLite, COPY on PostgreSQL.

    The events and their links are most of the rows, and bulk_create was the
    bottleneck: it prepares every value through its field, some 20 us a row (about
    2k events/s overall on SQLite). Here the generator passes plain values the drivers
    take as they are (str, int, bool, date). Every other column gets the model's
    default, and auto_now(_add) columns the time of the batch, prepared once a batch
    through the fields: a field added to the model later is still filled.
    """

    def __init__(self, model: type[models.Model], names: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        self.others = [f for f in meta.concrete_fields if not f.primary_key and f.name not in names]
        self.names = (*names, *(f.name for f in self.others))

    def run(self, rows: list[tuple[Any, ...]]) -> None:
        now = timezone.now()
        tail = tuple(
            f.get_db_prep_save(
                now
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default(),
                connection,
            )
            for f in self.others
        )
        bulk.rows_insert(self.model, self.names, [row + tail for row in rows])


def _events_insert(insert: _Insert, events: list[tuple[Any, ...]]) -> dict[str, int]:
    """Insert a batch of events (rows of EVENT_FIELDS) under ids taken first (COPY
    returns none); their ids by external_id."""
    pks = bulk.event_ids(len(events))
    insert.run([(pk, *row) for pk, row in zip(pks, events, strict=True)])
    return {row[-1]: pk for pk, row in zip(pks, events, strict=True)}


def _day_pool(rng: random.Random, count: int) -> tuple[list[dt.date], list[float]]:
    """The days events fall on, with their cumulative weights: a limited set (so many
    events share a day even in a small dataset), more events in recent years, and a
    few hot days with many times the usual number."""
    first, days = FIRST_DAY.toordinal(), (LAST_DAY - FIRST_DAY).days + 1
    size = max(20, min(days, count // 5))
    pool = sorted(dt.date.fromordinal(first + n) for n in rng.sample(range(days), size))
    weights = [(8 + day.year - FIRST_DAY.year) * (25 if rng.random() < 0.02 else 1) for day in pool]
    return pool, _cumulative(weights)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# Plain strings for the raw INSERTs (drivers may not dump enum members as their value).
DAY, MONTH, YEAR = DatePrecision.DAY.value, DatePrecision.MONTH.value, DatePrecision.YEAR.value
CONFIRMED, REPORTED = Certainty.CONFIRMED.value, Certainty.REPORTED.value
CLAIMED = Certainty.CLAIMED.value
INITIATOR, PARTICIPANT = ActorRole.INITIATOR.value, ActorRole.PARTICIPANT.value

EVENT_FIELDS = (
    "title",
    "summary",
    "event_type",
    "start_date",
    "end_date",
    "date_precision",
    "ongoing",
    "certainty",
    "location",
    "country_code",
    "dataset",
    "external_id",
)


def events_generate(
    *,
    count: int,
    seed: int,
    dataset: str = "synthetic",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> GenerateSummary:
    """Write ``count`` synthetic events (with their locations, actors and sources) into
    ``dataset``; the same ``seed`` gives the same data. external_id is "<seed>-<n>".

    Refuses (GenerateError) a dataset that already has events: a second run would
    collide with the first on (dataset, external_id), or mix two seeds. To generate
    again, delete the dataset's events first (``Event.objects.filter(dataset=...)
    .delete()``); the locations, actors and sources stay, and the next run reuses
    them (matched on their natural keys) instead of duplicating them.

    Writes the events in batches of ``batch_size``, each batch (events, actor links,
    source links) in its own transaction, building one batch at a time: memory stays
    flat however many events are asked for, and an interrupted run leaves whole
    batches. ``progress`` is called with the number of events written after each batch.
    Neither Event.save() nor Actor.save() runs, so Event.country_code (the location's
    country) and Actor.search_text are set here; nothing goes to the change log (see
    the module docstring).
    """
    if count < 1:
        raise GenerateError("count: at least one event.")
    if batch_size < 1:
        raise GenerateError("batch_size: at least 1.")
    max_length = Event._meta.get_field("dataset").max_length
    if not dataset or len(dataset) > max_length:
        raise GenerateError(f"dataset: a name of 1 to {max_length} characters.")
    if Event.objects.filter(dataset=dataset).exists():
        raise GenerateError(
            f"dataset {dataset!r} already has events; delete them first "
            f"(Event.objects.filter(dataset={dataset!r}).delete()) to generate it again."
        )
    # Sorted here, not by the database, whose collation may order codes differently.
    leaf_types = sorted(
        EventType.objects.filter(children__isnull=True).values_list("pk", "code"),
        key=lambda row: row[1],
    )
    if not leaf_types:
        raise GenerateError("The event vocabulary is empty: run the migrations first.")

    started = time.perf_counter()
    summary = GenerateSummary(dataset=dataset, seed=seed)
    rng = random.Random(seed)
    world = _world(rng, count=count, seed=seed, summary=summary)
    day_pool, day_cumulative = _day_pool(rng, count)
    types = []
    for pk, code in leaf_types:
        top, _, mode = code.partition(".")
        roles = (
            (ActorRole.VISITOR.value, ActorRole.HOST.value)
            if code == "consult.visit"
            else (PARTICIPANT, PARTICIPANT)
            if top in COOPERATIVE_TYPES
            else (INITIATOR, ActorRole.TARGET.value)
        )
        types.append((pk, TYPE_PHRASES.get(top, "act over"), mode.replace("-", " "), roles))

    insert_events = _Insert(Event, (Event._meta.pk.name, *EVENT_FIELDS))
    insert_actors = _Insert(EventActor, ("event", "actor", "role"))
    insert_sources = _Insert(EventSource, ("event", "source", "quote"))
    with bulk.sqlite_page_cache(SQLITE_CACHE_KIB):
        for first in range(1, count + 1, batch_size):
            events, actor_links, source_links = _event_batch(
                rng,
                world,
                numbers=range(first, min(first + batch_size, count + 1)),
                seed=seed,
                dataset=dataset,
                types=types,
                days=(day_pool, day_cumulative),
            )
            with transaction.atomic():
                ids = _events_insert(insert_events, events)
                insert_actors.run([(ids[external_id], *link) for external_id, *link in actor_links])
                insert_sources.run(
                    [(ids[external_id], *link) for external_id, *link in source_links]
                )
            summary.events += len(events)
            summary.event_actors += len(actor_links)
            summary.event_sources += len(source_links)
            if progress is not None:
                progress(summary.events)
    summary.seconds = time.perf_counter() - started
    return summary


def _event_batch(
    rng: random.Random,
    world: _World,
    *,
    numbers: range,
    seed: int,
    dataset: str,
    types: list[tuple[int, str, str, tuple[str, str]]],
    days: tuple[list[dt.date], list[float]],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """The rows of a batch of events (EVENT_FIELDS), and their actor and source links
    as (external_id, actor or source id, role or quote)."""
    random_ = rng.random
    bisect_ = bisect.bisect
    countries, country_cumulative = world.countries, world.country_cumulative
    country_total = country_cumulative[-1]
    day_pool, day_cumulative = days
    day_total = day_cumulative[-1]
    actors, actors_by_country = world.actors, world.actors_by_country
    sources, places_by_country = world.sources, world.places
    topics = TOPICS
    # Summaries take a run of words from a random stream: as varied as drawing each
    # word, for two draws instead of a dozen.
    stream = rng.choices(VOCABULARY, k=4096)
    last = len(stream) - 16

    events: list[tuple[Any, ...]] = []
    actor_links: list[tuple[str, int, str]] = []
    source_links: list[tuple[str, int, str]] = []
    for n in numbers:
        external_id = f"{seed}-{n}"
        code = countries[bisect_(country_cumulative, random_() * country_total)]
        places = places_by_country[code]
        # A few places of each country (its capital, its front line) see most events.
        place_pk, place = places[int(len(places) * random_() ** 2)]
        type_pk, phrase, mode, pair_roles = types[int(random_() * len(types))]

        day = day_pool[bisect_(day_cumulative, random_() * day_total)]
        roll = random_()
        if roll < 0.80:
            precision = DAY
            start = end = day
            if random_() < 0.05:  # a span of days
                end = min(day + dt.timedelta(days=1 + int(random_() * 20)), LAST_DAY)
        elif roll < 0.95:
            precision = MONTH
            start = day.replace(day=1)
            months = 2 if random_() < 0.1 and day.month < 12 else 1
            end = _month_end(day.year, day.month + months - 1)
        else:
            precision = YEAR
            start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)

        roll = random_()
        wanted = 1 if roll < 0.30 else 2 if roll < 0.75 else 3 if roll < 0.90 else 4
        local = actors_by_country.get(code)
        picked: list[tuple[int, str]] = []
        for _ in range(20):  # distinct actors; a tiny pool may give fewer
            if local and random_() < 0.5:
                actor = local[int(len(local) * random_() ** 2)]
            else:
                actor = actors[int(len(actors) * random_() ** 2)]
            if actor not in picked:
                picked.append(actor)
                if len(picked) == wanted:
                    break
        if len(picked) == 1:
            roles: list[str] = [INITIATOR if random_() < 0.7 else PARTICIPANT]
        else:
            roles = [*pair_roles]
            roles.extend(EXTRA_ROLES[int(random_() * len(EXTRA_ROLES))] for _ in picked[2:])
        for (actor_pk, _), role in zip(picked, roles, strict=True):
            actor_links.append((external_id, actor_pk, role))

        names = [name for _, name in picked]
        topic = topics[int(random_() * len(topics))]
        title = f"{' and '.join(names[:2])}{' and others' if len(names) > 2 else ''} {phrase} "
        title += f"{topic} in {place}{f' ({mode})' if mode else ''}"
        at = int(random_() * last)
        words = " ".join(stream[at : at + 6 + int(random_() * 10)])
        summary = (
            f"{', '.join(names)}: {mode or phrase} near {place}, {world.country_names[code]}. "
            f"{words.capitalize()}."
        )

        roll = random_()
        used: list[int] = []
        for _ in range(0 if roll < 0.15 else 1 if roll < 0.85 else 2):
            source_pk, publisher = sources[int(len(sources) * random_() ** 1.5)]
            if source_pk not in used:
                used.append(source_pk)
                at = int(random_() * last)
                what = f"{stream[at]} and {stream[at + 1]}"
                quote = f"{publisher} reported {what} in {place} over {topic}."
                source_links.append((external_id, source_pk, quote))

        roll = random_()
        certainty = CONFIRMED if roll < 0.3 else REPORTED if roll < 0.85 else CLAIMED
        events.append(
            (
                title[:300],
                summary,
                type_pk,
                start,
                end,
                precision,
                random_() < 0.03,  # ongoing
                certainty,
                place_pk,
                code,  # Event.country_code: the location's country, as Event.save() sets it
                dataset,
                external_id,
            )
        )
    return events, actor_links, source_links
