from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def no_throttling(settings) -> Iterator[None]:
    """Tests make many requests from one address: throttling is tested on its own
    (tests/test_protection.py) and off elsewhere."""
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    yield
    cache.clear()
