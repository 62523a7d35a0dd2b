"""Timeline documents (the seed's format, docs/data-model.md): the loader and the seed.

A document is loaded in one transaction, validated as it is written, and logged in
the change feed like any other write; loading it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from timeline.models import (
    Actor,
    ActorRole,
    ChangeAction,
    Event,
    EventActor,
    EventSource,
    EventType,
    Location,
    Source,
)
from timeline.services.changes import User, change_record, changes_lock

M = TypeVar("M", bound=models.Model)

SEED_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "seed_article.json"


class DocumentError(ValueError):
    """A timeline document cannot be loaded; the message names the item and field."""


@dataclass
class LoadSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        )


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _upsert(
    model: type[M],
    *,
    where: str,
    key: dict[str, Any],
    lookup: dict[str, Any],
    values: dict[str, Any],
    summary: LoadSummary,
) -> tuple[M, bool, bool]:
    """Find the row by ``lookup`` (the ORM's form of ``key``), create it from ``key``
    and ``values`` or update it with ``values``, validating it first.

    Saves only what differs, so loading the same document again changes nothing
    (not even updated_at). Returns the row, whether it was written, and whether it
    was created.
    """
    kind = model._meta.verbose_name_plural
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**key, **values)
        counter = summary.created
    else:
        changed = {
            name: value for name, value in values.items() if getattr(instance, name) != value
        }
        if not changed:
            summary.unchanged[kind] += 1
            return instance, False, False
        for name, value in changed.items():
            setattr(instance, name, value)
        counter = summary.updated
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DocumentError(f"{where}: {_describe(error)}") from None
    instance.save()
    counter[kind] += 1
    return instance, True, counter is summary.created


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DocumentError(f"{where}: {value!r} is not a YYYY-MM-DD date.") from None


def _ref(table: dict[str, Any], key: Any, where: str) -> Any:
    try:
        return table[key]
    except (KeyError, TypeError):
        raise DocumentError(f"{where}: no item with key {key!r} in this document.") from None


def _sync_links(
    event: Event,
    *,
    actors: list[tuple[Actor, str]],
    sources: list[tuple[Source, str]],
) -> bool:
    """Make the event's actor and source links exactly these; True if anything changed."""
    have_actors = sorted((link.actor_id, link.role) for link in event.event_actors.all())
    want_actors = sorted((actor.pk, role) for actor, role in actors)
    have_sources = sorted((link.source_id, link.quote) for link in event.event_sources.all())
    want_sources = sorted((source.pk, quote) for source, quote in sources)
    if have_actors == want_actors and have_sources == want_sources:
        return False
    event.event_actors.all().delete()
    event.event_sources.all().delete()
    EventActor.objects.bulk_create(
        EventActor(event=event, actor=actor, role=role) for actor, role in actors
    )
    EventSource.objects.bulk_create(
        EventSource(event=event, source=source, quote=quote) for source, quote in sources
    )
    return True


@contextmanager
def _reading(where: str) -> Iterator[None]:
    """Report a member missing from a document item as a DocumentError naming it."""
    try:
        yield
    except KeyError as error:
        raise DocumentError(f"{where}: the member {error} is required.") from None
    except (TypeError, AttributeError):
        raise DocumentError(f"{where}: not an object of the documented shape.") from None


def _items(document: dict[str, Any], member: str) -> Iterator[tuple[str, dict[str, Any]]]:
    items = document.get(member, [])
    if not isinstance(items, list):
        raise DocumentError(f"{member}: a list is required.")
    for index, item in enumerate(items):
        yield f"{member}[{index}]", item


# A document's sources, places and actors, in the order they are loaded. Each item
# gives its model's editable fields (the model's required ones, the others or their
# defaults), is matched on the model's natural key, and is named by events by its "key".
RECORDS: tuple[tuple[str, type[Source | Location | Actor]], ...] = (
    ("sources", Source),
    ("locations", Location),
    ("actors", Actor),
)


def _record_fields(item: dict[str, Any], model: type[models.Model], where: str) -> dict[str, Any]:
    fields = {}
    for column in model._meta.concrete_fields:
        if column.primary_key or not column.editable:
            continue
        name = column.name
        value = item.get(name, column.get_default()) if column.blank else item[name]
        if isinstance(column, models.DateField):
            value = _date(value, where) if value else None
        fields[name] = value
    return fields


@transaction.atomic
def timeline_document_load(*, document: dict[str, Any], user: User = None) -> LoadSummary:
    """Load a timeline document (the seed format, see docs/data-model.md) idempotently.

    Sources, locations and actors are matched on their natural keys, events on
    (dataset, external_id). Everything is validated as it is written, inside one
    transaction: the first error raises DocumentError and nothing is kept. Every
    record written is logged in the change feed, like any other write.
    """
    summary = LoadSummary()
    dataset = document.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise DocumentError("dataset: a non-empty name is required.")
    changes_lock()

    def log(instance: models.Model, written: bool, created: bool) -> None:
        if written:
            action = ChangeAction.CREATED if created else ChangeAction.UPDATED
            change_record(instance=instance, action=action, user=user)

    keyed: dict[str, dict[str, Any]] = {}  # member -> the document's key -> the record
    for member, model in RECORDS:
        records = keyed[member] = {}
        for where, item in _items(document, member):
            with _reading(where):
                fields = _record_fields(item, model, where)
                key = {name: fields.pop(name) for name in model.natural_key_fields}
                lookup = model.natural_key_lookup(key)
                record, written, created = _upsert(
                    model, where=where, key=key, lookup=lookup, values=fields, summary=summary
                )
                records[item["key"]] = record
            log(record, written, created)

    event_types = {event_type.code: event_type for event_type in EventType.objects.all()}
    for where, item in _items(document, "events"):
        with _reading(where):
            event, written, created = _load_event(
                item,
                where=where,
                dataset=dataset,
                event_types=event_types,
                locations=keyed["locations"],
                actors=keyed["actors"],
                sources=keyed["sources"],
                summary=summary,
            )
        log(event, written, created)
    return summary


def _load_event(
    item: dict[str, Any],
    *,
    where: str,
    dataset: str,
    event_types: dict[str, EventType],
    locations: dict[str, Location],
    actors: dict[str, Actor],
    sources: dict[str, Source],
    summary: LoadSummary,
) -> tuple[Event, bool, bool]:
    event_type = event_types.get(item.get("event_type"))
    if event_type is None:
        raise DocumentError(f"{where}.event_type: unknown code {item.get('event_type')!r}.")
    location_key = item.get("location")
    actor_links = [
        (_ref(actors, link["actor"], f"{where}.actors[{n}]"), link["role"])
        for n, link in enumerate(item.get("actors", []))
    ]
    for n, (_, role) in enumerate(actor_links):
        if role not in ActorRole.values:
            raise DocumentError(f"{where}.actors[{n}].role: unknown role {role!r}.")
    source_links = [
        (_ref(sources, link["source"], f"{where}.sources[{n}]"), link["quote"])
        for n, link in enumerate(item.get("sources", []))
    ]
    key = {"dataset": dataset, "external_id": item["external_id"]}
    event, written, created = _upsert(
        Event,
        where=where,
        key=key,
        lookup=key,
        values={
            "title": item["title"],
            "summary": item.get("summary", ""),
            "event_type": event_type,
            "start_date": _date(item.get("start_date"), f"{where}.start_date"),
            "end_date": _date(item.get("end_date"), f"{where}.end_date"),
            "date_precision": item.get("date_precision", "day"),
            "ongoing": bool(item.get("ongoing", False)),
            "certainty": item.get("certainty", "reported"),
            "location": _ref(locations, location_key, f"{where}.location")
            if location_key
            else None,
        },
        summary=summary,
    )
    if _sync_links(event, actors=actor_links, sources=source_links) and not written:
        event.save(update_fields=["updated_at"])
        summary.unchanged["events"] -= 1
        summary.updated["events"] += 1
        written = True
    return event, written, created


def seed_timeline_load(*, path: Path = SEED_PATH) -> LoadSummary:
    """Load the seed timeline shipped with the project (or another document file)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DocumentError(f"{path}: {error}") from None
    return timeline_document_load(document=document)
