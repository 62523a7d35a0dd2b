"""ASGI entry point. Refuses to start with settings that are unsafe outside development."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

from config.settings import assert_safe_for_production  # noqa: E402

assert_safe_for_production()
