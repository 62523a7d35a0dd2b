"""Loads the PLOVER event vocabulary so every database has it.

The terms come from 0002_load_plover_event_types.json beside this file, written once from
timeline/vocabulary/taxonomy.py (``as_document()``) and never edited since: this migration
loads the same rows whatever the code says today. Idempotent: existing codes are updated in
place, so a later revision (a new migration with its own JSON file, loaded the same way)
keeps events' references.
"""

import json
from pathlib import Path

from django.db import migrations

VOCABULARY = Path(__file__).with_suffix(".json")


def load_event_types(apps, schema_editor):
    EventType = apps.get_model("timeline", "EventType")
    terms = json.loads(VOCABULARY.read_text(encoding="utf-8"))["event_types"]
    by_code = {}
    for term in terms:  # parents come before their children
        event_type, _ = EventType.objects.update_or_create(
            code=term["code"],
            defaults={
                "label": term["label"],
                "parent": by_code[term["parent"]] if term["parent"] else None,
                "description": term["description"],
            },
        )
        by_code[term["code"]] = event_type


class Migration(migrations.Migration):
    dependencies = [("timeline", "0001_initial")]

    operations = [migrations.RunPython(load_event_types, migrations.RunPython.noop)]
