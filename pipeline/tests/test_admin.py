"""The admin writes through the services: new cadences re-judge the contacts already logged,
a project keeps its version and history, and follow-ups (the contact clocks' source) are
read-only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline.models import FollowUp, PipelineSettings, Project

from .factories import ProjectFactory, follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alice):
    return ProjectFactory(hospital=HospitalFactory(owner=alice))


def settings_form(settings: PipelineSettings, **changes) -> dict:
    fields = (
        "class_a_window_months",
        "cadence_a_days",
        "cadence_b_days",
        "mid_entry_alert_weeks",
        "planned_horizon_years",
    )
    return {name: changes.get(name, getattr(settings, name)) for name in fields}


def test_new_cadences_saved_in_the_admin_rejudge_the_late_contacts(as_user, admin_user, project):
    for days_ago in (30, 20, 10):  # every ten days: late on a weekly cadence
        follow_up(project, days_ago=days_ago)
    settings = PipelineSettings.current()
    late = Project.objects.get(pk=project.pk).late_business_a_on
    assert late == timezone.localdate() - timedelta(days=10)
    response = as_user(admin_user).post(
        f"/admin/pipeline/pipelinesettings/{settings.pk}/change/",
        settings_form(settings, cadence_a_days=14),
    )
    assert response.status_code == 302
    assert PipelineSettings.current().cadence_a_days == 14
    assert Project.objects.get(pk=project.pk).late_business_a_on is None


def test_follow_ups_are_read_only_in_the_admin(as_user, admin_user, project):
    item = follow_up(project, days_ago=3)
    client = as_user(admin_user)
    page = client.get(f"/admin/pipeline/followup/{item.pk}/change/")
    assert page.status_code == 200 and b'name="summary"' not in page.content
    client.post(f"/admin/pipeline/followup/{item.pk}/change/", {"summary": "改过", "date": ""})
    assert FollowUp.objects.get(pk=item.pk).summary == item.summary
    assert client.get("/admin/pipeline/followup/add/").status_code == 403
    assert (
        client.post(f"/admin/pipeline/followup/{item.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert FollowUp.objects.filter(pk=item.pk).exists()


def test_a_project_saved_in_the_admin_moves_its_version_and_names_who(as_user, admin_user, project):
    follow_up(project, days_ago=2)
    page = as_user(admin_user).get(f"/admin/pipeline/project/{project.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data["contacts"] = []
    data["name"] = "改名后的项目"
    response = as_user(admin_user).post(f"/admin/pipeline/project/{project.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Project.objects.get(pk=project.pk)
    assert saved.name == "改名后的项目" and saved.version == project.version + 1
    assert saved.history.first().history_user == admin_user
    assert saved.last_business_contact_on == timezone.localdate() - timedelta(days=2)
