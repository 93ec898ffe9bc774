"""Relationship plans, actions, and the compliance ledger in the JSON API: the same forms,
services and visibility as the pages (a person's closeness history is at
/contacts/{id}/closeness-history, with the contacts)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import User
from accounts.requests import ApiRequest
from hospitals.api import visible_hospital
from o2crm.api_forms import expected_version, merge_form_data, run_form
from o2crm.params import Pages, RowId
from pipeline.api import MoveIn, colleague_ids, standing_moves, visible_project

from . import domain, services
from .forms import ActionForm, LedgerForm, PlanForm, RecordActionForm, TargetForm
from .models import LedgerEntry, LedgerKind, PlanTarget, RelationshipAction, RelationshipPlan

router = Router(tags=["relations"])


def _need(request: ApiRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _user_id(username: str | None, field: str) -> int | None:
    """The user a body names by username (None when left out; an unknown one refused)."""
    if not username:
        return None
    found = User.objects.filter(username=username, is_active=True).values_list("pk", flat=True)
    if not found:
        raise ValidationError({field: _("没有这个同事：%s。") % username})
    return found[0]


# Plans ---------------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    contact: int = Field(..., alias="contact_id")
    contact_name: str = Field(..., alias="contact.name")
    closeness: int = Field(..., alias="contact.closeness")
    attitude: str = Field(..., alias="contact.attitude")
    influence: int = Field(..., alias="contact.influence")
    target_closeness: int
    target_attitude: str
    target_date: dt.date
    strategy: str
    side: str
    owner: str = Field(..., alias="owner.username")
    gap: str | None = None
    version: int

    @staticmethod
    def resolve_gap(obj: PlanTarget) -> str | None:
        planned = [
            a.planned_on
            for a in obj.actions.all()
            if a.status == "planned" and a.planned_on >= timezone.localdate()
        ]
        c = obj.contact
        return domain.gap(
            domain.TargetState(
                c.name,
                c.title,
                c.closeness,
                c.attitude,
                obj.target_closeness,
                obj.target_attitude,
                obj.target_date,
                min(planned) if planned else None,
            ),  # fmt: skip
            timezone.localdate(),
        )


class PlanOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    strategy: str
    targets: list[TargetOut]
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_targets(obj: RelationshipPlan) -> list[PlanTarget]:
        return list(obj.targets.all())


class PlanIn(Schema):
    project: RowId | None = None
    strategy: str | None = None
    version: RowId | None = None


class TargetIn(Schema):
    contact: RowId
    target_closeness: int = Field(4, ge=1, le=5)
    target_attitude: str = "support"
    target_date: dt.date
    strategy: str = ""
    side: str = "manager"
    owner: str | None = Field(None, description="username; the project's owner when left out")


class PlanFilter(FilterSchema):
    project: RowId | None = None


def _plans(request: ApiRequest):
    return RelationshipPlan.objects.visible_to(request.user).prefetch_related(
        "targets__contact", "targets__owner", "targets__actions"
    )


@router.get("/relationship-plans", response=list[PlanOut])
@paginate(Pages)
def list_plans(request: ApiRequest, filters: Query[PlanFilter]):
    qs = _plans(request)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("-updated_at", "-pk")


@router.get("/relationship-plans/{plan_id}", response=PlanOut)
def get_plan(request: ApiRequest, plan_id: int):
    return get_object_or_404(_plans(request), pk=plan_id)


@router.post("/relationship-plans", response={201: PlanOut, 200: PlanOut})
def create_plan(request: ApiRequest, payload: PlanIn):
    """The project's plan (a project has one: asking again answers it, 200)."""
    _need(request, "relations.change_relationshipplan")
    if payload.project is None:
        raise ValidationError({"project": _("这个字段是必填项。")})
    project = visible_project(request, payload.project)
    existed = RelationshipPlan.objects.filter(project=project).exists()
    plan = services.plan_of(project, by=request.user)
    if payload.strategy is not None:
        run_form(PlanForm({"strategy": payload.strategy}, instance=plan))
        services.save_plan(plan=plan, by=request.user, expected_version=None)
    return Status(200 if existed else 201, _plans(request).get(pk=plan.pk))


