"""What the API's views share, as mixins; the views themselves (timeline.api.views)
are declarations and a get_queryset.

- StrictQueryMixin: a 400 for a query parameter the endpoint does not know (a
  misspelled filter must never return the whole table), a repeated one, NUL bytes
  and an unknown format.
- LastModifiedMixin: conditional requests. Reads carry Last-Modified; with the ETag
  that ConditionalGetMiddleware adds, clients revalidate and get 304s.
- JSONErrorsMixin: errors in JSON whatever format was asked for, and a 404 that says
  what was looked for.
- ApiViewMixin: all three, the base of every view.
- EventListMixin: what the event lists share (the `fields` selection, the three
  formats, pages built from rows).
- body_problems: unknown fields and NUL bytes in a write body, which DRF's
  serializers let through.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.http import http_date
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from timeline.api.errors import QueryParameterError
from timeline.api.filters import EventFilterSet
from timeline.api.renderers import EventCSVRenderer, EventGeoJSONRenderer, ORJSONRenderer
from timeline.api.serializers import EventSerializer
from timeline.event_shape import EVENT_FIELDS
from timeline.models import Event
from timeline.representation import event_rows, represent_events
from timeline.services.changes import latest_change

EVENT_RENDERERS = [ORJSONRenderer, EventCSVRenderer, EventGeoJSONRenderer]


class StrictQueryMixin:
    """The query parameters a view accepts: ``format``, ``extra_query_params`` and
    ``action_query_params[action]``, its filters on ``filtered_actions``, its
    paginator's on ``paginated_actions``. An @action may set any of these for itself."""

    extra_query_params: tuple[str, ...] = ()
    filtered_actions: tuple[str, ...] = ("list",)
    paginated_actions: tuple[str, ...] = ("list", "history")

    def allowed_query_params(self) -> set[str]:
        action = getattr(self, "action", "list")  # generic list views have no action
        per_action = getattr(self, "action_query_params", {}).get(action, ())
        allowed = {"format", *self.extra_query_params, *per_action}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and action in self.filtered_actions:
            allowed |= set(filterset_class.base_filters)
        paginator = getattr(self, "paginator", None)
        if paginator is not None and action in self.paginated_actions:
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
        if wanted is not None and "format" not in errors and wanted not in formats:
            errors["format"] = [f"One of: {', '.join(formats)}."]
        if errors:
            raise QueryParameterError(errors)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method the endpoint lacks gets its 405 (from dispatch) whatever the query,
        # and a write without the right token its 401 or 403.
        if getattr(self, request.method.lower(), None) is not None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                self.perform_authentication(request)  # type: ignore[attr-defined]
                self.check_permissions(request)  # type: ignore[attr-defined]
            self.check_query_params(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class LastModifiedMixin:
    """Last-Modified on a read that has none: the time of the latest change in the
    change log (one indexed query). A record's view sets its own (its updated_at)."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == status.HTTP_200_OK
            and not response.has_header("Last-Modified")
        ):
            latest = latest_change()
            if latest is not None:
                response["Last-Modified"] = http_date(latest.timestamp())
        return response


class JSONErrorsMixin:
    """Errors answer in JSON, whatever format the request asked for."""

    def get_object(self) -> Any:
        """The record, or a 404 that says what was looked for."""
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404:
            model = self.get_queryset().model._meta.verbose_name  # type: ignore[attr-defined]
            lookup = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
            value = self.kwargs[lookup]  # type: ignore[attr-defined]
            name = "id" if lookup == "pk" else lookup
            raise NotFound(f"No {model} with {name} {value}.") from None

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = ORJSONRenderer()  # type: ignore[attr-defined]
        self.request.accepted_media_type = ORJSONRenderer.media_type  # type: ignore[attr-defined]
        return super().handle_exception(exc)  # type: ignore[misc]


class ApiViewMixin(StrictQueryMixin, LastModifiedMixin, JSONErrorsMixin):
    """What every API view does: strict query parameters, Last-Modified, JSON errors."""


class EventListMixin(ApiViewMixin):
    """What the event lists share: the `fields` selection and the three formats."""

    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    renderer_classes = EVENT_RENDERERS
    extra_query_params = ("fields",)

    def selected_fields(self) -> list[str]:
        raw = self.request.query_params.get("fields")  # type: ignore[attr-defined]
        if raw is None:
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
        if getattr(self, "action", "list") == "retrieve":
            # One event goes through EventSerializer; lists read rows (see list()).
            return queryset.with_related(self.selected_fields())
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of events, built from rows (timeline.representation), not instances."""
        # drf-spectacular also shows this docstring as events_list's OpenAPI description.
        fields = self.selected_fields()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(event_rows(queryset, fields))  # type: ignore[attr-defined]
        return self.get_paginated_response(represent_events(page, fields))  # type: ignore[attr-defined]


def body_problems(serializer: serializers.Serializer, data: Any) -> dict[str, Any]:
    """Unknown fields and NUL bytes in a write body, by field, at every depth."""
    problems: dict[str, Any] = {}
    if not isinstance(data, dict):
        return problems  # the serializer says what is wrong with a non-object
    for name, value in data.items():
        field = serializer.fields.get(name)
        if "\x00" in name or field is None:
            problems[name.replace("\x00", "")] = ["Unknown field."]
        elif field.read_only:
            continue
        elif _has_nul(value):
            problems[name] = ["NUL bytes are not allowed."]
        elif isinstance(value, bool) and isinstance(
            field, serializers.FloatField | serializers.IntegerField | serializers.DecimalField
        ):
            problems[name] = ["A number is required, not true or false."]
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            nested = {
                index: found
                for index, item in enumerate(value)
                if (found := body_problems(field.child, item))
            }
            if nested:
                problems[name] = nested
    return problems


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False
