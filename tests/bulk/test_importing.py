"""Bulk import (timeline/bulk/importing/ and `manage.py import_events`).

tests/data/acled_sample.csv is NOT ACLED data: its 15 rows are invented, in the
columns and style of ACLED's CSV export. They cover every ACLED event type family
(battles, explosions/remote violence, violence against civilians, protests, riots,
strategic developments); the three time precisions (1; 2 in SDN90002 and BFA90013;
3 in MMR90004, which also has geo_precision 3); both event_date styles (SDN90002
reads "15 March 2024"); ';'-separated associated actors (NGA90003, MEX90005,
MLI90012, BFA90013); state forces (SDN90001, KEN90006, PAK90007's target...),
external forces (UKR90009); and two rows with the same place, actors and a shared
source (SDN90001, SDN90015), which must not create anything twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from unittest.mock import ANY

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ActorFactory,
    EventActorFactory,
    EventFactory,
    EventSourceFactory,
    LocationFactory,
    SourceFactory,
    event_type,
)
from tests.feed import replay, server_state
from timeline.bulk import importing
from timeline.bulk.importing import (
    CheckingFailed,
    RowError,
    acled_records,
    csv_records,
    events_import,
    format_sniff,
    jsonl_records,
    writing,
)
from timeline.bulk.importing.acled import ACLED_EVENT_TYPES
from timeline.bulk.importing.checking import Checker
from timeline.bulk.importing.writing import CHANGE_COLUMNS, EVENT_INSERT_COLUMNS, Writer
from timeline.models import Actor, Change, Event, EventActor, EventSource, Location, Source
from timeline.representation import events_by_id
from timeline.services.changes import changes_lock, events_record
from timeline.services.documents import DocumentError
from timeline.vocabulary.taxonomy import EVENT_TYPES

# deadline: imports through the command fork a checking process; a hang fails.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("deadline")]

ROOT = Path(__file__).resolve().parent.parent.parent
ACLED_SAMPLE = ROOT / "tests" / "data" / "acled_sample.csv"
EVENTS = reverse("event-list")
TABLES = (Actor, Location, Source, Event, EventActor, EventSource, Change)


# -- helpers --------------------------------------------------------------------------------
def acled_rows() -> list[dict[str, str]]:
    with open(ACLED_SAMPLE, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def acled_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_acled(rows: list[dict[str, str]] | None = None, **options):
    text = acled_text(rows if rows is not None else acled_rows())
    return events_import(records=acled_records(io.StringIO(text, newline="")), **options)


def import_jsonl(records: list[dict], **options):
    text = "\n".join(orjson.dumps(record).decode() for record in records)
    return events_import(records=jsonl_records(io.StringIO(text)), **options)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def api_events(api) -> list[dict]:
    body = api.get(EVENTS, {"page_size": 1000}).json()
    assert body["next"] is None
    return body["results"]


def by_external_id(api) -> dict[str, dict]:
    return {event["external_id"]: event for event in api_events(api)}


def without_ids(event: dict) -> dict:
    """The event as a file describes it: no database ids, no timestamps."""
    event = {k: v for k, v in event.items() if k not in ("id", "created_at", "updated_at")}
    if event.get("location"):
        event["location"] = {k: v for k, v in event["location"].items() if k != "id"}
    for name in ("actors", "sources"):
        event[name] = [{k: v for k, v in item.items() if k != "id"} for item in event[name]]
    return event


def table_snapshot() -> list:
    return [list(model.objects.order_by("pk").values()) for model in TABLES]


# -- ACLED ----------------------------------------------------------------------------------
def test_every_acled_pair_maps_to_a_code_of_the_vocabulary():
    codes = {code for code, *_ in EVENT_TYPES}
    assert {code for _, _, code in ACLED_EVENT_TYPES} <= codes
    assert len({(kind, sub) for kind, sub, _ in ACLED_EVENT_TYPES}) == len(ACLED_EVENT_TYPES)


def test_the_acled_sample_imports_with_the_documented_mapping(api):
    summary = import_acled()

    assert summary.rows == 15
    assert summary.created["events"] == 15
    assert summary.rejected == []
    events = by_external_id(api)
    clash = events["SDN90001"]
    notes = (
        "On 12 March 2024, the Sudanese Armed Forces and the Rapid Support Forces clashed "
        "near the central market in Khartoum."
    )
    assert without_ids(clash) == {
        "dataset": "acled",
        "external_id": "SDN90001",
        "title": "Armed clash in Khartoum",
        "summary": notes + " Fatalities: 7.",
        "event_type": {"code": "fight", "label": "Fight"},
        "start_date": "2024-03-12",
        "end_date": "2024-03-12",
        "date_precision": "day",
        "ongoing": False,
        "certainty": "reported",
        "location": {
            "name": "Khartoum",
            "kind": "city",
            "country_code": "SD",
            "admin1": "Khartoum",
            "latitude": 15.5881,
            "longitude": 32.5342,
            "coordinate_precision": "exact",
        },
        "actors": [
            {
                "name": "Military Forces of Sudan (2019-)",
                "kind": "armed_force",
                "country_code": "SD",  # state forces: the event's country
                "role": "initiator",
            },
            {
                "name": "Rapid Support Forces",
                "kind": "armed_group",
                "country_code": "",
                "role": "target",
            },
        ],
        "sources": [
            {
                "url": "",
                "publisher": publisher,
                "title": "ACLED source",
                "published_on": None,
                "quote": notes,
            }
            for publisher in ("Sudan Tribune", "Radio Dabanga")
        ],
    }

    # time_precision 2 and a "DD Month YYYY" date: a week around the day.
    strike = events["SDN90002"]
    assert (strike["start_date"], strike["end_date"], strike["date_precision"]) == (
        "2024-03-12",
        "2024-03-18",
        "day",
    )
    assert strike["event_type"]["code"] == "assault.aerial"
    assert strike["location"]["coordinate_precision"] == "near"

    # time_precision 3: the month; geo_precision 3: a region.
    shelling = events["MMR90004"]
    assert (shelling["start_date"], shelling["end_date"], shelling["date_precision"]) == (
        "2024-01-01",
        "2024-01-31",
        "month",
    )
    assert shelling["location"]["kind"] == "region"
    assert shelling["location"]["coordinate_precision"] == "region"
    assert shelling["event_type"]["code"] == "assault.heavy-weapons"

    # Associated actors, ';'-separated: supporters of actor1; no actor2, no target.
    demo = events["MEX90005"]
    assert demo["event_type"]["code"] == "protest.demo"
    assert demo["summary"].endswith("International Women's Day. Fatalities: 0.")
    assert [(a["name"], a["kind"], a["country_code"], a["role"]) for a in demo["actors"]] == [
        ("Protesters (Mexico)", "other", "", "initiator"),
        ("Women (Mexico)", "other", "", "supporter"),
        ("Students (Mexico)", "other", "", "supporter"),
    ]
    abduction = events["NGA90003"]
    assert [(a["name"], a["role"]) for a in abduction["actors"]] == [
        ("Unidentified Armed Group (Nigeria)", "initiator"),
        ("Civilians (Nigeria)", "target"),
        ("Students (Nigeria)", "target"),
        ("Teachers (Nigeria)", "target"),
    ]
    # External forces are an armed force of no country of the event.
    landmine = events["UKR90009"]["actors"][0]
    assert (landmine["kind"], landmine["country_code"]) == ("armed_force", "")

    assert {external_id: event["event_type"]["code"] for external_id, event in events.items()} == {
        "SDN90001": "fight",
        "SDN90002": "assault.aerial",
        "NGA90003": "assault.abduct",
        "MMR90004": "assault.heavy-weapons",
        "MEX90005": "protest.demo",
        "KEN90006": "assault.crowd-control",
        "PAK90007": "protest.riot",
        "COL90008": "protest.riot",
        "UKR90009": "assault.explosives",
        "SOM90010": "assault.suicide-attack",
        "SYR90011": "agree",
        "MLI90012": "coerce.arrest",
        "BFA90013": "assault.sexual",
        "COD90014": "assault.destroy",
        "SDN90015": "fight",
    }


def test_places_actors_and_sources_are_created_once_and_existing_ones_reused():
    # Already here, spelled in other cases: matched, linked, left as they are.
    rsf = ActorFactory(name="RAPID SUPPORT FORCES", kind="armed_group", country_code="")
    khartoum = LocationFactory(
        name="khartoum", kind="city", country_code="SD", admin1="KHARTOUM", latitude=15.6
    )

    summary = import_acled(batch_size=4)  # SDN90001 and SDN90015 in different batches

    first, last = (
        Event.objects.get(external_id="SDN90001"),
        Event.objects.get(external_id="SDN90015"),
    )
    assert first.location_id == last.location_id == khartoum.pk
    assert set(first.actors.all()) == set(last.actors.all())
    assert rsf in first.actors.all()
    khartoum.refresh_from_db()
    assert (khartoum.name, khartoum.latitude) == ("khartoum", 15.6)  # not changed
    actor_keys = Counter(
        (name.lower(), kind, country)
        for name, kind, country in Actor.objects.values_list("name", "kind", "country_code")
    )
    assert max(actor_keys.values()) == 1
    location_keys = Counter(
        (name.lower(), kind, country, admin1.lower())
        for name, kind, country, admin1 in Location.objects.values_list(
            "name", "kind", "country_code", "admin1"
        )
    )
    assert max(location_keys.values()) == 1
    assert Source.objects.filter(publisher="Sudan Tribune").count() == 1
    assert summary.created["locations"] == 13  # 14 places, Khartoum already here
    # search_text is kept by Actor.save(), which bulk_create skips: the import sets it.
    assert Actor.objects.get(name="Al Shabaab").search_text == "al shabaab"


def test_importing_the_same_file_again_changes_nothing():
    import_acled()
    before = table_snapshot()

    summary = import_acled()

    # Not a row, not a timestamp, not a change-log entry: an unchanged event is left alone.
    assert table_snapshot() == before
    assert summary.unchanged["events"] == 15
    assert summary.created == Counter() and summary.updated == Counter()


def test_a_changed_row_updates_its_event_and_logs_that_update_only(api):
    import_acled()
    rows = acled_rows()
    rows[-1]["notes"] = "On 20 March 2024, the two forces clashed again near the airport."
    rows[-1]["fatalities"] = "15"
    changes_before = Change.objects.count()
    before = {event["external_id"]: event for event in api_events(api)}

    summary = import_acled(rows)

    assert (summary.updated["events"], summary.unchanged["events"]) == (1, 14)
    assert Event.objects.count() == 15
    new = Change.objects.filter(pk__gt=Change.objects.order_by("pk")[changes_before - 1].pk)
    assert [(c.entity, c.action, c.data["external_id"]) for c in new] == [
        ("event", "updated", "SDN90015")
    ]
    after = by_external_id(api)
    assert after["SDN90015"]["summary"].endswith("near the airport. Fatalities: 15.")
    assert after["SDN90015"]["sources"][0]["quote"] == rows[-1]["notes"]
    assert after["SDN90015"]["updated_at"] > before["SDN90015"]["updated_at"]
    assert after["SDN90015"]["id"] == before["SDN90015"]["id"]
    assert all(after[key] == before[key] for key in before if key != "SDN90015")


BAD_CELLS = [
    ({"event_date": "31 February 2024"}, "event_date: '31 February 2024' is not a date"),
    ({"event_date": "2024/03/20"}, "event_date"),
    ({"iso": "999", "country": "Atlantis"}, "iso/country"),
    ({"sub_event_type": "Picnic"}, "no mapping for 'Battles' / 'Picnic'"),
    ({"time_precision": "4"}, "time_precision"),
    ({"inter2": "9"}, "inter2"),
    ({"latitude": "123.4"}, "location.latitude: 123.4 is out of range"),
    ({"fatalities": "many"}, "fatalities"),
    ({"notes": "Nul\x00byte"}, "NUL bytes"),
]


@pytest.mark.parametrize(("cells", "reason"), BAD_CELLS)
def test_a_bad_row_aborts_the_whole_import_naming_the_row(cells, reason):
    rows = acled_rows()
    rows[-1].update(cells)  # row 16: the header is row 1

    with pytest.raises(RowError) as raised:
        import_acled(rows, batch_size=4)  # three batches were written before it

    assert raised.value.row == 16
    assert reason in raised.value.reason
    assert str(raised.value).startswith("row 16: ")
    assert all(count == 0 for count in counts().values())


@pytest.mark.parametrize(("cells", "reason"), BAD_CELLS[:3])
def test_skipping_invalid_rows_imports_the_rest_and_lists_the_bad_ones(cells, reason):
    rows = acled_rows()
    rows[4].update(cells)  # MEX90005, row 6

    summary = import_acled(rows, skip_invalid=True)

    assert [row for row, _ in summary.rejected] == [6]
    assert reason in summary.rejected[0][1]
    assert summary.created["events"] == 14
    assert not Event.objects.filter(external_id="MEX90005").exists()
    assert not Actor.objects.filter(name="Protesters (Mexico)").exists()  # nothing half-made


def test_an_actor_on_both_sides_is_one_participant():
    rows = acled_rows()[:1]
    rows[0].update(actor2="Military Forces of Sudan (2019-)", inter2="1")

    import_acled(rows)

    links = EventActor.objects.filter(event__external_id="SDN90001")
    assert [(link.actor.name, link.role) for link in links] == [
        ("Military Forces of Sudan (2019-)", "participant")
    ]


def test_a_dataset_option_renames_the_acled_dataset():
    text = acled_text(acled_rows()[:2])

    events_import(records=acled_records(io.StringIO(text), dataset="acled-2024"))

    assert set(Event.objects.values_list("dataset", flat=True)) == {"acled-2024"}


# -- records in the read shape --------------------------------------------------------------
def valid_record(**overrides) -> dict:
    record = {
        "dataset": "test",
        "external_id": "1",
        "title": "Iran and Oman hold a joint exercise",
        "summary": "Mountain Falcons 1.",
        "event_type": {"code": "cooperate", "label": "Cooperate"},
        "start_date": "2024-09-30",
        "end_date": "2024-10-02",
        "date_precision": "day",
        "ongoing": True,
        "certainty": "reported",
        "location": {
            "name": "Jebel Akhdar",
            "kind": "site",
            "country_code": "OM",
            "admin1": "Ad Dakhiliyah",
            "latitude": 23.07,
            "longitude": 57.66,
            "coordinate_precision": "near",
        },
        "actors": [
            {
                "name": "Royal Army of Oman",
                "kind": "armed_force",
                "country_code": "OM",
                "role": "host",
            },
            {
                "name": "IRIA Ground Forces",
                "kind": "armed_force",
                "country_code": "IR",
                "role": "visitor",
            },
        ],
        "sources": [
            {
                "url": "https://example.org/falcons",
                "publisher": "IRNA",
                "title": "Exercise begins",
                "published_on": "2024-09-30",
                "quote": "The training began this week.",
            }
        ],
    }
    record.update(overrides)
    return record


def with_location(**changes) -> dict:
    return {**valid_record()["location"], **changes}


def with_actor(**changes) -> list:
    first, second = valid_record()["actors"]
    return [{**first, **changes}, second]


def with_source(**changes) -> list:
    return [{**valid_record()["sources"][0], **changes}]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": ""}, "title: required."),
        ({"title": "x" * 301}, "title: at most 300 characters"),
        ({"title": 7}, "title: a string is required"),
        ({"summary": "a\x00b"}, "summary: NUL bytes are not allowed."),
        ({"external_id": ""}, "external_id: required (or the id of an exported event)"),
        ({"event_type": {"code": "assault.nope"}}, "event_type: 'assault.nope' is not"),
        ({"start_date": "2024-02-30"}, "start_date: '2024-02-30' is not a real date."),
        ({"start_date": "2024-09"}, "start_date: '2024-09' is not a YYYY-MM-DD date."),
        ({"end_date": "2024-09-01"}, "end_date: The end date is before the start date."),
        ({"date_precision": "month"}, "date_precision: With precision month"),
        ({"date_precision": "week"}, "date_precision: 'week' is not one of"),
        ({"ongoing": "yes"}, "ongoing: true or false"),
        ({"certainty": "sure"}, "certainty: 'sure' is not one of"),
        ({"location": with_location(country_code="XX")}, "location.country_code: 'XX' is not"),
        ({"location": with_location(kind="city", country_code="")}, "location.country_code"),
        ({"location": with_location(latitude=91)}, "location.latitude: 91 is out of range"),
        ({"location": with_location(longitude=None)}, "give both latitude and longitude"),
        ({"location": with_location(coordinate_precision="")}, "say how precise"),
        ({"location": with_location(name="n" * 201)}, "location.name: at most 200"),
        ({"location": "Muscat"}, "location: an object is required."),
        ({"actors": with_actor(role="villain")}, "actors[0].role: 'villain' is not one of"),
        ({"actors": with_actor(kind="")}, "actors[0].kind: required."),
        ({"actors": with_actor(kind=["person"])}, "actors[0].kind: ['person'] is not one of"),
        ({"actors": ["Oman"]}, "actors[0]: an object is required."),
        ({"actors": with_actor(country_code="Oman")}, "actors[0].country_code"),
        ({"actors": with_actor(name="IRIA ground forces", country_code="IR")}, "more than once"),
        ({"sources": with_source(url="not a url")}, "sources[0].url: Enter a valid URL."),
        ({"sources": with_source(quote="")}, "sources[0].quote: required."),
        ({"sources": with_source(published_on="30/09/2024")}, "sources[0].published_on"),
        ({"sources": with_source() * 2}, "sources[1]: IRNA: Exercise begins appears more"),
        ({"sources": "IRNA"}, "sources: a list is required."),
    ],
)
def test_an_invalid_record_is_refused_naming_the_field(overrides, reason):
    with pytest.raises(RowError) as raised:
        import_jsonl([valid_record(**overrides)])

    assert raised.value.row == 1
    assert reason in raised.value.reason
    assert all(count == 0 for count in counts().values())


def test_a_valid_record_is_imported_whole(api):
    import_jsonl([valid_record()])

    [event] = api_events(api)
    expected = valid_record()
    assert without_ids(event) == {
        **expected,
        "event_type": {"code": "cooperate", "label": "Cooperate"},
    }


def test_two_rows_for_one_event_are_refused():
    with pytest.raises(RowError) as raised:
        import_jsonl([valid_record(), valid_record(title="Again")])

    assert (raised.value.row, raised.value.reason) == (
        2,
        "dataset/external_id: test/1 is already row 1.",
    )


def test_lines_that_are_not_json_objects_are_rows_to_reject():
    text = orjson.dumps(valid_record()).decode() + "\n\n{not json\n[1, 2]\n"

    summary = events_import(records=jsonl_records(io.StringIO(text)), skip_invalid=True)

    assert [row for row, _ in summary.rejected] == [3, 4]  # line numbers; blank lines count
    assert summary.rejected[0][1].startswith("not JSON")
    assert summary.rejected[1][1] == "not a JSON object (one event per line)."
    assert summary.created["events"] == 1


def test_progress_is_reported_after_each_batch():
    seen: list[int] = []

    import_acled(batch_size=4, progress=seen.append)

    assert seen == [4, 8, 12, 15]


def test_the_queries_do_not_grow_with_the_rows():
    """Places, actors and sources exist already: a batch costs the same few queries
    however many rows it has."""
    changes_lock()
    import_jsonl([valid_record()])  # creates the place, the actors and the source

    def queries_for(count: int, start: int) -> int:
        records = [valid_record(external_id=str(n)) for n in range(start, start + count)]
        with CaptureQueriesContext(connection) as queries:
            import_jsonl(records)
        return len(queries)

    # SAVEPOINT and RELEASE (the import's transaction, inside the test's); the change
    # lock; event types, places, actors, sources (each read once); whether the dataset
    # has events (once); the batch's existing events; the new events' ids; INSERT (COPY
    # on PostgreSQL) the events, their actor links, their source links: 13. PostgreSQL
    # also reads the event table's size once, for its planner statistics
    # (_Writer._analyze); SQLite reads and sets its page cache size
    # (bulk.sqlite_page_cache; it restores it on the driver's connection, which Django
    # does not count). Then the change log of the created events: whatever
    # events_record costs.
    fixed = 13 + (1 if connection.vendor == "postgresql" else 2)
    three = list(Event.objects.values_list("pk", flat=True)[:3])
    with CaptureQueriesContext(connection) as logging:
        events_record(pks=three, action="created")
    assert queries_for(3, start=10) == queries_for(30, start=100) == fixed + len(logging)


def test_keys_of_a_dataset_without_events_are_not_looked_up(monkeypatch):
    """A dataset that had no events when the import began cannot have any of the
    file's keys (a key is refused the second time): its rows are created without a
    lookup. A dataset that had events is looked up as before, in the same file."""
    import_jsonl([valid_record(dataset="old", external_id="1", title="Before")])
    asked: list[str] = []
    looked_up: list[tuple[str, str]] = []
    has_events, events_by_key = writing._dataset_has_events, writing._events_by_key

    def asking(dataset):
        asked.append(dataset)
        return has_events(dataset)

    def looking_up(keys, *columns):
        looked_up.extend(keys)
        return events_by_key(keys, *columns)

    monkeypatch.setattr(writing, "_dataset_has_events", asking)
    monkeypatch.setattr(writing, "_events_by_key", looking_up)
    records = [
        valid_record(dataset="old", external_id="1", title="After"),
        valid_record(dataset="new", external_id="1"),
        valid_record(dataset="new", external_id="2"),
    ]
    summary = import_jsonl(records, batch_size=1)  # three batches

    assert summary.updated["events"] == 1 and summary.created["events"] == 2
    assert Event.objects.get(dataset="old", external_id="1").title == "After"
    new = Event.objects.filter(dataset="new").values_list("external_id", flat=True)
    assert sorted(new) == ["1", "2"]
    assert looked_up == [("old", "1")]
    # Whether a dataset has events is asked once per dataset, not once per batch.
    assert sorted(asked) == ["new", "old"]


def test_a_place_or_actor_checked_once_is_checked_again_when_it_differs():
    """Validation remembers the places and actors it found valid, by their values: a
    row naming one with other values (True for 1.0, a blank name) is checked anew."""
    first = valid_record(external_id="1")
    first["location"].update(latitude=1.0, longitude=1.0, coordinate_precision="exact")
    boolean = orjson.loads(orjson.dumps(first))
    boolean.update(external_id="2")
    boolean["location"]["latitude"] = True
    blank = orjson.loads(orjson.dumps(first))
    blank.update(external_id="3")
    blank["actors"][0]["name"] = " "

    summary = import_jsonl([first, boolean, blank], skip_invalid=True)

    assert summary.created["events"] == 1
    assert summary.rejected == [
        (2, "location.latitude: a number is required, not True."),
        (3, "actors[0].name: required."),
    ]


def test_the_change_log_shows_each_imported_event_as_the_api_does():
    """The database builds the imported events' snapshots (changes.events_record): they
    are what the API shows, for places, actors and sources the import created and ones
    it found (shown as stored, whatever case the file uses), and for updated events
    (which keep their created_at)."""
    LocationFactory(
        name="Jebel Akhdar",
        kind="site",
        country_code="OM",
        admin1="Ad Dakhiliyah",
        latitude=23.0712345678901234,
        longitude=57.66,
        coordinate_precision="near",
    )
    ActorFactory(name="Royal Army of Oman", kind="armed_force", country_code="OM")
    SourceFactory(
        url="https://example.org/falcons",
        publisher="IRNA",
        title="Exercise begins",
        published_on=dt.date(2024, 9, 30),
    )
    import_jsonl([valid_record(external_id="old", title="Before")])
    Event.objects.filter(external_id="old").update(
        created_at=dt.datetime(2020, 1, 2, tzinfo=dt.UTC)
    )
    found = valid_record(external_id="found")
    found["location"]["name"] = "JEBEL AKHDAR"
    found["actors"][0]["name"] = "royal army of oman"
    found["sources"][0]["title"] = "Another title, the same URL"
    new = valid_record(external_id="new", ongoing=False, summary="")
    new["location"] = {
        "name": "Muscat",
        "kind": "city",
        "country_code": "OM",
        "admin1": "",
        "latitude": 23.588123456789012,
        "longitude": -0.000001,
        "coordinate_precision": "exact",
    }
    new["actors"] = [{"name": "Qatar", "kind": "state", "country_code": "QA", "role": "host"}]
    new["sources"] = [
        {
            "url": "",
            "publisher": "Al Jazeera",
            "title": "Visit",
            "published_on": None,
            "quote": "Q.",
        }
    ]
    nowhere = valid_record(external_id="nowhere", location=None, actors=[], sources=[])
    changed = valid_record(external_id="old", title="After")
    Change.objects.all().delete()

    summary = import_jsonl([found, new, nowhere, changed])

    assert (summary.created["events"], summary.updated["events"]) == (3, 1)
    logged = {c.object_id: c for c in Change.objects.filter(entity="event")}
    shown = events_by_id(list(logged))
    assert {pk: change.data for pk, change in logged.items()} == shown
    old = Event.objects.get(external_id="old")
    assert logged[old.pk].action == "updated"
    assert shown[old.pk]["created_at"] == "2020-01-02T00:00:00Z"


def test_sqlite_imports_with_a_larger_page_cache_and_restores_it(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    seen = []
    import_jsonl([valid_record()], progress=lambda rows: seen.append(cache_size()))

    assert seen == [-importing.SQLITE_IMPORT_CACHE_KIB]
    assert cache_size() == before

    # An error that leaves the transaction marked for rollback (here inside an
    # atomic(savepoint=False), as bulk_create's) is raised as it is, not hidden behind
    # Django's refusal of further queries, and the page cache is put back all the same.
    def failing(**kwargs):
        with transaction.atomic(savepoint=False):
            raise RuntimeError("interrupted")

    monkeypatch.setattr(writing.changes, "events_record", failing)
    with pytest.raises(RuntimeError, match=r"^interrupted$"):
        import_jsonl([valid_record(external_id="2")])
    assert cache_size() == before


def test_the_fast_change_insert_writes_every_column_of_a_change():
    columns = {field.name for field in Change._meta.concrete_fields}
    assert set(CHANGE_COLUMNS) == columns - {"id", "duplicate_of"}


def test_new_events_never_take_the_id_of_a_deleted_one():
    """The import picks its events' ids before inserting them: after the highest ids
    (a deleted event's included, as the change log still names it)."""
    import_jsonl([valid_record(external_id=str(n)) for n in range(3)])
    highest = Event.objects.order_by("-pk").first()
    Event.objects.filter(pk=highest.pk).delete()

    import_jsonl([valid_record(external_id="new")])

    new = Event.objects.get(external_id="new")
    assert new.pk > highest.pk
    assert EventFactory().pk > new.pk  # and the ids after it stay free for others


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ANALYZE keeps PostgreSQL's planner statistics"
)
def test_postgresql_planner_statistics_follow_the_import(monkeypatch):
    """On PostgreSQL the import runs ANALYZE each time the events it wrote pass the
    number last analyzed (doubling), so that its lookups keep using the indexes."""
    monkeypatch.setattr(Writer, "ANALYZE_AFTER", 2)
    records = [valid_record(external_id=str(n)) for n in range(8)]

    with CaptureQueriesContext(connection) as queries:
        import_jsonl(records, batch_size=2)

    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    # After 2 events (the threshold), then 2 more (as many as analyzed), then 4 more.
    assert len(analyzed) == 3
    assert Event.objects.filter(dataset="test").count() == 8


