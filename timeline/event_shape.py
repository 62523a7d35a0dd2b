"""The event's shape: one table of the fields an event shows, and of the records it
nests (its type, its place, its actors with their roles, its sources with their
quotes).

Everything that writes or reads an event follows this table: the API's read
serializers (their ``fields``), the events built from rows and by the database
(timeline.representation), the CSV columns, written here (``flatten_event``) and read
back by the import, and the GeoJSON features. Adding a field to an event means adding
it to the model and here. Each ``Field`` says how its value is written in JSON
(``Kind``); tests/test_event_shape.py holds the kinds to the models' fields.

Plain data, with no Django import: models.py reads the records' ``shown_fields`` from
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson


class Kind(Enum):
    """How a value is written in the event's JSON."""

    INT = "int"
    TEXT = "text"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"  # "YYYY-MM-DD"
    DATETIME = "datetime"  # in UTC, as DRF writes it: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"
    JSON = "json"  # a JSON value stored as it is shown


@dataclass(frozen=True)
class Field:
    """A field of the model, shown under its own name."""

    name: str
    kind: Kind
    null: bool = False


@dataclass(frozen=True)
class Record:
    """A record an event nests: ``fields`` as its own endpoint (and its change-log
    snapshot) shows it, in that order; the event shows the first ``shown`` of them."""

    fields: tuple[Field, ...]
    shown: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    @property
    def in_event(self) -> tuple[Field, ...]:
        return self.fields[: self.shown]

    @property
    def shown_fields(self) -> tuple[str, ...]:
        """The fields events show that can change (all but the id): editing one of them
        changes the events that show the record (models.ShownInEvents)."""
        return tuple(field.name for field in self.in_event if field.name != "id")


@dataclass(frozen=True)
class Nested:
    """One record, through the event's foreign key ``name``. Its CSV columns are the
    field names, prefixed with "<name>_" for ``csv_prefixed`` (where the bare name
    would be ambiguous: location_name, but country_code)."""

    name: str
    record: Record
    null: bool = False
    csv_prefixed: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.record.in_event

    def csv_column(self, key: str) -> str:
        return f"{self.name}_{key}" if key in self.csv_prefixed else key


@dataclass(frozen=True)
class Linked:
    """A list of records, through link rows (EventActor, EventSource) in the order they
    were added (their id): each item is the record's fields, then the link's own
    ``link_fields``. ``relation`` is the event's relation to its link rows, ``via`` the
    link's foreign key to the record.

    In CSV a list takes three columns: "<via>_<csv_key>s" (each item's ``csv_key``), the
    list's name (each item as ``csv_text`` says, for people) and "<name>_json" (the list
    whole, for programs: the import reads that one)."""

    name: str
    record: Record
    relation: str
    via: str
    link_fields: tuple[Field, ...]
    csv_key: str
    csv_text: str

    @property
    def fields(self) -> tuple[Field, ...]:
        return (*self.record.in_event, *self.link_fields)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    @property
    def csv_columns(self) -> tuple[str, str, str]:
        return (f"{self.via}_{self.csv_key}s", self.name, f"{self.name}_json")


def _fields(kind: Kind, *names: str) -> tuple[Field, ...]:
    return tuple(Field(name, kind) for name in names)


EVENT_TYPE = Record(_fields(Kind.TEXT, "code", "label"))
LOCATION = Record(
    (
        Field("id", Kind.INT),
        *_fields(Kind.TEXT, "name", "kind", "country_code", "admin1"),
        Field("latitude", Kind.FLOAT, null=True),
        Field("longitude", Kind.FLOAT, null=True),
        Field("coordinate_precision", Kind.TEXT),
    )
)
ACTOR = Record(
    (
        Field("id", Kind.INT),
        *_fields(Kind.TEXT, "name", "kind", "country_code"),
        Field("aliases", Kind.JSON),
        *_fields(Kind.TEXT, "description", "wikidata_id"),
    ),
    shown=4,
)
SOURCE = Record(
    (
        Field("id", Kind.INT),
        *_fields(Kind.TEXT, "url", "publisher", "title"),
        Field("published_on", Kind.DATE, null=True),
    )
)

ACTORS = Linked(
    "actors",
    ACTOR,
    relation="event_actors",
    via="actor",
    link_fields=(Field("role", Kind.TEXT),),
    csv_key="id",
    csv_text="{name} ({role})",
)
SOURCES = Linked(
    "sources",
    SOURCE,
    relation="event_sources",
    via="source",
    link_fields=(Field("quote", Kind.TEXT),),
    csv_key="url",
    csv_text="{publisher}: {title}",
)
EVENT: tuple[Field | Nested | Linked, ...] = (
    Field("id", Kind.INT),
    *_fields(Kind.TEXT, "dataset", "external_id", "title", "summary"),
    Nested("event_type", EVENT_TYPE, csv_prefixed=("code", "label")),
    Field("start_date", Kind.DATE),
    Field("end_date", Kind.DATE),
    Field("date_precision", Kind.TEXT),
    Field("ongoing", Kind.BOOL),
    Field("certainty", Kind.TEXT),
    Nested("location", LOCATION, null=True, csv_prefixed=("id", "name", "kind")),
    ACTORS,
    SOURCES,
    Field("created_at", Kind.DATETIME),
    Field("updated_at", Kind.DATETIME),
)
EVENT_FIELDS = tuple(field.name for field in EVENT)
NESTED = tuple(field for field in EVENT if isinstance(field, Nested))
LINKED = tuple(field for field in EVENT if isinstance(field, Linked))


# -- CSV: one row per event ------------------------------------------------------------------
def _csv_columns(field: Field | Nested | Linked) -> list[str]:
    if isinstance(field, Nested):
        return [field.csv_column(item.name) for item in field.fields]
    if isinstance(field, Linked):
        return list(field.csv_columns)
    return [field.name]


# The columns of each top-level field (a `fields=` selection keeps those of the fields
# it names).
EVENT_CSV_COLUMNS: dict[str, list[str]] = {field.name: _csv_columns(field) for field in EVENT}


def csv_columns(fields: list[str] | tuple[str, ...]) -> list[str]:
    return [column for name in fields for column in EVENT_CSV_COLUMNS[name]]


# Lists inside one cell: joined with "; " for people to read, and whole as JSON in
# the *_json column for programs (import_events reads those: exact, whatever the text).
JOIN = "; "
_NESTED_COLUMNS = [
    (nested.name, [(item.name, nested.csv_column(item.name)) for item in nested.fields])
    for nested in NESTED
]


def flatten_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event (all its fields or some) as a CSV row: column -> value."""
    row = {name: value for name, value in event.items() if not isinstance(value, dict | list)}
    for name, columns in _NESTED_COLUMNS:
        if name in event:
            record = event[name] or {}
            for key, column in columns:
                row[column] = record.get(key)
    for linked in LINKED:
        if linked.name in event:
            items = event[linked.name]
            keys, text, whole = linked.csv_columns
            row[keys] = JOIN.join(str(item[linked.csv_key]) for item in items)
            row[text] = JOIN.join(linked.csv_text.format_map(item) for item in items)
            row[whole] = orjson.dumps(items).decode()
    return row


# -- GeoJSON ----------------------------------------------------------------------------------
def feature(event: dict[str, Any]) -> dict[str, Any]:
    """An event with coordinates as a GeoJSON Feature (a Point; properties: the event)."""
    location = event["location"]
    return {
        "type": "Feature",
        "id": event["id"],
        "geometry": {"type": "Point", "coordinates": [location["longitude"], location["latitude"]]},
        "properties": event,
    }
