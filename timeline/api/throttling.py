"""Throttles that read their rate from settings.API_THROTTLE_RATES on each request.

DRF's own throttles copy DEFAULT_THROTTLE_RATES once, at import, so a deployment or
a test could not change them afterwards; these look the rate up every time."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)
