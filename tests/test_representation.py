"""The fast event representation (lists, exports, change log) equals EventSerializer's."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
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
from timeline.api.serializers import (
    ActorSerializer,
    EventSerializer,
    LocationSerializer,
    SourceSerializer,
)
from timeline.event_shape import EVENT_FIELDS
from timeline.models import Change, Event
from timeline.representation import event_rows, events_by_id, record_json, represent_events
from timeline.services import changes
from timeline.services.changes import events_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_events() -> list[Event]:
    bare = EventFactory(location=None, summary="")
    month = EventFactory(
        start_date=dt.date(2002, 6, 1),
        end_date=dt.date(2002, 6, 30),
        date_precision="month",
        event_type=event_type("consult.multilateral"),
        dataset="seed",
        external_id="acd-2002",
    )
    ongoing = EventFactory(
        ongoing=True,
        location__latitude=None,
        location__longitude=None,
        location__coordinate_precision="",
        certainty="confirmed",
    )
    for role in ("host", "visitor", "mediator"):
        EventActorFactory(event=month, role=role)
    EventActorFactory(event=ongoing, actor__country_code="", actor__name="Houthis")
    EventSourceFactory(
        event=month, source=SourceFactory(url="https://example.org/a", published_on=None)
    )
    EventSourceFactory(event=month)
    return [bare, month, ongoing]


def serialized(events: list[Event]) -> list[dict]:
    queryset = Event.objects.filter(pk__in=[e.pk for e in events]).order_by("id").with_related()
    return json.loads(json.dumps(EventSerializer(queryset, many=True).data))


def test_rows_give_exactly_what_the_serializer_gives(varied_events):
    rows = event_rows(Event.objects.filter(pk__in=[e.pk for e in varied_events]).order_by("id"))

    assert represent_events(rows) == serialized(varied_events)


def test_every_field_selection_is_the_serializers_subset(varied_events):
    full = serialized(varied_events)
    for name in EVENT_FIELDS:
        fields = ["id", name]
        rows = event_rows(Event.objects.order_by("id"), fields)
        assert represent_events(rows, fields) == [
            {key: event[key] for key in EVENT_FIELDS if key in fields} for event in full
        ], name


def test_the_list_shows_each_event_as_its_detail_does(api, varied_events):
    listed = api.get(reverse("event-list"), {"page_size": 10}).json()["results"]

    for event in listed:
        assert event == api.get(reverse("event-detail", args=[event["id"]])).json()


def test_events_by_id_reads_three_queries_for_any_number(varied_events, django_assert_num_queries):
    # 1. the events with type and location, 2. their actors, 3. their sources.
    with django_assert_num_queries(3):
        events = events_by_id([e.pk for e in varied_events])

    assert sorted(events) == sorted(e.pk for e in varied_events)


def test_the_change_log_stores_each_event_as_the_api_shows_it(varied_events):
    """events_record has the database build the snapshots; read back, they are the
    API's JSON exactly: awkward text, timestamps, and coordinates to the last digit."""
    awkward = EventFactory(
        title='Quotes " and \\ back\\slashes, tabs\t, new\nlines, \x01, é, 中, 🚀',
        location__latitude=12.345678901234567,
        location__longitude=-0.000001,
    )
    rng = random.Random(5)
    scattered = [
        EventFactory(
            location__latitude=rng.uniform(-90, 90),
            location__longitude=rng.uniform(-180, 180),
        )
        for _ in range(20)
    ]
    events = [*varied_events, awkward, *scattered]
    pks = [e.pk for e in events]

    events_record(pks=pks, action="updated")

    logged = {
        change.object_id: change.data
        for change in Change.objects.filter(entity="event", object_id__in=pks)
    }
    assert logged == events_by_id(pks)


def test_the_change_log_writes_its_snapshots_in_one_statement_a_chunk(
    varied_events, django_assert_num_queries, monkeypatch
):
    pks = [e.pk for e in varied_events]
    with django_assert_num_queries(1):
        events_record(pks=pks)
    monkeypatch.setattr(changes, "CHUNK", 2)
    with django_assert_num_queries(2):
        events_record(pks=pks)

    assert Change.objects.filter(entity="event").count() == 2 * len(pks)


@pytest.mark.parametrize(
    ("make", "serializer"),
    [
        (lambda: LocationFactory(), LocationSerializer),
        (
            lambda: LocationFactory(
                latitude=None, longitude=None, coordinate_precision="", kind="sea", country_code=""
            ),
            LocationSerializer,
        ),
        (lambda: LocationFactory(latitude=10, longitude=-0.000001), LocationSerializer),
        (lambda: ActorFactory(aliases=["Ali", "Āli"], wikidata_id="Q794"), ActorSerializer),
        (lambda: SourceFactory(), SourceSerializer),
        (lambda: SourceFactory(published_on=None, url=""), SourceSerializer),
    ],
)
def test_a_records_json_is_its_serializers(make, serializer):
    """The change log's snapshot of a place, an actor or a source, and the answer to
    its writes: what its endpoint shows, keys in the same order, also for an instance
    as it was saved (before it is read again)."""
    made = make()
    read = type(made).objects.get(pk=made.pk)

    for instance in (made, read):
        assert json.dumps(record_json(instance)) == json.dumps(serializer(read).data)
