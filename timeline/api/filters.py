"""Query parameters of the list endpoints: the filters, the FilterSets and the strict
filter backend.

Every filter says what it accepts (help_text becomes the OpenAPI description, the
``extend_schema_field`` schema its type, pattern and bounds) and applies itself: its
own ``filter()`` or its FilterSet's ``method``. Its value is read by a form field from
timeline.api.filter_fields, which rejects what it cannot read with a 400 naming the
parameter. An empty value (``country=``) means the filter is absent. A list value is
comma-separated and means OR.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cos, Power, Radians, Sin
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from timeline.api.errors import QueryParameterError
from timeline.api.filter_fields import (
    BBOX_SCHEMA,
    COUNTRY_SCHEMA,
    EVENT_TYPE_LIST_SCHEMA,
    ID_LIST_SCHEMA,
    MAX_NEAR_KM,
    MOMENT_SCHEMA,
    NEAR_SCHEMA,
    PARTIAL_DATE_SCHEMA,
    BBox,
    BBoxField,
    DateMatch,
    ListField,
    MomentField,
    Near,
    NearField,
    PartialDateField,
    choice_parser,
    enum_list_schema,
    parse_country,
    parse_id,
)
from timeline.models import (
    EVENT_SEARCH_VECTOR_SQL,
    Actor,
    ActorKind,
    ActorRole,
    Change,
    ChangeEntity,
    DatePrecision,
    Event,
    EventActor,
    EventType,
    Location,
    LocationKind,
)
from timeline.vocabulary.dates import DateSpan
from timeline.vocabulary.text import fold


# -- lists ------------------------------------------------------------------------------
class ListFilter(django_filters.Filter):
    """``field_name__in`` the parsed list."""

    field_class = ListField

    def filter(self, qs: QuerySet, value: list[Any] | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


def country_filter(help_text: str, field_name: str = "country_code") -> ListFilter:
    return extend_schema_field(COUNTRY_SCHEMA)(
        ListFilter(field_name=field_name, parse_item=parse_country, help_text=help_text)
    )


def id_list_filter(field_name: str, help_text: str) -> ListFilter:
    return extend_schema_field(ID_LIST_SCHEMA)(
        ListFilter(field_name=field_name, parse_item=parse_id, help_text=help_text)
    )


def choice_list_filter(field_name: str, choices: type[Any], what: str, help_text: str) -> Any:
    return extend_schema_field(enum_list_schema(choices))(
        ListFilter(
            field_name=field_name, parse_item=choice_parser(choices, what), help_text=help_text
        )
    )


# -- dates ------------------------------------------------------------------------------
@extend_schema_field(PARTIAL_DATE_SCHEMA)
class PartialDateFilter(django_filters.Filter):
    """A YYYY, YYYY-MM or YYYY-MM-DD date; its FilterSet's ``method`` applies it."""

    field_class = PartialDateField


@extend_schema_field(MOMENT_SCHEMA)
class SinceFilter(django_filters.Filter):
    """Rows whose ``field_name`` is at or after the moment."""

    field_class = MomentField

    def filter(self, qs: QuerySet, value: dt.datetime | None) -> QuerySet:
        return qs.filter(**{f"{self.field_name}__gte": value}) if value else qs


# -- geography --------------------------------------------------------------------------
def bbox_q(box: BBox, prefix: str) -> Q:
    """Points inside the box; a box with min_lon > max_lon crosses the antimeridian."""
    lat = Q(**{f"{prefix}latitude__gte": box.min_lat, f"{prefix}latitude__lte": box.max_lat})
    if box.min_lon <= box.max_lon:
        lon = Q(**{f"{prefix}longitude__gte": box.min_lon, f"{prefix}longitude__lte": box.max_lon})
    else:
        lon = Q(**{f"{prefix}longitude__gte": box.min_lon}) | Q(
            **{f"{prefix}longitude__lte": box.max_lon}
        )
    return lat & lon


@extend_schema_field(BBOX_SCHEMA)
class BBoxFilter(django_filters.Filter):
    field_class = BBoxField

    def __init__(self, *, prefix: str = "", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value: BBox | None) -> QuerySet:
        return qs.filter(bbox_q(value, self.prefix)) if value else qs


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


