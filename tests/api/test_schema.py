from __future__ import annotations

from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}

# The Redoc page of drf-spectacular links Google Fonts (its stylesheet and two
# preconnects) even with REDOC_DIST = "SIDECAR"; only these hosts may appear there.
GOOGLE_FONTS_HOSTS = {"fonts.googleapis.com", "fonts.gstatic.com"}


@pytest.fixture
def schema(api) -> dict:
    response = api.get(reverse("schema"), {"format": "json"})
    assert response.status_code == HTTPStatus.OK
    return response.json()


class AssetParser(HTMLParser):
    """The URLs a page loads: <script src> and <link href>, as (tag, url) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.assets.append((tag, value))


def assets_of(html: str) -> list[tuple[str, str]]:
    parser = AssetParser()
    parser.feed(html)
    return parser.assets


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def docs_page(api, name: str) -> str:
    response = api.get(reverse(name))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


# -- Generation ------------------------------------------------------------------------


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    path = tmp_path / "schema.yaml"
    GENERATOR_STATS.reset()  # warnings are counted process-wide; count only this run's

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.")
    assert "/api/v1/events/" in document["paths"]


# -- The served schema -----------------------------------------------------------------


def test_the_schema_is_served_as_openapi_3_json(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Event timeline API"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/",
        "/api/v1/events/{id}/",
        "/api/v1/actors/{id}/events/",
        "/api/v1/actors/",
        "/api/v1/actors/{id}/",
        "/api/v1/locations/",
        "/api/v1/locations/{id}/",
        "/api/v1/event-types/",
        "/api/v1/event-types/{code}/",
    ],
)
def test_the_schema_documents_each_endpoint(schema, path):
    assert "get" in schema["paths"][path]


def test_the_events_list_documents_its_query_parameters(schema):
    operation = schema["paths"]["/api/v1/events/"]["get"]

    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"country", "date_from", "date_to", "cursor", "page_size", "count"} <= set(parameters)
    assert all(parameters[name]["in"] == "query" for name in parameters)
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert parameters["count"]["schema"] == {"type": "boolean"}


def test_the_events_list_documents_its_400_with_the_error_shape(schema):
    responses = schema["paths"]["/api/v1/events/"]["get"]["responses"]

    assert responses["400"]["content"]["application/json"]["schema"] == ERROR_REF
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"status", "code", "detail", "errors", "event_count"}
    assert set(error["required"]) == {"status", "code", "detail"}


def test_detail_operations_document_a_404_with_the_error_shape(schema):
    for path in ("/api/v1/events/{id}/", "/api/v1/actors/{id}/events/"):
        responses = schema["paths"][path]["get"]["responses"]
        assert responses["404"]["content"]["application/json"]["schema"] == ERROR_REF, path


def test_the_events_list_documents_its_paginated_shape(schema):
    response = schema["paths"]["/api/v1/events/"]["get"]["responses"]["200"]
    body = response["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]

    assert set(body["required"]) == {"next", "previous", "count", "results"}


@pytest.mark.parametrize(
    ("path", "operation_id"),
    [
        ("/api/v1/events/", "events_list"),
        ("/api/v1/events/{id}/", "events_retrieve"),
        ("/api/v1/actors/{id}/events/", "actors_events_list"),
        ("/api/v1/actors/", "actors_list"),
        ("/api/v1/event-types/{code}/", "event_types_retrieve"),
    ],
)
def test_operation_ids_are_readable(schema, path, operation_id):
    assert schema["paths"][path]["get"]["operationId"] == operation_id


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]

    assert len(ids) == len(set(ids))


# -- Documentation pages ---------------------------------------------------------------


def test_swagger_ui_loads_every_script_and_stylesheet_locally(api):
    assets = assets_of(docs_page(api, "swagger-ui"))

    assert {tag for tag, _ in assets} == {"script", "link"}
    assert [url for _, url in assets if not is_local(url)] == []


def test_redoc_loads_its_javascript_locally(api):
    assets = assets_of(docs_page(api, "redoc"))

    scripts = [url for tag, url in assets if tag == "script"]
    assert scripts
    assert [url for url in scripts if not is_local(url)] == []
    # Only Google Fonts may come from elsewhere (see GOOGLE_FONTS_HOSTS), never a CDN.
    foreign = {urlsplit(url).netloc for _, url in assets if not is_local(url)}
    assert foreign <= GOOGLE_FONTS_HOSTS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "swagger-ui",
            {
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
                "drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
            },
        ),
        ("redoc", {"drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"}),
    ],
)
def test_the_static_assets_of_the_docs_pages_exist(api, name, expected):
    local = [url for _, url in assets_of(docs_page(api, name)) if is_local(url)]

    assert all(url.startswith(settings.STATIC_URL) for url in local), local
    paths = {url.removeprefix(settings.STATIC_URL) for url in local}
    assert paths == expected
    missing = [path for path in paths if finders.find(path) is None]
    assert missing == []
