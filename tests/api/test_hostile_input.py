"""Hostile and malformed input: every one of these is a 4xx naming the problem, never a
500, and never data written under a silent conversion."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import ActorFactory, EventFactory, LocationFactory, SourceFactory
from timeline.models import Event

pytestmark = pytest.mark.django_db

EVENTS = reverse("event-list")


def cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("url", "value"),
    [
        ("/api/v1/events/", cursor("-start_date", None, 1, False)),
        ("/api/v1/changes/", cursor("at", "9999-12-31T23:59:59-23:00", 1, False)),
        ("/api/v1/changes/", cursor("at", "0001-01-01T00:00:00+23:00", 1, False)),
        ("/api/v1/actors/", cursor("name", "a\u0000b", 1, False)),
        ("/api/v1/actors/", cursor("name", "a", "1", False)),
        ("/api/v1/actors/", cursor("name", "a", 2**70, False)),
        ("/api/v1/actors/", cursor("name", "a", 1, "yes")),
        ("/api/v1/actors/", base64.urlsafe_b64encode(b"[" * 300 + b"]" * 300).decode()),
    ],
)
def test_a_tampered_cursor_is_a_400(api, url, value):
    response = api.get(url, {"cursor": value})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [{"actor": "\u00b2"}, {"location": "\u0661"}, {"page_size": "\u00b2"}, {"page_size": "\u0665"}],
)
def test_digits_are_ascii_digits(api, params):
    response = api.get(EVENTS, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(params) <= set(response.json()["errors"])


def test_near_finds_what_lies_inside_the_radius_at_high_latitude(api):
    # 999.4 km from (60, 10): outside the naive box of dlat / cos(lat) in longitude.
    far_east = EventFactory(location__latitude=61.0, location__longitude=28.2)

    assert [e["id"] for e in api.get(EVENTS, {"near": "60,10,1000"}).json()["results"]] == [
        far_east.pk
    ]
    assert api.get(EVENTS, {"near": "60,10,998"}).json()["results"] == []


def test_a_deeply_nested_body_is_a_400(editor):
    body = "[" * 5000 + "]" * 5000

    response = editor.post(reverse("source-list"), body, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "parse_error"


def test_a_lone_surrogate_is_refused_not_a_500(editor):
    body = '{"name": "x", "kind": "\\ud800"}'

    response = editor.post(reverse("actor-list"), body, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "parse_error"  # not UTF-8: not JSON


@pytest.mark.parametrize("field", ["event_type", "title"])
def test_a_nul_byte_anywhere_in_a_body_is_refused(editor, field):
    body = {"title": "x", "event_type": "consult.visit", "start_date": "2024"}
    body[field] += "\u0000"

    response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()["errors"]
    assert not Event.objects.exists()


@pytest.mark.parametrize("bad", [1.9, "1", True, "1_0"])
def test_an_id_must_be_a_json_integer(editor, bad):
    LocationFactory()
    body = {"title": "x", "event_type": "consult.visit", "start_date": "2024", "location": bad}

    response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "location" in response.json()["errors"]


def test_a_coordinate_must_be_a_number_not_a_boolean(editor):
    body = {"name": "X", "kind": "city", "country_code": "OM", "latitude": True,
            "longitude": False, "coordinate_precision": "exact"}  # fmt: skip

    response = editor.post(reverse("location-list"), body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert {"latitude", "longitude"} <= set(response.json()["errors"])


def test_unknown_keys_inside_actors_are_refused(editor):
    actor = ActorFactory()
    body = {"title": "x", "event_type": "consult.visit", "start_date": "2024",
            "actors": [{"actor": actor.pk, "role": "host", "note": "x"}]}  # fmt: skip

    response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {"actors": {"0": {"note": ["Unknown field."]}}}


def test_a_record_sent_back_with_its_id_is_accepted(editor):
    source = SourceFactory()
    url = reverse("source-detail", args=[source.pk])
    read = editor.get(url)

    response = editor.put(
        url, {**read.json(), "title": "Renamed"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["id"] == source.pk


def test_an_anonymous_write_is_401_whatever_its_query(api):
    event = EventFactory()

    response = api.delete(reverse("event-detail", args=[event.pk]) + "?why=x")

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_patching_end_date_to_null_ends_the_event_with_its_start(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])
    etag = editor.get(url)["ETag"]
    editor.patch(url, {"end_date": "2024-10-05"}, format="json", HTTP_IF_MATCH=etag)

    response = editor.patch(
        url, {"end_date": None}, format="json", HTTP_IF_MATCH=editor.get(url)["ETag"]
    )

    assert (response.json()["start_date"], response.json()["end_date"]) == (
        "2024-09-30",
        "2024-09-30",
    )


def test_duplicate_of_must_be_plain_digits(editor):
    kept, other = EventFactory(), EventFactory()
    url = reverse("event-detail", args=[other.pk])

    response = editor.delete(
        f"{url}?reason=duplicate&duplicate_of={kept.pk}_0", HTTP_IF_MATCH=editor.get(url)["ETag"]
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "duplicate_of" in response.json()["errors"]
    assert Event.objects.filter(pk=other.pk).exists()
