"""API views: declarations, and the query each one runs in get_queryset(). What they
share (strict parameters, Last-Modified, JSON errors, the event lists' fields and
formats) is in timeline.api.mixins; writes go through timeline.services.records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from timeline.api.filters import (
    ActorFilterSet,
    ChangeFilterSet,
    EventCountFilterSet,
    EventTypeFilterSet,
    LocationFilterSet,
)
from timeline.api.mixins import ApiViewMixin, EventListMixin, body_problems
from timeline.api.renderers import ExportFormat, ORJSONRenderer
from timeline.api.serializers import (
    ActorSerializer,
    ChangeSerializer,
    CountrySerializer,
    DeletionSerializer,
    EventSerializer,
    EventStatsSerializer,
    EventTypeSerializer,
    EventWriteSerializer,
    LocationSerializer,
    SourceSerializer,
)
from timeline.api.stats import GROUPS, MAX_GROUPS, country_counts, event_stats, parse_group_by
from timeline.event_shape import EVENT_FIELDS
from timeline.models import Actor, Change, ChangeEntity, Event, EventType, Location, Source
from timeline.representation.export import EXPORT_FORMATS, events_export
from timeline.services.records import (
    Validate,
    Written,
    etag_of,
    record_create,
    record_delete,
    record_update,
)


class CuratedMixin:
    """Writes for curators: token-authenticated, with the model's Django permission
    (DjangoModelPermissionsOrAnonReadOnly), a reason required on DELETE. The write
    services (timeline.services.records) check If-Match, run the body's validation
    under their lock and log the change; the answer is the record as they logged it,
    with its ETag."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    write_serializer_class: type[serializers.Serializer] | None = None
    filterset_class: type[Any] | None = None
    change_entity: str = ""
    action_query_params = {"destroy": tuple(DeletionSerializer().fields)}

    # -- the answer: the record as the write logged it, with its ETag -----------------
    def answer(self, written: Written, status_code: int = status.HTTP_200_OK) -> Response:
        headers = {"ETag": written.etag}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(  # type: ignore[attr-defined]
                reverse(f"{self.basename}-detail", args=[written.instance.pk])  # type: ignore[attr-defined]
            )
        return Response(written.data, status=status_code, headers=headers)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        if "fields" not in request.query_params:  # the ETag is the whole record's version
            response["ETag"] = etag_of(response.data)
        if updated_at := response.data.get("updated_at"):
            response["Last-Modified"] = http_date(parse_datetime(updated_at).timestamp())
        return response

    # -- writes -------------------------------------------------------------------------
    def write_serializer(self, *args: Any, **kwargs: Any) -> serializers.Serializer:
        serializer_class = self.write_serializer_class or self.get_serializer_class()  # type: ignore[attr-defined]
        return serializer_class(*args, context=self.get_serializer_context(), **kwargs)  # type: ignore[attr-defined]

    def validated(self, serializer: serializers.Serializer) -> dict[str, Any]:
        """The body, validated whole. A field the record does not have is an error, at
        any depth (a misspelled field must never be dropped silently); read-only fields
        (an id sent back) are ignored; NUL bytes are refused wherever they are."""
        # First, before any lookup: a NUL byte must not reach PostgreSQL.
        if problems := body_problems(serializer, serializer.initial_data):
            raise ValidationError(problems)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def body_validation(self, request: Request, partial: bool = False) -> Validate:
        """The body's validation, for the write service to run against the record it
        locked (None when creating). The body is read now, before the service takes the
        change lock, which a slow client must not hold; a body that cannot be parsed is
        refused when the validation runs, so the checks keep their order."""
        body: Any = None
        unreadable: APIException | None = None
        try:
            body = request.data
        except APIException as error:
            unreadable = error

        def validate(instance: Any) -> dict[str, Any]:
            if unreadable is not None:
                raise unreadable
            serializer = self.write_serializer(instance, data=body, partial=partial)
            values = self.validated(serializer)
            if instance is not None and not partial:  # PUT: what the body leaves out is reset
                values = {**self.defaults(serializer), **values}
            return values

        return validate

    def on_record(self, write: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a write service on the record the URL names, with the request's If-Match.
        A record that is not there gets get_object()'s 404, which names what was asked."""
        model = self.get_queryset().model  # type: ignore[attr-defined]
        if_match = self.request.headers.get("If-Match")  # type: ignore[attr-defined]
        try:
            return write(model=model, pk=self.kwargs["pk"], if_match=if_match, **kwargs)  # type: ignore[attr-defined]
        except model.DoesNotExist:
            self.get_object()  # type: ignore[attr-defined]
            raise

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a record; the answer is the record as read, with its ETag."""
        validate = self.body_validation(request)
        model = self.get_queryset().model  # type: ignore[attr-defined]
        written = record_create(model=model, validate=validate, user=request.user)
        return self.answer(written, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        validate = self.body_validation(request, partial=kwargs.get("partial", False))
        return self.answer(self.on_record(record_update, validate=validate, user=request.user))

    @extend_schema(parameters=[DeletionSerializer])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the record. The reason (and duplicate_of, note) go in the query string
        and stay in the change feed's tombstone."""

        def deletion(instance: Any) -> dict[str, Any]:
            serializer = DeletionSerializer(data=request.query_params)
            serializer.is_valid(raise_exception=True)
            return dict(serializer.validated_data)

        self.on_record(record_delete, validate=deletion, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def defaults(self, serializer: serializers.Serializer) -> dict[str, Any]:
        """The value of each writable field when a PUT leaves it out."""
        if isinstance(serializer, EventWriteSerializer):
            return serializer.put_defaults()
        model = self.get_queryset().model  # type: ignore[attr-defined]
        return {
            name: model._meta.get_field(field.source).get_default()
            for name, field in serializer.fields.items()
            if not field.read_only
        }

    # -- history --------------------------------------------------------------------------
    @extend_schema(responses=ChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, serializer_class=ChangeSerializer)
    def history(self, request: Request, pk: str) -> Response:
        """Every version of the record, oldest first, with who changed it and when."""
        changes = Change.objects.filter(entity=self.change_entity, object_id=pk)
        page = self.paginate_queryset(changes.select_related("user").order_by("at", "id"))  # type: ignore[attr-defined]
        if not page and not request.query_params.get("cursor"):
            raise NotFound("No record with this id has ever existed.")
        return self.get_paginated_response(ChangeSerializer(page, many=True).data)  # type: ignore[attr-defined]


FIELDS_PARAMETER = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Only these top-level fields of each event (comma-separated), e.g. "
    f"id,title,start_date. Any of: {', '.join(EVENT_FIELDS)}. Leaving out actors or "
    "sources also saves their queries.",
    pattern=rf"^({'|'.join(EVENT_FIELDS)})(,({'|'.join(EVENT_FIELDS)}))*$",
)
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "geojson"],
    description="json (default), csv (one row per event, lists joined with '; ', links in "
    "the Link header) or geojson (a FeatureCollection of the events that have "
    "coordinates). The Accept header (application/json, text/csv, application/geo+json) "
    "works too.",
)
GROUP_BY_PARAMETER = OpenApiParameter(
    "group_by",
    OpenApiTypes.STR,
    required=True,
    description=f"One or two of {', '.join(GROUPS)}, comma-separated (country,month: a "
    "timeline per country).",
    pattern=rf"^({'|'.join(GROUPS)})(,({'|'.join(GROUPS)}))?$",
)
EVENT_LIST_RESPONSES = {
    (200, "application/json"): EventSerializer(many=True),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per event"),
    (200, "application/geo+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection"
    ),
}