@extend_schema_field(NEAR_SCHEMA)
class NearFilter(django_filters.Filter):
    """Events whose location lies within ``km`` of a point, by great-circle distance.

    A bounding box around the circle narrows the rows first (cheap comparisons on
    the location's coordinates); the haversine distance then decides exactly.
    """

    field_class = NearField

    def filter(self, qs: QuerySet, value: Near | None) -> QuerySet:
        if not value:
            return qs
        angle = value.km / EARTH_RADIUS_KM  # the radius as an angle at the Earth's centre
        dlat = math.degrees(angle)
        cos_lat = math.cos(math.radians(value.lat))
        # The circle's widest longitude span is asin(sin(angle) / cos(lat)) either side
        # (not angle / cos(lat), which is narrower). Near a pole, or for a circle that
        # reaches past one, the box spans all longitudes.
        ratio = math.sin(angle) / cos_lat if cos_lat > 1e-12 else 2.0
        dlon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio))
        lat_box = Q(
            location__latitude__gte=max(-90.0, value.lat - dlat),
            location__latitude__lte=min(90.0, value.lat + dlat),
        )
        if dlon >= 180.0 or value.lat + dlat >= 90 or value.lat - dlat <= -90:
            lon_box = Q()
        else:
            west, east = value.lon - dlon, value.lon + dlon
            lon_box = bbox_q(BBox(_wrap(west), -90, _wrap(east), 90), "location__")
        lat1, lon1 = math.radians(value.lat), math.radians(value.lon)
        lat2, lon2 = Radians(F("location__latitude")), Radians(F("location__longitude"))
        # haversine: 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))
        half_chord = Power(Sin((lat2 - lat1) / 2), 2) + math.cos(lat1) * Cos(lat2) * Power(
            Sin((lon2 - lon1) / 2), 2
        )
        limit = math.sin(min(math.pi / 2, value.km / (2 * EARTH_RADIUS_KM))) ** 2
        # asin and sqrt are monotonic: compare the half-chord itself, no function needed.
        qs = qs.filter(lat_box & lon_box).alias(_half_chord=half_chord)
        return qs.filter(_half_chord__lte=limit)


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


# -- text -------------------------------------------------------------------------------
@extend_schema_field({"type": "string", "maxLength": 200, "example": "exercise"})
class EventTextFilter(django_filters.CharFilter):
    """Words in the title or summary.

    PostgreSQL: full-text search (English stemming, websearch syntax: "quoted
    phrases", OR, -excluded) over the event_search GIN index. SQLite: every word
    must appear in the title or summary, case-insensitively (a scan)."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        if connection.vendor == "postgresql":
            return qs.filter(
                RawSQL(
                    f"{EVENT_SEARCH_VECTOR_SQL} @@ websearch_to_tsquery('english'::regconfig, %s)",
                    [value],
                    output_field=BooleanField(),
                )
            )
        for word in value.split():
            qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return qs


# -- event types ------------------------------------------------------------------------
def event_type_ids_under(codes: list[str]) -> list[int]:
    """Ids of the event types with these codes and of all their descendants.

    One query reads the (small, fixed) vocabulary; unknown codes are a 400."""
    rows = list(EventType.objects.values_list("id", "code", "parent_id"))
    by_code = {code: pk for pk, code, _ in rows}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise forms.ValidationError(
            f"Unknown event type code(s): {', '.join(unknown)}. See /api/v1/event-types/."
        )
    children: dict[int | None, list[int]] = {}
    for pk, _, parent in rows:
        children.setdefault(parent, []).append(pk)
    found, todo = set(), [by_code[code] for code in codes]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return sorted(found)


# -- ordering ---------------------------------------------------------------------------
EVENT_ORDERINGS = (
    "start_date",
    "-start_date",
    "end_date",
    "-end_date",
    "updated_at",
    "-updated_at",
)


@extend_schema_field({"type": "string", "enum": list(EVENT_ORDERINGS)})
class OrderingFilter(django_filters.ChoiceFilter):
    """Sort by one field; id breaks ties in the same direction, so the order is total
    (which keyset pagination relies on)."""

    def __init__(self, *, orderings: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(choices=[(o, o) for o in orderings], **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.order_by(value, "-id" if value.startswith("-") else "id")


# -- FilterSets -------------------------------------------------------------------------
class RequestFilterSet(django_filters.FilterSet):
    """A FilterSet that copies, and builds form fields for, only the filters the query
    names. The others would do nothing (an absent or empty parameter is no filter),
    and copying every filter on every request was a millisecond of each list page."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            used = {name for name, value in data.items() if value not in ("", None)}
            self.base_filters = {
                name: filter_ for name, filter_ in self.base_filters.items() if name in used
            }
        super().__init__(data, *args, **kwargs)

    def get_form_class(self) -> type[forms.Form]:
        """The form for these filters, built once for each set of filters a query uses
        (django-filter builds a new form class on every request)."""
        key = (type(self), tuple(self.filters))
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            if len(_FORM_CLASSES) < MAX_FORM_CLASSES:  # bounded, whatever queries come
                _FORM_CLASSES[key] = form_class
        return form_class


