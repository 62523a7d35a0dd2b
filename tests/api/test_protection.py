"""Protection of the public API: throttling, CORS, conditional requests, JSON errors,
production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import ActorFactory, EventFactory
from timeline.models import Change
from timeline.services.editors import editor_create

pytestmark = pytest.mark.django_db

EVENTS = reverse("event-list")
# A database of its own (15): the tests flush it. TEST_REDIS_URL points elsewhere.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_throttling(settings, redis_required):
    """Throttle counts in Redis, as in production, 3 requests a minute (the test is
    skipped when Redis does not answer, unless REQUIRE_REDIS=1)."""
    redis_required(REDIS_URL)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.clear()
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "5/minute"}
    yield
    cache.clear()


def test_anonymous_clients_get_429_with_retry_after_past_their_rate(api, redis_throttling):
    statuses = [api.get(EVENTS).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = api.get(EVENTS)
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert any(key.startswith(":1:throttle_anon_") for key in _redis_keys())


def _redis_keys() -> list[str]:
    client = cache._cache.get_client()  # the redis-py client behind Django's cache
    return [key.decode() for key in client.keys("*")]


def test_a_forged_x_forwarded_for_does_not_mint_a_new_bucket(api, redis_throttling):
    statuses = [
        api.get(EVENTS, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)
    ]

    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS


def test_behind_one_proxy_the_proxys_last_hop_identifies_the_client(
    api, redis_throttling, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    first = [api.get(EVENTS, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code for _ in range(4)]
    other = api.get(EVENTS, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code

    assert first[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert other == HTTPStatus.OK


def test_authenticated_clients_have_their_own_rate(api, redis_throttling):
    _, token = editor_create(username="editor")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    statuses = [api.get(EVENTS).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_any_origin_may_read_without_credentials(api):
    response = api.get(EVENTS, HTTP_ORIGIN="https://maps.example.org")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_preflight_allows_get_only(api):
    response = api.options(
        EVENTS,
        HTTP_ORIGIN="https://maps.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response.status_code == HTTPStatus.OK
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


def test_the_admin_sends_no_cors_headers(client):
    response = client.get("/admin/login/", HTTP_ORIGIN="https://evil.example.org")

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("url", [EVENTS, "/api/v1/actors/", "/api/v1/countries/"])
def test_a_list_answers_304_to_its_etag(api, url):
    EventFactory()
    first = api.get(url)

    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""


def test_an_event_answers_304_to_its_etag_until_it_changes(api):
    event = EventFactory()
    url = reverse("event-detail", args=[event.pk])
    first = api.get(url)
    assert first["Last-Modified"]

    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    event.title = "Changed"
    event.save()
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_lists_carry_the_time_of_the_latest_change(api):
    editor_client = Client()
    _, token = editor_create(username="editor")
    editor_client.post(
        "/api/v1/actors/",
        {"name": "Oman", "kind": "state"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    response = api.get("/api/v1/actors/")

    assert response["Last-Modified"]
    later = api.get("/api/v1/actors/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert later.status_code == HTTPStatus.NOT_MODIFIED
    assert Change.objects.count() == 1
    (change,) = Change.objects.all()
    shown = parsedate_to_datetime(response["Last-Modified"])
    assert shown == change.at.replace(microsecond=0)  # HTTP dates are in whole seconds


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("put", EVENTS, 405),
        ("get", "/api/v1/nothing/", 404),
        ("get", "/api/v1/events/1/", 404),
    ],
)
def test_errors_under_api_are_json(api, method, url, status):
    _, token = editor_create(username="editor")  # past authentication, to reach the 405
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = getattr(api, method)(url)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == status


def test_an_unexpected_error_is_a_json_500(api, monkeypatch):
    from timeline.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.EventViewSet, "list", explode)
    client = Client(raise_request_exception=False)

    response = client.get(EVENTS)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {
        "status": 500,
        "code": "server_error",
        "detail": "The server failed to answer this request; it has been logged.",
    }


def test_responses_carry_security_headers(api):
    response = api.get(EVENTS)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k7#Qz!" + "x9Lm2Vb8Nc4Rt6Yw1Pq3Hs5Jd0Gf7Ka" * 2,
    "DJANGO_ALLOWED_HOSTS": "events.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_BEHIND_TLS_PROXY": "true",
}


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent.parent,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_the_documented_production_settings():
    result = _check_deploy(PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_them():
    result = _check_deploy({"DJANGO_DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_the_admin_logs_its_edits(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    actor = ActorFactory(name="Oman")

    response = client.post(
        reverse("admin:timeline_actor_change", args=[actor.pk]),
        {"name": "Sultanate of Oman", "kind": "state", "country_code": "OM", "aliases": "[]"},
    )

    assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
    change = Change.objects.get()
    assert (change.entity, change.action, change.user, change.data["name"]) == (
        "actor",
        "updated",
        user,
        "Sultanate of Oman",
    )
