"""待跟进, the due list: what is due or late, by whom, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline import counts
from pipeline.models import PipelineSettings, Project, ProjectClass, Status

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


@pytest.mark.parametrize("query", ["", "?project_class=A", "?project_class=B", "?q=医院"])
def test_every_page_of_the_due_list_is_in_due_order_across_both_classes(
    as_user, director, alice, bob, monkeypatch, query
):
    """The pages come from the index per class, merged (counts.due_page_ids): together they
    are exactly the due projects by first due date, then id, as the rows' own dates sort
    them: A and B interleaved, never contacted, contacted of one kind, overridden classes."""
    monkeypatch.setattr("o2crm.paging.PAGE_SIZE", 3)
    today = timezone.localdate()
    far = today + timedelta(days=400)  # class B unless overridden
    for i in range(14):
        owner = (alice, bob)[i % 2]
        p = ProjectFactory(
            hospital=HospitalFactory(owner=owner, name=f"第{i}医院"),
            planned_purchase_date=far if i % 3 else today + timedelta(days=30),
            class_override=("", "A", "B")[i % 5 % 3] if i % 4 == 0 else "",
        )
        if i % 7:
            follow_up(p, kind="business", days_ago=3 * i % 41)
        if i % 5:
            follow_up(p, kind="relationship", days_ago=5 * i % 37)
    settings = PipelineSettings.current()
    client = as_user(director)
    first = client.get(DUE + query).context["page"]
    shown = [
        p.pk
        for n in range(1, first.paginator.num_pages + 2)
        for p in client.get(f"{DUE}{query}{'&' if query else '?'}page={n}")
        .context["page"]
        .object_list
    ]
    shown = shown[: first.paginator.count]  # past the last page: the last again
    projects = Project.objects.open()
    if "class" in query:
        projects = projects.of_class(query[-1], settings, today)
    if "q=" in query:
        projects = projects.filter(hospital__search_text__contains="医院")
    expected = counts.due_this_week(projects, settings, today).order_by("first_due", "pk")
    assert shown == list(expected.values_list("pk", flat=True))
    assert len(shown) > 3 and first.paginator.count == len(shown)


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
    client.get(DUE)  # the day's first reader builds its summary (once a day, or the 00:01 job)
    few = queries_for(lambda: client.get(DUE))
    for i in range(20):
        follow_up(ProjectFactory(hospital=hospital), days_ago=i)
    with django_assert_max_num_queries(14):  # the counts: is the day built, then its cells
        many = queries_for(lambda: client.get(DUE))
    assert few == many


def expected_per_owner(user) -> dict[str, tuple[int, int]]:
    """Each manager's (late, due this week) counted from the projects themselves."""
    today = timezone.localdate()
    rows = counts.due_this_week(
        Project.objects.visible_to(user).open(), PipelineSettings.current(), today
    ).select_related("owner")
    out: dict[str, tuple[int, int]] = {}
    for p in rows:
        late, due = out.get(p.owner.username, (0, 0))
        out[p.owner.username] = (late + p.late, due + 1)
    return out


def shown_per_owner(client, query: str = "") -> dict[str, tuple[int, int]]:
    context = client.get(DUE + query).context
    per_owner = {r["owner__username"]: (r["overdue"], r["due"]) for r in context["per_owner"]}
    assert context["page"].paginator.count == sum(due for _late, due in per_owner.values())
    return per_owner


def test_the_counts_per_manager_equal_the_projects_as_days_pass_and_writes_come(
    as_user, alice, bob, carol, leader, director, clock
):
    """The per-manager counts come from the day's summary when nothing but a manager or a
    team narrows the list, and from the rows otherwise: both say the same, for the director
    and a leader, after contacts logged (late too), a closed project, a project handed to
    another manager and a class change, on a Sunday and on the Monday after it."""
    clock("2027-01-03")  # a Sunday: this week ends today
    projects = {}
    for owner, days in ((alice, 9), (alice, 3), (bob, 40), (bob, 6), (carol, 8), (carol, 7)):
        project = ProjectFactory(hospital=HospitalFactory(owner=owner), owner=owner)
        follow_up(project, kind="business", days_ago=days)
        follow_up(project, kind="relationship", days_ago=days)
        projects[owner.username, days] = project
    director_client, leader_client = as_user(director), as_user(leader)

    def check() -> None:
        for user, client in ((director, director_client), (leader, leader_client)):
            expected = expected_per_owner(user)
            assert shown_per_owner(client) == expected, user.username
            # narrowed by something the summary does not know: counted from the rows
            assert shown_per_owner(client, "?q=医院") == expected, user.username
        team = leader.team
        assert shown_per_owner(director_client, f"?team={team.pk}") == {
            k: v for k, v in expected_per_owner(director).items() if k in ("alice", "bob")
        }
        assert shown_per_owner(director_client, f"?owner={carol.pk}") == {
            k: v for k, v in expected_per_owner(director).items() if k == "carol"
        }

    check()
    # (late, due this week): nine, forty and eight days since are late; seven falls due today
    assert expected_per_owner(director) == {"alice": (1, 1), "bob": (1, 1), "carol": (1, 2)}
    follow_up(projects["bob", 40], kind="business", days_ago=0)
    follow_up(projects["alice", 9], kind="relationship", days_ago=2)  # logged late
    closed = projects["carol", 8]
    closed.status = Status.WON
    closed.save()
    handed = projects["alice", 3]
    handed.owner = bob
    handed.save()
    check()
    clock("2027-01-04")  # Monday: a new week, and the day's cells are built again
    follow_up(projects["carol", 7], kind="business", days_ago=0)
    check()
    a_class = projects["bob", 6]
    a_class.class_override = ProjectClass.A
    a_class.save()
    check()
