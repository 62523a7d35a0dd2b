"""Shapes of the API. Each serializer names its fields: the read shapes of events and the
records they nest take them from timeline.event_shape, the others list them.

Actors, locations and sources are written in the shape they are read. Events are
written in their own shape (EventWriteSerializer: ids and codes instead of nested
objects, partial dates) and always answered in the read shape (EventSerializer).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from timeline.event_shape import (
    ACTOR,
    ACTORS,
    EVENT_FIELDS,
    EVENT_TYPE,
    LOCATION,
    SOURCE,
    SOURCES,
    Kind,
    Linked,
)
from timeline.models import (
    Actor,
    ActorRole,
    Certainty,
    Change,
    DatePrecision,
    DeletionReason,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    Source,
)
from timeline.vocabulary.dates import PARTIAL_DATE_PATTERN, date_errors, parse_partial_date


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
    event_count = serializers.IntegerField(
        required=False, help_text="On 409: how many events use the record."
    )


class EventTypeBriefSerializer(serializers.ModelSerializer[EventType]):
    class Meta:
        model = EventType
        fields = list(EVENT_TYPE.names)


class EventTypeSerializer(serializers.ModelSerializer[EventType]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = EventType
        fields = [*EVENT_TYPE.names, "parent", "description"]


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = list(LOCATION.names)


class ActorSerializer(serializers.ModelSerializer[Actor]):
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=100, required=False
    )

    class Meta:
        model = Actor
        fields = list(ACTOR.names)


class SourceSerializer(serializers.ModelSerializer[Source]):
    class Meta:
        model = Source
        fields = list(SOURCE.names)


# The serializer field that reads each kind of value (timeline.event_shape.Kind).
READ_FIELDS: dict[Kind, type[serializers.Field]] = {
    Kind.INT: serializers.IntegerField,
    Kind.TEXT: serializers.CharField,
    Kind.FLOAT: serializers.FloatField,
    Kind.BOOL: serializers.BooleanField,
    Kind.DATE: serializers.DateField,
    Kind.DATETIME: serializers.DateTimeField,
    Kind.JSON: serializers.JSONField,
}


# A link row of an event (``linked``: its entry in timeline.event_shape) read as the
# record it links to, with the link's own fields: the record's fields are read-only
# fields with the source "<via>.<name>". (A comment, not a docstring: the schema would
# show it for the serializers without one of their own.)
class LinkSerializer(serializers.ModelSerializer):
    linked: ClassVar[Linked]

    def build_field(
        self, field_name: str, info: Any, model_class: Any, nested_depth: int
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        if field_name in {field.name for field in self.linked.link_fields}:
            return super().build_field(field_name, info, model_class, nested_depth)
        via = self.linked.via
        (field,) = (field for field in self.linked.record.in_event if field.name == field_name)
        kwargs: dict[str, Any] = {"source": f"{via}.{field_name}", "read_only": True}
        if field.null:
            kwargs["allow_null"] = True
        model = model_class._meta.get_field(via).related_model
        if choices := model._meta.get_field(field_name).choices:
            return serializers.ChoiceField, {**kwargs, "choices": choices}
        return READ_FIELDS[field.kind], kwargs


class EventActorSerializer(LinkSerializer, serializers.ModelSerializer[EventActor]):
    """An actor as it appears in an event: who, and in what role."""

    linked = ACTORS

    class Meta:
        model = EventActor
        fields = list(ACTORS.names)


class EventSourceSerializer(LinkSerializer, serializers.ModelSerializer[EventSource]):
    linked = SOURCES

    class Meta:
        model = EventSource
        fields = list(SOURCES.names)


class EventSerializer(serializers.ModelSerializer[Event]):
    """An event as read. ``fields`` (a list of field names) keeps only those fields."""

    event_type = EventTypeBriefSerializer(read_only=True)
    location = LocationSerializer(read_only=True, allow_null=True)
    actors = EventActorSerializer(source=ACTORS.relation, many=True, read_only=True)
    sources = EventSourceSerializer(source=SOURCES.relation, many=True, read_only=True)

    class Meta:
        model = Event
        fields = list(EVENT_FIELDS)

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


# -- writes ----------------------------------------------------------------------------
class IdField(serializers.PrimaryKeyRelatedField):
    """A record's id: a JSON integer, nothing else (DRF's field would take 1.9 as 1,
    "1" as 1 and true as 1, and link a record nobody named)."""

    def to_internal_value(self, data: Any) -> Any:
        if type(data) is not int:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class EventActorInputSerializer(serializers.Serializer):
    actor = IdField(queryset=Actor.objects.all())
    role = serializers.ChoiceField(choices=ActorRole.choices)


class EventSourceInputSerializer(serializers.Serializer):
    source = IdField(queryset=Source.objects.all())
    quote = serializers.CharField(max_length=5000)


class EventWriteSerializer(serializers.Serializer):
    """An event as written. Dates may be partial: start_date "2002-06" with precision
    month means 2002-06-01..2002-06-30; end_date defaults to the end of start_date's
    span, and date_precision to start_date's granularity (YYYY: year, YYYY-MM: month,
    YYYY-MM-DD: day)."""

    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(max_length=20000, allow_blank=True, required=False)
    event_type = serializers.SlugRelatedField(
        slug_field="code", queryset=EventType.objects.all(), help_text="An event type code."
    )
    start_date = serializers.RegexField(
        PARTIAL_DATE_PATTERN, help_text="YYYY, YYYY-MM or YYYY-MM-DD."
    )
    end_date = serializers.RegexField(
        PARTIAL_DATE_PATTERN,
        required=False,
        allow_null=True,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD; defaults to the end of start_date's span.",
    )
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    ongoing = serializers.BooleanField(required=False)
    certainty = serializers.ChoiceField(choices=Certainty.choices, required=False)
    location = IdField(queryset=Location.objects.all(), allow_null=True, required=False)
    actors = EventActorInputSerializer(many=True, required=False, max_length=200)
    sources = EventSourceInputSerializer(many=True, required=False, max_length=200)

    def put_defaults(self) -> dict[str, Any]:
        """What a PUT resets the fields it leaves out to (the dates are derived from
        start_date, which a PUT must give)."""
        return {
            "summary": "",
            "ongoing": False,
            "certainty": Certainty.REPORTED,
            "location": None,
            "actors": [],
            "sources": [],
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Event | None = self.instance
        if instance is None or {"start_date", "end_date", "date_precision"} & set(attrs):
            attrs.update(self._dates(attrs, instance))
        for name, key in (("actors", "actor"), ("sources", "source")):
            links = attrs.get(name, [])
            seen = [link[key].pk for link in links]
            if repeated := sorted({pk for pk in seen if seen.count(pk) > 1}):
                raise serializers.ValidationError(
                    {name: [f"{key.capitalize()} {pk} appears more than once." for pk in repeated]}
                )
        return attrs

    def _dates(self, attrs: dict[str, Any], instance: Event | None) -> dict[str, Any]:
        """start_date, end_date and date_precision as stored, from partial dates."""
        start_text = attrs.get("start_date")
        if start_text is None:  # a PATCH of end_date or precision alone
            start_text = instance.start_date.isoformat() if instance else ""
        if "end_date" in attrs:  # null: the end of start_date's span
            end_text = attrs["end_date"]
        elif "start_date" not in attrs and instance is not None:
            end_text = instance.end_date.isoformat()
        else:
            end_text = None
        try:
            start = parse_partial_date(start_text)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"start_date": error.messages}) from None
        try:
            end = parse_partial_date(end_text) if end_text else start
        except DjangoValidationError as error:
            raise serializers.ValidationError({"end_date": error.messages}) from None
        granularity = {4: DatePrecision.YEAR, 7: DatePrecision.MONTH}.get(
            len(start_text), DatePrecision.DAY
        )
        precision = attrs.get("date_precision") or (
            instance.date_precision if instance and "start_date" not in attrs else granularity
        )
        if errors := date_errors(start.first, end.last, precision):
            raise serializers.ValidationError(errors)
        return {"start_date": start.first, "end_date": end.last, "date_precision": precision}


class DeletionSerializer(serializers.Serializer):
    """Why a record is deleted: kept in its tombstone in the change feed."""

    reason = serializers.ChoiceField(choices=DeletionReason.choices)
    duplicate_of = serializers.RegexField(
        r"^[0-9]{1,18}$",
        required=False,
        help_text="With reason duplicate: the record kept (an id).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "duplicate_of" in attrs:
            attrs["duplicate_of"] = int(attrs["duplicate_of"])
        duplicate = attrs.get("reason") == DeletionReason.DUPLICATE
        if duplicate and not attrs.get("duplicate_of"):
            raise serializers.ValidationError(
                {"duplicate_of": ["Name the record this one duplicates."]}
            )
        if not duplicate and attrs.get("duplicate_of"):
            raise serializers.ValidationError({"duplicate_of": ["Only for reason duplicate."]})
        return attrs


class ChangeSerializer(serializers.ModelSerializer[Change]):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    data = serializers.JSONField(
        allow_null=True, help_text="The record as it read after the change; null when deleted."
    )

    class Meta:
        model = Change
        fields = [
            "id",
            "at",
            "entity",
            "object_id",
            "action",
            "user",
            "data",
            "reason",
            "duplicate_of",
            "note",
        ]
