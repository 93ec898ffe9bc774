from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitals.models import Hospital
from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.models import Project
from pipeline.tests.factories import follow_up
from visits.models import Task, Visit, VisitObjective

pytestmark = pytest.mark.django_db


def plan(client, hospital, project, contacts, **extra):
    data = {
        "planned_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "院长办公室",
        "project": project.pk if project else "",
        "contacts": [c.pk for c in contacts],
        "objectives": [
            o.pk for o in VisitObjective.objects.filter(code__in=["capacity", "procurement"])
        ],
        "questions": "新院区的供氧方案由谁拍板？",
    }
    data.update(extra)
    return client.post(reverse("visits:visit-create", args=[hospital.pk]), data)


def test_plan_print_record_and_follow_up_a_visit(as_user, alice, hospital, president, project):
    client = as_user(alice)
    follow_up(project, kind="business", days_ago=10)
    follow_up(project, kind="relationship", days_ago=10)
    assert plan(client, hospital, project, [president]).status_code == 302
    visit = Visit.objects.get()
    assert (visit.owner, visit.status) == (alice, "planned")

    brief = client.get(reverse("visits:visit-brief", args=[visit.pk]))
    body = brief.content.decode()
    assert brief.status_code == 200
    assert "周慧" in body and "院长" in body
    assert "了解医院的采购和决策流程" in body  # unknown yet: a question to ask
    assert "拜访检测" in body

    response = client.post(
        reverse("visits:visit-record", args=[visit.pk]),
        {
            "version": str(visit.version),
            "visited_on": str(timezone.localdate()),
            "met": [president.pk],
            "background": "院长关心供氧安全",
            "appointment": "下周三带案例再来",
            "learned_procurement": "院长办公会决定，政府采购平台招标",
            "outcome": "院长同意考虑投放方案",
            **{f"task_{i}": "on" for i in range(5)},
            **{f"task_{i}_due": str(timezone.localdate() + timedelta(days=3)) for i in range(5)},
            "task_2": "",  # drop "mail the magazine"
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "recorded" and visit.learned["procurement"]
    assert Hospital.objects.get(pk=hospital.pk).last_visited_on == timezone.localdate()
    assert Task.objects.count() == 4
    project = Project.objects.get(pk=project.pk)
    assert project.last_business_contact_on == timezone.localdate()  # recording counts
    assert project.last_relationship_contact_on < timezone.localdate()

    relationship = Task.objects.filter(level="relationship").first()
    tasks_page = client.get(reverse("visits:task-list"))
    assert relationship.title in tasks_page.content.decode()
    client.post(reverse("visits:task-complete", args=[relationship.pk]))
    project = Project.objects.get(pk=project.pk)
    assert project.last_relationship_contact_on == timezone.localdate()
    settings_today = project.cadence_status(project_settings(), timezone.localdate())
    assert not settings_today.business.overdue and not settings_today.relationship.overdue


def project_settings():
    from pipeline.models import PipelineSettings

    return PipelineSettings.current()


def test_a_cold_visit_has_no_project(as_user, alice, hospital, president):
    assert plan(as_user(alice), hospital, None, [president]).status_code == 302
    assert Visit.objects.get().project is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_at": "2020-01-01T09:00"}, "planned_at"),
        ({"planned_at": "明天"}, "planned_at"),
        ({"minutes_needed": "-5"}, "minutes_needed"),
    ],
)
def test_bad_plans_are_refused(as_user, alice, hospital, project, overrides, field):
    response = plan(as_user(alice), hospital, project, [], **overrides)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Visit.objects.exists()


def test_people_of_another_hospital_cannot_be_visited_here(as_user, alice, hospital, project):
    stranger = ContactFactory(hospital=HospitalFactory(owner=alice))
    response = plan(as_user(alice), hospital, project, [stranger])
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_a_future_visit_date_is_refused(as_user, alice, hospital, project):
    plan(as_user(alice), hospital, project, [])
    visit = Visit.objects.get()
    response = as_user(alice).post(
        reverse("visits:visit-record", args=[visit.pk]),
        {"version": "1", "visited_on": str(timezone.localdate() + timedelta(days=2))},
    )
    assert response.status_code == 400
    assert Visit.objects.get().status == "planned"


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_others_visits_are_not_found(as_user, alice, hospital, project, who, request):
    plan(as_user(alice), hospital, project, [])
    visit = Visit.objects.get()
    client = as_user(request.getfixturevalue(who))
    for name in ("visit-detail", "visit-brief", "visit-record"):
        assert client.get(reverse(f"visits:{name}", args=[visit.pk])).status_code == 404


def test_the_checklist_is_ticked_item_by_item(as_user, alice, hospital, project):
    from visits.models import ChecklistItem

    plan(as_user(alice), hospital, project, [])
    visit = Visit.objects.get()
    items = list(ChecklistItem.objects.all()[:2])
    as_user(alice).post(
        reverse("visits:visit-checklist", args=[visit.pk]), {"item": [i.pk for i in items]}
    )
    assert Visit.objects.get().checklist == sorted(i.pk for i in items)


