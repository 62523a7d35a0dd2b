"""The import as a whole (timeline/bulk/importing/ and `manage.py import_events`):
matching and updating, our own exports read back, the change feed, the command. Also the
helpers the other tests of the import share (test_acled, test_checking, test_writing,
test_parallel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command
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
from timeline.bulk.importing import (
    acled_records,
    csv_records,
    events_import,
    format_sniff,
    jsonl_records,
)
from timeline.models import Actor, Change, Event, EventActor, EventSource, Location, Source

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
ACLED_SAMPLE = ROOT / "tests" / "data" / "acled_sample.csv"  # invented rows: test_acled.py
EVENTS = reverse("event-list")
TABLES = (Actor, Location, Source, Event, EventActor, EventSource, Change)


# -- helpers ----------------------------------------------------------------------------
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


def wipe() -> None:
    Event.objects.all().delete()
    for model in (Actor, Location, Source, Change):
        model.objects.all().delete()


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


@contextmanager
def deadline(seconds: int = 60) -> Iterator[None]:
    """A hang fails the test: SIGALRM interrupts the wait for the checking process."""

    def expired(signum, frame):
        raise TimeoutError("the import hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def hang_fails() -> Iterator[None]:
    """Imports through the command fork a checking process: a hang fails the test."""
    with deadline():
        yield


# -- matching and updating --------------------------------------------------------------
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


def test_progress_is_reported_after_each_batch():
    seen: list[int] = []

    import_acled(batch_size=4, progress=seen.append)

    assert seen == [4, 8, 12, 15]


# -- our own formats, from the API ------------------------------------------------------
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


def test_lines_that_are_not_json_objects_are_rows_to_reject():
    text = orjson.dumps(valid_record()).decode() + "\n\n{not json\n[1, 2]\n"

    summary = events_import(records=jsonl_records(io.StringIO(text)), skip_invalid=True)

    assert [row for row, _ in summary.rejected] == [3, 4]  # line numbers; blank lines count
    assert summary.rejected[0][1].startswith("not JSON")
    assert summary.rejected[1][1] == "not a JSON object (one event per line)."
    assert summary.created["events"] == 1


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


# -- the change feed --------------------------------------------------------------------
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


# -- the command ------------------------------------------------------------------------
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
