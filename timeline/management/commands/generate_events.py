from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.bulk.synthetic import GenerateError, events_generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic dataset (events with locations, actors and sources) for "
        "benchmarks and demos; the same seed gives the same data. Written directly, not "
        "through the change log. Refuses a dataset that already has events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="Number of events.")
        parser.add_argument("--seed", type=int, required=True, help="Random seed.")
        parser.add_argument(
            "--dataset", default="synthetic", help="Event.dataset of the generated events."
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Events written per transaction."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        started = time.perf_counter()
        # Progress only for a person watching: not in logs, pipes or tests.
        on_terminal = self.stderr.isatty()

        def progress(written: int) -> None:
            elapsed = time.perf_counter() - started
            rate = written / elapsed if elapsed > 0 else 0.0
            self.stderr.write(
                f"\r{written:,}/{count:,} events ({written / count:.0%}), {rate:,.0f} events/s",
                style_func=str,  # not the error colour stderr gets on a terminal
                ending="",
            )
            self.stderr.flush()

        try:
            summary = events_generate(
                count=count,
                seed=options["seed"],
                dataset=options["dataset"],
                batch_size=options["batch_size"],
                progress=progress if on_terminal else None,
            )
        except GenerateError as error:
            raise CommandError(f"Nothing was generated: {error}") from None
        if on_terminal:
            self.stderr.write("", style_func=str)
        self.stdout.write(self.style.SUCCESS(f"Generated {summary}"))
