"""Every change to relationship plans, actions and the compliance ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.forms import BaseModelFormSet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from hospitals import standing
from hospitals.models import Contact, StandingCause
from o2crm.records import save_record
from pipeline import services as pipeline_services
from pipeline.models import ContactKind, FollowUp, Project
from reminders.models import Kind
from reminders.notify import notify
from visits.models import Task, TaskLevel

from . import domain
from .models import (
    ActionStatus,
    EntryStatus,
    LedgerEntry,
    LedgerKind,
    PlanTarget,
    RelationshipAction,
    RelationshipPlan,
)

# Plans ---------------------------------------------------------------------------------------


def plan_of(project: Project, *, by: User) -> RelationshipPlan:
    """The project's plan, made empty the first time someone opens it to write."""
    plan, _created = RelationshipPlan.objects.get_or_create(
        project=project, defaults={"created_by": by}
    )
    return plan


def save_plan(*, plan: RelationshipPlan, by: User, expected_version: int | None) -> None:
    save_record(record=plan, by=by, expected_version=expected_version)


@transaction.atomic
def save_target(*, target: PlanTarget, by: User, expected_version: int | None = None) -> PlanTarget:
    """Add or change one person of the plan; the person must be of the project's hospital."""
    plan = target.plan
    if target.contact.hospital_id != plan.project.hospital_id:
        raise ValidationError({"contact": _("此人不属于该项目的医院。")})
    if PlanTarget.objects.filter(plan=plan, contact=target.contact).exclude(pk=target.pk).exists():
        raise ValidationError({"contact": _("此人已在计划中。")})
    return save_record(record=target, by=by, expected_version=expected_version)


@transaction.atomic
def remove_target(*, target: PlanTarget, by: User) -> None:
    """Take a person out of the plan, with their actions; their open tasks go too."""
    task_ids = [a.task_id for a in target.actions.all() if a.task_id]
    Task.objects.filter(pk__in=task_ids, done=False).delete()
    target.delete()


# Actions -------------------------------------------------------------------------------------


@transaction.atomic
def save_action(
    *,
    action: RelationshipAction,
    by: User,
    colleagues: Iterable[User] | None = None,
    expected_version: int | None = None,
) -> RelationshipAction:
    """Plan (or re-plan) an action; one coming due soon becomes its owner's task at once."""
    if action.pk is None:
        action.created_by = by
    save_record(record=action, by=by, expected_version=expected_version)
    if colleagues is not None:
        action.colleagues.set(list(colleagues))
    if action.task_id:
        Task.objects.filter(pk=action.task_id, done=False).update(
            owner=action.owner, due_date=action.planned_on, title=_task_title(action)
        )
    make_due_tasks(timezone.localdate(), actions=[action.pk])
    return action


def _task_title(action: RelationshipAction) -> str:
    contact = action.target.contact
    return f"{action.get_kind_display()}：{contact.title} {contact.name}".strip()[:200] + (
        f"（{action.title}）"[:60] if action.title else ""
    )


@transaction.atomic
def make_due_tasks(today: date, actions: list[int] | None = None) -> int:
    """Every planned action due within ACTION_LEAD_DAYS that has no task yet becomes a task of
    its owner, on the action's date (the nightly job, and at once when one is planned)."""
    due = RelationshipAction.objects.filter(
        status=ActionStatus.PLANNED,
        task__isnull=True,
        planned_on__lte=today + timedelta(days=domain.ACTION_LEAD_DAYS),
    ).select_related("target__contact", "target__plan__project")
    if actions is not None:
        due = due.filter(pk__in=actions)
    made = 0
    for action in due.select_for_update(of=("self",)):
        project = action.target.plan.project
        task = Task.objects.create(
            owner=action.owner,
            hospital_id=project.hospital_id,
            project=project,
            title=_task_title(action),
            level=TaskLevel.RELATIONSHIP,
            channel=domain.ACTION_CHANNEL.get(action.kind, "other"),
            due_date=action.planned_on,
        )
        RelationshipAction.objects.filter(pk=action.pk).update(task=task)
        action.task = task
        made += 1
    return made


