"""The clocks kept contact by contact (services.log_follow_up) and the clocks derived in bulk
(the scale generator) are one rule: the same follow-ups give the same gaps and dates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline import contact_clocks
from pipeline.models import FollowUp, PipelineSettings, Project

from .factories import ProjectFactory, follow_up

pytestmark = pytest.mark.django_db

CLOCKS = Project.CLOCKS  # the fields the contact clocks keep


@pytest.fixture
def projects(alice):
    hospital = HospitalFactory(owner=alice)
    created = timezone.now() - timedelta(days=120)
    made = [ProjectFactory(hospital=hospital) for _ in range(2)]
    Project.objects.filter(pk__in=[p.pk for p in made]).update(created_at=created)
    return [Project.objects.get(pk=p.pk) for p in made]


def test_bulk_gaps_equal_the_gaps_kept_contact_by_contact(projects):
    first, second = projects
    # logged out of order, some late between two others, both kinds
    for project, kind, days_ago in [
        (first, "business", 10),
        (first, "business", 60),
        (first, "business", 35),
        (first, "relationship", 50),
        (second, "business", 5),
        (second, "relationship", 90),
        (second, "relationship", 20),
        (first, "business", 35),
    ]:
        follow_up(project, kind=kind, days_ago=days_ago)
    rows = list(
        FollowUp.objects.order_by("pk").values_list("project_id", "kind", "date", "gap_days")
    )
    started = {p.pk: timezone.localdate(p.created_at) for p in projects}
    bulk = contact_clocks.gaps_in_order([(p, k, d) for p, k, d, _gap in rows], started)
    assert bulk == [gap for *_key, gap in rows]


def test_bulk_project_clocks_equal_the_clocks_kept_contact_by_contact(projects):
    for days_ago in (70, 40, 33, 3):
        follow_up(projects[0], days_ago=days_ago)
    follow_up(projects[0], kind="relationship", days_ago=45)
    follow_up(projects[1], kind="relationship", days_ago=12)
    kept = list(Project.objects.order_by("pk").values_list(*CLOCKS))
    Project.objects.update(**dict.fromkeys(CLOCKS))
    contact_clocks.set_project_clocks(Project.objects.all(), PipelineSettings.current())
    assert list(Project.objects.order_by("pk").values_list(*CLOCKS)) == kept
    assert kept[0][0] == timezone.localdate() - timedelta(days=3)
