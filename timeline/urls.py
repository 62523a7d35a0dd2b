from __future__ import annotations

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from timeline import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("events", views.EventViewSet, basename="event")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("locations", views.LocationViewSet, basename="location")
router.register("event-types", views.EventTypeViewSet, basename="event-type")

urlpatterns = [
    re_path(
        rf"^actors/(?P<pk>{views.ID_PATTERN})/events/$",
        views.ActorTimelineView.as_view(),
        name="actor-events",
    ),
    re_path(r"^countries/$", views.CountryListView.as_view(), name="country-list"),
    *router.urls,
]
