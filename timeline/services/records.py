"""Curators' writes: create, update and delete records, each in one transaction that
validates everything first, checks the client's If-Match, and logs the change.

Functions are named <entity>_<action> and take keyword arguments only; views parse
requests and call them, nothing else writes these models.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from rest_framework import status
from rest_framework.exceptions import APIException

from timeline.api.serializers import EventWriteSerializer
from timeline.models import Actor, ChangeAction, Event, EventActor, EventSource, Location, Source
from timeline.services.changes import User, change_record, changes_lock, snapshot

# Until tests/conftest.py and tests/api/test_protection.py import it from services.editors.
from timeline.services.editors import editor_create  # noqa: F401


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = (
        "Send If-Match with the ETag of the record as you last read it (GET it first), so "
        "that you cannot overwrite someone else's change."
    )


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = (
        "The record changed since you read it (If-Match does not match its ETag). GET it "
        "again, re-apply your change, and send the new ETag."
    )


class InUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"

    def __init__(self, instance: models.Model, event_count: int) -> None:
        noun = instance._meta.verbose_name
        super().__init__(
            f"This {noun} is used by {event_count} event(s): change or delete those first."
        )
        self.event_count = event_count


def etag_of(representation: dict[str, Any]) -> str:
    """A strong ETag: a digest of the record's API representation."""
    text = json.dumps(representation, sort_keys=True, cls=DjangoJSONEncoder)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: '*' or a list of strong entity tags, one of them the current."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag in tags


def _locked(model: type[models.Model], pk: int, if_match: str | None) -> Any:
    """The row, locked for this transaction, after checking the client's If-Match."""
    if if_match is None:
        raise PreconditionRequired()
    instance = model._default_manager.select_for_update().get(pk=pk)
    if not etag_matches(if_match, etag_of(snapshot(instance))):
        raise PreconditionFailed()
    return instance


def _save(instance: models.Model) -> None:
    """Validate the whole row (fields, clean(), constraints), then save it."""
    instance.full_clean()
    instance.save()


# -- actors, locations, sources -----------------------------------------------------------
@transaction.atomic
def record_create(*, model: type[models.Model], values: dict[str, Any], user: User) -> Any:
    changes_lock()
    instance = model(**values)
    _save(instance)
    change_record(instance=instance, action=ChangeAction.CREATED, user=user)
    return instance


@transaction.atomic
def record_update(
    *,
    model: type[models.Model],
    pk: int,
    values: dict[str, Any],
    user: User,
    if_match: str | None,
) -> Any:
    changes_lock()
    instance = _locked(model, pk, if_match)
    for name, value in values.items():
        setattr(instance, name, value)
    _save(instance)
    change_record(instance=instance, action=ChangeAction.UPDATED, user=user)
    return instance


def _events_using(instance: models.Model) -> int:
    if isinstance(instance, Location):
        return Event.objects.filter(location=instance).count()
    if isinstance(instance, Actor):
        return EventActor.objects.filter(actor=instance).count()
    if isinstance(instance, Source):
        return EventSource.objects.filter(source=instance).count()
    return 0


@transaction.atomic
def record_delete(
    *,
    model: type[models.Model],
    pk: int,
    user: User,
    if_match: str | None,
    reason: str,
    duplicate_of: int | None = None,
    note: str = "",
) -> None:
    """Delete the record, leaving a tombstone with the reason in the change feed.

    A place, actor or source that events still use is not deleted (409): deleting
    it must never take events with it."""
    changes_lock()
    instance = _locked(model, pk, if_match)
    if duplicate_of is not None and (
        duplicate_of == pk or not model._default_manager.filter(pk=duplicate_of).exists()
    ):
        raise ValidationError(
            {"duplicate_of": f"No other {model._meta.verbose_name} {duplicate_of}."}
        )
    if used := _events_using(instance):
        raise InUse(instance, used)
    change_record(
        instance=instance,
        action=ChangeAction.DELETED,
        user=user,
        reason=reason,
        duplicate_of=duplicate_of,
        note=note,
    )
    instance.delete()


# -- events -------------------------------------------------------------------------------
# The event's own columns in the write shape (the links are written apart).
EVENT_COLUMNS = tuple(
    name for name in EventWriteSerializer().fields if name not in ("actors", "sources")
)


def _write_event(event: Event, data: dict[str, Any]) -> None:
    for name in EVENT_COLUMNS:
        if name in data:
            setattr(event, name, data[name])
    _save(event)
    if "actors" in data:
        event.event_actors.all().delete()
        links = [EventActor(event=event, actor=a["actor"], role=a["role"]) for a in data["actors"]]
        for link in links:
            link.full_clean(exclude=["event"], validate_constraints=False)
        EventActor.objects.bulk_create(links)
    if "sources" in data:
        event.event_sources.all().delete()
        links = [
            EventSource(event=event, source=s["source"], quote=s["quote"]) for s in data["sources"]
        ]
        for link in links:
            link.full_clean(exclude=["event"], validate_constraints=False)
        EventSource.objects.bulk_create(links)


@transaction.atomic
def event_create(*, data: dict[str, Any], user: User) -> Event:
    """Create an event from EventWriteSerializer's validated data."""
    changes_lock()
    event = Event()
    _write_event(event, data)
    change_record(instance=event, action=ChangeAction.CREATED, user=user)
    return event


@transaction.atomic
def event_update(*, pk: int, data: dict[str, Any], user: User, if_match: str | None) -> Event:
    """Change the fields in ``data`` (all of them for PUT, some for PATCH)."""
    changes_lock()
    event = _locked(Event, pk, if_match)
    _write_event(event, data)
    change_record(instance=event, action=ChangeAction.UPDATED, user=user)
    return event
