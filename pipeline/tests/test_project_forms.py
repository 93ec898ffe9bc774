"""Creating and editing a project, closing it, its evaluation and its follow-ups."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.domain import add_months
from pipeline.models import FollowUp, PipelineSettings, Project

from .factories import follow_up, stage

pytestmark = pytest.mark.django_db


def project_form(**overrides):
    data = {
        "name": "钱塘区人民医院制氧站投放项目",
        "source": "promotion",
        "source_event": "exhibition",
        "source_event_name": "2026中国医院建设大会",
        "entry_path": "mid",
        "need": "new",
        "current_source": "none",
        "planned_purchase_date": str(timezone.localdate() + timedelta(days=90)),
        "estimated_volume": "300000",
        "contract_value": "9600000",
        "stage": str(stage("lead").pk),
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_project_at_a_hospital(as_user, alice, hospital):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]), project_form()
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert (project.owner, project.hospital, project.stage.code) == (alice, hospital, "lead")
    assert project.stage_changes.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"source_event": ""}, "source_event", "推广反馈需注明活动类型：展会或技术交流。"),
        ({"class_override": "A"}, "class_override_reason", "人工指定分类时请写明理由。"),
        ({"contract_value": "-5"}, "contract_value", "金额不能为负数。"),
        ({"name": ""}, "name", "这个字段是必填项。"),
        ({"entry_path": "side"}, "entry_path", "选择一个有效的选项"),
    ],
)
def test_bad_project_input_names_the_field(as_user, alice, hospital, overrides, field, message):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]), project_form(**overrides)
    )
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Project.objects.exists()


def test_creating_straight_into_a_gated_stage_is_refused(as_user, alice, hospital):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]),
        project_form(stage=str(stage("proposal").pk)),
    )
    assert response.status_code == 400
    assert "需先有一次结论为“推进”的意向评估" in response.content.decode()


def test_lost_without_a_reason_is_refused(as_user, alice, project):
    response = as_user(alice).post(
        reverse("pipeline:project-close", args=[project.pk]),
        {"status": "lost", "close_reason": ""},
        follow=True,
    )
    assert "丢单或放弃时必须填写原因。" in response.content.decode()
    assert Project.objects.get().status == "open"
    as_user(alice).post(
        reverse("pipeline:project-close", args=[project.pk]),
        {"status": "lost", "close_reason": "价格"},
    )
    assert Project.objects.get().status == "lost"


def test_the_evaluation_form_scores_and_keeps_history(as_user, alice, project):
    client = as_user(alice)
    form = client.get(reverse("pipeline:evaluation-create", args=[project.pk])).context["form"]
    data = {f"q{q.pk}": "yes" for q in form.questions}
    data.update({"risk_funding": "low", "risk_legal": "low", "risk_technical": "high"})
    data.update({"decision": "pursue", "reason": "院长支持，预算已批"})
    response = client.post(reverse("pipeline:evaluation-create", args=[project.pk]), data)
    assert response.status_code == 302
    evaluation = project.evaluations.get()
    assert evaluation.scores["worth"] == 67 and evaluation.overall == 92
    data["decision"] = "watch"
    client.post(reverse("pipeline:evaluation-create", args=[project.pk]), data)
    assert project.evaluations.count() == 2


def test_an_unanswered_question_is_named(as_user, alice, project):
    response = as_user(alice).post(
        reverse("pipeline:evaluation-create", args=[project.pk]),
        {"decision": "pursue", "reason": "x"},
    )
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not project.evaluations.exists()


def test_the_follow_up_form_refuses_a_future_date(as_user, alice, project):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = as_user(alice).post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {"date": str(tomorrow), "kind": "business", "channel": "phone", "summary": "电话"},
    )
    assert response.status_code == 400
    assert "跟进日期不能晚于今天。" in response.content.decode()
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    ("business_days_ago", "relationship_days_ago", "preselected"),
    [
        (0, 9, "relationship"),  # only the relationship contact is overdue
        (9, 0, "business"),
        (12, 9, "business"),  # both: the more overdue
        (9, 12, "relationship"),
    ],
)
def test_a_follow_up_starts_on_the_kind_that_is_overdue(
    as_user, alice, project, business_days_ago, relationship_days_ago, preselected
):
    soon = timezone.localdate() + timedelta(days=30)  # class A: a contact every 7 days
    Project.objects.filter(pk=project.pk).update(planned_purchase_date=soon)
    project.refresh_from_db()
    follow_up(project, kind="business", days_ago=business_days_ago)
    follow_up(project, kind="relationship", days_ago=relationship_days_ago)
    project = Project.objects.get(pk=project.pk)
    cadence = project.cadence_status(PipelineSettings.current(), timezone.localdate())
    assert cadence.business.overdue or cadence.relationship.overdue
    page = as_user(alice).get(reverse("pipeline:followup-create", args=[project.pk]))
    assert page.context["form"]["kind"].value() == preselected


def test_a_planned_date_beyond_the_horizon_is_refused_naming_the_limit(as_user, alice, hospital):
    """A typo of a year (2099) would silently make the project a far-off B."""
    settings = PipelineSettings.current()
    latest = add_months(timezone.localdate(), 12 * settings.planned_horizon_years)
    too_far = latest + timedelta(days=400)
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]),
        project_form(planned_purchase_date=too_far.isoformat()),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["planned_purchase_date"]
    assert "请核对年份" in errors[0] and str(settings.planned_horizon_years) in errors[0]
    assert not Project.objects.exists()
    ok = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]),
        project_form(
            planned_purchase_date=(timezone.localdate() + timedelta(days=400)).isoformat()
        ),
    )
    assert ok.status_code in (200, 302) and Project.objects.count() == 1


def test_the_director_gives_a_new_project_an_owner_found_by_typing(
    as_user, monkeypatch, director, alice, bob, carol, hospital
):
    """Past the menu's size a project's owner is the type-ahead (hospitals.forms): the form
    shows no menu of every manager, and the owner posted from it is the one saved."""
    from hospitals import forms

    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 1)
    url = reverse("pipeline:project-create", args=[hospital.pk])
    html = as_user(director).get(url).content.decode()
    assert 'class="owner-pick"' in html and '<select name="owner"' not in html
    response = as_user(director).post(url, project_form(owner=bob.pk))
    assert response.status_code == 302 and Project.objects.get().owner == bob
