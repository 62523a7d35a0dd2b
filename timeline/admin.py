from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from timeline.models import (
    Actor,
    ChangeAction,
    DeletionReason,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    Source,
)
from timeline.services.changes import change_record, changes_lock, events_record
from timeline.services.records import record_delete_confirmed


class LoggedChangesAdmin(admin.ModelAdmin):
    """Edits made in the admin go into the change log like the API's (the feed must
    see every change). The admin runs each save in one transaction: the lock is taken
    before the record is saved, the change logged after its inlines (actors, sources)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changes_lock()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # inlines: actors, sources
        action = ChangeAction.UPDATED if change else ChangeAction.CREATED
        change_record(instance=form.instance, action=action, user=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_delete_confirmed(
            instance=obj,
            user=request.user,
            reason=DeletionReason.OTHER,
            note="Deleted in the admin.",
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The admin's "delete selected" runs in no transaction: each deletion is its own.
        for obj in queryset:
            self.delete_model(request, obj)


class EventActorInline(admin.TabularInline):
    model = EventActor
    extra = 1
    autocomplete_fields = ["actor"]


class EventSourceInline(admin.StackedInline):
    model = EventSource
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(LoggedChangesAdmin):
    list_display = [
        "title",
        "start_date",
        "end_date",
        "date_precision",
        "event_type",
        "country_code",
    ]
    list_filter = ["date_precision", "ongoing", "certainty", "country_code", "event_type"]
    search_fields = ["title", "summary"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["location", "event_type"]
    readonly_fields = ["country_code", "created_at", "updated_at"]
    list_select_related = ["event_type"]
    inlines = [EventActorInline, EventSourceInline]


@admin.register(Actor)
class ActorAdmin(LoggedChangesAdmin):
    list_display = ["name", "kind", "country_code", "wikidata_id"]
    list_filter = ["kind", "country_code"]
    search_fields = ["name", "search_text", "wikidata_id"]


@admin.register(Location)
class LocationAdmin(LoggedChangesAdmin):
    list_display = ["name", "kind", "country_code", "admin1", "latitude", "longitude"]
    list_filter = ["kind", "country_code", "coordinate_precision"]
    search_fields = ["name", "admin1"]


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Event types are not in the change feed themselves, but the events that show
        a renamed one changed: log those."""
        changes_lock()
        super().save_model(request, obj, form, change)
        events_record(pks=getattr(obj, "touched_event_ids", []), user=request.user)

    list_display = ["code", "label", "parent"]
    list_filter = ["parent"]
    search_fields = ["code", "label"]


@admin.register(Source)
class SourceAdmin(LoggedChangesAdmin):
    list_display = ["publisher", "title", "published_on"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
