"""The event's JSON in hand-written SQL, generated once, at import, from
timeline.event_shape, with the tables and columns from the models' ``_meta``.

- ``LINK_SQL``: each list's rows (actors, sources) for a page of events, read by
  rows.represent_events: built through the ORM on every list page, these queries cost more than running them (docs/performance.md).
- ``events_json_query``: each event's whole JSON built by the database (json_object
  on SQLite, concatenated text on PostgreSQL), for exports and the change log, which
  handle many events at a time: several times the speed of building it in Python
  (docs/performance.md). The text is the API's, keys in the same order, without
  spaces; tests/test_export.py and tests/test_representation.py hold it equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

from timeline.event_shape import EVENT, Field, Kind, Linked, Nested
from timeline.models import Event


def _q(name: str) -> str:
    """A quoted identifier (the same quotes on both databases)."""
    return f'"{name}"'


@dataclass(frozen=True)
class _Table:
    """A model's table in a query, under an alias."""

    model: type[Model]
    alias: str

    @property
    def sql(self) -> str:
        return f"{_q(self.model._meta.db_table)} {self.alias}"

    def column(self, name: str) -> str:
        return f"{self.alias}.{_q(self.model._meta.get_field(name).column)}"

    @property
    def pk(self) -> str:
        return self.column(self.model._meta.pk.name)


E = "e"  # the event's alias in every query here (``select`` lists may name it)
_EVENT = _Table(Event, E)


def _join(table: _Table, foreign_key: Any, other: _Table, *, outer: bool = False) -> str:
    """JOIN ``table`` to ``other`` on ``other``'s foreign key ``foreign_key``."""
    join = "LEFT JOIN" if outer else "JOIN"
    target = table.column(foreign_key.target_field.name)
    return f"{join} {table.sql} ON {target} = {other.column(foreign_key.name)}"


@dataclass(frozen=True)
class _Nested:
    """A nested record: its table, joined to the event's."""

    nested: Nested
    table: _Table

    @classmethod
    def of(cls, nested: Nested) -> _Nested:
        return cls(
            nested, _Table(Event._meta.get_field(nested.name).related_model, _q(nested.name))
        )

    @property
    def join(self) -> str:
        foreign_key = Event._meta.get_field(self.nested.name)
        return _join(self.table, foreign_key, _EVENT, outer=self.nested.null)

    def column(self, field: Field) -> str:
        return self.table.column(field.name)


@dataclass(frozen=True)
class _Links:
    """A list: its link rows joined to their records, in the links' order."""

    linked: Linked
    link: _Table
    record: _Table

    @classmethod
    def of(cls, linked: Linked) -> _Links:
        link_model = Event._meta.get_field(linked.relation).related_model
        record_model = link_model._meta.get_field(linked.via).related_model
        return cls(
            linked,
            _Table(link_model, _q(f"{linked.name}_link")),
            _Table(record_model, _q(linked.via)),
        )

    def column(self, field: Field) -> str:
        """The column of one of the list's fields: the record's, or the link's own."""
        table = self.link if field in self.linked.link_fields else self.record
        return table.column(field.name)

    @property
    def event_key(self) -> str:
        """The name of the link's foreign key to its event."""
        return Event._meta.get_field(self.linked.relation).field.name

    @property
    def event_id(self) -> str:
        return self.link.column(self.event_key)

    @property
    def event_column(self) -> str:
        """The column of the link's foreign key to its event, as a subquery names it."""
        return _q(self.link.model._meta.get_field(self.event_key).column)

    @property
    def tables(self) -> str:
        via = self.link.model._meta.get_field(self.linked.via)
        return f"{self.link.sql} {_join(self.record, via, self.link)}"


_EVENT_ID = _EVENT.pk
_NESTED = {field.name: _Nested.of(field) for field in EVENT if isinstance(field, Nested)}
_LISTS = {field.name: _Links.of(field) for field in EVENT if isinstance(field, Linked)}
_FROM = "\n".join([_EVENT.sql, *(nested.join for nested in _NESTED.values())])


# -- the lists' rows, for rows.represent_events ----------------------------------------------
def _link_rows_sql(links: _Links) -> str:
    columns = ", ".join([links.event_id, *map(links.column, links.linked.fields)])
    return (
        f"SELECT {columns} FROM {links.tables}"
        f" WHERE {links.event_id} IN ({{ids}}) ORDER BY {links.link.pk}"
    )


