from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import (
    ActorFactory,
    EventActorFactory,
    EventFactory,
    EventSourceFactory,
)
from timeline.models import DatePrecision

pytestmark = pytest.mark.django_db

EVENTS = reverse("event-list")


def ids(response) -> list[int]:
    return [event["id"] for event in response.json()["results"]]


def test_an_event_has_its_type_place_actors_and_sources(api):
    link = EventActorFactory(role="host", actor__name="Tamim bin Hamad Al Thani")
    event = link.event
    source_link = EventSourceFactory(event=event, quote="The Emir will host.")

    response = api.get(reverse("event-detail", args=[event.pk]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    location = event.location
    assert body == {
        "id": event.pk,
        "dataset": "",
        "external_id": "",
        "title": event.title,
        "summary": event.summary,
        "event_type": {"code": "consult.visit", "label": event.event_type.label},
        "start_date": "2024-09-30",
        "end_date": "2024-09-30",
        "date_precision": "day",
        "ongoing": False,
        "certainty": "reported",
        "location": {
            "id": location.pk,
            "name": location.name,
            "kind": "city",
            "country_code": "OM",
            "admin1": "",
            "latitude": 23.6,
            "longitude": 58.4,
            "coordinate_precision": "exact",
        },
        "actors": [
            {
                "id": link.actor.pk,
                "name": "Tamim bin Hamad Al Thani",
                "kind": "person",
                "country_code": "IR",
                "role": "host",
            }
        ],
        "sources": [
            {
                "id": source_link.source.pk,
                "url": "",
                "publisher": "The Example Post",
                "title": source_link.source.title,
                "published_on": "2024-10-02",
                "quote": "The Emir will host.",
            }
        ],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].endswith("Z")


def test_the_list_is_newest_first_and_paginated(api):
    old = EventFactory(start_date=dt.date(2002, 6, 1), end_date=dt.date(2002, 6, 30))
    new = EventFactory(start_date=dt.date(2024, 10, 2))

    body = api.get(EVENTS).json()

    assert [event["id"] for event in body["results"]] == [new.pk, old.pk]
    assert body["next"] is None
    assert body["previous"] is None
    assert body["count"] is None


def test_country_filter_takes_alpha2_and_alpha3_in_any_case_and_lists(api):
    oman = EventFactory(location__country_code="OM")
    qatar = EventFactory(location__country_code="QA")
    EventFactory(location__country_code="IR")

    assert set(ids(api.get(EVENTS, {"country": "om"}))) == {oman.pk}
    assert set(ids(api.get(EVENTS, {"country": "OMN"}))) == {oman.pk}
    assert set(ids(api.get(EVENTS, {"country": "OM,qat"}))) == {oman.pk, qatar.pk}


def test_an_empty_filter_value_means_no_filter(api):
    events = EventFactory.create_batch(2)

    assert set(ids(api.get(EVENTS, {"country": "", "date_from": ""}))) == {e.pk for e in events}


@pytest.mark.parametrize(
    ("date_from", "date_to", "matches"),
    [
        ("2024-10-01", "2024-10-31", True),  # range starts inside the event
        ("2024-09-01", "2024-09-30", True),  # range ends on the event's first day
        ("2024-10-05", "2024-10-05", True),  # range inside the event
        ("2024-10-06", "2024-12-31", True),  # range starts on the event's last day
        ("2024-10-07", "2024-12-31", False),  # range after the event
        ("2024-01-01", "2024-09-29", False),  # range before the event
        ("2024", "2024", True),  # a year means its whole span
        ("2024-09", "2024-09", True),  # a month too
        ("2024-08", "2024-08", False),
    ],
)
def test_an_event_matches_a_date_range_it_overlaps(api, date_from, date_to, matches):
    event = EventFactory(start_date=dt.date(2024, 9, 30), end_date=dt.date(2024, 10, 6))

    found = ids(api.get(EVENTS, {"date_from": date_from, "date_to": date_to}))

    assert found == ([event.pk] if matches else [])


def test_an_ongoing_event_matches_any_range_after_its_start(api):
    campaign = EventFactory(
        start_date=dt.date(2023, 11, 19), end_date=dt.date(2024, 10, 2), ongoing=True
    )
    EventFactory(start_date=dt.date(2023, 11, 19), end_date=dt.date(2024, 10, 2))

    assert ids(api.get(EVENTS, {"date_from": "2025-03-01"})) == [campaign.pk]
    assert ids(api.get(EVENTS, {"date_to": "2023-11-18"})) == []


def test_month_precision_events_span_their_month(api):
    inaugural = EventFactory(
        start_date=dt.date(2002, 6, 1),
        end_date=dt.date(2002, 6, 30),
        date_precision=DatePrecision.MONTH,
    )

    assert ids(api.get(EVENTS, {"date_from": "2002-06-15", "date_to": "2002-06-15"})) == [
        inaugural.pk
    ]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "OM,Oman"}, "country"),
        ({"date_from": "2024-13"}, "date_from"),
        ({"date_from": "2024-02-30"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_to": "0000"}, "date_to"),
        ({"date_from": "2024-10-02", "date_to": "2024-10-01"}, "date_from"),
        ({"contry": "OM"}, "contry"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"count": "maybe"}, "count"),
        ({"country": "OM\x00"}, "country"),
    ],
)
def test_bad_query_parameters_get_a_400_naming_them(api, params, parameter):
    response = api.get(EVENTS, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid_parameter"
    assert parameter in body["errors"]
    assert parameter in body["detail"]


def test_an_unknown_parameter_error_lists_the_accepted_ones(api):
    body = api.get(EVENTS, {"contry": "OM"}).json()

    message = body["errors"]["contry"][0]
    assert "country" in message
    assert "date_from" in message


def test_an_unknown_event_is_a_json_404(api):
    for url in (
        "/api/v1/events/999999/",
        "/api/v1/events/abc/",
        "/api/v1/events/" + "9" * 30 + "/",
    ):
        response = api.get(url)
        assert response.status_code == HTTPStatus.NOT_FOUND, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["status"] == 404


def test_an_unknown_url_under_api_is_a_json_404(api):
    response = api.get("/api/v1/nothing-here/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_count_is_given_only_on_request(api):
    EventFactory.create_batch(3)

    assert api.get(EVENTS, {"page_size": 2}).json()["count"] is None
    assert api.get(EVENTS, {"page_size": 2, "count": "true"}).json()["count"] == 3


def test_following_next_returns_every_event_once_even_when_many_share_a_date(api):
    # More events on one date than a page holds, on both sides of a page boundary.
    same_day = EventFactory.create_batch(7, start_date=dt.date(2024, 9, 30))
    others = [EventFactory(start_date=dt.date(2024, 9, day)) for day in (1, 15, 29)]
    expected = [e.pk for e in sorted(same_day, key=lambda e: -e.pk)] + [
        e.pk for e in reversed(others)
    ]

    seen, url, pages = [], EVENTS + "?page_size=3", 0
    while url:
        body = api.get(url).json()
        seen += [event["id"] for event in body["results"]]
        url, pages = body["next"], pages + 1

    assert seen == expected
    assert pages == 4


def test_previous_links_walk_back_to_the_first_page(api):
    events = [EventFactory(start_date=dt.date(2024, 1, 1)) for _ in range(5)]
    first = api.get(EVENTS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    back = api.get(third["previous"]).json()
    front = api.get(back["previous"]).json()

    assert [e["id"] for e in back["results"]] == [e["id"] for e in second["results"]]
    assert [e["id"] for e in front["results"]] == [e["id"] for e in first["results"]]
    assert front["previous"] is None
    assert len(events) == 5


def test_an_event_added_while_paging_does_not_repeat_or_hide_others(api):
    for day in range(1, 7):
        EventFactory(start_date=dt.date(2024, 1, day))
    first = api.get(EVENTS, {"page_size": 3}).json()
    EventFactory(start_date=dt.date(2024, 12, 31))  # lands before the cursor

    second = api.get(first["next"]).json()

    shown = ids_of(first) + ids_of(second)
    assert len(shown) == len(set(shown)) == 6


def ids_of(body: dict) -> list[int]:
    return [event["id"] for event in body["results"]]


@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_the_list_runs_four_queries_whatever_the_page_size(
    api, django_assert_num_queries, page_size
):
    for _ in range(55):
        event = EventFactory()
        EventActorFactory.create_batch(2, event=event)
        EventSourceFactory(event=event)

    # 1. the page of events joined to event type and location,
    # 2. their actor links joined to actors, 3. their source links joined to sources,
    # 4. the latest change's time (Last-Modified).
    with django_assert_num_queries(4):
        response = api.get(EVENTS, {"page_size": page_size, "country": "OM"})

    assert len(response.json()["results"]) == page_size


def test_counting_adds_exactly_one_query(api, django_assert_num_queries):
    EventFactory.create_batch(3)

    # The four queries of any event list, and the COUNT.
    with django_assert_num_queries(5):
        api.get(EVENTS, {"count": "true"})


def test_an_actors_timeline_is_in_date_order(api):
    pezeshkian = ActorFactory(name="Masoud Pezeshkian")
    later = EventActorFactory(actor=pezeshkian, event__start_date=dt.date(2024, 10, 2)).event
    earlier = EventActorFactory(actor=pezeshkian, event__start_date=dt.date(2024, 9, 23)).event
    EventFactory()  # someone else's

    response = api.get(reverse("actor-events", args=[pezeshkian.pk]))

    assert response.status_code == HTTPStatus.OK
    assert ids(response) == [earlier.pk, later.pk]


def test_an_actors_timeline_takes_the_event_filters(api):
    actor = ActorFactory()
    in_oman = EventActorFactory(actor=actor, event__location__country_code="OM").event
    EventActorFactory(actor=actor, event__location__country_code="QA")

    response = api.get(reverse("actor-events", args=[actor.pk]), {"country": "OM"})

    assert ids(response) == [in_oman.pk]


def test_the_timeline_of_an_unknown_actor_is_a_404(api):
    assert api.get(reverse("actor-events", args=[424242])).status_code == HTTPStatus.NOT_FOUND


def test_the_timeline_runs_a_fixed_number_of_queries(api, django_assert_num_queries):
    actor = ActorFactory()
    for _ in range(5):
        EventActorFactory(actor=actor)

    # The actor (404 check), then the four queries of any event list.
    with django_assert_num_queries(5):
        api.get(reverse("actor-events", args=[actor.pk]))


def test_events_without_a_location_are_listed_with_a_null_location(api):
    event = EventFactory(location=None)

    body = api.get(reverse("event-detail", args=[event.pk])).json()

    assert body["location"] is None
    assert ids(api.get(EVENTS, {"country": "OM"})) == []
