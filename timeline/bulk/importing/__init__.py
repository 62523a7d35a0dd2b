"""Bulk import of events from files: our own CSV and JSON Lines exports, and ACLED's
CSV export. ``manage.py import_events`` reads a file with ``records_read()`` and
writes what it read with ``events_import()``.

Records
    A reader turns a file into (row number, record) pairs, each record an event in the
    API's read shape (as GET /api/v1/events/ shows it). The row number is where a
    person finds the row: the line of a JSON Lines file; the row of a CSV file as a
    spreadsheet numbers it (the header is row 1, the first event row 2). A row a
    reader cannot turn into a record (bad JSON, an ACLED date that is no date) comes
    as an ``Unreadable`` with the reason, and is rejected like an invalid record.

    - ``csv``: the columns of our CSV export (timeline.api.renderers.EVENT_CSV_COLUMNS).
      The event is rebuilt from the flat columns, with its actors and sources read
      whole from actors_json and sources_json (the "; "-joined columns are for
      people and are ignored).
    - ``jsonl``: one event per line, as the API shows it (GET /events/?format=json
      results, one per line).
    - ``acled``: ACLED's CSV export, mapped onto our model as ACLED_FIELDS and
      ACLED_EVENT_TYPES below say.

Matching: importing again updates, never duplicates
    Events are upserted on (dataset, external_id). Importing the same file again
    changes nothing, logs nothing and leaves updated_at alone; a row that changed
    updates its event (logged as "updated"). A record of our own export whose
    external_id is empty (an event curated by hand, not imported) is keyed
    (``dataset`` argument or "import", its exported id): moved to another instance it
    updates there on the next import, but imported back into the instance it came
    from it is a new copy (the original has no such key). A record that names
    external_id but no dataset gets the ``dataset`` argument (or "import") too.

    Places, actors and sources are matched on the natural keys of their unique
    constraints: places on name (any case), kind, country and admin1 (any case);
    actors on name (any case), kind and country; sources on their URL, or else
    publisher, title and publication date. The ids a file carries for them are
    ignored (they are another database's). What is missing is created, once however
    many rows name it; what exists is linked as it is and never changed by an import
    (an existing place keeps its coordinates): curators own those records.

    A record replaces its event whole, like a PUT: the event's actors and sources are
    exactly those the record lists; a field the record leaves out takes its default.

Validation, atomicity and the change log
    Every row is validated in full (field types and lengths, no NUL bytes, the date
    pair against its precision with timeline.models.date_errors, country codes,
    coordinates in range and complete, the event type code, roles, an actor or a
    source at most once per event, one row per (dataset, external_id)) before any row
    of its batch is written. The whole import is one transaction: by default the
    first invalid row raises RowError naming the row and the reason, and nothing is
    kept. With ``skip_invalid`` the invalid rows are left out and listed in the
    summary (``rejected``: row number and reason), and the rest is imported.

    Every write is logged like any other (timeline.services.changes): the change lock is taken
    once; each batch logs its created places, actors and sources as change_record
    would (in bulk: _log_created), then its created and updated events with
    events_record. Replaying the change feed after an import therefore reproduces it.

Cost
    No query per row: the event types, places, actors and sources that exist are
    read once per import into dictionaries; each batch of ``batch_size`` rows then
    looks up its existing events by (dataset, external_id) and their links in a few
    queries, unless their dataset had no events when the import began (the first
    import of a dataset looks up nothing). New places, actors and sources are
    written with bulk_create; events and their links, a few rows for every event,
    with one executemany per table and batch on SQLite and one COPY on PostgreSQL
    (timeline.bulk.sql), under ids taken beforehand (bulk.event_ids); the change log's
    snapshots of the events are built and inserted by the database
    (changes.events_record). Reading and checking the rows (_Checker) can run in a
    forked process a chunk ahead of the writing (_Writer): ``processes`` and
    import_events --processes. docs/performance.md has the figures and what remains:
    on SQLite the inserts and the snapshots are most of the time; on PostgreSQL also
    the full-text index and the foreign-key checks at commit.

ACLED
    ``ACLED_FIELDS`` lists how each column maps (a table docs/ can cite), and
    ``ACLED_EVENT_TYPES`` the (event_type, sub_event_type) pairs; an unknown pair
    rejects the row. In short:

    - event_id_cnty is the external_id, in dataset "acled" (or the --dataset given).
    - time_precision 1 is that day; 2 is day precision over event_date-3..event_date+3
      (ACLED: "within a week"); 3 is the month of event_date, precision month.
    - The place is ``location`` (kind city, or region when geo_precision is 3) in the
      country of ``iso`` (ISO 3166-1 numeric; the ``country`` name when iso is
      unknown), with admin1 and the coordinates; geo_precision 1/2/3 is
      exact/near/region.
    - actor1 is the initiator and each ";"-separated assoc_actor_1 a supporter; actor2
      and each assoc_actor_2 are targets. An actor's kind comes from inter1 (actor1 and
      its associates) or inter2 (actor2 and its associates), as ACLED_ACTOR_KINDS says;
      state forces (inter 1) belong to the event's country, other actors to none. The
      same actor on both sides (intra-group fighting) is one participant; named twice
      on one side, it keeps its first role.
    - Each ";"-separated name in ``source`` is a source: publisher that name, title
      "ACLED source", no date and no URL, with the notes as the quote.
    - Title "<sub_event_type> in <location>" (e.g. "Armed clash in Khartoum"); summary
      the notes, then "Fatalities: N."; certainty "reported".
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import multiprocessing
import pickle
import re
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import orjson
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, models, transaction
from django.utils import timezone

from timeline.bulk import sql as bulk
from timeline.event_shape import EVENT, Field, Kind, Linked, Nested
from timeline.models import (
    STATELESS_LOCATION_KINDS,
    Actor,
    ActorKind,
    ActorRole,
    Certainty,
    Change,
    ChangeAction,
    CoordinatePrecision,
    DatePrecision,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    LocationKind,
    Source,
    date_errors,
    fold,
)
from timeline.services import changes
from timeline.services.changes import User, changes_lock
from timeline.services.documents import DocumentError, LoadSummary
from timeline.vocabulary.countries import to_alpha2

LOCATION_KEYS = Location.shown_fields  # a place's fields in a record, its id aside
FORMATS = ("csv", "jsonl", "acled")
DEFAULT_DATASET = "import"
ACLED_DATASET = "acled"

# The API's write limits (EventWriteSerializer) where the model sets none.
MAX_SUMMARY = 20000
MAX_QUOTE = 5000
MAX_LINKS = 200
# Keys per `IN (...)` list: under SQLite's historical limit of 999 parameters.
IN_CHUNK = 900


# -- results --------------------------------------------------------------------------------
class RowError(DocumentError):
    """An invalid row aborted the import; nothing was written."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.reason = reason


