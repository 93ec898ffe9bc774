"""Every change to a project: create, edit, move stage, close, log a follow-up, evaluate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ROLES_ABOVE_ALL, User
from hospitals import standing
from hospitals.models import Contact, StandingCause
from o2crm import summaries
from o2crm.dates import midnight, week_start
from o2crm.records import save_record

from . import contact_clocks, domain, stage_history
from .models import (
    ContactKind,
    Decision,
    Evaluation,
    EvaluationQuestion,
    FollowUp,
    ForecastSnapshot,
    ForecastSnapshotRow,
    PipelineSettings,
    Project,
    ProjectCompetitor,
    Stage,
    StageChange,
    Status,
    planned_month,
    value_times_probability,
)


@transaction.atomic
def create_project(*, project: Project, by: User, contacts: list[Contact] | None = None) -> Project:
    """Save a new project at its first stage (or the one given) and record that stage."""
    ensure_forecast_snapshot()
    if project.stage_id is None:
        project.stage = Stage.objects.filter(is_active=True).order_by("order").first()
    check_stage_allowed(project=project, stage=project.stage)
    save_record(record=project, by=by)
    if contacts is None:
        contacts = [c for c in (project.entry_contact, project.informant) if c]
    project.contacts.set(contacts)
    _record_move(project=project, previous=None, by=by)
    return project


@transaction.atomic
@transaction.atomic
def save_project(
    *,
    project: Project,
    by: User,
    expected_version: int | None = None,
    contacts: list[Contact] | None = None,
) -> Project:
    """Save an edited project (its planned date, value or commit may move the forecast) and,
    when given, its buying centre's people."""
    ensure_forecast_snapshot()
    save_record(record=project, by=by, expected_version=expected_version)
    if contacts is not None:
        project.contacts.set(contacts)
    return project


@transaction.atomic
def add_competitor(*, competitor: ProjectCompetitor, by: User) -> ProjectCompetitor:
    """A competitor at the project's hospital, with how close they are to the customer."""
    competitor.full_clean()
    competitor.save()
    return competitor


def remove_competitor(*, project: Project, row_id: int, by: User) -> None:
    ProjectCompetitor.objects.filter(project=project, pk=row_id).delete()


def latest_evaluation(project: Project) -> Evaluation | None:
    return project.evaluations.order_by("-created_at", "-pk").first()


def check_stage_allowed(*, project: Project, stage: Stage) -> None:
    """The rule of process step 1.2: past 意向评估 only with an evaluation that says 推进."""
    gated = Stage.objects.filter(requires_pursue=True, order__lte=stage.order).exists()
    if not gated:
        return
    latest = latest_evaluation(project) if project.pk else None
    if latest is None or latest.decision != Decision.PURSUE:
        message = _(
            "不能进入“%(stage)s”：项目需先有一次结论为“推进”的意向评估"
            "（规则：意向评估之后的阶段需评估结论为推进）。"
        ) % {"stage": stage.name}
        raise ValidationError({"stage": ValidationError(message, code="evaluation_required")})


@transaction.atomic
def move_stage(
    *, project: Project, stage: Stage, by: User, expected_version: int | None = None
) -> Project:
    if not project.is_open:
        raise ValidationError(
            {
                "stage": _("项目已关闭（%(status)s），不能再调整阶段。")
                % {"status": project.get_status_display()}
            },
            code="project_closed",
        )
    if stage.pk == project.stage_id:
        return project
    check_stage_allowed(project=project, stage=stage)
    ensure_forecast_snapshot()
    previous = project.stage
    project.stage = stage
    save_record(record=project, by=by, expected_version=expected_version)
    _record_move(project=project, previous=previous, by=by)
    return project


def _record_move(*, project: Project, previous: Stage | None, by: User) -> None:
    """The stage history's new line, stamped with what the lines before it tell."""
    change = StageChange(
        project=project, from_stage=previous, to_stage=project.stage, changed_by=by
    )
    stage_history.stamp(change)
    change.save()


