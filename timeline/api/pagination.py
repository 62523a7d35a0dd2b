"""Keyset (cursor) pagination on (sort key, id).

DRF's CursorPagination keys on the first ordering field plus an offset, and loops
forever once more rows than its offset cutoff share one value
(encode/django-rest-framework#7887). Here a cursor is the (value, id) of the row
at the edge of the page, and the next page is "the rows after that pair" in the
queryset's total order, so every row is returned exactly once, whatever the ties
and while rows are being added. No COUNT runs unless the client asks (count=true).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections import OrderedDict
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Model, Q, QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from timeline.api.errors import QueryParameterError

MAX_PAGE_SIZE = 1000
MAX_CURSOR_LENGTH = 512  # ours are well under 200 characters
TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


class SortKey(NamedTuple):
    field: str
    descending: bool

    @property
    def ordering(self) -> str:
        return f"-{self.field}" if self.descending else self.field


class Cursor(NamedTuple):
    ordering: str  # the ordering the cursor was made for
    value: str  # the edge row's sort value, as text
    pk: int
    backwards: bool  # a "previous" cursor: the rows before (value, pk)


def sort_key_of(queryset: QuerySet) -> SortKey:
    """The queryset's ordering as (field, direction); it must be (field, id) in one direction."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if len(ordering) != 2 or ordering[1].lstrip("-") not in {"id", "pk"}:
        raise ValueError(f"Keyset pagination needs an ordering of (field, id), got {ordering}.")
    first, tie = ordering
    if first.startswith("-") != tie.startswith("-"):
        raise ValueError(f"The id tie-break must run in the sort's direction: {ordering}.")
    return SortKey(first.lstrip("-"), first.startswith("-"))


def _encode_value(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


class KeysetPagination(BasePagination):
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    count_query_param = "count"
    query_params = (cursor_query_param, page_size_query_param, count_query_param)

    def __init__(self) -> None:
        self.page_size: int = settings.REST_FRAMEWORK["PAGE_SIZE"]
        self.request: Request | None = None
        self.count: int | None = None
        self.next_cursor: Cursor | None = None
        self.previous_cursor: Cursor | None = None

    # -- reading the request ---------------------------------------------------------
    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise QueryParameterError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def _wants_count(self, request: Request) -> bool:
        raw = request.query_params.get(self.count_query_param, "false").lower()
        if raw not in TRUE_VALUES | FALSE_VALUES:
            raise QueryParameterError({self.count_query_param: ["true or false."]})
        return raw in TRUE_VALUES

    def _cursor(self, request: Request, model: type[Model], key: SortKey) -> Cursor | None:
        raw = request.query_params.get(self.cursor_query_param, "")
        if raw == "":
            return None
        invalid = QueryParameterError(
            {self.cursor_query_param: ["Not a cursor of this list: use a next or previous link."]}
        )
        if len(raw) > MAX_CURSOR_LENGTH:
            raise invalid
        try:
            padded = raw + "=" * (-len(raw) % 4)
            cursor = Cursor(*json.loads(base64.urlsafe_b64decode(padded)))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise invalid from None
        # Cursors come back from clients: check every part before it reaches a query.
        well_formed = (
            cursor.ordering == key.ordering
            and isinstance(cursor.value, str)
            and "\x00" not in cursor.value
            and type(cursor.pk) is int
            and 0 <= cursor.pk < 2**63
            and isinstance(cursor.backwards, bool)
        )
        if not well_formed:
            raise invalid
        try:
            value = model._meta.get_field(key.field).to_python(cursor.value)
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value.astimezone(dt.UTC)  # out of range once in UTC: OverflowError
        except (ValidationError, ValueError, OverflowError):
            raise invalid from None
        return cursor

    def _encode(self, cursor: Cursor) -> str:
        text = json.dumps(list(cursor), separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    # -- paginating ------------------------------------------------------------------
    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        page_size = self._page_size(request)
        key = sort_key_of(queryset)
        cursor = self._cursor(request, queryset.model, key)
        if self._wants_count(request):
            self.count = queryset.count()

        if cursor is not None:
            value = queryset.model._meta.get_field(key.field).to_python(cursor.value)
            # The rows after the cursor in the list's order, or before it going backwards:
            # "after" in a descending list means smaller (value, id) pairs.
            op = "lt" if key.descending != cursor.backwards else "gt"
            queryset = queryset.filter(
                Q(**{f"{key.field}__{op}": value}) | Q(**{key.field: value, f"pk__{op}": cursor.pk})
            )
            if cursor.backwards:
                queryset = queryset.reverse()

        rows = list(queryset[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        backwards = cursor is not None and cursor.backwards
        if backwards:
            rows.reverse()
        has_next = True if backwards else has_more
        has_previous = has_more if backwards else cursor is not None

        text_time = isinstance(queryset.model._meta.get_field(key.field), DateTimeField)

        def edge(row: Model | dict[str, Any], backwards: bool) -> Cursor:
            # Rows are model instances, or dicts from values() (the event lists).
            if isinstance(row, dict):
                value = row[key.field]
                if text_time and value.tzinfo is None:
                    # SQLite's, in UTC: event lists read rows as the driver gives them
                    # (representation.rows.RawValuesIterable).
                    value = value.replace(tzinfo=dt.UTC)
                return Cursor(key.ordering, _encode_value(value), row["id"], backwards)
            return Cursor(key.ordering, _encode_value(getattr(row, key.field)), row.pk, backwards)

        self.next_cursor = edge(rows[-1], False) if rows and has_next else None
        self.previous_cursor = edge(rows[0], True) if rows and has_previous else None
        return rows

    def _link(self, cursor: Cursor | None) -> str | None:
        if cursor is None or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(cursor))

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            OrderedDict(
                [
                    ("next", self._link(self.next_cursor)),
                    ("previous", self._link(self.previous_cursor)),
                    ("count", self.count),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "count", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The previous page, or null on the first page.",
                },
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": "Exact number of matching items when count=true, else null.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Items per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": self.count_query_param,
                "in": "query",
                "required": False,
                "description": "true to get the exact number of matches in count (one "
                "more query); false by default.",
                "schema": {"type": "boolean"},
            },
        ]