@dataclass(frozen=True)
class Unreadable:
    """What a reader yields for a row it cannot turn into a record."""

    reason: str


Record = dict[str, Any] | Unreadable


@dataclass
class ImportSummary(LoadSummary):
    """Counts by kind of record ("events", "actors"...), the rows read, and the rows
    rejected (row number, reason) when invalid rows were skipped."""

    rows: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        counts = super().__str__() or "nothing written"
        return f"{self.rows} rows read, {len(self.rejected)} rejected. {counts}"


def report_write(path: Path, rejected: Iterable[tuple[int, str]]) -> None:
    """The rejected rows as CSV (row,reason), for the --report option."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "reason"])
        writer.writerows(rejected)


# -- readers --------------------------------------------------------------------------------
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


# -- ACLED ----------------------------------------------------------------------------------
# (ACLED event_type, ACLED sub_event_type, our event type code)
ACLED_EVENT_TYPES: tuple[tuple[str, str, str], ...] = (
    ("Battles", "Armed clash", "fight"),
    ("Battles", "Government regains territory", "fight"),
    ("Battles", "Non-state actor overtakes territory", "fight"),
    ("Explosions/Remote violence", "Air/drone strike", "assault.aerial"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "assault.heavy-weapons"),
    ("Explosions/Remote violence", "Suicide bomb", "assault.suicide-attack"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "assault.explosives"),
    ("Explosions/Remote violence", "Grenade", "assault.explosives"),
    ("Explosions/Remote violence", "Chemical weapon", "assault.unconventional"),
    ("Violence against civilians", "Sexual violence", "assault.sexual"),
    ("Violence against civilians", "Abduction/forced disappearance", "assault.abduct"),
    ("Violence against civilians", "Attack", "assault"),
    ("Protests", "Peaceful protest", "protest.demo"),
    ("Protests", "Protest with intervention", "protest.demo"),
    ("Protests", "Excessive force against protesters", "assault.crowd-control"),
    ("Riots", "Violent demonstration", "protest.riot"),
    ("Riots", "Mob violence", "protest.riot"),
    ("Strategic developments", "Agreement", "agree"),
    ("Strategic developments", "Arrests", "coerce.arrest"),
    ("Strategic developments", "Looting/property destruction", "assault.destroy"),
    ("Strategic developments", "Headquarters or base established", "mobilize.troops"),
    ("Strategic developments", "Non-violent transfer of territory", "retreat"),
    ("Strategic developments", "Disrupted weapons use", "coerce.seize"),
    ("Strategic developments", "Change to group/activity", "mobilize"),
    ("Strategic developments", "Other", "mobilize"),
)
_ACLED_CODES = {(kind.casefold(), sub.casefold()): code for kind, sub, code in ACLED_EVENT_TYPES}

# inter1/inter2 (the code, or its name in newer exports) -> (our actor kind, ACLED's name)
ACLED_ACTOR_KINDS: dict[str, tuple[str, str]] = {
    "1": (ActorKind.ARMED_FORCE, "State forces"),
    "2": (ActorKind.ARMED_GROUP, "Rebel group"),
    "3": (ActorKind.ARMED_GROUP, "Political militia"),
    "4": (ActorKind.ARMED_GROUP, "Identity militia"),
    "5": (ActorKind.OTHER, "Rioters"),
    "6": (ActorKind.OTHER, "Protesters"),
    "7": (ActorKind.OTHER, "Civilians"),
    "8": (ActorKind.ARMED_FORCE, "External/Other forces"),
}
_INTER = {
    **{code: code for code in ACLED_ACTOR_KINDS},
    **{name.casefold(): code for code, (_, name) in ACLED_ACTOR_KINDS.items()},
}
STATE_FORCES = "1"

ACLED_GEO_PRECISION = {
    "1": CoordinatePrecision.EXACT,
    "2": CoordinatePrecision.NEAR,
    "3": CoordinatePrecision.REGION,
}

# (ACLED column(s), our field(s), how): the mapping as a table docs can cite.
ACLED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id_cnty", "external_id", 'As is, in dataset "acled" (or the --dataset given).'),
    (
        "event_type, sub_event_type",
        "event_type",
        "The pair's PLOVER code (ACLED_EVENT_TYPES); an unknown pair rejects the row.",
    ),
    (
        "event_date, time_precision",
        "start_date, end_date, date_precision",
        "event_date is YYYY-MM-DD or 'DD Month YYYY'. time_precision 1: that day; 2: "
        "event_date-3 to event_date+3, precision day (ACLED: within a week); 3: the month "
        "of event_date, precision month.",
    ),
    ("sub_event_type, location", "title", "'<sub_event_type> in <location>'."),
    ("notes, fatalities", "summary", "The notes, then 'Fatalities: N.'."),
    ("location", "location.name", "As is."),
    ("geo_precision", "location.kind", "city; region when geo_precision is 3."),
    (
        "iso, country",
        "location.country_code",
        "iso (ISO 3166-1 numeric) as alpha-2; when iso is unknown, the country name; "
        "neither known rejects the row.",
    ),
    ("admin1", "location.admin1", "As is."),
    ("latitude, longitude", "location.latitude, location.longitude", "As is."),
    ("geo_precision", "location.coordinate_precision", "1 exact, 2 near, 3 region."),
    ("actor1", "actors", "Role initiator."),
    ("assoc_actor_1", "actors", "Each ';'-separated name, role supporter."),
    ("actor2", "actors", "Role target."),
    ("assoc_actor_2", "actors", "Each ';'-separated name, role target."),
    (
        "inter1, inter2",
        "actors[].kind, actors[].country_code",
        "inter1 for actor1 and assoc_actor_1, inter2 for actor2 and assoc_actor_2: 1 state "
        "forces and 8 external/other forces are armed_force; 2 rebel group, 3 political "
        "militia and 4 identity militia armed_group; 5 rioters, 6 protesters and 7 "
        "civilians other. State forces belong to the event's country, other actors to "
        "none. An actor on both sides is one participant; twice on one side, its first "
        "role.",
    ),
    (
        "source",
        "sources",
        "Each ';'-separated name: publisher that name, title 'ACLED source', no date, no "
        "URL; the quote is the notes (the title when there are none).",
    ),
    ("", "certainty", "reported."),
    (
        "year, disorder_type, interaction, civilian_targeting, region, admin2, admin3, "
        "source_scale, tags, timestamp",
        "",
        "Not kept.",
    ),
)

ACLED_REQUIRED = {
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "iso",
    "country",
    "location",
}
ACLED_SPREAD = dt.timedelta(days=3)  # time_precision 2: "within a week" of event_date
MONTHS = {
    name.casefold(): number
    for number, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
_WORDY_DATE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$")


def acled_records(stream: TextIO, *, dataset: str = ACLED_DATASET) -> Iterator[tuple[int, Record]]:
    """ACLED's CSV export, each row mapped onto our model (see the module docstring)."""
    for number, row in _csv_rows(stream, ACLED_REQUIRED, "an ACLED export"):
        try:
            yield number, acled_record(row, dataset=dataset)
        except ValueError as error:
            yield number, Unreadable(str(error))


