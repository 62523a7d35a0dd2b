"""OpenAPI generation: drf-spectacular's AutoSchema plus the API's error responses,
and filter parameters that keep their help_text next to an explicit schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from timeline.api.serializers import ErrorSerializer


class AutoSchema(SpectacularAutoSchema):
    """Documents the 400 (bad query parameter) every operation can give, and the 404
    of every operation on one item, with the API's error body."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        curated = getattr(self.view, "change_entity", "")
        if curated and self.method in ("PUT", "PATCH", "DELETE"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag of the record as you last read it (428 without it, "
                    "412 when the record changed since).",
                )
            )
        if curated and (self.method != "GET" or "{" in self.path) and "history" not in self.path:
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    str,
                    OpenApiParameter.HEADER,
                    response=[200, 201],
                    description="The record's version: send it back in If-Match to change it.",
                )
            )
        return parameters

    def get_auth(self) -> list[dict[str, Any]]:
        """Reads need no token: say so next to the token scheme."""
        auth = list(super().get_auth())
        if self.method in ("GET", "HEAD") and {} not in auth:
            auth.append({})
        return auth

    def get_request_serializer(self) -> Any:
        """Writes are read from the view's write serializer when it has one (events)."""
        write_serializer = getattr(self.view, "write_serializer_class", None)
        if write_serializer is not None and self.method in ("POST", "PUT", "PATCH"):
            return write_serializer
        return super().get_request_serializer()

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)
        errors = {"400": "A query parameter is unknown or has a value that cannot be used."}
        if "{" in self.path:
            errors["404"] = "Nothing with that id."
        if self.method != "GET":
            errors["400"] = "The body or a query parameter is invalid (see errors)."
            errors["401"] = "No valid token (Authorization: Token <key>)."
            errors["403"] = "The token's user may not make this change."
            errors["413"] = "The body is too large."
        if self.method in ("POST", "PUT", "PATCH"):
            errors["415"] = "The body is not JSON (Content-Type: application/json)."
        if self.method in ("PUT", "PATCH", "DELETE"):
            errors["412"] = "If-Match does not match the record's ETag: it changed."
            errors["428"] = "If-Match is missing."
        if self.method == "DELETE" and "/events/" not in self.path:
            errors["409"] = "Events still use this record (see event_count)."
        errors["429"] = "Too many requests: wait Retry-After seconds."
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description),
                    code,
                    media_types=["application/json"],  # errors are JSON whatever the format
                    direction=direction,
                )
        return responses


class FilterExtension(DjangoFilterExtension):
    """drf-spectacular drops a filter's help_text when the filter carries an explicit
    schema (extend_schema_field); put it back as the parameter's description."""

    priority = 1
    target_class = "timeline.api.filters.StrictFilterBackend"

    def resolve_filter_field(
        self,
        auto_schema: Any,
        model: Any,
        filterset_class: Any,
        field_name: str,
        filter_field: Any,
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
            parameter["schema"] = allow_empty(parameter["schema"])
        return parameters


def allow_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """An empty filter value means "no filter": the schema must admit it."""
    schema = dict(schema)
    if "pattern" in schema:
        schema["pattern"] = f"^$|{schema['pattern']}"
    elif "enum" in schema:
        schema["enum"] = ["", *schema["enum"]]
    elif schema.get("type") == "string" and "format" in schema:
        return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
    return schema


def event_fields_are_optional(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Postprocessing hook: `fields=` may leave out any field of an event, so a client
    generated from the schema must not require one."""
    event = result.get("components", {}).get("schemas", {}).get("Event")
    if event is not None:
        event.pop("required", None)
    return result