@transaction.atomic
def close_project(
    *, project: Project, status: str, reason: str, by: User, expected_version: int | None = None
) -> Project:
    """Close as won, lost or abandoned; lost and abandoned need the reason why."""
    if status not in (Status.WON, Status.LOST, Status.ABANDONED):
        raise ValidationError({"status": _("请选择赢单、丢单或放弃。")}, code="bad_status")
    reason = (reason or "").strip()
    if status in (Status.LOST, Status.ABANDONED) and not reason:
        raise ValidationError(
            {"close_reason": _("丢单或放弃时必须填写原因。")}, code="reason_required"
        )
    ensure_forecast_snapshot()
    project.status = status
    project.close_reason = reason
    project.closed_at = timezone.now()
    return save_record(record=project, by=by, expected_version=expected_version)


@transaction.atomic
def reopen_project(*, project: Project, by: User) -> Project:
    ensure_forecast_snapshot()
    project.status = Status.OPEN
    project.closed_at = None
    return save_record(record=project, by=by)


@transaction.atomic
def change_settings(*, settings: PipelineSettings) -> PipelineSettings:
    """Save the pipeline rules; new cadences re-derive every project's late-contact dates."""
    cadences = ("cadence_a_days", "cadence_b_days")
    before = PipelineSettings.objects.filter(pk=settings.pk).values_list(*cadences).first()
    settings.full_clean()
    settings.save()
    if before != (settings.cadence_a_days, settings.cadence_b_days):
        contact_clocks.cadences_changed(settings)
    summaries.outdated()  # the classes (the A window) and the cadences count as of today
    return settings


@transaction.atomic
def log_follow_up(
    *,
    follow_up: FollowUp,
    contacts: list[Contact],
    by: User,
    colleagues: Iterable[User] = (),
    moves: Iterable[standing.Move] = (),
) -> FollowUp:
    """Record a contact and move the project's matching cadence clock forward (never back:
    logging an older contact late does not hide a newer one). `colleagues` are our people who
    took part; `moves` the changes of closeness or attitude it brought, kept with it as cause."""
    if follow_up.date > timezone.localdate():
        raise ValidationError({"date": _("跟进日期不能晚于今天。")}, code="future_date")
    wrong = [c.name for c in contacts if c.hospital_id != follow_up.project.hospital_id]
    if wrong:
        raise ValidationError(
            {"contacts": _("这些人不属于该项目的医院：%(names)s。") % {"names": "、".join(wrong)}},
            code="contact_other_hospital",
        )
    follow_up.created_by = by
    follow_up.gap_days = contact_clocks.gap_before(follow_up)
    follow_up.full_clean(exclude=["contacts"])
    follow_up.save()
    follow_up.contacts.set(contacts)
    colleagues = list(colleagues)
    follow_up.colleagues.set(colleagues)
    if any(u.role in ROLES_ABOVE_ALL for u in colleagues):
        Project.objects.filter(pk=follow_up.project_id).filter(
            Q(executive_joined_on=None) | Q(executive_joined_on__gt=follow_up.date)
        ).update(executive_joined_on=follow_up.date)
    standing.apply(
        moves,
        hospital_id=follow_up.project.hospital_id,
        on=follow_up.date,
        by=by,
        kind=StandingCause.FOLLOW_UP,
        cause=follow_up,
    )
    contact_clocks.contact_logged(follow_up)
    field = contact_clocks.LAST_CONTACT[ContactKind(follow_up.kind)]
    follow_up.project.refresh_from_db(fields=[field])
    return follow_up


