"""Streaming export: the command and /api/v1/events/export/."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import EventActorFactory, EventFactory, EventSourceFactory
from timeline.representation import FLOAT_COLUMNS, events_by_id, export

pytestmark = pytest.mark.django_db

EXPORT = reverse("event-export")
ROOT = Path(__file__).resolve().parent.parent


def body(response) -> bytes:
    assert response.status_code == HTTPStatus.OK, response.content
    return b"".join(response.streaming_content)


@pytest.fixture
def events(monkeypatch) -> list:
    monkeypatch.setattr(export, "BATCH_SIZE", 3)  # several batches from a few events
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


@pytest.mark.parametrize("export_format", ["jsonl", "csv", "geojson"])
def test_batches_are_written_in_parts_of_a_few_events(events, monkeypatch, export_format):
    """Batches of 3 written 2 events at a time: no chunk holds more than 2 events, and
    together they hold every event once, as one unparted export does."""
    from timeline.models import Event

    whole = b"".join(export.events_export(Event.objects.all(), export_format))
    monkeypatch.setattr(export, "WRITE_EVENTS", 2)

    chunks = list(export.events_export(Event.objects.all(), export_format))

    assert b"".join(chunks) == whole
    per_chunk = {
        "jsonl": lambda chunk: chunk.count(b"\n"),
        "csv": lambda chunk: len(list(csv.reader(io.StringIO(chunk.decode())))),
        "geojson": lambda chunk: chunk.count(b'"type":"Feature"'),
    }[export_format]
    # 8 events in batches 3, 3, 2, written in parts 2+1, 2+1, 2; csv: the header with
    # the first part; geojson: the 7 with coordinates (batches 3, 3, 1) between the
    # collection's opening and closing.
    assert [per_chunk(chunk) for chunk in chunks] == {
        "jsonl": [2, 1, 2, 1, 2],
        "csv": [1 + 2, 1, 2, 1, 2],
        "geojson": [0, 2, 1, 2, 1, 1, 0],
    }[export_format]


def test_the_command_writes_a_file_with_the_same_filters(tmp_path, events):
    out = tmp_path / "oman.jsonl"

    call_command("export_events", "--format", "jsonl", "--query", "country=omn", "-o", str(out))

    assert len(out.read_text().splitlines()) == 3


def test_the_command_refuses_a_bad_query():
    with pytest.raises(CommandError, match="country"):
        call_command("export_events", "--query", "country=XX")


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
def test_an_export_imported_into_an_empty_database_exports_the_same(api, events, export_format):
    from tests.bulk.test_importing import csv_records, jsonl_records, wipe, without_ids
    from timeline.bulk.importing import events_import

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
    EventActorFactory(event=event, actor__name='The "Eagles" \\ Ü')
    EventFactory(location=None)
    EventFactory(location__latitude=10.0, location__longitude=-180.0)  # 10.0, not 10
    whole_second = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(updated_at=whole_second)

    lines = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    exported = [json.loads(line) for line in lines]
    shown = [events_by_id([e["id"]])[e["id"]] for e in exported]
    assert exported == shown
    # Keys in the API's order, at every level, on both databases.
    assert [json.dumps(e) for e in exported] == [json.dumps(e) for e in shown]
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

    assert '"latitude":23.5891,' in line
    assert json.loads(line)["location"]["longitude"] == -0.000001


def test_rounded_coordinates_are_put_right_in_the_text():
    text = '{"title":"\\"latitude\\":1","location":{"latitude":12.3456789012346,"longitude":2.5}}'

    fixed = export._shortest_floats((12.345678901234567, "12.3456789012346", 2.5, "2.5", text))

    assert fixed == text.replace("12.3456789012346", "12.345678901234567")


def test_coordinates_not_written_as_expected_are_still_put_right():
    text = '{"location":{"latitude":1.00000000000000001,"longitude":2}}'

    fixed = export._shortest_floats((1.1, "1.10000000000000", 2.0, "2", text))

    assert fixed == '{"location":{"latitude":1.1,"longitude":2.0}}'


def test_the_floats_the_export_corrects_are_the_coordinates():
    assert [path for path, _ in FLOAT_COLUMNS] == [
        ("location", "latitude"),
        ("location", "longitude"),
    ]


# -- reading ahead in threads (outside a transaction) ---------------------------------------
def reader_threads() -> list:
    return [t for t in threading.enumerate() if t.name.startswith("export-reader")]


@pytest.fixture
def committed_events(monkeypatch) -> list:
    """Events committed (other connections see them), in batches of 3."""
    monkeypatch.setattr(export, "BATCH_SIZE", 3)
    made = []
    for n in range(8):
        event = EventFactory(location__latitude=10 + n / 7, location__longitude=-n / 3)
        EventActorFactory(event=event)
        EventSourceFactory(event=event)
        made.append(event)
    EventFactory(location=None)
    return made


def exported(export_format: str = "jsonl") -> bytes:
    from timeline.models import Event

    return b"".join(export.events_export(Event.objects.all(), export_format))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("export_format", ["jsonl", "csv", "geojson"])
def test_threads_read_ahead_outside_a_transaction_and_export_the_same(
    committed_events, monkeypatch, export_format
):
    read_ahead = export._read_ahead
    calls = []
    monkeypatch.setattr(export, "_read_ahead", lambda *args: calls.append(1) or read_ahead(*args))

    monkeypatch.setattr(export, "READERS", {"postgresql": 2, "sqlite": 2})
    threaded = exported(export_format)
    monkeypatch.setattr(export, "READERS", {})
    alone = exported(export_format)

    assert calls == [1]  # the first export read ahead, the second did not
    assert threaded == alone
    lines = threaded.decode().splitlines()
    if export_format == "jsonl":
        assert [json.loads(line) for line in lines] == [
            events_by_id([e["id"]])[e["id"]] for e in map(json.loads, lines)
        ]
        assert len(lines) == 9
    assert not reader_threads()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_error_in_a_reader_thread_reaches_the_caller(committed_events, monkeypatch):
    monkeypatch.setattr(export, "READERS", {"postgresql": 2, "sqlite": 2})
    json_texts = export._json_texts

    def failing(ids):
        if ids[0] > committed_events[2].pk:
            raise RuntimeError("connection lost")
        return json_texts(ids)

    monkeypatch.setattr(export, "_json_texts", failing)

    with pytest.raises(RuntimeError, match="connection lost"):
        exported()
    assert not reader_threads()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_stopped_early_ends_its_threads(committed_events, monkeypatch):
    from timeline.models import Event

    monkeypatch.setattr(export, "READERS", {"postgresql": 2, "sqlite": 2})

    chunks = export.events_export(Event.objects.all(), "jsonl")
    first = next(chunks)
    chunks.close()  # as a server does when the client disconnects

    assert first.count(b"\n") == 3
    assert not reader_threads()


def test_inside_a_transaction_the_export_reads_in_its_own_connection(api, events, monkeypatch):
    # The test's transaction: other connections would not see these events.
    monkeypatch.setattr(export, "READERS", {"postgresql": 2, "sqlite": 2})
    monkeypatch.setattr(export, "_read_ahead", None)  # would fail if called

    lines = body(api.get(EXPORT, {"format": "jsonl"})).decode().splitlines()

    assert len(lines) == len(events) + 1


@pytest.mark.parametrize("export_format", ["jsonl", "geojson"])
def test_a_batch_deleted_while_exporting_leaves_no_gap(events, monkeypatch, export_format):
    """Its ids were read, then its events deleted before their JSON was: the export
    still parses."""
    json_texts = export._json_texts
    monkeypatch.setattr(
        export, "_json_texts", lambda ids: [] if ids[0] == events[3].pk else json_texts(ids)
    )
    from timeline.models import Event

    text = b"".join(export.events_export(Event.objects.all(), export_format)).decode()

    if export_format == "jsonl":
        assert all(line.strip() for line in text.splitlines())
        assert len(text.splitlines()) == len(events) + 1 - 3
    else:
        assert len(json.loads(text)["features"]) == len(events) - 3


# -- reader processes (SQLite files, the command) ----------------------------------------
PROCESSES_SCRIPT = """
import hashlib
from django.core.management import call_command
from timeline.representation import export
export.BATCH_SIZE = 100  # several batches, several in flight
used = []
read_in_processes = export._read_in_processes
def counted(*args):
    used.append(args[1])
    yield from read_in_processes(*args)
