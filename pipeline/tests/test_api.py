from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.models import EvaluationQuestion, Project

from .factories import ProjectFactory, evaluate, follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(alice):
    return HospitalFactory(owner=alice)


@pytest.fixture
def project(hospital):
    return ProjectFactory(hospital=hospital)


def test_stages_are_listed_in_order_with_the_agreed_codes(alice, api_as):
    body = api_as(alice).get("/stages").json()
    assert [s["code"] for s in body["items"]] == [
        "lead",
        "qualify",
        "visit",
        "proposal",
        "negotiation",
        "contract",
    ]
    assert [s["probability"] for s in body["items"]] == [10, 20, 35, 50, 70, 100]


def test_a_project_has_the_agreed_shape(alice, project, api_as):
    follow_up(project, kind="business", days_ago=8)
    item = api_as(alice).get(f"/projects/{project.pk}").json()
    assert item["hospital"] == project.hospital_id
    assert (item["owner"], item["stage"], item["status"], item["project_class"]) == (
        "alice",
        "lead",
        "open",
        "A",
    )
    assert item["planned_purchase_date"] == str(project.planned_purchase_date)
    assert item["days_since_business_contact"] == 8
    assert item["days_since_relationship_contact"] is None
    assert item["overdue_business"] is True
    assert item["overdue_relationship"] is False  # counted from the project's start: today


def test_the_project_list_is_scoped_and_filtered(alice, carol, project, api_as):
    ProjectFactory(hospital=HospitalFactory(owner=carol))
    ProjectFactory(
        hospital=project.hospital, planned_purchase_date=timezone.localdate() + timedelta(days=500)
    )
    client = api_as(alice)
    assert client.get("/projects").json()["count"] == 2
    assert client.get("/projects", {"project_class": "B"}).json()["count"] == 1
    assert client.get("/projects", {"stage": "lead", "status": "open"}).json()["count"] == 2


def test_another_teams_project_is_not_found(alice, carol, api_as):
    theirs = ProjectFactory(hospital=HospitalFactory(owner=carol))
    client = api_as(alice)
    assert client.get(f"/projects/{theirs.pk}").status_code == 404
    assert client.patch(f"/projects/{theirs.pk}", {"stage": "qualify"}).status_code == 404
    assert client.get(f"/projects/{theirs.pk}/stage-history").status_code == 404
    follow_up(theirs)
    assert client.get("/followups").json()["count"] == 0
    response = client.post(
        "/followups", {"project": theirs.pk, "channel": "phone", "kind": "business", "summary": "x"}
    )
    assert response.status_code == 400 and "project" in response.json()["errors"]


def test_moving_past_qualify_without_pursue_is_refused_naming_the_rule(alice, project, api_as):
    client = api_as(alice)
    assert (
        client.patch(f"/projects/{project.pk}", {"stage": "qualify"}).json()["stage"] == "qualify"
    )
    refused = client.patch(f"/projects/{project.pk}", {"stage": "visit"})
    assert 400 <= refused.status_code < 500
    assert "推进" in refused.json()["detail"] and "意向评估" in refused.json()["detail"]
    assert "stage" in refused.json()["errors"]
    assert Project.objects.get().stage.code == "qualify"
    evaluate(project, "pursue")
    assert client.patch(f"/projects/{project.pk}", {"stage": "visit"}).json()["stage"] == "visit"
    history = client.get(f"/projects/{project.pk}/stage-history").json()
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "lead"),
        ("lead", "qualify"),
        ("qualify", "visit"),
    ]


def test_an_unknown_stage_code_is_named(alice, project, api_as):
    response = api_as(alice).patch(f"/projects/{project.pk}", {"stage": "won"})
    assert response.status_code == 400
    assert response.json()["errors"]["stage"] == ["没有代码为“won”的阶段。"]


