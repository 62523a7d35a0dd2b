"""The writer: checked chunks written batch by batch, in the import's process (which holds
the connection), with the change log; events and their links through timeline.bulk.sql
(executemany on SQLite, COPY on PostgreSQL) under ids taken beforehand."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone

from timeline.bulk import sql as bulk
from timeline.bulk.importing.checking import COMPARED, Chunk, Token
from timeline.bulk.importing.summary import ImportSummary
from timeline.models import (
    Actor,
    Change,
    ChangeAction,
    Event,
    EventActor,
    EventSource,
    Location,
    Source,
)
from timeline.representation import record_json
from timeline.services import changes
from timeline.services.changes import User

# SQLite's page cache while an import runs (bulk.sqlite_page_cache): 100,000 new events
# into a table of 1,000,000 went at 7,500 events/s with the default 2 MB, 9,400 with
# this (docs/performance.md).
SQLITE_IMPORT_CACHE_KIB = 256 * 1024

# Keys per `IN (...)` list: under SQLite's historical limit of 999 parameters.
IN_CHUNK = 900


@dataclass(slots=True)
class _Row:
    """A valid record, ready to write: places, actors and sources resolved to an
    existing id or to a new (unsaved until its batch is written) instance."""

    key: tuple[str, str]  # (dataset, external_id)
    values: tuple[Any, ...]  # COMPARED, without location_id
    country_code: str
    location: int | Location | None
    actors: list[tuple[int | Actor, str]]
    sources: list[tuple[int | Source, str]]


def _pk(ref: int | models.Model | None) -> int | None:
    # .id, not .pk (a property, measurably slower over the million calls of an import).
    return ref.id if isinstance(ref, models.Model) else ref


def _ref(token: Token, created: list[Any]) -> int | Any:
    """An existing record's id, or the new instance a token stands for."""
    return created[token[0]] if type(token) is tuple else token


