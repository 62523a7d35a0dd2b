"""The event's shape table agrees with the models, and its CSV form reads back."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import models

from tests.factories import EventActorFactory, EventFactory, EventSourceFactory
from timeline.bulk.importing import csv_records
from timeline.event_shape import (
    EVENT,
    EVENT_CSV_COLUMNS,
    EVENT_FIELDS,
    Field,
    Kind,
    Nested,
    csv_columns,
    flatten_event,
)
from timeline.models import Event
from timeline.representation import events_by_id

KINDS = {
    models.AutoField: Kind.INT,
    models.BigAutoField: Kind.INT,
    models.CharField: Kind.TEXT,
    models.TextField: Kind.TEXT,
    models.FloatField: Kind.FLOAT,
    models.BooleanField: Kind.BOOL,
    models.DateTimeField: Kind.DATETIME,  # before DateField: a subclass of it
    models.DateField: Kind.DATE,
    models.JSONField: Kind.JSON,
}


def kind_of(model_field: models.Field) -> Kind:
    return next(kind for cls, kind in KINDS.items() if isinstance(model_field, cls))


def model_fields() -> list[tuple[str, Field, models.Field]]:
    """Each field of the shape with the model field it shows."""
    found = []
    for item in EVENT:
        if isinstance(item, Field):
            found.append((item.name, item, Event._meta.get_field(item.name)))
        elif isinstance(item, Nested):
            model = Event._meta.get_field(item.name).related_model
            found += [
                (f"{item.name}.{field.name}", field, model._meta.get_field(field.name))
                for field in item.record.fields
            ]
        else:
            link = Event._meta.get_field(item.relation).related_model
            model = link._meta.get_field(item.via).related_model
            found += [
                (f"{item.name}.{field.name}", field, model._meta.get_field(field.name))
                for field in item.record.fields
            ]
            found += [
                (f"{item.name}.{field.name}", field, link._meta.get_field(field.name))
                for field in item.link_fields
            ]
    return found


@pytest.mark.parametrize(("path", "field", "model_field"), model_fields())
def test_each_field_has_the_kind_and_nullability_of_its_model_field(path, field, model_field):
    assert (field.kind, field.null) == (kind_of(model_field), model_field.null), path


def test_nested_records_are_reached_through_foreign_keys_of_their_nullability():
    for item in EVENT:
        if isinstance(item, Nested):
            assert Event._meta.get_field(item.name).null == item.null, item.name


def test_the_csv_columns_are_the_exports_and_unique():
    columns = csv_columns(EVENT_FIELDS)

    assert len(columns) == len(set(columns))
    # The header is a published format (docs/bulk.md): the same columns in the same order
    # as before the table existed.
    assert columns == [
        *("id", "dataset", "external_id", "title", "summary"),
        *("event_type_code", "event_type_label", "start_date", "end_date"),
        *("date_precision", "ongoing", "certainty"),
        *("location_id", "location_name", "location_kind", "country_code", "admin1"),
        *("latitude", "longitude", "coordinate_precision"),
        *("actor_ids", "actors", "actors_json", "source_urls", "sources", "sources_json"),
        *("created_at", "updated_at"),
    ]
    assert EVENT_CSV_COLUMNS["location"][:3] == ["location_id", "location_name", "location_kind"]
    assert EVENT_CSV_COLUMNS["actors"] == ["actor_ids", "actors", "actors_json"]
    assert EVENT_CSV_COLUMNS["sources"] == ["source_urls", "sources", "sources_json"]


@pytest.mark.django_db
def test_a_flattened_event_reads_back_as_the_event(api):
    event = EventFactory(ongoing=True)
    EventActorFactory(event=event, role="host")
    EventActorFactory(event=event, role="visitor")
    EventSourceFactory(event=event)
    shown = events_by_id([event.pk])[event.pk]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(EVENT_FIELDS))
    writer.writeheader()
    writer.writerow(flatten_event(shown))

    ((number, record),) = csv_records(io.StringIO(out.getvalue()))

    assert number == 2
    # Read back: every field but the times; the records without their ids (another
    # database's) and the type by its code and label.
    expected = {name: value for name, value in shown.items() if not name.endswith("_at")}
    expected["location"] = {k: v for k, v in shown["location"].items() if k != "id"}
    assert record == expected
