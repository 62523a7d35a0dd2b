"""Editors: the accounts that may write records through the API, and their tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from rest_framework.authtoken.models import Token

from timeline.models import Actor, Event, Location, Source

EDITORS_GROUP = "editors"
EDITED_MODELS = (Event, Actor, Location, Source)


@transaction.atomic
def editors_group_ensure() -> Group:
    """The "editors" group, with the permissions to add, change and delete records."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    content_types = ContentType.objects.get_for_models(*EDITED_MODELS).values()
    group.permissions.add(
        *Permission.objects.filter(
            content_type__in=content_types, codename__regex=r"^(add|change|delete)_"
        )
    )
    return group


@transaction.atomic
def editor_create(*, username: str, email: str = "") -> tuple[Any, str]:
    """An editor account (no password: it writes with its token) in the editors group,
    and its API token. Running it again for the same user returns the same token."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(editors_group_ensure())
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key