def _acled_date(text: str) -> dt.date:
    text = text.strip()
    try:
        if match := _WORDY_DATE.match(text):
            day, month, year = match.groups()
            return dt.date(int(year), MONTHS[month.casefold()], int(day))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except (KeyError, ValueError):
        pass
    raise ValueError(f"event_date: {text!r} is not a date (YYYY-MM-DD or DD Month YYYY).")


@lru_cache(maxsize=1)
def _alpha2_by_numeric() -> dict[str, str]:
    return {country.numeric: country.alpha_2 for country in pycountry.countries}


@lru_cache(maxsize=512)
def _acled_country(iso: str, name: str) -> str:
    iso = iso.strip()
    if iso.isdigit() and (alpha2 := _alpha2_by_numeric().get(iso.zfill(3))):
        return alpha2
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        raise ValueError(
            f"iso/country: neither {iso!r} (ISO 3166-1 numeric) nor {name!r} is a known country."
        ) from None


def _names(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split(";") if name.strip()]


def acled_record(row: dict[str, Any], *, dataset: str = ACLED_DATASET) -> dict[str, Any]:
    """One ACLED row in our read shape; ValueError says why it cannot be mapped."""

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    kind, sub = cell("event_type"), cell("sub_event_type")
    code = _ACLED_CODES.get((kind.casefold(), sub.casefold()))
    if code is None:
        raise ValueError(f"event_type/sub_event_type: no mapping for {kind!r} / {sub!r}.")

    day = _acled_date(cell("event_date"))
    precision = cell("time_precision")
    if precision == "1":
        start, end, date_precision = day, day, DatePrecision.DAY
    elif precision == "2":
        start, end, date_precision = day - ACLED_SPREAD, day + ACLED_SPREAD, DatePrecision.DAY
    elif precision == "3":
        last = calendar.monthrange(day.year, day.month)[1]
        start, end = day.replace(day=1), day.replace(day=last)
        date_precision = DatePrecision.MONTH
    else:
        raise ValueError(f"time_precision: {precision!r} is not 1, 2 or 3.")

    country = _acled_country(cell("iso"), cell("country"))
    latitude, longitude = _number(cell("latitude")), _number(cell("longitude"))
    geo = cell("geo_precision")
    coordinate_precision = ""
    if latitude is not None or longitude is not None:
        if geo not in ACLED_GEO_PRECISION:
            raise ValueError(f"geo_precision: {geo!r} is not 1, 2 or 3.")
        coordinate_precision = ACLED_GEO_PRECISION[geo]
    place = cell("location")
    location = {
        "name": place,
        "kind": LocationKind.REGION if geo == "3" else LocationKind.CITY,
        "country_code": country,
        "admin1": cell("admin1"),
        "latitude": latitude,
        "longitude": longitude,
        "coordinate_precision": coordinate_precision,
    }

    actors: dict[tuple[str, str, str], dict[str, Any]] = {}  # by natural key
    sides: dict[tuple[str, str, str], int] = {}
    for side, names, inter_column, role in (
        (1, [cell("actor1")], "inter1", ActorRole.INITIATOR),
        (1, _names(cell("assoc_actor_1")), "inter1", ActorRole.SUPPORTER),
        (2, [cell("actor2")], "inter2", ActorRole.TARGET),
        (2, _names(cell("assoc_actor_2")), "inter2", ActorRole.TARGET),
    ):
        names = [name for name in names if name]
        if not names:
            continue
        inter = _INTER.get(cell(inter_column).casefold())
        if inter is None:
            raise ValueError(f"{inter_column}: {cell(inter_column)!r} is not an ACLED actor type.")
        actor_kind = ACLED_ACTOR_KINDS[inter][0]
        actor_country = country if inter == STATE_FORCES else ""
        for name in names:
            key = (name.lower(), actor_kind, actor_country)
            if key not in actors:
                actors[key] = {
                    "name": name,
                    "kind": actor_kind,
                    "country_code": actor_country,
                    "role": role,
                }
                sides[key] = side
            elif sides[key] != side:  # on both sides: fighting within one group
                actors[key]["role"] = ActorRole.PARTICIPANT

    title = f"{sub} in {place}"
    notes = cell("notes")
    fatalities = cell("fatalities")
    if fatalities and not fatalities.isdigit():
        raise ValueError(f"fatalities: {fatalities!r} is not a whole number.")
    summary = " ".join(
        part for part in (notes, fatalities and f"Fatalities: {fatalities}.") if part
    )
    return {
        "dataset": dataset,
        "external_id": cell("event_id_cnty"),
        "title": title,
        "summary": summary,
        "event_type": {"code": code},
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "date_precision": date_precision,
        "ongoing": False,
        "certainty": Certainty.REPORTED,
        "location": location,
        "actors": list(actors.values()),
        "sources": [
            {
                "url": "",
                "publisher": publisher,
                "title": "ACLED source",
                "published_on": None,
                "quote": notes or title,
            }
            for publisher in dict.fromkeys(_names(cell("source")))
        ],
    }


