from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from timeline.services.records import editor_create


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(db) -> APIClient:
    """A client with the token of an editor (the editors group's permissions)."""
    _, token = editor_create(username="editor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def no_throttling(settings) -> Iterator[None]:
    """Tests make many requests from one address: throttling is tested on its own
    (tests/api/test_protection.py) and off elsewhere."""
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    yield
    cache.clear()
