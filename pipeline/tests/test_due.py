"""待跟进, the due list: what is due or late, by whom, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory

from .factories import ProjectFactory, follow_up

pytestmark = pytest.mark.django_db

DUE = reverse("pipeline:due")


def test_an_a_project_without_business_contact_for_8_days_is_due_until_one_is_logged(
    as_user, alice, project
):
    follow_up(project, kind="business", days_ago=8)
    follow_up(project, kind="relationship", days_ago=0)
    client = as_user(alice)
    row = client.get(DUE).context["page"].object_list[0]
    assert row == project and row.cadence.business.overdue
    # a relationship contact alone does not clear business overdue
    client.post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {
            "date": str(timezone.localdate()),
            "kind": "relationship",
            "channel": "wechat",
            "summary": "问候",
        },
    )
    row = client.get(DUE).context["page"].object_list[0]
    assert row.cadence.business.overdue
    client.post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {
            "date": str(timezone.localdate()),
            "kind": "business",
            "channel": "visit",
            "summary": "拜访设备科",
        },
    )
    assert list(client.get(DUE).context["page"].object_list) == []


def test_due_this_week_is_listed_before_it_is_late_and_sorted_by_lateness(as_user, alice, hospital):
    soon = ProjectFactory(hospital=hospital, name="将到期")  # due today: this week, whatever day
    follow_up(soon, kind="business", days_ago=7)
    follow_up(soon, kind="relationship", days_ago=7)
    late = ProjectFactory(hospital=hospital, name="逾期很久")
    follow_up(late, kind="business", days_ago=20)
    fresh_b = ProjectFactory(
        hospital=hospital,
        name="B类新近",
        planned_purchase_date=timezone.localdate() + timedelta(days=400),
    )
    follow_up(fresh_b, kind="business", days_ago=7)  # B: due in 23 days
    follow_up(fresh_b, kind="relationship", days_ago=7)
    names = [p.name for p in as_user(alice).get(DUE).context["page"].object_list]
    assert names == ["逾期很久", "将到期"]


def test_the_due_list_scopes_and_counts_per_manager(as_user, alice, bob, carol, leader, director):
    for owner in (alice, bob, carol):
        follow_up(ProjectFactory(hospital=HospitalFactory(owner=owner)), days_ago=9)
    assert len(as_user(alice).get(DUE).context["page"].object_list) == 1
    leader_view = as_user(leader).get(DUE).context
    assert len(leader_view["page"].object_list) == 2
    assert {r["owner__username"]: r["overdue"] for r in leader_view["per_owner"]} == {
        "alice": 1,
        "bob": 1,
    }
    assert len(as_user(director).get(DUE).context["page"].object_list) == 3


def test_the_director_sees_the_most_overdue_managers_and_the_full_count(
    as_user, alice, bob, carol, director, monkeypatch
):
    monkeypatch.setattr("pipeline.views.OWNERS_SHOWN", 2)
    for owner, n in ((alice, 1), (bob, 3), (carol, 2)):
        for _ in range(n):
            follow_up(ProjectFactory(hospital=HospitalFactory(owner=owner)), days_ago=40)
    response = as_user(director).get(DUE)
    shown = [r["owner__username"] for r in response.context["per_owner"]]
    assert shown == ["bob", "carol"]  # most overdue first, capped
    assert "另有 1 位销售经理" in response.content.decode()
    page = response.context["page"]
    assert page.paginator.count == 6 and len(page.object_list) == 6
    assert [p.owner.username for p in page.object_list].count("bob") == 3


def test_the_due_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    follow_up(ProjectFactory(hospital=hospital), days_ago=9)
    few = queries_for(lambda: client.get(DUE))
    for i in range(20):
        follow_up(ProjectFactory(hospital=hospital), days_ago=i)
    with django_assert_max_num_queries(12):
        many = queries_for(lambda: client.get(DUE))
    assert few == many
