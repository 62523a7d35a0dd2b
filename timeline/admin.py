from __future__ import annotations

from django.contrib import admin

from timeline.models import Actor, Event, EventActor, EventSource, EventType, Location, Source


class EventActorInline(admin.TabularInline):
    model = EventActor
    extra = 1
    autocomplete_fields = ["actor"]


class EventSourceInline(admin.StackedInline):
    model = EventSource
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
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
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country_code", "wikidata_id"]
    list_filter = ["kind", "country_code"]
    search_fields = ["name", "search_text", "wikidata_id"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country_code", "admin1", "latitude", "longitude"]
    list_filter = ["kind", "country_code", "coordinate_precision"]
    search_fields = ["name", "admin1"]


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "parent"]
    list_filter = ["parent"]
    search_fields = ["code", "label"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["publisher", "title", "published_on"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