class Writer:
    """Writes checked chunks, batch by batch: the import's side that holds the
    connection and the new records' instances."""

    def __init__(self, *, user: User, summary: ImportSummary) -> None:
        self.user = user
        self.summary = summary
        # Every new place, actor and source, by token ((0,) first), and those not written.
        self.created: dict[type[models.Model], list[Any]] = {Location: [], Actor: [], Source: []}
        self.new_locations: list[Location] = []
        self.new_actors: list[Actor] = []
        self.new_sources: list[Source] = []
        self.written = 0  # events created
        self.analyzed = bulk.planner_rows(Event) if connection.vendor == "postgresql" else 0
        # Datasets met so far, and whether they had events before this import.
        self.had_events: dict[str, bool] = {}

    # -- a chunk, resolved to rows -------------------------------------------------------
    def rows(self, chunk: Chunk) -> list[_Row]:
        """The chunk's checked records, their places, actors and sources resolved to an
        id or to a new instance (saved when its batch is written)."""
        for model, fields, new in (
            (Location, chunk.new_locations, self.new_locations),
            (Actor, chunk.new_actors, self.new_actors),
            (Source, chunk.new_sources, self.new_sources),
        ):
            instances = [model(**values) for values in fields]
            self.created[model].extend(instances)
            new.extend(instances)
        locations, actors, sources = (self.created[model] for model in (Location, Actor, Source))
        return [
            _Row(
                key=key,
                values=values,
                country_code=country_code,
                location=None if location is None else _ref(location, locations),
                actors=[(_ref(token, actors), role) for token, role in actor_links],
                sources=[(_ref(token, sources), quote) for token, quote in source_links],
            )
            for key, values, country_code, location, actor_links, source_links in chunk.checked
        ]

    # -- a batch, written -----------------------------------------------------------------
    def write(self, rows: list[_Row]) -> None:
        if not rows:
            return
        self._new_records_write()
        created, updated, relinked = self._compared(rows, self._existing(rows))
        now = timezone.now()
        created_ids = _events_insert(created, now)
        _events_update(updated, now)
        for chunk in _chunks([pk for pk, _ in relinked]):
            EventActor.objects.filter(event_id__in=chunk).delete()
            EventSource.objects.filter(event_id__in=chunk).delete()
        _links_insert([*zip(created_ids, created, strict=True), *relinked])
        self.summary.created["events"] += len(created)
        self.written += len(created)
        self.summary.updated["events"] += len(updated)
        changes.events_record(pks=created_ids, user=self.user, action=ChangeAction.CREATED)
        changes.events_record(
            pks=[pk for pk, _ in updated], user=self.user, action=ChangeAction.UPDATED
        )
        self._analyze()

    def _new_records_write(self) -> None:
        """The places, actors and sources first named since the last batch, logged."""
        for kind, model, new in (
            ("locations", Location, self.new_locations),
            ("actors", Actor, self.new_actors),
            ("sources", Source, self.new_sources),
        ):
            if new:
                model.objects.bulk_create(new)
                _log_created(model, new, self.user)
                self.summary.created[kind] += len(new)
                new.clear()

    def _compared(
        self, rows: list[_Row], existing: dict[tuple[str, str], tuple]
    ) -> tuple[list[_Row], list[tuple[int, _Row]], list[tuple[int, _Row]]]:
        """The rows to create, to update ((id, row)) and to relink (those updated whose
        actors or sources changed); unchanged ones are counted."""
        created: list[_Row] = []
        updated: list[tuple[int, _Row]] = []
        relinked: list[tuple[int, _Row]] = []
        for row in rows:
            old = existing.get(row.key)
            if old is None:
                created.append(row)
                continue
            pk, values, old_actors, old_sources = old
            same_links = (
                sorted((_pk(ref), role) for ref, role in row.actors) == old_actors
                and sorted((_pk(ref), quote) for ref, quote in row.sources) == old_sources
            )
            if values == (*row.values, _pk(row.location)) and same_links:
                self.summary.unchanged["events"] += 1
                continue
            updated.append((pk, row))
            if not same_links:
                relinked.append((pk, row))
        return created, updated, relinked

    def _existing(self, rows: list[_Row]) -> dict[tuple[str, str], tuple]:
        """The batch's events that exist: key -> (pk, COMPARED + location_id, sorted
        actor links, sorted source links), in a few queries for the whole batch.

        Keys of a dataset that had no events with an external_id when the import began
        are not looked up: none of them can exist (docs/bulk.md, How it writes)."""
        for dataset in {row.key[0] for row in rows} - self.had_events.keys():
            # Asked before this import writes any event of the dataset: write() looks
            # up a batch's keys before inserting its events.
            self.had_events[dataset] = _dataset_has_events(dataset)
        keys = [row.key for row in rows if self.had_events[row.key[0]]]
        found = _events_by_key(keys, "id", *COMPARED, "location_id")
        if not found:
            return {}
        actors: dict[int, list] = defaultdict(list)
        sources: dict[int, list] = defaultdict(list)
        for chunk in _chunks([pk for pk, *_ in found.values()]):
            for event_id, actor_id, role in EventActor.objects.filter(
                event_id__in=chunk
            ).values_list("event_id", "actor_id", "role"):
                actors[event_id].append((actor_id, role))
            for event_id, source_id, quote in EventSource.objects.filter(
                event_id__in=chunk
            ).values_list("event_id", "source_id", "quote"):
                sources[event_id].append((source_id, quote))
        return {
            key: (pk, tuple(values), sorted(actors[pk]), sorted(sources[pk]))
            for key, (pk, *values) in found.items()
        }

    # -- PostgreSQL's planner statistics --------------------------------------------------
    # Autovacuum cannot see the rows of an import that has not committed, so the planner
    # would plan for the tables as they were before it (sequential scans for each batch's
    # lookups: 3x slower by the end of 100,000 events). ANALYZE, each time the events
    # written pass the number last analyzed, keeps the cost to a few runs; only the
    # columns the import looks up (the whole event table took 1.1 s at 100,000 events,
    # these columns 0.1 s).
    ANALYZED = {
        Event: ("id", "dataset", "external_id"),
        EventActor: ("event", "actor"),
        EventSource: ("event", "source"),
    }
    ANALYZE_AFTER = 10_000

    def _analyze(self) -> None:
        if connection.vendor != "postgresql":
            return
        if self.written < max(self.ANALYZE_AFTER, self.analyzed):
            return
        bulk.analyze(self.ANALYZED)
        self.analyzed += self.written
        self.written = 0


# -- the SQL ------------------------------------------------------------------------------
# The columns an import writes, in the order _event_values gives them: every column
# of an event (a test holds them to the model) but its id.
EVENT_INSERT_COLUMNS = (
    *COMPARED,
    "location_id",
    "country_code",
    "dataset",
    "external_id",
    "created_at",
    "updated_at",
)
EVENT_UPDATE_COLUMNS = (*COMPARED, "location_id", "country_code", "updated_at")
# The columns _log_created writes: every column of a Change but its id and duplicate_of.
CHANGE_COLUMNS = ("entity", "object_id", "action", "at", "user", "data", "reason", "note")