@transaction.atomic
def evaluate(
    *,
    project: Project,
    answers: dict[int, tuple[str, str]],
    risks: dict[str, tuple[str, str]],
    decision: str,
    reason: str,
    by: User,
) -> Evaluation:
    """Keep a new evaluation with the questions as they are now and the scores they give."""
    questions = list(EvaluationQuestion.objects.filter(is_active=True))
    missing = [q.text for q in questions if q.pk not in answers]
    if missing:
        raise ValidationError(
            {"answers": _("还有问题未回答：%(q)s") % {"q": "；".join(missing)}}, code="unanswered"
        )
    if decision not in Decision.values:
        raise ValidationError(
            {"decision": _("请选择结论：推进、观察或放弃。")}, code="bad_decision"
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明结论的理由。")}, code="reason_required")
    scores = domain.evaluation_scores(
        [domain.Answer(q.group, q.weight, answers[q.pk][0]) for q in questions],
        {k: level for k, (level, _note) in risks.items()},
    )
    evaluation = Evaluation(
        project=project,
        answers=[
            {
                "question": q.pk,
                "group": q.group,
                "text": q.text,
                "weight": q.weight,
                "answer": answers[q.pk][0],
                "note": answers[q.pk][1],
            }
            for q in questions
        ],
        risks={k: {"level": level, "note": note} for k, (level, note) in risks.items()},
        scores=scores.groups,
        overall=scores.overall,
        decision=decision,
        reason=reason.strip(),
        created_by=by,
    )
    evaluation.save()
    return evaluation


# 成单预测周快照 -------------------------------------------------------------------------------

SNAPSHOT_MONTHS = 12


def ensure_forecast_snapshot(day: date | None = None) -> ForecastSnapshot | None:
    """Take this week's forecast snapshot if it is not there yet. Called before every write
    that can move the forecast, so the snapshot holds the pipeline as the week began."""
    monday = week_start(day or timezone.localdate())
    if ForecastSnapshot.objects.filter(week_start=monday).exists():
        return None
    return take_forecast_snapshot(monday=monday)


@transaction.atomic
def take_forecast_snapshot(*, monday: date, reconstruct: bool = False) -> ForecastSnapshot | None:
    """Store every manager's open pipeline by month of planned purchase for the 12 months from
    `monday`'s month: count, value, weighted by stage probability, committed.

    `reconstruct` rebuilds a past week from the records: the projects open at that Monday, at
    the stage the stage changes say they had; value, planned date and commit are today's."""
    snapshot, created = ForecastSnapshot.objects.get_or_create(
        week_start=monday, defaults={"reconstructed": reconstruct}
    )
    if not created:
        return None
    first = monday.replace(day=1)
    after = domain.add_months(first, SNAPSHOT_MONTHS)
    qs = Project.objects.filter(planned_purchase_date__gte=first, planned_purchase_date__lt=after)
    probability: Coalesce | F
    if reconstruct:
        moment = midnight(monday)
        then = StageChange.objects.filter(project=OuterRef("pk"), changed_at__lt=moment)
        qs = qs.filter(created_at__lt=moment).filter(
            Q(closed_at__isnull=True, status=Status.OPEN) | Q(closed_at__gte=moment)
        )
        probability = Coalesce(
            Subquery(then.order_by("-changed_at", "-pk").values("to_stage__probability")[:1]),
            F("stage__probability"),
        )
    else:
        qs = qs.open()
        probability = F("stage__probability")
    rows = (
        qs.annotate(month=planned_month(), probability=probability)
        .order_by()
        .values_list("owner", "month")
        .annotate(
            n=Count("*"),
            value=Sum("contract_value"),
            weighted=value_times_probability("probability"),
            committed=Sum("contract_value", filter=Q(committed=True)),
        )
    )
    zero = Decimal(0)
    ForecastSnapshotRow.objects.bulk_create(
        ForecastSnapshotRow(
            snapshot=snapshot,
            owner_id=owner,
            month=month,
            count=n,
            value=value or zero,
            weighted=(domain.weighted(weighted or zero) or zero).quantize(Decimal("0.01")),
            committed=committed or zero,
        )
        for owner, month, n, value, weighted, committed in rows
    )
    return snapshot
