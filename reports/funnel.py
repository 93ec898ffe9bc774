"""销售管道图: the open pipeline by stage, and how projects moved through the stages."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    Sum,
)
from django.db.models.functions import TruncDate

from accounts.models import User
from hospitals.models import Hospital
from o2crm import summaries
from pipeline.counts import owner_of_project
from pipeline.domain import weighted
from pipeline.models import (
    Project,
    Stage,
    StageChange,
)

from .scope import Scope, cells, money, scoped


def owners_of_projects(hospital: Hospital) -> list[int]:
    """Whose projects count a hospital's province: its projects' owners."""
    return list(Project.objects.filter(hospital_id=hospital.pk).values_list("owner_id", flat=True))


# The open pipeline by stage: how many and their value, per owner, province and stage. The
# weighted value is read as value × the stage's probability now, so reweighting a stage
# changes no summary.
OPEN = summaries.register(
    summaries.Summary(
        topic="pipeline-open",
        rows=lambda: Project.objects.open(),
        province="hospital__province",
        key="stage_id",
        measures={"n": Count("*"), "a": Sum("contract_value")},
        sources={Project: None, Hospital: owners_of_projects},
    )
)


def open_by_stage(user: User, scope: Scope) -> dict[int, tuple[int, Decimal]]:
    """Stage id → (open projects, their value) in the scope, from the summary."""
    return {
        int(row["key"]): (row["n"], row["a"] or Decimal(0))
        for row in summaries.totals(cells(OPEN.topic, user, scope), "key")
    }


def every_owner_of_projects(_stage: Stage) -> list[int]:
    """A stage changed (moved in the order: which moves are moves on; reweighted: a month's
    weighted value): every owner with a project may see their cells move."""
    return list(Project.objects.order_by().values_list("owner_id", flat=True).distinct())


# How projects moved through the stages, per owner, province, day and stage: the entries into
# a stage on the day they were made, and the moves on (to a later stage) on the day the stage
# they leave was entered. A period's distinct projects are these cells' sum less the repeats
# of the few projects that entered a stage more than once (`again`), counted from their rows.
_CHANGE_SOURCES = {StageChange: owner_of_project, Project: None, Hospital: owners_of_projects}
ENTRIES = summaries.register(
    summaries.Summary(
        topic="stage-entries",
        rows=lambda: StageChange.objects.all(),
        day=TruncDate("changed_at"),
        key="to_stage_id",
        owner="project__owner_id",
        province="project__hospital__province",
        measures={"n": Count("*")},
        sources=_CHANGE_SOURCES,
    )
)
MOVES_ON = summaries.register(
    summaries.Summary(
        topic="stage-moves-on",
        rows=lambda: StageChange.objects.filter(
            from_stage__isnull=False,
            entered_at__isnull=False,
            to_stage__order__gt=F("from_stage__order"),
        ),
        day=TruncDate("entered_at"),
        key="from_stage_id",
        owner="project__owner_id",
        province="project__hospital__province",
        measures={"n": Count("*")},
        # a reorder of the stages changes which moves are moves on
        sources={**_CHANGE_SOURCES, Stage: every_owner_of_projects},
    )
)


def conversion(user: User, scope: Scope) -> tuple[dict[int, int], dict[int, int]]:
    """Stage id → how many projects entered it in the period, and → how many of those moved
    on to a later stage in the period, after entering: a cohort, so a rate never passes
    100 %. From the summaries; the rows are read only for the projects that entered a stage
    twice (to count them once) and for moves on after the period of a stage entered in it."""
    days = {"day__gte": scope.start, "day__lte": scope.end}

    def summed(topic: str) -> dict[int, int]:
        rows = summaries.totals(cells(topic, user, scope).filter(**days), "key")
        return {int(r["key"]): r["n"] for r in rows}

    entered, moved_on = summed(ENTRIES.topic), summed(MOVES_ON.topic)
    # the changes' own visibility, not "project in (visible projects)" (a semi-join of every
    # project for those who see everything)
    changes = scoped(StageChange.objects.visible_to(user), scope, "project__").order_by()
    since, until = scope.since, scope.until
    # a stage entered in the period and left for a later one after it: not in the period
    for stage, n in (
        changes.filter(entered_at__gte=since, entered_at__lt=until, changed_at__gte=until)
        .filter(to_stage__order__gt=F("from_stage__order"))
        .values("from_stage")
        .annotate(n=Count("*"))
        .values_list("from_stage", "n")
    ):
        moved_on[stage] = moved_on.get(stage, 0) - n
    # a project that entered a stage again in the period is counted once, from its rows
    again = set(
        changes.filter(again=True, changed_at__gte=since, changed_at__lt=until).values_list(
            "project_id", "to_stage_id"
        )
    )
    if again:
        entries: Counter[tuple[int, int]] = Counter()
        moves: Counter[tuple[int, int]] = Counter()
        for project, left, to, entered_at, left_order, to_order in StageChange.objects.filter(
            project_id__in={p for p, _ in again}, changed_at__gte=since, changed_at__lt=until
        ).values_list(
            "project_id",
            "from_stage_id",
            "to_stage_id",
            "entered_at",
            "from_stage__order",
            "to_stage__order",
        ):
            entries[project, to] += 1
            if left is not None and entered_at and entered_at >= since and to_order > left_order:
                moves[project, left] += 1
        for project, stage in again:
            entered[stage] -= max(entries[project, stage] - 1, 0)
            moved_on[stage] = moved_on.get(stage, 0) - max(moves[project, stage] - 1, 0)
    return entered, moved_on


# 销售管道图 -------------------------------------------------------------------------------


def funnel(user: User, scope: Scope, with_conversion: bool = True) -> dict:
    """Open projects by stage now (count, value, weighted value) and, over the period, how
    many entered each stage and how many of those moved on to a later stage (left out with
    with_conversion=False, for the 工作台's picture)."""
    stages = list(Stage.objects.filter(is_active=True).order_by("order"))
    open_rows = open_by_stage(user, scope)
    entered, moved_on = conversion(user, scope) if with_conversion else ({}, {})
    rows = []
    for s in stages:
        count, value = open_rows.get(s.pk, (0, Decimal(0)))
        value = money(value)
        n_entered = entered.get(s.pk, 0)
        n_moved = moved_on.get(s.pk, 0)
        rows.append(
            {
                "stage": s.code,
                "name": s.name,
                "probability": s.probability,
                "count": count,
                "value": value,
                "weighted": money(weighted(value, s.probability)),
                "entered": n_entered,
                "moved_on": n_moved,
                "conversion": round(n_moved / n_entered, 4) if n_entered else None,
            }
        )
    return {
        "scope": scope.as_dict(),
        "stages": rows,
        "total": {
            "count": sum(r["count"] for r in rows),
            "value": sum((r["value"] for r in rows), Decimal(0)),
            "weighted": sum((r["weighted"] for r in rows), Decimal(0)),
        },
    }
