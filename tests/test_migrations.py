"""The migrations: frozen (they load their own data, not today's code) and complete."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection

from timeline.models import EVENT_SEARCH_VECTOR_SQL, Event, EventType
from timeline.vocabulary.taxonomy import EVENT_TYPES

MIGRATIONS = sorted((Path(__file__).parent.parent / "timeline" / "migrations").glob("0*.py"))


def _application_imports(tree: ast.Module) -> dict[str, str]:
    """Names bound by imports from the timeline package (its migrations aside): the name
    the module uses, and the module it comes from."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("timeline."):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("timeline"):
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return {
        name: module
        for name, module in bound.items()
        if not module.startswith("timeline.migrations")
    }


def _validator_uses(tree: ast.Module) -> set[int]:
    """The ids of the Name nodes inside a field's ``validators=[...]`` argument."""
    return {
        id(node)
        for keyword in ast.walk(tree)
        if isinstance(keyword, ast.keyword) and keyword.arg == "validators"
        for node in ast.walk(keyword.value)
        if isinstance(node, ast.Name)
    }


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda path: path.stem)
def test_a_migration_uses_no_application_code_but_field_validators(path):
    # A field's validator is referenced the way makemigrations writes it (Django's
    # practice; migrations never run validators). Anything else from timeline/ would
    # make an old migration change with today's code.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = _application_imports(tree)
    in_validators = _validator_uses(tree)

    elsewhere = sorted(
        {
            imported[node.id]
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in imported and id(node) not in in_validators
        }
    )

    assert elsewhere == []


def test_the_import_check_catches_application_code_outside_validators():
    tree = ast.parse(
        "from timeline.models import EVENT_SEARCH_VECTOR_SQL\n"
        "import timeline.vocabulary.countries\n"
        "SQL = EVENT_SEARCH_VECTOR_SQL\n"
        "field = CharField(validators=[timeline.vocabulary.countries.validate_country_code])\n"
    )
    imported = _application_imports(tree)
    in_validators = _validator_uses(tree)

    uses = [
        (node.id, id(node) in in_validators)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id in imported
    ]

    assert sorted(uses) == [("EVENT_SEARCH_VECTOR_SQL", False), ("timeline", True)]


@pytest.mark.django_db
def test_the_migrated_vocabulary_is_the_taxonomy_term_for_term():
    # Fails when timeline/vocabulary/taxonomy.py changes without a migration that
    # freezes and loads the new terms.
    stored = EventType.objects.values_list("code", "label", "parent__code", "description")

    assert sorted(stored) == sorted(EVENT_TYPES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's only")
@pytest.mark.django_db
def test_the_full_text_filter_expression_can_use_the_search_index():
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM {table} WHERE {EVENT_SEARCH_VECTOR_SQL} "
            "@@ websearch_to_tsquery('english'::regconfig, %s)",
            ["ceasefire"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "event_search" in plan
