"""Synthetic events for benchmarks and demos, written by `manage.py generate_events`.

The data has the shape the benchmark measures (docs/performance.md, docs/bulk.md):
countries of very unequal size (Zipf-like), locations with coordinates, actors with
aliases (some accented), about two actors and one source per event, mixed date
precisions, many events on the same day, and titles and summaries made of words for
the text search. Everything is drawn from one ``random.Random(seed)``: the same seed
gives the same rows (only the database ids and created_at/updated_at differ).

This is benchmark and demo data, written straight into the tables, NOT through the
change log (timeline.services.changes): no Change rows are created and /changes/ does not
show it. Do not generate into a database whose change feed others replay.

words (what names and texts are made of), world (the locations, actors and sources,
matched on their natural keys), events (the events and their links, written in batches).
"""

from timeline.bulk.synthetic.events import events_generate
from timeline.bulk.synthetic.summary import GenerateError, GenerateSummary

__all__ = ["GenerateError", "GenerateSummary", "events_generate"]
