"""One JSON error shape for every 4xx the API returns.

    {"status": 400, "code": "invalid_parameter", "detail": "...", "errors": {"country": ["..."]}}

``errors`` appears on validation errors only and maps each offending query parameter
(or body field) to its messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from timeline.api.parsers import PayloadTooLarge


class QueryParameterError(exceptions.ValidationError):
    """A query parameter is unknown or has a value the endpoint cannot accept."""

    default_code = "invalid_parameter"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)


def _as_lists(errors: Any) -> dict[str, Any]:
    if isinstance(errors, dict):
        return errors
    return {"non_field_errors": errors if isinstance(errors, list) else [errors]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        # A model's full_clean() in a write service: report it like a serializer would.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    body: dict[str, Any] = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(exc.detail)
        if NON_FIELD_ERRORS in errors:  # Django's key for a whole-record error
            errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        query = isinstance(exc, QueryParameterError)
        body["code"] = "invalid_parameter" if query else "invalid"
        names = ", ".join(errors)
        body["detail"] = f"Invalid {'query parameter' if query else 'input'}: {names}."
        body["errors"] = errors
    else:
        codes = exc.get_codes()
        body["code"] = codes if isinstance(codes, str) else "error"
        body["detail"] = str(exc.detail)
    if (event_count := getattr(exc, "event_count", None)) is not None:
        body["event_count"] = event_count
    response.data = body
    return response


def bad_request(
    request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any
) -> HttpResponse:
    """handler400 (e.g. a Host header not in ALLOWED_HOSTS): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"status": 400, "code": "bad_request", "detail": "The request is malformed."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return defaults.bad_request(request, exception, *args, **kwargs)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: a JSON body under /api/, Django's plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "status": status.HTTP_500_INTERNAL_SERVER_ERROR,
                "code": "server_error",
                "detail": "The server failed to answer this request; it has been logged.",
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request, *args, **kwargs)


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """JSON 404 for any unknown URL under /api/ (never Django's HTML page)."""
    return JsonResponse(
        {
            "status": status.HTTP_404_NOT_FOUND,
            "code": "not_found",
            "detail": f"No API endpoint at {request.path}. The endpoints are listed at "
            "/api/v1/schema/.",
        },
        status=status.HTTP_404_NOT_FOUND,
    )
