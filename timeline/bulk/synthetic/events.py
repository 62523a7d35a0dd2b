"""The events and their links: drawn a batch at a time from the world, written with
one INSERT (or COPY) per table and batch."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from timeline.bulk import sql as bulk
from timeline.bulk.synthetic.summary import GenerateError, GenerateSummary
from timeline.bulk.synthetic.words import TOPICS, TYPE_PHRASES, VOCABULARY, cumulative
from timeline.bulk.synthetic.world import FIRST_DAY, LAST_DAY, World, build_world
from timeline.models import (
    ActorRole,
    Certainty,
    DatePrecision,
    Event,
    EventActor,
    EventSource,
    EventType,
)

# SQLite's page cache while generating, in KiB (bulk.sqlite_page_cache).
SQLITE_CACHE_KIB = 128 * 1024

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
# Types whose first two actors take part on equal terms.
COOPERATIVE_TYPES = frozenset(
    {"agree", "consult", "support", "concede", "cooperate", "aid", "retreat"}
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
    the package docstring).
    """
    _check_arguments(count=count, batch_size=batch_size, dataset=dataset)
    types = _event_types()

    started = time.perf_counter()
    summary = GenerateSummary(dataset=dataset, seed=seed)
    rng = random.Random(seed)
    world = build_world(rng, count=count, seed=seed, summary=summary)
    days = _day_pool(rng, count)
    writer = _BatchWriter()
    with bulk.sqlite_page_cache(SQLITE_CACHE_KIB):
        for first in range(1, count + 1, batch_size):
            events, actor_links, source_links = _event_batch(
                rng,
                world,
                numbers=range(first, min(first + batch_size, count + 1)),
                seed=seed,
                dataset=dataset,
                types=types,
                days=days,
            )
            writer.write(events, actor_links, source_links)
            summary.events += len(events)
            summary.event_actors += len(actor_links)
            summary.event_sources += len(source_links)
            if progress is not None:
                progress(summary.events)
    summary.seconds = time.perf_counter() - started
    return summary


def _check_arguments(*, count: int, batch_size: int, dataset: str) -> None:
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


def _event_types() -> list[tuple[int, str, str, tuple[str, str]]]:
    """The terms events are given (the vocabulary's leaves), each as (id, the phrase
    titles use, its mode in words, the roles of its first two actors)."""
    # Sorted here, not by the database, whose collation may order codes differently.
    leaf_types = sorted(
        EventType.objects.filter(children__isnull=True).values_list("pk", "code"),
        key=lambda row: row[1],
    )
    if not leaf_types:
        raise GenerateError("The event vocabulary is empty: run the migrations first.")
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
    return types


def _day_pool(rng: random.Random, count: int) -> tuple[list[dt.date], list[float]]:
    """The days events fall on, with their cumulative weights: a limited set (so many
    events share a day even in a small dataset), more events in recent years, and a
    few hot days with many times the usual number."""
    first, days = FIRST_DAY.toordinal(), (LAST_DAY - FIRST_DAY).days + 1
    size = max(20, min(days, count // 5))
    pool = sorted(dt.date.fromordinal(first + n) for n in rng.sample(range(days), size))
    weights = [(8 + day.year - FIRST_DAY.year) * (25 if rng.random() < 0.02 else 1) for day in pool]
    return pool, cumulative(weights)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _event_batch(
    rng: random.Random,
    world: World,
    *,
    numbers: range,
    seed: int,
    dataset: str,
    types: list[tuple[int, str, str, tuple[str, str]]],
    days: tuple[list[dt.date], list[float]],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """The rows of a batch of events (EVENT_FIELDS), and their actor and source links
    as (external_id, actor or source id, role or quote)."""
    # One long loop on purpose: it runs once per event, with the draws inlined for speed.
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


class _BatchWriter:
    """Writes a batch of events and their links in one transaction."""

    def __init__(self) -> None:
        self.events = _Insert(Event, (Event._meta.pk.name, *EVENT_FIELDS))
        self.actors = _Insert(EventActor, ("event", "actor", "role"))
        self.sources = _Insert(EventSource, ("event", "source", "quote"))

    def write(
        self,
        events: list[tuple[Any, ...]],
        actor_links: list[tuple[str, int, str]],
        source_links: list[tuple[str, int, str]],
    ) -> None:
        with transaction.atomic():
            # Ids taken first (COPY returns none), so the links need not read them back.
            pks = bulk.event_ids(len(events))
            self.events.run([(pk, *row) for pk, row in zip(pks, events, strict=True)])
            ids = {row[-1]: pk for pk, row in zip(pks, events, strict=True)}  # by external_id
            self.actors.run([(ids[external_id], *link) for external_id, *link in actor_links])
            self.sources.run([(ids[external_id], *link) for external_id, *link in source_links])


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
