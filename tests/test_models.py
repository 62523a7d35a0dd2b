from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import ActorFactory, EventActorFactory, EventFactory, LocationFactory
from timeline.models import (
    Actor,
    ActorKind,
    CoordinatePrecision,
    DatePrecision,
    Event,
    EventType,
    Location,
    LocationKind,
)
from timeline.vocabulary.countries import validate_country_code
from timeline.vocabulary.dates import date_errors
from timeline.vocabulary.taxonomy import EVENT_TYPES
from timeline.vocabulary.text import fold

pytestmark = pytest.mark.django_db

D = dt.date


# -- Event -----------------------------------------------------------------------------


def test_an_event_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(start_date=D(2024, 10, 2), end_date=D(2024, 10, 1))


def test_an_event_may_start_and_end_on_the_same_day():
    event = EventFactory(start_date=D(2024, 10, 2), end_date=D(2024, 10, 2))

    assert Event.objects.filter(pk=event.pk).exists()


def test_an_external_id_is_unique_within_its_dataset():
    EventFactory(dataset="acled", external_id="IRN1234")

    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(dataset="acled", external_id="IRN1234")


def test_the_same_external_id_may_appear_in_two_datasets():
    EventFactory(dataset="acled", external_id="IRN1234")
    EventFactory(dataset="ucdp", external_id="IRN1234")

    assert Event.objects.filter(external_id="IRN1234").count() == 2


def test_events_without_an_external_id_are_not_duplicates_of_each_other():
    EventFactory(dataset="acled", external_id="")
    EventFactory(dataset="acled", external_id="")

    assert Event.objects.filter(dataset="acled").count() == 2


def test_an_external_id_needs_a_dataset():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(dataset="", external_id="IRN1234")


def test_an_event_copies_its_locations_country_on_save():
    event = EventFactory(location__country_code="QA")

    event.refresh_from_db()
    assert event.country_code == "QA"


def test_an_event_without_a_location_has_no_country():
    event = EventFactory(location=None)

    event.refresh_from_db()
    assert event.country_code == ""


def test_moving_an_event_to_another_location_updates_its_country():
    event = EventFactory(location__country_code="OM")
    event.location = LocationFactory(country_code="QA")
    event.save()

    event.refresh_from_db()
    assert event.country_code == "QA"


def test_changing_a_locations_country_updates_its_events_only():
    location = LocationFactory(country_code="OM")
    events = EventFactory.create_batch(2, location=location)
    elsewhere = EventFactory(location__country_code="OM")

    location.country_code = "AE"
    location.save()

    assert [Event.objects.get(pk=e.pk).country_code for e in events] == ["AE", "AE"]
    assert Event.objects.get(pk=elsewhere.pk).country_code == "OM"


# -- date_errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2002, 6, 1), D(2002, 6, 30)),  # June 2002
        (D(2002, 6, 1), D(2002, 7, 31)),  # June-July 2002
        (D(2024, 2, 1), D(2024, 2, 29)),  # a leap February
        (D(2023, 2, 1), D(2023, 2, 28)),
        (D(2002, 12, 1), D(2003, 1, 31)),  # across a new year
    ],
)
def test_month_precision_accepts_whole_months(start, end):
    assert date_errors(start, end, DatePrecision.MONTH) == {}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2002, 6, 2), D(2002, 6, 30)),  # does not start on the 1st
        (D(2002, 6, 1), D(2002, 6, 29)),  # does not end on the last day
        (D(2023, 2, 1), D(2023, 2, 27)),
        (D(2002, 6, 1), D(2002, 7, 30)),
    ],
)
def test_month_precision_rejects_partial_months(start, end):
    assert set(date_errors(start, end, DatePrecision.MONTH)) == {"date_precision"}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2002, 1, 1), D(2002, 12, 31)),
        (D(2002, 1, 1), D(2004, 12, 31)),  # three whole years
    ],
)
def test_year_precision_accepts_whole_years(start, end):
    assert date_errors(start, end, DatePrecision.YEAR) == {}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2002, 1, 2), D(2002, 12, 31)),
        (D(2002, 1, 1), D(2002, 12, 30)),
        (D(2002, 6, 1), D(2002, 6, 30)),  # a whole month is not a whole year
        (D(2002, 2, 1), D(2002, 12, 31)),
    ],
)
def test_year_precision_rejects_partial_years(start, end):
    assert set(date_errors(start, end, DatePrecision.YEAR)) == {"date_precision"}


