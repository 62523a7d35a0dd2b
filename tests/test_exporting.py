"""Streaming export: the command and /api/v1/events/export/."""

from __future__ import annotations

import csv
import io
import json
import re
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import EventActorFactory, EventFactory, EventSourceFactory
from timeline import exporting
from timeline.representation import events_by_id

pytestmark = pytest.mark.django_db

EXPORT = reverse("event-export")


def body(response) -> bytes:
    assert response.status_code == HTTPStatus.OK, response.content
    return b"".join(response.streaming_content)


@pytest.fixture
def events(monkeypatch) -> list:
    monkeypatch.setattr(exporting, "BATCH_SIZE", 3)  # several batches from a few events
    made = []
    for n in range(7):
        event = EventFactory(location__country_code="OM" if n % 2 else "QA")
        EventActorFactory(event=event, role="host")
        EventSourceFactory(event=event)
        made.append(event)
    EventFactory(location=None)
    return made


def test_jsonl_has_every_event_once_as_the_api_shows_it(api, events):
    lines = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    exported = [json.loads(line) for line in lines]
    assert [event["id"] for event in exported] == sorted(e["id"] for e in exported)
    assert len(exported) == 8
    api_view = events_by_id([event["id"] for event in exported])
    assert exported == [api_view[event["id"]] for event in exported]


def test_the_export_takes_the_event_filters(api, events):
    lines = body(api.get(EXPORT, {"format": "jsonl", "country": "OM"})).decode().splitlines()

    assert {json.loads(line)["location"]["country_code"] for line in lines} == {"OM"}
    assert len(lines) == 3


def test_csv_is_the_default_with_one_header(api, events):
    response = api.get(EXPORT)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == 8
    assert json.loads(rows[0]["actors_json"])[0]["role"] == "host"


def test_an_empty_export_is_a_header_or_an_empty_collection(api):
    assert body(api.get(EXPORT, {"format": "csv"})).decode().startswith("id,dataset,")
    assert json.loads(body(api.get(EXPORT, {"format": "geojson"}))) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_geojson_holds_the_events_with_coordinates(api, events):
    collection = json.loads(body(api.get(EXPORT, {"format": "geojson"})))

    assert len(collection["features"]) == 7
    feature = collection["features"][0]
    assert feature["geometry"]["coordinates"] == [58.4, 23.6]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"country": "XX"}, "country"),
        ({"page_size": 5}, "page_size"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_export_parameters_are_400(api, params, name):
    response = api.get(EXPORT, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert name in response.json()["errors"]


def test_the_export_reads_in_batches_of_fixed_size(api, events, django_assert_num_queries):
    # 8 events in batches of 3: for each of the 3 batches, its ids (the filters) and
    # its events' JSON (built by the database); then the empty ids query that ends it,
    # and the Last-Modified lookup.
    with django_assert_num_queries(3 * 2 + 1 + 1):
        body(api.get(EXPORT, {"format": "jsonl"}))


def test_the_command_writes_a_file_with_the_same_filters(tmp_path, events):
    out = tmp_path / "oman.jsonl"

    call_command("export_events", "--format", "jsonl", "--query", "country=omn", "-o", str(out))

    assert len(out.read_text().splitlines()) == 3


def test_the_command_refuses_a_bad_query():
    with pytest.raises(CommandError, match="country"):
        call_command("export_events", "--query", "country=XX")


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
def test_an_export_imported_into_an_empty_database_exports_the_same(api, events, export_format):
    from tests.test_importing import csv_records, jsonl_records, wipe, without_ids
    from timeline.importing import events_import

    def exported() -> list[dict]:
        text = body(api.get(EXPORT, {"format": "jsonl"})).decode()
        return sorted((without_ids(json.loads(line)) for line in text.splitlines()), key=str)

    for event in events:  # give every event an external key, as imported data has
        event.dataset, event.external_id = "partner", f"p-{event.pk}"
        event.save()
    from timeline.models import Event

    Event.objects.filter(dataset="").update(dataset="partner", external_id="p-nowhere")
    before = exported()
    text = body(api.get(EXPORT, {"format": export_format})).decode()
    wipe()

    reader = csv_records if export_format == "csv" else jsonl_records
    events_import(records=reader(io.StringIO(text, newline="")))

    assert exported() == before


def test_the_databases_json_equals_the_apis_for_awkward_values(api):
    import datetime as dt

    from django.utils import timezone

    from timeline.models import Event

    event = EventFactory(
        title='Quotes " and \\\\ back\\\\slashes, tabs\t, new\nlines, \x01, é, 中, 🚀',
        summary="",
        ongoing=True,
        location__latitude=12.345678901234567,
        location__longitude=-0.000001,
    )
    EventSourceFactory(
        event=event, source__published_on=None, source__url="https://example.org/a?b=c&d"
    )
    EventFactory(location=None)
    whole_second = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(updated_at=whole_second)

    lines = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    exported = [json.loads(line) for line in lines]
    assert exported == [events_by_id([e["id"]])[e["id"]] for e in exported]
    assert exported[0]["updated_at"].endswith(":00Z") or "." not in exported[0]["updated_at"]


def test_the_databases_json_keeps_the_order_of_actors_and_sources(api):
    event = EventFactory()
    for role in ("visitor", "host", "mediator", "bystander"):
        EventActorFactory(event=event, role=role)
    for _ in range(3):
        EventSourceFactory(event=event)

    (line,) = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    assert json.loads(line) == events_by_id([event.pk])[event.pk]
    assert [a["role"] for a in json.loads(line)["actors"]] == [
        "visitor",
        "host",
        "mediator",
        "bystander",
    ]


def test_coordinates_are_written_as_the_api_writes_them(api):
    """Exact, and short: 23.5891, not SQLite's 23.589099999999998 nor 23.5891000000000."""
    EventFactory(location__latitude=23.5891, location__longitude=-0.000001)

    (line,) = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    # PostgreSQL spaces its JSON ("latitude" : 23.5891), SQLite does not.
    assert re.search(r'"latitude" ?: ?23\.5891,', line)
    assert json.loads(line)["location"]["longitude"] == -0.000001


def test_rounded_coordinates_are_put_right_in_the_text():
    text = '{"title":"\\"latitude\\":1","location":{"latitude":12.3456789012346,"longitude":2.5}}'

    fixed = exporting._shortest_coordinates(
        12.345678901234567, 2.5, "12.3456789012346", "2.5", text
    )

    assert fixed == text.replace("12.3456789012346", "12.345678901234567")


def test_coordinates_not_written_as_expected_are_still_put_right():
    text = '{"location":{"latitude":1.00000000000000001,"longitude":2}}'

    fixed = exporting._shortest_coordinates(1.1, 2.0, "1.10000000000000", "2", text)

    assert fixed == '{"location":{"latitude":1.1,"longitude":2.0}}'
