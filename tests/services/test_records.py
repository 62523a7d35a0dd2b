"""Curators' writes: authentication and permissions, validation, If-Match, deletion
with reasons, and what each write costs in queries. The change log they leave is
tested in test_changes.py."""

from __future__ import annotations

from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    ActorFactory,
    EventActorFactory,
    EventFactory,
    EventSourceFactory,
    LocationFactory,
    SourceFactory,
)
from timeline.models import Actor, Change, Event, EventActor, Location

pytestmark = pytest.mark.django_db

EVENTS = reverse("event-list")


@pytest.fixture
def reader() -> APIClient:
    """Authenticated, but without any permission."""
    user = get_user_model().objects.create(username="reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def event_body(**overrides) -> dict:
    location = LocationFactory(country_code="OM")
    iran = ActorFactory(kind="armed_force")
    oman = ActorFactory(kind="armed_force", country_code="OM")
    source = SourceFactory()
    body = {
        "title": "Iran and Oman hold a joint exercise",
        "summary": "Mountain Falcons 1.",
        "event_type": "cooperate",
        "start_date": "2024-09-30",
        "end_date": "2024-10-02",
        "ongoing": True,
        "location": location.pk,
        "actors": [
            {"actor": iran.pk, "role": "participant"},
            {"actor": oman.pk, "role": "host"},
        ],
        "sources": [{"source": source.pk, "quote": "The training began this week."}],
    }
    body.update(overrides)
    return body


def etag(client: APIClient, url: str) -> str:
    return client.get(url)["ETag"]


# -- who may write -----------------------------------------------------------------------
WRITES = [
    ("post", "event-list", False),
    ("put", "event-detail", True),
    ("patch", "event-detail", True),
    ("delete", "event-detail", True),
    ("post", "actor-list", False),
    ("patch", "actor-detail", True),
    ("delete", "actor-detail", True),
    ("post", "location-list", False),
    ("patch", "location-detail", True),
    ("delete", "location-detail", True),
    ("post", "source-list", False),
    ("patch", "source-detail", True),
    ("delete", "source-detail", True),
]


def target_url(name: str, detail: bool) -> str:
    if not detail:
        return reverse(name)
    factory = {
        "event": EventFactory,
        "actor": ActorFactory,
        "location": LocationFactory,
        "source": SourceFactory,
    }[name.split("-")[0]]
    return reverse(name, args=[factory().pk])


@pytest.mark.parametrize(("method", "name", "detail"), WRITES)
def test_anonymous_writes_are_401(api, method, name, detail):
    response = getattr(api, method)(target_url(name, detail), {}, format="json")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "name", "detail"), WRITES)
def test_a_token_without_the_permission_is_403(reader, method, name, detail):
    response = getattr(reader, method)(target_url(name, detail), {}, format="json")

    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("method", "name", "detail"), WRITES)
def test_an_editor_gets_past_authorisation(editor, method, name, detail):
    # An empty body or no If-Match: refused for that, not for who is asking.
    response = getattr(editor, method)(target_url(name, detail), {}, format="json")

    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.PRECONDITION_REQUIRED)


def test_a_wrong_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token nope")

    assert api.post(EVENTS, {}, format="json").status_code == HTTPStatus.UNAUTHORIZED


def test_the_create_editor_command_prints_a_working_token(capsys):
    call_command("create_editor", "curator")
    header = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.removeprefix("Authorization: "))

    response = client.post(reverse("actor-list"), {"name": "Oman", "kind": "state"}, format="json")

    assert response.status_code == HTTPStatus.CREATED


# -- creating and reading back ------------------------------------------------------------
def test_an_editor_creates_an_event_and_gets_the_read_shape(editor):
    body = event_body()

    response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    event = response.json()
    assert event["event_type"]["code"] == "cooperate"
    assert (event["start_date"], event["end_date"], event["date_precision"]) == (
        "2024-09-30",
        "2024-10-02",
        "day",
    )
    assert [(a["id"], a["role"]) for a in event["actors"]] == [
        (link["actor"], link["role"]) for link in body["actors"]
    ]
    assert event["sources"][0]["quote"] == "The training began this week."
    assert response["Location"].endswith(reverse("event-detail", args=[event["id"]]))
    assert response["ETag"] == etag(editor, reverse("event-detail", args=[event["id"]]))