# -- validation -----------------------------------------------------------------------------
class Invalid(ValueError):
    """Why a record cannot be imported; the message names the field."""


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[return-value]


LIMITS = {
    "title": _max_length(Event, "title"),
    "dataset": _max_length(Event, "dataset"),
    "external_id": _max_length(Event, "external_id"),
    "location.name": _max_length(Location, "name"),
    "location.admin1": _max_length(Location, "admin1"),
    "actor.name": _max_length(Actor, "name"),
    "source.url": _max_length(Source, "url"),
    "source.publisher": _max_length(Source, "publisher"),
    "source.title": _max_length(Source, "title"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_validate_url = URLValidator()


def _text(
    item: dict[str, Any], name: str, where: str, max_length: int, required: bool = False
) -> str:
    value = item.get(name)
    if value is None:
        value = ""
    elif not isinstance(value, str):
        raise Invalid(f"{where}: a string is required, not {type(value).__name__}.")
    if "\x00" in value:
        raise Invalid(f"{where}: NUL bytes are not allowed.")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{where}: required.")
    if len(value) > max_length:
        raise Invalid(f"{where}: at most {max_length} characters (has {len(value)}).")
    return value


# TextChoices.values builds a new list at each call: read each once.
_VALUES = {
    choices: frozenset(choices.values)
    for choices in (
        ActorKind,
        ActorRole,
        Certainty,
        CoordinatePrecision,
        DatePrecision,
        LocationKind,
    )
}


def _choice(item: dict[str, Any], name: str, where: str, choices: Any, default: str) -> str:
    value = item.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in _VALUES[choices]:
        raise Invalid(f"{where}: {value!r} is not one of {', '.join(choices.values)}.")
    return value


def _iso_date(value: Any, where: str) -> dt.date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{where}: {value!r} is not a real date.") from None
    raise Invalid(f"{where}: {value!r} is not a YYYY-MM-DD date.")


def _country(item: dict[str, Any], where: str) -> str:
    value = _text(item, "country_code", where, 3)
    if not value:
        return ""
    alpha2 = to_alpha2(value)
    if alpha2 is None:
        raise Invalid(f"{where}: {value!r} is not an ISO 3166-1 country code.")
    return alpha2


def _coordinate(value: Any, where: str, bound: int) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{where}: a number is required, not {value!r}.")
    if not -bound <= value <= bound:  # NaN fails too
        raise Invalid(f"{where}: {value!r} is out of range -{bound}..{bound}.")
    return float(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: an object is required.")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{where}: a list is required.")
    if len(value) > MAX_LINKS:
        raise Invalid(f"{where}: at most {MAX_LINKS} items.")
    return value


@lru_cache(maxsize=4096)
def _url_error(url: str) -> str:
    try:
        _validate_url(url)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _actor_checked(item: dict[str, Any], n: int) -> tuple[ActorKey, dict[str, Any]]:
    """An actor's natural key and fields, or Invalid (its role is checked apart)."""
    where = f"actors[{n}]"
    name = _text(item, "name", f"{where}.name", LIMITS["actor.name"], required=True)
    kind = _choice(item, "kind", f"{where}.kind", ActorKind, "")
    if not kind:
        raise Invalid(f"{where}.kind: required.")
    country = _country(item, f"{where}.country_code")
    return (name.lower(), kind, country), {"name": name, "kind": kind, "country_code": country}


# The fields that identify a source in a record, as _Checker._sources reads them.
SOURCE_FIELDS = ("url", "publisher", "title", "published_on")

LocationKey = tuple[str, str, str, str]  # lower(name), kind, country_code, lower(admin1)
ActorKey = tuple[str, str, str]  # lower(name), kind, country_code
SourceKey = tuple[str, str, dt.date | None]  # publisher, title, published_on


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


# Event columns an import writes, compared to tell an update from no change.
COMPARED = (
    "title",
    "summary",
    "event_type_id",
    "start_date",
    "end_date",
    "date_precision",
    "ongoing",
    "certainty",
)


def _pk(ref: int | models.Model | None) -> int | None:
    # .id, not .pk (a property, measurably slower over the million calls of an import).
    return ref.id if isinstance(ref, models.Model) else ref


# A place, actor or source as _Checker resolves it: the id of one that exists, or (n,)
# for the n-th new one (a tuple, so that no id, 0 or negative included, can be taken
# for one).
Token = int | tuple[int]


def _ref(token: Token, created: list[Any]) -> int | Any:
    """An existing record's id, or the new instance a token stands for."""
    return created[token[0]] if type(token) is tuple else token


# A valid record as _Checker.check gives it: (dataset, external_id), the COMPARED
# values, the country, then the place's token (or None), [(actor token, role)] and
# [(source token, quote)]. A plain tuple: chunks of them cross a pipe.
Checked = tuple[
    tuple[str, str], tuple, str, Token | None, list[tuple[Token, str]], list[tuple[Token, str]]
]


class _Chunk(NamedTuple):
    """A run of rows, checked: what the import writes as one batch."""

    rows: int  # rows read, valid or not
    checked: list[Checked]
    rejected: list[tuple[int, str]]  # (row number, reason)
    # The fields of the places, actors and sources that the checked records name first.
    new_locations: list[dict[str, Any]]
    new_actors: list[dict[str, Any]]
    new_sources: list[dict[str, Any]]


class _Checker:
    """Checks records and resolves the places, actors and sources they name to tokens
    (Token): the id of one that exists, or (n,) for the n-th new one of its kind (from
    0), whose fields come once, in the chunk (_Chunk) that names it first.

    It reads the database only when it is made, so it can run where the records are
    read: in the import's own process, or in a forked process of its own
    (_checked_elsewhere) while the import writes the chunk before."""

    def __init__(self, *, dataset: str) -> None:
        self.dataset = dataset
        self.event_types = dict(EventType.objects.values_list("code", "id"))
        self.locations: dict[LocationKey, Token] = {}
        for pk, name, kind, country, admin1 in Location.objects.order_by("pk").values_list(
            "pk", "name", "kind", "country_code", "admin1"
        ):
            self.locations.setdefault((name.lower(), kind, country, admin1.lower()), pk)
        self.actors: dict[ActorKey, Token] = {}
        for pk, name, kind, country in Actor.objects.order_by("pk").values_list(
            "pk", "name", "kind", "country_code"
        ):
            self.actors.setdefault((name.lower(), kind, country), pk)
        self.sources: dict[SourceKey, Token] = {}
        self.source_urls: dict[str, Token] = {}
        for pk, url, publisher, title, published_on in Source.objects.values_list(
            "pk", "url", "publisher", "title", "published_on"
        ):
            self.sources[(publisher, title, published_on)] = pk
            if url:
                self.source_urls[url] = pk
        # The fields of the new places, actors and sources since the last chunk.
        self.new_locations: list[dict[str, Any]] = []
        self.new_actors: list[dict[str, Any]] = []
        self.new_sources: list[dict[str, Any]] = []
        self.created = {"locations": 0, "actors": 0, "sources": 0}  # new ones in all
        self.seen: dict[tuple[str, str], int] = {}  # event key -> row number
        # Places and actors already found valid, by the values a record gives for them:
        # files name the same ones in row after row, and checking them again was a
        # fifth of the validation's time.
        self.valid_locations: dict[tuple, tuple[LocationKey, dict[str, Any]]] = {}
        self.valid_actors: dict[tuple, tuple[ActorKey, dict[str, Any]]] = {}
        self.valid_sources: dict[tuple, tuple[str, str, str, dt.date | None]] = {}

    def chunk(self, rows: int, checked: list[Checked], rejected: list[tuple[int, str]]) -> _Chunk:
        """These rows' results, with the fields of the new records they name."""
        chunk = _Chunk(
            rows, checked, rejected, self.new_locations, self.new_actors, self.new_sources
        )
        self.new_locations, self.new_actors, self.new_sources = [], [], []
        return chunk

    # -- a record, checked and resolved -------------------------------------------------
    def check(self, number: int, record: dict[str, Any]) -> Checked:
        """The record, checked and resolved, or Invalid. Registers new places, actors
        and sources only once the whole record is known to be valid."""
        key = self._key(record)
        if key in self.seen:
            raise Invalid(
                f"dataset/external_id: {key[0]}/{key[1]} is already row {self.seen[key]}."
            )
        title = _text(record, "title", "title", LIMITS["title"], required=True)
        summary = _text(record, "summary", "summary", MAX_SUMMARY)
        event_type = record.get("event_type")
        code = event_type.get("code") if isinstance(event_type, dict) else event_type
        event_type_id = self.event_types.get(code) if isinstance(code, str) else None
        if event_type_id is None:
            raise Invalid(f"event_type: {code!r} is not an event type code.")
        start = _iso_date(record.get("start_date"), "start_date")
        end_value = record.get("end_date")
        end = _iso_date(end_value, "end_date") if end_value else start
        precision = _choice(
            record, "date_precision", "date_precision", DatePrecision, DatePrecision.DAY
        )
        if errors := date_errors(start, end, precision):
            raise Invalid("; ".join(f"{name}: {message}" for name, message in errors.items()))
        ongoing = record.get("ongoing", False)
        if not isinstance(ongoing, bool):
            raise Invalid(f"ongoing: true or false, not {ongoing!r}.")
        certainty = _choice(record, "certainty", "certainty", Certainty, Certainty.REPORTED)

        location_spec = self._location(record.get("location"))
        actor_specs = self._actors(record.get("actors"))
        source_specs = self._sources(record.get("sources"))

        # Valid: resolve to existing records or register new ones.
        self.seen[key] = number
        return (
            key,
            (title, summary, event_type_id, start, end, precision, ongoing, certainty),
            location_spec[0][2] if location_spec else "",
            None if location_spec is None else self._location_token(*location_spec),
            [(self._actor_token(*spec[:2]), spec[2]) for spec in actor_specs],
            [(self._source_token(*spec[:4]), spec[4]) for spec in source_specs],
        )

    def _key(self, record: dict[str, Any]) -> tuple[str, str]:
        external_id = _text(record, "external_id", "external_id", LIMITS["external_id"])
        dataset = _text(record, "dataset", "dataset", LIMITS["dataset"])
        if not external_id:
            exported_id = record.get("id")
            if not isinstance(exported_id, int) or isinstance(exported_id, bool):
                raise Invalid(
                    "external_id: required (or the id of an exported event), so that "
                    "importing again updates the event instead of duplicating it."
                )
            return self.dataset, str(exported_id)
        return dataset or self.dataset, external_id

    def _location(self, value: Any) -> tuple[LocationKey, dict[str, Any]] | None:
        if value is None:
            return None
        item = _object(value, "location")
        # The coordinates' types too: True == 1 == 1.0, but only numbers are valid.
        raw = (
            *map(item.get, LOCATION_KEYS),
            type(item.get("latitude")),
            type(item.get("longitude")),
        )
        try:
            return self.valid_locations[raw]
        except KeyError:
            found = self.valid_locations[raw] = self._location_checked(item)
            return found
        except TypeError:  # a value that cannot be a key (a list...): invalid anyway
            return self._location_checked(item)

    def _location_checked(self, item: dict[str, Any]) -> tuple[LocationKey, dict[str, Any]]:
        name = _text(item, "name", "location.name", LIMITS["location.name"], required=True)
        kind = _choice(item, "kind", "location.kind", LocationKind, "")
        if not kind:
            raise Invalid("location.kind: required.")
        country = _country(item, "location.country_code")
        if not country and kind not in STATELESS_LOCATION_KINDS:
            raise Invalid("location.country_code: required unless the place is a sea or area.")
        admin1 = _text(item, "admin1", "location.admin1", LIMITS["location.admin1"])
        latitude = _coordinate(item.get("latitude"), "location.latitude", 90)
        longitude = _coordinate(item.get("longitude"), "location.longitude", 180)
        precision = _choice(
            item, "coordinate_precision", "location.coordinate_precision", CoordinatePrecision, ""
        )
        if (latitude is None) != (longitude is None):
            raise Invalid("location.latitude: give both latitude and longitude, or neither.")
        if latitude is not None and not precision:
            raise Invalid("location.coordinate_precision: say how precise the coordinates are.")
        if latitude is None and precision:
            raise Invalid("location.coordinate_precision: there are no coordinates.")
        key = (name.lower(), kind, country, admin1.lower())
        fields = {
            "name": name,
            "kind": kind,
            "country_code": country,
            "admin1": admin1,
            "latitude": latitude,
            "longitude": longitude,
            "coordinate_precision": precision,
        }
        return key, fields

    def _actors(self, value: Any) -> list[tuple[ActorKey, dict[str, Any], str]]:
        specs = []
        seen: set[ActorKey] = set()
        for n, item in enumerate(_list(value, "actors")):
            item = _object(item, f"actors[{n}]")
            raw = (item.get("name"), item.get("kind"), item.get("country_code"))
            try:
                key, fields = self.valid_actors[raw]
            except KeyError:
                key, fields = self.valid_actors[raw] = _actor_checked(item, n)
            except TypeError:  # a value that cannot be a key (a list...): invalid anyway
                key, fields = _actor_checked(item, n)
            role = item.get("role")
            if role not in _VALUES[ActorRole]:
                role = _choice(item, "role", f"actors[{n}].role", ActorRole, "")
                if not role:
                    raise Invalid(f"actors[{n}].role: required.")
            if key in seen:
                raise Invalid(
                    f"actors[{n}]: {fields['name']} ({fields['kind']}) appears more than once "
                    "in the event."
                )
            seen.add(key)
            specs.append((key, fields, role))
        return specs

    def _sources(self, value: Any) -> list[tuple[str, str, str, dt.date | None, str]]:
        specs = []
        seen: set[Any] = set()
        # The source each item will resolve to, to refuse one source twice: as
        # _source_token resolves it once the record's earlier items are registered.
        new_urls: dict[str, Any] = {}
        new_triples: dict[SourceKey, Any] = {}
        for n, item in enumerate(_list(value, "sources")):
            item = _object(item, f"sources[{n}]")
            raw = tuple(map(item.get, SOURCE_FIELDS))
            try:
                url, publisher, title, published_on = self.valid_sources[raw]
            except KeyError:
                checked = self.valid_sources[raw] = self._source_checked(item, n)
                url, publisher, title, published_on = checked
            except TypeError:  # a value that cannot be a key (a list...): invalid anyway
                url, publisher, title, published_on = self._source_checked(item, n)
            quote = item.get("quote")
            if not (
                type(quote) is str
                and "\x00" not in quote
                and 0 < len(quote := quote.strip()) <= MAX_QUOTE
            ):
                quote = _text(item, "quote", f"sources[{n}].quote", MAX_QUOTE, required=True)
            triple = (publisher, title, published_on)
            identity = self._source_identity(url, triple, new_urls, new_triples)
            if identity is None:  # new, and registered as _source_token will register it
                identity = ("new", n)
                if url:
                    new_urls[url] = identity
                new_triples[triple] = identity
            if identity in seen:
                raise Invalid(f"sources[{n}]: {publisher}: {title} appears more than once.")
            seen.add(identity)
            specs.append((url, publisher, title, published_on, quote))
        return specs

    def _source_identity(
        self, url: str, triple: SourceKey, new_urls: dict[str, Any], new_triples: dict
    ) -> Any:
        """Which source _source_find will give for an item, after this record's earlier
        items that are new (new_urls, new_triples) are registered: by URL first, then by
        publisher, title and date. None: a new one."""
        if url:
            if url in new_urls:
                return new_urls[url]
            if (token := self.source_urls.get(url)) is not None:
                return ("known", token)
        if triple in new_triples:
            return new_triples[triple]
        token = self.sources.get(triple)
        return None if token is None else ("known", token)

    def _source_checked(self, item: dict[str, Any], n: int) -> tuple[str, str, str, Any]:
        """A source's URL, publisher, title and date, or Invalid (its quote is checked
        apart)."""
        where = f"sources[{n}]"
        url = _text(item, "url", f"{where}.url", LIMITS["source.url"])
        # A URL of a known source was checked already (or is in the database).
        if url and url not in self.source_urls and (error := _url_error(url)):
            raise Invalid(f"{where}.url: {error}")
        publisher = _text(
            item, "publisher", f"{where}.publisher", LIMITS["source.publisher"], required=True
        )
        title = _text(item, "title", f"{where}.title", LIMITS["source.title"], required=True)
        published = item.get("published_on")
        published_on = _iso_date(published, f"{where}.published_on") if published else None
        return url, publisher, title, published_on

    def _location_token(self, key: LocationKey, fields: dict[str, Any]) -> Token:
        token = self.locations.get(key)
        if token is None:
            token = self.locations[key] = self._new("locations", self.new_locations, fields)
        return token

    def _actor_token(self, key: ActorKey, fields: dict[str, Any]) -> Token:
        token = self.actors.get(key)
        if token is None:
            # bulk_create skips Actor.save(), which keeps search_text.
            fields = {**fields, "search_text": fold(fields["name"])}
            token = self.actors[key] = self._new("actors", self.new_actors, fields)
        return token

    def _source_find(self, url: str, triple: SourceKey) -> Token | None:
        """The source with this URL, else with this publisher, title and date."""
        token = self.source_urls.get(url) if url else None
        return self.sources.get(triple) if token is None else token

    def _source_token(self, url: str, publisher: str, title: str, published_on: Any) -> Token:
        triple = (publisher, title, published_on)
        token = self._source_find(url, triple)
        if token is None:
            fields = dict(url=url, publisher=publisher, title=title, published_on=published_on)
            token = self.sources[triple] = self._new("sources", self.new_sources, fields)
            if url:
                self.source_urls[url] = token
        return token

    def _new(self, kind: str, new: list[dict[str, Any]], fields: dict[str, Any]) -> Token:
        new.append(fields)
        self.created[kind] += 1
        return (self.created[kind] - 1,)


class _Writer:
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
        self.analyzed = self._planner_rows()
        # Datasets met so far, and whether they had events before this import.
        self.had_events: dict[str, bool] = {}

    # -- PostgreSQL's planner statistics --------------------------------------------------
    # Autovacuum cannot see the rows of an import that has not committed, so the planner
    # would go on planning for tables as they were before it, and chose sequential scans
    # for the lookups of each batch: at 100,000 events the import was 3x slower by its
    # end. ANALYZE in the import's transaction counts its rows; running it each time the
    # events written pass the number last analyzed keeps the cost to a few runs.
    # The columns the import's own queries look up. A column list also spares the full
    # text index's statistics: ANALYZE of the whole event table took 1.1 s at 100,000
    # events, of these columns 0.1 s.
    ANALYZED = (
        "timeline_event (id, dataset, external_id)",
        "timeline_eventactor (event_id, actor_id)",
        "timeline_eventsource (event_id, source_id)",
    )
    ANALYZE_AFTER = 10_000

    def _planner_rows(self) -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", ["timeline_event"]
            )
            (rows,) = cursor.fetchone()
        return max(int(rows), 0)

    def _analyze(self) -> None:
        if connection.vendor != "postgresql":
            return
        if self.written < max(self.ANALYZE_AFTER, self.analyzed):
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(self.ANALYZED)}")
        self.analyzed += self.written
        self.written = 0

    # -- a chunk, resolved to rows -------------------------------------------------------
    def rows(self, chunk: _Chunk) -> list[_Row]:
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

        existing = self._existing(rows)
        now = timezone.now()
        created: list[_Row] = []
        updated: list[tuple[int, _Row]] = []
        relinked: list[tuple[int, _Row]] = []
        for row in rows:
            location_id = _pk(row.location)
            old = existing.get(row.key)
            if old is None:
                created.append(row)
                continue
            pk, values, old_actors, old_sources = old
            same_links = (
                sorted((_pk(ref), role) for ref, role in row.actors) == old_actors
                and sorted((_pk(ref), quote) for ref, quote in row.sources) == old_sources
            )
            if values == (*row.values, location_id) and same_links:
                self.summary.unchanged["events"] += 1
                continue
            updated.append((pk, row))
            if not same_links:
                relinked.append((pk, row))

        created_ids = _events_insert(created, now)
        _events_update(updated, now)
        for chunk in _chunks([pk for pk, _ in relinked]):
            EventActor.objects.filter(event_id__in=chunk).delete()
            EventSource.objects.filter(event_id__in=chunk).delete()
        linked = [*zip(created_ids, created, strict=True), *relinked]
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
        self.summary.created["events"] += len(created)
        self.written += len(created)
        self.summary.updated["events"] += len(updated)
        changes.events_record(pks=created_ids, user=self.user, action=ChangeAction.CREATED)
        changes.events_record(
            pks=[pk for pk, _ in updated], user=self.user, action=ChangeAction.UPDATED
        )
        self._analyze()

    def _existing(self, rows: list[_Row]) -> dict[tuple[str, str], tuple]:
        """The batch's events that exist: key -> (pk, COMPARED + location_id, sorted
        actor links, sorted source links), in a few queries for the whole batch.

        Keys of a dataset that had no events with an external_id when the import began
        are not looked up: the checking refuses a key seen before in the file, and the
        writers that log (the API, the admin, load_seed, other imports) wait for the
        change lock, so none of them can exist. generate_events takes no lock (it
        writes no change log and refuses a dataset that has events): run at the same
        time into the same dataset, it would make the import fail on
        event_external_id_unique, never duplicate an event. A first import of a
        dataset, the usual bulk load, skips the lookups (on PostgreSQL about 5% of the
        import)."""
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
    table = connection.ops.quote_name(Event._meta.db_table)
    assignments = ", ".join(
        f"{column} = %s" for column in bulk.columns(Event, EVENT_UPDATE_COLUMNS)
    )
    bulk.executemany(
        f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s",
        [
            (*values, stamp, pk)
            for (pk, _), values in zip(rows, _event_values(row for _, row in rows), strict=True)
        ],
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
    table = connection.ops.quote_name(Event._meta.db_table)
    selected = ", ".join(bulk.columns(Event, ("external_id", *columns)))
    found = {}
    with connection.cursor() as cursor:
        for dataset, external_ids in by_dataset.items():
            for chunk in _chunks(external_ids):
                # NOT (external_id = '') repeats the condition of the partial unique
                # index event_external_id_unique word for word, so that SQLite sees that
                # it can use the index here (external_id <> '' made it scan the table).
                cursor.execute(
                    f"SELECT {selected} FROM {table}"
                    " WHERE NOT (external_id = '') AND dataset = %s"
                    f" AND external_id IN ({', '.join(['%s'] * len(chunk))})",
                    [dataset, *chunk],
                )
                for external_id, *values in cursor.fetchall():
                    found[(dataset, external_id)] = tuple(values)
    return found


def _log_created(model: type[models.Model], instances: list[Any], user: User) -> None:
    """change_record(action="created") for many new places, actors or sources at once.

    change_record builds a ModelSerializer and runs an INSERT for each record: about
    1 ms a record, measured, so half a minute for the 35,000 places, actors and
    sources of a 100,000-event file. Here one serializer reads them all and one
    statement writes the entries, the same ones. New records show in no event yet, so
    there are no touched events for change_record to add."""
    entity, serializer = changes.ENTITIES[model]
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
                orjson.dumps(data).decode(),
                "",
                "",
            )
            for instance, data in zip(instances, serializer(instances, many=True).data, strict=True)
        ],
    )


