"""Curators' writes: create, update and delete events, actors, places and sources.

Each write is one transaction: it takes the change lock, checks the client's If-Match
(here only), validates, saves and logs the change, and returns what it logged
(``Written``: the record as the API shows it, and its ETag), which is the answer to
the write. The caller's validation of its input (the API's serializers) comes in as
``validate`` and runs under the lock, against the locked record, so nothing it relied
on can change before the write.

The checks run in the order docs/curation.md gives: If-Match present (428), the record
exists (the model's DoesNotExist), ``validate`` (400), If-Match current (412); for a
deletion then ``duplicate_of`` (400) and the events that use the record (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from rest_framework import status
from rest_framework.exceptions import APIException

from timeline.models import Actor, ChangeAction, Event, EventActor, EventSource, Location, Source
from timeline.services.changes import User, change_record, changes_lock, snapshot

M = TypeVar("M", bound=models.Model)

# The caller's validation of its input against the locked record (None when creating):
# it returns the field values to write, or raises to refuse the write.
Validate = Callable[[M | None], dict[str, Any]]


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


@dataclass(frozen=True)
class Written(Generic[M]):
    """A record as a write left it: ``data`` is how the API shows it, as logged."""

    instance: M
    data: dict[str, Any]

    @property
    def etag(self) -> str:
        return etag_of(self.data)


# -- the steps every write shares ---------------------------------------------------------
def _locked(model: type[M], pk: int, if_match: str | None) -> M:
    """The record, locked for this write, once the client has said which version it
    changes. Raises model.DoesNotExist when there is no such record."""
    if not if_match:
        raise PreconditionRequired()
    changes_lock()
    rows = model._default_manager.select_for_update(of=("self",))
    if model is Event:
        rows = rows.select_related("location")  # Event.save() copies its country code
    return rows.get(pk=pk)


def _check_version(instance: models.Model, if_match: str) -> None:
    """RFC 9110 If-Match: '*', or a list of strong entity tags, one of them the record's
    current ETag (read under the lock)."""
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag_of(snapshot(instance)) not in tags:
        raise PreconditionFailed()


# An event's actors and sources are written apart from its columns: each list given
# replaces the event's links of that kind.
EVENT_LINKS: dict[str, type[EventActor] | type[EventSource]] = {
    "actors": EventActor,
    "sources": EventSource,
}


def _write(instance: models.Model, values: dict[str, Any]) -> None:
    """Set the fields in ``values``, validate the whole row (fields, clean(),
    constraints), save it, then an event's links."""
    links = EVENT_LINKS if isinstance(instance, Event) else {}
    for name, value in values.items():
        if name not in links:
            setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, link_model in links.items():
        if name in values:
            _links_replace(instance, link_model, values[name])


def _links_replace(
    event: Event, model: type[EventActor] | type[EventSource], rows: list[dict[str, Any]]
) -> None:
    model.objects.filter(event=event).delete()
    links = [model(event=event, **row) for row in rows]
    for link in links:
        link.full_clean(exclude=["event"], validate_constraints=False)
    model.objects.bulk_create(links)


def _logged(instance: M, action: str, user: User) -> Written[M]:
    change = change_record(instance=instance, action=action, user=user)
    return Written(instance=instance, data=change.data)


def _delete(
    instance: models.Model,
    *,
    user: User,
    reason: str,
    duplicate_of: int | None = None,
    note: str = "",
) -> None:
    """Log the record's tombstone, then delete it."""
    change_record(
        instance=instance,
        action=ChangeAction.DELETED,
        user=user,
        reason=reason,
        duplicate_of=duplicate_of,
        note=note,
    )
    instance.delete()


def _events_using(instance: models.Model) -> int:
    if isinstance(instance, Location):
        return Event.objects.filter(location=instance).count()
    if isinstance(instance, Actor):
        return EventActor.objects.filter(actor=instance).count()
    if isinstance(instance, Source):
        return EventSource.objects.filter(source=instance).count()
    return 0


# -- the writes ---------------------------------------------------------------------------
@transaction.atomic
def record_create(*, model: type[M], validate: Validate[M], user: User) -> Written[M]:
    """Create a record from the values ``validate(None)`` returns (for an event, its
    actors and sources too)."""
    changes_lock()
    instance = model()
    _write(instance, validate(None))
    return _logged(instance, ChangeAction.CREATED, user)


@transaction.atomic
def record_update(
    *, model: type[M], pk: int, if_match: str | None, validate: Validate[M], user: User
) -> Written[M]:
    """Change the fields ``validate(record)`` returns (all of them for a PUT, some for a
    PATCH); an event's actors or sources, when given, replace its lists."""
    instance = _locked(model, pk, if_match)
    values = validate(instance)
    _check_version(instance, if_match)
    _write(instance, values)
    return _logged(instance, ChangeAction.UPDATED, user)


@transaction.atomic
def record_delete(
    *, model: type[M], pk: int, if_match: str | None, validate: Validate[M], user: User
) -> None:
    """Delete the record, leaving a tombstone in the change feed with the reason (and
    duplicate_of, note) that ``validate(record)`` returns.

    A place, actor or source that events still use is not deleted (409): deleting it
    must never take events with it."""
    instance = _locked(model, pk, if_match)
    deletion = validate(instance)
    _check_version(instance, if_match)
    duplicate_of = deletion.get("duplicate_of")
    if duplicate_of is not None and (
        duplicate_of == pk or not model._default_manager.filter(pk=duplicate_of).exists()
    ):
        raise ValidationError(
            {"duplicate_of": f"No other {model._meta.verbose_name} {duplicate_of}."}
        )
    if used := _events_using(instance):
        raise InUse(instance, used)
    _delete(instance, user=user, **deletion)


@transaction.atomic
def record_delete_confirmed(*, instance: models.Model, user: User, reason: str, note: str) -> None:
    """Delete a record its caller has already confirmed (the admin's confirmation page,
    which also refuses what events still use), leaving its tombstone."""
    changes_lock()
    _delete(instance, user=user, reason=reason, note=note)
