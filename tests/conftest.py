from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import redis
from django.core.cache import cache
from rest_framework.test import APIClient

from timeline.services.editors import editor_create


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


@pytest.fixture(scope="session")
def redis_required() -> Callable[[str], None]:
    """``check(url)`` skips the calling test when no Redis answers at ``url``, so a machine
    without Redis runs the rest of the suite; with REQUIRE_REDIS=1 (as in CI) it fails
    instead. Each URL is tried once a session."""
    errors: dict[str, str | None] = {}

    def check(url: str) -> None:
        if url not in errors:
            errors[url] = _redis_error(url)
        if errors[url] is None:
            return
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(
                f"Redis does not answer at {url} ({errors[url]}), and REQUIRE_REDIS=1 says "
                "the tests that need it must run.",
                pytrace=False,
            )
        pytest.skip(
            f"Redis does not answer at {url} ({errors[url]}): start it or set TEST_REDIS_URL "
            "to run this test (REQUIRE_REDIS=1 makes this a failure)."
        )

    return check


def _redis_error(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return str(error) or type(error).__name__
    finally:
        client.close()
    return None