def test_the_fast_event_insert_writes_every_column_of_an_event():
    """_events_insert INSERTs rows without model instances: a column added to Event
    must be added there too, or events would be created without it."""
    columns = {field.attname for field in Event._meta.concrete_fields if not field.primary_key}
    assert set(EVENT_INSERT_COLUMNS) == columns


def test_a_place_with_id_zero_is_linked_as_any_other():
    """The import stands for new places by a token that no id can be taken for, 0
    included (ids are the database's: a fixture may start at 0)."""
    zero = LocationFactory(id=0, name="Sohar", kind="city", country_code="OM", admin1="")
    new = valid_record(external_id="1")  # names a new place first
    known = valid_record(
        external_id="2", location=with_location(name="SOHAR", kind="city", admin1="")
    )

    import_jsonl([new, known])

    assert Event.objects.get(external_id="2").location_id == zero.pk == 0
    assert Event.objects.get(external_id="1").location.name == "Jebel Akhdar"


def test_a_source_named_twice_through_its_url_is_refused_not_an_error():
    """Sources match on their URL first: a record's second item with the URL of its
    first (new) source is that source again, even when its publisher, title and date
    are those of another source that exists. Refused as a repeat, with or without
    skip_invalid, not left to the database's unique constraint."""
    SourceFactory(url="", publisher="IRNA", title="Exercise ends", published_on=None)
    first, *_ = with_source(title="Exercise begins")
    second = {**first, "title": "Exercise ends", "published_on": None}
    record = valid_record(sources=[first, second])

    with pytest.raises(RowError, match=r"^row 1: sources\[1\]: IRNA: Exercise ends appears"):
        import_jsonl([record])
    summary = import_jsonl([record], skip_invalid=True)

    assert summary.rejected == [(1, "sources[1]: IRNA: Exercise ends appears more than once.")]
    assert Event.objects.count() == 0
    # The other way round they are two sources: the first is the one that exists (no
    # URL to match), the second a new one with the URL.
    summary = import_jsonl([valid_record(sources=[second, first])])
    assert summary.created == Counter(events=1, sources=1, locations=1, actors=2)


