"""CSV and GeoJSON renderings of the event lists (JSON is DRF's own renderer).

Both receive the paginated body {next, previous, count, results}: CSV writes the
results as rows and moves the links into a ``Link`` header (RFC 8288); GeoJSON
writes a FeatureCollection with the links as members.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a lazily translated message
        return str(value)
    raise TypeError(f"Cannot encode {type(value).__name__} as JSON")


class ORJSONRenderer(BaseRenderer):
    """JSON with orjson: the same bytes as DRF's compact UTF-8 JSONRenderer for the
    data the API returns, at a fraction of the cost (docs/performance.md)."""

    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        try:
            # Nested validation errors are keyed by list index: OPT_NON_STR_KEYS writes "0".
            return orjson.dumps(data, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            # A lone surrogate (from a client's "\ud800", echoed in an error message) is
            # not UTF-8; the standard library escapes it instead.
            return json.dumps(data, default=_json_default, separators=(",", ":")).encode()


# Flat columns for each top-level event field (a `fields=` selection keeps the
# columns of the fields it names).
EVENT_CSV_COLUMNS: dict[str, list[str]] = {
    "id": ["id"],
    "dataset": ["dataset"],
    "external_id": ["external_id"],
    "title": ["title"],
    "summary": ["summary"],
    "event_type": ["event_type_code", "event_type_label"],
    "start_date": ["start_date"],
    "end_date": ["end_date"],
    "date_precision": ["date_precision"],
    "ongoing": ["ongoing"],
    "certainty": ["certainty"],
    "location": [
        "location_id",
        "location_name",
        "location_kind",
        "country_code",
        "admin1",
        "latitude",
        "longitude",
        "coordinate_precision",
    ],
    "actors": ["actor_ids", "actors", "actors_json"],
    "sources": ["source_urls", "sources", "sources_json"],
    "created_at": ["created_at"],
    "updated_at": ["updated_at"],
}

# Lists inside one cell: joined with "; " for people to read, and whole as JSON in
# the *_json column for programs (import_events reads those: exact, whatever the text).
JOIN = "; "


def flatten_event(event: dict[str, Any]) -> dict[str, Any]:
    row = {name: value for name, value in event.items() if not isinstance(value, dict | list)}
    if "event_type" in event:
        row["event_type_code"] = event["event_type"]["code"]
        row["event_type_label"] = event["event_type"]["label"]
    if "location" in event:
        location = event["location"] or {}
        row["location_id"] = location.get("id")
        for key in ("name", "kind"):
            row[f"location_{key}"] = location.get(key)
        for key in ("country_code", "admin1", "latitude", "longitude", "coordinate_precision"):
            row[key] = location.get(key)
    if "actors" in event:
        row["actor_ids"] = JOIN.join(str(actor["id"]) for actor in event["actors"])
        row["actors"] = JOIN.join(f"{a['name']} ({a['role']})" for a in event["actors"])
        row["actors_json"] = orjson.dumps(event["actors"]).decode()
    if "sources" in event:
        row["source_urls"] = JOIN.join(source["url"] for source in event["sources"])
        row["sources"] = JOIN.join(f"{s['publisher']}: {s['title']}" for s in event["sources"])
        row["sources_json"] = orjson.dumps(event["sources"]).decode()
    return row


def feature(event: dict[str, Any]) -> dict[str, Any]:
    """An event with coordinates as a GeoJSON Feature (a Point; properties: the event)."""
    location = event["location"]
    return {
        "type": "Feature",
        "id": event["id"],
        "geometry": {"type": "Point", "coordinates": [location["longitude"], location["latitude"]]},
        "properties": event,
    }


def link_header(data: dict[str, Any]) -> str:
    links = [f'<{data[rel]}>; rel="{rel}"' for rel in ("next", "previous") if data.get(rel)]
    return ", ".join(links)


class EventCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        if not isinstance(data, dict) or "results" not in data:  # an error body
            return ORJSONRenderer().render(data)
        if response is not None:
            if header := link_header(data):
                response["Link"] = header
            if data.get("count") is not None:
                response["X-Total-Count"] = str(data["count"])
        fields = view.selected_fields() if view is not None else list(EVENT_CSV_COLUMNS)
        columns = [column for name in fields for column in EVENT_CSV_COLUMNS[name]]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for event in data["results"]:
            writer.writerow(flatten_event(event))
        return out.getvalue().encode(self.charset)


class EventGeoJSONRenderer(ORJSONRenderer):
    """A FeatureCollection of the page's events; the list only holds events with
    coordinates when this format is chosen (see EventViewSet.get_queryset)."""

    media_type = "application/geo+json"
    format = "geojson"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if not isinstance(data, dict) or "results" not in data:  # an error body
            return super().render(data, accepted_media_type, renderer_context)
        features = [
            feature(event)
            for event in data["results"]
            if (event.get("location") or {}).get("latitude") is not None
        ]
        collection = {
            "type": "FeatureCollection",
            "features": features,
            "next": data.get("next"),
            "previous": data.get("previous"),
            "count": data.get("count"),
        }
        return super().render(collection, accepted_media_type, renderer_context)


class ExportFormat(BaseRenderer):
    """A format /events/export/ streams itself (timeline.bulk.exporting); declared as a
    renderer only so that content negotiation (?format=, Accept) can choose it."""

    def __init__(self, name: str, media_type: str) -> None:
        self.format = name
        self.media_type = media_type

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        raise NotImplementedError("The export view streams its own response.")
