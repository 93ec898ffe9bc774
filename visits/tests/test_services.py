"""The visits' services: knowledge coverage, counted for one project or many."""

import pytest

from hospitals.tests.factories import HospitalFactory
from o2crm.records import save_record
from pipeline.tests.factories import ProjectFactory
from visits import services

from .factories import SurveyFactory

pytestmark = pytest.mark.django_db


def test_coverage_rises_as_the_survey_is_filled(hospital, project, president):
    before, _items = services.coverage(project, viewer=project.owner)
    SurveyFactory(hospital=hospital, beds=1000, icu_beds=50, operating_rooms=20)
    after_capacity, _ = services.coverage(project, viewer=project.owner)
    SurveyFactory(hospital=hospital, decision_process="院长办公会", annual_growth=8, budget="自筹")
    project.contacts.add(president)
    after_more, items = services.coverage(project, viewer=project.owner)
    assert before < after_capacity < after_more
    known = {o.code for o, ok in items if ok}
    assert {
        "capacity",
        "current_source",
        "procurement",
        "growth",
        "finance",
        "decision_makers",
    } <= known
    assert after_more == round(100 * len(known) / 13)


def test_coverage_of_many_projects_takes_a_fixed_number_of_queries(
    hospital, queries_for, django_assert_max_num_queries
):
    projects = [ProjectFactory(hospital=hospital) for _ in range(3)]
    few = queries_for(lambda: services.coverages(projects, viewer=hospital.owner))
    projects += [ProjectFactory(hospital=HospitalFactory(owner=hospital.owner)) for _ in range(15)]
    for p in projects:
        SurveyFactory(hospital=p.hospital)
    with django_assert_max_num_queries(9):
        many = queries_for(lambda: services.coverages(projects, viewer=hospital.owner))
    assert few == many


def test_personal_needs_count_only_for_those_who_may_read_them(
    as_user, hospital, project, president, assistant, leader
):
    """The assistant may not read a contact's personal details: filling only 个人需求 must not
    move the 信息掌握度 she sees (page and API), while the owner and the leader see it rise."""
    project.contacts.add(president)

    def seen_by(user) -> tuple[int, int]:
        page = as_user(user).get(f"/projects/{project.pk}/").context["coverage"]
        api = as_user(user).get(f"/api/v1/projects/{project.pk}").json()["coverage"]
        return page, api

    before = {u.username: seen_by(u) for u in (hospital.owner, leader, assistant)}
    president.personal_needs = "孩子明年高考，想了解省城的学校"
    save_record(record=president, by=hospital.owner)
    after = {u.username: seen_by(u) for u in (hospital.owner, leader, assistant)}
    assert after["assistant"] == before["assistant"]
    assert after[hospital.owner.username][0] > before[hospital.owner.username][0]
    assert after["leader"] == after[hospital.owner.username]
