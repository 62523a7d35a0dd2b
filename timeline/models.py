"""The event-timeline data model: who (Actor) did what (Event, EventType), where
(Location), when (dates with their precision), and on what evidence (Source).

Shaped after ACLED and UCDP GED (one row per event, a location with a precision,
dates with a precision) and PLOVER (the event vocabulary, actors with roles).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from timeline.event_shape import ACTOR, EVENT_TYPE, LOCATION, SOURCE
from timeline.vocabulary import dates
from timeline.vocabulary.countries import validate_country_code
from timeline.vocabulary.text import fold


def country_code_field(help_text: str) -> models.CharField:
    return models.CharField(
        max_length=2, blank=True, validators=[validate_country_code], help_text=help_text
    )


class NaturalKeyQuerySet(models.QuerySet):
    def natural_keys(self) -> Iterator[tuple[tuple[Any, ...], int]]:
        """(natural key, id) of each row, read in one query."""
        fields = self.model.natural_key_fields
        for *values, pk in self.values_list(*fields, "pk"):
            yield self.model.key_of(dict(zip(fields, values, strict=True))), pk


class NaturallyKeyed:
    """A record recognised by its fields across databases and files: the loader, the
    import and the generator all match places, actors and sources with ``key_of``.
    ``natural_key_fields`` are the columns of the model's unique constraint;
    ``folded_fields`` those it compares with LOWER() (Python's lower() here)."""

    natural_key_fields: ClassVar[tuple[str, ...]] = ()
    folded_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def key_of(cls, fields: Mapping[str, Any]) -> tuple[Any, ...]:
        """The natural key of a record given as a mapping of field names to values."""
        return tuple(
            fields[name].lower() if name in cls.folded_fields else fields[name]
            for name in cls.natural_key_fields
        )

    def natural_key(self) -> tuple[Any, ...]:
        return self.key_of({name: getattr(self, name) for name in self.natural_key_fields})

    @classmethod
    def natural_key_lookup(cls, fields: Mapping[str, Any]) -> dict[str, Any]:
        """ORM lookups that find the stored row with the same natural key."""
        return {
            f"{name}__iexact" if name in cls.folded_fields else name: fields[name]
            for name in cls.natural_key_fields
        }


class ShownInEvents(models.Model):
    """A row whose fields are part of how events read (nested in the event's JSON).

    Changing one of ``shown_fields`` (from timeline.event_shape) changes those events,
    so their updated_at moves too: a client syncing with updated_since sees them again.
    save() leaves their ids in ``touched_event_ids`` for the change log."""

    shown_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        changed = False
        if self.pk is not None and self.shown_fields:
            before = type(self)._default_manager.filter(pk=self.pk).values(*self.shown_fields)
            old = before.first()
            changed = old is not None and any(
                old[name] != getattr(self, name) for name in self.shown_fields
            )
        super().save(*args, **kwargs)
        self.touched_event_ids: list[int] = []
        if changed:
            self.touched_event_ids = list(self.events_showing().values_list("pk", flat=True))
            Event.objects.filter(pk__in=self.touched_event_ids).update(
                updated_at=timezone.now(), **self.event_copies()
            )

    def events_showing(self) -> models.QuerySet[Event]:
        raise NotImplementedError

    def event_copies(self) -> dict[str, Any]:
        """Columns events keep a copy of (see Event.country_code)."""
        return {}


class LocationKind(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region or province (first-level division)"
    CITY = "city", "City, town or village"
    SITE = "site", "Site (a building, base, mountain, border crossing...)"
    SEA = "sea", "Sea or other body of water"
    AREA = "area", "Other area (outside or across countries)"


# Kinds of place that may lie outside any country, so need no country code.
STATELESS_LOCATION_KINDS = (LocationKind.SEA, LocationKind.AREA)


class CoordinatePrecision(models.TextChoices):
    """How well the coordinates pin the place (after ACLED's geo_precision)."""

    EXACT = "exact", "Exact: the place itself"
    NEAR = "near", "Near: a nearby town or the named area's centre"
    REGION = "region", "Region: centroid of the first-level division"
    COUNTRY = "country", "Country: centroid of the country"


class Location(NaturallyKeyed, ShownInEvents):
    natural_key_fields = ("name", "kind", "country_code", "admin1")  # location_unique
    folded_fields = ("name", "admin1")
    shown_fields = LOCATION.shown_fields

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=LocationKind.choices)
    country_code = country_code_field(
        "ISO 3166-1 alpha-2 code; empty only for places outside any country."
    )
    admin1 = models.CharField(
        max_length=200, blank=True, help_text="First-level administrative division."
    )
    latitude = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="WGS 84 degrees, -90..90.",
    )
    longitude = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="WGS 84 degrees, -180..180.",
    )
    coordinate_precision = models.CharField(
        max_length=16,
        choices=CoordinatePrecision.choices,
        blank=True,
        help_text="How well the coordinates pin the place; empty when there are none.",
    )

    objects = NaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "kind", "country_code", Lower("admin1"), name="location_unique"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
            # Coordinates come as a pair, with a precision, or not at all.
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True, coordinate_precision="")
                | (
                    Q(latitude__isnull=False, longitude__isnull=False) & ~Q(coordinate_precision="")
                ),
                name="location_coordinates_complete",
            ),
            models.CheckConstraint(
                condition=~Q(country_code="") | Q(kind__in=STATELESS_LOCATION_KINDS),
                name="location_country_required",
            ),
        ]
        indexes = [
            # /locations/ in its default order (name, id), keyset-paginated.
            models.Index(fields=["name", "id"], name="location_name"),
            # /locations/?country=XX
            models.Index(fields=["country_code", "name"], name="location_country_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})" if self.country_code else self.name

    def events_showing(self) -> models.QuerySet[Event]:
        return Event.objects.filter(location=self)

    def event_copies(self) -> dict[str, Any]:
        return {"country_code": self.country_code}

    def clean(self) -> None:
        if not self.country_code and self.kind not in STATELESS_LOCATION_KINDS:
            raise ValidationError(
                {"country_code": "A country code is required unless the place is a sea or area."}
            )
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"latitude": "Give both latitude and longitude, or neither."})
        if self.latitude is not None and not self.coordinate_precision:
            raise ValidationError({"coordinate_precision": "Say how precise the coordinates are."})
        if self.latitude is None and self.coordinate_precision:
            raise ValidationError({"coordinate_precision": "There are no coordinates."})


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    STATE = "state", "State"
    GOVERNMENT_BODY = "government_body", "Government body (ministry, agency, office)"
    ARMED_FORCE = "armed_force", "State armed force (army, navy, air force, police)"
    ARMED_GROUP = "armed_group", "Non-state armed group"
    POLITICAL_GROUP = "political_group", "Political party or movement"
    ORGANISATION = "organisation", "International or intergovernmental organisation"
    MEDIA = "media", "News organisation"
    OTHER = "other", "Other"


