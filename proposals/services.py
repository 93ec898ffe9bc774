"""Every write of the proposals app: settings versions, proposals and their approval."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm.records import save_record
from pipeline import services as pipeline_services
from pipeline.models import Project, Stage
from visits.models import OxygenSurvey

from . import domain
from .models import EconomicsSettings, NumberCounter, Proposal, ProposalEvent, State

PROPOSAL_STAGE = "proposal"  # 方案建议: where sending a proposal moves an earlier project
VALID_DAYS = 30
LOX_T_PER_L = 0.001141  # LOX density 1.141 kg/L (reference §4.2)


# Settings -------------------------------------------------------------------------------------


@transaction.atomic
def save_settings(
    *, values: dict[str, Any], meta: dict[str, Any], note: str, by: User
) -> EconomicsSettings:
    """A new settings version; the earlier ones stay, with the proposals computed on them."""
    try:
        domain.check_settings({**domain.default_settings(), **values})
    except domain.InputError as error:
        raise ValidationError({error.field: error.message}) from error
    return EconomicsSettings.objects.create(values=values, meta=meta, note=note, created_by=by)


# Calculator -----------------------------------------------------------------------------------


def inputs_from_survey(survey: OxygenSurvey | None) -> domain.Inputs:
    """What the newest survey knows, as calculator inputs (beds to departments, a month's use
    to a year in the unit the hospital counts in, the price to its unit)."""
    inputs = domain.Inputs(term_years=None)
    if survey is None:
        return inputs
    icu = survey.icu_beds or 0
    inputs.departments = {
        "general_ward": max((survey.beds or 0) - icu, 0),
        "icu": icu,
        "operating_room": survey.operating_rooms or 0,
        "emergency_resuscitation": survey.emergency_beds or 0,
    }
    inputs.hbo_users = survey.hyperbaric_seats or 0
    if inputs.hbo_users:
        inputs.hbo_sessions_per_day, inputs.hbo_days_per_year = 2, 300
    if survey.consumption_value:
        yearly = float(survey.consumption_value) * 12
        unit = survey.consumption_unit
        if unit == "nm3":
            inputs.nm3_per_year = yearly
        elif unit == "cylinders":
            inputs.cylinders_per_year = yearly
        else:
            per_unit = {"t_lox": 1, "kg_lox": 0.001, "l_lox": LOX_T_PER_L}[unit]
            inputs.lox_t_per_year = per_unit * yearly
    if survey.price_value:
        price, unit = float(survey.price_value), survey.price_unit
        if unit == "per_nm3":
            inputs.cny_per_nm3 = price
        elif unit == "per_cylinder":
            inputs.cny_per_cylinder = price
        else:
            per_t = {"per_t": 1, "per_kg": 1000, "per_l": 1 / LOX_T_PER_L}[unit]
            inputs.cny_per_t_lox = price * per_t
    return inputs


def survey_overrides(survey: OxygenSurvey | None) -> dict[str, Any]:
    """Settings the survey knows better than the defaults: the hospital's own growth (§4.5)."""
    if survey is None or survey.annual_growth is None:
        return {}
    return {"growth": float(survey.annual_growth) / 100}


def newest_survey(project: Project) -> OxygenSurvey | None:
    return (
        OxygenSurvey.objects.filter(hospital=project.hospital_id).order_by("-date", "-pk").first()
    )


# Proposals ------------------------------------------------------------------------------------


def next_number(today: date) -> str:
    """JY-2026-0001: a gapless count per year, taken under a row lock."""
    counter, _ = NumberCounter.objects.select_for_update().get_or_create(year=today.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"JY-{today.year}-{counter.last:04d}"


def _event(proposal: Proposal, to: str, by: User, comment: str = "") -> None:
    ProposalEvent.objects.create(
        proposal=proposal, from_state=proposal.state, to_state=to, by=by, comment=comment
    )
    proposal.state = to


def compute_for(
    inputs: domain.Inputs, overrides: dict[str, Any], settings: EconomicsSettings
) -> domain.Result:
    try:
        return domain.compute(inputs, settings.resolved(overrides))
    except domain.InputError as error:
        raise ValidationError({error.field: error.message}) from error


def _escalation(settings: EconomicsSettings, overrides: dict[str, Any]) -> Decimal:
    """The yearly price change the numbers were computed with, in per cent."""
    rate = (overrides or {}).get("price_escalation", settings.values["price_escalation"])
    return Decimal(str(round(rate * 100, 2)))


def _compute_into(
    proposal: Proposal,
    inputs: domain.Inputs,
    overrides: dict[str, Any],
    settings: EconomicsSettings,
) -> None:
    """Compute the case on `settings` and set everything on the proposal that follows from
    it: the frozen inputs and results, and the price, term, escalation and mode they give."""
    result = compute_for(inputs, overrides, settings)
    proposal.settings = settings
    proposal.inputs = domain.to_json(inputs, overrides)
    proposal.overrides = overrides
    proposal.results = result.as_dict()
    proposal.term_years = result.term_years
    proposal.price = Decimal(str(round(result.price, 2)))
    proposal.price_escalation = _escalation(settings, overrides)
    proposal.mode = inputs.mode


@transaction.atomic
def create_proposal(
    *,
    project: Project,
    by: User,
    inputs: domain.Inputs,
    overrides: dict[str, Any] | None = None,
    terms: dict[str, Any],
) -> Proposal:
    """Save the calculator's case as a draft 建议书 with the next number."""
    today = timezone.localdate()
    proposal = Proposal(
        project=project,
        created_by=by,
        valid_until=terms.pop("valid_until", None) or today + timedelta(days=VALID_DAYS),
        **terms,
    )
    _compute_into(proposal, inputs, overrides or {}, EconomicsSettings.current())
    proposal.number = next_number(today)
    proposal.full_clean()
    proposal.save()
    ProposalEvent.objects.create(proposal=proposal, to_state=State.DRAFT, by=by)
    return proposal


@transaction.atomic
def revise(*, proposal: Proposal, by: User) -> Proposal:
    """A new draft revision of the same number, recomputed on today's settings; the earlier
    revision stays readable, marked superseded."""
    row: Proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)  # not the caller's
    if row.superseded:
        raise ValidationError(_("这一版已有新版本，请在最新版本上修订。"))
    if row.state in (State.DRAFT, State.PENDING):
        raise ValidationError(_("草稿可以直接修改；待审批的建议书请等审批结果后再修订。"))
    inputs, overrides = domain.parse_input(row.inputs)
    Proposal.objects.filter(pk=row.pk).update(superseded=True)
    row.pk, row._state.adding = None, True  # the locked row becomes the next revision
    row.revision += 1
    row.version = 1
    row.state = State.DRAFT
    row.created_by = by
    row.decided_by = row.decided_at = row.sent_at = None
    row.override_reason = ""
    _compute_into(row, inputs, overrides, EconomicsSettings.current())
    row.save()
    ProposalEvent.objects.create(
        proposal=row,
        to_state=State.DRAFT,
        by=by,
        comment=_("由第 %(n)s 版修订") % {"n": row.revision - 1},
    )
    return row


