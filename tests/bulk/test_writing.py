"""The import's writer and its SQL (timeline/bulk/importing/writing.py): queries per
batch, lookups, the change log, the fast inserts, the databases' settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.bulk.test_importing import import_jsonl, valid_record
from tests.factories import ActorFactory, EventFactory, LocationFactory, SourceFactory
from timeline.bulk.importing import writing
from timeline.bulk.importing.writing import CHANGE_COLUMNS, EVENT_INSERT_COLUMNS, Writer
from timeline.models import Change, Event
from timeline.representation import events_by_id
from timeline.services.changes import changes_lock, events_record

pytestmark = pytest.mark.django_db


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
    # (bulk.planner_rows); SQLite reads and sets its page cache size
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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_sqlite_imports_with_a_larger_page_cache_and_restores_it(monkeypatch):

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    seen = []
    import_jsonl([valid_record()], progress=lambda rows: seen.append(cache_size()))

    assert seen == [-writing.SQLITE_IMPORT_CACHE_KIB]
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