# -- our own formats, from the API ----------------------------------------------------------
@pytest.fixture
def curated_events() -> list[Event]:
    muscat = LocationFactory(name="Muscat", country_code="OM", admin1="Muscat")
    hormuz = LocationFactory(
        name="Strait of Hormuz", kind="sea", country_code="", coordinate_precision="near"
    )
    iran = ActorFactory(name="Islamic Republic of Iran Army", kind="armed_force", country_code="IR")
    oman = ActorFactory(name="Royal Army of Oman", kind="armed_force", country_code="OM")
    exercise = EventFactory(
        location=muscat,
        dataset="seed-article",
        external_id="falcons-1",
        ongoing=True,
        summary='With "quotes", commas; and a\nnew line.',
    )
    EventActorFactory(event=exercise, actor=iran, role="participant")
    EventActorFactory(event=exercise, actor=oman, role="host")
    EventSourceFactory(event=exercise, source=SourceFactory(url="https://example.org/a"))
    seizure = EventFactory(
        location=hormuz,
        event_type=event_type("coerce.seize"),
        start_date=dt.date(2024, 6, 1),
        end_date=dt.date(2024, 6, 30),
        date_precision="month",
        certainty="claimed",
    )
    EventActorFactory(event=seizure, actor=iran, role="initiator")
    EventSourceFactory(event=seizure, source=SourceFactory(published_on=None), quote="Ünïcode ☃")
    nowhere = EventFactory(location=None, title="A statement from nowhere")
    return [exercise, seizure, nowhere]


