"""What the plan page, the project's panel and the evaluation show of a project's
relationships, read in a fixed number of queries whatever the size of the buying centre."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from hospitals import standing
from hospitals.models import Attitude, Contact, Layer
from pipeline.models import Project

from . import charts, domain
from .models import ActionStatus, PlanTarget, RelationshipAction, RelationshipPlan

KEY_LAYERS = {Layer.DECISION}
PERIODS = {"90": 90, "180": 180, "365": 365}


@dataclass
class Row:
    """One key person: now, target (if planned), path and gap."""

    contact: Contact
    target: PlanTarget | None
    spark: charts.Spark
    changes: list[standing.Point]
    gap: str | None = None
    suggestion: tuple[str, str, str] | None = None
    actions: list[RelationshipAction] = field(default_factory=list)


@dataclass
class Picture:
    project: Project
    plan: RelationshipPlan | None
    rows: list[Row]
    gaps: list[str]
    then: date
    today: date
    map_then: charts.BubbleMap
    map_now: charts.BubbleMap
    recent: list[tuple[Contact, standing.Point, str]]

    @property
    def suggestions(self) -> list[Row]:
        return [r for r in self.rows if r.suggestion and r.target is None]


def plan_of(project: Project) -> RelationshipPlan | None:
    return RelationshipPlan.objects.filter(project=project).first()


def picture(project: Project, today: date, days: int = 90, with_actions: bool = True) -> Picture:
    plan = plan_of(project)
    targets: list[PlanTarget] = []
    if plan is not None:
        qs = PlanTarget.objects.filter(plan=plan).select_related("contact", "owner")
        actions = RelationshipAction.objects.order_by("planned_on", "pk")
        if with_actions:  # the plan page lists them; the panels need their dates only
            actions = actions.select_related("owner").prefetch_related("colleagues")
        else:
            actions = actions.only("target_id", "planned_on", "status")
        targets = list(qs.prefetch_related(Prefetch("actions", queryset=actions)))
    by_contact = {t.contact_id: t for t in targets}
    # the buying centre as the page already loaded it (pipeline's project and evaluation
    # pages set `buying_centre`), else read here
    loaded = getattr(project, "buying_centre", None)
    centre = loaded if loaded is not None else project.contacts.all()
    people = {c.pk: c for c in centre if c.is_active}
    for t in targets:
        people.setdefault(t.contact_id, t.contact)
    ordered = sorted(
        people.values(),
        key=lambda c: ([v for v, _l in Layer.choices].index(c.layer), -c.influence, c.pinyin),
    )
    paths = standing.paths(ordered)
    then = today - timedelta(days=days)
    rows, gaps = [], []
    for c in ordered:
        t = by_contact.get(c.pk)
        if t is None and c.layer not in KEY_LAYERS and "approve" not in (c.roles or []):
            continue
        row = Row(
            contact=c,
            target=t,
            spark=charts.spark(c, paths[c.pk], then, today, t.target_closeness if t else None),
            changes=[p for p in paths[c.pk] if p.cause],
        )
        if t is not None:
            row.actions = list(t.actions.all())
            upcoming = [
                a.planned_on
                for a in row.actions
                if a.status == ActionStatus.PLANNED and a.planned_on >= today
            ]
            row.gap = domain.gap(
                domain.TargetState(
                    c.name,
                    c.title,
                    c.closeness,
                    c.attitude,
                    t.target_closeness,
                    t.target_attitude,
                    t.target_date,
                    min(upcoming) if upcoming else None,
                ),  # fmt: skip
                today,
            )
        else:
            row.suggestion = domain.suggestion(
                domain.Person(
                    c.name, c.title, c.layer, c.closeness, c.attitude, tuple(c.roles or ())
                ),
                project.entry_path,
            )
            if c.layer in KEY_LAYERS:
                row.gap = f"{c.title} {c.name}".strip() + "：" + _("决策层，尚无关系计划")
        if row.gap:
            gaps.append(row.gap)
        rows.append(row)
    labels = dict(Attitude.choices)
    recent = sorted(
        (
            (people[pk], p, labels.get(p.attitude, p.attitude))
            for pk, path in paths.items()
            for p in path
            if p.cause and p.on > then
        ),
        key=lambda row: row[1].on,
        reverse=True,
    )
    return Picture(
        project=project,
        plan=plan,
        rows=rows,
        gaps=gaps,
        then=then,
        today=today,
        map_then=charts.bubble_map([(c, standing.as_of(c, paths[c.pk], then)) for c in ordered]),
        map_now=charts.bubble_map([(c, standing.snapshot(c)) for c in ordered]),
        recent=recent[:8],
    )
