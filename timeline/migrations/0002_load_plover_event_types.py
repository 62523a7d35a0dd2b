"""Loads the PLOVER event vocabulary (timeline/vocabulary/taxonomy.py) so every database has it.

Idempotent: existing codes are updated in place, so re-running after a taxonomy
edit (in a new migration calling load_event_types) keeps events' references.
"""

from django.db import migrations


def load_event_types(apps, schema_editor):
    from timeline.vocabulary.taxonomy import EVENT_TYPES

    EventType = apps.get_model("timeline", "EventType")
    by_code = {}
    for code, label, parent_code, description in EVENT_TYPES:
        event_type, _ = EventType.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "parent": by_code[parent_code] if parent_code else None,
                "description": description,
            },
        )
        by_code[code] = event_type


class Migration(migrations.Migration):
    dependencies = [("timeline", "0001_initial")]

    operations = [migrations.RunPython(load_event_types, migrations.RunPython.noop)]