def test_pages_run_a_fixed_number_of_queries(
    as_user, alice, hospital, president, project, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    plan(client, hospital, project, [president])
    visit = Visit.objects.get()
    urls = [
        reverse("visits:visit-list"),
        reverse("visits:task-list"),
        reverse("visits:visit-brief", args=[visit.pk]),
        reverse("visits:visit-detail", args=[visit.pk]),
    ]
    few = [queries_for(lambda u=u: client.get(u)) for u in urls]
    for i in range(10):
        plan(client, hospital, project, [ContactFactory(hospital=hospital, name=f"人{i}")])
        Task.objects.create(
            owner=alice,
            hospital=hospital,
            project=project,
            visit=visit,  # the visit page lists its own tasks
            title="回电",
            level="relationship",
            due_date=timezone.localdate(),
        )
    with django_assert_max_num_queries(60):
        many = [queries_for(lambda u=u: client.get(u)) for u in urls]
    assert few == many


def test_the_record_form_starts_from_the_plan(as_user, alice, hospital, president, project):
    plan(as_user(alice), hospital, project, [president])
    visit = Visit.objects.get()
    form = as_user(alice).get(reverse("visits:visit-record", args=[visit.pk])).context["form"]
    assert form.initial["visited_on"] == timezone.localdate()
    assert form.initial["met"] == [president.pk]
    assert len(form.task_fields()) == 5


def test_each_tick_saves_as_it_is_made_and_says_so(as_user, alice, hospital, project):
    from visits.models import ChecklistItem

    plan(as_user(alice), hospital, project, [])
    visit = Visit.objects.get()
    first, second = ChecklistItem.objects.all()[:2]
    url = reverse("visits:visit-checklist", args=[visit.pk])
    htmx = {"HX-Request": "true"}
    client = as_user(alice)
    on = client.post(url, {"tick": first.pk, "item": first.pk}, headers=htmx)
    assert on.status_code == 200 and "已自动保存" in on.content.decode()
    assert "<html" not in on.content.decode()  # a fragment for the status line
    client.post(url, {"tick": second.pk, "item": second.pk}, headers=htmx)
    assert Visit.objects.get().checklist == sorted([first.pk, second.pk])
    client.post(url, {"tick": first.pk}, headers=htmx)  # unticked: the box sends nothing
    assert Visit.objects.get().checklist == [second.pk]
    unknown = client.post(url, {"tick": 999_999, "item": 999_999}, headers=htmx)
    assert "未保存" in unknown.content.decode()
    assert Visit.objects.get().checklist == [second.pk]


def test_ticks_on_two_phones_both_stay(as_user, alice, hospital, project):
    """Each tick reads the row afresh: a second phone's page, opened before the first tick,
    adds its own without undoing the other's."""
    from visits.models import ChecklistItem

    plan(as_user(alice), hospital, project, [])
    visit = Visit.objects.get()
    first, second = ChecklistItem.objects.all()[:2]
    url = reverse("visits:visit-checklist", args=[visit.pk])
    for item in (first, second):  # both pages were opened before either tick
        as_user(alice).post(url, {"tick": item.pk, "item": item.pk}, headers={"HX-Request": "1"})
    assert Visit.objects.get().checklist == sorted([first.pk, second.pk])


@pytest.mark.parametrize(
    ("today", "default"),
    [
        ("2026-12-01", "2026-12-02T09:00"),  # Tuesday: Wednesday morning
        ("2027-01-01", "2027-01-04T09:00"),  # Friday: Monday morning
        ("2027-01-31", "2027-02-01T09:00"),  # Sunday: Monday, in the next month
    ],
)
def test_a_new_visit_is_planned_for_the_next_working_morning(
    as_user, alice, hospital, clock, today, default
):
    clock(today)
    page = as_user(alice).get(reverse("visits:visit-create", args=[hospital.pk]))
    assert f'name="planned_at" value="{default}"' in page.content.decode()


def test_a_check_in_opens_in_a_map_and_says_how_far_from_the_hospital(as_user, alice, hospital):
    from decimal import Decimal

    Hospital.objects.filter(pk=hospital.pk).update(
        latitude=Decimal("30.256500"), longitude=Decimal("120.170500")
    )
    visit = Visit.objects.create(
        hospital=hospital,
        owner=alice,
        planned_at=timezone.now(),
        checkin_at=timezone.now(),
        checkin_latitude=Decimal("30.257500"),
        checkin_longitude=Decimal("120.170500"),
        checkin_accuracy=12,
        status="recorded",
        visited_on=timezone.localdate(),
    )
    body = as_user(alice).get(visit.get_absolute_url()).content.decode()
    assert "https://uri.amap.com/marker?position=120.170500,30.257500&amp;coordinate=wgs84" in body
    assert "距医院约 111 米" in body and "定位精度 ±12 米" in body
