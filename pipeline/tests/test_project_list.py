"""The project list: filters, sorting and paging."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline.models import Project

from .factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = reverse("pipeline:project-list")


def test_the_list_filters_by_class_and_status(as_user, alice, hospital):
    ProjectFactory(hospital=hospital, name="近期")
    ProjectFactory(
        hospital=hospital,
        name="远期",
        planned_purchase_date=timezone.localdate() + timedelta(days=400),
    )
    won = ProjectFactory(hospital=hospital, name="已赢")
    won.status = "won"
    won.save()
    client = as_user(alice)

    def names(**params):
        return sorted(p.name for p in client.get(LIST, params).context["page"].object_list)

    assert names() == ["近期", "远期"]  # open by default
    assert names(project_class="A", status="open") == ["近期"]
    assert names(project_class="B", status="open") == ["远期"]
    assert names(status="") == ["已赢", "近期", "远期"]
    assert names(status="won") == ["已赢"]


def test_the_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    ProjectFactory(hospital=hospital)
    few = queries_for(lambda: client.get(LIST))
    for _ in range(30):
        ProjectFactory(hospital=hospital)
    with django_assert_max_num_queries(12):
        many = queries_for(lambda: client.get(LIST))
    assert few == many


def test_pages_sorted_by_stage_hold_every_project_once(as_user, alice):
    # the projects share a stage and an update time: the list breaks the tie by id, so the
    # back page (read from the end in reverse) mirrors the front one exactly
    hospital = HospitalFactory(owner=alice)
    made = [ProjectFactory(hospital=hospital) for _ in range(30)]
    Project.objects.update(updated_at=timezone.now())
    client = as_user(alice)
    pages = [
        [p.pk for p in client.get(LIST, {"sort": "stage", "status": "", "page": n}).context["page"]]
        for n in (1, 2)
    ]
    assert (len(pages[0]), len(pages[1])) == (25, 5)
    assert sorted(pages[0] + pages[1]) == sorted(p.pk for p in made)
