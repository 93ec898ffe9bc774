"""销售管道图: the open pipeline by stage, and how projects moved through the stages."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Sum,
)

from accounts.models import User
from hospitals.models import Hospital
from o2crm import summaries
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


# 销售管道图 -------------------------------------------------------------------------------


def funnel(user: User, scope: Scope, conversion: bool = True) -> dict:
    """Open projects by stage now (count, value, weighted value) and, over the period, how
    many entered each stage and how many of those moved on to a later stage (left out with
    conversion=False, for the 工作台's picture)."""
    stages = list(Stage.objects.filter(is_active=True).order_by("order"))
    open_rows = open_by_stage(user, scope)
    # the changes' own visibility, not "project in (visible projects)": for those who see
    # everything that semi-join of every project was half of five years' conversion
    changes = scoped(StageChange.objects.visible_to(user), scope, "project__").filter(
        changed_at__gte=scope.since, changed_at__lt=scope.until
    )
    if not conversion:
        changes = changes.none()
    entered = dict(
        changes.order_by()
        .values("to_stage")
        .annotate(n=Count("project", distinct=True))
        .values_list("to_stage", "n")
    )
    # of the projects that entered a stage in the period, how many left it for a later one
    # (in the period, after entering): a cohort, so a rate never passes 100 %
    entries = changes.filter(
        project=OuterRef("project"),
        to_stage=OuterRef("from_stage"),
        changed_at__lte=OuterRef("changed_at"),
    )
    moved_on = dict(
        changes.filter(from_stage__isnull=False, to_stage__order__gt=F("from_stage__order"))
        .filter(Exists(entries))
        .order_by()
        .values("from_stage")
        .annotate(n=Count("project", distinct=True))
        .values_list("from_stage", "n")
    )
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