wikidata_id_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id looks like Q794.")


class Actor(NaturallyKeyed, ShownInEvents):
    natural_key_fields = ("name", "kind", "country_code")  # actor_unique
    folded_fields = ("name",)
    shown_fields = ACTOR.shown_fields

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=ActorKind.choices)
    country_code = country_code_field(
        "ISO 3166-1 alpha-2 code of the country the actor belongs to, if any."
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names, spellings and transliterations."
    )
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(
        max_length=16, blank=True, validators=[wikidata_id_validator], help_text="e.g. Q794"
    )
    # Accent- and case-folded name and aliases, one per line, kept by save(): lets
    # SQLite and PostgreSQL answer an accent-insensitive name search the same way.
    search_text = models.TextField(blank=True, editable=False)

    objects = NaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # One entity, one actor: the same name, kind and country is the same actor.
            models.UniqueConstraint(Lower("name"), "kind", "country_code", name="actor_unique"),
            models.UniqueConstraint(
                fields=["wikidata_id"], condition=~Q(wikidata_id=""), name="actor_wikidata_unique"
            ),
        ]
        indexes = [
            # /actors/ in its default order (name, id), keyset-paginated.
            models.Index(fields=["name", "id"], name="actor_name"),
            # /actors/?kind=...&country=...
            models.Index(fields=["kind", "country_code"], name="actor_kind_country"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = "\n".join(fold(name) for name in [self.name, *self.aliases])
        super().save(*args, **kwargs)

    def events_showing(self) -> models.QuerySet[Event]:
        return Event.objects.filter(event_actors__actor=self)

    def clean(self) -> None:
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) for alias in self.aliases
        ):
            raise ValidationError({"aliases": "A list of strings."})