@router.patch("/relationship-plans/{plan_id}", response=PlanOut)
def update_plan(request: ApiRequest, plan_id: int, payload: PlanIn):
    plan = get_object_or_404(RelationshipPlan.objects.visible_to(request.user), pk=plan_id)
    _need(request, "relations.change_relationshipplan")
    run_form(PlanForm({"strategy": payload.strategy or ""}, instance=plan))
    expected = expected_version(request, payload.version)
    services.save_plan(plan=plan, by=request.user, expected_version=expected)
    return _plans(request).get(pk=plan.pk)


@router.post("/relationship-plans/{plan_id}/targets", response={201: TargetOut})
def add_target(request: ApiRequest, plan_id: int, payload: TargetIn):
    plan = get_object_or_404(
        RelationshipPlan.objects.visible_to(request.user).select_related(
            "project__hospital__owner__team"
        ),
        pk=plan_id,
    )
    _need(request, "relations.change_relationshipplan")
    data = payload.dict()
    data["owner"] = _user_id(data["owner"], "owner") or plan.project.owner_id
    form = TargetForm(data, plan=plan)
    target = run_form(form)
    services.save_target(target=target, by=request.user)
    return Status(201, PlanTarget.objects.select_related("contact", "owner").get(pk=target.pk))


class TargetPatch(Schema):
    target_closeness: int | None = Field(None, ge=1, le=5)
    target_attitude: str | None = None
    target_date: dt.date | None = None
    strategy: str | None = None
    side: str | None = None
    owner: str | None = Field(None, description="username")
    version: RowId | None = None


@router.patch("/relationship-plans/{plan_id}/targets/{target_id}", response=TargetOut)
def update_target(request: ApiRequest, plan_id: int, target_id: int, payload: TargetPatch):
    target = get_object_or_404(
        PlanTarget.objects.visible_to(request.user).select_related(
            "plan__project__hospital__owner__team", "contact"
        ),
        pk=target_id,
        plan_id=plan_id,
    )
    _need(request, "relations.change_relationshipplan")
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "owner" in changes:
        changes["owner"] = _user_id(changes["owner"], "owner")
    data = merge_form_data(target, TargetForm, changes, plan=target.plan)
    run_form(TargetForm(data, instance=target, plan=target.plan))
    expected = expected_version(request, payload.version)
    services.save_target(target=target, by=request.user, expected_version=expected)
    return PlanTarget.objects.select_related("contact", "owner").get(pk=target.pk)


# Actions -------------------------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    target: int = Field(..., alias="target_id")
    project: int = Field(..., alias="target.plan.project_id")
    contact: int = Field(..., alias="target.contact_id")
    kind: str
    planned_on: dt.date
    title: str
    owner: str = Field(..., alias="owner.username")
    colleagues: list[str]
    status: str
    done_on: dt.date | None
    outcome: str
    task: RowId | None = Field(None, alias="task_id")
    version: int

    @staticmethod
    def resolve_colleagues(obj: RelationshipAction) -> list[str]:
        return [u.username for u in obj.colleagues.all()]


class ActionIn(Schema):
    target: RowId
    kind: str
    planned_on: dt.date
    title: str = ""
    owner: str | None = Field(None, description="username; the target's owner when left out")
    colleagues: list[str] = []


class RecordIn(Schema):
    done_on: dt.date | None = None
    outcome: str
    colleagues: list[str] | None = None
    standing: list[MoveIn] = []


class ActionFilter(FilterSchema):
    project: RowId | None = None
    target: RowId | None = None
    status: str | None = None
    due_before: dt.date | None = Field(None, description="planned on or before this day")


def _actions(request: ApiRequest):
    return (
        RelationshipAction.objects.visible_to(request.user)
        .select_related("owner", "target__plan", "target__contact")
        .prefetch_related("colleagues")
    )


@router.get("/relationship-actions", response=list[ActionOut])
@paginate(Pages)
def list_actions(request: ApiRequest, filters: Query[ActionFilter]):
    qs = _actions(request)
    if filters.project:
        qs = qs.filter(target__plan__project_id=filters.project)
    if filters.target:
        qs = qs.filter(target_id=filters.target)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.due_before:
        qs = qs.filter(planned_on__lte=filters.due_before)
    return qs.order_by("planned_on", "pk")


