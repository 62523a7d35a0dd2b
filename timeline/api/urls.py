from __future__ import annotations

from django.urls import path, register_converter
from rest_framework.routers import DefaultRouter

from timeline.api import views


class IdConverter:
    """A record id: digits only, at most 18 of them. Anything else is not an id of
    ours, and an id beyond 64 bits would overflow SQLite's integers (a 500) instead
    of giving a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class EventTypeCodeConverter:
    regex = r"[a-z0-9.-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(EventTypeCodeConverter, "event_type_code")

router = DefaultRouter(trailing_slash=True, use_regex_path=False)
router.include_root_view = False
router.include_format_suffixes = False  # formats are chosen by ?format= or Accept
router.register("events", views.EventViewSet, basename="event")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("locations", views.LocationViewSet, basename="location")
router.register("sources", views.SourceViewSet, basename="source")
router.register("event-types", views.EventTypeViewSet, basename="event-type")
router.register("changes", views.ChangeViewSet, basename="change")

urlpatterns = [
    path("actors/<id:pk>/events/", views.ActorTimelineView.as_view(), name="actor-events"),
    path("countries/", views.CountryListView.as_view(), name="country-list"),
    *router.urls,
]
