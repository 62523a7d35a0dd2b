"""Full-text search index for /events/?q= on PostgreSQL (SQLite scans instead).

The indexed expression is copied here as it was when the index was made (the same text as
timeline.models.EVENT_SEARCH_VECTOR_SQL then): the full-text filter must keep querying
exactly this expression for PostgreSQL to use the index.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Event = apps.get_model("timeline", "Event")
    quote = schema_editor.quote_name
    title, summary = (quote(Event._meta.get_field(name).column) for name in ("title", "summary"))
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS event_search ON {quote(Event._meta.db_table)} "
        f"USING gin ((to_tsvector('english'::regconfig, {title} || ' ' || {summary})))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS event_search")


class Migration(migrations.Migration):
    dependencies = [("timeline", "0002_load_plover_event_types")]

    operations = [migrations.RunPython(create_index, drop_index)]
