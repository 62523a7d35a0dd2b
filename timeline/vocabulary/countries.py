"""ISO 3166-1 country codes, from pycountry's copy of the standard."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def _alpha2_by_code() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        table[country.alpha_2] = country.alpha_2
        table[country.alpha_3] = country.alpha_2
    return table


def to_alpha2(code: str) -> str | None:
    """The alpha-2 code for an alpha-2 or alpha-3 code in any case, or None if unknown."""
    return _alpha2_by_code().get(code.strip().upper())


def to_alpha3(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2)
    return country.alpha_3 if country else ""


def country_name(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2)
    return country.name if country else alpha2


def validate_country_code(value: str) -> None:
    """Model validator: an upper-case ISO 3166-1 alpha-2 code (empty is left to blank=)."""
    if value and (len(value) != 2 or to_alpha2(value) != value):
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 alpha-2 country code.", params={"value": value}
        )
