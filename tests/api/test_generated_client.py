"""A client generated from the OpenAPI schema, used as a researcher would use it.

openapi-python-client turns the schema the project serves into a Python package;
that package then talks to a live server over HTTP. A schema the generator cannot
read, or one that misdescribes the API (a parameter, a field, a response shape),
fails here before it fails for a user of the API.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from tests.factories import (
    ActorFactory,
    EventActorFactory,
    EventFactory,
    LocationFactory,
)

# A live server answers from another thread, so the data must be committed; the
# serialized rollback restores the event-type vocabulary the migrations loaded,
# which each transactional test's flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "timeline_api_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The generated client package, imported from a temporary directory.

    --fail-on-warning: any part of the schema the generator cannot express (and so
    leaves out of the client) fails the test. The generator formats its output with
    ruff, found on PATH next to the interpreter."""
    root = tmp_path_factory.mktemp("generated_client")
    schema = root / "schema.json"
    call_command("spectacular", "--file", str(schema), "--format", "openapi-json")
    bin_dir = str(Path(sys.executable).parent)
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        cwd=root,
        env={**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"generation failed:\n{result.stdout}\n{result.stderr}"

    sys.path.insert(0, str(root))
    try:
        yield SimpleNamespace(
            Client=importlib.import_module(PACKAGE).Client,
            events_list=importlib.import_module(f"{PACKAGE}.api.events.events_list"),
            events_stats=importlib.import_module(f"{PACKAGE}.api.events.events_stats"),
            EventStats=importlib.import_module(f"{PACKAGE}.models").EventStats,
            PaginatedEventList=importlib.import_module(f"{PACKAGE}.models").PaginatedEventList,
        )
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def client(generated, live_server):
    with generated.Client(base_url=live_server.url, raise_on_unexpected_status=True) as client:
        yield client


def cursor_of(next_url: str) -> str:
    (cursor,) = parse_qs(urlsplit(next_url).query)["cursor"]
    return cursor


def make_timeline() -> dict[str, list]:
    """Eight events in Oman that touch 2024 (ties on one date across page edges, one
    that starts on 30 December 2023 and runs into 2024), each with two actors; and
    events that must not match: Oman in other years, Qatar and Iran in 2024."""
    muscat = LocationFactory(name="Muscat", country_code="OM")
    day = dt.date
    oman_2024 = [
        EventFactory(location=muscat, start_date=start, end_date=end)
        for start, end in [
            (day(2023, 12, 30), day(2024, 1, 2)),
            (day(2024, 1, 15), day(2024, 1, 15)),
            (day(2024, 1, 15), day(2024, 1, 15)),
            (day(2024, 3, 2), day(2024, 3, 2)),
            (day(2024, 3, 2), day(2024, 3, 3)),
            (day(2024, 3, 2), day(2024, 3, 2)),
            (day(2024, 7, 20), day(2024, 7, 20)),
            (day(2024, 12, 31), day(2024, 12, 31)),
        ]
    ]
    host, guest = ActorFactory(name="Haitham bin Tarik"), ActorFactory(name="Abbas Araghchi")
    for event in oman_2024:
        EventActorFactory(event=event, actor=host, role="host")
        EventActorFactory(event=event, actor=guest, role="participant")
    others = [
        EventFactory(location=muscat, start_date=day(2023, 6, 1), end_date=day(2023, 6, 1)),
        EventFactory(location=muscat, start_date=day(2025, 1, 1), end_date=day(2025, 1, 1)),
        EventFactory(location__country_code="QA", start_date=day(2024, 3, 2)),
        EventFactory(location__country_code="IR", start_date=day(2024, 7, 20)),
    ]
    return {"oman_2024": oman_2024, "others": others, "actors": [host, guest]}


def test_a_researcher_pages_through_oman_in_2024_with_the_generated_client(generated, client):
    timeline = make_timeline()
    expected = timeline["oman_2024"]
    actor_ids = {actor.pk for actor in timeline["actors"]}

    pages, cursor = [], None
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = generated.events_list.sync(
            client=client, country="OM", date_from="2024", date_to="2024", page_size=3, **kwargs
        )
        assert isinstance(page, generated.PaginatedEventList), page
        pages.append(page)
        assert len(pages) <= len(expected), "the next links never end"
        if page.next_ is None:
            break
        cursor = cursor_of(page.next_)

    assert [len(page.results) for page in pages] == [3, 3, 2]
    seen = [event.id for page in pages for event in page.results]
    assert Counter(seen) == Counter(event.pk for event in expected)  # each exactly once
    newest_first = sorted(expected, key=lambda event: (event.start_date, event.pk), reverse=True)
    assert seen == [event.pk for event in newest_first]
    assert pages[0].previous is None and all(page.previous for page in pages[1:])
    for page in pages:
        for event in page.results:
            assert event.location.country_code == "OM"
            assert {actor.id for actor in event.actors} == actor_ids
            assert event.start_date <= dt.date(2024, 12, 31)  # overlaps 2024
            assert event.end_date >= dt.date(2024, 1, 1)


def test_a_researcher_counts_events_by_country_and_month_with_the_generated_client(
    generated, client
):
    make_timeline()

    stats = generated.events_stats.sync(client=client, group_by="country,month")

    assert isinstance(stats, generated.EventStats), stats
    assert stats.group_by == ["country", "month"]
    assert [(group.country, group.month, group.count) for group in stats.groups] == [
        ("IR", "2024-07", 1),
        ("OM", "2023-06", 1),
        ("OM", "2023-12", 1),  # grouped by start date: the one running into 2024
        ("OM", "2024-01", 2),
        ("OM", "2024-03", 3),
        ("OM", "2024-07", 1),
        ("OM", "2024-12", 1),
        ("OM", "2025-01", 1),
        ("QA", "2024-03", 1),
    ]
    assert stats.total == 12
    assert stats.truncated is False