def test_day_precision_accepts_any_ordered_pair():
    assert date_errors(D(2002, 6, 2), D(2002, 6, 17), DatePrecision.DAY) == {}


def test_an_end_before_the_start_is_reported_on_end_date_whatever_the_precision():
    for precision in DatePrecision.values:
        assert set(date_errors(D(2002, 6, 2), D(2002, 6, 1), precision)) == {"end_date"}


def test_a_missing_date_is_left_to_the_field_validation():
    assert date_errors(None, D(2002, 6, 30), DatePrecision.MONTH) == {}
    assert date_errors(D(2002, 6, 1), None, DatePrecision.MONTH) == {}


def test_event_clean_raises_the_date_errors():
    event = Event(
        start_date=D(2002, 6, 2), end_date=D(2002, 6, 30), date_precision=DatePrecision.MONTH
    )

    with pytest.raises(ValidationError) as error:
        event.clean()

    assert set(error.value.message_dict) == {"date_precision"}


# -- Location --------------------------------------------------------------------------


@pytest.mark.parametrize("latitude", [90.5, -90.5, 180.0])
def test_a_latitude_out_of_range_is_refused(latitude):
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(latitude=latitude, longitude=0.0)


@pytest.mark.parametrize("longitude", [180.5, -180.5, 360.0])
def test_a_longitude_out_of_range_is_refused(longitude):
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(latitude=0.0, longitude=longitude)


def test_the_extreme_coordinates_are_accepted():
    LocationFactory(latitude=90.0, longitude=180.0)
    LocationFactory(latitude=-90.0, longitude=-180.0)

    assert Location.objects.count() == 2


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(23.6, None), (None, 58.4)],
)
def test_a_location_cannot_have_only_one_coordinate(latitude, longitude):
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(latitude=latitude, longitude=longitude)


def test_coordinates_need_a_precision():
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(latitude=23.6, longitude=58.4, coordinate_precision="")


def test_a_precision_needs_coordinates():
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(
            latitude=None, longitude=None, coordinate_precision=CoordinatePrecision.EXACT
        )


def test_a_location_may_have_no_coordinates_at_all():
    location = LocationFactory(latitude=None, longitude=None, coordinate_precision="")

    assert Location.objects.filter(pk=location.pk).exists()


@pytest.mark.parametrize(
    "kind",
    [LocationKind.COUNTRY, LocationKind.REGION, LocationKind.CITY, LocationKind.SITE],
)
def test_a_place_on_land_needs_a_country_code(kind):
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(name="Somewhere", kind=kind, country_code="")


@pytest.mark.parametrize("kind", [LocationKind.SEA, LocationKind.AREA])
def test_a_sea_or_area_needs_no_country_code(kind):
    location = Location.objects.create(name="Strait of Hormuz", kind=kind, country_code="")

    assert Location.objects.filter(pk=location.pk).exists()


# -- Actor -----------------------------------------------------------------------------


def test_the_same_actor_in_another_case_is_a_duplicate():
    Actor.objects.create(name="Masoud Pezeshkian", kind=ActorKind.PERSON, country_code="IR")

    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(name="MASOUD pezeshkian", kind=ActorKind.PERSON, country_code="IR")


def test_the_same_name_with_another_kind_or_country_is_another_actor():
    ActorFactory(name="Oman", kind=ActorKind.STATE, country_code="OM")
    ActorFactory(name="Oman", kind=ActorKind.OTHER, country_code="OM")
    ActorFactory(name="Oman", kind=ActorKind.STATE, country_code="")

    assert Actor.objects.filter(name="Oman").count() == 3


def test_two_actors_cannot_share_a_wikidata_id():
    ActorFactory(name="Oman", kind=ActorKind.STATE, wikidata_id="Q842")

    with pytest.raises(IntegrityError), transaction.atomic():
        ActorFactory(name="Sultanate of Oman", kind=ActorKind.STATE, wikidata_id="Q842")


def test_many_actors_may_have_no_wikidata_id():
    ActorFactory.create_batch(3, wikidata_id="")

    assert Actor.objects.filter(wikidata_id="").count() == 3


