"""The API fuzzed from its own OpenAPI schema (schemathesis): for every operation, as a
sales manager and as the director, generated requests (a fixed number an operation, a fixed
seed) never get a server error, and every answer matches the schema (status code listed,
body of the documented shape). Requests go to a live server. About three minutes on two
cores; `make test` runs it on both databases, `make calendar` leaves it out (timeless)."""

import json

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
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


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("who", ["alice", "director"])
def test_no_generated_request_breaks_the_api(case, live_server, tokens, who):
    headers = {"Authorization": f"Bearer {tokens[who]}"}
    case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)
