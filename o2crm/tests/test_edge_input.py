"""Edge input never ends in a 500: page numbers and ids past 64 bits, dates at the ends of the
calendar, NUL bytes in a query. The API answers 400 naming the parameter; a page shows the
form's error or an empty result."""

import pytest
from django.test import Client

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory, follow_up

pytestmark = [pytest.mark.timeless, pytest.mark.django_db]

HUGE = "99999999999999999999999"  # past 64 bits
LISTS = [
    "/hospitals/",
    "/contacts/",
    "/projects/",
    "/projects/due/",
    "/visits/",
    "/tasks/",
    "/surveys/",
    "/proposals/",
    "/search/",
    "/reports/weekly/",
    "/reports/monthly/",
]
API_LISTS = [
    "/api/v1/hospitals",
    "/api/v1/departments",
    "/api/v1/contacts",
    "/api/v1/projects",
    "/api/v1/followups",
    "/api/v1/evaluations",
    "/api/v1/visits",
    "/api/v1/tasks",
    "/api/v1/surveys",
    "/api/v1/proposals",
]
ID_FILTERS = ["owner", "team", "hospital", "project", "department", "contact", "visit"]
REPORTS = ["funnel", "sources", "forecast", "discipline"]
EXTREME_PERIODS = [
    "start=0001-01-01&end=9999-12-31",
    "start=0001-01-01&end=0001-01-31",
    "start=9999-12-01&end=9999-12-31",
]


def requests() -> list[str]:
    out = []
    for url in LISTS + API_LISTS:
        out += [f"{url}?page={HUGE}", f"{url}?page=-{HUGE}", f"{url}?q=a%00b"]
        out += [f"{url}?{name}={HUGE}" for name in ID_FILTERS]
        out += [f"{url}?page_size={HUGE}"] if url.startswith("/api/") else []
    for report in REPORTS:
        for period in EXTREME_PERIODS:
            out += [f"/reports/{report}/?{period}", f"/api/v1/reports/{report}?{period}"]
            out += [f"/api/v1/reports/{report}?{period}&format=xlsx"]
        out += [f"/reports/{report}/?owner={HUGE}&team={HUGE}&province=%00"]
    for month in ("0001-01", "9999-12", "0000-01"):
        out += [f"/reports/monthly/?month={month}", f"/api/v1/reports/monthly?month={month}"]
    for week in ("0001-W01", "9999-W52", "2026-W99"):
        out += [f"/reports/weekly/?week={week}", f"/api/v1/reports/weekly?week={week}"]
        out += [f"/api/v1/reports/weekly/overview?week={week}"]
    out += [f"/hospitals/{HUGE}/", f"/api/v1/hospitals/{HUGE}", f"/projects/{HUGE}/"]
    return out


@pytest.fixture
def data(alice):
    hospital = HospitalFactory(owner=alice)
    ContactFactory(hospital=hospital)
    follow_up(ProjectFactory(hospital=hospital), kind="business", days_ago=3)


@pytest.mark.parametrize("who", ["alice", "director"])
def test_no_edge_request_ends_in_a_server_error(request, data, director, who):
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(who))
    failed = []
    for url in requests():
        response = client.get(url)
        if response.status_code >= 500:
            failed.append(url)
        elif url.startswith("/api/") and response.status_code == 400:
            assert response.json().get("errors") or response.json().get("detail"), url
    assert not failed, "\n".join(failed)


def test_a_nul_in_the_query_is_refused_naming_the_parameter(as_user, alice):
    client = as_user(alice)
    answer = client.get("/api/v1/hospitals?q=a%00b")
    assert answer.status_code == 400 and "q" in answer.json()["errors"]
    page = client.get("/search/?q=a%00b")
    assert page.status_code == 400 and "参数 q 含有空字符" in page.content.decode()


def test_a_nul_in_the_token_endpoints_username_is_a_bad_request(db):
    import json

    response = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "a\u0000b", "password": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "username" in json.dumps(response.json())
