import pytest
from django.urls import reverse

from hospitals.tests.factories import HospitalFactory
from o2crm import records, summaries

pytestmark = pytest.mark.django_db


def test_the_home_page_greets_and_counts_what_is_mine(as_user, alice, carol):
    HospitalFactory(owner=alice, name="杭州市钱塘区人民医院", status="new")
    HospitalFactory(owner=alice, name="浙江省人民医院")
    HospitalFactory(owner=carol, name="缙云县人民医院", status="new", city="丽水市")
    response = as_user(alice).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["n_hospitals"] == 2
    body = response.content.decode()
    assert "您好，刘晓燕" in body
    assert "杭州市钱塘区人民医院" in body  # a new hospital: explicit need for oxygen
    assert "缙云县人民医院" not in body


def test_recent_changes_show_who_changed_what(as_user, alice):
    hospital = HospitalFactory(owner=alice, name="浙江省人民医院")
    hospital.beds = 3000
    records.save_record(record=hospital, by=alice)
    body = as_user(alice).get(reverse("home")).content.decode()
    assert "刘晓燕" in body and "修改" in body


def test_home_runs_a_fixed_number_of_queries(
    as_user, director, queries_for, django_assert_max_num_queries
):
    client = as_user(director)
    HospitalFactory()
    summaries.build_the_day.call("")  # the scheduled job builds the day's summaries at 00:01
    few = queries_for(lambda: client.get(reverse("home")))
    for _ in range(20):
        HospitalFactory(status="relocating")
    # the director: funnel, forecast, teams (their names and the stages' weights), weeks
    with django_assert_max_num_queries(18):
        many = queries_for(lambda: client.get(reverse("home")))
    assert few == many


def test_home_counts_my_overdue_projects(as_user, alice, carol):
    from pipeline.tests.factories import ProjectFactory, follow_up

    mine = ProjectFactory(hospital=HospitalFactory(owner=alice))
    follow_up(mine, kind="business", days_ago=10)
    ProjectFactory(hospital=HospitalFactory(owner=alice))
    follow_up(ProjectFactory(hospital=HospitalFactory(owner=carol)), days_ago=10)
    response = as_user(alice).get(reverse("home"))
    assert (response.context["n_overdue"], response.context["n_open_projects"]) == (1, 2)
    assert "联络逾期的项目" in response.content.decode()


def test_a_project_falls_behind_when_the_days_pass_with_no_write(as_user, alice, director, clock):
    """Lateness is as of today: kept by the writers during a day, built again for the next
    (by the scheduled job, or the day's first reader) with nothing written in between."""
    from pipeline.models import PipelineSettings
    from pipeline.tests.factories import ProjectFactory, follow_up

    clock("2027-03-01 09:00")  # a Monday
    days = PipelineSettings.current().cadence_b_days
    project = ProjectFactory(hospital=HospitalFactory(owner=alice), class_override="B")
    for kind in ("business", "relationship"):
        follow_up(project, kind=kind, days_ago=days)  # due today, late tomorrow
    for user in (alice, director):
        assert as_user(user).get(reverse("home")).context["n_overdue"] == 0
    follow_up(project, kind="business", days_ago=0)  # a write during the day: kept
    clock("2027-03-02 09:00")
    summaries.build_the_day.call("2027-03-02T00:01:00+08:00")
    for user in (alice, director):
        context = as_user(user).get(reverse("home")).context
        assert context["n_overdue"] == 1  # relationship contact a day past due
        assert context["in_cadence"] == {"business": 1.0, "relationship": 0.0}
    clock("2027-03-03 09:00")  # no job this time: the day's first reader builds it
    follow_up(project, kind="relationship", days_ago=0)  # a write before anyone reads
    assert as_user(director).get(reverse("home")).context["n_overdue"] == 0


def test_the_director_sees_proposals_waiting_for_approval(as_user, alice, director):
    from pipeline.tests.factories import ProjectFactory
    from proposals import services as proposal_services
    from proposals.tests.factories import make_proposal

    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    proposal_services.submit(proposal=make_proposal(project), by=alice)
    make_proposal(project)  # a draft: not the director's business yet
    assert as_user(director).get(reverse("home")).context["n_pending_proposals"] == 1
    assert "有 1 份建议书等待您审批" in as_user(director).get(reverse("home")).content.decode()
    assert as_user(alice).get(reverse("home")).context["n_pending_proposals"] == 0