def _require(proposal: Proposal, *states: str) -> Proposal:
    """The proposal as stored now, locked, if it is in one of `states` (two directors
    clicking at once: the second sees the first one's decision)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.superseded:
        raise ValidationError(_("这一版已被新版本取代，不能再操作。"), code="superseded")
    if proposal.state not in states:
        raise ValidationError(
            _("建议书当前为“%(state)s”，不能执行此操作。")
            % {"state": proposal.get_state_display()},
            code="bad_state",
        )
    return proposal


@transaction.atomic
def update_terms(
    *,
    proposal: Proposal,
    by: User,
    inputs: domain.Inputs,
    overrides: dict[str, Any],
    terms: dict[str, Any],
    expected_version: int | None = None,
) -> Proposal:
    """Edit a draft or returned proposal: new terms, recomputed on its settings version."""
    proposal = _require(proposal, State.DRAFT, State.RETURNED)
    _compute_into(proposal, inputs, overrides, proposal.settings)
    for key, value in terms.items():
        setattr(proposal, key, value)
    return save_record(record=proposal, by=by, expected_version=expected_version)


@transaction.atomic
def submit(*, proposal: Proposal, by: User) -> Proposal:
    proposal = _require(proposal, State.DRAFT, State.RETURNED)
    _event(proposal, State.PENDING, by)
    proposal.save(update_fields=["state", "updated_at"])
    return proposal


@transaction.atomic
def approve(*, proposal: Proposal, by: User, override_reason: str = "") -> Proposal:
    """Only a director approves; a price below the floor or a negative NPV needs a reason."""
    if not by.has_perm("proposals.approve_proposal"):
        raise PermissionDenied(_("只有销售总监可以审批建议书。"))
    proposal = _require(proposal, State.PENDING)
    reason = override_reason.strip()
    if proposal.needs_override and not reason:
        problems = []
        if proposal.below_floor:
            problems.append(
                _("单价 %(price)s 元/m³ 低于保本价 %(floor).2f 元/m³")
                % {"price": proposal.price, "floor": proposal.results["price_floor"]}
            )
        if proposal.negative_npv:
            problems.append(_("投资净现值为负"))
        raise ValidationError(
            {
                "override_reason": _("%(problems)s：请写明例外批准的理由。")
                % {"problems": "；".join(problems)}
            },
            code="override_required",
        )
    proposal.override_reason = reason
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    _event(proposal, State.APPROVED, by, reason)
    proposal.save(
        update_fields=["state", "override_reason", "decided_by", "decided_at", "updated_at"]
    )
    return proposal


@transaction.atomic
def return_proposal(*, proposal: Proposal, by: User, comment: str) -> Proposal:
    if not by.has_perm("proposals.approve_proposal"):
        raise PermissionDenied(_("只有销售总监可以审批建议书。"))
    proposal = _require(proposal, State.PENDING)
    if not comment.strip():
        raise ValidationError({"comment": _("退回时请写明意见。")}, code="comment_required")
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    _event(proposal, State.RETURNED, by, comment.strip())
    proposal.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    return proposal


@transaction.atomic
def send(*, proposal: Proposal, by: User) -> Proposal:
    """Mark as sent to the hospital; an earlier project moves to 方案建议."""
    proposal = _require(proposal, State.APPROVED)
    project = Project.objects.select_for_update().get(pk=proposal.project_id)
    target = Stage.objects.filter(code=PROPOSAL_STAGE, is_active=True).first()
    if target and project.is_open and project.stage.order < target.order:
        pipeline_services.move_stage(project=project, stage=target, by=by)
    proposal.sent_at = timezone.now()
    _event(proposal, State.SENT, by)
    proposal.save(update_fields=["state", "sent_at", "updated_at"])
    return proposal


@transaction.atomic
def record_answer(*, proposal: Proposal, by: User, accepted: bool, comment: str = "") -> Proposal:
    proposal = _require(proposal, State.SENT)
    _event(proposal, State.ACCEPTED if accepted else State.REJECTED, by, comment.strip())
    proposal.save(update_fields=["state", "updated_at"])
    return proposal
