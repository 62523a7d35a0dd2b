from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from timeline.services.editors import editor_create


class Command(BaseCommand):
    help = (
        "Create an editor (a user in the 'editors' group, which may add, change and "
        "delete events, actors, locations and sources) and print its API token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        user, token = editor_create(username=options["username"], email=options["email"])
        self.stderr.write(f"Editor {user.get_username()}; use the header:")
        self.stdout.write(f"Authorization: Token {token}")