@transaction.atomic
def record_action(
    *,
    action: RelationshipAction,
    done_on: date,
    outcome: str,
    by: User,
    colleagues: Iterable[User] | None = None,
    moves: Iterable[standing.Move] = (),
    expected_version: int | None = None,
) -> RelationshipAction:
    """The action happened: keep what came of it, close its task, and move the person's
    standing with the action as cause."""
    if action.status == ActionStatus.CANCELLED:
        raise ValidationError({"status": _("这项行动已取消，不能记录。")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天。")})
    first_record = action.status == ActionStatus.PLANNED
    action.status, action.done_on, action.outcome = ActionStatus.DONE, done_on, outcome
    save_record(record=action, by=by, expected_version=expected_version)
    if colleagues is not None:
        action.colleagues.set(list(colleagues))
    project = action.target.plan.project
    standing.apply(
        moves,
        hospital_id=project.hospital_id,
        on=done_on,
        by=by,
        kind=StandingCause.ACTION,
        cause=action,
    )
    if first_record:
        # a relationship contact of the project (its cadence clock), with the person met
        if action.task_id is not None:
            Task.objects.filter(pk=action.task_id, done=False).update(
                done=True, done_at=timezone.now()
            )
        pipeline_services.log_follow_up(
            follow_up=FollowUp(
                project=project,
                date=done_on,
                channel=domain.ACTION_CHANNEL.get(action.kind, "other"),
                kind=ContactKind.RELATIONSHIP,
                summary=f"{action.label}{_('：')}{outcome}" if outcome else action.label,
            ),
            contacts=[action.target.contact],
            by=by,
            colleagues=action.colleagues.all(),
        )
    return action


@transaction.atomic
def cancel_action(*, action: RelationshipAction, by: User) -> RelationshipAction:
    if action.status != ActionStatus.PLANNED:
        raise ValidationError({"status": _("只能取消计划中的行动。")})
    action.status = ActionStatus.CANCELLED
    save_record(record=action, by=by)
    if action.task_id:
        Task.objects.filter(pk=action.task_id, done=False).delete()
    return action


# The compliance ledger -----------------------------------------------------------------------


def limits_of(kind: LedgerKind) -> domain.Limits:
    return domain.Limits(kind.name, kind.per_person_limit, kind.yearly_limit, kind.forbidden)


def year_before(
    kind: LedgerKind, contacts: list[Contact], day: date, exclude: int | None
) -> dict[str, Decimal]:
    """Each person's total of this kind in the entry's calendar year, before it (approved or
    waiting; a rejected entry does not count). One query."""
    totals = {c.name: Decimal(0) for c in contacts}
    rows = (
        LedgerEntry.objects.filter(
            kind=kind,
            contacts__in=[c.pk for c in contacts],
            date__year=day.year,
            status__in=[EntryStatus.APPROVED, EntryStatus.PENDING],
        )
        .exclude(pk=exclude)
        .values_list("contacts__name")
        .annotate(total=Sum("per_person"))
    )
    for name, total in rows:
        totals[name] = total or Decimal(0)
    return totals


@transaction.atomic
def record_entry(
    *,
    entry: LedgerEntry,
    contacts: list[Contact],
    colleagues: Iterable[User] = (),
    by: User,
    expected_version: int | None = None,
) -> LedgerEntry:
    """Keep an expense: a forbidden kind is refused; one over a limit needs a written reason
    and waits for the director's approval before it counts; within policy it is approved."""
    if not contacts:
        raise ValidationError({"contacts": _("请至少选择一位对方人员。")})
    wrong = [c.name for c in contacts if c.hospital_id != entry.hospital_id]
    if wrong:
        raise ValidationError(
            {"contacts": _("这些人不属于该医院：%(names)s。") % {"names": "、".join(wrong)}}
        )
    if entry.date and entry.date > timezone.localdate():
        raise ValidationError({"date": _("日期不能晚于今天：台账登记已发生的费用。")})
    if entry.pk and entry.status != EntryStatus.PENDING:
        raise ValidationError({"status": _("已审批的台账不能修改；如有错误，请登记一条更正。")})
    # the people's rows locked: two entries for one person at once cannot both slip under the
    # yearly limit
    list(Contact.objects.select_for_update().filter(pk__in=[c.pk for c in contacts]))
    limits = limits_of(entry.kind)
    refused = domain.refusal(limits)
    if refused:
        raise ValidationError({"kind": refused}, code="forbidden")
    entry.per_person = domain.per_person(entry.amount, len(contacts))
    over = domain.breaches(
        limits, entry.per_person, year_before(entry.kind, contacts, entry.date, entry.pk)
    )
    if over and not entry.reason.strip():
        raise ValidationError(
            {
                "reason": _("超出限额，请写明理由（将提交总监审批）：%(over)s。")
                % {"over": "；".join(over)}
            },
            code="over_limit",
        )
    entry.over_limit = "\n".join(over)
    entry.status = EntryStatus.PENDING if over else EntryStatus.APPROVED
    if entry.pk is None:
        entry.created_by = by
    save_record(record=entry, by=by, expected_version=expected_version)
    entry.contacts.set(contacts)
    entry.colleagues.set(list(colleagues))
    if over:
        _tell_directors(entry, by, over)
    return entry


def _params(entry: LedgerEntry) -> dict[str, str]:
    return {
        "expense": entry.kind.name,
        "amount": domain.money(entry.amount),
        "hospital": entry.hospital.name,
    }


def _tell_directors(entry: LedgerEntry, by: User, over: list[str]) -> None:
    directors = User.objects.filter(role=Role.DIRECTOR, is_active=True)
    url = entry.get_absolute_url()
    key = f"ledger:{entry.pk}:v{entry.version}"

    def send() -> None:
        for director in directors:
            notify(
                recipient=director, kind=Kind.LEDGER_PENDING, key=key, url=url,
                by=str(by), over="；".join(over), **_params(entry),
            )  # fmt: skip

    transaction.on_commit(send)


@transaction.atomic
def decide(*, entry: LedgerEntry, approve: bool, note: str, by: User) -> LedgerEntry:
    """The director approves or rejects an entry over a limit (a rejection says why)."""
    if not by.has_perm("relations.approve_ledgerentry"):
        raise PermissionDenied
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != EntryStatus.PENDING:
        raise ValidationError({"status": _("这条台账已经审批过了。")})
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("驳回时请写明原因。")})
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    entry.decided_by, entry.decided_at, entry.decision_note = by, timezone.now(), note.strip()
    save_record(record=entry, by=by)
    kind = Kind.LEDGER_APPROVED if approve else Kind.LEDGER_REJECTED
    recorder, url, params = entry.created_by, entry.get_absolute_url(), _params(entry)

    def send() -> None:
        notify(
            recipient=recorder, kind=kind, key=f"ledger-decided:{entry.pk}", url=url,
            by=str(by), comment=entry.decision_note, **params,
        )  # fmt: skip

    transaction.on_commit(send)
    return entry


def task_done(task: Task) -> None:
    """A relationship task ticked off in the task list: its action is done that day (the
    task's follow-up was logged by visits; recording the outcome later logs none again)."""
    RelationshipAction.objects.filter(task=task, status=ActionStatus.PLANNED).update(
        status=ActionStatus.DONE, done_on=timezone.localdate(), version=F("version") + 1
    )


@transaction.atomic
def save_policy(formset: BaseModelFormSet[LedgerKind]) -> None:
    """The admin's 合规政策: the kinds and their limits, all at once."""
    formset.save()
