"""Event counts: by group (/api/v1/events/stats/?group_by=country,month) and by
country (/api/v1/countries/)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Count, F, Func, IntegerField, QuerySet

from timeline.api.errors import QueryParameterError
from timeline.models import Event
from timeline.representation import driver_rows
from timeline.vocabulary.countries import country_name, to_alpha3


class YearMonth(Func):
    """'YYYY-MM' of a date, in SQL. Django's TruncMonth runs a Python function per row
    on SQLite; this is a string slice there and to_char on PostgreSQL."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')")


class Year(Func):
    """The year of a date, in SQL (ExtractYear is a Python function per row on SQLite)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 1, 4) AS integer)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(year FROM %(expressions)s) AS integer)"
        )


# What each group key reads. Dates group by the event's start date; an event with
# several actors counts once for each of them under group_by=actor.
GROUPS: dict[str, dict[str, Any]] = {
    "country": {"country": F("country_code")},
    "event_type": {"event_type": F("event_type__code")},
    "actor": {"actor": F("event_actors__actor_id"), "actor_name": F("event_actors__actor__name")},
    "year": {"year": Year("start_date")},
    "month": {"month": YearMonth("start_date")},
    "day": {"day": F("start_date")},
}
MAX_GROUPS = 100_000
PREFIX = "group_"


def parse_group_by(raw: str) -> list[str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    problems = []
    if not 1 <= len(names) <= 2:
        problems.append("Give one or two group keys, comma-separated.")
    if unknown := [name for name in names if name not in GROUPS]:
        problems.append(f"Unknown: {', '.join(unknown)}.")
    if len(set(names)) != len(names):
        problems.append("A key is repeated.")
    if problems:
        problems.append(f"Keys: {', '.join(GROUPS)}.")
        raise QueryParameterError({"group_by": [" ".join(problems)]})
    return names


def event_stats(queryset: QuerySet[Event], group_by: list[str]) -> dict[str, Any]:
    """Count the events of ``queryset`` per group, sorted by the group keys.

    One GROUP BY query. At most MAX_GROUPS groups are returned; ``truncated`` says
    when there were more."""
    # Aliased with a prefix: a GROUP BY alias may not reuse a model field's name.
    columns: dict[str, Any] = {}
    for name in group_by:
        columns.update({f"{PREFIX}{key}": value for key, value in GROUPS[name].items()})
    grouped = (
        queryset.order_by()
        .values(**columns)
        # One row per event, or per (event, actor) with group_by=actor: COUNT(*) is exact.
        .annotate(count=Count("*"))
        # NULL keys (events without a country or actor) sort first on every database.
        .order_by(*(F(name).asc(nulls_first=True) for name in columns))[: MAX_GROUPS + 1]
    )
    # The rows as the driver gives them (ints, strings, dates): Django's converters,
    # an int() of every count, took a quarter of the endpoint's time at 10k events.
    names, found = driver_rows(grouped)
    rows = list(found)
    truncated = len(rows) > MAX_GROUPS
    # Tuples zipped into dicts: at 10,000 events there are a few thousand groups, and
    # building each through values() dicts was half the endpoint's time.
    keys = [name.removeprefix(PREFIX) for name in names]
    groups = [dict(zip(keys, row, strict=True)) for row in rows[:MAX_GROUPS]]
    if "day" in group_by:
        for group in groups:
            if group["day"] is not None:
                group["day"] = group["day"].isoformat()
    return {
        "group_by": group_by,
        "groups": groups,
        "total": sum(group["count"] for group in groups),
        "truncated": truncated,
    }


def country_counts(queryset: QuerySet[Event]) -> list[dict[str, Any]]:
    """The countries of ``queryset``'s events, by code, with their event counts: one
    GROUP BY query."""
    counts = (
        queryset.values(code=F("country_code")).annotate(event_count=Count("id")).order_by("code")
    )
    return [
        {
            "code": row["code"],
            "alpha3": to_alpha3(row["code"]),
            "name": country_name(row["code"]),
            "event_count": row["event_count"],
        }
        for row in counts
    ]
