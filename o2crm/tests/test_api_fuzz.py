"""The API fuzzed from its own OpenAPI schema (schemathesis): for every operation, as a
sales manager and as the director, generated requests (a fixed number an operation, a fixed
seed) never get a server error, and every answer matches the schema (status code listed,
body of the documented shape). Requests go to a live server. About two minutes on two
cores; `make test` runs it on both databases, `make calendar` leaves it out (timeless)."""

import json

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory, follow_up

pytestmark = [pytest.mark.timeless, pytest.mark.django_db(transaction=True)]

# the schema as the app serves it; the requests go to a live server (a real HTTP round trip)
schema = schemathesis.openapi.from_dict(Client().get("/api/v1/openapi.json").json())
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 15  # an operation and a role: CI's time on two cores is the bound


@pytest.fixture
def tokens(alice, carol, director) -> dict[str, str]:
    for owner in (alice, carol):
        hospital = HospitalFactory(owner=owner)
        ContactFactory(hospital=hospital)
        follow_up(ProjectFactory(hospital=hospital), kind="business", days_ago=3)
    out = {}
    for user in (alice, director):
        answer = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": user.username, "password": "o2crm-test"}),
            content_type="application/json",
        )
        out[user.username] = answer.json()["token"]
    return out


def fuzz(operation, headers: dict, base_url: str) -> None:
    """EXAMPLES generated requests to one operation, each called and checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same examples on every run
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("who", ["alice", "director"])
def test_no_generated_request_breaks_the_api(live_server, tokens, who):
    """All operations in one test for each role: the live server's database is emptied once
    a test, not once an operation (on PostgreSQL that emptying cost more than the requests)."""
    headers = {"Authorization": f"Bearer {tokens[who]}"}
    failed = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        try:
            fuzz(operation, headers, live_server.url)
        except Exception as error:  # noqa: BLE001 — every operation's failures, then one verdict
            failed.append(f"{operation.label}: {error}")
    assert not failed, "\n\n".join(failed)
