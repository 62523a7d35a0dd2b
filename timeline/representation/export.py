"""Streaming export of events as CSV, JSON Lines or GeoJSON.

The events are read in batches of BATCH_SIZE, each the next ids after the last one
(a keyset on id: no OFFSET, no server-side cursor), with each event's JSON built by
the database, and written as they come, so memory does not grow with the number of
events. Several batches are built at once outside a transaction: on PostgreSQL by
threads (READERS), each with a server process of its own; on a SQLite file, for the
command, by forked processes (``processes``). The same generator serves
`manage.py export_events` and /api/v1/events/export/.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import orjson
from django.db import connection, connections
from django.db.models import QuerySet

from timeline.event_shape import EVENT_FIELDS, csv_columns, feature, flatten_event
from timeline.models import Event
from timeline.representation import FLOAT_COLUMNS, events_json_query, sqlite_json_float

# Events a query reads. PostgreSQL hashes the whole actor, place and source tables for
# each batch's joins, so larger batches spread that over more events: faster, for
# somewhat more memory ("Batch size" in docs/performance.md).
BATCH_SIZE = 5000

EXPORT_FORMATS = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "geojson": "application/geo+json",
}


def _json_batches(queryset: QuerySet[Event], processes: int = 1) -> Iterator[list[str]]:
    """The events' JSON texts, BATCH_SIZE at a time: the ids come from the filtered
    queryset (the filters stay the ORM's), the JSON from the database, built by several
    threads at once (READERS) when the caller is not inside a transaction, or on a
    SQLite file by ``processes`` processes if more than one."""
    id_batches = _id_batches(queryset)
    # Other connections would not see a transaction's rows: inside one, read them here.
    shared = not connection.in_atomic_block and connection.get_autocommit()
    sqlite_file = connection.vendor == "sqlite" and not connection.is_in_memory_db()
    readers = READERS.get(connection.vendor, 1)
    if shared and processes > 1 and sqlite_file:
        yield from _read_in_processes(id_batches, processes)
    elif shared and readers > 1:
        yield from _read_ahead(id_batches, readers)
    else:
        for ids in id_batches:
            yield _json_texts(ids)


def _id_batches(queryset: QuerySet[Event]) -> Iterator[list[int]]:
    """The queryset's ids in order, BATCH_SIZE at a time (a keyset: each batch is the
    next ids after the last one)."""
    ids_query = queryset.order_by("id").values_list("id", flat=True)
    last = 0
    while ids := list(ids_query.filter(id__gt=last)[:BATCH_SIZE]):
        last = ids[-1]
        yield ids


# On SQLite, each float of the event and its text in the JSON come first, in pairs,
# for _shortest_floats.
_SQLITE_SELECT = ", ".join(
    [*(f"{column}, {sqlite_json_float(column)}" for _, column in FLOAT_COLUMNS), "{json}"]
)
# (the index of a float's value in such a row, its key in the JSON, its path)
_FLOATS = [(2 * n, path[-1], path) for n, (path, _) in enumerate(FLOAT_COLUMNS)]


def _json_texts(ids: list[int]) -> list[str]:
    """These events' JSON texts, in id order (one query)."""
    sqlite = connection.vendor == "sqlite"
    sql, params = events_json_query(ids, exact=False, select=_SQLITE_SELECT if sqlite else "{json}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_shortest_floats(row) for row in rows] if sqlite else [text for (text,) in rows]


# Threads that build batches' JSON at once, each on its own database connection, by
# database. On PostgreSQL the JSON is built by one server process per connection, so
# two use two cores. On SQLite the threads would share this process and Python's lock
# with the writing, and two were mostly slower than one (docs/performance.md).
READERS = {"postgresql": 2, "sqlite": 1}


def _read_ahead(id_batches: Iterator[list[int]], readers: int) -> Iterator[list[str]]:
    """_json_texts of each batch, in order, built by ``readers`` threads while the
    caller writes the batches before: at most ``readers`` batches are read ahead, so
    memory stays bounded. The threads close their connections when done, also when the
    caller stops early (a client that disconnects)."""
    todo: queue.Queue[tuple[Future[list[str]], list[int]] | None] = queue.Queue()
    threads = [
        threading.Thread(target=_reader, args=(todo,), name=f"export-reader-{n}", daemon=True)
        for n in range(readers)
    ]
    for thread in threads:
        thread.start()
    pending: deque[Future[list[str]]] = deque()
    try:
        for ids in id_batches:
            future: Future[list[str]] = Future()
            todo.put((future, ids))
            pending.append(future)
            if len(pending) > readers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join()


def _read_in_processes(id_batches: Iterator[list[int]], processes: int) -> Iterator[list[str]]:
    """_json_texts of each batch, in order, built by ``processes`` forked processes, each
    with its own SQLite connection: SQLite builds the JSON in the process that asks, and
    threads share Python's lock, so on two cores two processes do what threads cannot
    (docs/performance.md). At most ``processes`` batches are read ahead. Only for files
    (forked processes do not share an in-memory database) and outside a transaction. The
    processes end with the export, also when the caller stops early; a process that
    dies fails the export (BrokenProcessPool) instead of leaving it waiting."""
    # A connection must not cross fork: the processes start now, with none open, and
    # open their own; this process opens a new one for the ids.
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("fork")
    )
    pending: deque[Future[list[str]]] = deque()
    try:
        pool.submit(int).result()  # starts every process (a fork pool starts them at once)
        for ids in id_batches:
            pending.append(pool.submit(_json_texts, ids))
            if len(pending) > processes:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _reader(todo: queue.Queue[tuple[Future[list[str]], list[int]] | None]) -> None:
    try:
        while (job := todo.get()) is not None:
            future, ids = job
            if not future.set_running_or_notify_cancel():
                continue  # cancelled: the caller stopped
            try:
                future.set_result(_json_texts(ids))
            except BaseException as error:  # handed to the caller, who raises it
                future.set_exception(error)
    finally:
        connections.close_all()  # this thread's own connections


