"""Readers: a file of events turned into (row number, record) pairs, each record an
event in the API's read shape. Our own exports (JSON Lines and CSV) are read here,
ACLED's CSV in acled.py; docs/bulk.md says how rows are numbered."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

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


def _csv_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        name: _cell(row, name)
        for name in (
            "dataset",
            "external_id",
            "title",
            "summary",
            "start_date",
            "end_date",
            "date_precision",
            "certainty",
        )
        if name in row
    }
    if _cell(row, "id").strip():
        record["id"] = int(row["id"]) if row["id"].strip().isdigit() else row["id"]
    record["event_type"] = {"code": _cell(row, "event_type_code")}
    if "ongoing" in row:
        ongoing = _cell(row, "ongoing").strip().lower()
        record["ongoing"] = {"true": True, "1": True, "false": False, "0": False, "": False}.get(
            ongoing, ongoing
        )
    if _cell(row, "location_name") or _cell(row, "location_kind"):
        record["location"] = {
            "name": _cell(row, "location_name"),
            "kind": _cell(row, "location_kind"),
            "country_code": _cell(row, "country_code"),
            "admin1": _cell(row, "admin1"),
            "latitude": _number(_cell(row, "latitude")),
            "longitude": _number(_cell(row, "longitude")),
            "coordinate_precision": _cell(row, "coordinate_precision"),
        }
    for name in ("actors", "sources"):
        text = _cell(row, f"{name}_json")
        if text.strip():
            try:
                record[name] = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise ValueError(f"{name}_json: not JSON.") from None
        elif _cell(row, name).strip():
            # The joined column alone cannot be read back exactly.
            raise ValueError(f"{name}: the {name}_json column is needed to read the {name}.")
    return record
