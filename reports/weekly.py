"""《业务进展汇总表》: one manager's ISO week, built from what they recorded (stage changes,
follow-ups, visits), or read back from the frozen copy once they submitted it. Both give the
same dict, which the page, the JSON and the workbook print unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import BigIntegerField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from o2crm.dates import midnight, week_end
from pipeline.models import (
    Channel,
    ContactKind,
    FollowUp,
    PipelineSettings,
    Project,
    Stage,
    StageChange,
    Status,
)
from visits.models import Visit, VisitStatus

from .models import WeeklySummary, iso_week

PROGRESS_CHARS = 600  # a week's progress text per project, as a form cell holds it


def stage_at(moment: datetime, field: str = "to_stage"):
    """The project's stage just before `moment`, from its stage changes (None before it
    existed)."""
    changes = StageChange.objects.filter(project=OuterRef("pk"), changed_at__lt=moment)
    return Subquery(changes.order_by("-changed_at", "-pk").values(field)[:1])


def _stages() -> dict[int, Stage]:
    return {s.pk: s for s in Stage.objects.all()}


def build(owner: User, monday: date) -> dict:
    """The week as the records tell it now."""
    lines, visits = records(owner, monday)
    return shape(owner, monday, lines, visits)


def records(owner: User, monday: date) -> tuple[list[dict], list[dict]]:
    """The week's project lines (stage ids, dates) and recorded visits, from the records."""
    sunday = week_end(monday)
    since, until = midnight(monday), midnight(sunday + timedelta(days=1))
    today = timezone.localdate()
    as_of = min(today, sunday)
    next_steps = (
        FollowUp.objects.filter(project=OuterRef("pk"), date__lte=sunday)
        .exclude(next_step="")
        .order_by("-date", "-pk")
    )
    projects = list(
        Project.objects.filter(owner=owner, created_at__lt=until)
        .filter(Q(status=Status.OPEN) | Q(closed_at__gte=since))
        .with_cadence(PipelineSettings.current(), as_of)
        .annotate(
            at_start=stage_at(since),
            at_end=Coalesce(stage_at(until), F("stage"), output_field=BigIntegerField()),
            next_text=Subquery(next_steps.values("next_step")[:1]),
            next_on=Subquery(next_steps.values("next_step_date")[:1]),
        )
        .select_related("hospital")
    )
    ids = [p.pk for p in projects]
    notes: dict[int, list[str]] = {}
    counts: dict[int, dict[str, int]] = {}
    channels = dict(Channel.choices)
    kinds = {ContactKind.BUSINESS: "business", ContactKind.RELATIONSHIP: "relationship"}
    for pid, day, kind, channel, summary in (
        FollowUp.objects.filter(project_id__in=ids, date__gte=monday, date__lte=sunday)
        .order_by("date", "pk")
        .values_list("project_id", "date", "kind", "channel", "summary")
    ):
        tally = counts.setdefault(pid, {"business": 0, "relationship": 0})
        tally[kinds.get(kind, "business")] += 1
        notes.setdefault(pid, []).append(f"{day:%m-%d} {channels.get(channel, channel)}：{summary}")
    lines = []
    for p in projects:
        closed_now = p.status != Status.OPEN and p.closed_at and p.closed_at < until
        tally = counts.get(p.pk, {"business": 0, "relationship": 0})
        overdue = p.status == Status.OPEN and (
            p.business_due_on < as_of or p.relationship_due_on < as_of
        )
        lines.append(
            {
                "project": p.pk,
                "name": p.name,
                "hospital": p.hospital.name,
                "stage_start": p.at_start,
                "stage_end": p.at_end,
                "status": p.status if closed_now else Status.OPEN,
                "new": p.created_at >= since,
                "business": tally["business"],
                "relationship": tally["relationship"],
                "progress": "\n".join(notes.get(p.pk, []))[:PROGRESS_CHARS],
                "next_step": p.next_text or "",
                "next_step_date": p.next_on,
                "overdue": bool(overdue),
            }
        )
    visits = [
        {"date": day, "hospital": hospital, "project": project, "outcome": outcome}
        for day, hospital, project, outcome in Visit.objects.filter(
            owner=owner, status=VisitStatus.RECORDED, visited_on__gte=monday, visited_on__lte=sunday
        )
        .order_by("visited_on", "pk")
        .values_list("visited_on", "hospital__name", "project__name", "outcome")
    ]
    return lines, visits


