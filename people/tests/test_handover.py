"""离职交接: a manager's hospitals go to another manager with everything open under them, in
one step with a preview; the history says who handed what to whom; the heir is told and sees
the projects marked for a first contact; deactivating asks for the heir and ends access."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory
from people.models import Handover
from pipeline.models import Project
from pipeline.tests.factories import ProjectFactory, follow_up
from proposals.tests.factories import make_proposal
from reminders.models import Notification
from visits.models import Task, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(alice, carol):
    """Alice's customers: two hospitals in 杭州, one in 宁波; carol's one (not to move)."""
    hz1 = HospitalFactory(owner=alice, name="浙江省人民医院", province="浙江省", city="杭州市")
    hz2 = HospitalFactory(owner=alice, name="杭州市第一人民医院", province="浙江省", city="杭州市")
    nb = HospitalFactory(owner=alice, name="宁波市第一医院", province="浙江省", city="宁波市")
    HospitalFactory(owner=carol, name="温州市人民医院", province="浙江省", city="温州市")
    project = ProjectFactory(hospital=hz1, owner=alice, name="制氧站投放")
    ProjectFactory(hospital=nb, owner=alice, name="宁波制氧站")
    make_proposal(project)  # a draft
    Task.objects.create(
        owner=alice, hospital=hz1, project=project, title="回访设备科", level="business",
        due_date=timezone.localdate(),
    )  # fmt: skip
    Visit.objects.create(hospital=hz2, owner=alice, planned_at=timezone.now() + timedelta(days=2))
    return {"hz1": hz1, "hz2": hz2, "nb": nb, "project": project}


def test_preview_then_hand_over_a_region_with_everything_under_it(
    alice, bob, director, as_user, book, django_capture_on_commit_callbacks
):
    client = as_user(director)
    url = "/people/alice/handover/"
    form = {"heir": bob.pk, "scope": "region", "cities": ["杭州市"], "reason": "territory"}
    preview = client.post(url, {**form, "action": "preview"})
    assert preview.status_code == 200
    assert preview.context["counts"] == {
        "hospitals": 2, "projects": 1, "tasks": 1, "visits": 1, "proposals": 1,
    }  # fmt: skip
    assert Hospital.objects.filter(owner=bob).count() == 0  # a preview moves nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**form, "action": "confirm"})
    assert done.status_code == 302
    assert set(Hospital.objects.filter(owner=bob).values_list("name", flat=True)) == {
        "浙江省人民医院",
        "杭州市第一人民医院",
    }
    assert Hospital.objects.get(name="宁波市第一医院").owner == alice  # not in the region
    project = Project.objects.get(pk=book["project"].pk)
    assert project.owner == bob and project.handed_over_at is not None
    assert Task.objects.get().owner == bob and Visit.objects.get().owner == bob
    assert project.proposals.get().created_by == bob
    # the history: who handed what to whom, on the records and as a handover
    last = book["hz1"].history.first()
    assert last.history_user == director and f"{alice} → {bob}" in last.history_change_reason
    [handover] = Handover.objects.all()
    assert (handover.from_user, handover.to_user, handover.by) == (alice, bob, director)
    assert handover.counts["hospitals"] == 2 and handover.scope == "杭州市"
    page = client.get("/people/handovers/").content.decode()
    assert "杭州市" in page and "区域调整" in page
    # the heir is told once, and finds the projects marked for a first contact
    [note] = Notification.objects.filter(recipient=bob)
    assert note.kind == "handover" and "2 家医院、1 个进行中的项目" in note.text
    listed = as_user(bob).get(note.url)
    assert [p.pk for p in listed.context["page"]] == [project.pk]
    assert "交接·待首次联络" in listed.content.decode()
    follow_up(project, by=bob)  # the first contact clears the mark
    assert Project.objects.get(pk=project.pk).handed_over_at is None


def test_an_edit_opened_before_the_handover_cannot_put_the_old_owner_back(
    alice, bob, director, as_user, book
):
    project = book["project"]
    stale = project.version
    as_user(director).post(
        "/people/alice/handover/",
        {"heir": bob.pk, "scope": "all", "reason": "leaving", "action": "confirm"},
    )
    from o2crm.records import EditConflict, save_record

    project.owner = alice
    with pytest.raises(EditConflict):
        save_record(record=project, by=alice, expected_version=stale)


def test_only_the_director_and_the_admin_hand_over(alice, bob, leader, as_user, book):
    assert as_user(leader).get("/people/alice/handover/").status_code == 403
    assert as_user(alice).get("/people/alice/handover/").status_code == 403
    assert as_user(alice).get("/people/bob/handover/").status_code == 404
    assert as_user(leader).get("/people/").status_code == 403


def test_the_heir_must_be_another_active_manager(alice, director, assistant, as_user, book):
    answer = as_user(director).post(
        "/people/alice/handover/",
        {"heir": assistant.pk, "scope": "all", "reason": "leaving", "action": "confirm"},
    )
    assert answer.status_code == 400 and "heir" in answer.context["form"].errors
    assert Hospital.objects.filter(owner=alice).count() == 3
    empty = as_user(director).post(
        "/people/alice/handover/", {"scope": "chosen", "reason": "leaving", "action": "preview"}
    )
    assert "请选择至少一家医院" in str(empty.context["form"].errors)


def test_the_heir_is_found_by_typing_among_many_and_the_giver_is_not_offered(
    alice, bob, carol, director, as_user, book, monkeypatch
):
    """The director's 500 managers were a menu of 500 names on the handover and the
    deactivation forms: past the menu's size the heir is the type-ahead, which does not
    offer the giver; up to it the menu names each one's team."""
    from hospitals import forms

    client = as_user(director)
    menu = client.get("/people/alice/handover/").content.decode()
    assert "王磊 · 浙北一组" in menu and "黄志强 · 浙南二组" in menu
    assert "刘晓燕 · 浙北一组</option>" not in menu  # not her own heir

    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 1)
    for url in ("/people/alice/handover/", "/people/alice/deactivate/"):
        page = client.get(url).content.decode()
        assert 'class="owner-pick"' in page and f'data-exclude="{alice.pk}"' in page
        assert 'name="heir"' in page and "<select" not in page.split('name="heir"')[0][-300:]
    found = client.get("/owners/suggest/", {"q": "l", "exclude": alice.pk}).content.decode()
    assert "刘晓燕" not in found and "陈立军" in found  # the leader, by username "leader"
    form = {"heir": bob.pk, "scope": "all", "reason": "leaving", "action": "preview"}
    preview = client.post("/people/alice/handover/", form)
    assert preview.status_code == 200 and preview.context["counts"]["hospitals"] == 3
    assert 'value="王磊 · 浙北一组"' in preview.content.decode()  # the heir chosen stays


