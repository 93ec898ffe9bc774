"""Planning, recording and following up visits; completing tasks; knowledge coverage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals import standing
from hospitals.models import Contact, Hospital, StandingCause
from o2crm.records import save_record
from pipeline import services as pipeline_services
from pipeline.models import FollowUp, Project, ProjectCompetitor

from . import domain
from .models import ChecklistItem, OxygenSurvey, Task, Visit, VisitObjective, VisitStatus


def _check_contacts(hospital_id: int, contacts: Iterable[Contact], field: str) -> None:
    wrong = [c.name for c in contacts if c.hospital_id != hospital_id]
    if wrong:
        raise ValidationError(
            {field: _("这些人不属于该医院：%(names)s。") % {"names": "、".join(wrong)}},
            code="contact_other_hospital",
        )


@transaction.atomic
def plan_visit(
    *, visit: Visit, contacts: list[Contact], objectives: Iterable[VisitObjective], by: User
) -> Visit:
    if visit.project is not None and visit.project.hospital_id != visit.hospital_id:
        raise ValidationError({"project": _("项目必须属于同一家医院。")})
    _check_contacts(visit.hospital_id, contacts, "contacts")
    save_record(record=visit, by=by)
    visit.contacts.set(contacts)
    visit.objectives.set(objectives)
    return visit


def proposed_tasks(visit: Visit, visited_on: date) -> list[Task]:
    """The seed's after-visit follow-ups, unsaved, for the user to keep, move or drop."""
    return [
        Task(
            owner=visit.owner,
            hospital_id=visit.hospital_id,
            project_id=visit.project_id,
            visit=visit,
            title=_(title),
            level=level,
            channel=channel,
            due_date=domain.proposed_due(visited_on, days),
        )
        for _key, level, title, days, channel in domain.PROPOSED_TASKS
    ]


@transaction.atomic
def record_visit(
    *,
    visit: Visit,
    met: list[Contact],
    tasks: list[Task],
    by: User,
    expected_version: int | None = None,
    colleagues: Iterable[User] | None = None,
    moves: Iterable[standing.Move] = (),
) -> Visit:
    """Keep what the visit found, count it as a business contact of the project, move the
    hospital's last-visited date and save the follow-up tasks the user kept. `colleagues`: our
    people who went along (None keeps them); `moves`: the changes of standing the visit brought,
    kept with the visit as their cause."""
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError({"status": _("这次拜访已取消，不能记录。")})
    visit.visited_on = visit.visited_on or timezone.localdate()
    if visit.visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("拜访日期不能晚于今天。")})
    _check_contacts(visit.hospital_id, met, "met")
    first_record = visit.status != VisitStatus.RECORDED
    visit.status = VisitStatus.RECORDED
    save_record(record=visit, by=by, expected_version=expected_version)
    visit.met.set(met)
    if colleagues is not None:
        visit.colleagues.set(list(colleagues))
    standing.apply(
        moves,
        hospital_id=visit.hospital_id,
        on=visit.visited_on,
        by=by,
        kind=StandingCause.VISIT,
        cause=visit,
    )
    Hospital.objects.filter(pk=visit.hospital_id).exclude(
        last_visited_on__gte=visit.visited_on
    ).update(last_visited_on=visit.visited_on)
    if visit.project_id and first_record:
        summary = visit.outcome or visit.background or _("拜访")
        pipeline_services.log_follow_up(
            follow_up=FollowUp(
                project=visit.project,
                date=visit.visited_on,
                channel="visit",
                kind="business",
                summary=summary,
                next_step=visit.next_step,
                next_step_date=visit.next_step_date,
            ),
            contacts=met,
            by=by,
            colleagues=visit.colleagues.all(),
        )
    for task in tasks:
        task.full_clean(exclude=["visit", "project"])
        task.save()
    return visit


@transaction.atomic
def tick_checklist(*, visit: Visit, item_id: int, done: bool, by: User) -> Visit:
    """Tick one item of the preparation checklist (拜访检测) on or off, as it is made: the row
    is locked and read afresh, so ticks made at once on two phones both stay."""
    current: Visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not ChecklistItem.objects.filter(pk=item_id, is_active=True).exists():
        raise ValidationError({"item": _("没有这一项。")}, code="unknown_item")
    ticked = set(current.checklist or [])
    if done:
        ticked.add(item_id)
    else:
        ticked.discard(item_id)
    current.checklist = sorted(ticked)
    save_record(record=current, by=by)
    return current


@transaction.atomic
def set_checklist(*, visit: Visit, item_ids: Iterable[int], by: User) -> Visit:
    """The whole checklist as a form without scripts sends it."""
    active = set(ChecklistItem.objects.filter(is_active=True).values_list("pk", flat=True))
    visit.checklist = sorted(i for i in set(item_ids) if i in active)
    save_record(record=visit, by=by)
    return visit


