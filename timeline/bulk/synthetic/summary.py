"""What a run of the generator reports: its summary, or why it refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class GenerateError(ValueError):
    """The dataset cannot be generated as asked (bad arguments, or it already has events)."""


@dataclass
class GenerateSummary:
    dataset: str
    seed: int
    events: int = 0
    event_actors: int = 0
    event_sources: int = 0
    # Locations, actors and sources are matched on their natural keys: rows an earlier
    # run (or anything else) wrote are reused, not duplicated.
    created: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        reference = ", ".join(
            f"{self.created[kind] + self.reused[kind]} {kind} ({self.reused[kind]} reused)"
            for kind in ("locations", "actors", "sources")
        )
        return (
            f"dataset {self.dataset!r}, seed {self.seed}: {self.events} events, "
            f"{self.event_actors} actor links, {self.event_sources} source links; "
            f"{reference}; {self.seconds:.1f} s, {self.events_per_second:,.0f} events/s"
        )