def test_search_text_folds_accents_and_case_of_the_name_and_aliases():
    actor = ActorFactory(name="Masoud PEZESHKIAN", aliases=["Mas'ud Pezeshkiyān", "Pézéshkian"])

    actor.refresh_from_db()
    assert actor.search_text == "masoud pezeshkian\nmas'ud pezeshkiyan\npezeshkian"
    assert list(Actor.objects.filter(search_text__contains=fold("PEZESHKIYĀN"))) == [actor]


def test_search_text_follows_the_aliases_on_save():
    actor = ActorFactory(name="Haitham bin Tariq", aliases=[])
    actor.aliases = ["Haitham bin Tāriq Āl Sa'īd"]
    actor.save()

    actor.refresh_from_db()
    assert actor.search_text == "haitham bin tariq\nhaitham bin tariq al sa'id"


# -- Country codes ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["XX", "omn", "om", "OMN", "Om", "O", " OM"])
def test_a_country_code_must_be_an_upper_case_alpha2_code(code):
    with pytest.raises(ValidationError):
        validate_country_code(code)


@pytest.mark.parametrize("code", ["OM", "IR", "QA", ""])
def test_known_alpha2_codes_and_blank_are_valid(code):
    validate_country_code(code)  # does not raise


def test_model_validation_applies_the_country_code_validator():
    location = LocationFactory.build(country_code="om")

    with pytest.raises(ValidationError) as error:
        location.full_clean()

    assert set(error.value.message_dict) == {"country_code"}


# -- Event vocabulary ------------------------------------------------------------------


def test_the_migration_loads_the_plover_vocabulary():
    assert EventType.objects.count() == len(EVENT_TYPES) > 100


def test_a_mode_sits_under_its_event_type_under_its_quad_category():
    visit = EventType.objects.select_related("parent__parent").get(code="consult.visit")

    assert visit.parent.code == "consult"
    assert visit.parent.parent.code == "verbal-cooperation"
    assert visit.parent.parent.parent_id is None


def test_the_vocabulary_has_four_quad_categories_at_its_root():
    roots = EventType.objects.filter(parent=None).values_list("code", flat=True)

    assert set(roots) == {
        "verbal-cooperation",
        "material-cooperation",
        "verbal-conflict",
        "material-conflict",
    }


def test_every_mode_code_starts_with_its_event_types_code():
    children = EventType.objects.exclude(parent=None).select_related("parent")

    for event_type in children:
        parent = event_type.parent
        if "." in event_type.code:  # a mode: <type>.<mode> under <type>
            assert event_type.code.startswith(parent.code + "."), event_type.code
            assert event_type.code.count(".") == 1, event_type.code
        else:  # an event type, directly under a quad category
            assert parent.parent_id is None, event_type.code
    assert any("." in event_type.code for event_type in children)


def _age(event: Event) -> dt.datetime:
    """Make the event look a day old; return its new updated_at."""
    old = timezone.now() - dt.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(updated_at=old)
    return old


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("name", "Doha, Qatar"), ("latitude", 25.3), ("country_code", "AE")],
)
def test_editing_a_location_moves_its_events_updated_at(attribute, value):
    event = EventFactory(location__country_code="QA")
    other = EventFactory()
    old = _age(event)
    other_old = _age(other)

    location = event.location
    setattr(location, attribute, value)
    location.save()

    event.refresh_from_db()
    other.refresh_from_db()
    assert event.updated_at > old
    assert other.updated_at == other_old
    assert event.country_code == location.country_code


def test_saving_a_location_unchanged_leaves_its_events_alone():
    event = EventFactory()
    old = _age(event)

    event.location.save()

    event.refresh_from_db()
    assert event.updated_at == old


def test_renaming_an_actor_moves_the_updated_at_of_its_events():
    link = EventActorFactory()
    old = _age(link.event)

    link.actor.name = "Ansar Allah"
    link.actor.save()

    link.event.refresh_from_db()
    assert link.event.updated_at > old


def test_editing_an_actors_description_leaves_its_events_alone():
    link = EventActorFactory()
    old = _age(link.event)

    link.actor.description = "Not shown inside events."
    link.actor.save()

    link.event.refresh_from_db()
    assert link.event.updated_at == old
