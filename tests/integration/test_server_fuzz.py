"""The backend's API fuzzed from its own OpenAPI schema: whatever a client sends, the answer
is never a server error, and every answer matches the schema (status, headers, body)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.backend_server import BackendServer, add_users, bearer, login
from tests.pg_cluster import PgCluster

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def fuzzed_server(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServer]:
    """A server with a supervisor account, for the fuzzer."""
    url = pg_cluster.create_database(f"fuzz_{next(_numbers)}", template=pg_template)
    add_users(url, [("park", PASSWORD, "supervisor", ())])
    server = BackendServer(url, tmp_path_factory.mktemp("fuzz")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: BackendServer) -> schemathesis.BaseSchema:
    """The schema the server publishes."""
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


@pytest.fixture(scope="module")
def token(fuzzed_server: BackendServer) -> str:
    """A supervisor's token (logins are fuzzed too, but a token lets the rest get past 401)."""
    return login(fuzzed_server.url, "park", PASSWORD)


def test_the_api_answers_every_request_without_a_server_error(
    api_schema: schemathesis.BaseSchema, token: str
) -> None:
    """Each operation in turn, with cases generated from the schema; every failure named."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],  # report, do not spend time shrinking
        )
        def call(case: schemathesis.Case) -> None:
            # A command that is well-formed but breaks a rule of the incident lifecycle
            # (acknowledging an incident that does not exist) is refused with 422 by design,
            # so "schema-valid data is accepted" does not hold; every other check does.
            case.call_and_validate(
                headers=bearer(token), excluded_checks=[positive_data_acceptance]
            )

        try:
            call()
        except Exception as failure:
            failures.append(f"{operation.label}: {str(failure)[:1500]}")
    assert not failures, "\n\n".join(failures)