class EventType(ShownInEvents):
    """A term of the event vocabulary: PLOVER's quad categories, event types and modes."""

    code = models.CharField(
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", "Lower-case words joined by dots.")
        ],
        help_text="e.g. consult.visit: a mode's code starts with its event type's code.",
    )
    label = models.CharField(max_length=128)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    shown_fields = EVENT_TYPE.shown_fields

    def __str__(self) -> str:
        return f"{self.code} ({self.label})"

    def events_showing(self) -> models.QuerySet[Event]:
        return Event.objects.filter(event_type=self)


class DatePrecision(models.TextChoices):
    DAY = dates.DAY, "Day"
    MONTH = dates.MONTH, "Month"
    YEAR = dates.YEAR, "Year"


class Certainty(models.TextChoices):
    """How well the event itself is established (not its date or place)."""

    CONFIRMED = "confirmed", "Confirmed by official records or several independent sources"
    REPORTED = "reported", "Reported by a single source or by one party's media"
    CLAIMED = "claimed", "Claimed or alleged, not independently reported"


class EventQuerySet(models.QuerySet["Event"]):
    def with_related(self, fields: tuple[str, ...] | list[str] | None = None) -> EventQuerySet:
        """The events with what their JSON shows, in a fixed number of queries for any
        number of events: the events joined to their type and location, then one query
        for the actors and one for the sources, each only when ``fields`` wants it."""
        queryset = self.select_related("event_type", "location")
        if fields is None or "actors" in fields:
            queryset = queryset.prefetch_related(
                models.Prefetch("event_actors", queryset=EventActor.objects.select_related("actor"))
            )
        if fields is None or "sources" in fields:
            queryset = queryset.prefetch_related(
                models.Prefetch(
                    "event_sources", queryset=EventSource.objects.select_related("source")
                )
            )
        return queryset


