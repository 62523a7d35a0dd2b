"""Read shapes of the API. Each serializer lists its fields explicitly."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from timeline.models import (
    Actor,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
)


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response (documentation only)."""

    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="Machine-readable error code, e.g. not_found.")
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On validation errors: each offending query parameter or field, with its "
        "messages.",
    )


class EventTypeBriefSerializer(serializers.ModelSerializer[EventType]):
    class Meta:
        model = EventType
        fields = ["code", "label"]


class EventTypeSerializer(serializers.ModelSerializer[EventType]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = EventType
        fields = ["code", "label", "parent", "description"]


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "kind",
            "country_code",
            "admin1",
            "latitude",
            "longitude",
            "coordinate_precision",
        ]


class ActorSerializer(serializers.ModelSerializer[Actor]):
    aliases = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "country_code", "aliases", "description", "wikidata_id"]


class EventActorSerializer(serializers.ModelSerializer[EventActor]):
    """An actor as it appears in an event: who, and in what role."""

    id = serializers.IntegerField(source="actor.id", read_only=True)
    name = serializers.CharField(source="actor.name", read_only=True)
    kind = serializers.ChoiceField(
        source="actor.kind", choices=Actor._meta.get_field("kind").choices, read_only=True
    )

    class Meta:
        model = EventActor
        fields = ["id", "name", "kind", "role"]


class EventSourceSerializer(serializers.ModelSerializer[EventSource]):
    id = serializers.IntegerField(source="source.id", read_only=True)
    url = serializers.CharField(source="source.url", read_only=True)
    publisher = serializers.CharField(source="source.publisher", read_only=True)
    title = serializers.CharField(source="source.title", read_only=True)
    published_on = serializers.DateField(
        source="source.published_on", read_only=True, allow_null=True
    )

    class Meta:
        model = EventSource
        fields = ["id", "url", "publisher", "title", "published_on", "quote"]


class EventSerializer(serializers.ModelSerializer[Event]):
    """An event as read. ``fields`` (a list of field names) keeps only those fields."""

    event_type = EventTypeBriefSerializer(read_only=True)
    location = LocationSerializer(read_only=True, allow_null=True)
    actors = EventActorSerializer(source="event_actors", many=True, read_only=True)
    sources = EventSourceSerializer(source="event_sources", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "summary",
            "event_type",
            "start_date",
            "end_date",
            "date_precision",
            "ongoing",
            "certainty",
            "location",
            "actors",
            "sources",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args: Any, fields: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in set(self.fields) - set(fields):
                self.fields.pop(name)


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    alpha3 = serializers.CharField(help_text="ISO 3166-1 alpha-3 code.")
    name = serializers.CharField(help_text="The country's short name in ISO 3166-1.")
    event_count = serializers.IntegerField(help_text="Matching events in the country.")


class EventStatsGroupSerializer(serializers.Serializer):
    """One group: its keys (those named in group_by) and its count."""

    country = serializers.CharField(
        required=False, allow_blank=True, help_text="ISO alpha-2; empty for places in no country"
    )
    event_type = serializers.CharField(required=False, help_text="Event type code")
    actor = serializers.IntegerField(
        required=False, allow_null=True, help_text="Actor id; null for events with no actor"
    )
    actor_name = serializers.CharField(required=False, allow_null=True)
    year = serializers.IntegerField(required=False)
    month = serializers.CharField(required=False, help_text="YYYY-MM")
    day = serializers.DateField(required=False)
    count = serializers.IntegerField()


class EventStatsSerializer(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.CharField())
    groups = EventStatsGroupSerializer(many=True)
    total = serializers.IntegerField(help_text="Sum of the returned groups' counts.")
    truncated = serializers.BooleanField(
        help_text="True when there were more groups than returned."
    )
