"""The monthly report's subtotals of this month and the last are read from summaries kept by
the writers (decision 0029); they must equal the subtotals grouped from the rows, as every
other month is, for every role and filter, through the writes that move them and across a
month's end."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from o2crm.dates import midnight
from o2crm.records import save_record
from o2crm.tests.test_summaries import PROVINCES, random_write
from pipeline import domain
from pipeline.models import Project, Stage
from pipeline.tests.factories import ProjectFactory
from reports import monthly
from reports.monthly import MonthScope

pytestmark = pytest.mark.django_db


def _live(user, scope: MonthScope) -> dict[int, tuple]:
    """The subtotals grouped from the rows: the route of every older month."""
    rows = monthly.month_projects(user, scope).order_by().values("owner")
    return {
        r["owner"]: (r["n"], r["a"] or 0, r["b"] or 0, r["c"] or 0)
        for r in rows.annotate(**monthly.MEASURES)
    }


def _kept(user, scope: MonthScope) -> dict[int, tuple]:
    return {
        owner: (r["n"], r["a"] or 0, r["b"] or 0, r["c"] or 0)
        for owner, r in monthly._by_owner(user, scope).items()
    }


def _same(a: dict, b: dict) -> bool:
    def exact(d):
        return {k: tuple(Decimal(v) for v in values) for k, values in d.items()}

    return exact(a) == exact(b)


def _scopes(month, alice, carol) -> list[MonthScope]:
    return [
        MonthScope(month),
        MonthScope(month, team=alice.team_id),
        MonthScope(month, owner=carol.pk),
        MonthScope(month, province="浙江省"),
        MonthScope(month, team=alice.team_id, province="江苏省"),
    ]


def _assert_equal(users, alice, carol, when: str) -> None:
    this_month = timezone.localdate().replace(day=1)
    for month in (this_month, domain.add_months(this_month, -1)):
        for user in users:
            for scope in _scopes(month, alice, carol):
                kept, live = _kept(user, scope), _live(user, scope)
                assert _same(kept, live), (user.username, scope, kept, live, when)
    assert summaries.check([monthly.THIS_MONTH.topic, monthly.LAST_MONTH.topic]) == [], when


def _write(rng: random.Random, people_: list, hospitals: list, stages: list, clock) -> str:
    """One of the summaries' random writes (o2crm/tests/test_summaries.py: new projects,
    stage moves back and forth, value edits, closes, reopenings, handovers, deletions,
    province and team moves, days passing), or a stage reweighted."""
    if rng.random() < 0.1:
        stage = rng.choice(stages)
        stage.probability = rng.choice([10, 25, 40, 60, 80])
        stage.save(update_fields=["probability"])
        return "reweight"
    return random_write(rng, people_, hospitals, stages, clock)


@pytest.mark.parametrize("seed", [3, 6])
def test_this_and_last_months_subtotals_equal_the_rows_through_writes_and_a_months_end(
    seed, alice, bob, carol, leader, director, clock
):
    rng = random.Random(seed)
    people_ = [alice, bob, carol, leader]
    users = [director, leader, alice, carol]
    stages = list(Stage.objects.filter(is_active=True))
    clock("2027-01-12 09:00")  # projects made in January, worked on in February
    hospitals = [
        HospitalFactory(owner=rng.choice(people_), province=rng.choice(PROVINCES)) for _ in range(6)
    ]
    done = [_write(rng, people_, hospitals, stages, clock) for _ in range(12)]
    clock("2027-02-20 10:00")
    _assert_equal(users, alice, carol, "february, before any write")
    for _ in range(25):
        done.append(_write(rng, people_, hospitals, stages, clock))
        _assert_equal(users, alice, carol, f"february: {done}")
    clock("2027-03-01 08:30")  # a new month: February is the last, January no longer kept
    _assert_equal(users, alice, carol, "1 march, before any write")
    for _ in range(25):
        done.append(_write(rng, people_, hospitals, stages, clock))
        _assert_equal(users, alice, carol, f"march: {done}")
    assert {"stage", "edit", "handover", "close", "hospital", "reweight"} <= set(done)
    # a hospital of projects counted in both months moves to another province
    project = ProjectFactory(hospital=hospitals[0])
    older = Project.objects.filter(created_at__lt=midnight(timezone.localdate().replace(day=1)))
    older = older.first()
    for hospital in {project.hospital, older.hospital if older else project.hospital}:
        hospital.refresh_from_db()
        hospital.province = next(p for p in PROVINCES if p != hospital.province)
        save_record(record=hospital, by=alice)
        _assert_equal(users, alice, carol, f"{hospital} to {hospital.province}")
    # the report itself: the page's total is the month's rows, read from the kept cells
    scope = MonthScope(domain.add_months(timezone.localdate().replace(day=1), -1))
    data = monthly.monthly(director, scope, page=None)
    assert data["total"]["count"] == sum(1 for _ in data["projects"])
    assert data["total"]["count"] == monthly.month_projects(director, scope).count()
