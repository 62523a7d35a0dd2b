from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import ActorFactory, LocationFactory
from timeline.models import ActorKind, CoordinatePrecision, EventType, LocationKind

pytestmark = pytest.mark.django_db

ACTORS = reverse("actor-list")
LOCATIONS = reverse("location-list")
EVENT_TYPES = reverse("event-type-list")

NOT_FOUND = {"status": 404, "code": "not_found", "detail": "Not found."}


def names(body: dict) -> list[str]:
    return [item["name"] for item in body["results"]]


# -- Actors ----------------------------------------------------------------------------


def test_the_actor_list_is_paginated_and_ordered_by_name(api):
    oman = ActorFactory(name="Oman", kind=ActorKind.STATE, country_code="OM")
    badr = ActorFactory(
        name="Badr Albusaidi", aliases=["Badr bin Hamad Al Busaidi"], country_code="OM"
    )

    response = api.get(ACTORS)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "next": None,
        "previous": None,
        "count": None,
        "results": [
            {
                "id": badr.pk,
                "name": "Badr Albusaidi",
                "kind": "person",
                "country_code": "OM",
                "aliases": ["Badr bin Hamad Al Busaidi"],
                "description": "",
                "wikidata_id": "",
            },
            {
                "id": oman.pk,
                "name": "Oman",
                "kind": "state",
                "country_code": "OM",
                "aliases": [],
                "description": "",
                "wikidata_id": "",
            },
        ],
    }


def test_following_next_on_actors_returns_every_actor_once(api):
    actors = [ActorFactory(name=name) for name in ("Delta", "Alpha", "Echo", "Bravo", "Charlie")]
    # Same name, other kinds: the id breaks the tie across a page boundary.
    actors += [ActorFactory(name="Charlie", kind=kind) for kind in ("state", "media")]

    seen, url, pages = [], f"{ACTORS}?page_size=2&count=true", 0
    while url:
        body = api.get(url).json()
        assert body["count"] == 7
        seen += body["results"]
        url, pages = body["next"], pages + 1

    assert [actor["id"] for actor in seen] == [
        actor.pk for actor in sorted(actors, key=lambda a: (a.name, a.pk))
    ]
    assert pages == 4


def test_an_actor_in_detail(api):
    actor = ActorFactory(
        name="Masoud Pezeshkian",
        kind=ActorKind.PERSON,
        country_code="IR",
        aliases=["Mas'ud Pezeshkiyān"],
        description="President of Iran since July 2024.",
        wikidata_id="Q5953862",
    )

    response = api.get(reverse("actor-detail", args=[actor.pk]))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "id": actor.pk,
        "name": "Masoud Pezeshkian",
        "kind": "person",
        "country_code": "IR",
        "aliases": ["Mas'ud Pezeshkiyān"],
        "description": "President of Iran since July 2024.",
        "wikidata_id": "Q5953862",
    }


# -- Locations -------------------------------------------------------------------------


def test_the_location_list_is_paginated_and_ordered_by_name(api):
    muscat = LocationFactory(name="Muscat", admin1="Muscat Governorate")
    hormuz = LocationFactory(
        name="Hormuz Strait",
        kind=LocationKind.SEA,
        country_code="",
        latitude=None,
        longitude=None,
        coordinate_precision="",
    )

    response = api.get(LOCATIONS)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "next": None,
        "previous": None,
        "count": None,
        "results": [
            {
                "id": hormuz.pk,
                "name": "Hormuz Strait",
                "kind": "sea",
                "country_code": "",
                "admin1": "",
                "latitude": None,
                "longitude": None,
                "coordinate_precision": "",
            },
            {
                "id": muscat.pk,
                "name": "Muscat",
                "kind": "city",
                "country_code": "OM",
                "admin1": "Muscat Governorate",
                "latitude": 23.6,
                "longitude": 58.4,
                "coordinate_precision": "exact",
            },
        ],
    }


def test_a_location_in_detail(api):
    location = LocationFactory(
        name="Jebel Shams",
        kind=LocationKind.SITE,
        country_code="OM",
        admin1="Ad Dakhiliyah",
        latitude=23.2372,
        longitude=57.2636,
        coordinate_precision=CoordinatePrecision.NEAR,
    )

    response = api.get(reverse("location-detail", args=[location.pk]))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "id": location.pk,
        "name": "Jebel Shams",
        "kind": "site",
        "country_code": "OM",
        "admin1": "Ad Dakhiliyah",
        "latitude": 23.2372,
        "longitude": 57.2636,
        "coordinate_precision": "near",
    }


def test_a_location_page_holds_page_size_rows_and_links_to_the_next(api):
    LocationFactory.create_batch(3)

    body = api.get(LOCATIONS, {"page_size": 2, "count": "true"}).json()

    assert len(body["results"]) == 2
    assert body["count"] == 3
    assert body["next"] is not None
    assert body["previous"] is None
    assert len(api.get(body["next"]).json()["results"]) == 1


# -- Event types -----------------------------------------------------------------------


