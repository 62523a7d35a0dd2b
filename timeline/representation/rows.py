"""Events as the API shows them, built from ``values()`` rows: three queries for any
number of events (the events joined to their type and place; their actors; their
sources), and for each row one function per field, chosen once from
timeline.event_shape. The list endpoint's hot path.

Also a record (a place, an actor, a source) as its endpoint shows it, from its model
instance: the change log's snapshot of a record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesIterable
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI

from timeline.event_shape import (
    ACTOR,
    EVENT,
    EVENT_FIELDS,
    LOCATION,
    SOURCE,
    Field,
    Kind,
    Linked,
    Nested,
    Record,
)
from timeline.models import Actor, Event, Location, Source
from timeline.representation.sql import LINK_SQL

Row = dict[str, Any]

# The columns a cursor may be made of (rows are paginated on them), read whether
# shown or not.
SORT_COLUMNS = ("id", "start_date", "end_date", "updated_at")


def _foreign_key(nested: Nested) -> str:
    """The event's column holding the nested record's id: read without the join."""
    return Event._meta.get_field(nested.name).attname


def _nested_column(nested: Nested, name: str) -> str:
    return _foreign_key(nested) if name == "id" else f"{nested.name}__{name}"


def _columns(field: Field | Nested | Linked) -> list[str]:
    if isinstance(field, Nested):
        columns = [_nested_column(field, item.name) for item in field.fields]
        return [_foreign_key(field), *columns] if field.null else columns
    if isinstance(field, Linked):
        return []  # their own query
    return [field.name]


_COLUMNS = {field.name: _columns(field) for field in EVENT}


def value_columns(fields: Sequence[str]) -> list[str]:
    """The values() columns needed to show ``fields``, and the sort keys."""
    columns = [*SORT_COLUMNS, *(column for name in fields for column in _COLUMNS[name])]
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


# How a value the driver gives is written, by kind; the others are written as they come.
# Dates come as dates on both databases, booleans as 0 or 1 on SQLite.
_CONVERT: dict[Kind, Callable[[Any], Any]] = {
    Kind.DATE: dt.date.isoformat,
    Kind.DATETIME: _datetime,
    Kind.BOOL: bool,
}


def _reader(field: Field, column: str) -> Callable[[Row], Any]:
    """A function reading the field's value from a row, as the API writes it."""
    convert = _CONVERT.get(field.kind)
    if convert is None:
        return itemgetter(column)
    if field.null:
        return lambda row: None if row[column] is None else convert(row[column])
    return lambda row: convert(row[column])


def _nested_reader(nested: Nested) -> Callable[[Row], Any]:
    readers = [
        (item.name, _reader(item, _nested_column(nested, item.name))) for item in nested.fields
    ]

    def read(row: Row) -> dict[str, Any]:
        return {name: get(row) for name, get in readers}

    if not nested.null:
        return read
    key = _foreign_key(nested)
    return lambda row: None if row[key] is None else read(row)


_READERS: dict[str, Callable[[Row], Any]] = {
    field.name: _nested_reader(field) if isinstance(field, Nested) else _reader(field, field.name)
    for field in EVENT
    if not isinstance(field, Linked)
}
_LINKED = {field.name: field for field in EVENT if isinstance(field, Linked)}


@lru_cache(maxsize=128)
def _plan(fields: tuple[str, ...]) -> tuple[list[tuple[str, Callable | None]], list[Linked]]:
    """For a selection of fields: (each shown field, in the shape's order, with its
    reader; None for a list), and the lists to read."""
    shown = [name for name in EVENT_FIELDS if name in fields]
    readers = [(name, _READERS.get(name)) for name in shown]
    return readers, [_LINKED[name] for name in shown if name in _LINKED]


def _link_items(linked: Linked, cursor: Any) -> dict[int, list[dict[str, Any]]]:
    """The list's items of each event, from LINK_SQL's rows."""
    keys = linked.names
    converted = [
        (n, _CONVERT[field.kind]) for n, field in enumerate(linked.fields) if field.kind in _CONVERT
    ]
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event_id, *values in cursor.fetchall():
        for n, convert in converted:
            if values[n] is not None:
                values[n] = convert(values[n])
        items[event_id].append(dict(zip(keys, values, strict=True)))
    return items


def _links(ids: list[int], lists: list[Linked]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Each list's items for these events: one query a list."""
    if not ids or not lists:
        return {linked.name: {} for linked in lists}
    placeholders = ", ".join(["%s"] * len(ids))
    found = {}
    with connection.cursor() as cursor:
        for linked in lists:
            cursor.execute(LINK_SQL[linked.name].format(ids=placeholders), ids)
            found[linked.name] = _link_items(linked, cursor)
    return found


def represent_events(rows: Iterable[Row], fields: Sequence[str] = EVENT_FIELDS) -> list[Row]:
    """The API's JSON for these event rows (from event_rows), in the order given.

    One more query for each list shown (actors, sources), for all the rows together."""
    rows = list(rows)
    readers, lists = _plan(tuple(fields))
    items = _links([row["id"] for row in rows], lists)
    getters = [
        (name, get or (lambda row, found=items[name]: found.get(row["id"], [])))
        for name, get in readers
    ]
    # Hot: one call per field and row, nothing else.
    return [{name: get(row) for name, get in getters} for row in rows]


def events_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The API's JSON of each of these events, by id (three queries)."""
    rows = event_rows(Event.objects.filter(pk__in=ids).order_by())
    return {event["id"]: event for event in represent_events(rows)}


# -- a record, from its model instance ---------------------------------------------------------
RECORDS: dict[type[Model], Record] = {Location: LOCATION, Actor: ACTOR, Source: SOURCE}


def _record_value(field: Field, value: Any) -> Any:
    """As the record's serializer writes a value of the model instance."""
    if value is None:
        return None
    if field.kind is Kind.DATE:
        return value.isoformat()
    if field.kind is Kind.FLOAT:
        return float(value)
    return value


def record_json(instance: Model) -> dict[str, Any]:
    """A place, an actor or a source as its endpoint shows it (its serializer's JSON)."""
    return {
        field.name: _record_value(field, getattr(instance, field.name))
        for field in RECORDS[type(instance)].fields
    }
