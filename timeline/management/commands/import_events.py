from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.bulk.importing import (
    FORMATS,
    CheckingFailed,
    RowError,
    events_import,
    gc_paused,
    records_read,
    report_write,
)
from timeline.services.documents import DocumentError

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import events from a file: our CSV or JSON Lines export, or ACLED's CSV export. "
        "Events are matched on (dataset, external_id), so importing again updates instead "
        "of duplicating. One transaction: the first invalid row aborts the import and "
        "nothing is written, unless --skip-invalid. See timeline/bulk/importing/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=FORMATS, help="Default: from the extension or the header."
        )
        parser.add_argument(
            "--dataset",
            help='The dataset of events that name none: ACLED rows ("acled" by default) and '
            'exported events without external_id ("import" by default).',
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and list the invalid ones instead of aborting.",
        )
        parser.add_argument(
            "--report", type=Path, help="Write the rejected rows here, as CSV (row,reason)."
        )
        parser.add_argument(
            "--processes",
            type=int,
            choices=(1, 2),
            default=2,
            help="2 (the default): read and check the rows in a second process while this "
            "one writes; 1: all in this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        report: Path | None = options["report"]
        progress = self.progress() if self.stderr.isatty() else None
        try:
            with gc_paused():
                summary = events_import(
                    records=records_read(
                        path, format=options["format"], dataset=options["dataset"]
                    ),
                    dataset=options["dataset"],
                    skip_invalid=options["skip_invalid"],
                    progress=progress,
                    processes=options["processes"],
                )
        except RowError as error:
            if report is not None:
                report_write(report, [(error.row, error.reason)])
            raise CommandError(f"Nothing was imported: {error}") from None
        except (DocumentError, OSError, UnicodeDecodeError, CheckingFailed) as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        finally:
            if progress is not None:
                self.stderr.write("")  # end the progress line
        if report is not None:
            report_write(report, summary.rejected)
        for row, reason in summary.rejected[:SHOWN_REJECTIONS]:
            self.stderr.write(f"Rejected row {row}: {reason}")
        if len(summary.rejected) > SHOWN_REJECTIONS:
            more = len(summary.rejected) - SHOWN_REJECTIONS
            where = f"; all in {report}" if report else "; --report lists them all"
            self.stderr.write(f"... and {more} more{where}.")
        style = self.style.WARNING if summary.rejected else self.style.SUCCESS
        self.stdout.write(style(f"Imported {path.name}: {summary}"))

    def progress(self) -> Callable[[int], None]:
        """Rows read and rows per second, rewritten in place after each batch."""
        started = time.monotonic()

        def show(rows: int) -> None:
            rate = rows / max(time.monotonic() - started, 1e-6)
            self.stderr.write(f"\r{rows:,} rows, {rate:,.0f} rows/s", ending="")
            self.stderr.flush()

        return show
