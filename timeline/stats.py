"""Event counts by group: /api/v1/events/stats/?group_by=country,month."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractYear, TruncMonth

from timeline.errors import QueryParameterError
from timeline.models import Event

# What each group key reads. Dates group by the event's start date; an event with
# several actors counts once for each of them under group_by=actor.
GROUPS: dict[str, dict[str, Any]] = {
    "country": {"country": F("country_code")},
    "event_type": {"event_type": F("event_type__code")},
    "actor": {"actor": F("event_actors__actor_id"), "actor_name": F("event_actors__actor__name")},
    "year": {"year": ExtractYear("start_date")},
    "month": {"month": TruncMonth("start_date")},
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


def _plain(key: str, value: Any) -> Any:
    if key == "month" and value is not None:
        return value.strftime("%Y-%m")
    if key == "day" and value is not None:
        return value.isoformat()
    return value


def event_stats(queryset: QuerySet[Event], group_by: list[str]) -> dict[str, Any]:
    """Count the events of ``queryset`` per group, sorted by the group keys.

    One GROUP BY query. At most MAX_GROUPS groups are returned; ``truncated`` says
    when there were more."""
    # Aliased with a prefix: a GROUP BY alias may not reuse a model field's name.
    columns: dict[str, Any] = {}
    for name in group_by:
        columns.update({f"{PREFIX}{key}": value for key, value in GROUPS[name].items()})
    rows = list(
        queryset.order_by()
        .values(**columns)
        .annotate(count=Count("id", distinct="actor" not in group_by))
        # NULL keys (events without a country or actor) sort first on every database.
        .order_by(*(F(name).asc(nulls_first=True) for name in columns))[: MAX_GROUPS + 1]
    )
    truncated = len(rows) > MAX_GROUPS
    groups = []
    for row in rows[:MAX_GROUPS]:
        plain = {key.removeprefix(PREFIX): value for key, value in row.items()}
        groups.append({name: _plain(name, value) for name, value in plain.items()})
    return {
        "group_by": group_by,
        "groups": groups,
        "total": sum(group["count"] for group in groups),
        "truncated": truncated,
    }
