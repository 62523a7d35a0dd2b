from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.services.documents import SEED_PATH, DocumentError, seed_timeline_load


class Command(BaseCommand):
    help = (
        "Load the seed timeline (the events of the seed article) or another timeline "
        "document. Idempotent: loading the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=SEED_PATH, help="A timeline document.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = seed_timeline_load(path=options["file"])
        except DocumentError as error:
            raise CommandError(f"Nothing was loaded: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {options['file'].name}: {summary}"))
