"""The seed timeline: the events of the seed article, loaded by `manage.py load_seed`."""

from __future__ import annotations

import copy
import json
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from timeline.models import Actor, Event, EventActor, Location, Source
from timeline.services.documents import SEED_PATH, DocumentError, timeline_document_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed() -> None:
    call_command("load_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115


def seed_document() -> dict:
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


def table_snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Actor, Location, Source, Event, EventActor)
    ]


def test_what_happened_in_oman_in_2024_is_the_joint_exercise(api, seed):
    response = api.get(
        reverse("event-list"), {"country": "OM", "date_from": "2024-01-01", "date_to": "2024-12-31"}
    )

    assert response.status_code == HTTPStatus.OK
    events = response.json()["results"]
    assert [event["title"] for event in events] == [
        "Iran and Oman hold their first joint ground-force exercise, Mountain Falcons 1 "
        "(Saqour al-Jabal 1)"
    ]
    exercise = events[0]
    assert exercise["start_date"] == "2024-09-30"  # the article's "Monday"
    assert exercise["date_precision"] == "day"
    assert exercise["ongoing"] is True
    assert exercise["location"]["country_code"] == "OM"
    assert exercise["location"]["latitude"] is not None
    assert {actor["name"] for actor in exercise["actors"]} >= {
        "Islamic Republic of Iran Army Ground Forces",
        "Royal Army of Oman",
        "Royal Oman Police",
    }
    assert all(source["quote"] for source in exercise["sources"])


def test_pezeshkians_timeline_runs_from_new_york_to_doha(api, seed):
    found = api.get(reverse("actor-list"), {"q": "pezeshkian"}).json()["results"]
    assert [actor["name"] for actor in found] == ["Masoud Pezeshkian"]

    response = api.get(reverse("actor-events", args=[found[0]["id"]]))

    events = response.json()["results"]
    dates = [event["start_date"] for event in events]
    assert dates == sorted(dates)
    titles = " | ".join(event["title"] for event in events)
    for words in ("Summit of the Future", "Mishustin", "Qatar", "Asia Cooperation Dialogue"):
        assert words in titles
    visit = next(e for e in events if "visit to Qatar" in e["title"])
    assert (visit["start_date"], visit["end_date"]) == ("2024-10-02", "2024-10-03")  # Wednesday


# The article is kept beside the project's checkout (shared/seed/), not in it.
ARTICLE = SEED_PATH.parents[3] / "shared" / "seed" / "article.txt"


@pytest.mark.skipif(not ARTICLE.exists(), reason="the seed article is not beside the checkout")
def test_every_seed_quote_is_in_the_article():
    text = ARTICLE.read_text(encoding="utf-8")
    document = seed_document()
    quotes = [link["quote"] for event in document["events"] for link in event["sources"]]

    assert len(quotes) >= len(document["events"])
    assert [quote for quote in quotes if quote not in text] == []


def test_the_seed_records_dates_with_their_precision(seed):
    inaugural = Event.objects.get(external_id="acd-inaugurated-cha-am-2002")

    assert inaugural.date_precision == "month"
    assert (str(inaugural.start_date), str(inaugural.end_date)) == ("2002-06-01", "2002-06-30")
    assert inaugural.location.country_code == "TH"


def test_loading_the_seed_twice_changes_nothing(seed):
    before = table_snapshot()

    call_command("load_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert table_snapshot() == before


def test_a_changed_event_is_updated_in_place(seed):
    document = seed_document()
    document["events"][0]["title"] = "A corrected title"
    count = Event.objects.count()

    summary = timeline_document_load(document=document)

    assert Event.objects.count() == count
    assert Event.objects.filter(title="A corrected title").count() == 1
    assert summary.updated["events"] == 1


def test_a_bad_document_is_refused_whole(seed):
    before = table_snapshot()
    document = copy.deepcopy(seed_document())
    document["events"][0]["title"] = "Written first, then rolled back"
    document["events"][-1]["end_date"] = "1999-01-01"  # before its start

    with pytest.raises(DocumentError, match=r"events\[\d+\]"):
        timeline_document_load(document=document)

    assert table_snapshot() == before


def test_an_unknown_reference_names_the_item(seed):
    document = seed_document()
    document["events"][2]["location"] = "atlantis"

    with pytest.raises(DocumentError, match=r"events\[2\]\.location: .*atlantis"):
        timeline_document_load(document=document)


def test_places_and_actors_are_matched_on_their_natural_keys_whatever_the_case(seed):
    document = seed_document()
    place, actor = document["locations"][0], document["actors"][0]
    place.update(name=place["name"].upper(), admin1=place["admin1"].lower(), latitude=40.75)
    actor.update(name=actor["name"].lower(), description="Changed.")
    counts = (Location.objects.count(), Actor.objects.count())

    summary = timeline_document_load(document=document)

    assert (Location.objects.count(), Actor.objects.count()) == counts
    assert (summary.updated["locations"], summary.updated["actors"]) == (1, 1)
    assert Location.objects.get(name__iexact=place["name"]).latitude == 40.75


def test_members_left_out_take_the_models_defaults():
    document = {
        "dataset": "test",
        "sources": [{"key": "s", "publisher": "IRNA", "title": "Report"}],
        "actors": [{"key": "a", "name": "Oman", "kind": "state"}],
    }

    timeline_document_load(document=document)

    assert Source.objects.values("url", "published_on").get() == {"url": "", "published_on": None}
    assert Actor.objects.values("country_code", "aliases", "description").get() == {
        "country_code": "",
        "aliases": [],
        "description": "",
    }


def test_a_required_member_left_out_is_named():
    document = {"dataset": "test", "locations": [{"key": "x", "name": "Muscat"}]}

    with pytest.raises(DocumentError, match=r"locations\[0\]: the member 'kind' is required"):
        timeline_document_load(document=document)
