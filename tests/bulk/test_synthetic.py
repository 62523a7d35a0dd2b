"""The synthetic data generator (timeline/bulk/synthetic/, `manage.py generate_events`)."""

from __future__ import annotations

import hashlib
import io
import json
import statistics
from collections import Counter
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.urls import reverse

from tests.factories import EventFactory
from timeline.bulk.synthetic import GenerateError, events_generate
from timeline.models import (
    Actor,
    ActorRole,
    Change,
    DatePrecision,
    Event,
    EventActor,
    EventSource,
    Location,
    Source,
)
from timeline.vocabulary.dates import date_errors
from timeline.vocabulary.text import fold

pytestmark = pytest.mark.django_db

COUNT = 300


def event_rows(dataset: str) -> list[tuple]:
    """What the dataset says, event by event in generation order, without ids."""
    events = (
        Event.objects.filter(dataset=dataset)
        .select_related("event_type", "location")
        .prefetch_related("event_actors__actor", "event_sources__source")
    )
    rows = [
        (
            int(event.external_id.split("-")[1]),
            event.title,
            event.summary,
            event.event_type.code,
            event.start_date.isoformat(),
            event.end_date.isoformat(),
            event.date_precision,
            event.ongoing,
            event.certainty,
            event.country_code,
            event.location.name,
            event.location.latitude,
            sorted(
                (link.actor.name, link.actor.kind, link.role) for link in event.event_actors.all()
            ),
            sorted((link.source.title, link.quote) for link in event.event_sources.all()),
        )
        for event in events
    ]
    return sorted(rows)