# The columns _log_created writes: every column of a Change but its id and duplicate_of.
CHANGE_COLUMNS = ("entity", "object_id", "action", "at", "user", "data", "reason", "note")


def _chunks(items: list[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


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
    events on (dataset, external_id); see the module docstring.

    ``dataset`` keys the records that carry none of their own (default "import").
    One transaction: the first invalid row raises RowError and nothing is written,
    unless ``skip_invalid``, which leaves invalid rows out and lists them in the
    summary's ``rejected``. ``progress`` is called with the number of rows read after
    each batch.

    ``processes=2`` reads and checks the records in a forked process of its own while
    this one writes (_checked_elsewhere): for a command, never a web worker. It
    iterates ``records`` there, so they must not depend on anything a fork breaks (an
    open connection, a thread)."""
    if processes not in (1, 2):
        raise ValueError(f"processes: 1 or 2, not {processes!r}.")
    summary = ImportSummary()
    changes_lock()
    checker = _Checker(dataset=dataset or DEFAULT_DATASET)
    chunks = (_checked_elsewhere if processes == 2 else _checked)(
        records, checker, batch_size, skip_invalid
    )
    writer = _Writer(user=user, summary=summary)
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


def _checked(
    records: Iterable[tuple[int, Record]], checker: _Checker, size: int, skip_invalid: bool
) -> Iterator[_Chunk]:
    """The records checked, in chunks of ``size`` valid ones; without ``skip_invalid``
    the chunk with the first invalid row is the last."""
    rows = 0
    checked: list[Checked] = []
    rejected: list[tuple[int, str]] = []
    for number, record in records:
        rows += 1
        try:
            if isinstance(record, Unreadable):
                raise Invalid(record.reason)
            if not isinstance(record, dict):
                raise Invalid("not an event object.")
            checked.append(checker.check(number, record))
        except Invalid as error:
            rejected.append((number, str(error)))
            if not skip_invalid:
                break
        if len(checked) >= size:
            yield checker.chunk(rows, checked, rejected)
            rows, checked, rejected = 0, [], []
    yield checker.chunk(rows, checked, rejected)


class CheckingFailed(RuntimeError):
    """The process that read and checked the records ended without finishing."""


def _checked_elsewhere(
    records: Iterable[tuple[int, Record]], checker: _Checker, size: int, skip_invalid: bool
) -> Iterator[_Chunk]:
    """_checked, run in a forked process that sends each chunk through a pipe: it
    checks the next chunk while this process writes the last (on SQLite reading and
    checking were a quarter of the import's time, docs/performance.md).

    The child uses none of the parent's connections and leaves with os._exit (as
    multiprocessing's fork does), so it closes none of them either. A full pipe makes
    it wait, so it runs at most a chunk ahead. A child that dies, however it dies,
    ends the import with CheckingFailed; one that fails (a file it cannot read) sends
    its exception, raised here. A parent that dies ends the child at its next send
    (it holds no reading end of the pipe), so it cannot keep the parent's connection,
    and with it the transaction and its locks, open."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_check_and_send,
        args=(records, checker, size, skip_invalid, receiver, sender),
        name="import-checker",
        daemon=True,
    )
    child.start()
    sender.close()  # so that recv() sees the end when the child's copy closes
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                child.join()
                raise CheckingFailed(
                    f"The process checking the rows ended (exit code {child.exitcode}) "
                    "before the end of the file."
                ) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receiver.close()


def _check_and_send(
    records: Iterable[tuple[int, Record]],
    checker: _Checker,
    size: int,
    skip_invalid: bool,
    receiver: Connection,
    sender: Connection,
) -> None:
    """The child's side of _checked_elsewhere: chunks, then None or an exception."""
    receiver.close()  # the parent's end: once the parent is gone, send() fails
    try:
        for chunk in _checked(records, checker, size, skip_invalid):
            sender.send(chunk)
        sender.send(None)
    except BrokenPipeError:  # the parent is gone: nothing to send to
        pass
    except Exception as error:  # the reader's: DocumentError, OSError, a bug...
        where = f"In the process checking the rows:\n{traceback.format_exc()}"
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:  # an exception that cannot cross the pipe: its text can
            error = CheckingFailed(f"{type(error).__name__}: {error}")
        error.add_note(where)  # the child's frames, for the parent's traceback
        with suppress(BrokenPipeError):
            sender.send(error)
    finally:
        sender.close()


# SQLite's page cache while an import runs (bulk.sqlite_page_cache): 100,000 new events
# into a table of 1,000,000 went at 7,500 events/s with the default 2 MB, 9,400 with
# this (docs/performance.md).
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