class Event(models.Model):
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    start_date = models.DateField(help_text="First day the event may have taken place.")
    end_date = models.DateField(
        help_text="Last day the event may have taken place (for an ongoing event, the last "
        "day it is known to have continued)."
    )
    date_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the dates are known: 'June 2002' is 2002-06-01..2002-06-30 "
        "with precision month.",
    )
    ongoing = models.BooleanField(
        default=False,
        help_text="The event was still going on at end_date; its real end is later or unknown.",
    )
    certainty = models.CharField(
        max_length=16, choices=Certainty.choices, default=Certainty.REPORTED
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # A copy of location.country_code, kept by save() and Location.save(): it lets
    # "events in country X between dates A and B" run on one index of this table
    # (event_country_start) and stop after one page instead of sorting every match.
    country_code = models.CharField(max_length=2, blank=True, editable=False)
    # Where the event came from, for imports that must update instead of duplicating:
    # ("seed-article", "iran-oman-mountain-falcons-1"), ("acled", "IRN1234").
    dataset = models.CharField(max_length=64, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    actors = models.ManyToManyField(Actor, through="EventActor", related_name="events")
    sources = models.ManyToManyField("Source", through="EventSource", related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="event_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["dataset", "external_id"],
                condition=~Q(external_id=""),
                name="event_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(external_id="") | ~Q(dataset=""),
                name="event_external_id_has_dataset",
            ),
        ]
        indexes = [
            # /events/?country=XX&date_from=..&date_to=.. ordered by start date (the
            # front-end timeline and map query); id breaks ties for keyset pagination.
            models.Index(fields=["country_code", "start_date", "id"], name="event_country_start"),
            # /events/ ordered by start date, and date ranges without a country.
            models.Index(fields=["start_date", "id"], name="event_start"),
            # /events/?ordering=end_date
            models.Index(fields=["end_date", "id"], name="event_end"),
            # /events/?updated_since=.. and ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="event_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.country_code = self.location.country_code if self.location_id else ""
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = dates.date_errors(self.start_date, self.end_date, self.date_precision)
        if errors:
            raise ValidationError(errors)


# The text the events' full-text search reads on PostgreSQL: the GIN index event_search
# (migration 0003, which holds a copy) is on exactly this expression, so the planner uses it.
_TITLE, _SUMMARY = (
    f'"{Event._meta.db_table}"."{Event._meta.get_field(name).column}"'
    for name in ("title", "summary")
)
EVENT_SEARCH_VECTOR_SQL = f"to_tsvector('english'::regconfig, {_TITLE} || ' ' || {_SUMMARY})"


class ActorRole(models.TextChoices):
    INITIATOR = "initiator", "Initiator: the actor that acted"
    TARGET = "target", "Target: the actor acted upon"
    PARTICIPANT = "participant", "Participant on an equal footing"
    HOST = "host", "Host"
    VISITOR = "visitor", "Visitor"
    SUPPORTER = "supporter", "Supporter of another actor's action"
    MEDIATOR = "mediator", "Mediator"
    BYSTANDER = "bystander", "Named as staying out of it"


class EventActor(models.Model):
    """An actor's part in an event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_actors")
    # No index of its own: the unique index (actor, event) below serves it.
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="event_actors", db_index=False
    )
    role = models.CharField(max_length=16, choices=ActorRole.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            # The unique index (actor, event) also serves /actors/{id}/events/.
            models.UniqueConstraint(fields=["actor", "event"], name="event_actor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} as {self.role} in {self.event_id}"


class Source(NaturallyKeyed, ShownInEvents):
    # source_publisher_title_unique; a non-empty url is a key of its own (source_url_unique).
    natural_key_fields = ("publisher", "title", "published_on")
    shown_fields = SOURCE.shown_fields

    url = models.URLField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    published_on = models.DateField(null=True, blank=True)

    objects = NaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ["publisher", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
            models.UniqueConstraint(
                fields=["publisher", "title", "published_on"], name="source_publisher_title_unique"
            ),
            # NULLs are distinct in a unique index: undated sources need their own.
            models.UniqueConstraint(
                fields=["publisher", "title"],
                condition=Q(published_on__isnull=True),
                name="source_undated_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title}"

    def events_showing(self) -> models.QuerySet[Event]:
        return Event.objects.filter(event_sources__source=self)


class EventSource(models.Model):
    """A source an event rests on, with the passage that supports it."""

    # No index of its own: the unique index (event, source) below serves it.
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="event_sources", db_index=False
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="event_sources")
    quote = models.TextField(help_text="The passage of the source that supports the event.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "source"], name="event_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} for {self.event_id}"


class ChangeAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class ChangeEntity(models.TextChoices):
    EVENT = "event", "Event"
    ACTOR = "actor", "Actor"
    LOCATION = "location", "Location"
    SOURCE = "source", "Source"


class DeletionReason(models.TextChoices):
    DUPLICATE = "duplicate", "A duplicate of another record (see duplicate_of)"
    OUT_OF_SCOPE = "out_of_scope", "Out of the dataset's scope"
    ERROR = "error", "Entered in error"
    OTHER = "other", "Other (see note)"


class Change(models.Model):
    """One entry of the append-only change log: who changed what, when, and the
    record as it read afterwards. /api/v1/changes/ serves it as a feed, oldest first;
    replaying it brings a copy up to date. Writes take a lock first (see
    timeline.services.changes.changes_lock), so ids and times follow commit order."""

    entity = models.CharField(max_length=16, choices=ChangeEntity.choices)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(
        null=True, blank=True, help_text="The record's API representation after the change."
    )
    reason = models.CharField(max_length=16, choices=DeletionReason.choices, blank=True)
    duplicate_of = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action=ChangeAction.DELETED, data__isnull=True)
                | (~Q(action=ChangeAction.DELETED) & Q(data__isnull=False, reason="")),
                name="change_tombstone_shape",
            ),
            models.CheckConstraint(
                condition=~Q(action=ChangeAction.DELETED) | ~Q(reason=""),
                name="change_deletion_has_reason",
            ),
        ]
        indexes = [
            # /changes/?since=... (the feed, keyset on (at, id))
            models.Index(fields=["at", "id"], name="change_at"),
            # /events/{id}/history/ and the like
            models.Index(fields=["entity", "object_id", "at", "id"], name="change_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.entity} {self.object_id} {self.action}"


class ChangeLock(models.Model):
    """A single row that every write locks first, so that writes (and their change
    log entries) commit one after another."""

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="change_lock_singleton")]

    def __str__(self) -> str:
        return "change lock"
