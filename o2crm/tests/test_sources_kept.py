"""来源与切入分析 reads the projects of any period from summaries kept by the writers, by the
day each project was created (decision 0029): for every role, scope and period its figures
must be those of the period's projects counted one by one, through the writes that move them
(new projects on later days, closes and reopenings, value edits, handovers, deletions,
province moves, an executive joining a contact)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from o2crm.tests.test_summaries import PROVINCES, random_write
from pipeline import services
from pipeline.models import FollowUp, Project, Stage, Status
from reports import sources
from reports.scope import Scope, money, projects

pytestmark = pytest.mark.django_db


def _expected(user, scope: Scope, group) -> dict:
    """The figures of the projects created in the period that `user` may see, grouped by
    `group(project)`, counted project by project in Python."""
    qs = projects(user, scope).filter(created_at__gte=scope.since, created_at__lt=scope.until)
    groups: dict = defaultdict(list)
    for project in qs:
        groups[group(project)].append(project)
    out = {}
    for key, mine in groups.items():
        won = [p for p in mine if p.status == Status.WON]
        lost = [p for p in mine if p.status in (Status.LOST, Status.ABANDONED)]
        valued = [p.contract_value for p in mine if p.contract_value is not None]
        took = sum(round((p.closed_at - p.created_at).total_seconds()) for p in won)
        out[key] = {
            "projects": len(mine),
            "won": len(won),
            "lost": len(lost),
            "win_rate": round(len(won) / (len(won) + len(lost)), 4) if won or lost else None,
            "average_value": money(sum(valued) / len(valued)) if valued else None,
            "won_value": money(sum((p.contract_value or 0 for p in won), Decimal(0))),
            "days_to_win": round(took / len(won) / 86400, 1) if won and took else None,
        }
    return out


def _read(rows: list[dict]) -> dict:
    return {r["key"]: {k: v for k, v in r.items() if k not in ("key", "label")} for r in rows}


def _assert_equal(users, scopes, when: str) -> None:
    assert summaries.check([sources.OUTCOMES.topic, sources.CLOSES.topic]) == [], when
    for user in users:
        for scope in scopes:
            data = sources.sources(user, scope)
            by = {
                "by_source": lambda p: p.source,
                "by_entry_path": lambda p: p.entry_path,
                "by_executive": lambda p: f"{p.entry_path}:{int(bool(p.executive_joined_on))}",
            }
            for name, group in by.items():
                expected = _expected(user, scope, group)
                assert _read(data[name]) == expected, (when, user.username, scope, name)
            promoted = _expected(user, scope, lambda p: p.source_event or None)
            promoted.pop(None, None)
            # by event: the promotion's projects alone (an event is only asked of them)
            assert set(_read(data["by_event"])) == set(promoted), (when, user.username, scope)


@pytest.mark.parametrize("seed", [3, 6])
def test_any_period_from_the_kept_days_equals_its_projects(
    seed, alice, bob, carol, leader, director, clock
):
    rng = random.Random(seed)
    people_ = [alice, bob, carol, leader]
    users = [director, leader, alice, carol]
    stages = list(Stage.objects.filter(is_active=True))
    clock("2027-02-24 09:00")  # a week of writes that crosses 1 March
    hospitals = [
        HospitalFactory(owner=rng.choice(people_), province=rng.choice(PROVINCES)) for _ in range(6)
    ]
    done = []
    for i in range(48):
        if i % 6 == 5:  # an executive joins a contact: 高层参与 from then on
            project = Project.objects.order_by("?").first()
            if project is not None:
                item = FollowUp(
                    project=project, date=timezone.localdate(), channel="dinner",
                    kind="relationship", summary="总监与院长晚餐",
                )  # fmt: skip
                services.log_follow_up(
                    follow_up=item, contacts=[], by=project.owner, colleagues=[director]
                )
                done.append("executive")
        else:
            done.append(random_write(rng, people_, hospitals, stages, clock))
        today = timezone.localdate()
        scopes = [
            Scope(start=today - timedelta(days=365), end=today),  # the page's own year
            Scope(start=today - timedelta(days=2), end=today - timedelta(days=1)),  # two days
            Scope(start=today, end=today, team=alice.team_id),
            Scope(start=today - timedelta(days=30), end=today, owner=carol.pk),
            Scope(start=today - timedelta(days=30), end=today, province="浙江省"),
        ]
        _assert_equal(users, scopes, f"{done}")
    assert {"new", "close", "handover", "next day", "executive"} <= set(done)
