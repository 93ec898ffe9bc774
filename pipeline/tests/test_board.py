"""The pipeline board: whose cards, the stage sums, red flags, moving a card."""

import pytest
from django.urls import reverse

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.models import Project

from .factories import ProjectFactory, evaluate, follow_up, stage

pytestmark = pytest.mark.django_db

BOARD = reverse("pipeline:board")


def board_names(response):
    return sorted(p.name for col in response.context["columns"] for p in col["cards"])


def test_a_managers_board_holds_only_their_projects(as_user, alice, bob, carol, leader, director):
    ProjectFactory(hospital=HospitalFactory(owner=alice), name="甲")
    ProjectFactory(hospital=HospitalFactory(owner=bob), name="乙")
    ProjectFactory(hospital=HospitalFactory(owner=carol), name="丙")
    assert board_names(as_user(alice).get(BOARD)) == ["甲"]
    assert board_names(as_user(leader).get(BOARD)) == ["乙", "甲"]
    assert board_names(as_user(carol).get(BOARD)) == ["丙"]
    assert board_names(as_user(director).get(BOARD)) == ["丙", "乙", "甲"]


def test_the_board_counts_and_sums_each_stage(as_user, alice, hospital):
    ProjectFactory(hospital=hospital, contract_value=1_000_000)
    ProjectFactory(hospital=hospital, contract_value=2_500_000)
    lead = next(
        c for c in as_user(alice).get(BOARD).context["columns"] if c["stage"].code == "lead"
    )
    assert lead["count"] == 2 and lead["value"] == 3_500_000


def test_a_card_shows_red_flags_and_overdue(as_user, alice, hospital):
    project = ProjectFactory(
        hospital=hospital, contacts=[ContactFactory(hospital=hospital, layer="base")]
    )
    follow_up(project, days_ago=9)
    body = as_user(alice).get(BOARD).content.decode()
    assert 'class="pcard overdue"' in body
    assert "没有决策层联系人。" in body


def test_the_board_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    ProjectFactory(hospital=hospital)
    few = queries_for(lambda: client.get(BOARD))
    for i in range(25):
        project = ProjectFactory(hospital=hospital, contacts=[ContactFactory(hospital=hospital)])
        follow_up(project, days_ago=i % 10)
    with django_assert_max_num_queries(14):
        many = queries_for(lambda: client.get(BOARD))
    assert few == many


def test_moving_a_card_past_qualify_without_pursue_is_refused_with_the_rule(
    as_user, alice, project
):
    response = as_user(alice).post(
        reverse("pipeline:project-move", args=[project.pk]),
        {"stage": stage("visit").pk, "next": BOARD},
        follow=True,
    )
    assert "需先有一次结论为“推进”的意向评估" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage.code == "lead"
    evaluate(project, "pursue")
    as_user(alice).post(
        reverse("pipeline:project-move", args=[project.pk]), {"stage": stage("visit").pk}
    )
    assert Project.objects.get(pk=project.pk).stage.code == "visit"
