"""Read-only API views. Thin views: the query each one runs is in get_queryset()."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from timeline.countries import country_name, to_alpha3
from timeline.errors import QueryParameterError
from timeline.filters import (
    ActorFilterSet,
    EventCountFilterSet,
    EventFilterSet,
    EventTypeFilterSet,
    LocationFilterSet,
)
from timeline.models import Actor, Event, EventType, Location
from timeline.renderers import EventCSVRenderer, EventGeoJSONRenderer
from timeline.serializers import (
    ActorSerializer,
    CountrySerializer,
    EventSerializer,
    EventStatsSerializer,
    EventTypeSerializer,
    LocationSerializer,
)
from timeline.stats import GROUPS, MAX_GROUPS, event_stats, parse_group_by

# Digits only, at most 18 of them: anything else is not an id of ours, and an id
# beyond 64 bits would overflow SQLite's integers (a 500) instead of giving a 404.
ID_PATTERN = r"[0-9]{1,18}"

EVENT_FIELDS = tuple(EventSerializer.Meta.fields)
EVENT_RENDERERS = [JSONRenderer, EventCSVRenderer, EventGeoJSONRenderer]


class StrictQueryParamsMixin:
    """Answer 400 to a query parameter the endpoint does not know (a misspelled filter
    must never return the whole table), to a repeated one, and to NUL bytes anywhere
    in the query. Errors are always JSON, whatever format was asked for."""

    extra_query_params: tuple[str, ...] = ()
    paginated_actions = ("list",)

    def allowed_query_params(self) -> set[str]:
        allowed = {"format", *self.extra_query_params}
        if getattr(self, "action", "list") == "retrieve":
            return allowed
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        paginator = getattr(self, "paginator", None)
        if paginator is not None and getattr(self, "action", "list") in self.paginated_actions:
            allowed |= set(paginator.query_params)
        return allowed

    def check_query_params(self, request: Request) -> None:
        allowed = self.allowed_query_params()
        errors: dict[str, list[str]] = {}
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                errors[name.replace("\x00", "")] = ["NUL bytes are not allowed."]
            elif name not in allowed:
                errors[name] = [f"Unknown parameter. Accepted: {', '.join(sorted(allowed))}."]
            elif len(values) > 1:
                errors[name] = ["Give this parameter once (a list is comma-separated)."]
        formats = [renderer.format for renderer in self.get_renderers()]  # type: ignore[attr-defined]
        wanted = request.query_params.get("format")
        if wanted and "format" not in errors and wanted not in formats:
            errors["format"] = [f"One of: {', '.join(formats)}."]
        if errors:
            raise QueryParameterError(errors)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.check_query_params(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = JSONRenderer()  # type: ignore[attr-defined]
        self.request.accepted_media_type = JSONRenderer.media_type  # type: ignore[attr-defined]
        return super().handle_exception(exc)  # type: ignore[misc]


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


class EventListMixin(StrictQueryParamsMixin):
    """What the event lists share: the `fields` selection and the three formats."""

    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    renderer_classes = EVENT_RENDERERS
    extra_query_params = ("fields",)

    def selected_fields(self) -> list[str]:
        raw = self.request.query_params.get("fields", "")  # type: ignore[attr-defined]
        if not raw:
            return list(EVENT_FIELDS)
        wanted = [name.strip() for name in raw.split(",")]
        if "" in wanted:
            raise QueryParameterError({"fields": ["An empty item in the list."]})
        unknown = [name for name in wanted if name not in EVENT_FIELDS]
        if unknown:
            raise QueryParameterError(
                {
                    "fields": [
                        f"Unknown field(s) {', '.join(unknown)}: any of {', '.join(EVENT_FIELDS)}."
                    ]
                }
            )
        if self.wants_geojson():
            wanted += ["id", "location"]  # a feature's id and geometry
        return [name for name in EVENT_FIELDS if name in wanted]

    def wants_geojson(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)  # type: ignore[attr-defined]
        return getattr(renderer, "format", None) == "geojson"

    def get_serializer(self, *args: Any, **kwargs: Any) -> EventSerializer:
        kwargs.setdefault("fields", self.selected_fields())
        return super().get_serializer(*args, **kwargs)  # type: ignore[misc]

    def events(self, queryset: QuerySet[Event]) -> QuerySet[Event]:
        if self.wants_geojson():
            queryset = queryset.filter(location__latitude__isnull=False)
        return queryset.with_related(self.selected_fields())


class EventViewSet(EventListMixin, viewsets.ReadOnlyModelViewSet):
    """Events: what happened, when, where, to whom, and on what evidence."""

    lookup_value_regex = ID_PATTERN
    paginated_actions = ("list",)

    def get_queryset(self) -> QuerySet[Event]:
        return self.events(Event.objects.order_by("-start_date", "-id"))

    def get_renderers(self) -> list[Any]:
        if getattr(self, "action", None) in ("list", None):
            return super().get_renderers()
        return [JSONRenderer()]

    def allowed_query_params(self) -> set[str]:
        allowed = super().allowed_query_params()
        if getattr(self, "action", None) == "stats":
            allowed = (allowed | {"group_by"}) - {"fields"}
        return allowed

    @extend_schema(parameters=[FIELDS_PARAMETER, FORMAT_PARAMETER], responses=EVENT_LIST_RESPONSES)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[FIELDS_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

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
        detail=False, methods=["get"], pagination_class=None, filterset_class=EventCountFilterSet
    )
    def stats(self, request: Request) -> Response:
        group_by = parse_group_by(request.query_params.get("group_by", ""))
        queryset = self.filter_queryset(Event.objects.all())
        return Response(event_stats(queryset, group_by))


class ActorTimelineView(EventListMixin, generics.ListAPIView):
    """The events one actor took part in, oldest first; every event filter applies."""

    @extend_schema(
        operation_id="actors_events_list",
        summary="An actor's timeline",
        parameters=[FIELDS_PARAMETER, FORMAT_PARAMETER],
        responses=EVENT_LIST_RESPONSES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Event.objects.none()
        actor = get_object_or_404(Actor, pk=self.kwargs["pk"])
        return self.events(
            Event.objects.filter(event_actors__actor=actor).order_by("start_date", "id")
        )


class ActorViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """People, states, armed forces, groups and organisations that take part in events."""

    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Actor]:
        return Actor.objects.order_by("name", "id")


class LocationViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """Places events happen in: countries, regions, cities, sites, seas."""

    serializer_class = LocationSerializer
    filterset_class = LocationFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Location]:
        return Location.objects.order_by("name", "id")


class EventTypeViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """The event vocabulary (PLOVER): quad categories, event types and their modes.

    Small and fixed, so returned whole, without pagination."""

    serializer_class = EventTypeSerializer
    filterset_class = EventTypeFilterSet
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9.-]{1,64}"

    def get_queryset(self) -> QuerySet[EventType]:
        return EventType.objects.select_related("parent").order_by("code")


class CountryListView(StrictQueryParamsMixin, generics.ListAPIView):
    """The countries that have events, with their event counts (a country picker).

    Every event filter applies, so the counts can be of a date range or event type."""

    serializer_class = CountrySerializer
    filterset_class = EventCountFilterSet
    pagination_class = None

    @extend_schema(operation_id="countries_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.exclude(country_code="").order_by()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        counts = (
            self.filter_queryset(self.get_queryset())
            .values(code=F("country_code"))
            .annotate(event_count=Count("id"))
            .order_by("code")
        )
        rows = [
            {
                "code": row["code"],
                "alpha3": to_alpha3(row["code"]),
                "name": country_name(row["code"]),
                "event_count": row["event_count"],
            }
            for row in counts
        ]
        return Response(CountrySerializer(rows, many=True).data)