def test_a_partial_date_fills_in_its_span_and_precision(editor):
    response = editor.post(EVENTS, event_body(start_date="2002-06", end_date=None), format="json")

    event = response.json()
    assert (event["start_date"], event["end_date"], event["date_precision"]) == (
        "2002-06-01",
        "2002-06-30",
        "month",
    )


def test_a_year_spans_its_whole_year(editor):
    body = event_body(start_date="2012", date_precision="year")
    body.pop("end_date")

    event = editor.post(EVENTS, body, format="json").json()

    assert (event["start_date"], event["end_date"]) == ("2012-01-01", "2012-12-31")


# -- validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2024-09-01"}, "end_date"),
        (
            {"start_date": "2024-06-15", "end_date": "2024-06-30", "date_precision": "month"},
            "date_precision",
        ),
        ({"start_date": "2024-02-30"}, "start_date"),
        ({"start_date": "30/09/2024"}, "start_date"),
        ({"event_type": "nonsense"}, "event_type"),
        ({"location": 987654}, "location"),
        ({"actors": [{"actor": 987654, "role": "host"}]}, "actors"),
        ({"actors": [{"actor": 1, "role": "boss"}]}, "actors"),
        ({"sources": [{"source": 987654, "quote": "x"}]}, "sources"),
        ({"title": "x" * 301}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"title": ""}, "title"),
        ({"certainty": "sure"}, "certainty"),
    ],
)
def test_invalid_events_are_400_naming_the_field(editor, overrides, field):
    count = Event.objects.count()

    response = editor.post(EVENTS, event_body(**overrides), format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.json()
    assert field in response.json()["errors"]
    assert Event.objects.count() == count


def test_an_actor_named_twice_in_one_event_is_refused(editor):
    body = event_body()
    body["actors"].append({"actor": body["actors"][0]["actor"], "role": "target"})

    response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "appears more than once" in response.json()["errors"]["actors"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Nowhere", "kind": "city", "country_code": "XX"}, "country_code"),
        (
            {
                "name": "Nowhere",
                "kind": "city",
                "country_code": "OM",
                "latitude": 91,
                "longitude": 1,
                "coordinate_precision": "exact",
            },
            "latitude",
        ),
        (
            {
                "name": "Nowhere",
                "kind": "city",
                "country_code": "OM",
                "latitude": 1,
                "longitude": -181,
                "coordinate_precision": "exact",
            },
            "longitude",
        ),
        ({"name": "Nowhere", "kind": "city", "country_code": ""}, "country_code"),
        ({"name": "Nowhere", "kind": "city", "country_code": "OM", "latitude": 1}, "latitude"),
        ({"name": "x" * 201, "kind": "city", "country_code": "OM"}, "name"),
    ],
)
def test_invalid_locations_are_400_naming_the_field(editor, body, field):
    response = editor.post(reverse("location-list"), body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.json()
    assert field in response.json()["errors"]
    assert not Location.objects.exists()


def test_a_duplicate_actor_is_refused(editor):
    ActorFactory(name="Royal Oman Police", kind="armed_force", country_code="OM")

    response = editor.post(
        reverse("actor-list"),
        {"name": "ROYAL OMAN POLICE", "kind": "armed_force", "country_code": "OM"},
        format="json",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Actor.objects.count() == 1


def test_a_body_that_is_not_json_is_refused(editor):
    response = editor.post(EVENTS, "title=x", content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json()["status"] == 415


def test_an_oversized_body_is_413(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = editor.post(EVENTS, event_body(summary="x" * 2000), format="json")

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json()["code"] == "payload_too_large"


def test_a_write_that_fails_midway_leaves_no_trace(editor):
    body = event_body()
    events, links, changes = (
        Event.objects.count(),
        EventActor.objects.count(),
        Change.objects.count(),
    )

    with (
        mock.patch.object(
            EventActor.objects, "bulk_create", side_effect=IntegrityError("disk on fire")
        ),
        pytest.raises(IntegrityError),
    ):
        editor.post(EVENTS, body, format="json")

    assert (Event.objects.count(), EventActor.objects.count(), Change.objects.count()) == (
        events,
        links,
        changes,
    )


# -- If-Match -------------------------------------------------------------------------------
def test_an_update_needs_if_match(editor):
    event = EventFactory()

    response = editor.patch(
        reverse("event-detail", args=[event.pk]), {"title": "New"}, format="json"
    )

    assert response.status_code == HTTPStatus.PRECONDITION_REQUIRED


def test_an_update_with_the_current_etag_succeeds_and_changes_the_etag(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])
    before = etag(editor, url)

    response = editor.patch(url, {"title": "Corrected"}, format="json", HTTP_IF_MATCH=before)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["title"] == "Corrected"
    assert response["ETag"] != before
    assert response["ETag"] == etag(editor, url)


def test_a_stale_etag_gets_412_and_changes_nothing(editor):
    event = EventFactory(title="Original")
    url = reverse("event-detail", args=[event.pk])
    stale = etag(editor, url)
    editor.patch(url, {"summary": "Someone else's edit"}, format="json", HTTP_IF_MATCH=stale)

    response = editor.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    event.refresh_from_db()
    assert event.title == "Original"
    assert event.summary == "Someone else's edit"


def test_a_stale_etag_cannot_delete(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])
    stale = etag(editor, url)
    editor.patch(url, {"title": "Changed"}, format="json", HTTP_IF_MATCH=stale)

    response = editor.delete(f"{url}?reason=error", HTTP_IF_MATCH=stale)

    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert Event.objects.filter(pk=event.pk).exists()


def test_put_replaces_the_whole_event(editor):
    created = editor.post(EVENTS, event_body(), format="json").json()
    url = reverse("event-detail", args=[created["id"]])
    body = event_body(title="Replaced", actors=[], sources=[], location=None, ongoing=False)

    response = editor.put(url, body, format="json", HTTP_IF_MATCH=etag(editor, url))

    replaced = response.json()
    assert response.status_code == HTTPStatus.OK
    assert (replaced["title"], replaced["actors"], replaced["location"]) == ("Replaced", [], None)


def test_patching_the_end_date_alone_keeps_the_start(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    response = editor.patch(
        url, {"end_date": "2024-10-05"}, format="json", HTTP_IF_MATCH=etag(editor, url)
    )

    assert (response.json()["start_date"], response.json()["end_date"]) == (
        "2024-09-30",
        "2024-10-05",
    )


def test_the_checks_run_in_the_documented_order(editor):
    # docs/curation.md: If-Match present (428), the record exists (404), the body is
    # valid (400), If-Match is current (412).
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])
    stale = etag(editor, url)
    editor.patch(url, {"title": "Changed"}, format="json", HTTP_IF_MATCH=stale)
    missing = reverse("event-detail", args=[987654])
    bad = {"title": ""}

    unparsable = {"data": "{", "content_type": "application/json"}

    answers = [
        editor.patch(missing, bad, format="json"),
        editor.patch(missing, bad, format="json", HTTP_IF_MATCH=stale),
        editor.patch(url, bad, format="json", HTTP_IF_MATCH=stale),
        editor.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=stale),
        editor.delete(missing),
        editor.delete(missing, HTTP_IF_MATCH=stale),
        editor.delete(url, HTTP_IF_MATCH=stale),
        editor.delete(f"{url}?reason=error", HTTP_IF_MATCH=stale),
        editor.patch(missing, **unparsable),
        editor.patch(missing, **unparsable, HTTP_IF_MATCH=stale),
        editor.patch(url, **unparsable, HTTP_IF_MATCH=stale),
    ]

    assert [answer.status_code for answer in answers] == [428, 404, 400, 412] * 2 + [428, 404, 400]
    assert answers[1].json()["detail"] == answers[5].json()["detail"] == "No event with id 987654."
    assert answers[-1].json()["code"] == "parse_error"
    assert Event.objects.get(pk=event.pk).title == "Changed"


