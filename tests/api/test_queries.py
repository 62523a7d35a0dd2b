"""The event query language: filters, ordering, fields, formats, stats, countries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ActorFactory,
    EventActorFactory,
    EventFactory,
    EventSourceFactory,
    LocationFactory,
    event_type,
)
from timeline.api import stats
from timeline.models import Event

pytestmark = pytest.mark.django_db

EVENTS = reverse("event-list")
STATS = reverse("event-stats")
EXPORT = reverse("event-export")


def ids(response) -> set[int]:
    assert response.status_code == HTTPStatus.OK, response.content
    return {event["id"] for event in response.json()["results"]}


def test_within_keeps_only_events_certainly_inside_the_range(api):
    inside = EventFactory(start_date=dt.date(2024, 3, 1), end_date=dt.date(2024, 3, 31))
    EventFactory(start_date=dt.date(2023, 12, 1), end_date=dt.date(2024, 1, 31))  # straddles
    EventFactory(start_date=dt.date(2024, 5, 1), end_date=dt.date(2024, 5, 2), ongoing=True)

    found = ids(api.get(EVENTS, {"date_from": "2024", "date_to": "2024", "date_match": "within"}))

    assert found == {inside.pk}


def test_within_takes_either_bound_alone_and_still_leaves_out_ongoing_events(api):
    inside = EventFactory(start_date=dt.date(2024, 3, 1), end_date=dt.date(2024, 3, 31))
    earlier = EventFactory(start_date=dt.date(2023, 12, 1), end_date=dt.date(2023, 12, 31))
    EventFactory(start_date=dt.date(2024, 5, 1), end_date=dt.date(2024, 5, 2), ongoing=True)

    after = ids(api.get(EVENTS, {"date_from": "2024", "date_match": "within"}))
    before = ids(api.get(EVENTS, {"date_to": "2024", "date_match": "within"}))

    assert after == {inside.pk}
    assert before == {inside.pk, earlier.pk}


def test_date_match_without_a_date_filters_nothing(api):
    events = [EventFactory(), EventFactory(ongoing=True)]

    found = ids(api.get(EVENTS, {"date_match": "within"}))

    assert found == {event.pk for event in events}


def test_date_match_must_be_a_known_value(api):
    response = api.get(EVENTS, {"date_match": "around"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "date_match" in response.json()["errors"]


def test_date_precision_filter_takes_a_list(api):
    day = EventFactory()
    month = EventFactory(
        start_date=dt.date(2002, 6, 1), end_date=dt.date(2002, 6, 30), date_precision="month"
    )
    EventFactory(
        start_date=dt.date(2012, 1, 1), end_date=dt.date(2012, 12, 31), date_precision="year"
    )

    assert ids(api.get(EVENTS, {"date_precision": "day,month"})) == {day.pk, month.pk}
    assert api.get(EVENTS, {"date_precision": "week"}).status_code == HTTPStatus.BAD_REQUEST


def test_actor_filter_matches_any_of_the_actors_and_respects_their_role(api):
    iran, oman = ActorFactory(), ActorFactory()
    hosted = EventActorFactory(actor=oman, role="host").event
    visited = EventActorFactory(actor=iran, role="visitor").event
    EventActorFactory(actor=iran, event=hosted, role="visitor")
    EventFactory()

    assert ids(api.get(EVENTS, {"actor": f"{iran.pk},{oman.pk}"})) == {hosted.pk, visited.pk}
    assert ids(api.get(EVENTS, {"actor": oman.pk, "actor_role": "visitor"})) == set()
    assert ids(api.get(EVENTS, {"actor": iran.pk, "actor_role": "visitor"})) == {
        hosted.pk,
        visited.pk,
    }
    assert ids(api.get(EVENTS, {"actor_role": "host"})) == {hosted.pk}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"actor": "1,x"}, "actor"),
        ({"actor": "1,,2"}, "actor"),
        ({"actor": "9" * 40}, "actor"),
        ({"actor_role": "boss"}, "actor_role"),
        ({"event_type": "consult,nonsense"}, "event_type"),
        ({"location": "-1"}, "location"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "0,10,10,5"}, "bbox"),
        ({"bbox": "0,0,200,10"}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"near": "25,51"}, "near"),
        ({"near": "25,51,0"}, "near"),
        ({"near": "95,51,10"}, "near"),
        ({"updated_since": "last week"}, "updated_since"),
        ({"updated_since": "2024-13-01T00:00:00Z"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+05:00"}, "updated_since"),
        ({"ordering": "title"}, "ordering"),
        ({"fields": "id,colour"}, "fields"),
        ({"format": "xml"}, "format"),
        ({"q": "x" * 201}, "q"),
        ({"date_from": "99999"}, "date_from"),
        ({"country": "OM", "country ": "QA"}, "country "),
    ],
)
def test_every_invalid_value_is_a_400_naming_the_parameter(api, params, parameter):
    response = api.get(EVENTS, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert response["Content-Type"] == "application/json"
    assert parameter in response.json()["errors"]


def test_a_repeated_parameter_is_a_400(api):
    response = api.get(EVENTS + "?country=OM&country=QA")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "country" in response.json()["errors"]


def test_event_type_matches_its_descendants(api):
    visit = EventFactory(event_type=event_type("consult.visit"))
    summit = EventFactory(event_type=event_type("consult.multilateral"))
    exercise = EventFactory(event_type=event_type("cooperate"))

    assert ids(api.get(EVENTS, {"event_type": "consult"})) == {visit.pk, summit.pk}
    assert ids(api.get(EVENTS, {"event_type": "verbal-cooperation"})) == {visit.pk, summit.pk}
    assert ids(api.get(EVENTS, {"event_type": "consult.visit,cooperate"})) == {
        visit.pk,
        exercise.pk,
    }


def test_location_filter_takes_ids(api):
    doha = LocationFactory(country_code="QA")
    in_doha = EventFactory(location=doha)
    EventFactory()

    assert ids(api.get(EVENTS, {"location": doha.pk})) == {in_doha.pk}


def test_bbox_keeps_events_placed_inside_it(api):
    muscat = EventFactory(location__latitude=23.59, location__longitude=58.41)
    EventFactory(location__latitude=25.29, location__longitude=51.53)  # Doha
    EventFactory(location=None)

    assert ids(api.get(EVENTS, {"bbox": "55,20,60,25"})) == {muscat.pk}


def test_bbox_can_cross_the_antimeridian(api):
    fiji = EventFactory(location__latitude=-17.7, location__longitude=178.1)
    samoa = EventFactory(location__latitude=-13.8, location__longitude=-171.8)
    EventFactory(location__latitude=-17.7, location__longitude=100)

    assert ids(api.get(EVENTS, {"bbox": "170,-20,-170,-10"})) == {fiji.pk, samoa.pk}


def test_near_uses_great_circle_distance(api):
    # Doha (25.2854, 51.5310); Al Wakrah is ~16 km south-east; Dubai ~380 km east.
    doha = EventFactory(location__latitude=25.2854, location__longitude=51.5310)
    wakrah = EventFactory(location__latitude=25.1659, location__longitude=51.5976)
    EventFactory(location__latitude=25.2048, location__longitude=55.2708)

    assert ids(api.get(EVENTS, {"near": "25.2854,51.5310,10"})) == {doha.pk}
    assert ids(api.get(EVENTS, {"near": "25.2854,51.5310,20"})) == {doha.pk, wakrah.pk}


def test_near_a_pole_and_across_the_antimeridian(api):
    near_pole = EventFactory(location__latitude=89.9, location__longitude=-120)
    east = EventFactory(location__latitude=0, location__longitude=179.95)
    west = EventFactory(location__latitude=0, location__longitude=-179.95)

    assert ids(api.get(EVENTS, {"near": "89.95,60,20"})) == {near_pole.pk}
    assert ids(api.get(EVENTS, {"near": "0,180,20"})) == {east.pk, west.pk}


def test_q_finds_events_by_words_in_title_or_summary(api):
    exercise = EventFactory(
        title="Iran and Oman hold a joint exercise", summary="Ground forces train together."
    )
    EventFactory(title="Pezeshkian visits Doha", summary="A two-day trip.")

    assert ids(api.get(EVENTS, {"q": "exercise"})) == {exercise.pk}
    assert ids(api.get(EVENTS, {"q": "OMAN ground"})) == {exercise.pk}
    assert ids(api.get(EVENTS, {"q": "oman doha"})) == set()


def test_updated_since_returns_events_changed_at_or_after_the_moment(api):
    old = EventFactory()
    Event.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    recent = EventFactory()
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    assert ids(api.get(EVENTS, {"updated_since": since})) == {recent.pk}


@pytest.mark.parametrize(
    "ordering", ["start_date", "-start_date", "end_date", "-end_date", "updated_at", "-updated_at"]
)
def test_every_ordering_pages_through_every_event_exactly_once(api, ordering):
    # Many events share each date, so a page boundary falls inside runs of ties.
    for day in (1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3):
        EventFactory(start_date=dt.date(2024, 1, day), end_date=dt.date(2024, 2, 1))
    field = ordering.lstrip("-")
    key = {e.pk: (getattr(e, field), e.pk) for e in Event.objects.all()}
    expected = sorted(key, key=key.get, reverse=ordering.startswith("-"))

    seen, url = [], f"{EVENTS}?ordering={ordering}&page_size=5"
    while url:
        body = api.get(url).json()
        seen += [event["id"] for event in body["results"]]
        url = body["next"]

    assert seen == expected


def test_a_cursor_from_another_ordering_is_refused(api):
    EventFactory.create_batch(3)
    next_url = api.get(EVENTS, {"page_size": 1}).json()["next"]
    cursor = next_url.split("cursor=")[1]

    response = api.get(EVENTS, {"cursor": cursor, "ordering": "end_date", "page_size": 1})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "cursor" in response.json()["errors"]


def test_fields_returns_only_the_named_fields(api):
    event = EventFactory()

    body = api.get(EVENTS, {"fields": "id,title"}).json()

    assert body["results"] == [{"id": event.pk, "title": event.title}]


def test_leaving_out_actors_and_sources_saves_their_queries(api, django_assert_num_queries):
    EventActorFactory.create_batch(3)

    # The page (events joined to event type and location), and Last-Modified's query.
    with django_assert_num_queries(2):
        api.get(EVENTS, {"fields": "id,title,location"})


def test_csv_has_one_header_and_one_row_per_event(api):
    link = EventActorFactory(role="host", actor__name="Tamim bin Hamad Al Thani")
    EventActorFactory(event=link.event, role="visitor", actor__name="Masoud Pezeshkian")
    EventSourceFactory(event=link.event)
    EventFactory(location=None)

    response = api.get(EVENTS, {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    row = next(row for row in rows if row["id"] == str(link.event.pk))
    assert row["country_code"] == "OM"
    assert row["event_type_code"] == "consult.visit"
    assert row["actors"] == "Tamim bin Hamad Al Thani (host); Masoud Pezeshkian (visitor)"


def test_csv_is_chosen_by_the_accept_header_and_puts_links_in_a_header(api):
    EventFactory.create_batch(3)

    response = api.get(EVENTS, {"page_size": 2, "count": "true"}, HTTP_ACCEPT="text/csv")

    assert response["Content-Type"].startswith("text/csv")
    assert 'rel="next"' in response["Link"]
    assert response["X-Total-Count"] == "3"


def test_csv_errors_are_still_json(api):
    response = api.get(EVENTS, {"format": "csv", "country": "XX"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"


def test_geojson_is_a_feature_collection_of_the_events_with_coordinates(api):
    placed = EventFactory(location__latitude=23.07, location__longitude=57.64)
    EventFactory(
        location__latitude=None, location__longitude=None, location__coordinate_precision=""
    )
    EventFactory(location=None)

    response = api.get(EVENTS, {"format": "geojson", "fields": "title"})

    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    assert [feature["id"] for feature in body["features"]] == [placed.pk]
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [57.64, 23.07]}
    assert feature["properties"]["title"] == placed.title


def test_stats_count_events_per_group_sorted_by_key(api):
    EventFactory(location__country_code="OM", start_date=dt.date(2024, 9, 30))
    EventFactory(location__country_code="QA", start_date=dt.date(2024, 10, 2))
    EventFactory(location__country_code="QA", start_date=dt.date(2024, 10, 3))
    EventFactory(location__country_code="QA", start_date=dt.date(2002, 6, 1))

    body = api.get(STATS, {"group_by": "country,month", "date_from": "2024"}).json()

    assert body == {
        "group_by": ["country", "month"],
        "groups": [
            {"country": "OM", "month": "2024-09", "count": 1},
            {"country": "QA", "month": "2024-10", "count": 2},
        ],
        "total": 3,
        "truncated": False,
    }


def test_stats_by_actor_count_each_actors_events(api):
    iran = ActorFactory(name="Iran")
    oman = ActorFactory(name="Oman")
    both = EventActorFactory(actor=iran).event
    EventActorFactory(actor=oman, event=both)
    EventActorFactory(actor=iran)

    groups = api.get(STATS, {"group_by": "actor"}).json()["groups"]

    assert groups == [
        {"actor": iran.pk, "actor_name": "Iran", "count": 2},
        {"actor": oman.pk, "actor_name": "Oman", "count": 1},
    ]


def test_stats_by_year_and_event_type(api):
    EventFactory(start_date=dt.date(2023, 5, 1))
    EventFactory(start_date=dt.date(2024, 5, 1), event_type=event_type("cooperate"))

    groups = api.get(STATS, {"group_by": "year,event_type"}).json()["groups"]

    assert groups == [
        {"year": 2023, "event_type": "consult.visit", "count": 1},
        {"year": 2024, "event_type": "cooperate", "count": 1},
    ]


def test_stats_by_day_give_iso_dates_under_any_filter(api):
    """Days as ISO text, under a filter that aliases an expression of its own (near):
    the columns are named after what the query selects, not every expression it
    knows."""
    doha = {"latitude": 25.2854, "longitude": 51.5310}
    EventFactory(start_date=dt.date(2024, 10, 2), **{f"location__{k}": v for k, v in doha.items()})
    EventFactory(start_date=dt.date(2024, 10, 2), **{f"location__{k}": v for k, v in doha.items()})
    EventFactory(start_date=dt.date(2024, 9, 30), location__latitude=23.6, location__longitude=58.4)

    body = api.get(STATS, {"group_by": "day", "near": "25.2854,51.5310,10"}).json()

    assert body["groups"] == [{"day": "2024-10-02", "count": 2}]
    assert body["total"] == 2


def test_stats_beyond_the_group_limit_are_cut_and_say_so(api, monkeypatch):
    monkeypatch.setattr(stats, "MAX_GROUPS", 2)
    for country, count in (("OM", 2), ("QA", 1), ("YE", 3)):
        EventFactory.create_batch(count, location__country_code=country)

    body = api.get(STATS, {"group_by": "country"}).json()

    assert body["groups"] == [{"country": "OM", "count": 2}, {"country": "QA", "count": 1}]
    assert body["total"] == 3
    assert body["truncated"] is True


@pytest.mark.parametrize("group_by", ["", "week", "country,month,day", "day,day"])
def test_stats_need_one_or_two_known_group_keys(api, group_by):
    response = api.get(STATS, {"group_by": group_by})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "group_by" in response.json()["errors"]


def test_stats_take_no_pagination_parameters(api):
    response = api.get(STATS, {"group_by": "country", "page_size": 10})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "page_size" in response.json()["errors"]


@pytest.mark.parametrize(
    ("url", "params", "refused"),
    [
        (STATS, {"group_by": "day", "fields": "id"}, "fields"),
        (STATS, {"group_by": "day", "ordering": "start_date"}, "ordering"),
        (EXPORT, {"fields": "id"}, "fields"),
        (EXPORT, {"ordering": "start_date"}, "ordering"),
        (EXPORT, {"group_by": "day"}, "group_by"),
    ],
)
def test_stats_and_export_refuse_the_parameters_of_a_page_of_events(api, url, params, refused):
    response = api.get(url, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == [refused]


@pytest.mark.parametrize(("url", "params"), [(STATS, {"group_by": "day"}), (EXPORT, {})])
def test_stats_and_export_take_every_event_filter(api, url, params):
    every_filter = {
        "country": "OM",
        "date_from": "2024",
        "date_to": "2024",
        "date_match": "within",
        "date_precision": "day",
        "actor": "1",
        "actor_role": "host",
        "event_type": "consult",
        "location": "1",
        "bbox": "50,20,60,30",
        "near": "25,51,100",
        "q": "visit",
        "updated_since": "2024-01-01T00:00:00Z",
    }

    assert api.get(url, {**params, **every_filter}).status_code == HTTPStatus.OK


def test_stats_run_one_grouping_query(api, django_assert_num_queries):
    EventFactory.create_batch(3)

    # 1. the GROUP BY, 2. the latest change's time (Last-Modified).
    with django_assert_num_queries(2):
        api.get(STATS, {"group_by": "day"})


def test_countries_lists_the_countries_with_events_and_their_counts(api):
    EventFactory.create_batch(2, location__country_code="OM")
    EventFactory(location__country_code="QA", start_date=dt.date(2002, 6, 1))
    EventFactory(location=None)

    assert api.get(reverse("country-list")).json() == [
        {"code": "OM", "alpha3": "OMN", "name": "Oman", "event_count": 2},
        {"code": "QA", "alpha3": "QAT", "name": "Qatar", "event_count": 1},
    ]
    assert api.get(reverse("country-list"), {"date_from": "2024"}).json() == [
        {"code": "OM", "alpha3": "OMN", "name": "Oman", "event_count": 2},
    ]


def test_actor_search_ignores_case_and_accents_and_reads_aliases(api):
    pezeshkian = ActorFactory(name="Masoud Pezeshkian", aliases=["Mas'ud Pezeshkiyān"])
    houthis = ActorFactory(
        name="Houthis", aliases=["Ansar Allah"], kind="armed_group", country_code="YE"
    )

    assert [
        a["id"] for a in api.get("/api/v1/actors/", {"q": "PEZESHKIYAN"}).json()["results"]
    ] == [pezeshkian.pk]
    assert [a["id"] for a in api.get("/api/v1/actors/", {"q": "ansar"}).json()["results"]] == [
        houthis.pk
    ]
    assert [
        a["id"] for a in api.get("/api/v1/actors/", {"kind": "armed_group,state"}).json()["results"]
    ] == [houthis.pk]
    assert (
        api.get("/api/v1/actors/", {"country": "IRN"}).json()["results"][0]["id"] == pezeshkian.pk
    )


def test_locations_filter_by_text_kind_country_and_bbox(api):
    doha = LocationFactory(name="Doha", country_code="QA", latitude=25.29, longitude=51.53)
    LocationFactory(name="Muscat", country_code="OM", latitude=23.59, longitude=58.41)
    LocationFactory(name="Red Sea", kind="sea", country_code="", latitude=20, longitude=38)

    def names(params: dict) -> list[str]:
        return [loc["name"] for loc in api.get("/api/v1/locations/", params).json()["results"]]

    assert names({"q": "doh"}) == ["Doha"]
    assert names({"kind": "sea"}) == ["Red Sea"]
    assert names({"country": "qat"}) == ["Doha"]
    assert names({"bbox": "50,24,52,26"}) == [doha.name]


def test_event_types_filter_by_parent(api):
    children = api.get("/api/v1/event-types/", {"parent": "consult"}).json()
    roots = api.get("/api/v1/event-types/", {"parent": "none"}).json()

    assert {t["code"] for t in children} >= {"consult.visit", "consult.multilateral"}
    assert all(t["parent"] == "consult" for t in children)
    assert {t["code"] for t in roots} == {
        "verbal-cooperation",
        "material-cooperation",
        "verbal-conflict",
        "material-conflict",
    }
    assert api.get("/api/v1/event-types/", {"parent": "nope"}).status_code == 400


def test_fields_without_the_sort_key_still_page(api):
    EventFactory.create_batch(3)

    first = api.get(EVENTS, {"page_size": 2, "fields": "id,title"})
    second = api.get(first.json()["next"])

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert len(first.json()["results"]) + len(second.json()["results"]) == 3


def test_a_host_not_allowed_gets_a_json_400(client):
    response = client.get(EVENTS, HTTP_HOST="evil.example.org")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "bad_request"


def test_a_filter_form_is_built_once_for_each_set_of_filters(monkeypatch):
    from timeline.api import filters

    monkeypatch.setattr(filters, "_FORM_CLASSES", {})
    first = filters.EventFilterSet({"country": "OM", "date_from": "2024"}).form
    again = filters.EventFilterSet({"date_from": "2023", "country": "QA"}).form
    other = filters.EventFilterSet({"country": "OM"}).form

    assert type(first) is type(again)
    assert type(other) is not type(first)
    assert set(type(other).base_fields) == {"country"}


def test_the_filter_forms_kept_are_bounded(monkeypatch):
    from timeline.api import filters

    monkeypatch.setattr(filters, "_FORM_CLASSES", {})
    monkeypatch.setattr(filters, "MAX_FORM_CLASSES", 2)
    for query in ({"country": "OM"}, {"q": "x"}, {"date_from": "2024"}):
        assert filters.EventFilterSet(query).is_valid()

    assert len(filters._FORM_CLASSES) == 2
