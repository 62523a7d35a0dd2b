"""OpenAPI generation: drf-spectacular's AutoSchema plus the API's error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from timeline.serializers import ErrorSerializer


class AutoSchema(SpectacularAutoSchema):
    """Documents the 400 (bad query parameter) and 404 responses every operation can give."""

    def get_response_serializers(self) -> Any:
        responses = super().get_response_serializers()
        if isinstance(responses, dict):
            return responses
        documented: dict[int, Any] = {200: responses, 400: ErrorSerializer}
        if self._is_detail_route():
            documented[404] = ErrorSerializer
        return documented

    def _is_detail_route(self) -> bool:
        return "{" in self.path
