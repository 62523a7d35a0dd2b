"""The checker: records validated whole and their places, actors and sources resolved to
what exists or is new, in chunks that the writer (writing.py) writes as batches. It reads
the database only when it is made, so it can run in a process of its own (parallel.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from timeline.bulk.importing.readers import Record, Unreadable
from timeline.bulk.importing.validation import (
    SOURCE_FIELDS,
    Invalid,
    NaturalKey,
    actor_checked,
    actor_role,
    as_list,
    as_object,
    event_key,
    event_values,
    location_checked,
    source_checked,
    source_quote,
)
from timeline.models import Actor, EventType, Location, Source
from timeline.vocabulary.text import fold

# Event columns an import writes, compared to tell an update from no change: a checked
# record's values, in this order (validation.event_values).
COMPARED = (
    "title",
    "summary",
    "event_type_id",
    "start_date",
    "end_date",
    "date_precision",
    "ongoing",
    "certainty",
)

# A place, actor or source as the checker resolves it: the id of one that exists, or
# (n,) for the n-th new one (a tuple, so that no id, 0 or negative included, can be
# taken for one).
Token = int | tuple[int]

# A valid record as Checker.check gives it: (dataset, external_id), the COMPARED
# values, the country, then the place's token (or None), [(actor token, role)] and
# [(source token, quote)]. A plain tuple: chunks of them cross a pipe.
Checked = tuple[
    tuple[str, str], tuple, str, Token | None, list[tuple[Token, str]], list[tuple[Token, str]]
]


class Chunk(NamedTuple):
    """A run of rows, checked: what the import writes as one batch."""

    rows: int  # rows read, valid or not
    checked: list[Checked]
    rejected: list[tuple[int, str]]  # (row number, reason)
    # The fields of the places, actors and sources that the checked records name first.
    new_locations: list[dict[str, Any]]
    new_actors: list[dict[str, Any]]
    new_sources: list[dict[str, Any]]


def checked_chunks(
    records: Iterable[tuple[int, Record]], checker: Checker, size: int, skip_invalid: bool
) -> Iterator[Chunk]:
    """The records checked, in chunks of ``size`` valid ones; without ``skip_invalid``
    the chunk with the first invalid row is the last."""
    rows = 0
    checked: list[Checked] = []
    rejected: list[tuple[int, str]] = []
    for number, record in records:
        rows += 1
        try:
            if isinstance(record, Unreadable):
                raise Invalid(record.reason)
            if not isinstance(record, dict):
                raise Invalid("not an event object.")
            checked.append(checker.check(number, record))
        except Invalid as error:
            rejected.append((number, str(error)))
            if not skip_invalid:
                break
        if len(checked) >= size:
            yield checker.chunk(rows, checked, rejected)
            rows, checked, rejected = 0, [], []
    yield checker.chunk(rows, checked, rejected)


def _ids_by_key(model: type[Location | Actor]) -> dict[NaturalKey, Token]:
    """The model's records: natural key -> id. In id order, the first wins where two
    stored names fold alike in Python but not in the database (SQLite's LOWER() folds
    ASCII letters only)."""
    ids: dict[NaturalKey, Token] = {}
    for key, pk in model.objects.order_by("pk").natural_keys():
        ids.setdefault(key, pk)
    return ids


class Checker:
    """Checks records and resolves the places, actors and sources they name to tokens
    (Token): the id of one that exists, or (n,) for the n-th new one of its kind (from
    0), whose fields come once, in the chunk that names it first."""

    def __init__(self, *, dataset: str) -> None:
        self.dataset = dataset
        self.event_types = dict(EventType.objects.values_list("code", "id"))
        # What exists, by natural key (and sources by URL too): new ones join as tokens.
        self.locations: dict[NaturalKey, Token] = _ids_by_key(Location)
        self.actors: dict[NaturalKey, Token] = _ids_by_key(Actor)
        self.sources: dict[NaturalKey, Token] = {}
        self.source_urls: dict[str, Token] = {}
        names = Source.natural_key_fields
        for pk, url, *values in Source.objects.values_list("pk", "url", *names):
            self.sources[Source.key_of(dict(zip(names, values, strict=True)))] = pk
            if url:
                self.source_urls[url] = pk
        # The fields of the new places, actors and sources since the last chunk.
        self.new_locations: list[dict[str, Any]] = []
        self.new_actors: list[dict[str, Any]] = []
        self.new_sources: list[dict[str, Any]] = []
        self.created = {"locations": 0, "actors": 0, "sources": 0}  # new ones in all
        self.seen: dict[tuple[str, str], int] = {}  # event key -> row number
        # Places, actors and sources already found valid, by the values a record gives
        # for them: files name the same ones in row after row, and checking them again
        # was a fifth of the validation's time.
        self.valid_locations: dict[tuple, tuple[NaturalKey, dict[str, Any]]] = {}
        self.valid_actors: dict[tuple, tuple[NaturalKey, dict[str, Any]]] = {}
        self.valid_sources: dict[tuple, tuple[str, NaturalKey, dict[str, Any]]] = {}

    def chunk(self, rows: int, checked: list[Checked], rejected: list[tuple[int, str]]) -> Chunk:
        """These rows' results, with the fields of the new records they name."""
        chunk = Chunk(
            rows, checked, rejected, self.new_locations, self.new_actors, self.new_sources
        )
        self.new_locations, self.new_actors, self.new_sources = [], [], []
        return chunk

    # -- a record, checked and resolved -------------------------------------------------
    def check(self, number: int, record: dict[str, Any]) -> Checked:
        """The record, checked and resolved, or Invalid. Registers new places, actors
        and sources only once the whole record is known to be valid."""
        key = event_key(record, self.dataset)
        if key in self.seen:
            raise Invalid(
                f"dataset/external_id: {key[0]}/{key[1]} is already row {self.seen[key]}."
            )
        values = event_values(record, self.event_types)
        location = self._location(record.get("location"))
        actors = self._actors(record.get("actors"))
        sources = self._sources(record.get("sources"))

        # Valid: resolve to existing records or register new ones.
        self.seen[key] = number
        return (
            key,
            values,
            "" if location is None else location[1]["country_code"],
            None if location is None else self._location_token(*location),
            [(self._actor_token(actor_key, fields), role) for actor_key, fields, role in actors],
            [(self._source_token(*source), quote) for *source, quote in sources],
        )

    def _location(self, value: Any) -> tuple[NaturalKey, dict[str, Any]] | None:
        if value is None:
            return None
        item = as_object(value, "location")
        # The coordinates' types too: True == 1 == 1.0, but only numbers are valid.
        raw = (
            *map(item.get, Location.shown_fields),
            type(item.get("latitude")),
            type(item.get("longitude")),
        )
        try:
            return self.valid_locations[raw]
        except KeyError:
            found = self.valid_locations[raw] = location_checked(item)
            return found
        except TypeError:  # a value that cannot be a key (a list...): invalid anyway
            return location_checked(item)

    def _actors(self, value: Any) -> list[tuple[NaturalKey, dict[str, Any], str]]:
        specs = []
        seen: set[NaturalKey] = set()
        for n, item in enumerate(as_list(value, "actors")):
            item = as_object(item, f"actors[{n}]")
            raw = (item.get("name"), item.get("kind"), item.get("country_code"))
            try:
                key, fields = self.valid_actors[raw]
            except KeyError:
                key, fields = self.valid_actors[raw] = actor_checked(item, n)
            except TypeError:  # a value that cannot be a key (a list...): invalid anyway
                key, fields = actor_checked(item, n)
            role = actor_role(item, n)
            if key in seen:
                raise Invalid(
                    f"actors[{n}]: {fields['name']} ({fields['kind']}) appears more than once "
                    "in the event."
                )
            seen.add(key)
            specs.append((key, fields, role))
        return specs

    def _sources(self, value: Any) -> list[tuple[str, NaturalKey, dict[str, Any], str]]:
        specs = []
        seen: set[Any] = set()
        # The source each item will resolve to, to refuse one source twice: as
        # _source_token resolves it once the record's earlier items are registered.
        new_urls: dict[str, Any] = {}
        new_keys: dict[NaturalKey, Any] = {}
        for n, item in enumerate(as_list(value, "sources")):
            item = as_object(item, f"sources[{n}]")
            raw = tuple(map(item.get, SOURCE_FIELDS))
            try:
                url, key, fields = self.valid_sources[raw]
            except KeyError:
                checked = self.valid_sources[raw] = source_checked(item, n, self.source_urls)
                url, key, fields = checked
            except TypeError:  # a value that cannot be a key (a list...): invalid anyway
                url, key, fields = source_checked(item, n, self.source_urls)
            quote = source_quote(item, n)
            identity = self._source_identity(url, key, new_urls, new_keys)
            if identity is None:  # new, and registered as _source_token will register it
                identity = ("new", n)
                if url:
                    new_urls[url] = identity
                new_keys[key] = identity
            if identity in seen:
                raise Invalid(
                    f"sources[{n}]: {fields['publisher']}: {fields['title']} appears more "
                    "than once."
                )
            seen.add(identity)
            specs.append((url, key, fields, quote))
        return specs

    def _source_identity(
        self, url: str, key: NaturalKey, new_urls: dict[str, Any], new_keys: dict
    ) -> Any:
        """Which source _source_find will give for an item, after this record's earlier
        items that are new (new_urls, new_keys) are registered: by URL first, then by
        natural key. None: a new one."""
        if url:
            if url in new_urls:
                return new_urls[url]
            if (token := self.source_urls.get(url)) is not None:
                return ("known", token)
        if key in new_keys:
            return new_keys[key]
        token = self.sources.get(key)
        return None if token is None else ("known", token)

    # -- resolved to tokens -------------------------------------------------------------
    def _location_token(self, key: NaturalKey, fields: dict[str, Any]) -> Token:
        token = self.locations.get(key)
        if token is None:
            token = self.locations[key] = self._new("locations", self.new_locations, fields)
        return token

    def _actor_token(self, key: NaturalKey, fields: dict[str, Any]) -> Token:
        token = self.actors.get(key)
        if token is None:
            # bulk_create skips Actor.save(), which keeps search_text.
            fields = {**fields, "search_text": fold(fields["name"])}
            token = self.actors[key] = self._new("actors", self.new_actors, fields)
        return token

    def _source_find(self, url: str, key: NaturalKey) -> Token | None:
        """The source with this URL, else with this natural key."""
        token = self.source_urls.get(url) if url else None
        return self.sources.get(key) if token is None else token

    def _source_token(self, url: str, key: NaturalKey, fields: dict[str, Any]) -> Token:
        token = self._source_find(url, key)
        if token is None:
            token = self.sources[key] = self._new("sources", self.new_sources, fields)
            if url:
                self.source_urls[url] = token
        return token

    def _new(self, kind: str, new: list[dict[str, Any]], fields: dict[str, Any]) -> Token:
        new.append(fields)
        self.created[kind] += 1
        return (self.created[kind] - 1,)
