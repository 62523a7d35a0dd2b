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
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI

from timeline.api.serializers import EventSerializer
from timeline.models import Actor, Event, EventActor, EventSource, Source

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


def driver_rows(
    queryset: QuerySet, *, chunked_fetch: bool = False, chunk_size: int = GET_ITERATOR_CHUNK_SIZE
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """A values() queryset's column names, in the order its SQL selects them, and its
    rows as the database driver gives them, without Django's converters (which run a
    function per value of every row). The query runs now."""
    query = queryset.query
    # The names ValuesIterable gives the same SELECT.
    names = list(
        query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    compiler = query.get_compiler(queryset.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=chunked_fetch, chunk_size=chunk_size)
    return names, (row for chunk in chunks for row in chunk)


class RawValuesIterable(ValuesIterable):
    """values() rows as the database driver gives them (driver_rows): on SQLite,
    date-times stay naive (in UTC) and booleans may be 0 or 1 (represent_events reads
    both); PostgreSQL's driver gives the final values, and Django converts none of
    these columns there."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names, rows = driver_rows(
            self.queryset, chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size
        )
        for row in rows:
            yield dict(zip(names, row, strict=True))


def event_rows(queryset: QuerySet[Event], fields: Sequence[str] = EVENT_FIELDS) -> QuerySet:
    """The queryset as rows of the columns ``fields`` need (one query with the joins),
    as the driver gives them (RawValuesIterable; represent_events reads them)."""
    rows = queryset.values(*value_columns(fields))
    rows._iterable_class = RawValuesIterable
    return rows


def _datetime(value: dt.datetime) -> str:
    """As DRF's DateTimeField writes it (UTC, 'Z')."""
    if value.tzinfo is None:  # SQLite's, in UTC
        return value.isoformat() + "Z"
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
            elif name == "ongoing":
                event[name] = bool(row[name])
            else:
                event[name] = row[name]
        events.append(event)
    return events


def events_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The API's JSON of each of these events, by id (three queries)."""
    rows = event_rows(Event.objects.filter(pk__in=ids).order_by())
    return {event["id"]: event for event in represent_events(rows)}


# -- the same JSON, built by the database ---------------------------------------------------
# For exports and the change log, which handle many events at a time: the database builds
# each event's JSON (json_object on SQLite, concatenated text on PostgreSQL) at several
# times the speed of represent_events (docs/performance.md). The object is the API's, keys
# in the same order, without spaces; tests/bulk/test_exporting.py and
# tests/test_representation.py hold them equal. {latitude} and {longitude} are the
# coordinates' expressions (see events_json_query).
_SQLITE_EVENT_JSON = """json_object(
  'id', e.id, 'dataset', e.dataset, 'external_id', e.external_id, 'title', e.title,
  'summary', e.summary, 'event_type', json_object('code', t.code, 'label', t.label),
  'start_date', e.start_date, 'end_date', e.end_date, 'date_precision', e.date_precision,
  'ongoing', CASE WHEN e.ongoing THEN json('true') ELSE json('false') END,
  'certainty', e.certainty,
  'location', CASE WHEN l.id IS NULL THEN json('null') ELSE json_object(
    'id', l.id, 'name', l.name, 'kind', l.kind, 'country_code', l.country_code,
    'admin1', l.admin1, 'latitude', {latitude}, 'longitude', {longitude},
    'coordinate_precision', l.coordinate_precision) END,
  'actors', (SELECT json_group_array(json(x)) FROM (
    SELECT json_object('id', a.id, 'name', a.name, 'kind', a.kind,
                       'country_code', a.country_code, 'role', ea.role) AS x
    FROM timeline_eventactor ea JOIN timeline_actor a ON a.id = ea.actor_id
    WHERE ea.event_id = e.id ORDER BY ea.id)),
  'sources', (SELECT json_group_array(json(x)) FROM (
    SELECT json_object('id', s.id, 'url', s.url, 'publisher', s.publisher, 'title', s.title,
                       'published_on', s.published_on, 'quote', es.quote) AS x
    FROM timeline_eventsource es JOIN timeline_source s ON s.id = es.source_id
    WHERE es.event_id = e.id ORDER BY es.id)),
  -- stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; shown as DRF shows it
  'created_at', replace(e.created_at, ' ', 'T') || 'Z',
  'updated_at', replace(e.updated_at, ' ', 'T') || 'Z')"""


def sqlite_json_float(column: str) -> str:
    """The SQLite float ``column`` as json_object writes it (json_quote writes a value
    as JSON, as json_object does): 15 significant digits in SQLite 3.40,
    12.3456789012346 for 12.345678901234567. Cheaper than printf('%!.15g')."""
    return f"json_quote({column})"


# With 17 significant digits the text reads back as the exact float, though not in the
# shortest form Python writes (23.589099999999998 for 23.5891).
_SQLITE_EXACT = "CASE WHEN {0} IS NULL THEN NULL ELSE json(printf('%%!.17g', {0})) END"
_SQLITE_EVENTS = """SELECT {select}
FROM timeline_event e
JOIN timeline_eventtype t ON t.id = e.event_type_id
LEFT JOIN timeline_location l ON l.id = e.location_id
WHERE e.id IN (SELECT value FROM json_each(%s)) ORDER BY e.id"""

# Microseconds only when there are some, as Python's isoformat() writes them.
_PG_TIME = (
    "to_char({0} AT TIME ZONE 'UTC', CASE WHEN extract(microseconds FROM {0})::int %% 1000000 = 0"
    ' THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
)


# On PostgreSQL the JSON is concatenated text: json_build_object looks up the type of
# each of its arguments, keys included, in the catalog on every row, and those lookups
# were a fifth of the export's database time; concatenation spent a third less CPU
# per event (docs/performance.md). Each value is the JSON text of a column: to_json
# for strings (the escaping json_build_object uses), the column's text for numbers and
# booleans (floats in their shortest exact form, as Python writes them). Every column
# shown is NOT NULL but those handled apart (coordinates, a source's date, the place):
# a NULL would make the whole text NULL.
def _pg_object(*fields: tuple[str, str]) -> str:
    """SQL concatenating a JSON object: (key, SQL giving the value's JSON text)."""
    return (
        " || ".join(
            f"'{',' if n else '{'}\"{key}\":' || {value}" for n, (key, value) in enumerate(fields)
        )
        + " || '}'"
    )


def _pg_string(column: str) -> str:
    return f"to_json({column})::text"


def _pg_strings(table: str, *names: str) -> list[tuple[str, str]]:
    """(name, its JSON text) for these string columns of ``table`` (an alias)."""
    return [(name, _pg_string(f"{table}.{name}")) for name in names]


def _pg_quoted(text: str) -> str:
    return f"'\"' || {text} || '\"'"


def _pg_float(column: str) -> str:
    """A nullable float as Python writes it: PostgreSQL's text is the shortest exact
    form too, but without ".0" for whole numbers (10, -0 where Python writes 10.0,
    -0.0); coordinates are far below 1e15, where both switch to exponents."""
    return (
        f"CASE WHEN {column} IS NULL THEN 'null'"
        f" WHEN {column} = trunc({column}) AND abs({column}) < 1e15 THEN {column}::text || '.0'"
        f" ELSE {column}::text END"
    )


def _pg_date(column: str) -> str:
    return _pg_quoted(f"to_char({column}, 'YYYY-MM-DD')")


_PG_LOCATION = _pg_object(
    ("id", "l.id::text"),
    *_pg_strings("l", "name", "kind", "country_code", "admin1"),
    ("latitude", _pg_float("l.latitude")),
    ("longitude", _pg_float("l.longitude")),
    *_pg_strings("l", "coordinate_precision"),
)
_POSTGRESQL_JSON = _pg_object(
    ("id", "e.id::text"),
    *_pg_strings("e", "dataset", "external_id", "title", "summary"),
    ("event_type", _pg_object(*_pg_strings("t", "code", "label"))),
    ("start_date", _pg_date("e.start_date")),
    ("end_date", _pg_date("e.end_date")),
    *_pg_strings("e", "date_precision"),
    ("ongoing", "e.ongoing::text"),
    *_pg_strings("e", "certainty"),
    ("location", f"CASE WHEN l.id IS NULL THEN 'null' ELSE {_PG_LOCATION} END"),
    ("actors", "COALESCE(actors.list, '[]')"),
    ("sources", "COALESCE(sources.list, '[]')"),
    ("created_at", _pg_quoted(_PG_TIME.format("e.created_at"))),
    ("updated_at", _pg_quoted(_PG_TIME.format("e.updated_at"))),
)
_PG_ACTOR = _pg_object(
    ("id", "a.id::text"),
    *_pg_strings("a", "name", "kind", "country_code"),
    *_pg_strings("ea", "role"),
)
_PG_SOURCE = _pg_object(
    ("id", "s.id::text"),
    *_pg_strings("s", "url", "publisher", "title"),
    ("published_on", f"COALESCE({_pg_date('s.published_on')}, 'null')"),
    *_pg_strings("es", "quote"),
)
# The links are aggregated for the whole batch (GROUP BY), not by a subquery per
# event: while an import fills a table, PostgreSQL's statistics lag behind, and its
# plan for a subquery per event scanned the whole actor table once per event.
_POSTGRESQL_EVENTS = f"""SELECT {{select}}
FROM timeline_event e
JOIN timeline_eventtype t ON t.id = e.event_type_id
LEFT JOIN timeline_location l ON l.id = e.location_id
LEFT JOIN (
  SELECT ea.event_id, '[' || string_agg({_PG_ACTOR}, ',' ORDER BY ea.id) || ']' AS list
  FROM timeline_eventactor ea JOIN timeline_actor a ON a.id = ea.actor_id
  WHERE ea.event_id = ANY(%s::bigint[]) GROUP BY ea.event_id
) actors ON actors.event_id = e.id
LEFT JOIN (
  SELECT es.event_id, '[' || string_agg({_PG_SOURCE}, ',' ORDER BY es.id) || ']' AS list
  FROM timeline_eventsource es JOIN timeline_source s ON s.id = es.source_id
  WHERE es.event_id = ANY(%s::bigint[]) GROUP BY es.event_id
) sources ON sources.event_id = e.id
WHERE e.id = ANY(%s::bigint[]) ORDER BY e.id"""


def events_json_query(
    ids: Sequence[int],
    *,
    exact: bool,
    select: str = "{json}",
    params: Sequence[Any] = (),
    cast: str = "text",
) -> tuple[str, list[Any]]:
    """SQL and parameters that select these events in id order: the ``select`` list,
    where {json} is the event's JSON (as ``cast``: "text", or "jsonb" to store it;
    SQLite's is always text) and %s are the ``params``. The event is ``e``, its place
    ``l``.

    ``exact``: coordinates that read back as the exact floats (for the change log,
    which is parsed again). Without it SQLite rounds them to 15 significant digits, and
    exporting.py puts back the exact ones, in the shortest form. PostgreSQL's are always
    exact and shortest."""
    if connection.vendor == "postgresql":
        event_json = _POSTGRESQL_JSON if cast == "text" else f"({_POSTGRESQL_JSON})::{cast}"
        select = select.format(json=event_json)
        # An array literal: psycopg's list adapter costs more than the query here.
        array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
        return _POSTGRESQL_EVENTS.replace("{select}", select, 1), [*params, array, array, array]
    coordinates = _SQLITE_EXACT if exact else "{0}"
    event_json = _SQLITE_EVENT_JSON.format(
        latitude=coordinates.format("l.latitude"), longitude=coordinates.format("l.longitude")
    )
    # The ids as one JSON array: one parameter, whatever their number (SQLite may be
    # built with a limit of 999), and cheaper to bind than one parameter each.
    sql = _SQLITE_EVENTS.format(select=select.format(json=event_json))
    return sql, [*params, "[" + ",".join(str(int(pk)) for pk in ids) + "]"]