def _shortest_floats(row: tuple[Any, ...]) -> str:
    """SQLite's JSON (a row's last item) with each float (the coordinates) as the API
    writes it. SQLite writes 15 significant digits: the same text for most (23.5891),
    but a rounded value for longer ones (12.3456789012346 for 12.345678901234567).
    Those are replaced in the text, as a key such as "latitude": cannot occur inside a
    JSON string (its quotes would be escaped). Parsing and encoding every event again
    instead cost much more (docs/performance.md)."""
    text = row[-1]
    for n, key, _ in _FLOATS:
        value = row[n]
        if value is None:
            continue
        exact = orjson.dumps(value).decode()
        written = row[n + 1]
        if exact == written:
            continue
        old = f'"{key}":{written}'
        if old not in text:  # not as expected: take the slow, sure way
            return _with_floats(orjson.loads(row[-1]), row)
        text = text.replace(old, f'"{key}":{exact}', 1)
    return text


def _with_floats(event: dict[str, Any], row: tuple[Any, ...]) -> str:
    """The event's JSON with the row's floats put in by path."""
    for n, key, path in _FLOATS:
        if row[n] is not None:
            record = event
            for name in path[:-1]:
                record = record[name]
            record[key] = row[n]
    return orjson.dumps(event).decode()


# Events per chunk written: a batch is written in parts of this many. Below glibc's
# threshold for giving a large block its own mapping (128 KB at first), every part's
# text and bytes reuse memory freed by the last; a whole batch as one chunk was mapped
# and faulted in page by page each time ("Writing" in docs/performance.md).
WRITE_EVENTS = 50


def _parts(items: list[Any]) -> Iterator[list[Any]]:
    """The batch's items, WRITE_EVENTS at a time (none for an empty batch: its events
    were deleted meanwhile)."""
    for start in range(0, len(items), WRITE_EVENTS):
        yield items[start : start + WRITE_EVENTS]


def _parsed_parts(queryset: QuerySet[Event], processes: int) -> Iterator[list[dict[str, Any]]]:
    """The events as dicts, WRITE_EVENTS at a time: each part parsed as it is written,
    not the whole batch first."""
    for texts in _json_batches(queryset, processes):
        for part in _parts(texts):
            yield [orjson.loads(text) for text in part]


def events_export(
    queryset: QuerySet[Event], export_format: str, *, processes: int = 1
) -> Iterator[bytes]:
    """The events of ``queryset`` in id order, encoded as ``export_format``, in chunks.
    ``processes``: on a SQLite file, that many forked processes build the JSON (for
    the command line; a web worker should not fork)."""
    if export_format == "csv":
        yield from _csv(queryset, processes)
    elif export_format == "jsonl":
        for texts in _json_batches(queryset, processes):
            for part in _parts(texts):
                yield ("\n".join(part) + "\n").encode()
    elif export_format == "geojson":
        yield from _geojson(queryset.filter(location__latitude__isnull=False), processes)
    else:
        raise ValueError(f"Unknown export format {export_format!r}")


def _csv(queryset: QuerySet[Event], processes: int) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(EVENT_FIELDS), extrasaction="ignore")
    writer.writeheader()
    # The header goes with the first events: a first query that fails then fails the
    # response before anything is sent.
    for part in _parsed_parts(queryset, processes):
        writer.writerows(flatten_event(event) for event in part)
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    if out.tell():  # only the header: no events
        yield out.getvalue().encode()


def _geojson(queryset: QuerySet[Event], processes: int) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for part in _parsed_parts(queryset, processes):
        chunk = b",".join([orjson.dumps(feature(event)) for event in part])
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}"
