"""What an import reports: its summary, the error that aborts it, the rejected rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from timeline.services.documents import DocumentError, LoadSummary


class RowError(DocumentError):
    """An invalid row aborted the import; nothing was written."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.reason = reason


@dataclass
class ImportSummary(LoadSummary):
    """Counts by kind of record ("events", "actors"...), the rows read, and the rows
    rejected (row number, reason) when invalid rows were skipped."""

    rows: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        counts = super().__str__() or "nothing written"
        return f"{self.rows} rows read, {len(self.rejected)} rejected. {counts}"


def report_write(path: Path, rejected: Iterable[tuple[int, str]]) -> None:
    """The rejected rows as CSV (row,reason), for the --report option."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "reason"])
        writer.writerows(rejected)
