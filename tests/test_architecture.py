"""The layering of timeline/ (docs/architecture.md): which folder may import which.

Read from the source with ast, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "timeline"

# What each part of timeline/ may import from timeline/, lowest first: a part imports only
# those below it. The admin, the app config and management commands sit on top and may
# import anything.
_BELOW = (
    "timeline.vocabulary",
    "timeline.event_shape",
    "timeline.models",
    "timeline.representation",
    "timeline.services",
)
ALLOWED = {layer: _BELOW[: index + 1] for index, layer in enumerate(_BELOW)}
# api and bulk both stand on services and never import each other.
ALLOWED["timeline.api"] = (*_BELOW, "timeline.api")
ALLOWED["timeline.bulk"] = (*_BELOW, "timeline.bulk")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module the file names in an import statement, wherever it stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from timeline.api import views" names timeline.api.views as well.
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _layer(module: str) -> str | None:
    return next((layer for layer in ALLOWED if _within(module, layer)), None)


MODULES = sorted(
    (_module_name(path), path)
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts and _layer(_module_name(path))
)


def test_every_layer_has_modules():
    layers = {_layer(module) for module, _ in MODULES}
    assert layers == set(ALLOWED)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[module for module, _ in MODULES])
def test_a_module_imports_only_the_layers_below_it(module, path):
    allowed = ALLOWED[_layer(module)]
    wrong = sorted(
        name
        for name in _imports(path)
        if _within(name, "timeline") and not any(_within(name, prefix) for prefix in allowed)
    )
    assert wrong == [], f"{module} imports {wrong}"


def test_vocabulary_does_no_database_or_http_work():
    for module, path in MODULES:
        if _layer(module) == "timeline.vocabulary":
            wrong = sorted(
                name
                for name in _imports(path)
                if _within(name, "django.db") or _within(name, "django.http")
            )
            assert wrong == [], f"{module} imports {wrong}"


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > 600
    }
    assert long == {}