def _event_values(rows: Iterable[_Row]) -> Iterator[tuple]:
    """Each row's values for COMPARED, location_id and country_code, database-ready."""
    # Looked up once: `connection` is a proxy, and each attribute of it a lookup.
    date = connection.ops.adapt_datefield_value
    for row in rows:
        title, summary, event_type_id, start, end, precision, ongoing, certainty = row.values
        yield (
            title,
            summary,
            event_type_id,
            date(start),
            date(end),
            precision,
            ongoing,
            certainty,
            _pk(row.location),
            row.country_code,
        )


def _events_insert(rows: list[_Row], now: dt.datetime) -> list[int]:
    """Create the rows' events; their ids, in the rows' order."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    ids = bulk.event_ids(len(rows))
    bulk.rows_insert(
        Event,
        ("id", *EVENT_INSERT_COLUMNS),
        [
            (pk, *values, *row.key, stamp, stamp)
            for pk, row, values in zip(ids, rows, _event_values(rows), strict=True)
        ],
    )
    return ids


def _events_update(rows: list[tuple[int, _Row]], now: dt.datetime) -> None:
    """Write the rows over these events (by id), with a new updated_at."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    bulk.rows_update(
        Event,
        EVENT_UPDATE_COLUMNS,
        [
            (*values, stamp, pk)
            for (pk, _), values in zip(rows, _event_values(row for _, row in rows), strict=True)
        ],
    )


def _links_insert(linked: list[tuple[int, _Row]]) -> None:
    """The actor and source links of these (event id, row) pairs."""
    bulk.rows_insert(
        EventActor,
        ("event_id", "actor_id", "role"),
        [(pk, _pk(ref), role) for pk, row in linked for ref, role in row.actors],
    )
    bulk.rows_insert(
        EventSource,
        ("event_id", "source_id", "quote"),
        [(pk, _pk(ref), quote) for pk, row in linked for ref, quote in row.sources],
    )


def _dataset_has_events(dataset: str) -> bool:
    """Whether an event of the dataset has an external_id (the keys an import matches).
    The condition is event_external_id_unique's, so both databases search its index."""
    return Event.objects.filter(dataset=dataset).exclude(external_id="").exists()


def _events_by_key(keys: list[tuple[str, str]], *columns: str) -> dict[tuple[str, str], tuple]:
    """These columns of the events with these (dataset, external_id) keys that exist, in
    SQL: through the ORM, building the query cost more than running it."""
    by_dataset: dict[str, list[str]] = defaultdict(list)
    for dataset, external_id in keys:
        by_dataset[dataset].append(external_id)
    selected = ", ".join(bulk.columns(Event, ("external_id", *columns)))
    dataset_column, external_id_column = bulk.columns(Event, ("dataset", "external_id"))
    found = {}
    with connection.cursor() as cursor:
        for dataset, external_ids in by_dataset.items():
            for chunk in _chunks(external_ids):
                # NOT (external_id = '') repeats the condition of the partial unique
                # index event_external_id_unique word for word, so that SQLite sees that
                # it can use the index here (external_id <> '' made it scan the table).
                cursor.execute(
                    f"SELECT {selected} FROM {bulk.table(Event)}"
                    f" WHERE NOT ({external_id_column} = '') AND {dataset_column} = %s"
                    f" AND {external_id_column} IN ({', '.join(['%s'] * len(chunk))})",
                    [dataset, *chunk],
                )
                for external_id, *values in cursor.fetchall():
                    found[(dataset, external_id)] = tuple(values)
    return found


def _log_created(model: type[models.Model], instances: list[Any], user: User) -> None:
    """change_record(action="created") for many new places, actors or sources at once.

    change_record runs an INSERT for each record, one statement for each of the tens of
    thousands of places, actors and sources a large file brings; here one statement
    writes the same entries. New records show in no event yet, so
    there are no touched events for change_record to add."""
    entity = changes.ENTITIES[model]
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    logged_by = user.pk if user is not None and user.is_authenticated else None
    bulk.rows_insert(
        Change,
        CHANGE_COLUMNS,
        [
            (
                entity,
                instance.pk,
                ChangeAction.CREATED,
                at,
                logged_by,
                orjson.dumps(record_json(instance)).decode(),
                "",
                "",
            )
            for instance in instances
        ],
    )


def _chunks(items: list[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
