"""Readers: a file of events turned into (row number, record) pairs, each record an
event in the API's read shape. Our own exports (JSON Lines and CSV) are read here,
ACLED's CSV in acled.py; docs/bulk.md says how rows are numbered."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

from timeline.event_shape import EVENT, Field, Kind, Linked, Nested
from timeline.models import Event
from timeline.services.documents import DocumentError

FORMATS = ("csv", "jsonl", "acled")


@dataclass(frozen=True)
class Unreadable:
    """What a reader yields for a row it cannot turn into a record."""

    reason: str


Record = dict[str, Any] | Unreadable


def format_sniff(path: Path) -> str:
    """The file's format, from its extension or else its first line."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    with open(path, encoding="utf-8-sig", newline="") as stream:
        first = stream.readline()
    if first.lstrip().startswith("{"):
        return "jsonl"
    header = {name.strip() for name in next(csv.reader([first]), [])}
    if "event_id_cnty" in header:
        return "acled"
    if "event_type_code" in header:
        return "csv"
    raise DocumentError(
        f"{path}: cannot tell the format from the extension or the header; give --format "
        f"({', '.join(FORMATS)})."
    )


def jsonl_records(stream: Iterable[str]) -> Iterator[tuple[int, Record]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield number, Unreadable(f"not JSON: {error}")
            continue
        if isinstance(record, dict):
            yield number, record
        else:
            yield number, Unreadable("not a JSON object (one event per line).")


def _csv_rows(stream: TextIO, required: set[str], name: str) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(stream)
    missing = required - set(reader.fieldnames or ())
    if missing:
        raise DocumentError(f"Not {name}: the columns {', '.join(sorted(missing))} are missing.")
    # Row 1 is the header, as a spreadsheet shows the file.
    yield from enumerate(reader, start=2)


CSV_REQUIRED = {"title", "event_type_code", "start_date"}


def csv_records(stream: TextIO) -> Iterator[tuple[int, Record]]:
    """Our CSV export (GET /events/?format=csv), row by row."""
    for number, row in _csv_rows(stream, CSV_REQUIRED, "our CSV export"):
        try:
            yield number, _csv_record(row)
        except ValueError as error:
            yield number, Unreadable(str(error))


def _cell(row: dict[str, Any], name: str) -> str:
    return row.get(name) or ""


def _number(text: str) -> Any:
    """A CSV cell as a number, None when empty, the text itself when not a number (so
    that validation names the field)."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return text


# A blank id: none (the event is then keyed by its external_id).
_NO_ID = object()


def _integer(text: str) -> Any:
    if not text.strip():
        return _NO_ID
    return int(text) if text.strip().isdigit() else text


def _boolean(text: str) -> Any:
    cleaned = text.strip().lower()
    return {"true": True, "1": True, "false": False, "0": False, "": False}.get(cleaned, cleaned)


# How a cell is read, by the kind of its field (timeline.event_shape); text as it is
# (str).
_CSV_CELL: dict[Kind, Callable[[str], Any]] = {
    Kind.INT: _integer,
    Kind.FLOAT: _number,
    Kind.BOOL: _boolean,
}


def _csv_nested(
    nested: Nested,
) -> tuple[str, list[tuple[str, str, Callable[[str], Any]]], list[str]]:
    """(its key, (key, column, reader) of each field read, the columns of the fields
    the model requires: a place is read when one of them is given). Ids are not read:
    they are another database's."""
    model = Event._meta.get_field(nested.name).related_model
    fields = [item for item in nested.fields if item.name != "id"]
    required = [
        nested.csv_column(item.name)
        for item in fields
        if not model._meta.get_field(item.name).blank
    ]
    return (
        nested.name,
        [
            (item.name, nested.csv_column(item.name), _CSV_CELL.get(item.kind, str))
            for item in fields
        ],
        required if nested.null else [],
    )


# The event's fields in our CSV, as event_shape writes them. Not read: the times, which
# are the importing database's.
_CSV_FIELDS = [
    (item.name, _CSV_CELL.get(item.kind, str))
    for item in EVENT
    if isinstance(item, Field) and item.kind is not Kind.DATETIME
]
_CSV_NESTED = [_csv_nested(item) for item in EVENT if isinstance(item, Nested)]
_CSV_LINKED = [(item.name, item.csv_columns[2]) for item in EVENT if isinstance(item, Linked)]


def _csv_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, read in _CSV_FIELDS:
        if name in row:
            value = read(_cell(row, name))
            if value is not _NO_ID:
                record[name] = value
    for name, columns, required in _CSV_NESTED:
        if not required or any(_cell(row, column) for column in required):
            record[name] = {key: read(_cell(row, column)) for key, column, read in columns}
    for name, column in _CSV_LINKED:
        text = _cell(row, column)
        if text.strip():
            try:
                record[name] = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise ValueError(f"{column}: not JSON.") from None
        elif _cell(row, name).strip():
            # The joined column alone cannot be read back exactly.
            raise ValueError(f"{name}: the {column} column is needed to read the {name}.")
    return record