def wipe() -> None:
    Event.objects.all().delete()
    for model in (Actor, Location, Source, Change):
        model.objects.all().delete()


def as_imported(event: dict) -> dict:
    """What an exported event reads as once imported: ids aside, an event without
    external_id is keyed ("import", its exported id)."""
    if not event["external_id"]:
        event = {**event, "dataset": "import", "external_id": str(event["id"])}
    return without_ids(event)


def export(api, format: str) -> str:
    if format == "csv":
        return api.get(EVENTS, {"format": "csv", "page_size": 1000}).content.decode()
    return "\n".join(orjson.dumps(event).decode() for event in api_events(api))


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_our_export_imports_into_an_empty_database_as_it_was(api, curated_events, format):
    original = sorted((as_imported(event) for event in api_events(api)), key=str)
    text = export(api, format)
    wipe()

    reader = csv_records if format == "csv" else jsonl_records
    summary = events_import(records=reader(io.StringIO(text, newline="")))

    assert summary.created["events"] == 3
    assert sorted((without_ids(event) for event in api_events(api)), key=str) == original
    assert (Actor.objects.count(), Location.objects.count(), Source.objects.count()) == (2, 2, 2)

    # And again: the keys hold, nothing changes.
    again = events_import(records=reader(io.StringIO(text, newline="")))
    assert again.unchanged["events"] == 3


