"""Full-text search index for /events/?q= on PostgreSQL (SQLite scans instead)."""

from django.db import migrations

from timeline.models import EVENT_SEARCH_VECTOR_SQL


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        expression = EVENT_SEARCH_VECTOR_SQL.replace('"timeline_event".', "")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS event_search ON timeline_event USING gin (({expression}))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS event_search")


class Migration(migrations.Migration):
    dependencies = [("timeline", "0002_load_plover_event_types")]

    operations = [migrations.RunPython(create_index, drop_index)]