export._read_in_processes = counted
call_command("generate_events", "--count", "1000", "--seed", "7", verbosity=0)
for export_format in ("jsonl", "csv", "geojson"):
    texts = []
    for processes in ("1", "2", "3"):
        path = f"{FOLDER}/{export_format}-{processes}"
        call_command(
            "export_events", "--format", export_format, "--processes", processes, "-o", path
        )
        texts.append(hashlib.sha256(open(path, "rb").read()).hexdigest())
    lines = sum(1 for _ in open(f"{FOLDER}/jsonl-1"))
    print(export_format, len(set(texts)), lines)
print("processes", *used)

# A reader process that dies fails the export instead of leaving it waiting.
import os
from concurrent.futures.process import BrokenProcessPool
json_query = export.events_json_query
def dying(ids, **kwargs):
    if ids[0] > 500:
        os._exit(1)
    return json_query(ids, **kwargs)
export.events_json_query = dying  # seen by the forked processes
try:
    call_command("export_events", "--format", "jsonl", "-o", f"{FOLDER}/dying")
    print("dying: finished")
except BrokenProcessPool:
    print("dying: failed")
"""


def test_processes_on_a_sqlite_file_export_exactly_what_one_reader_does(tmp_path):
    """Forked processes cannot share the tests' in-memory database: this runs the
    command in a Python process of its own, on a SQLite file."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    script = PROCESSES_SCRIPT.replace("{FOLDER}", str(tmp_path))
    result = subprocess.run(
        [*manage, "shell", "-c", script],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a hang fails the test
    )

    # Each format: the same bytes with 1, 2 and 3 processes; all 1,000 events; the
    # processes were used when asked for; a process that died failed the export.
    assert result.stdout.split("\n")[-6:-1] == [
        "jsonl 1 1000",
        "csv 1 1000",
        "geojson 1 1000",
        "processes 2 3 2 3 2 3",
        "dying: failed",
    ]


@pytest.mark.parametrize("processes", ["0", "17"])
def test_the_command_refuses_a_number_of_processes_out_of_range(processes):
    with pytest.raises(CommandError, match="--processes: from 1 to 16"):
        call_command("export_events", "--processes", processes)


def test_the_command_refuses_an_unknown_event_type_with_the_apis_message(db):
    with pytest.raises(CommandError, match="Invalid --query: event_type: Unknown event type"):
        call_command("export_events", "--query", "event_type=nope")