def test_the_event_types_list_is_the_whole_vocabulary_unpaginated(api):
    response = api.get(EVENT_TYPES)

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == EventType.objects.count()
    assert [item["code"] for item in body] == sorted(item["code"] for item in body)
    root = next(item for item in body if item["code"] == "verbal-cooperation")
    assert root["parent"] is None
    visit = next(item for item in body if item["code"] == "consult.visit")
    assert visit["parent"] == "consult"


def test_an_event_type_in_detail_by_its_code(api):
    visit = EventType.objects.get(code="consult.visit")

    response = api.get("/api/v1/event-types/consult.visit/")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "code": "consult.visit",
        "label": visit.label,
        "parent": "consult",
        "description": visit.description,
    }
    assert visit.label
    assert visit.description


def test_a_quad_category_has_no_parent(api):
    body = api.get(reverse("event-type-detail", args=["material-conflict"])).json()

    assert body["code"] == "material-conflict"
    assert body["parent"] is None


# -- Errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/actors/999999/", "No actor with id 999999."),
        ("/api/v1/locations/999999/", "No location with id 999999."),
        ("/api/v1/event-types/no-such-type/", "No event type with code no-such-type."),
        (
            "/api/v1/event-types/consult.no-such-mode/",
            "No event type with code consult.no-such-mode.",
        ),
    ],
)
def test_an_unknown_id_or_code_is_a_json_404_naming_it(api, url, detail):
    response = api.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json() == {**NOT_FOUND, "detail": detail}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actors/abc/",
        "/api/v1/locations/" + "9" * 30 + "/",
        "/api/v1/event-types/CONSULT/",
    ],
)
def test_a_malformed_id_or_code_is_a_json_404_too(api, url):
    response = api.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        # q (name search) became a real actor filter in 05d57b4; "query" is not one.
        (ACTORS, {"query": "x"}, "query"),
        (ACTORS, {"nmae": "Oman"}, "nmae"),
        (LOCATIONS, {"contry": "OM"}, "contry"),
        (EVENT_TYPES, {"page_size": "10"}, "page_size"),
        (EVENT_TYPES, {"prent": "consult"}, "prent"),
        ("/api/v1/event-types/consult/", {"cursor": "x"}, "cursor"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(api, url, params, parameter):
    response = api.get(url, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid_parameter"
    assert list(body["errors"]) == [parameter]
    assert parameter in body["detail"]


def test_an_unknown_parameter_on_a_detail_url_is_a_400(api):
    actor = ActorFactory()

    response = api.get(reverse("actor-detail", args=[actor.pk]), {"page_size": "1"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        (ACTORS, {"page_size": "0"}, "page_size"),
        (LOCATIONS, {"cursor": "not-a-cursor"}, "cursor"),
        (LOCATIONS, {"count": "maybe"}, "count"),
    ],
)
def test_a_bad_pagination_value_is_a_400(api, url, params, parameter):
    response = api.get(url, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == [parameter]


# -- Queries ---------------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "url"), [(ActorFactory, ACTORS), (LocationFactory, LOCATIONS)])
@pytest.mark.parametrize("rows", [1, 30])
def test_a_list_page_is_two_queries_whatever_the_rows(
    api, django_assert_num_queries, factory, url, rows
):
    factory.create_batch(rows)

    # 1. the page of rows (page_size + 1, to know whether there is a next page),
    # 2. the latest change's time (Last-Modified).
    with django_assert_num_queries(2):
        body = api.get(url, {"page_size": 10}).json()

    assert len(body["results"]) == min(rows, 10)


@pytest.mark.parametrize(("factory", "url"), [(ActorFactory, ACTORS), (LocationFactory, LOCATIONS)])
def test_a_later_page_with_a_count_is_three_queries(api, django_assert_num_queries, factory, url):
    factory.create_batch(5)
    next_url = api.get(url, {"page_size": 2}).json()["next"]

    # 1. the COUNT of all rows, 2. the page after the cursor, 3. Last-Modified's query.
    with django_assert_num_queries(3):
        body = api.get(next_url + "&count=true").json()

    assert body["count"] == 5


def test_the_event_types_list_is_two_queries(api, django_assert_num_queries):
    # 1. every event type joined to its parent (no query per parent code),
    # 2. the latest change's time (Last-Modified).
    with django_assert_num_queries(2):
        body = api.get(EVENT_TYPES).json()

    assert len(body) > 100


@pytest.mark.parametrize(
    "detail",
    [
        lambda: reverse("actor-detail", args=[ActorFactory().pk]),
        lambda: reverse("location-detail", args=[LocationFactory().pk]),
        lambda: reverse("event-type-detail", args=["consult.visit"]),
    ],
    ids=["actor", "location", "event-type"],
)
def test_a_detail_is_two_queries(api, django_assert_num_queries, detail):
    url = detail()

    # 1. the row (joined to its parent, for an event type), 2. Last-Modified's query.
    with django_assert_num_queries(2):
        assert api.get(url).status_code == HTTPStatus.OK