def digest(dataset: str) -> str:
    external_ids = sorted(
        Event.objects.filter(dataset=dataset).values_list("external_id", flat=True)
    )
    text = json.dumps([external_ids, event_rows(dataset)], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def generated() -> str:
    events_generate(count=COUNT, seed=7, dataset="synthetic-test")
    return "synthetic-test"


def test_the_same_seed_gives_the_same_data(generated):
    first = digest(generated)
    counts = [model.objects.count() for model in (Location, Actor, Source)]
    Event.objects.filter(dataset=generated).delete()

    summary = events_generate(count=COUNT, seed=7, dataset=generated)

    assert digest(generated) == first
    # The locations, actors and sources of the first run are reused, not duplicated.
    assert [model.objects.count() for model in (Location, Actor, Source)] == counts
    assert summary.created.total() == 0
    assert summary.reused["locations"] == counts[0]


def test_stored_rows_are_matched_on_their_natural_keys_whatever_their_case(generated):
    events = Event.objects.filter(dataset=generated)
    location = Location.objects.filter(pk=events.values("location")[:1]).get()
    actor = Actor.objects.filter(event_actors__event__in=events).first()
    Location.objects.filter(pk=location.pk).update(
        name=location.name.upper(), admin1=location.admin1.lower()
    )
    Actor.objects.filter(pk=actor.pk).update(name=actor.name.swapcase())
    counts = [model.objects.count() for model in (Location, Actor, Source)]
    Event.objects.filter(dataset=generated).delete()

    summary = events_generate(count=COUNT, seed=7, dataset=generated)

    assert summary.created.total() == 0
    assert [model.objects.count() for model in (Location, Actor, Source)] == counts
    assert Event.objects.filter(dataset=generated, location=location).exists()


def test_another_seed_gives_different_data(generated):
    events_generate(count=COUNT, seed=8, dataset="other")

    ours, theirs = event_rows(generated), event_rows("other")
    assert len(ours) == len(theirs) == COUNT
    assert len({row[1] for row in ours} & {row[1] for row in theirs}) < COUNT // 10


def test_it_writes_the_number_of_events_asked_for_with_external_ids_from_the_seed(generated):
    external_ids = set(
        Event.objects.filter(dataset=generated).values_list("external_id", flat=True)
    )

    assert external_ids == {f"7-{n}" for n in range(1, COUNT + 1)}


def test_an_event_created_afterwards_gets_a_new_id(generated):
    event = EventFactory()

    assert event.pk > max(Event.objects.filter(dataset=generated).values_list("pk", flat=True))


def test_every_event_keeps_the_date_rules(generated):
    events = Event.objects.filter(dataset=generated)

    for event in events:
        assert event.end_date >= event.start_date
        assert date_errors(event.start_date, event.end_date, event.date_precision) == {}
    for event in events.order_by("?")[:25]:
        event.full_clean()


def test_dates_come_in_every_precision_with_some_spans_and_ongoing_events(generated):
    events = Event.objects.filter(dataset=generated)
    precisions = Counter(events.values_list("date_precision", flat=True))

    assert precisions[DatePrecision.DAY] > COUNT * 0.7
    assert precisions[DatePrecision.MONTH] > COUNT * 0.08
    assert precisions[DatePrecision.YEAR] > 0
    assert events.filter(date_precision=DatePrecision.DAY, end_date__gt=F("start_date")).exists()
    assert events.filter(ongoing=True).exists()


def test_several_events_share_a_day(generated):
    per_day = (
        Event.objects.filter(dataset=generated, date_precision=DatePrecision.DAY)
        .values("start_date")
        .annotate(events=Count("id"))
        .order_by("-events")
    )

    assert per_day[0]["events"] >= 5
    assert len(per_day) < COUNT / 2


def test_an_events_country_is_its_locations(generated):
    events = Event.objects.filter(dataset=generated)

    assert not events.filter(location__isnull=True).exists()
    assert not events.exclude(country_code=F("location__country_code")).exists()
    assert events.values("country_code").distinct().count() > 10


def test_events_have_about_two_distinct_actors_each_in_known_roles(generated):
    links = EventActor.objects.filter(event__dataset=generated)
    per_event = Counter(links.values_list("event_id", flat=True))

    assert len(per_event) == COUNT
    assert 1.7 < statistics.mean(per_event.values()) < 2.4
    assert min(per_event.values()) >= 1
    assert max(per_event.values()) <= 4
    assert set(links.values_list("role", flat=True)) <= set(ActorRole.values)


def test_events_have_about_one_source_each_with_a_quote(generated):
    links = EventSource.objects.filter(event__dataset=generated)

    assert 0.8 * COUNT < links.count() < 1.2 * COUNT
    assert not links.filter(quote="").exists()


def test_locations_have_coordinates_of_mixed_precision_and_valid_countries(generated):
    locations = Location.objects.filter(events__dataset=generated).distinct()

    for location in locations:
        location.full_clean()
    assert len(set(locations.values_list("coordinate_precision", flat=True))) >= 3
    assert len(set(locations.values_list("kind", flat=True))) >= 2


def test_actors_have_aliases_some_accented_and_are_searchable(generated):
    actors = list(Actor.objects.all())

    assert len({actor.kind for actor in actors}) >= 4
    for actor in actors:
        actor.full_clean()
        assert 1 <= len(actor.aliases) <= 3
        assert actor.search_text == "\n".join(fold(name) for name in [actor.name, *actor.aliases])
    assert any(not alias.isascii() for actor in actors for alias in actor.aliases)


def test_a_word_of_a_title_finds_its_event(api, generated):
    event = Event.objects.filter(dataset=generated).select_related("location").first()

    word = max(event.location.name.split(), key=len)  # the made-up one, not "Port"

    response = api.get(reverse("event-list"), {"q": word})

    assert response.status_code == HTTPStatus.OK
    assert event.id in [found["id"] for found in response.json()["results"]]


def test_it_does_not_write_to_the_change_log(generated):
    assert Change.objects.count() == 0


def test_progress_is_reported_after_each_batch():
    seen: list[int] = []

    events_generate(count=250, seed=1, batch_size=100, progress=seen.append)

    assert seen == [100, 200, 250]


def test_a_second_run_into_the_same_dataset_is_refused(generated):
    with pytest.raises(GenerateError, match="already has events"):
        events_generate(count=COUNT, seed=7, dataset=generated)

    assert Event.objects.filter(dataset=generated).count() == COUNT


def test_the_command_prints_a_summary():
    out, err = io.StringIO(), io.StringIO()

    call_command("generate_events", "--count", "120", "--seed", "5", stdout=out, stderr=err)

    assert "120 events" in out.getvalue()
    assert "events/s" in out.getvalue()
    assert err.getvalue() == ""  # no progress when stderr is not a terminal
    assert Event.objects.filter(dataset="synthetic").count() == 120


def test_the_command_refuses_a_dataset_that_has_events(generated):
    with pytest.raises(CommandError, match="already has events"):
        call_command("generate_events", "--count", "10", "--seed", "1", "--dataset", generated)
