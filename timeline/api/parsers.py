"""Request bodies: JSON only, parsed by orjson.

DRF imports this module while it reads its settings: it must not import
timeline.api.errors (which imports DRF's views), or the two would import each other."""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is larger than this API accepts."


class JSONParser(BaseParser):
    """JSON bodies, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 beyond). orjson refuses nesting deeper than 1024 levels with a decode error
    (the standard library recurses until Python's own limit, a 500), and invalid
    UTF-8 likewise: both become a 400."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise PayloadTooLarge()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
