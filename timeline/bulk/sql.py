"""Writing many rows at once, without model instances: for the import
(timeline.bulk.importing) and the generator (timeline.bulk.synthetic). Tables and
columns are named from the models' _meta.

bulk_create builds a model instance and prepares every value through its field,
measured at 4 to 5 times the database's own work for the rows of events and their
links; here the callers pass values the drivers take as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection, models

from timeline.models import Event


def table(model: type[models.Model]) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The quoted columns of these fields of the model."""
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in names]


def executemany(sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run one statement for many rows of database-ready values."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def rows_insert(
    model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows of database-ready values (in ``names``' order) into the model's table:
    COPY on PostgreSQL (measured at twice the speed of executemany for events, four to
    five times for their links: executemany sends one statement a row, each parsed and
    planned), else one executemany."""
    if not rows:
        return
    listed = ", ".join(columns(model, names))
    if connection.vendor == "postgresql":
        sql = f"COPY {table(model)} ({listed}) FROM STDIN"
        with connection.cursor() as cursor:
            # Logged like any query when queries are (DEBUG, tests): Django's cursor has
            # no copy(), so the COPY runs on psycopg's own cursor.
            logged = cursor.debug_sql(sql) if connection.queries_logged else nullcontext()
            with logged, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(names))
    executemany(f"INSERT INTO {table(model)} ({listed}) VALUES ({placeholders})", rows)


def rows_update(
    model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Update rows by id with database-ready values: each row gives ``names``' values,
    then the id. One executemany."""
    assignments = ", ".join(f"{column} = %s" for column in columns(model, names))
    pk = connection.ops.quote_name(model._meta.pk.column)
    executemany(f"UPDATE {table(model)} SET {assignments} WHERE {pk} = %s", rows)


def event_ids(count: int) -> list[int]:
    """Ids for this many new events, taken before they are inserted, so that their
    links can be written without reading the events back. Call it inside the
    transaction that inserts them."""
    if not count:
        return []
    name, id_column = Event._meta.db_table, Event._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [name, id_column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite: the next ids after the highest ever used (AUTOINCREMENT keeps it in
        # sqlite_sequence). Nobody else can take them: a transaction holds the write
        # lock from its start (settings: transaction_mode IMMEDIATE).
        highest = f"SELECT max({connection.ops.quote_name(id_column)}) FROM {table(Event)}"
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f" coalesce(({highest}), 0))",
            [name],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


@contextmanager
def sqlite_page_cache(kib: int) -> Iterator[None]:
    """On SQLite, a page cache of ``kib`` KiB for the connection while writing many rows,
    put back afterwards. The default (2 MB) holds little of the indexes of a large
    table, which grow at random places (by country, by date...): each insert then reads
    their pages back from the file. Memory is taken only as pages are read."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        # On the driver's connection: the setting is the connection's, not the
        # transaction's, and Django refuses queries in a transaction marked for
        # rollback, which would hide the error that marked it behind that refusal.
        connection.connection.execute(f"PRAGMA cache_size = {int(before)}")


def planner_rows(model: type[models.Model]) -> int:
    """PostgreSQL's estimate of the rows of the model's table (0 if never analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table(model)])
        (rows,) = cursor.fetchone()
    return max(int(rows), 0)


def analyze(fields: dict[type[models.Model], Sequence[str]]) -> None:
    """PostgreSQL's ANALYZE of these fields of these models: one statement."""
    tables = ", ".join(
        f"{table(model)} ({', '.join(columns(model, names))})" for model, names in fields.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