@router.post("/relationship-actions", response={201: ActionOut})
def create_action(request: ApiRequest, payload: ActionIn):
    _need(request, "relations.change_relationshipplan")
    target = (
        PlanTarget.objects.visible_to(request.user)
        .select_related("plan__project__hospital__owner__team")
        .filter(pk=payload.target)
        .first()
    )
    if target is None:
        raise ValidationError(
            {"target": _("没有编号为 %s 的发展对象，或您无权访问。") % payload.target}
        )
    data = payload.dict()
    data["owner"] = _user_id(data["owner"], "owner") or target.owner_id
    data["colleagues"] = colleague_ids(data["colleagues"])
    form = ActionForm(data, plan=target.plan)
    action = run_form(form)
    services.save_action(action=action, by=request.user, colleagues=form.cleaned_data["colleagues"])
    return Status(201, _actions(request).get(pk=action.pk))


class ActionPatch(Schema):
    kind: str | None = None
    planned_on: dt.date | None = None
    title: str | None = None
    owner: str | None = Field(None, description="username")
    colleagues: list[str] | None = None
    version: RowId | None = None


@router.patch("/relationship-actions/{action_id}", response=ActionOut)
def update_action(request: ApiRequest, action_id: int, payload: ActionPatch):
    """Re-plan a planned action (its task follows its date and owner)."""
    action = get_object_or_404(
        _actions(request).select_related("target__plan__project__hospital__owner__team"),
        pk=action_id,
    )
    _need(request, "relations.change_relationshipplan")
    if action.status != "planned":
        raise ValidationError({"status": _("只能修改计划中的行动。")})
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "owner" in changes:
        changes["owner"] = _user_id(changes["owner"], "owner")
    colleagues = changes.pop("colleagues", None)
    plan = action.target.plan
    data = merge_form_data(action, ActionForm, changes, plan=plan)
    data["colleagues"] = (
        colleague_ids(colleagues)
        if colleagues is not None
        else [u.pk for u in action.colleagues.all()]
    )
    form = ActionForm(data, instance=action, plan=plan)
    run_form(form)
    services.save_action(
        action=action,
        by=request.user,
        colleagues=form.cleaned_data["colleagues"],
        expected_version=expected_version(request, payload.version),
    )
    return _actions(request).get(pk=action.pk)


@router.post("/relationship-actions/{action_id}/record", response=ActionOut)
def record_action(request: ApiRequest, action_id: int, payload: RecordIn):
    """The action happened: its outcome, who took part, and how people's standing moved."""
    action = get_object_or_404(
        _actions(request).select_related("target__plan__project"), pk=action_id
    )
    _need(request, "relations.change_relationshipplan")
    done_on = payload.done_on or timezone.localdate()
    form = RecordActionForm({"done_on": done_on, "outcome": payload.outcome}, action=action)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    colleagues = colleague_ids(payload.colleagues) if payload.colleagues is not None else None
    services.record_action(
        action=action,
        done_on=done_on,
        outcome=payload.outcome,
        by=request.user,
        colleagues=None if colleagues is None else _users(colleagues),
        moves=standing_moves(
            [m.dict() for m in payload.standing], action.target.plan.project.hospital_id
        ),
    )
    return _actions(request).get(pk=action.pk)


def _users(ids: list[int]):
    return User.objects.filter(pk__in=ids)


@router.post("/relationship-actions/{action_id}/cancel", response=ActionOut)
def cancel_action(request: ApiRequest, action_id: int):
    action = get_object_or_404(_actions(request), pk=action_id)
    _need(request, "relations.change_relationshipplan")
    services.cancel_action(action=action, by=request.user)
    return _actions(request).get(pk=action.pk)


