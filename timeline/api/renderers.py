"""The API's renderers: JSON with orjson, and CSV and GeoJSON renderings of the event lists.

Both receive the paginated body {next, previous, count, results}: CSV writes the
results as rows and moves the links into a ``Link`` header (RFC 8288); GeoJSON
writes a FeatureCollection with the links as members. The rows and the features are
timeline.event_shape's, as in the export.
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

from timeline.event_shape import EVENT_FIELDS, csv_columns, feature, flatten_event


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


def link_header(data: dict[str, Any]) -> str:
    links = [f'<{data[rel]}>; rel="{rel}"' for rel in ("next", "previous") if data.get(rel)]
    return ", ".join(links)


class EventPageRenderer(ORJSONRenderer):
    """A page of events in another format than JSON; error bodies stay JSON."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if not isinstance(data, dict) or "results" not in data:  # an error body
            return super().render(data)
        return self.render_page(data, renderer_context or {})

    def render_page(self, data: dict[str, Any], context: dict[str, Any]) -> bytes:
        raise NotImplementedError


class EventCSVRenderer(EventPageRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render_page(self, data: dict[str, Any], context: dict[str, Any]) -> bytes:
        view, response = context.get("view"), context.get("response")
        if response is not None:
            if header := link_header(data):
                response["Link"] = header
            if data.get("count") is not None:
                response["X-Total-Count"] = str(data["count"])
        fields = view.selected_fields() if view is not None else EVENT_FIELDS
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=csv_columns(fields), extrasaction="ignore")
        writer.writeheader()
        for event in data["results"]:
            writer.writerow(flatten_event(event))
        return out.getvalue().encode(self.charset)


class EventGeoJSONRenderer(EventPageRenderer):
    """A FeatureCollection of the page's events; the list only holds events with
    coordinates when this format is chosen (see EventListMixin.events)."""

    media_type = "application/geo+json"
    format = "geojson"

    def render_page(self, data: dict[str, Any], context: dict[str, Any]) -> bytes:
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
        return ORJSONRenderer.render(self, collection)


class ExportFormat(BaseRenderer):
    """A format /events/export/ streams itself (timeline.representation.export); declared as a
    renderer only so that content negotiation (?format=, Accept) can choose it."""

    def __init__(self, name: str, media_type: str) -> None:
        self.format = name
        self.media_type = media_type

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        raise NotImplementedError("The export view streams its own response.")
