"""The change log: every write records what it did, in the transaction that did it.

Writers call ``changes_lock()`` first: it locks one row, so concurrent writes
commit one after another and the log's (at, id) order is the commit order. A
reader who has seen every change up to (at, id) never finds an older one later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, models
from django.utils import timezone

from timeline.models import (
    Actor,
    Change,
    ChangeAction,
    ChangeEntity,
    ChangeLock,
    Event,
    Location,
    ShownInEvents,
    Source,
)
from timeline.representation import events_by_id, events_json_query, record_json
from timeline.representation.sql import E

ENTITIES: dict[type[models.Model], str] = {
    Event: ChangeEntity.EVENT,
    Actor: ChangeEntity.ACTOR,
    Location: ChangeEntity.LOCATION,
    Source: ChangeEntity.SOURCE,
}

# The event's id in events_json_query's select list.
EVENT_ID = f"{E}.{Event._meta.pk.column}"

User = AbstractBaseUser | AnonymousUser | None
# Events per INSERT ... SELECT: an import's batch in one statement.
CHUNK = 2000


def changes_lock() -> None:
    """Serialize writers; call inside the write's transaction, before writing."""
    ChangeLock.objects.select_for_update().get_or_create(id=1)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record as the API shows it now."""
    if isinstance(instance, Event):
        return events_by_id([instance.pk])[instance.pk]
    return record_json(instance)


def _user(user: User) -> Any:
    return user if user is not None and user.is_authenticated else None


def change_record(
    *,
    instance: models.Model,
    action: str,
    user: User = None,
    reason: str = "",
    duplicate_of: int | None = None,
    note: str = "",
) -> Change:
    """Log a create, update or delete of ``instance``. For a row events show (a place,
    an actor...), also log an update of each event its save touched."""
    entity = ENTITIES[type(instance)]
    deleted = action == ChangeAction.DELETED
    change = Change.objects.create(
        entity=entity,
        object_id=instance.pk,
        action=action,
        at=timezone.now(),
        user=_user(user),
        data=None if deleted else snapshot(instance),
        reason=reason,
        duplicate_of=duplicate_of,
        note=note,
    )
    if isinstance(instance, ShownInEvents) and not deleted:
        events_record(pks=getattr(instance, "touched_event_ids", []), user=user)
    return change


def events_record(*, pks: list[int], user: User = None, action: str = ChangeAction.UPDATED) -> None:
    """Log a change (an update unless said otherwise) of each of these events, as they
    read now, in one statement per CHUNK events whatever their number (for imports and
    cascades).

    The database builds the snapshots (representation.events_json_query) and inserts the
    change rows itself: building each event's JSON in Python and each Change through
    the ORM was half the time of an import (docs/performance.md)."""
    if not pks:
        return
    names = ("entity", "object_id", "action", "at", "user", "data", "reason", "note")
    columns = ", ".join(Change._meta.get_field(name).column for name in names)
    insert = f"INSERT INTO {Change._meta.db_table} ({columns}) "
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    logged_by = _user(user)
    values = [ChangeEntity.EVENT.value, action, at, logged_by.pk if logged_by else None]
    ids = sorted(pks)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            sql, params = events_json_query(
                ids[start : start + CHUNK],
                exact=True,
                select=f"%s, {EVENT_ID}, %s, %s, %s, {{json}}, '', ''",
                params=values,
                cast="jsonb",
            )
            cursor.execute(insert + sql, params)


def latest_change() -> dt.datetime | None:
    """When the latest change was made (every response's Last-Modified), in one plain
    query: through the ORM's aggregate() it was a tenth of a list page's time."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max({Change._meta.get_field('at').column}) FROM {Change._meta.db_table}"
        )
        (latest,) = cursor.fetchone()
    if isinstance(latest, str):  # SQLite keeps date-times as text, in UTC
        latest = dt.datetime.fromisoformat(latest).replace(tzinfo=dt.UTC)
    return latest