def test_an_empty_if_match_counts_as_none(editor):
    event = EventFactory()

    response = editor.patch(
        reverse("event-detail", args=[event.pk]), {"title": "x"}, format="json", HTTP_IF_MATCH=""
    )

    assert response.status_code == HTTPStatus.PRECONDITION_REQUIRED


def test_if_match_star_writes_whatever_the_version(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    response = editor.patch(url, {"title": "Forced"}, format="json", HTTP_IF_MATCH="*")

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"] == etag(editor, url)


# -- deleting -------------------------------------------------------------------------------
def test_deleting_needs_a_reason(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    response = editor.delete(url, HTTP_IF_MATCH=etag(editor, url))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "reason" in response.json()["errors"]


def test_a_duplicate_must_name_an_existing_other_record(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    for query in (
        "reason=duplicate",
        f"reason=duplicate&duplicate_of={event.pk}",
        "reason=duplicate&duplicate_of=98765",
    ):
        response = editor.delete(f"{url}?{query}", HTTP_IF_MATCH=etag(editor, url))
        assert response.status_code == HTTPStatus.BAD_REQUEST, query
        assert "duplicate_of" in response.json()["errors"]
    assert Event.objects.filter(pk=event.pk).exists()


def test_deleting_an_event_leaves_a_tombstone_with_the_reason(editor):
    kept, duplicate = EventFactory(), EventFactory()
    url = reverse("event-detail", args=[duplicate.pk])

    response = editor.delete(
        f"{url}?reason=duplicate&duplicate_of={kept.pk}&note=Same+visit",
        HTTP_IF_MATCH=etag(editor, url),
    )

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert editor.get(url).status_code == HTTPStatus.NOT_FOUND
    tombstone = Change.objects.get(entity="event", object_id=duplicate.pk, action="deleted")
    assert (tombstone.reason, tombstone.duplicate_of, tombstone.note, tombstone.data) == (
        "duplicate",
        kept.pk,
        "Same visit",
        None,
    )
    assert tombstone.user.username == "editor"


@pytest.mark.parametrize(
    ("name", "make_used"),
    [
        ("location", lambda: EventFactory().location),
        ("actor", lambda: EventActorFactory().actor),
        ("source", lambda: __import__("tests.factories").factories.EventSourceFactory().source),
    ],
)
def test_deleting_a_record_events_use_is_409_with_the_count(editor, name, make_used):
    record = make_used()
    url = reverse(f"{name}-detail", args=[record.pk])

    response = editor.delete(f"{url}?reason=error", HTTP_IF_MATCH=etag(editor, url))

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["event_count"] == 1
    assert type(record).objects.filter(pk=record.pk).exists()


def test_an_unused_location_can_be_deleted(editor):
    location = LocationFactory()
    url = reverse("location-detail", args=[location.pk])

    response = editor.delete(f"{url}?reason=out_of_scope", HTTP_IF_MATCH=etag(editor, url))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not Location.objects.exists()


def test_delete_refuses_unknown_query_parameters(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    response = editor.delete(f"{url}?reason=error&why=typo", HTTP_IF_MATCH=etag(editor, url))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "why" in response.json()["errors"]


def test_put_resets_what_it_leaves_out(editor):
    created = editor.post(EVENTS, event_body(summary="Long story"), format="json").json()
    url = reverse("event-detail", args=[created["id"]])

    response = editor.put(
        url,
        {"title": "Bare", "event_type": "cooperate", "start_date": "2024-09"},
        format="json",
        HTTP_IF_MATCH=etag(editor, url),
    )

    event = response.json()
    assert (event["summary"], event["actors"], event["sources"], event["location"]) == (
        "",
        [],
        [],
        None,
    )
    assert (event["start_date"], event["end_date"], event["date_precision"]) == (
        "2024-09-01",
        "2024-09-30",
        "month",
    )


def test_put_on_an_actor_resets_its_optional_fields(editor):
    actor = ActorFactory(aliases=["Old alias"], description="Old")
    url = reverse("actor-detail", args=[actor.pk])

    body = editor.put(
        url, {"name": actor.name, "kind": "person"}, format="json", HTTP_IF_MATCH=etag(editor, url)
    ).json()

    assert (body["aliases"], body["description"], body["country_code"]) == ([], "", "")


@pytest.mark.parametrize("name", ["event-list", "actor-list"])
def test_a_misspelled_body_field_is_refused(editor, name):
    body = (
        event_body(sumary="typo")
        if name == "event-list"
        else {"name": "X", "kind": "state", "nmae": "Y"}
    )

    response = editor.post(reverse(name), body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {
        "sumary" if name == "event-list" else "nmae": ["Unknown field."]
    }


def test_a_duplicate_record_error_is_a_non_field_error(editor):
    SourceFactory(publisher="IRNA", title="Report", published_on=None)

    response = editor.post(
        reverse("source-list"), {"publisher": "IRNA", "title": "Report"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == ["non_field_errors"]


def test_a_partial_read_carries_no_etag_to_write_with(editor):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])

    partial = editor.get(url, {"fields": "id,title"})

    assert partial["ETag"] != editor.get(url)["ETag"]
    assert (
        editor.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=partial["ETag"]).status_code
        == 412
    )


# -- what a write costs -------------------------------------------------------------------
# Every write begins with 5 queries: the token, the user's permissions and its groups',
# the write's savepoint, the change lock; and ends with the change's INSERT and the
# savepoint's release. An event as shown is 3 queries (its snapshot: the event with its
# type and place, its actors, its sources): a write builds it once, for the log and the
# answer, and an update or a deletion once before, to compare with If-Match.
# Event.full_clean() is 11: its type and place exist, and its 3 constraints, each
# checked in a savepoint of its own.


@pytest.fixture
def linked_event() -> Event:
    event = EventFactory()
    EventActorFactory(event=event)
    EventSourceFactory(event=event)
    return event


def test_a_patch_of_an_event_builds_its_snapshot_twice(
    editor, linked_event, django_assert_num_queries
):
    url = reverse("event-detail", args=[linked_event.pk])
    tag = etag(editor, url)

    # 5 + the event locked, with its place (1) + If-Match's snapshot (3) + full_clean()
    # (11) + the UPDATE (1) + the snapshot logged and answered (3) + 2.
    with django_assert_num_queries(26):
        response = editor.patch(url, {"title": "Corrected"}, format="json", HTTP_IF_MATCH=tag)

    assert response.status_code == HTTPStatus.OK


def test_a_put_of_an_event_with_links_runs_a_fixed_number_of_queries(
    editor, linked_event, django_assert_num_queries
):
    url = reverse("event-detail", args=[linked_event.pk])
    tag = etag(editor, url)
    body = event_body()
    body["actors"] = body["actors"][:1]

    # 5 + the event locked (1) + the body's type, place, actor and source (4) + If-Match's
    # snapshot (3) + full_clean() (11) + the UPDATE (1) + for the actors, then the
    # sources: the old links' DELETE, the linked record exists, the INSERT (6) + the
    # snapshot logged and answered (3) + 2.
    with django_assert_num_queries(36):
        response = editor.put(url, body, format="json", HTTP_IF_MATCH=tag)

    assert response.status_code == HTTPStatus.OK


def test_a_post_of_an_event_builds_its_snapshot_once(editor, django_assert_num_queries):
    body = event_body()
    body["actors"] = body["actors"][:1]

    # 5 + the body's type, place, actor and source (4) + full_clean() (11) + the INSERT
    # (1) + the links, as in a PUT (6) + the snapshot logged and answered (3) + 2.
    with django_assert_num_queries(32):
        response = editor.post(EVENTS, body, format="json")

    assert response.status_code == HTTPStatus.CREATED


def test_a_delete_of_an_event_builds_its_snapshot_once(
    editor, linked_event, django_assert_num_queries
):
    url = reverse("event-detail", args=[linked_event.pk])
    tag = etag(editor, url)

    # 5 + the event locked (1) + If-Match's snapshot (3) + the tombstone's INSERT (1) +
    # the DELETEs of its actor links, its source links and itself (3) + the release (1).
    with django_assert_num_queries(14):
        response = editor.delete(f"{url}?reason=error", HTTP_IF_MATCH=tag)

    assert response.status_code == HTTPStatus.NO_CONTENT


def test_a_patch_of_an_actor_runs_a_fixed_number_of_queries(editor, django_assert_num_queries):
    actor = ActorFactory()
    url = reverse("actor-detail", args=[actor.pk])
    tag = etag(editor, url)

    # 5 + the actor locked (1; its snapshot needs no query) + full_clean(): no other actor
    # has its name, kind and country (1), its Wikidata constraint in a savepoint (3) +
    # its shown fields as they were (ShownInEvents.save) (1) + the UPDATE (1) + 2.
    with django_assert_num_queries(14):
        response = editor.patch(
            url, {"description": "Corrected."}, format="json", HTTP_IF_MATCH=tag
        )

    assert response.status_code == HTTPStatus.OK
