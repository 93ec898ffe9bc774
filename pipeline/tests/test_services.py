from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline import services, stage_history
from pipeline.models import EvaluationQuestion, Project, StageChange

from .factories import ProjectFactory, evaluate, follow_up, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alice):
    return ProjectFactory(hospital=HospitalFactory(owner=alice))


def test_a_new_project_starts_at_the_first_stage_and_records_it(project, alice):
    assert project.stage.code == "lead"
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage.code, change.changed_by) == (None, "lead", alice)


def test_moving_past_qualify_needs_an_evaluation_that_says_pursue(project, alice):
    services.move_stage(project=project, stage=stage("qualify"), by=alice)
    with pytest.raises(ValidationError) as refused:
        services.move_stage(project=project, stage=stage("visit"), by=alice)
    assert refused.value.error_dict["stage"][0].code == "evaluation_required"
    assert "推进" in refused.value.messages[0]
    evaluate(project, "watch")
    with pytest.raises(ValidationError):
        services.move_stage(project=project, stage=stage("proposal"), by=alice)
    evaluate(project, "pursue")
    services.move_stage(project=project, stage=stage("proposal"), by=alice)
    assert Project.objects.get(pk=project.pk).stage.code == "proposal"


def test_a_later_drop_closes_the_gate_again(project, alice):
    evaluate(project, "pursue")
    services.move_stage(project=project, stage=stage("visit"), by=alice)
    evaluate(project, "drop")
    with pytest.raises(ValidationError):
        services.move_stage(project=project, stage=stage("proposal"), by=alice)


def test_every_stage_change_is_recorded_with_user_and_time(project, alice, leader):
    services.move_stage(project=project, stage=stage("qualify"), by=leader)
    change = project.stage_changes.order_by("-changed_at", "-pk").first()
    assert (change.from_stage.code, change.to_stage.code, change.changed_by) == (
        "lead",
        "qualify",
        leader,
    )
    assert project.stage_changes.count() == 2


def test_lost_and_abandoned_need_a_reason(project, alice):
    for status in ("lost", "abandoned"):
        with pytest.raises(ValidationError) as refused:
            services.close_project(project=project, status=status, reason="  ", by=alice)
        assert "close_reason" in refused.value.error_dict
    services.close_project(project=project, status="won", reason="", by=alice)
    project.refresh_from_db()
    assert project.status == "won" and project.closed_at is not None


def test_a_closed_project_does_not_move(project, alice):
    services.close_project(project=project, status="lost", reason="价格", by=alice)
    with pytest.raises(ValidationError):
        services.move_stage(project=project, stage=stage("qualify"), by=alice)


def test_a_follow_up_moves_only_its_own_clock_and_never_back(project):
    follow_up(project, kind="business", days_ago=2)
    project.refresh_from_db()
    business = project.last_business_contact_on
    assert business is not None and project.last_relationship_contact_on is None
    follow_up(project, kind="business", days_ago=10)  # logged late: older than the last one
    project.refresh_from_db()
    assert project.last_business_contact_on == business
    follow_up(project, kind="relationship", days_ago=1)
    project.refresh_from_db()
    assert project.last_relationship_contact_on is not None
    assert project.last_business_contact_on == business


def test_saving_a_project_keeps_the_contact_dates_logged_meanwhile(project, alice):
    Project.objects.filter(pk=project.pk).update(created_at=timezone.now() - timedelta(days=20))
    project.refresh_from_db()
    editing = Project.objects.get(pk=project.pk)  # the form loads it; then a contact is logged
    follow_up(project, kind="business", days_ago=1)
    editing.name = "氧气站投放（改名）"
    services.save_project(project=editing, by=alice)
    project.refresh_from_db()
    assert project.name == "氧气站投放（改名）"
    assert project.last_business_contact_on is not None  # not written back as it was loaded
    assert project.late_business_a_on is not None  # the first contact came late (gap from start)


def test_a_follow_up_cannot_name_people_of_another_hospital(project):
    stranger = ContactFactory()
    with pytest.raises(ValidationError) as refused:
        follow_up(project, contacts=[stranger])
    assert "contacts" in refused.value.error_dict


def test_a_follow_up_cannot_be_in_the_future(project):
    with pytest.raises(ValidationError):
        follow_up(project, days_ago=-1)


def test_evaluations_keep_their_questions_and_scores(project):
    first = evaluate(project, "watch")
    question = EvaluationQuestion.objects.first()
    question.text = "改过的问题"
    question.weight = 9
    question.save()
    first.refresh_from_db()
    assert first.answers[0]["text"] != "改过的问题"
    assert first.overall == 100
    second = evaluate(project, "pursue")
    assert project.evaluations.count() == 2
    assert services.latest_evaluation(project) == second
    assert second.answers[0]["text"] == "改过的问题"


def test_every_active_question_must_be_answered(project, alice):
    with pytest.raises(ValidationError) as refused:
        services.evaluate(
            project=project, answers={}, risks={}, decision="pursue", reason="x", by=alice
        )
    assert "answers" in refused.value.error_dict


def test_each_stage_change_knows_when_the_stage_it_leaves_was_entered_and_if_it_returns(
    alice, clock
):
    """What the 销售管道图's conversion counts from: stamped as the moves are made, and the
    same when a project's history is stamped again from its order (the demo, an import, the
    migration)."""
    clock("2027-01-29 10:00")
    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    evaluate(project, "pursue")
    for code in ("visit", "proposal", "visit", "proposal", "negotiation"):  # back and forth
        clock(timezone.localtime() + timedelta(days=2))
        project.refresh_from_db()
        services.move_stage(project=project, stage=stage(code), by=alice)
    changes = list(project.stage_changes.order_by("changed_at", "pk"))
    stamped = [(c.to_stage.code, c.entered_at, c.again) for c in changes]
    times = [c.changed_at for c in changes]
    assert stamped == [
        ("lead", None, False),
        ("visit", times[0], False),
        ("proposal", times[1], False),
        ("visit", times[2], True),
        ("proposal", times[3], True),
        ("negotiation", times[4], False),
    ]
    StageChange.objects.update(entered_at=None, again=False)
    assert stage_history.restamp([project.pk]) == 5
    again = list(project.stage_changes.order_by("changed_at", "pk"))
    assert [(c.to_stage.code, c.entered_at, c.again) for c in again] == stamped
    assert stage_history.restamp([project.pk]) == 0  # nothing left to change
