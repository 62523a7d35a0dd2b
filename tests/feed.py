"""Replaying the change feed into a local copy, as a researcher keeps one; and the
server's state to compare the copy with. Shared by the tests of writes and imports."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient


def replay(client: APIClient, copy: dict, url: str) -> str | None:
    """Apply the feed from ``url`` to ``copy``; return where to resume."""
    last = url
    while url:
        body = client.get(url).json()
        for change in body["results"]:
            records = copy.setdefault(change["entity"], {})
            if change["action"] == "deleted":
                records.pop(change["object_id"], None)
            else:
                records[change["object_id"]] = change["data"]
        last = url if not body["next"] else body["next"]
        url = body["next"]
    return last


def server_state(client: APIClient) -> dict:
    state = {}
    for entity, name in (
        ("event", "event-list"),
        ("actor", "actor-list"),
        ("location", "location-list"),
        ("source", "source-list"),
    ):
        records, url = {}, reverse(name) + "?page_size=1000"
        while url:
            body = client.get(url).json()
            records.update({record["id"]: record for record in body["results"]})
            url = body["next"]
        state[entity] = records
    return state