def shape(owner: User, monday: date, lines: list[dict], visits: list[dict]) -> dict:
    """Names, highlights, order and totals: the same for a live and a frozen week."""
    stages = _stages()
    statuses = dict(Status.choices)
    rows = []
    for line in lines:
        start, end = stages.get(line["stage_start"]), stages[line["stage_end"]]
        moved = start is not None and start.pk != end.pk
        rows.append(
            {
                **line,
                "stage_start": start.name if start else None,
                "stage_end": end.name,
                "stage_order": end.order,
                "status_label": str(statuses.get(line["status"], line["status"])),
                "moved": moved,
                "next_step_date": _iso(line["next_step_date"]),
            }
        )
    # what changed this week first, then by how far along, then by hospital
    rows.sort(
        key=lambda r: (
            not (r["moved"] or r["new"] or r["status"] != Status.OPEN),
            not (r["business"] or r["relationship"]),
            -r["stage_order"],
            r["hospital"],
        )
    )
    for r in rows:
        del r["stage_order"]
    return {
        "user": owner.username,
        "name": str(owner),
        "team": owner.team.name if owner.team_id else "",
        "week": iso_week(monday),
        "start": monday.isoformat(),
        "end": (monday + timedelta(days=6)).isoformat(),
        "totals": {
            "projects": len(rows),
            "moved": sum(r["moved"] for r in rows),
            "new_projects": sum(r["new"] for r in rows),
            "won": sum(r["status"] == Status.WON for r in rows),
            "lost": sum(r["status"] in (Status.LOST, Status.ABANDONED) for r in rows),
            "business": sum(r["business"] for r in rows),
            "relationship": sum(r["relationship"] for r in rows),
            "visits": len(visits),
            "overdue": sum(r["overdue"] for r in rows),
        },
        "projects": rows,
        "visits": [{**v, "date": _iso(v["date"]), "project": v["project"] or ""} for v in visits],
    }


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def frozen(summary: WeeklySummary) -> dict:
    """A submitted week, read back from its lines: what the manager submitted, unchanged."""
    lines = [
        {
            "project": line.project_id,
            "name": line.project_name,
            "hospital": line.hospital_name,
            "stage_start": line.stage_start_id,
            "stage_end": line.stage_end_id,
            "status": line.status,
            "new": line.is_new,
            "business": line.business,
            "relationship": line.relationship,
            "progress": line.progress,
            "next_step": line.next_step,
            "next_step_date": line.next_step_date,
            "overdue": line.overdue,
        }
        for line in summary.lines.order_by("pk")
    ]
    return shape(summary.owner, summary.week_start, lines, summary.totals.get("visits", []))


def report(owner: User, monday: date) -> dict:
    """The week for the page and the API: frozen once submitted, live before."""
    summary = WeeklySummary.objects.filter(owner=owner, week_start=monday).first()
    submitted = summary if summary and summary.is_submitted else None
    data = frozen(submitted) if submitted else build(owner, monday)
    data.update(
        {
            "submitted": submitted is not None,
            "submitted_at": submitted.submitted_at.isoformat() if submitted else None,
            "submitted_by": str(submitted.submitted_by)
            if submitted and submitted.submitted_by
            else None,
            "remark": summary.remark if summary else "",
            "version": summary.version if summary else None,
        }
    )
    return data


# Who has submitted ------------------------------------------------------------------------------

OVERVIEW_PAGE = 50  # managers a page, on the page and in the API


def managers_visible_to(user: User):
    """The sales managers whose weeks `user` may read: themselves, their team, or everyone."""
    qs = User.objects.filter(is_active=True, role=Role.MANAGER)
    if not user.sees_all:
        qs = qs.filter(pk__in=sorted(user.overseen_user_ids))
    return qs


def overview(user: User, monday: date, team: int | None = None) -> dict:
    """Per team: managers, submitted, missing; and the managers (of `team`, or all those
    visible) with their week's status. Two queries whatever the number of managers."""
    people = managers_visible_to(user)
    submitted = WeeklySummary.objects.filter(
        owner=OuterRef("pk"), week_start=monday, submitted_at__isnull=False
    )
    teams = list(
        people.order_by()
        .values("team", "team__name")
        .annotate(
            managers=Count("pk", distinct=True),
            submitted=Count(
                "pk",
                distinct=True,
                filter=Q(
                    weekly_summaries__week_start=monday,
                    weekly_summaries__submitted_at__isnull=False,
                ),
            ),
        )
        .order_by("team__name")
    )
    for t in teams:
        t["missing"] = t["managers"] - t["submitted"]
        t["name"] = t.pop("team__name") or "—"
    if team:
        people = people.filter(team_id=team)
    return {
        "week": iso_week(monday),
        "start": monday.isoformat(),
        "end": (monday + timedelta(days=6)).isoformat(),
        "teams": teams,
        "managers": people.annotate(submitted_at=Subquery(submitted.values("submitted_at")[:1]))
        .select_related("team")
        .order_by("team__name", "username"),
        "total": {
            "managers": sum(t["managers"] for t in teams),
            "submitted": sum(t["submitted"] for t in teams),
            "missing": sum(t["missing"] for t in teams),
        },
    }