def test_a_project_is_created_and_closed_through_the_api(alice, hospital, api_as):
    president = ContactFactory(hospital=hospital, layer="decision")
    client = api_as(alice)
    response = client.post(
        "/projects",
        {
            "hospital": hospital.pk,
            "name": "制氧站投放项目",
            "source": "cold_visit",
            "entry_path": "top",
            "entry_contact": president.pk,
            "need": "relocating",
            "planned_purchase_date": str(timezone.localdate() + timedelta(days=30)),
            "contract_value": 9600000,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["owner"], body["stage"], body["project_class"]) == ("alice", "lead", "A")
    assert Project.objects.get().contacts.get() == president
    refused = client.patch(f"/projects/{body['id']}", {"status": "lost"})
    assert refused.status_code == 400 and "close_reason" in refused.json()["errors"]
    closed = client.patch(
        f"/projects/{body['id']}", {"status": "lost", "close_reason": "液氧报价更低"}
    )
    assert closed.json()["status"] == "lost"


def test_bad_project_values_are_named(alice, hospital, api_as):
    response = api_as(alice).post(
        "/projects",
        {
            "hospital": hospital.pk,
            "name": "x",
            "source": "rumour",
            "entry_path": "top",
            "need": "new",
        },
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"source"}


def test_a_stale_version_is_refused(alice, leader, project, api_as):
    assert (
        api_as(leader)
        .patch(f"/projects/{project.pk}", {"notes": "院长出差", "version": 1})
        .status_code
        == 200
    )
    assert (
        api_as(alice)
        .patch(f"/projects/{project.pk}", {"notes": "约了周一", "version": 1})
        .status_code
        == 409
    )
    assert Project.objects.get().notes == "院长出差"


def test_follow_ups_are_logged_and_clear_only_their_clock(alice, project, api_as):
    follow_up(project, kind="business", days_ago=8)
    client = api_as(alice)
    response = client.post(
        "/followups",
        {"project": project.pk, "channel": "wechat", "kind": "relationship", "summary": "问候"},
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("project", "channel", "kind", "summary")} == {
        "project": project.pk,
        "channel": "wechat",
        "kind": "relationship",
        "summary": "问候",
    }
    assert body["date"] == str(timezone.localdate())
    assert client.get(f"/projects/{project.pk}").json()["overdue_business"] is True
    client.post(
        "/followups",
        {"project": project.pk, "channel": "visit", "kind": "business", "summary": "拜访"},
    )
    item = client.get(f"/projects/{project.pk}").json()
    assert item["overdue_business"] is False and item["days_since_business_contact"] == 0
    assert client.get("/followups", {"project": project.pk}).json()["count"] == 3


def test_each_role_lists_the_follow_ups_of_the_projects_it_sees(
    alice, bob, carol, leader, director, api_as
):
    """The list by the one rule: a manager their own, a leader the team's, the director all,
    newest first; another's project asked for by id gives nothing."""
    mine, teammates, other_teams = (
        ProjectFactory(hospital=HospitalFactory(owner=owner)) for owner in (alice, bob, carol)
    )
    for days_ago, project in enumerate((mine, teammates, other_teams, mine)):
        follow_up(project, days_ago=days_ago)

    def listed(user, **params):
        rows = api_as(user).get("/followups", params).json()["items"]
        return [(row["project"], row["date"]) for row in rows]

    def day(days_ago):
        return str(timezone.localdate() - timedelta(days=days_ago))

    assert listed(alice) == [(mine.pk, day(0)), (mine.pk, day(3))]
    assert listed(leader) == [(mine.pk, day(0)), (teammates.pk, day(1)), (mine.pk, day(3))]
    assert len(listed(director)) == 4
    assert listed(carol) == [(other_teams.pk, day(2))]
    assert listed(alice, project=other_teams.pk) == []
    assert listed(alice, kind="relationship") == []


def test_a_bad_follow_up_names_the_field(alice, project, api_as):
    response = api_as(alice).post(
        "/followups",
        {"project": project.pk, "channel": "pigeon", "kind": "business", "summary": ""},
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"channel", "summary"}


def test_evaluations_through_the_api(alice, project, api_as):
    questions = list(EvaluationQuestion.objects.filter(is_active=True))
    client = api_as(alice)
    body = {
        "project": project.pk,
        "answers": [{"question": q.pk, "answer": "yes", "note": "有预算批文"} for q in questions],
        "risks": {k: {"level": "low"} for k in ("funding", "legal", "technical")},
        "decision": "pursue",
        "reason": "院长支持",
    }
    response = client.post("/evaluations", body)
    assert response.status_code == 201, response.json()
    assert (
        response.json()["project"],
        response.json()["decision"],
        response.json()["overall"],
    ) == (
        project.pk,
        "pursue",
        100,
    )
    assert client.get("/evaluations", {"project": project.pk}).json()["count"] == 1
    body["answers"] = body["answers"][1:]
    body["decision"] = "maybe"
    refused = client.post("/evaluations", body)
    assert refused.status_code == 400
    assert {f"answers.{questions[0].pk}", "decision"} <= set(refused.json()["errors"])


def test_project_lists_run_a_fixed_number_of_queries(
    alice, hospital, queries_for, django_assert_max_num_queries, api_as
):
    client = api_as(alice)
    project = ProjectFactory(hospital=hospital)
    follow_up(project)
    client.get("/projects")
    few = [
        queries_for(lambda p=p: client.get(p)) for p in ("/projects", "/followups", "/evaluations")
    ]
    for _ in range(15):
        other = ProjectFactory(hospital=hospital)
        follow_up(other, contacts=[ContactFactory(hospital=hospital)])
        evaluate(other)
    with django_assert_max_num_queries(24):
        many = [
            queries_for(lambda p=p: client.get(p))
            for p in ("/projects", "/followups", "/evaluations")
        ]
    assert few == many


def test_the_schema_lists_the_pipeline(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
        "/api/v1/followups",
        "/api/v1/evaluations",
        "/api/v1/stages",
    ):
        assert path in paths