@transaction.atomic
def complete_task(*, task: Task, by: User) -> Task:
    """Tick a task off; a relationship task done on a project counts as a relationship
    contact, so it resets that cadence clock."""
    if task.done:
        return task
    task.done = True
    task.done_at = timezone.now()
    task.save(update_fields=["done", "done_at"])
    if task.level == "relationship" and task.project_id:
        pipeline_services.log_follow_up(
            follow_up=FollowUp(
                project=task.project,
                date=timezone.localdate(),
                channel=task.channel or "other",
                kind="relationship",
                summary=task.title,
            ),
            contacts=[],
            by=by,
        )
    return task


def reopen_task(*, task: Task, by: User) -> Task:
    """A task marked done by mistake is open again (the contact it counted stays logged)."""
    Task.objects.filter(pk=task.pk).update(done=False, done_at=None)
    task.refresh_from_db()
    return task


def coverage(project: Project, *, viewer: User) -> tuple[int, list[tuple[VisitObjective, bool]]]:
    """Share of the active visit objectives already answered for this project, and the list,
    as `viewer` may know them."""
    return coverages([project], viewer=viewer)[project.pk]


def coverage_percents(projects: list[Project], viewer: User) -> dict[int, int]:
    """Each project's coverage as a percent (what the pipeline's API shows)."""
    return {pk: percent for pk, (percent, _items) in coverages(projects, viewer=viewer).items()}


def coverages(
    projects: list[Project], *, viewer: User
) -> dict[int, tuple[int, list[tuple[VisitObjective, bool]]]]:
    """Coverage of many projects in a fixed handful of queries, whatever their number.

    Counted from what `viewer` may see: a contact's personal needs answer "needs" only for
    those who may read personal details (the hospital's owner and those above them), so that
    what a viewer may not see never changes a figure they do see."""
    if not projects:
        return {}
    ids = [p.pk for p in projects]
    hospital_ids = {p.hospital_id for p in projects}
    sees_personal = {
        pk: viewer.oversees(owner, team)
        for pk, owner, team in Hospital.objects.filter(pk__in=hospital_ids).values_list(
            "pk", "owner_id", "owner__team_id"
        )
    }
    # what any survey of the hospital has recorded counts as known
    surveyed: dict[int, dict[str, bool]] = {}
    for sv in OxygenSurvey.objects.filter(hospital_id__in=hospital_ids):
        known = surveyed.setdefault(sv.hospital_id, {})
        for key, value in {
            "motive": bool(sv.motive or sv.interest != "unknown"),
            "capacity": None not in (sv.beds, sv.icu_beds, sv.operating_rooms),
            "growth": sv.annual_growth is not None,
            "current_source": sv.consumption_value is not None and sv.price_value is not None,
            "finance": bool(sv.budget or sv.funding_source),
            "procurement": bool(sv.decision_process),
        }.items():
            known[key] = known.get(key, False) or value
    people: dict[int, list[Contact]] = {pk: [] for pk in ids}
    for link in Project.contacts.through.objects.filter(project_id__in=ids).select_related(
        "contact"
    ):
        people[link.project_id].append(link.contact)
    learned: dict[int, set[str]] = {pk: set() for pk in ids}
    agreed: set[int] = set()
    for project_id, notes, appointment, next_date in Visit.objects.filter(
        project_id__in=ids, status=VisitStatus.RECORDED
    ).values_list("project_id", "learned", "appointment", "next_step_date"):
        learned[project_id] |= {c for c, text in (notes or {}).items() if (text or "").strip()}
        if appointment or next_date:
            agreed.add(project_id)
    agreed |= set(
        FollowUp.objects.filter(project_id__in=ids, next_step_date__gte=timezone.localdate())
        .values_list("project_id", flat=True)
        .distinct()
    )
    with_competitors = set(
        ProjectCompetitor.objects.filter(project_id__in=ids)
        .values_list("project_id", flat=True)
        .distinct()
    )
    objectives = list(VisitObjective.objects.filter(is_active=True))
    codes = [o.code for o in objectives]
    out = {}
    for p in projects:
        facts = domain.Facts(
            **surveyed.get(p.hospital_id, {}),
            psa_view=p.pk in with_competitors,
            decision_makers=any("approve" in c.roles for c in people[p.pk]),
            agent_closeness=p.informant_closeness is not None,
            needs=any(
                c.org_needs or (sees_personal[p.hospital_id] and c.personal_needs)
                for c in people[p.pk]
            ),
            next_step=p.pk in agreed,
        )
        answered = domain.answered(facts, learned[p.pk])
        out[p.pk] = (
            domain.coverage_percent(answered, codes),
            [(o, o.code in answered) for o in objectives],
        )
    return out