# Form classes by (FilterSet class, the filters a query uses): see get_form_class.
_FORM_CLASSES: dict[tuple[type, tuple[str, ...]], type[forms.Form]] = {}
MAX_FORM_CLASSES = 512


class EventFilterSet(RequestFilterSet):
    """The event filters: of the event list, an actor's timeline, stats and countries."""

    country = country_filter(
        "Country of the event's location: ISO 3166-1 alpha-2 or alpha-3 codes, any case, "
        "comma-separated for any of several (OM,QAT). Index: event_country_start."
    )
    date_from = PartialDateFilter(
        method="filter_date_from",
        help_text="Start of the date range: YYYY, YYYY-MM or YYYY-MM-DD (a partial date "
        "starts on its first day). See date_match.",
    )
    date_to = PartialDateFilter(
        method="filter_date_to",
        help_text="End of the date range: YYYY, YYYY-MM or YYYY-MM-DD (a partial date ends "
        "on its last day: 2024 means 2024-12-31). See date_match.",
    )
    date_match = django_filters.ChoiceFilter(
        choices=DateMatch.choices,
        method="filter_date_match",
        help_text="overlaps (default): the event's start_date..end_date interval overlaps "
        "the range, ends included; an ongoing event is open-ended. within: the interval "
        "lies inside the range and the event is not ongoing (certainly in range, whatever "
        "its precision).",
    )
    date_precision = choice_list_filter(
        "date_precision",
        DatePrecision,
        "date precision",
        "How precisely the event's dates are known: day, month, year (comma-separated).",
    )
    actor = extend_schema_field(ID_LIST_SCHEMA)(
        ListFilter(
            parse_item=parse_id,
            method="filter_actor",
            help_text="Events involving any of these actor ids (comma-separated). With "
            "actor_role: only where the actor had one of those roles.",
        )
    )
    actor_role = extend_schema_field(enum_list_schema(ActorRole))(
        ListFilter(
            parse_item=choice_parser(ActorRole, "role"),
            method="filter_actor_role",
            help_text="Roles (comma-separated): with actor, the role those actors had; alone, "
            "events where any actor had one of the roles.",
        )
    )
    event_type = extend_schema_field(EVENT_TYPE_LIST_SCHEMA)(
        ListFilter(
            parse_item=str,
            method="filter_event_type",
            help_text="Event type codes (comma-separated); a code matches its descendants too "
            "(consult matches consult.visit; material-cooperation matches cooperate, aid...).",
        )
    )
    location = id_list_filter("location_id", "Location ids (comma-separated).")
    bbox = BBoxFilter(
        prefix="location__",
        help_text="Events whose location lies in min_lon,min_lat,max_lon,max_lat (degrees, "
        "WGS 84; min_lon > max_lon crosses the antimeridian). Events without coordinates "
        "never match.",
    )
    near = NearFilter(
        help_text=f"lat,lon,km: events whose location lies within km (at most {MAX_NEAR_KM}) "
        "of the point, by great-circle distance. Events without coordinates never match.",
    )
    q = EventTextFilter(
        max_length=200,
        help_text="Words in the title or summary. PostgreSQL: full-text search with English "
        'stemming and web-search syntax ("a phrase", or, -word). SQLite: every word must '
        "appear, case-insensitively.",
    )
    updated_since = SinceFilter(
        field_name="updated_at",
        help_text="Events created or changed at or after this ISO 8601 date-time (UTC when "
        "no offset is given), for incremental sync. Index: event_updated.",
    )
    ordering = OrderingFilter(
        orderings=EVENT_ORDERINGS,
        help_text="Sort order (default -start_date); ties are broken by id in the same direction.",
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        start = self.form.cleaned_data.get("date_from")
        end = self.form.cleaned_data.get("date_to")
        if start and end and start.first > end.last:
            self.form.add_error("date_from", "date_from is after date_to.")
            return False
        return True

    # -- dates: each bound applies itself, reading date_match from the form ---------------
    def within(self) -> bool:
        return self.form.cleaned_data.get("date_match") == DateMatch.WITHIN

    def filter_date_from(self, queryset: QuerySet, name: str, value: DateSpan) -> QuerySet:
        if self.within():
            return queryset.filter(start_date__gte=value.first)
        # Overlaps: the event ends on or after the range's start, or has not ended.
        return queryset.filter(Q(end_date__gte=value.first) | Q(ongoing=True))

    def filter_date_to(self, queryset: QuerySet, name: str, value: DateSpan) -> QuerySet:
        if self.within():
            return queryset.filter(end_date__lte=value.last)
        return queryset.filter(start_date__lte=value.last)

    def filter_date_match(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """within leaves out ongoing events (their end is unknown), once whatever the
        bounds given; without a bound, date_match alone filters nothing."""
        # value is typed Any: drf-spectacular would add a str hint's type to the schema.
        data = self.form.cleaned_data
        if value == DateMatch.WITHIN and (data.get("date_from") or data.get("date_to")):
            return queryset.filter(ongoing=False)
        return queryset

    # -- actors: actor and actor_role describe one link, so one EXISTS ------------------
    def filter_actor(self, queryset: QuerySet, name: str, value: list[int]) -> QuerySet:
        """Events with a link to one of the actors; with actor_role, the same link must
        have one of the roles, so the roles go into this EXISTS (filter_actor_role then
        adds nothing)."""
        links: dict[str, Any] = {"actor_id__in": value}
        if roles := self.form.cleaned_data.get("actor_role"):
            links["role__in"] = roles
        return queryset.filter(_has_actor_link(**links))

    def filter_actor_role(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if self.form.cleaned_data.get("actor"):
            return queryset  # filter_actor checks the roles in its own EXISTS
        return queryset.filter(_has_actor_link(role__in=value))

    def filter_event_type(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        try:
            ids = event_type_ids_under(value)
        except forms.ValidationError as error:
            raise QueryParameterError({"event_type": error.messages}) from None
        return queryset.filter(event_type_id__in=ids)


def _has_actor_link(**conditions: Any) -> Exists:
    """The event has an actor link (EventActor) meeting the conditions."""
    return Exists(EventActor.objects.filter(event=OuterRef("pk")).filter(**conditions))


class EventCountFilterSet(EventFilterSet):
    """The event filters without ordering: for counts (stats, countries), sorted by key, and
    for the export, in id order."""

    ordering = None


class ActorFilterSet(RequestFilterSet):
    q = extend_schema_field({"type": "string", "maxLength": 200, "example": "pezeshkian"})(
        django_filters.CharFilter(
            method="filter_q",
            max_length=200,
            help_text="Part of the actor's name or of one of its aliases; case- and "
            "accent-insensitive (Pezeshkiyan finds Pezeshkiyān). A scan of the actors.",
        )
    )
    kind = choice_list_filter(
        "kind", ActorKind, "kind of actor", "Kinds of actor (comma-separated)."
    )
    country = country_filter(
        "Actors affiliated with these countries (ISO 3166-1 alpha-2 or alpha-3, comma-separated)."
    )

    class Meta:
        model = Actor
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_text__contains=fold(value.strip()))


class LocationFilterSet(RequestFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Part of the place's name or first-level division, case-insensitive.",
    )
    kind = choice_list_filter(
        "kind", LocationKind, "kind of place", "Kinds of place (comma-separated)."
    )
    country = country_filter(
        "Places in these countries (ISO 3166-1 alpha-2 or alpha-3, comma-separated)."
    )
    bbox = BBoxFilter(
        help_text="Places in min_lon,min_lat,max_lon,max_lat (degrees; min_lon > max_lon "
        "crosses the antimeridian).",
    )

    class Meta:
        model = Location
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(admin1__icontains=value))


class EventTypeFilterSet(RequestFilterSet):
    parent = django_filters.CharFilter(
        method="filter_parent",
        max_length=64,
        help_text="The children of this code; 'none' for the top level (the quad categories).",
    )

    class Meta:
        model = EventType
        fields: list[str] = []

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(parent__isnull=True)
        if not EventType.objects.filter(code=value).exists():
            raise QueryParameterError({"parent": [f"Unknown event type code '{value}'."]})
        return queryset.filter(parent__code=value)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, raising the API's query-parameter error on bad values."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise QueryParameterError(
                {name: list(messages) for name, messages in filterset.errors.items()}
            )
        return filterset.qs


class ChangeFilterSet(RequestFilterSet):
    since = SinceFilter(
        field_name="at",
        help_text="Changes made at or after this ISO 8601 date-time (UTC when no offset is "
        "given). To resume, follow the last next link instead: it never repeats or skips "
        "a change.",
    )
    entity = choice_list_filter(
        "entity", ChangeEntity, "kind of record", "Kinds of record (comma-separated)."
    )

    class Meta:
        model = Change
        fields: list[str] = []