class RecordViewSet(ApiViewMixin, CuratedMixin, viewsets.ModelViewSet):
    """A kind of record: read by anyone, written by curators (CuratedMixin)."""

    lookup_value_converter = "id"


@extend_schema_view(
    list=extend_schema(
        parameters=[FIELDS_PARAMETER, FORMAT_PARAMETER], responses=EVENT_LIST_RESPONSES
    ),
    retrieve=extend_schema(parameters=[FIELDS_PARAMETER]),
)
class EventViewSet(EventListMixin, RecordViewSet):
    """Events: what happened, when, where, to whom, and on what evidence."""

    filtered_actions = ("list", "stats", "export")
    write_serializer_class = EventWriteSerializer
    change_entity = ChangeEntity.EVENT

    def get_queryset(self) -> QuerySet[Event]:
        return self.events(Event.objects.order_by("-start_date", "-id"))

    def get_renderers(self) -> list[Any]:
        action = getattr(self, "action", None)
        if action in ("list", None):
            return super().get_renderers()
        if action == "export":
            return [ExportFormat(name, media_type) for name, media_type in EXPORT_FORMATS.items()]
        return [ORJSONRenderer()]

    @extend_schema(
        operation_id="events_export",
        summary="Export events (streamed)",
        description="Every matching event, in id order, as CSV (default), JSON Lines or "
        "GeoJSON, streamed: no pagination, memory that does not grow with the result. "
        "Takes every event filter.",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=list(EXPORT_FORMATS),
                description="csv "
                "(default), jsonl (one event per line, as in the JSON API) or geojson.",
            )
        ],
        filters=True,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filterset_class=EventCountFilterSet,
        extra_query_params=(),  # the event filters only: no fields
    )
    def export(self, request: Request) -> StreamingHttpResponse:
        export_format = request.accepted_renderer.format
        queryset = self.filter_queryset(Event.objects.all())
        response = StreamingHttpResponse(
            events_export(queryset, export_format),
            content_type=f"{EXPORT_FORMATS[export_format]}; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="events.{export_format}"'
        return response

    @extend_schema(
        operation_id="events_stats",
        summary="Count events by group",
        description="The number of matching events in each group, sorted by the group keys, "
        "with every event filter. Dates group by the event's start date; under "
        "group_by=actor an event counts once for each of its actors. At most "
        f"{MAX_GROUPS} groups: truncated is true when there were more.",
        parameters=[GROUP_BY_PARAMETER],
        filters=True,
        responses=EventStatsSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filterset_class=EventCountFilterSet,
        extra_query_params=("group_by",),  # and the event filters; no fields
    )
    def stats(self, request: Request) -> Response:
        group_by = parse_group_by(request.query_params.get("group_by", ""))
        queryset = self.filter_queryset(Event.objects.all())
        return Response(event_stats(queryset, group_by))


@extend_schema_view(
    get=extend_schema(
        operation_id="actors_events_list",
        summary="An actor's timeline",
        parameters=[FIELDS_PARAMETER, FORMAT_PARAMETER],
        responses=EVENT_LIST_RESPONSES,
    )
)
class ActorTimelineView(EventListMixin, generics.ListAPIView):
    """The events one actor took part in, oldest first; every event filter applies."""

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Event.objects.none()
        actor = get_object_or_404(Actor, pk=self.kwargs["pk"])
        return self.events(
            Event.objects.filter(event_actors__actor=actor).order_by("start_date", "id")
        )


class ActorViewSet(RecordViewSet):
    """People, states, armed forces, groups and organisations that take part in events."""

    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    change_entity = ChangeEntity.ACTOR

    def get_queryset(self) -> QuerySet[Actor]:
        return Actor.objects.order_by("name", "id")


class LocationViewSet(RecordViewSet):
    """Places events happen in: countries, regions, cities, sites, seas."""

    serializer_class = LocationSerializer
    filterset_class = LocationFilterSet
    change_entity = ChangeEntity.LOCATION

    def get_queryset(self) -> QuerySet[Location]:
        return Location.objects.order_by("name", "id")


class SourceViewSet(RecordViewSet):
    """The reports, articles and records events rest on."""

    serializer_class = SourceSerializer
    change_entity = ChangeEntity.SOURCE

    def get_queryset(self) -> QuerySet[Source]:
        return Source.objects.order_by("publisher", "id")


class ChangeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The change feed: every create, update and delete, oldest first.

    Replaying it from the start (or from the last change seen) brings a copy of the
    data exactly up to date: apply each change's data, drop the record on a deletion."""

    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet
    lookup_value_converter = "id"

    def get_queryset(self) -> QuerySet[Change]:
        return Change.objects.select_related("user").order_by("at", "id")


class EventTypeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The event vocabulary (PLOVER): quad categories, event types and their modes.

    Small and fixed, so returned whole, without pagination."""

    serializer_class = EventTypeSerializer
    filterset_class = EventTypeFilterSet
    pagination_class = None
    lookup_field = "code"
    lookup_value_converter = "event_type_code"

    def get_queryset(self) -> QuerySet[EventType]:
        return EventType.objects.select_related("parent").order_by("code")


@extend_schema_view(get=extend_schema(operation_id="countries_list"))
class CountryListView(ApiViewMixin, generics.ListAPIView):
    """The countries that have events, with their event counts (a country picker).

    Every event filter applies, so the counts can be of a date range or event type."""

    serializer_class = CountrySerializer
    filterset_class = EventCountFilterSet
    pagination_class = None

    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.exclude(country_code="").order_by()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = country_counts(self.filter_queryset(self.get_queryset()))
        return Response(CountrySerializer(rows, many=True).data)
