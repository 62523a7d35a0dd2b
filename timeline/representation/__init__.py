"""Events (and the records they nest) as the API shows them, without serializers.

EventSerializer (timeline.api) serves single events; lists, exports and the change
log build the same JSON here, both from timeline.event_shape:

- ``rows``: from ``values()`` rows, for the list endpoint and single snapshots, in
  three queries for any number of events. Building ORM instances and running nested
  ModelSerializers for every event cost several times more than the database work
  (docs/performance.md).
- ``sql``: built by the database as JSON text (``events_json_query``), for exports and
  the change log's snapshots of many events.

tests/test_representation.py and tests/test_export.py hold all three equal.
Imported by api/, services/ and bulk/, so it imports none of them.
"""

from timeline.representation.rows import (
    driver_rows,
    event_rows,
    events_by_id,
    record_json,
    represent_events,
)
from timeline.representation.sql import FLOAT_COLUMNS, events_json_query, sqlite_json_float

__all__ = [
    "FLOAT_COLUMNS",
    "driver_rows",
    "event_rows",
    "events_by_id",
    "events_json_query",
    "record_json",
    "represent_events",
    "sqlite_json_float",
]
