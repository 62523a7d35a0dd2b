from __future__ import annotations

import pytest
from django.core.checks.security.base import check_secret_key
from django.core.exceptions import ImproperlyConfigured

from config import settings as config_settings
from config.settings import assert_safe_for_production, env_bool, env_int

FLAG = "TIMELINE_TEST_FLAG"


@pytest.fixture
def production(monkeypatch):
    """DEBUG off, the key not set: the settings a forgotten deployment would run with."""
    monkeypatch.setattr(config_settings, "DEBUG", False)
    monkeypatch.setattr(config_settings, "SECRET_KEY", config_settings.INSECURE_DEV_SECRET_KEY)
    return monkeypatch


def test_serving_without_debug_and_with_the_insecure_key_is_refused(production):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        assert_safe_for_production()


def test_serving_without_debug_and_with_a_real_key_is_allowed(production):
    production.setattr(config_settings, "SECRET_KEY", "v8$Jq2-a-real-random-production-key-3kLz")

    assert_safe_for_production()  # does not raise


def test_serving_with_debug_on_and_the_insecure_key_is_allowed(production):
    production.setattr(config_settings, "DEBUG", True)

    assert_safe_for_production()  # does not raise


def test_djangos_deploy_check_flags_the_insecure_default_key(settings):
    settings.SECRET_KEY = config_settings.INSECURE_DEV_SECRET_KEY

    assert [warning.id for warning in check_secret_key(None)] == ["security.W009"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("1", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(FLAG, raw)

    assert env_bool(FLAG, default=not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y"])
def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(FLAG, raw)

    with pytest.raises(ImproperlyConfigured, match=FLAG):
        env_bool(FLAG)


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch, default):
    monkeypatch.delenv(FLAG, raising=False)
    assert env_bool(FLAG, default) is default

    monkeypatch.setenv(FLAG, "")
    assert env_bool(FLAG, default) is default


def test_env_int_reads_an_integer_and_rejects_anything_else(monkeypatch):
    monkeypatch.setenv(FLAG, "60")
    assert env_int(FLAG, 0) == 60

    monkeypatch.setenv(FLAG, "sixty")
    with pytest.raises(ImproperlyConfigured, match=FLAG):
        env_int(FLAG, 0)
