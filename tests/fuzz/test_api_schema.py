"""The API against its own OpenAPI schema (/api/schema/), in-process through the WSGI
application: schemathesis generates valid and invalid requests for every operation and
checks that none is a server error and that every answer (status, content type, body)
is one the schema describes. Example counts follow the Hypothesis profile."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded when the module is collected (the schema is built from code: no database needed).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": "all",  # valid requests, and invalid ones that must get a 4xx
                "deterministic": settings.default.derandomize,
            },
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


@pytest.fixture
def in_test_transaction():
    """The real WSGI handler closes the database connection when a request ends (Django's
    test client switches that off): keep the test's connection, and its transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
def test_api_conforms_to_its_schema(case, world, in_test_transaction):
    world.opportunity  # noqa: B018 - rows to list, filter and fetch
    world.draft_opportunity  # noqa: B018 - and one the API must not show
    cache.clear()  # anonymous reads are rate-limited; this is not a test of the limits
    case.call_and_validate(checks=CHECKS)
