"""The project page: access, timeline, buying centre, cadence."""

import pytest
from django.urls import reverse

from hospitals.tests.factories import ContactFactory

from .factories import evaluate, follow_up, stage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_others_projects_are_not_found(as_user, project, who, request):
    client = as_user(request.getfixturevalue(who))
    for name in ("project-detail", "project-edit", "followup-create", "evaluation-create"):
        assert client.get(reverse(f"pipeline:{name}", args=[project.pk])).status_code == 404, name
    assert client.post(reverse("pipeline:project-move", args=[project.pk]), {}).status_code == 404
    assert client.post(reverse("pipeline:project-close", args=[project.pk]), {}).status_code == 404


def test_the_project_page_shows_timeline_buying_centre_and_cadence(
    as_user, alice, hospital, project
):
    president = ContactFactory(
        hospital=hospital,
        name="周慧",
        layer="decision",
        roles=["approve"],
        attitude="support",
        closeness=4,
    )
    project.contacts.add(president)
    follow_up(project, kind="business", days_ago=2, contacts=[president])
    evaluate(project, "pursue")
    client = as_user(alice)
    client.post(reverse("pipeline:project-move", args=[project.pk]), {"stage": stage("visit").pk})
    response = client.get(project.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "周慧" in body and "推进" in body
    assert "阶段：信息收集 → 拜访交流" in body
    assert "拜访设备科长" in body
    assert response.context["flags"] == []


def test_the_project_page_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, project, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    follow_up(project, days_ago=20, contacts=[ContactFactory(hospital=hospital)])
    project.contacts.add(ContactFactory(hospital=hospital))  # one person against sixteen
    few = queries_for(lambda: client.get(project.get_absolute_url()))
    for i in range(15):
        follow_up(project, days_ago=i, contacts=[ContactFactory(hospital=hospital)])
        project.contacts.add(ContactFactory(hospital=hospital))
    evaluate(project)
    evaluate(project)
    with django_assert_max_num_queries(34):  # many sections (and panels), each a fixed query or few
        many = queries_for(lambda: client.get(project.get_absolute_url()))
    assert few == many
