"""The summaries behind the national pages equal the rows they summarise (decision 0029):
after random sequences of the writes that touch them, for every role that reads them, and
through `manage.py check_summaries`."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.utils import timezone

from accounts.models import Team
from hospitals.models import Contact, Hospital
from hospitals.tests.factories import ContactFactory, HospitalFactory
from o2crm import summaries
from o2crm.models import Tally
from o2crm.records import save_record
from people import services as people
from pipeline import services
from pipeline.models import PipelineSettings, Project, Stage, StageChange, Status
from pipeline.tests.factories import ProjectFactory, evaluate, follow_up
from reports import funnel
from reports.scope import Scope

pytestmark = pytest.mark.django_db

PROVINCES = ["浙江省", "江苏省", "福建省"]


def random_write(rng: random.Random, people_: list, hospitals: list, stages: list, clock) -> str:
    """One random write of the kinds that move the summaries (or a day passing, which moves
    the ones as of today); returns what it did."""
    projects = list(Project.objects.order_by("pk"))
    what = rng.choice(
        ["new", "new", "stage", "stage", "close", "reopen", "edit", "late follow-up", "class",
         "handover", "delete project", "hospital", "contact", "delete hospital", "team",
         "cadence", "next day", "reorder stages"]
    )  # fmt: skip
    if what == "next day":
        clock(timezone.localtime() + timedelta(days=1))
        return what
    if what == "reorder stages":  # an admin swaps two stages: which moves are moves on
        first, second = rng.sample(stages, 2)
        orders = first.order, second.order
        first.order = 999
        first.save(update_fields=["order"])
        second.order = orders[0]
        second.save(update_fields=["order"])
        first.order = orders[1]
        first.save(update_fields=["order"])
        return what
    if what == "cadence":
        settings = PipelineSettings.current()
        settings.cadence_a_days = rng.randint(3, 10)
        settings.class_a_window_months = rng.randint(1, 6)
        services.change_settings(settings=settings)
        return what
    if what == "new" or not projects:
        hospital = rng.choice(hospitals)
        hospital.refresh_from_db()
        if hospital.owner is None:
            return "skip"
        ProjectFactory(
            hospital=hospital,
            contract_value=rng.choice([0, 500_000, 1_200_000, 3_000_000]),
            planned_purchase_date=timezone.localdate() + timedelta(days=rng.randint(-90, 400)),
            committed=rng.random() < 0.3,
        )
        return "new"
    project = rng.choice(projects)
    if what == "stage" and project.is_open:
        target = rng.choice(stages)
        if not project.evaluations.exists():
            evaluate(project)
        project.refresh_from_db()
        services.move_stage(project=project, stage=target, by=project.owner)  # back or forth
    elif what == "close" and project.is_open:
        status = rng.choice([Status.WON, Status.LOST])
        services.close_project(project=project, status=status, reason="价格", by=project.owner)
    elif what == "reopen" and not project.is_open:
        services.reopen_project(project=project, by=project.owner)
    elif what == "edit":
        project.contract_value = Decimal(rng.randint(1, 40) * 100_000)
        project.planned_purchase_date = timezone.localdate() + timedelta(days=rng.randint(-60, 500))
        project.committed = not project.committed
        services.save_project(project=project, by=project.owner)
    elif what == "late follow-up":
        follow_up(
            project, days_ago=rng.randint(1, 60), kind=rng.choice(["business", "relationship"])
        )
    elif what == "class":
        project.class_override = rng.choice(["", "A", "B"])
        services.save_project(project=project, by=project.owner)
    elif what == "handover":
        giver = project.owner
        heir = rng.choice([p for p in people_ if p.pk != giver.pk])
        mine = Hospital.objects.filter(owner=giver)
        if not mine.exists():
            return "skip"
        people.hand_over(
            from_user=giver, to_user=heir, hospitals=mine, by=people_[0], everything=True
        )
    elif what == "delete project":
        project.delete()
    elif what == "hospital":
        hospital = rng.choice(hospitals)
        hospital.refresh_from_db()
        hospital.province = rng.choice(PROVINCES)
        hospital.status = rng.choice(["operating", "new", "relocating"])
        save_record(record=hospital, by=people_[0])
    elif what == "contact":
        hospital = rng.choice(hospitals)
        if rng.random() < 0.5 or not Contact.objects.exists():
            ContactFactory(hospital=hospital)
        else:
            Contact.objects.order_by("?").first().delete()
    elif what == "delete hospital" and len(hospitals) > 4:
        free = [h for h in hospitals if not Project.objects.filter(hospital=h).exists()]
        if not free:
            return "skip"
        gone = rng.choice(free)  # its contacts go with it
        hospitals.remove(gone)
        gone.delete()
    elif what == "team":
        person = rng.choice(people_)
        person.refresh_from_db()
        person.team = rng.choice(list(Team.objects.all()))
        person.save(update_fields=["team"])
    else:
        return "skip"
    return what


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_random_writes_leave_every_summary_equal_to_its_rows(
    seed, alice, bob, carol, leader, clock
):
    rng = random.Random(seed)
    people_ = [alice, bob, carol, leader]
    hospitals = [
        HospitalFactory(owner=rng.choice(people_), province=rng.choice(PROVINCES)) for _ in range(8)
    ]
    stages = list(Stage.objects.filter(is_active=True))
    done = []
    for _ in range(60):
        done.append(random_write(rng, people_, hospitals, stages, clock))
        assert summaries.check() == [], f"after {done}"
    assert Tally.objects.filter(level=Tally.EVERYONE).exists()
    assert {"new", "stage", "handover", "late follow-up", "next day"} <= set(done)


def _live_open(user, scope: Scope) -> dict[int, tuple[int, Decimal]]:
    rows = (
        Project.objects.visible_to(user)
        .open()
        .order_by()
        .values("stage")
        .annotate(n=Count("*"), value=Sum("contract_value"))
    )
    if scope.province:
        rows = rows.filter(hospital__province=scope.province)
    if scope.team:
        rows = rows.filter(owner__team_id=scope.team)
    return {r["stage"]: (r["n"], r["value"]) for r in rows}


def test_each_role_reads_the_cells_it_may_see(alice, bob, carol, leader, director):
    for owner, value in ((alice, 1_000_000), (bob, 2_000_000), (carol, 4_000_000)):
        ProjectFactory(
            hospital=HospitalFactory(owner=owner, province="浙江省"), contract_value=value
        )
    ProjectFactory(
        hospital=HospitalFactory(owner=carol, province="江苏省"), contract_value=8_000_000
    )
    today = timezone.localdate()
    for user in (alice, bob, carol, leader, director):
        for scope in (
            Scope(start=today, end=today),
            Scope(start=today, end=today, province="浙江省"),
            Scope(start=today, end=today, team=alice.team_id),
        ):
            assert funnel.open_by_stage(user, scope) == _live_open(user, scope), (user, scope)
    # a manager reads their own cells only; the director everyone's, a few national cells
    assert funnel.open_by_stage(alice, Scope(start=today, end=today)) == {
        Stage.objects.get(code="lead").pk: (1, Decimal("1000000.00"))
    }
    national = summaries.cells(funnel.OPEN.topic, director)
    assert set(national.values_list("level", flat=True)) == {Tally.EVERYONE}


def test_check_summaries_finds_a_wrong_cell_and_repairs_it(alice):
    ProjectFactory(hospital=HospitalFactory(owner=alice), contract_value=1_000_000)
    out = io.StringIO()
    call_command("check_summaries", stdout=out)
    assert "summaries equal their rows" in out.getvalue()
    cell = Tally.objects.filter(
        topic=funnel.OPEN.topic, level=Tally.EVERYONE, province=summaries.ALL_PROVINCES
    ).get()
    Tally.objects.filter(pk=cell.pk).update(n=5)
    with pytest.raises(CommandError, match="1 summary cells differ"):
        call_command("check_summaries", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_summaries", "--repair", stdout=out)
    assert "rebuilt pipeline-open" in out.getvalue()
    assert summaries.check() == []


def test_a_deletion_counts_off_the_row_as_stored_not_as_the_instance_in_hand(alice, bob):
    """A hospital handed over (an UPDATE) and then deleted through an instance loaded
    before: its cells leave its owner in the database, bob, not alice."""
    hospital = HospitalFactory(owner=alice, province="浙江省")
    in_hand = Hospital.objects.get(pk=hospital.pk)
    people.hand_over(
        from_user=alice, to_user=bob, hospitals=Hospital.objects.filter(pk=hospital.pk), by=alice
    )
    in_hand.delete()
    assert summaries.check() == []


def _live_conversion(user, scope: Scope) -> tuple[dict[int, int], dict[int, int]]:
    """The 销售管道图's conversion counted from the rows, as it was before its summaries:
    distinct projects entering a stage in the period, and of them those that left it for a
    later stage in the period after entering."""
    changes = StageChange.objects.visible_to(user).filter(
        changed_at__gte=scope.since, changed_at__lt=scope.until
    )
    if scope.province:
        changes = changes.filter(project__hospital__province=scope.province)
    if scope.team:
        changes = changes.filter(project__owner__team_id=scope.team)
    if scope.owner:
        changes = changes.filter(project__owner_id=scope.owner)
    entered = dict(
        changes.order_by().values("to_stage").annotate(n=Count("project", distinct=True))
        .values_list("to_stage", "n")
    )  # fmt: skip
    entries = changes.filter(
        project=OuterRef("project"),
        to_stage=OuterRef("from_stage"),
        changed_at__lte=OuterRef("changed_at"),
    )
    moved_on = dict(
        changes.filter(from_stage__isnull=False, to_stage__order__gt=F("from_stage__order"))
        .filter(Exists(entries)).order_by().values("from_stage")
        .annotate(n=Count("project", distinct=True)).values_list("from_stage", "n")
    )  # fmt: skip
    return entered, moved_on


def _nonzero(counts: dict[int, int]) -> dict[int, int]:
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize("seed", [2, 5])
def test_conversion_from_the_summaries_equals_the_rows_after_moves_back_and_forth(
    seed, alice, bob, carol, leader, director, clock
):
    """Stages entered again, moves on after the period, handovers, reorders, deletions: for
    every role and periods that cut through the moves, the counts equal the rows'."""
    clock("2027-02-26 09:00")  # across a month's end, a Sunday and a Monday
    first_day = timezone.localdate()
    rng = random.Random(seed)
    people_ = [alice, bob, carol, leader]
    hospitals = [
        HospitalFactory(owner=rng.choice(people_), province=rng.choice(PROVINCES)) for _ in range(6)
    ]
    stages = list(Stage.objects.filter(is_active=True))
    done = []
    for _ in range(70):
        kind = rng.choice(["stage", "stage", "stage", "next day", "any"])
        if kind == "stage" and Project.objects.filter(status=Status.OPEN).exists():
            project = Project.objects.filter(status=Status.OPEN).order_by("?").first()
            if not project.evaluations.exists():
                evaluate(project)
            project.refresh_from_db()
            target = rng.choice([s for s in stages if s.pk != project.stage_id])
            services.move_stage(project=project, stage=target, by=project.owner)
            done.append("stage")
        elif kind == "next day":
            clock(timezone.localtime() + timedelta(days=1))
            done.append(kind)
        else:
            done.append(random_write(rng, people_, hospitals, stages, clock))
    assert summaries.check() == [], done
    assert StageChange.objects.filter(again=True).exists()  # the hard case happened
    today = timezone.localdate()
    middle = first_day + (today - first_day) // 2
    periods = [
        (first_day, today),
        (first_day, middle),  # moves on after the period, of stages entered in it
        (middle, today),
        (middle, middle),
        (first_day - timedelta(days=30), first_day - timedelta(days=1)),
    ]
    for user in (director, leader, alice, carol):
        for start, end in periods:
            for narrow in ({}, {"province": "浙江省"}, {"team": alice.team_id}, {"owner": bob.pk}):
                scope = Scope(start=start, end=end, **narrow)
                live = tuple(_nonzero(c) for c in _live_conversion(user, scope))
                kept = tuple(_nonzero(c) for c in funnel.conversion(user, scope))
                assert kept == live, (user, scope)
