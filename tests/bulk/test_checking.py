"""Records checked whole and their places, actors and sources resolved
(timeline/bulk/importing/checking.py and validation.py)."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tests.bulk.test_importing import api_events, counts, import_jsonl, valid_record, without_ids
from tests.factories import LocationFactory, SourceFactory
from timeline.bulk.importing import RowError
from timeline.models import Event

pytestmark = pytest.mark.django_db


def with_location(**changes) -> dict:
    return {**valid_record()["location"], **changes}


def with_actor(**changes) -> list:
    first, second = valid_record()["actors"]
    return [{**first, **changes}, second]


def with_source(**changes) -> list:
    return [{**valid_record()["sources"][0], **changes}]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": ""}, "title: required."),
        ({"title": "x" * 301}, "title: at most 300 characters"),
        ({"title": 7}, "title: a string is required"),
        ({"summary": "a\x00b"}, "summary: NUL bytes are not allowed."),
        ({"external_id": ""}, "external_id: required (or the id of an exported event)"),
        ({"event_type": {"code": "assault.nope"}}, "event_type: 'assault.nope' is not"),
        ({"start_date": "2024-02-30"}, "start_date: '2024-02-30' is not a real date."),
        ({"start_date": "2024-09"}, "start_date: '2024-09' is not a YYYY-MM-DD date."),
        ({"end_date": "2024-09-01"}, "end_date: The end date is before the start date."),
        ({"date_precision": "month"}, "date_precision: With precision month"),
        ({"date_precision": "week"}, "date_precision: 'week' is not one of"),
        ({"ongoing": "yes"}, "ongoing: true or false"),
        ({"certainty": "sure"}, "certainty: 'sure' is not one of"),
        ({"location": with_location(country_code="XX")}, "location.country_code: 'XX' is not"),
        ({"location": with_location(kind="city", country_code="")}, "location.country_code"),
        ({"location": with_location(latitude=91)}, "location.latitude: 91 is out of range"),
        ({"location": with_location(longitude=None)}, "give both latitude and longitude"),
        ({"location": with_location(coordinate_precision="")}, "say how precise"),
        ({"location": with_location(name="n" * 201)}, "location.name: at most 200"),
        ({"location": "Muscat"}, "location: an object is required."),
        ({"actors": with_actor(role="villain")}, "actors[0].role: 'villain' is not one of"),
        ({"actors": with_actor(role=["host"])}, "actors[0].role: ['host'] is not one of"),
        ({"actors": with_actor(kind="")}, "actors[0].kind: required."),
        ({"actors": with_actor(kind=["person"])}, "actors[0].kind: ['person'] is not one of"),
        ({"actors": ["Oman"]}, "actors[0]: an object is required."),
        ({"actors": with_actor(country_code="Oman")}, "actors[0].country_code"),
        ({"actors": with_actor(name="IRIA ground forces", country_code="IR")}, "more than once"),
        ({"sources": with_source(url="not a url")}, "sources[0].url: Enter a valid URL."),
        ({"sources": with_source(quote="")}, "sources[0].quote: required."),
        ({"sources": with_source(published_on="30/09/2024")}, "sources[0].published_on"),
        ({"sources": with_source() * 2}, "sources[1]: IRNA: Exercise begins appears more"),
        ({"sources": "IRNA"}, "sources: a list is required."),
    ],
)
def test_an_invalid_record_is_refused_naming_the_field(overrides, reason):
    with pytest.raises(RowError) as raised:
        import_jsonl([valid_record(**overrides)])

    assert raised.value.row == 1
    assert reason in raised.value.reason
    assert all(count == 0 for count in counts().values())


def test_a_valid_record_is_imported_whole(api):
    import_jsonl([valid_record()])

    [event] = api_events(api)
    expected = valid_record()
    assert without_ids(event) == {
        **expected,
        "event_type": {"code": "cooperate", "label": "Cooperate"},
    }


def test_two_rows_for_one_event_are_refused():
    with pytest.raises(RowError) as raised:
        import_jsonl([valid_record(), valid_record(title="Again")])

    assert (raised.value.row, raised.value.reason) == (
        2,
        "dataset/external_id: test/1 is already row 1.",
    )


def test_a_place_or_actor_checked_once_is_checked_again_when_it_differs():
    """Validation remembers the places and actors it found valid, by their values: a
    row naming one with other values (True for 1.0, a blank name) is checked anew."""
    first = valid_record(external_id="1")
    first["location"].update(latitude=1.0, longitude=1.0, coordinate_precision="exact")
    boolean = orjson.loads(orjson.dumps(first))
    boolean.update(external_id="2")
    boolean["location"]["latitude"] = True
    blank = orjson.loads(orjson.dumps(first))
    blank.update(external_id="3")
    blank["actors"][0]["name"] = " "

    summary = import_jsonl([first, boolean, blank], skip_invalid=True)

    assert summary.created["events"] == 1
    assert summary.rejected == [
        (2, "location.latitude: a number is required, not True."),
        (3, "actors[0].name: required."),
    ]


def test_a_place_with_id_zero_is_linked_as_any_other():
    """The import stands for new places by a token that no id can be taken for, 0
    included (ids are the database's: a fixture may start at 0)."""
    zero = LocationFactory(id=0, name="Sohar", kind="city", country_code="OM", admin1="")
    new = valid_record(external_id="1")  # names a new place first
    known = valid_record(
        external_id="2", location=with_location(name="SOHAR", kind="city", admin1="")
    )

    import_jsonl([new, known])

    assert Event.objects.get(external_id="2").location_id == zero.pk == 0
    assert Event.objects.get(external_id="1").location.name == "Jebel Akhdar"


def test_a_source_named_twice_through_its_url_is_refused_not_an_error():
    """Sources match on their URL first: a record's second item with the URL of its
    first (new) source is that source again, even when its publisher, title and date
    are those of another source that exists. Refused as a repeat, with or without
    skip_invalid, not left to the database's unique constraint."""
    SourceFactory(url="", publisher="IRNA", title="Exercise ends", published_on=None)
    first, *_ = with_source(title="Exercise begins")
    second = {**first, "title": "Exercise ends", "published_on": None}
    record = valid_record(sources=[first, second])

    with pytest.raises(RowError, match=r"^row 1: sources\[1\]: IRNA: Exercise ends appears"):
        import_jsonl([record])
    summary = import_jsonl([record], skip_invalid=True)

    assert summary.rejected == [(1, "sources[1]: IRNA: Exercise ends appears more than once.")]
    assert Event.objects.count() == 0
    # The other way round they are two sources: the first is the one that exists (no
    # URL to match), the second a new one with the URL.
    summary = import_jsonl([valid_record(sources=[second, first])])
    assert summary.created == Counter(events=1, sources=1, locations=1, actors=2)
