from __future__ import annotations

import datetime as dt

import factory

from timeline.models import (
    Actor,
    ActorKind,
    ActorRole,
    CoordinatePrecision,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    LocationKind,
    Source,
)


def event_type(code: str = "consult.visit") -> EventType:
    """A term of the vocabulary the data migration loaded."""
    return EventType.objects.get(code=code)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Place {n}")
    kind = LocationKind.CITY
    country_code = "OM"
    latitude = 23.6
    longitude = 58.4
    coordinate_precision = CoordinatePrecision.EXACT


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = ActorKind.PERSON
    country_code = "IR"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    publisher = "The Example Post"
    title = factory.Sequence(lambda n: f"Report {n}")
    published_on = dt.date(2024, 10, 2)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    summary = "Something happened."
    event_type = factory.LazyFunction(event_type)
    start_date = dt.date(2024, 9, 30)
    end_date = factory.SelfAttribute("start_date")
    location = factory.SubFactory(LocationFactory)


class EventActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventActor

    event = factory.SubFactory(EventFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ActorRole.PARTICIPANT


class EventSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSource

    event = factory.SubFactory(EventFactory)
    source = factory.SubFactory(SourceFactory)
    quote = "A sentence that supports the event."