def test_an_exported_event_without_external_id_gets_the_dataset_option(api, curated_events):
    text = export(api, "jsonl")
    wipe()

    events_import(records=jsonl_records(io.StringIO(text)), dataset="from-staging")

    nowhere = curated_events[2]
    keys = set(Event.objects.values_list("dataset", "external_id"))
    assert keys == {
        ("seed-article", "falcons-1"),
        ("from-staging", str(curated_events[1].pk)),
        ("from-staging", str(nowhere.pk)),
    }


def test_a_csv_without_the_json_columns_cannot_lose_the_actors(api, curated_events):
    text = api.get(
        EVENTS, {"format": "csv", "fields": "id,title,event_type,start_date,end_date,actors"}
    ).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        del row["actors_json"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    summary = events_import(records=csv_records(io.StringIO(out.getvalue())), skip_invalid=True)

    reasons = {reason for _, reason in summary.rejected}
    assert reasons == {"actors: the actors_json column is needed to read the actors."}


# -- the change feed ------------------------------------------------------------------------


def test_replaying_the_change_feed_after_an_import_gives_what_the_api_shows(api):
    copy: dict = {}
    import_acled(batch_size=4)

    resume = replay(api, copy, reverse("change-list") + "?page_size=10")

    assert copy == server_state(api)
    assert len(copy["event"]) == 15

    # A corrected file: one row changes, with a new actor.
    rows = acled_rows()
    rows[0].update(actor2="Sudan Shield Forces", notes="Corrected notes.")
    import_acled(rows)
    replay(api, copy, resume)

    assert copy == server_state(api)
    assert [
        a["name"] for a in copy["event"][Event.objects.get(external_id="SDN90001").pk]["actors"]
    ] == [
        "Military Forces of Sudan (2019-)",
        "Sudan Shield Forces",
    ]


# -- formats and the command ----------------------------------------------------------------
def test_the_format_is_told_from_the_extension_or_the_header(tmp_path, api, curated_events):
    files = {
        "events.jsonl": export(api, "jsonl"),
        "events.txt": export(api, "jsonl"),
        "events.csv": export(api, "csv"),
        "acled.csv": ACLED_SAMPLE.read_text(encoding="utf-8"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    assert {name: format_sniff(tmp_path / name) for name in files} == {
        "events.jsonl": "jsonl",
        "events.txt": "jsonl",
        "events.csv": "csv",
        "acled.csv": "acled",
    }


def test_the_command_imports_and_prints_a_summary(capsys):
    call_command("import_events", str(ACLED_SAMPLE))

    out = capsys.readouterr()
    assert out.out.startswith("Imported acled_sample.csv: 15 rows read, 0 rejected.")
    assert "events: 15 created, 0 updated, 0 unchanged" in out.out
    assert out.err == ""  # no progress: stderr is not a terminal
    assert Event.objects.filter(dataset="acled").count() == 15


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_shows_progress_on_a_terminal():
    stderr = Terminal()

    call_command("import_events", str(ACLED_SAMPLE), stdout=io.StringIO(), stderr=stderr)

    assert "\r15 rows, " in stderr.getvalue()
    assert stderr.getvalue().endswith(" rows/s\n")


def test_a_failed_import_exits_non_zero_naming_the_row_and_writes_nothing(tmp_path):
    rows = acled_rows()
    rows[2]["iso"], rows[2]["country"] = "999", "Atlantis"
    path = tmp_path / "acled.csv"
    path.write_text(acled_text(rows), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("import_events", str(path), "--format", "acled")

    assert raised.value.returncode == 1  # manage.py exits with it
    assert str(raised.value).startswith("Nothing was imported: row 4: iso/country: neither")
    assert all(count == 0 for count in counts().values())


def test_the_command_skips_invalid_rows_into_the_report(tmp_path, capsys):
    rows = acled_rows()
    rows[2]["event_date"] = "someday"
    rows[5]["sub_event_type"] = "Picnic"
    path, report = tmp_path / "acled.csv", tmp_path / "rejected.csv"
    path.write_text(acled_text(rows), encoding="utf-8")

    call_command("import_events", str(path), "--skip-invalid", "--report", str(report))

    with open(report, newline="", encoding="utf-8") as stream:
        assert list(csv.reader(stream)) == [
            ["row", "reason"],
            ["4", "event_date: 'someday' is not a date (YYYY-MM-DD or DD Month YYYY)."],
            ["7", "event_type/sub_event_type: no mapping for 'Protests' / 'Picnic'."],
        ]
    out = capsys.readouterr()
    assert "15 rows read, 2 rejected" in out.out
    assert "Rejected row 4: event_date" in out.err
    assert Event.objects.count() == 13


def test_a_file_of_unknown_shape_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    with pytest.raises(CommandError, match="cannot tell the format"):
        call_command("import_events", str(path))
    with pytest.raises(
        CommandError, match=r"Not an ACLED export: the columns actor1, .* are missing"
    ):
        call_command("import_events", str(path), "--format", "acled")


# -- checking in a second process (import_events --processes 2) ----------------------------
@pytest.fixture
def deadline():
    """A hang fails the test: SIGALRM interrupts the wait for the checking process."""

    def expired(signum, frame):
        raise TimeoutError("the import hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def import_outcome(api, rows, processes, **options):
    """What an import leaves: its summary (or the error it raised), the events as the
    API shows them (ids aside), and the change log's entries by kind."""
    try:
        outcome: object = import_acled(rows, processes=processes, batch_size=4, **options)
    except RowError as error:
        outcome = str(error)
    events = sorted((without_ids(event) for event in api_events(api)), key=str)
    logged = Counter(Change.objects.values_list("entity", "action"))
    return outcome, events, logged


@pytest.fixture
def checking_pids(monkeypatch, tmp_path):
    """The ids of the processes that checked rows since the last call."""
    path = tmp_path / "pids"
    path.touch()
    check = Checker.check

    def checking(self, number, record):
        with open(path, "a") as out:  # a forked child's writes land here too
            out.write(f"{os.getpid()}\n")
        return check(self, number, record)

    def pids() -> set[int]:
        found = {int(pid) for pid in path.read_text().split()}
        path.write_text("")
        return found

    monkeypatch.setattr(Checker, "check", checking)
    return pids


@pytest.mark.parametrize("skip_invalid", [True, False])
def test_a_second_process_checks_the_rows_as_this_one_does(api, checking_pids, skip_invalid):
    """The same summary, rows rejected, events, places, actors, sources and change log.
    Batches of 4 over 15 rows: places, actors and a source new in one chunk are named
    again in later ones (SDN90001 and SDN90015)."""
    rows = acled_rows()
    rows[6]["event_date"] = "someday"
    rows[9]["sub_event_type"] = "Picnic"
    existing = ActorFactory(name="RAPID SUPPORT FORCES", kind="armed_group", country_code="")

    one = import_outcome(api, rows, 1, skip_invalid=skip_invalid)
    assert checking_pids() == {os.getpid()}
    wipe()
    existing = ActorFactory(name=existing.name, kind=existing.kind, country_code="")
    two = import_outcome(api, rows, 2, skip_invalid=skip_invalid)

    assert two == one
    (checker,) = checking_pids()
    assert checker != os.getpid()  # checked in another process
    if skip_invalid:
        assert one[0].rejected == [(8, ANY), (11, ANY)] and len(one[1]) == 13
        assert Actor.objects.filter(name__iexact=existing.name).count() == 1
    else:
        assert one[0].startswith("row 8: event_date:") and one[1] == []


def test_a_checking_process_that_dies_fails_the_import_and_writes_nothing(monkeypatch):
    check = Checker.check

    def dying(self, number, record):
        if number == 9:  # in the second chunk (rows 6-9; the header is row 1)
            os._exit(7)
        return check(self, number, record)

    monkeypatch.setattr(Checker, "check", dying)  # the fork inherits it

    with pytest.raises(CheckingFailed, match=r"exit code 7\) before the end of the file"):
        import_acled(processes=2, batch_size=4)

    assert all(count == 0 for count in counts().values())


class Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")  # args cannot rebuild it


@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        (DocumentError("Not an ACLED export."), DocumentError, "Not an ACLED export."),
        (Unpicklable("a", "b"), CheckingFailed, "Unpicklable: a b"),
    ],
)
def test_an_error_reading_in_the_second_process_is_raised_here(error, raised, message):
    def records():
        yield from acled_records(io.StringIO(acled_text(acled_rows()), newline=""))
        raise error

    with pytest.raises(raised) as caught:
        events_import(records=records(), processes=2, batch_size=4)

    assert str(caught.value) == message
    # The child's traceback, for whoever reads the parent's.
    (note,) = caught.value.__notes__
    assert note.startswith("In the process checking the rows:\nTraceback")
    assert "in records\n    raise error" in note
    assert all(count == 0 for count in counts().values())


def test_processes_other_than_one_or_two_are_refused():
    with pytest.raises(ValueError, match="processes: 1 or 2, not 3"):
        events_import(records=[], processes=3)
    with pytest.raises(CommandError, match="invalid choice: 3"):
        call_command("import_events", str(ACLED_SAMPLE), "--processes", "3")


ORPHAN_SCRIPT = """
import itertools, multiprocessing, time
from timeline.bulk import importing
from timeline.bulk.importing.writing import Writer

def stuck(self, rows):  # the parent writes nothing and waits to be killed
    print("checker", *[child.pid for child in multiprocessing.active_children()], flush=True)
    time.sleep(600)

Writer.write = stuck
records = (
    (n, {"external_id": str(n), "title": "t", "event_type": "cooperate",
         "start_date": "2024-01-01"})
    for n in itertools.count(1)  # never ends: the child fills the pipe and waits
)
importing.events_import(records=records, processes=2, batch_size=100)
"""


def gone(pid: int) -> bool:
    """The process has ended (a zombie, waiting for whoever adopted it, has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_checking_process_ends_when_the_import_is_killed(tmp_path):
    """Killed (SIGKILL: no clean-up), the import leaves no checking process behind
    holding its connection, and with it the transaction and its locks."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    parent = subprocess.Popen(
        [*manage, "shell", "-c", ORPHAN_SCRIPT],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = next(line for line in parent.stdout if line.startswith("checker"))
        (child,) = map(int, line.split()[1:])
        assert not gone(child)
    finally:
        parent.kill()
        parent.wait()

    deadline = time.monotonic() + 30
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = gone(child)
    if not ended:
        os.kill(child, signal.SIGKILL)  # not left behind by a failing test
    assert ended