# Each list's query: the event's id, then the list's fields; {ids} are the placeholders.
LINK_SQL = {name: _link_rows_sql(links) for name, links in _LISTS.items()}


# -- SQLite: json_object -----------------------------------------------------------------------
def sqlite_json_float(column: str) -> str:
    """The SQLite float ``column`` as json_object writes it (json_quote writes a value
    as JSON, as json_object does): 15 significant digits in SQLite 3.40,
    12.3456789012346 for 12.345678901234567. Cheaper than printf('%!.15g')."""
    return f"json_quote({column})"


def _sqlite_exact(column: str) -> str:
    """A float with 17 significant digits: the text reads back as the exact float,
    though not in the shortest form Python writes (23.589099999999998 for 23.5891)."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE json(printf('%%!.17g', {column})) END"


def _sqlite_value(field: Field, column: str, exact: bool) -> str:
    if field.kind is Kind.BOOL:
        return f"CASE WHEN {column} THEN json('true') ELSE json('false') END"
    if field.kind is Kind.DATETIME:
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; shown as DRF shows it.
        return f"replace({column}, ' ', 'T') || 'Z'"
    if field.kind is Kind.FLOAT and exact:
        return _sqlite_exact(column)
    if field.kind is Kind.JSON:
        raise NotImplementedError("JSON values are not written by the database yet.")
    return column  # numbers, text and dates ('YYYY-MM-DD') as SQLite holds them


def _sqlite_object(fields: Sequence[Field], source: Any, exact: bool) -> str:
    pairs = (f"'{field.name}', {_sqlite_value(field, source(field), exact)}" for field in fields)
    return f"json_object({', '.join(pairs)})"


def _sqlite_json(exact: bool) -> str:
    pairs = []
    for field in EVENT:
        if isinstance(field, Nested):
            nested = _NESTED[field.name]
            value = _sqlite_object(field.fields, nested.column, exact)
            if field.null:
                value = f"CASE WHEN {nested.table.pk} IS NULL THEN json('null') ELSE {value} END"
        elif isinstance(field, Linked):
            links = _LISTS[field.name]
            item = _sqlite_object(field.fields, links.column, exact)
            value = (
                f"(SELECT json_group_array(json(x)) FROM (SELECT {item} AS x FROM {links.tables}"
                f" WHERE {links.event_id} = {_EVENT_ID} ORDER BY {links.link.pk}))"
            )
        else:
            value = _sqlite_value(field, _EVENT.column(field.name), exact)
        pairs.append(f"'{field.name}', {value}")
    return f"json_object({', '.join(pairs)})"


# By ``exact``: floats with 17 significant digits, or json_object's 15.
_SQLITE_JSON = {exact: _sqlite_json(exact) for exact in (False, True)}
# The ids as one JSON array: one parameter, whatever their number (SQLite may be built
# with a limit of 999), and cheaper to bind than one parameter each.
_SQLITE_EVENTS = (
    f"SELECT {{select}}\nFROM {_FROM}\n"
    f"WHERE {_EVENT_ID} IN (SELECT value FROM json_each(%s)) ORDER BY {_EVENT_ID}"
)


# -- PostgreSQL: concatenated text -------------------------------------------------------------
# json_build_object looks up the type of each of its arguments, keys included, in the
# catalog on every row; concatenating the text costs less (docs/performance.md). Each
# value is the JSON text of a column: to_json for strings (the escaping
# json_build_object uses), the column's text for numbers and booleans (floats in their
# shortest exact form, as Python writes them). A NULL would make the whole text NULL:
# nullable values are handled apart.
def _pg_object(pairs: Sequence[tuple[str, str]]) -> str:
    """SQL concatenating a JSON object: (key, SQL giving the value's JSON text)."""
    return (
        " || ".join(
            f"'{',' if n else '{'}\"{key}\":' || {value}" for n, (key, value) in enumerate(pairs)
        )
        + " || '}'"
    )


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


def _pg_time(column: str) -> str:
    """In UTC, with microseconds only when there are some, as Python's isoformat()."""
    return _pg_quoted(
        f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN extract(microseconds FROM {column})::int"
        ' %% 1000000 = 0 THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
        ' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
    )


def _pg_value(field: Field, column: str) -> str:
    if field.kind is Kind.FLOAT:
        return _pg_float(column)  # NULL included
    if field.kind is Kind.TEXT:
        value = f"to_json({column})::text"
    elif field.kind is Kind.DATE:
        value = _pg_quoted(f"to_char({column}, 'YYYY-MM-DD')")
    elif field.kind is Kind.DATETIME:
        value = _pg_time(column)
    elif field.kind is Kind.JSON:
        raise NotImplementedError("JSON values are not written by the database yet.")
    else:  # numbers and booleans
        value = f"{column}::text"
    return f"COALESCE({value}, 'null')" if field.null else value


def _pg_fields(fields: Sequence[Field], source: Any) -> str:
    return _pg_object([(field.name, _pg_value(field, source(field))) for field in fields])


def _pg_json() -> str:
    pairs = []
    for field in EVENT:
        if isinstance(field, Nested):
            nested = _NESTED[field.name]
            value = _pg_fields(field.fields, nested.column)
            if field.null:
                value = f"CASE WHEN {nested.table.pk} IS NULL THEN 'null' ELSE {value} END"
        elif isinstance(field, Linked):
            value = f"COALESCE({_q(field.name)}.list, '[]')"
        else:
            value = _pg_value(field, _EVENT.column(field.name))
        pairs.append((field.name, value))
    return _pg_object(pairs)


def _pg_list(links: _Links) -> str:
    """The list's JSON for each event of the batch. Aggregated for the whole batch
    (GROUP BY), not by a subquery per event: while an import fills a table,
    PostgreSQL's statistics lag behind, and its plan for a subquery per event scanned
    the whole actor table once per event."""
    item = _pg_fields(links.linked.fields, links.column)
    return (
        f"LEFT JOIN (\n  SELECT {links.event_id},"
        f" '[' || string_agg({item}, ',' ORDER BY {links.link.pk}) || ']' AS list"
        f"\n  FROM {links.tables}"
        f"\n  WHERE {links.event_id} = ANY(%s::bigint[]) GROUP BY {links.event_id}"
        f"\n) {_q(links.linked.name)} ON {_q(links.linked.name)}.{links.event_column} = {_EVENT_ID}"
    )


_POSTGRESQL_JSON = _pg_json()
_POSTGRESQL_EVENTS = "\n".join(
    [
        "SELECT {select}",
        f"FROM {_FROM}",
        *map(_pg_list, _LISTS.values()),
        f"WHERE {_EVENT_ID} = ANY(%s::bigint[]) ORDER BY {_EVENT_ID}",
    ]
)


# -- the query -----------------------------------------------------------------------------------
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
    SQLite's is always text) and %s are the ``params``. The event is ``e``; its floats'
    columns are FLOAT_COLUMNS.

    ``exact``: floats that read back as the exact values (for the change log, which is
    parsed again). Without it SQLite rounds them to 15 significant digits, and the
    export puts back the exact ones, in the shortest form. PostgreSQL's are always exact
    and shortest."""
    if connection.vendor == "postgresql":
        event_json = _POSTGRESQL_JSON if cast == "text" else f"({_POSTGRESQL_JSON})::{cast}"
        # An array literal: psycopg's list adapter costs more than the query here.
        array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
        sql = _POSTGRESQL_EVENTS.replace("{select}", select.format(json=event_json), 1)
        return sql, [*params, *[array] * (len(_LISTS) + 1)]
    sql = _SQLITE_EVENTS.format(select=select.format(json=_SQLITE_JSON[exact]))
    return sql, [*params, "[" + ",".join(str(int(pk)) for pk in ids) + "]"]


def _float_columns() -> list[tuple[tuple[str, ...], str]]:
    """The event's floats: their path in the event's JSON, their column in
    events_json_query (for the export on SQLite, which corrects their text)."""
    if any(field.kind is Kind.FLOAT for links in _LISTS.values() for field in links.linked.fields):
        raise NotImplementedError("The export does not correct the floats of lists.")
    found = [
        ((field.name,), _EVENT.column(field.name))
        for field in EVENT
        if isinstance(field, Field) and field.kind is Kind.FLOAT
    ]
    for name, nested in _NESTED.items():
        found += [
            ((name, field.name), nested.column(field))
            for field in nested.nested.fields
            if field.kind is Kind.FLOAT
        ]
    return found


FLOAT_COLUMNS = _float_columns()