# The compliance ledger -----------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    hospital: int = Field(..., alias="hospital_id")
    project: RowId | None = Field(None, alias="project_id")
    date: dt.date
    kind: str = Field(..., alias="kind.code")
    kind_name: str = Field(..., alias="kind.name")
    amount: Decimal
    per_person: Decimal
    contacts: list[int]
    colleagues: list[str]
    purpose: str
    receipt_no: str
    status: str
    over_limit: list[str]
    reason: str
    decided_by: str | None = None
    decided_at: dt.datetime | None
    decision_note: str
    created_by: str = Field(..., alias="created_by.username")
    version: int

    @staticmethod
    def resolve_contacts(obj: LedgerEntry) -> list[int]:
        return [c.pk for c in obj.contacts.all()]

    @staticmethod
    def resolve_colleagues(obj: LedgerEntry) -> list[str]:
        return [u.username for u in obj.colleagues.all()]

    @staticmethod
    def resolve_over_limit(obj: LedgerEntry) -> list[str]:
        return obj.over_limit.splitlines()

    @staticmethod
    def resolve_decided_by(obj: LedgerEntry) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class EntryIn(Schema):
    hospital: RowId
    date: dt.date | None = None
    kind: str = Field(..., description="the kind's code: dinner, gift, sponsorship …")
    amount: Decimal
    contacts: list[RowId]
    colleagues: list[str] = []
    purpose: str
    receipt_no: str = ""
    project: RowId | None = None
    reason: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class LedgerFilter(FilterSchema):
    hospital: RowId | None = None
    contact: RowId | None = None
    kind: str | None = None
    status: str | None = None
    created_by: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _entries(request: ApiRequest):
    _need(request, "relations.view_ledgerentry")
    return (
        LedgerEntry.objects.visible_to(request.user)
        .select_related("kind", "created_by", "decided_by")
        .prefetch_related("contacts", "colleagues")
    )


@router.get("/ledger", response=list[EntryOut])
@paginate(Pages)
def list_ledger(request: ApiRequest, filters: Query[LedgerFilter]):
    qs = _entries(request)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.contact:
        qs = qs.filter(contacts=filters.contact)
    if filters.kind:
        qs = qs.filter(kind__code=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.created_by:
        qs = qs.filter(created_by__username=filters.created_by)
    if filters.start:
        qs = qs.filter(date__gte=filters.start)
    if filters.end:
        qs = qs.filter(date__lte=filters.end)
    return qs.order_by("-date", "-pk")


@router.get("/ledger/{entry_id}", response=EntryOut)
def get_entry(request: ApiRequest, entry_id: int):
    return get_object_or_404(_entries(request), pk=entry_id)


@router.post("/ledger", response={201: EntryOut})
def create_entry(request: ApiRequest, payload: EntryIn):
    """Record an expense: a forbidden kind is refused (400, `kind`); one over a limit needs
    `reason` and waits for the director (status "pending")."""
    _need(request, "relations.add_ledgerentry")
    hospital = visible_hospital(request, payload.hospital)
    owner = hospital.owner
    if owner is None or not request.user.oversees(owner.pk, owner.team_id):
        raise ValidationError({"hospital": _("没有编号为 %s 的医院，或您无权访问。") % hospital.pk})
    kind = LedgerKind.objects.filter(code=payload.kind).first()
    if kind is None:
        raise ValidationError({"kind": _("未知的费用类别：%s。") % payload.kind})
    data = payload.dict()
    data.update(
        kind=kind.pk,
        date=payload.date or timezone.localdate(),
        colleagues=colleague_ids(payload.colleagues),
    )
    form = LedgerForm(data, hospital=hospital)
    entry = run_form(form)
    services.record_entry(
        entry=entry,
        contacts=list(form.cleaned_data["contacts"]),
        colleagues=form.cleaned_data["colleagues"],
        by=request.user,
    )
    return Status(201, _entries(request).get(pk=entry.pk))


@router.post("/ledger/{entry_id}/decide", response=EntryOut)
def decide_entry(request: ApiRequest, entry_id: int, payload: DecisionIn):
    """The director approves or rejects an entry over a limit (a rejection needs `note`)."""
    entry = get_object_or_404(_entries(request), pk=entry_id)
    _need(request, "relations.approve_ledgerentry")
    services.decide(entry=entry, approve=payload.approve, note=payload.note, by=request.user)
    return _entries(request).get(pk=entry.pk)
