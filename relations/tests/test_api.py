"""Plans, actions and the ledger in the JSON API: the same rules as the pages."""

import pytest

from relations.models import LedgerEntry
from visits.models import Task

pytestmark = pytest.mark.django_db


def test_a_plan_its_target_and_actions_through_the_api(
    clock, api_as, alice, director, project, president
):
    clock("2026-03-02 09:00")
    api = api_as(alice)
    created = api.post("/relationship-plans", {"project": project.pk, "strategy": "先发展院长"})
    assert created.status_code == 201
    plan = created.json()
    assert (
        api.post("/relationship-plans", {"project": project.pk}).status_code == 200
    )  # one a project
    target = api.post(
        f"/relationship-plans/{plan['id']}/targets",
        {"contact": president.pk, "target_closeness": 4, "target_date": "2026-06-01"},
    )
    assert target.status_code == 201, target.json()
    assert target.json()["gap"] == "院长 王建国：目标 4，当前 2，态度尚未转为支持，8 周内无计划行动"
    action = api.post(
        "/relationship-actions",
        {"target": target.json()["id"], "kind": "executive_visit", "planned_on": "2026-03-05",
         "owner": "director", "colleagues": ["director", "alice"]},
    )  # fmt: skip
    assert action.status_code == 201, action.json()
    body = action.json()
    assert body["owner"] == "director" and body["task"] == Task.objects.get(owner=director).pk
    listed = api.get("/relationship-actions", {"project": project.pk, "status": "planned"}).json()
    assert listed["count"] == 1 and set(listed["items"][0]["colleagues"]) == {"director", "alice"}

    moved = api.patch(f"/relationship-actions/{body['id']}", {"planned_on": "2026-03-04"})
    assert moved.status_code == 200 and moved.json()["colleagues"] == body["colleagues"]
    assert Task.objects.get(owner=director).due_date.isoformat() == "2026-03-04"
    retargeted = api.patch(
        f"/relationship-plans/{plan['id']}/targets/{target.json()['id']}",
        {"target_closeness": 5, "version": target.json()["version"]},
    )
    assert retargeted.status_code == 200 and retargeted.json()["target_closeness"] == 5
    stale = api.patch(
        f"/relationship-plans/{plan['id']}/targets/{target.json()['id']}",
        {"strategy": "旧版本", "version": target.json()["version"]},
    )
    assert stale.status_code == 409  # someone saved it meanwhile: nothing overwritten
    recorded = api.post(
        f"/relationship-actions/{body['id']}/record",
        {"done_on": "2026-03-02", "outcome": "总监拜访院长，院长同意去样板点",
         "standing": [{"contact": president.pk, "closeness": 3, "attitude": "support"}]},
    )  # fmt: skip
    assert recorded.status_code == 200 and recorded.json()["status"] == "done"
    history = api.get(f"/contacts/{president.pk}/closeness-history").json()["items"]
    assert [(h["cause"], h["closeness"], h["attitude"]) for h in history] == [
        ("action", 3, "support")
    ]
    assert api.get(f"/relationship-plans/{plan['id']}").json()["targets"][0]["closeness"] == 3


def test_the_api_refuses_what_the_pages_refuse(clock, api_as, alice, carol, project, president):
    clock("2026-03-02 09:00")
    plan = api_as(alice).post("/relationship-plans", {"project": project.pk}).json()
    assert api_as(carol).get(f"/relationship-plans/{plan['id']}").status_code == 404
    assert api_as(carol).post("/relationship-plans", {"project": project.pk}).status_code == 400
    assert api_as(carol).get(f"/contacts/{president.pk}/closeness-history").status_code == 404
    bad = api_as(alice).post(
        f"/relationship-plans/{plan['id']}/targets",
        {"contact": president.pk, "target_closeness": 9, "target_date": "2026-06-01"},
    )
    assert bad.status_code == 400 and "target_closeness" in bad.json()["errors"]


def test_the_ledger_through_the_api(clock, api_as, alice, director, carol, project, president):
    clock("2026-03-02 20:00")
    over = {
        "hospital": president.hospital_id, "kind": "dinner", "amount": "3000",
        "contacts": [president.pk], "purpose": "晚餐",
    }  # fmt: skip
    refused = api_as(alice).post("/ledger", over)
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    created = api_as(alice).post("/ledger", {**over, "reason": "外地专家同席"})
    assert created.status_code == 201
    entry = created.json()
    assert entry["status"] == "pending" and entry["over_limit"]
    assert api_as(carol).get(f"/ledger/{entry['id']}").status_code == 404
    assert api_as(carol).post("/ledger", over).status_code == 400  # not her hospital
    assert api_as(alice).post(f"/ledger/{entry['id']}/decide", {"approve": True}).status_code == 403
    decided = api_as(director).post(
        f"/ledger/{entry['id']}/decide", {"approve": True, "note": "同意"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert api_as(director).get("/ledger", {"status": "approved"}).json()["count"] == 1
    assert LedgerEntry.objects.get().decided_by == director


def test_a_plan_follows_its_project_as_the_plan_page_does(
    clock, api_as, as_user, alice, bob, carol, leader, project, president
):
    """A project given to someone other than the hospital's owner: its owner (and their
    leader) sees and works its plan in the API as on the plan page; the hospital's owner,
    who does not see the project, sees neither (decision 0003: what hangs off a project
    follows the project)."""
    clock("2026-03-02 09:00")
    plan = api_as(alice).post("/relationship-plans", {"project": project.pk}).json()
    target = api_as(alice).post(
        f"/relationship-plans/{plan['id']}/targets",
        {"contact": president.pk, "target_closeness": 4, "target_date": "2026-06-01"},
    )
    api_as(alice).post(
        "/relationship-actions",
        {"target": target.json()["id"], "kind": "tech_exchange", "planned_on": "2026-03-09"},
    )
    project.owner = carol  # the hospital stays alice's
    project.save()
    for user, sees in ((carol, True), (alice, False), (bob, False), (leader, False)):
        api = api_as(user)
        plans = api.get("/relationship-plans").json()
        actions = api.get("/relationship-actions").json()
        assert ([p["id"] for p in plans["items"]] == [plan["id"]]) is sees, user
        assert (actions["count"] == 1) is sees, user
        assert (api.get(f"/relationship-plans/{plan['id']}").status_code == 200) is sees, user
        page = as_user(user).get(f"/relations/projects/{project.pk}/plan/")
        assert (page.status_code == 200) is sees, user
