"""Relationship plans as a manager uses them: a target for the president, actions that become
tasks when due, and closeness moved by a relationship contact kept in the person's history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hospitals.models import ClosenessChange, StandingCause
from pipeline.models import FollowUp
from relations import domain
from relations.jobs import actions_due
from relations.models import ActionStatus, PlanTarget, RelationshipAction
from visits.models import Task

pytestmark = pytest.mark.django_db


def plan_target(client, project, president, **extra):
    data = {
        "contact": president.pk,
        "target_closeness": 4,
        "target_attitude": "support",
        "target_date": (timezone.localdate() + timedelta(weeks=12)).isoformat(),
        "strategy": "院长重视安全：请他看样板点的连续运行记录",
        "side": "manager",
        "owner": project.owner_id,
        **extra,
    }
    return client.post(f"/relations/projects/{project.pk}/plan/targets/new/", data)


def plan_action(client, project, target, kind, days, **extra):
    data = {
        "target": target.pk,
        "kind": kind,
        "planned_on": (timezone.localdate() + timedelta(days=days)).isoformat(),
        "title": "",
        **extra,
    }
    return client.post(f"/relations/projects/{project.pk}/plan/actions/new/", data)


def test_a_plan_for_the_president_and_its_actions_become_tasks_when_due(
    clock, as_user, alice, director, project, president
):
    clock("2026-03-02 09:00")  # a Monday
    client = as_user(alice)
    page = client.get(f"/relations/projects/{project.pk}/plan/").content.decode()
    assert "中层切入、尚未接触高层" in page  # the red flag proposes an executive visit
    assert plan_target(client, project, president).status_code == 302
    target = PlanTarget.objects.get(contact=president)
    page = client.get(f"/relations/projects/{project.pk}/plan/").content.decode()
    assert "院长 王建国：目标 4，当前 2，态度尚未转为支持，8 周内无计划行动" in page

    assert plan_action(client, project, target, "reference_visit", 30).status_code == 302
    assert plan_action(
        client, project, target, "executive_visit", 45, owner=director.pk, colleagues=[director.pk]
    ).status_code == 302  # fmt: skip
    assert not Task.objects.exists()  # neither is due within a week
    page = client.get(f"/relations/projects/{project.pk}/plan/").content.decode()
    assert "8 周内无计划行动" not in page
    # the evaluation's 是不是能赢 shows the same people, their standing and their targets
    evaluation = client.get(f"/projects/{project.pk}/evaluations/new/").content.decode()
    assert 'id="relationship-evidence"' in evaluation and "王建国" in evaluation

    clock("2026-03-27 06:00")  # five days before the reference visit
    actions_due.call(period="2026-03-27T05:20:00+08:00")
    task = Task.objects.get()
    assert (task.owner, task.due_date, task.level) == (
        alice,
        timezone.localdate() + timedelta(days=5),
        "relationship",
    )
    assert "参观样板点" in task.title and "王建国" in task.title
    assert "参观样板点" in as_user(alice).get("/tasks/").content.decode()

    clock("2026-04-10 06:00")
    actions_due.call(period="2026-04-10T05:20:00+08:00")
    executive = Task.objects.get(owner=director)  # 高层对高层: the director's task
    assert executive.due_date.isoformat() == "2026-04-16"
    actions_due.call(period="2026-04-10T05:20:00+08:00")
    assert Task.objects.count() == 2  # once each


def test_recording_an_action_moves_standing_logs_a_relationship_contact_and_closes_the_task(
    clock, as_user, alice, project, president
):
    clock("2026-05-04 10:00")
    client = as_user(alice)
    plan_target(client, project, president)
    target = PlanTarget.objects.get()
    plan_action(client, project, target, "company_visit", 2)
    action = RelationshipAction.objects.get()
    assert action.task is not None  # due within a week: a task at once
    response = client.post(
        f"/relations/actions/{action.pk}/record/",
        {"done_on": "2026-05-04", "outcome": "参观了生产线，院长认可质量",
         "move_contact": president.pk, "move_closeness": 3, "move_attitude": "support"},
    )  # fmt: skip
    assert response.status_code == 302
    action.refresh_from_db()
    president.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.task.done
    assert (president.closeness, president.attitude) == (3, "support")
    change = ClosenessChange.objects.get(contact=president, cause_kind=StandingCause.ACTION)
    assert change.cause == action and change.closeness_before == 2
    logged = FollowUp.objects.get(project=project)
    assert (logged.kind, logged.channel, list(logged.contacts.all())) == (
        "relationship", "company_visit", [president],
    )  # fmt: skip


def test_a_relationship_contact_that_raises_closeness_shows_in_history_and_chart(
    clock, as_user, api_as, alice, director, project, president
):
    clock("2026-06-15 10:00")
    client = as_user(alice)
    response = client.post(
        f"/projects/{project.pk}/follow-ups/new/",
        {"date": "2026-06-15", "kind": "relationship", "channel": "dinner",
         "contacts": [president.pk], "colleagues": [director.pk],
         "summary": "总监与院长晚餐，谈医院新院区规划", "move_contact": president.pk,
         "move_closeness": 4},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    president.refresh_from_db()
    assert president.closeness == 4 and president.attitude == "neutral"
    follow_up = FollowUp.objects.get()
    assert list(follow_up.colleagues.all()) == [director]
    change = ClosenessChange.objects.get(contact=president)
    assert (change.cause, change.closeness_before, change.on.isoformat()) == (
        follow_up,
        2,
        "2026-06-15",
    )

    contact_page = client.get(f"/contacts/{president.pk}/").content.decode()
    assert "2 → <b>4</b>" in contact_page and 'class="dot att-neutral"' in contact_page
    plan_page = client.get(f"/relations/projects/{project.pk}/plan/").content.decode()
    assert 'class="dot att-neutral"' in plan_page  # the dot of the change on the person's line
    timeline = client.get(f"/projects/{project.pk}/").content.decode()
    assert "本方参与" in timeline and director.name in timeline

    history = api_as(alice).get(f"/contacts/{president.pk}/closeness-history").json()
    assert history["count"] == 1
    row = history["items"][0]
    assert (row["date"], row["closeness"], row["closeness_before"], row["cause"]) == (
        "2026-06-15", 4, 2, "follow_up",
    )  # fmt: skip
    assert (row["cause_type"], row["cause_id"]) == ("followup", follow_up.pk)


def test_a_late_logged_event_keeps_its_change_but_does_not_undo_a_newer_one(
    clock, as_user, alice, project, president
):
    clock("2026-06-15 10:00")
    client = as_user(alice)
    for day, closeness in (("2026-06-10", 4), ("2026-06-01", 3)):  # the older one logged last
        client.post(
            f"/projects/{project.pk}/follow-ups/new/",
            {"date": day, "kind": "relationship", "channel": "wechat", "summary": "问候",
             "move_contact": president.pk, "move_closeness": closeness},
        )  # fmt: skip
    president.refresh_from_db()
    assert president.closeness == 4
    assert list(ClosenessChange.objects.order_by("on").values_list("closeness", flat=True)) == [
        3,
        4,
    ]


def test_editing_a_contact_keeps_the_change_of_standing(clock, as_user, alice, president):
    clock("2026-02-28 16:00")
    client = as_user(alice)
    page = client.get(f"/contacts/{president.pk}/edit/")
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(attitude="support", version=president.version, roles=["approve"])
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(f"/contacts/{president.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    change = ClosenessChange.objects.get(contact=president)
    assert (change.cause_kind, change.attitude_before, change.attitude) == (
        "edit",
        "neutral",
        "support",
    )


def test_a_move_needs_its_person(clock, as_user, alice, project):
    clock("2026-06-15 10:00")
    response = as_user(alice).post(
        f"/projects/{project.pk}/follow-ups/new/",
        {"date": "2026-06-15", "kind": "relationship", "channel": "phone", "summary": "电话",
         "move_closeness": 4},
    )  # fmt: skip
    assert response.status_code == 400
    assert "请选择关系发生变化的人" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_task_ticked_in_the_task_list_marks_its_action_done(
    clock, as_user, alice, project, president
):
    clock("2026-05-04 10:00")
    client = as_user(alice)
    plan_target(client, project, president)
    plan_action(client, project, PlanTarget.objects.get(), "greeting", 1)
    action = RelationshipAction.objects.get()
    client.post(f"/tasks/{action.task_id}/done/")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_gaps_say_what_is_missing():
    today = timezone.localdate()
    state = domain.TargetState(
        "王建国", "院长", 2, "neutral", 4, "support", today + timedelta(weeks=6), None
    )
    assert (
        domain.gap(state, today)
        == "院长 王建国：目标 4，当前 2，态度尚未转为支持，8 周内无计划行动"
    )
    soon = state.__class__(**{**state.__dict__, "next_action": today + timedelta(days=10)})
    assert domain.gap(soon, today) is None  # behind, an action coming: in hand
    late = state.__class__(**{**state.__dict__, "target_date": today - timedelta(days=1)})
    assert (
        domain.gap(late, today)
        == "院长 王建国：目标 4，当前 2，态度尚未转为支持，8 周内无计划行动，目标日期已过"
    )
    done = state.__class__(**{**state.__dict__, "closeness": 4, "attitude": "support"})
    assert domain.gap(done, today) is None
