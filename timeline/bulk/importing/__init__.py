"""Bulk import of events from files: our own CSV and JSON Lines exports, and ACLED's CSV
export. ``manage.py import_events`` reads a file with ``records_read()`` and writes what
it read with ``events_import()``. docs/bulk.md describes the behaviour (matching,
validation, the change log, the ACLED mapping) and how it writes.

The path of a row: a reader (readers.py, acled.py) yields it as a record in the API's
read shape; the checker (checking.py, with validation.py) validates it and resolves its
place, actors and sources, here or in a process of its own (parallel.py); the writer
(writing.py) writes it with its batch; summary.py holds what the import reports.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from django.db import transaction

from timeline.bulk import sql as bulk
from timeline.bulk.importing.acled import ACLED_DATASET, acled_records
from timeline.bulk.importing.checking import Checker, checked_chunks
from timeline.bulk.importing.parallel import CheckingFailed, checked_elsewhere
from timeline.bulk.importing.readers import (
    FORMATS,
    Record,
    Unreadable,
    csv_records,
    format_sniff,
    jsonl_records,
)
from timeline.bulk.importing.summary import ImportSummary, RowError, report_write
from timeline.bulk.importing.writing import SQLITE_IMPORT_CACHE_KIB, Writer
from timeline.services.changes import User, changes_lock
from timeline.services.documents import DocumentError

__all__ = [
    "DEFAULT_DATASET",
    "FORMATS",
    "CheckingFailed",
    "ImportSummary",
    "Record",
    "RowError",
    "Unreadable",
    "acled_records",
    "csv_records",
    "events_import",
    "format_sniff",
    "gc_paused",
    "jsonl_records",
    "records_read",
    "report_write",
]

DEFAULT_DATASET = "import"


def records_read(
    path: Path, *, format: str | None = None, dataset: str | None = None
) -> Iterator[tuple[int, Record]]:
    """The file's records. ``dataset`` names ACLED's dataset (default "acled")."""
    path = Path(path)
    format = format or format_sniff(path)
    if format not in FORMATS:
        raise DocumentError(f"Unknown format {format!r}: one of {', '.join(FORMATS)}.")
    # utf-8-sig: spreadsheets save CSV with a byte-order mark.
    with open(path, encoding="utf-8-sig", newline="") as stream:
        if format == "jsonl":
            yield from jsonl_records(stream)
        elif format == "csv":
            yield from csv_records(stream)
        else:
            yield from acled_records(stream, dataset=dataset or ACLED_DATASET)


@transaction.atomic
def events_import(
    *,
    records: Iterable[tuple[int, Record]],
    dataset: str | None = None,
    skip_invalid: bool = False,
    user: User = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    processes: int = 1,
) -> ImportSummary:
    """Import (row number, record) pairs, records in the API's read shape, upserting
    events on (dataset, external_id).

    ``dataset`` keys the records that carry none of their own (default "import").
    One transaction: the first invalid row raises RowError and nothing is written,
    unless ``skip_invalid``, which leaves invalid rows out and lists them in the
    summary's ``rejected``. ``progress`` is called with the number of rows read after
    each batch.

    ``processes=2`` reads and checks the records in a forked process of its own while
    this one writes (parallel.checked_elsewhere): for a command, never a web worker. It
    iterates ``records`` there, so they must not depend on anything a fork breaks (an
    open connection, a thread)."""
    if processes not in (1, 2):
        raise ValueError(f"processes: 1 or 2, not {processes!r}.")
    summary = ImportSummary()
    changes_lock()
    checker = Checker(dataset=dataset or DEFAULT_DATASET)
    chunks = (checked_elsewhere if processes == 2 else checked_chunks)(
        records, checker, batch_size, skip_invalid
    )
    writer = Writer(user=user, summary=summary)
    with bulk.sqlite_page_cache(SQLITE_IMPORT_CACHE_KIB), closing(chunks):
        for chunk in chunks:
            if chunk.rejected and not skip_invalid:
                raise RowError(*chunk.rejected[0])
            summary.rows += chunk.rows
            summary.rejected.extend(chunk.rejected)
            writer.write(writer.rows(chunk))
            if progress is not None:
                progress(summary.rows)
    return summary


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off, then one collection: for a command, which
    is its own process. The import keeps each batch's rows and every new place, actor
    and source until it ends, so the collector rescans a growing heap (a tenth of the
    import's time) for little cyclic garbage (about 16,000 objects for 100,000 events)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
            gc.collect()
