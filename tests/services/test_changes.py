"""The change log as curators' writes leave it: history, the change feed, the events
logged when a record they show changes, and the admin's edits."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ActorFactory, EventActorFactory, EventFactory, LocationFactory
from tests.feed import replay, server_state
from tests.services.test_records import EVENTS, etag, event_body
from timeline.models import Actor, Change, Event, EventType, Source

pytestmark = pytest.mark.django_db


def test_history_lists_every_version_oldest_first(editor):
    created = editor.post(EVENTS, event_body(title="First"), format="json").json()
    url = reverse("event-detail", args=[created["id"]])
    editor.patch(url, {"title": "Second"}, format="json", HTTP_IF_MATCH=etag(editor, url))
    editor.delete(f"{url}?reason=error", HTTP_IF_MATCH=etag(editor, url))

    body = editor.get(reverse("event-history", args=[created["id"]])).json()

    versions = body["results"]
    assert [(v["action"], v["user"]) for v in versions] == [
        ("created", "editor"),
        ("updated", "editor"),
        ("deleted", "editor"),
    ]
    assert [v["data"]["title"] for v in versions[:2]] == ["First", "Second"]
    assert versions[2]["reason"] == "error"


def test_history_of_a_record_that_never_existed_is_404(api):
    assert api.get(reverse("event-history", args=[424242])).status_code == HTTPStatus.NOT_FOUND


def test_renaming_a_location_logs_the_events_that_show_it(editor):
    event = editor.post(EVENTS, event_body(), format="json").json()
    location_url = reverse("location-detail", args=[event["location"]["id"]])

    editor.patch(
        location_url,
        {"name": "Jebel Akhdar"},
        format="json",
        HTTP_IF_MATCH=etag(editor, location_url),
    )

    last = Change.objects.filter(entity="event", object_id=event["id"]).last()
    assert last.action == "updated"
    assert last.data["location"]["name"] == "Jebel Akhdar"


def test_replaying_the_change_feed_reproduces_the_server(editor):
    call_command("load_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    copy: dict = {}
    resume = replay(editor, copy, reverse("change-list") + "?page_size=7")

    # Then curators work through the API: create, correct, rename a place, delete.
    def create(name: str, body: dict) -> int:
        return editor.post(reverse(f"{name}-list"), body, format="json").json()["id"]

    place_id = create("location", {"name": "Jebel Akhdar", "kind": "site", "country_code": "OM"})
    army = create("actor", {"name": "Iranian ground forces", "kind": "armed_force"})
    source = create("source", {"publisher": "IRNA", "title": "Exercise report"})
    created = editor.post(
        EVENTS,
        {
            "title": "Joint exercise",
            "event_type": "cooperate",
            "start_date": "2024-09-30",
            "location": place_id,
            "actors": [{"actor": army, "role": "participant"}],
            "sources": [{"source": source, "quote": "The training began this week."}],
        },
        format="json",
    ).json()
    url = reverse("event-detail", args=[created["id"]])
    editor.patch(url, {"title": "Corrected"}, format="json", HTTP_IF_MATCH=etag(editor, url))
    place = reverse("location-detail", args=[created["location"]["id"]])
    editor.patch(place, {"name": "Renamed"}, format="json", HTTP_IF_MATCH=etag(editor, place))
    victim = Event.objects.exclude(pk=created["id"]).first()
    victim_url = reverse("event-detail", args=[victim.pk])
    editor.delete(f"{victim_url}?reason=out_of_scope", HTTP_IF_MATCH=etag(editor, victim_url))
    actor = reverse("actor-detail", args=[created["actors"][0]["id"]])
    editor.patch(actor, {"name": "Iranian Army"}, format="json", HTTP_IF_MATCH=etag(editor, actor))

    replay(editor, copy, resume)  # catch up from where the copy stopped

    assert copy == server_state(editor)
    assert Source.objects.exists()


def test_the_feed_filters_by_time_and_entity(editor):
    LocationFactory()  # not through the API: not in the feed
    editor.post(reverse("actor-list"), {"name": "Oman", "kind": "state"}, format="json")
    before = Change.objects.get().at

    feed = editor.get(reverse("change-list"), {"entity": "location"}).json()
    since = editor.get(reverse("change-list"), {"since": before.isoformat()}).json()

    assert feed["results"] == []
    assert [c["entity"] for c in since["results"]] == ["actor"]
    assert editor.get(reverse("change-list"), {"entity": "planet"}).status_code == 400


def test_changing_an_actors_country_logs_its_events(editor):
    link = EventActorFactory()
    url = reverse("actor-detail", args=[link.actor.pk])

    editor.patch(url, {"country_code": "OM"}, format="json", HTTP_IF_MATCH=etag(editor, url))

    change = Change.objects.filter(entity="event", object_id=link.event.pk).get()
    assert change.data["actors"][0]["country_code"] == "OM"


def test_renaming_an_event_type_in_the_admin_logs_its_events(client):
    user = get_user_model().objects.create_superuser("admin", "a@example.org", "pw")
    client.force_login(user)
    event = EventFactory()
    visit = EventType.objects.get(code="consult.visit")

    response = client.post(
        reverse("admin:timeline_eventtype_change", args=[visit.pk]),
        {"code": "consult.visit", "label": "Visit", "parent": visit.parent_id, "description": ""},
    )

    assert response.status_code == HTTPStatus.FOUND
    change = Change.objects.get(entity="event", object_id=event.pk)
    assert change.data["event_type"]["label"] == "Visit"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deleting_records_in_the_admin_leaves_their_tombstones(client):
    # The admin's "delete selected" runs outside any transaction (and the lock needs one).
    user = get_user_model().objects.create_superuser("admin", "a@example.org", "pw")
    client.force_login(user)
    actors = [ActorFactory(), ActorFactory()]

    response = client.post(
        reverse("admin:timeline_actor_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in actors], "post": "yes"},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert not Actor.objects.exists()
    tombstones = Change.objects.filter(action="deleted").order_by("object_id")
    assert [(c.object_id, c.reason, c.note, c.user) for c in tombstones] == [
        (actor.pk, "other", "Deleted in the admin.", user) for actor in actors
    ]
