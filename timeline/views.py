"""Read-only API views. Thin ViewSets: the query each one runs is in get_queryset()."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from timeline.errors import QueryParameterError
from timeline.filters import EventFilterSet
from timeline.models import Actor, Event, EventActor, EventSource, EventType, Location
from timeline.serializers import (
    ActorSerializer,
    EventSerializer,
    EventTypeSerializer,
    LocationSerializer,
)

# Digits only, at most 18 of them: anything else is not an id of ours, and an id
# beyond 64 bits would overflow SQLite's integers (a 500) instead of giving a 404.
ID_PATTERN = r"[0-9]{1,18}"


def events_with_related(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Events with everything EventSerializer reads, in three queries for any page size:
    the events joined to their type and location, their actors, their sources."""
    return queryset.select_related("event_type", "location").prefetch_related(
        Prefetch("event_actors", queryset=EventActor.objects.select_related("actor")),
        Prefetch("event_sources", queryset=EventSource.objects.select_related("source")),
    )


class StrictQueryParamsMixin:
    """Answer 400 to a query parameter the endpoint does not know (a misspelled filter
    must never return the whole table) and to NUL bytes anywhere in the query."""

    always_allowed = ("format",)

    def allowed_query_params(self) -> set[str]:
        allowed = set(self.always_allowed)
        if getattr(self, "action", None) == "retrieve":
            return allowed
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            allowed |= set(paginator.query_params)
        return allowed

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        allowed = self.allowed_query_params()
        errors: dict[str, list[str]] = {}
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                errors[name.replace("\x00", "")] = ["NUL bytes are not allowed."]
            elif name not in allowed:
                errors[name] = [f"Unknown parameter. Accepted: {', '.join(sorted(allowed))}."]
            elif len(values) > 1:
                errors[name] = ["Give this parameter once (a list is comma-separated)."]
        if errors:
            raise QueryParameterError(errors)


class EventViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """Events: what happened, when, where, to whom, and on what evidence."""

    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Event]:
        return events_with_related(Event.objects.order_by("-start_date", "-id"))


class ActorViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """People, states, armed forces, groups and organisations that take part in events."""

    serializer_class = ActorSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Actor]:
        return Actor.objects.order_by("name", "id")


class ActorTimelineView(StrictQueryParamsMixin, generics.ListAPIView):
    """The events one actor took part in, oldest first; every event filter applies."""

    serializer_class = EventSerializer
    filterset_class = EventFilterSet

    @extend_schema(operation_id="actors_events_list", summary="An actor's timeline")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Event.objects.none()
        actor = get_object_or_404(Actor, pk=self.kwargs["pk"])
        return events_with_related(
            Event.objects.filter(event_actors__actor=actor).order_by("start_date", "id")
        )


class LocationViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """Places events happen in: countries, regions, cities, sites, seas."""

    serializer_class = LocationSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Location]:
        return Location.objects.order_by("name", "id")


class EventTypeViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """The event vocabulary (PLOVER): quad categories, event types and their modes.

    Small and fixed, so returned whole, without pagination."""

    serializer_class = EventTypeSerializer
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9.-]{1,64}"

    def get_queryset(self) -> QuerySet[EventType]:
        return EventType.objects.select_related("parent").order_by("code")
