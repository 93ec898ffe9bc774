"""Surveys, visits and tasks in the JSON API: shapes, conversions, refusals, visibility."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline.models import Project

from .factories import SurveyFactory

pytestmark = pytest.mark.django_db


def test_the_api_has_the_agreed_shape_and_converts(alice, hospital, api_as):
    client = api_as(alice)
    response = client.post(
        "/surveys",
        {
            "hospital": hospital.pk,
            "date": str(timezone.localdate()),
            "beds": 2900,
            "icu_beds": 124,
            "operating_rooms": 77,
            "hyperbaric_chambers": 1,
            "current_source": "liquid",
            "consumption_value": "20000",
            "consumption_unit": "kg_lox",
            "price_value": "2.4",
            "price_unit": "per_kg",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    keys = ["hospital", "date", "beds", "icu_beds", "operating_rooms", "hyperbaric_chambers"]
    keys += ["current_source", "consumption_value", "consumption_unit", "price_value", "price_unit"]
    assert set(keys) <= set(body)
    assert Decimal(body["consumption_nm3_per_month"]) == Decimal("14000")
    assert client.get("/surveys", {"hospital": hospital.pk}).json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"beds": -1}, "beds"),
        ({"beds": 10, "icu_beds": 20}, "icu_beds"),
        ({"consumption_unit": "barrels"}, "consumption_unit"),
    ],
)
def test_the_api_refuses_bad_values_naming_the_field(alice, hospital, body, field, api_as):
    response = api_as(alice).post("/surveys", {"hospital": hospital.pk, **body})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_api_hides_other_teams_surveys(alice, carol, api_as):
    theirs = SurveyFactory(hospital=HospitalFactory(owner=carol))
    client = api_as(alice)
    assert client.get(f"/surveys/{theirs.pk}").status_code == 404
    assert client.get("/surveys").json()["count"] == 0


def test_the_api_plans_records_and_proposes_tasks(
    alice, director, hospital, president, project, api_as
):
    client = api_as(alice)
    response = client.post(
        "/visits",
        {
            "hospital": hospital.pk,
            "project": project.pk,
            "planned_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "contacts": [president.pk],
            "objectives": ["capacity", "procurement"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["project"], body["hospital"], body["contacts"], body["record"]) == (
        project.pk,
        hospital.pk,
        [president.pk],
        None,
    )
    assert sorted(body["objectives"]) == ["capacity", "procurement"]
    recorded = client.post(
        f"/visits/{body['id']}/record",
        {
            "met": [president.pk],
            "learned": {"procurement": "招标"},
            "tasks": ["report_hq", "thank_call"],
            "colleagues": ["director"],
            "standing": [{"contact": president.pk, "closeness": 4, "attitude": "support"}],
        },
    )
    assert recorded.status_code == 200, recorded.json()
    result = recorded.json()
    assert result["visit"]["record"]["colleagues"] == ["director"]
    president.refresh_from_db()
    assert (president.closeness, president.attitude) == (4, "support")
    change = president.standing.get()
    assert (change.cause_kind, change.cause_id) == ("visit", body["id"])
    project.refresh_from_db()
    assert project.executive_joined_on == timezone.localdate()  # the director went along
    assert result["visit"]["record"]["learned"]["procurement"] == "招标"
    assert [(t["level"], t["done"]) for t in result["tasks"]] == [
        ("business", False),
        ("relationship", False),
    ]
    task = next(t for t in result["tasks"] if t["level"] == "relationship")
    assert {"owner", "due_date", "level", "done"} <= set(task)
    assert client.patch(f"/tasks/{task['id']}", {"done": True}).json()["done"] is True
    assert Project.objects.get(pk=project.pk).last_relationship_contact_on == timezone.localdate()
    item = client.get(f"/projects/{project.pk}").json()
    assert 0 < item["coverage"] <= 100
    assert client.get("/projects").json()["items"][0]["coverage"] == item["coverage"]


def test_the_api_refuses_unknown_objectives(alice, hospital, api_as):
    response = api_as(alice).post(
        "/visits",
        {
            "hospital": hospital.pk,
            "planned_at": timezone.now().isoformat(),
            "objectives": ["weather"],
        },
    )
    assert response.status_code == 400
    assert "objectives" in response.json()["errors"]