def test_deactivating_asks_for_the_heir_then_ends_access_at_once(
    alice, bob, director, as_user, book, api_as
):
    key = ApiToken.issue(alice)
    session = as_user(alice)
    assert session.get("/").status_code == 200
    client = as_user(director)
    refused = client.post("/people/alice/deactivate/", {})
    assert refused.status_code == 400 and "请先指定接手人" in refused.content.decode()
    alice.refresh_from_db()
    assert alice.is_active
    assert client.post("/people/alice/deactivate/", {"heir": bob.pk}).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    assert not Hospital.objects.filter(owner=alice).exists()
    assert not Project.objects.filter(owner=alice, status="open").exists()
    assert session.get("/").status_code == 302  # the open session ends
    api = api_as(None)
    assert api.get("/hospitals", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_the_people_page_costs_the_same_whatever_the_number_of_people(
    director, as_user, django_assert_max_num_queries, team1
):
    from accounts.tests.factories import UserFactory

    client = as_user(director)
    UserFactory(team=team1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/people/")
    n = len(few.captured_queries)
    for _ in range(30):
        HospitalFactory(owner=UserFactory(team=team1))
    with django_assert_max_num_queries(n):
        page = client.get("/people/")
    assert page.status_code == 200 and len(page.context["page"]) == 25
