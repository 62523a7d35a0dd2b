from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.http import QueryDict

from timeline.api.errors import QueryParameterError
from timeline.api.filters import EventFilterSet
from timeline.models import Event
from timeline.representation.export import EXPORT_FORMATS, events_export

MAX_PROCESSES = 16


def filtered_events(query: str) -> QuerySet[Event]:
    """Events matching the API's event filters (EventFilterSet, with `ordering`, which
    the export ignores), given as a query string, with the API's messages."""
    data = QueryDict(query)
    accepted = set(EventFilterSet.base_filters)
    problems = {
        name: [f"Unknown filter. Accepted: {', '.join(sorted(accepted))}."]
        for name in sorted(set(data) - accepted - {"ordering"})
    }
    if not problems:
        filterset = EventFilterSet(data=data, queryset=Event.objects.all())
        if filterset.is_valid():
            try:
                return filterset.qs
            except QueryParameterError as error:  # a filter that checks its value itself
                problems = error.detail
        else:
            problems = {name: list(messages) for name, messages in filterset.errors.items()}
    text = "; ".join(
        f"{name}: {' '.join(map(str, messages))}" for name, messages in problems.items()
    )
    raise CommandError(f"Invalid --query: {text}")


class Command(BaseCommand):
    help = (
        "Export events as CSV, JSON Lines or GeoJSON, streamed (memory does not grow with "
        "the number of events). --query takes the API's event filters, e.g. "
        "--query 'country=OM&date_from=2024'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=list(EXPORT_FORMATS), default="csv")
        parser.add_argument("--output", "-o", help="A file to write (default: standard output).")
        parser.add_argument(
            "--query", default="", help="Event filters as in the API's query string."
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=2,
            help="On SQLite: processes building the events' JSON at once (default 2; 1 for "
            "none). PostgreSQL builds it in its own server processes either way.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = filtered_events(options["query"])
        if not 1 <= options["processes"] <= MAX_PROCESSES:
            raise CommandError(f"--processes: from 1 to {MAX_PROCESSES}.")
        chunks = events_export(queryset, options["format"], processes=options["processes"])
        if options["output"]:
            with open(options["output"], "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        else:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
