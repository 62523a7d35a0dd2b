"""Events as the API shows them, built from plain rows instead of model instances.

EventSerializer defines the event's JSON and serves single events (details, write
answers); lists, exports and the change log build the same JSON here from
``values()`` rows, in three queries for any number of events (the events joined to
their type and location; their actors; their sources). Building ORM instances and
running nested ModelSerializers for every event cost several times more than the
database work (docs/performance.md); tests/test_representation.py holds the two
to the same output.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from timeline.models import Actor, Event, EventActor, EventSource, Source
from timeline.serializers import EventSerializer

EVENT_FIELDS = tuple(EventSerializer.Meta.fields)

# The columns each top-level field reads (actors and sources come from their own query).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "event_type": ("event_type__code", "event_type__label"),
    "location": (
        "location_id",
        "location__name",
        "location__kind",
        "location__country_code",
        "location__admin1",
        "location__latitude",
        "location__longitude",
        "location__coordinate_precision",
    ),
    "actors": (),
    "sources": (),
}
LOCATION_KEYS = (
    "name",
    "kind",
    "country_code",
    "admin1",
    "latitude",
    "longitude",
    "coordinate_precision",
)


def value_columns(fields: Sequence[str]) -> list[str]:
    """The values() columns needed to show ``fields``, and the sort keys a cursor may be
    made of (id, the dates, updated_at) whether shown or not."""
    columns = ["id", "start_date", "end_date", "updated_at"]
    for name in fields:
        columns += _COLUMNS.get(name, (name,))
    return list(dict.fromkeys(columns))


def event_rows(queryset: QuerySet[Event], fields: Sequence[str] = EVENT_FIELDS) -> QuerySet:
    """The queryset as rows of the columns ``fields`` need (one query with the joins)."""
    return queryset.values(*value_columns(fields))


def _datetime(value: dt.datetime) -> str:
    # As DRF's DateTimeField writes it (UTC, 'Z').
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# The two link queries, in SQL: they run for every list page and export batch, and
# building them through the ORM cost more than running them (docs/performance.md).
ACTORS_SQL = (
    "SELECT ea.event_id, a.id, a.name, a.kind, a.country_code, ea.role"
    f" FROM {EventActor._meta.db_table} ea JOIN {Actor._meta.db_table} a ON a.id = ea.actor_id"
    " WHERE ea.event_id IN ({ids}) ORDER BY ea.id"
)
SOURCES_SQL = (
    "SELECT es.event_id, s.id, s.url, s.publisher, s.title, s.published_on, es.quote"
    f" FROM {EventSource._meta.db_table} es JOIN {Source._meta.db_table} s ON s.id = es.source_id"
    " WHERE es.event_id IN ({ids}) ORDER BY es.id"
)
ACTOR_KEYS = ("id", "name", "kind", "country_code", "role")


def _links(ids: list[int], fields: Sequence[str]) -> tuple[dict, dict]:
    actors: dict[int, list[dict[str, Any]]] = defaultdict(list)
    sources: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return actors, sources
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if "actors" in fields:
            cursor.execute(ACTORS_SQL.format(ids=placeholders), ids)
            for event_id, *actor in cursor.fetchall():
                actors[event_id].append(dict(zip(ACTOR_KEYS, actor, strict=True)))
        if "sources" in fields:
            cursor.execute(SOURCES_SQL.format(ids=placeholders), ids)
            for (
                event_id,
                source_id,
                url,
                publisher,
                title,
                published_on,
                quote,
            ) in cursor.fetchall():
                sources[event_id].append(
                    {
                        "id": source_id,
                        "url": url,
                        "publisher": publisher,
                        "title": title,
                        "published_on": published_on.isoformat() if published_on else None,
                        "quote": quote,
                    }
                )
    return actors, sources


def represent_events(
    rows: Iterable[dict[str, Any]], fields: Sequence[str] = EVENT_FIELDS
) -> list[dict[str, Any]]:
    """The API's JSON for these event rows (from event_rows), in the order given.

    Two more queries at most, for all the rows together: actors, sources."""
    rows = list(rows)
    actors, sources = _links([row["id"] for row in rows], fields)
    wanted = [name for name in EVENT_FIELDS if name in fields]
    events = []
    for row in rows:
        event: dict[str, Any] = {}
        for name in wanted:
            if name == "event_type":
                event[name] = {"code": row["event_type__code"], "label": row["event_type__label"]}
            elif name == "location":
                event[name] = (
                    None
                    if row["location_id"] is None
                    else {
                        "id": row["location_id"],
                        **{key: row[f"location__{key}"] for key in LOCATION_KEYS},
                    }
                )
            elif name == "actors":
                event[name] = actors.get(row["id"], [])
            elif name == "sources":
                event[name] = sources.get(row["id"], [])
            elif name in ("start_date", "end_date"):
                event[name] = row[name].isoformat()
            elif name in ("created_at", "updated_at"):
                event[name] = _datetime(row[name])
            else:
                event[name] = row[name]
        events.append(event)
    return events


def events_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The API's JSON of each of these events, by id (three queries)."""
    rows = event_rows(Event.objects.filter(pk__in=ids).order_by())
    return {event["id"]: event for event in represent_events(rows)}
