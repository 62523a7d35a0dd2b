"""Write-side logic: functions named <entity>_<action>, keyword-only, atomic.

Management commands and (later) API writes call these; they never write models
directly, so validation and bookkeeping live in one place.
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
    lookup: dict[str, Any],
    values: dict[str, Any],
    summary: LoadSummary,
) -> tuple[M, bool, bool]:
    """Find the row by ``lookup``, create or update it with ``values``, validating it first.

    Saves only what differs, so loading the same document again changes nothing
    (not even updated_at). Returns the row, whether it was written, and whether it
    was created.
    """
    kind = model._meta.verbose_name_plural
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        clean_lookup = {name.split("__")[0]: value for name, value in lookup.items()}
        instance = model(**clean_lookup, **values)
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

    def log(instance: models.Model, created: bool) -> None:
        action = ChangeAction.CREATED if created else ChangeAction.UPDATED
        change_record(instance=instance, action=action, user=user)

    sources: dict[str, Source] = {}
    for where, item in _items(document, "sources"):
        with _reading(where):
            published_on = item.get("published_on")
            source, written, created = _upsert(
                Source,
                where=where,
                lookup={
                    "publisher": item["publisher"],
                    "title": item["title"],
                    "published_on": _date(published_on, where) if published_on else None,
                },
                values={"url": item.get("url", "")},
                summary=summary,
            )
            sources[item["key"]] = source
        if written:
            log(source, created)

    locations: dict[str, Location] = {}
    for where, item in _items(document, "locations"):
        with _reading(where):
            location, written, created = _upsert(
                Location,
                where=where,
                lookup={
                    "name__iexact": item["name"],
                    "kind": item["kind"],
                    "country_code": item.get("country_code", ""),
                    "admin1__iexact": item.get("admin1", ""),
                },
                values={
                    "latitude": item.get("latitude"),
                    "longitude": item.get("longitude"),
                    "coordinate_precision": item.get("coordinate_precision", ""),
                },
                summary=summary,
            )
            locations[item["key"]] = location
        if written:
            log(location, created)

    actors: dict[str, Actor] = {}
    for where, item in _items(document, "actors"):
        with _reading(where):
            actor, written, created = _upsert(
                Actor,
                where=where,
                lookup={
                    "name__iexact": item["name"],
                    "kind": item["kind"],
                    "country_code": item.get("country_code", ""),
                },
                values={
                    "aliases": item.get("aliases", []),
                    "description": item.get("description", ""),
                    "wikidata_id": item.get("wikidata_id", ""),
                },
                summary=summary,
            )
            actors[item["key"]] = actor
        if written:
            log(actor, created)

    event_types = {event_type.code: event_type for event_type in EventType.objects.all()}
    for where, item in _items(document, "events"):
        with _reading(where):
            event, written, created = _load_event(
                item,
                where=where,
                dataset=dataset,
                event_types=event_types,
                locations=locations,
                actors=actors,
                sources=sources,
                summary=summary,
            )
        if written:
            log(event, created)
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
    event, written, created = _upsert(
        Event,
        where=where,
        lookup={"dataset": dataset, "external_id": item["external_id"]},
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
