"""Property-based tests of every GET operation against the OpenAPI schema (schemathesis).

Schemathesis reads the schema the app serves, generates requests for each operation
(valid ones, and invalid ones for the 400 paths), sends them to the app in process
over WSGI, and checks each response: no 5xx, a documented status code and content
type, a body that matches the documented schema, invalid input rejected, and 405 for
a method the schema does not list. The seed timeline is loaded so that lists and
lookups return data.

One built-in check is replaced: positive_data_acceptance expects a 2xx for every
value the schema admits, but the API rightly answers 400 to values no schema can
rule out (an opaque cursor that is not one of ours, a well-formed but unassigned
country code, 2024-13). What it catches that is a bug, a documented parameter the
endpoint refuses as unknown, documented_parameters_are_accepted checks precisely.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from timeline.services.documents import seed_timeline_load

# Not config.wsgi.application: that entry point refuses to start without a secret
# key when DEBUG is off, which is how the tests run. Schemathesis sends requests
# with Host: localhost, which the default ALLOWED_HOSTS accepts.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


def documented_parameters_are_accepted(ctx, response, case) -> None:
    """A GET never answers 'Unknown parameter' to a query parameter its schema documents."""
    if response.request.method != "GET" or response.status_code != 400:
        return
    documented = {parameter.name for parameter in case.operation.query}
    try:
        errors = response.json().get("errors", {})
    except (ValueError, AttributeError):  # not the API's JSON error body
        return
    refused = sorted(
        name
        for name, messages in errors.items()
        if name in documented
        and any(message.startswith("Unknown parameter") for message in messages)
    )
    if refused:
        raise AssertionError(
            f"Documented query parameter(s) refused as unknown: {', '.join(refused)}"
        )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The seed timeline, loaded once for the module in a transaction rolled back at
    its end; each test runs in a savepoint inside it (the db fixture).

    Django's WSGI handler closes the database connection when a request ends (as
    CONN_MAX_AGE=0 asks), which on PostgreSQL would throw away this transaction and
    turn every later request into a 500: the handler is disconnected meanwhile, as
    Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            seed_timeline_load()
            yield
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("seeded", "db")
@schema.include(method="GET").parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI results do not vary
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_get_operation_answers_as_its_schema_says(case):
    case.call_and_validate(
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
        additional_checks=[documented_parameters_are_accepted],
    )
