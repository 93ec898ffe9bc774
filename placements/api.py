"""Placements in the JSON API (decision 0028): contracts, installations (their milestones),
plants, readings, statements and payments, with the same forms, services and visibility as
the pages; and a placement's actual against its proposal."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.requests import ApiRequest
from o2crm.api_forms import expected_version, merge_form_data, run_form
from o2crm.params import Pages, RowId, total_kept
from pipeline.api import visible_project

from . import figures, services
from .forms import ContractForm, MilestoneForm, PaymentForm, PlantForm, ReadingForm
from .models import Contract, Milestone, Payment, Plant, Reading, Statement

router = Router(tags=["placements"])


def _need(request: ApiRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# Contracts -------------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    number: str
    project: int = Field(..., alias="project_id")
    proposal: int = Field(..., alias="proposal_id")
    hospital: int = Field(..., alias="hospital_id")
    hospital_name: str = Field(..., alias="hospital.name")
    owner: str = Field(..., alias="project.owner.username")
    signed_on: dt.date
    term_start: dt.date
    term_end: dt.date
    mode: str
    price: Decimal
    price_escalation: Decimal
    minimum_monthly_m3: int
    meter_reading_day: int
    invoice_days: int
    payment_days: int
    backup: str
    end_of_term: str
    status: str
    accepted_on: dt.date | None
    months_billed: int
    volume_to_date: Decimal
    planned_to_date: Decimal
    revenue_to_date: Decimal
    outstanding: Decimal
    version: int


class ContractTerms(Schema):
    """The terms a caller may set; those left out keep the proposal's (or current) value."""

    number: str | None = None
    signed_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    price: Decimal | None = None
    price_escalation: Decimal | None = None
    minimum_monthly_m3: int | None = None
    meter_reading_day: int | None = None
    invoice_days: int | None = None
    payment_days: int | None = None
    backup: str | None = None
    end_of_term: str | None = None


class ContractIn(ContractTerms):
    project: RowId


class ContractPatch(ContractTerms):
    version: RowId | None = None


class ContractFilter(FilterSchema):
    status: str | None = None
    hospital: RowId | None = None
    project: RowId | None = None


def _contracts(request: ApiRequest):
    return Contract.objects.visible_to(request.user).select_related("hospital", "project__owner")


@router.get("/contracts", response=list[ContractOut])
@paginate(Pages)
def list_contracts(request: ApiRequest, filters: Query[ContractFilter]):
    qs = _contracts(request)
    for key in ("status", "hospital", "project"):
        value = getattr(filters, key)
        if value:
            qs = qs.filter(**({key: value} if key == "status" else {f"{key}_id": value}))
    return qs.order_by("-signed_on", "-pk")


@router.get("/contracts/{contract_id}", response=ContractOut)
def get_contract(request: ApiRequest, contract_id: int):
    return get_object_or_404(_contracts(request), pk=contract_id)


@router.post("/contracts", response={201: ContractOut})
def create_contract(request: ApiRequest, payload: ContractIn):
    """Sign a won project's contract: the terms its proposal gives, changed by what is sent."""
    _need(request, "placements.add_contract")
    project = visible_project(request, payload.project)
    proposal = services.accepted_proposal(project)
    if proposal is None:
        raise ValidationError({"project": _("这个项目还没有客户接受或已批准的建议书。")})
    contract = services.contract_from(project, proposal, timezone.localdate())
    changes = payload.dict(exclude_unset=True)
    changes.pop("project")
    data = merge_form_data(contract, ContractForm, changes)
    run_form(ContractForm(data, instance=contract))
    services.create_contract(contract=contract, by=request.user)
    return Status(201, _contracts(request).get(pk=contract.pk))


@router.patch("/contracts/{contract_id}", response=ContractOut)
def update_contract(request: ApiRequest, contract_id: int, payload: ContractPatch):
    contract = get_object_or_404(_contracts(request), pk=contract_id)
    _need(request, "placements.change_contract")
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    data = merge_form_data(contract, ContractForm, changes)
    run_form(ContractForm(data, instance=contract))
    services.save_contract(
        contract=contract,
        by=request.user,
        expected_version=expected_version(request, payload.version),
    )
    return _contracts(request).get(pk=contract.pk)


class MonthOut(Schema):
    month: dt.date
    volume_nm3: float | None
    planned_volume_nm3: float
    revenue: float | None
    planned_revenue: float


class ComparisonOut(Schema):
    contract: int
    months: list[MonthOut]
    volume_to_date: float
    planned_volume_to_date: float
    revenue_to_date: float
    planned_revenue_to_date: float
    volume_ratio: float | None
    irr_to_date: float | None
    irr_projected: float | None
    irr_proposal: float | None
    payback_projected_years: float | None
    payback_proposal_years: float | None


@router.get("/contracts/{contract_id}/actual-vs-plan", response=ComparisonOut)
def actual_vs_plan(request: ApiRequest, contract_id: int):
    """Month by month against the proposal; IRR to date and projected on the actual trend."""
    contract = get_object_or_404(_contracts(request).select_related("proposal"), pk=contract_id)
    c = figures.comparison(contract)
    if c is None:
        return {
            "contract": contract.pk, "months": [], "volume_to_date": 0,
            "planned_volume_to_date": 0, "revenue_to_date": 0, "planned_revenue_to_date": 0,
            "volume_ratio": None, "irr_to_date": None, "irr_projected": None,
            "irr_proposal": contract.proposal.results.get("irr"),
            "payback_projected_years": None,
            "payback_proposal_years": contract.proposal.results.get("payback_years"),
        }  # fmt: skip
    return {
        "contract": contract.pk,
        "months": [m for m in c.months if m.volume_nm3 is not None],
        "volume_to_date": c.volume_to_date,
        "planned_volume_to_date": c.planned_volume_to_date,
        "revenue_to_date": c.revenue_to_date,
        "planned_revenue_to_date": c.planned_revenue_to_date,
        "volume_ratio": c.ratio,
        "irr_to_date": c.irr_to_date,
        "irr_projected": c.irr_projected,
        "irr_proposal": c.irr_proposal,
        "payback_projected_years": c.payback_projected_years,
        "payback_proposal_years": c.payback_proposal_years,
    }


# Installations and plants -------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    contract: int = Field(..., alias="contract_id")
    step: str
    planned_on: dt.date
    done_on: dt.date | None
    who: str | None = Field(None, alias="who.username")
    note: str
    late_days: int
    version: int

    @staticmethod
    def resolve_late_days(obj: Milestone) -> int:
        return obj.late_days(timezone.localdate())


class MilestonePatch(Schema):
    planned_on: dt.date | None = None
    done_on: dt.date | None = None
    who: RowId | None = None
    note: str | None = None
    version: RowId | None = None


class ContractRows(FilterSchema):
    contract: RowId | None = None


@router.get("/installations", response=list[MilestoneOut])
@paginate(Pages)
def list_milestones(request: ApiRequest, filters: Query[ContractRows]):
    qs = Milestone.objects.visible_to(request.user).select_related("who")
    if filters.contract:
        qs = qs.filter(contract_id=filters.contract)
    return qs.order_by("contract_id", "order", "pk")


@router.patch("/installations/{milestone_id}", response=MilestoneOut)
def update_milestone(request: ApiRequest, milestone_id: int, payload: MilestonePatch):
    """A step planned or done (验收 done starts billing)."""
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user).select_related("contract__project"),
        pk=milestone_id,
    )
    _need(request, "placements.operate_contract")
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    owner = {"owner_id": milestone.contract.project.owner_id}
    data = merge_form_data(milestone, MilestoneForm, changes, **owner)
    if "done_on" in changes and changes["done_on"] is None:
        data.pop("done_on", None)
    run_form(MilestoneForm(data, instance=milestone, **owner))
    services.set_milestone(
        milestone=milestone,
        by=request.user,
        expected_version=expected_version(request, payload.version),
    )
    return Milestone.objects.select_related("who").get(pk=milestone.pk)


class PlantOut(Schema):
    id: int
    contract: int = Field(..., alias="contract_id")
    model: str
    units: int
    serials: str
    installed_nm3h: Decimal
    commissioned_on: dt.date | None
    meter_start: Decimal
    version: int


class PlantIn(Schema):
    model: str
    units: int = 2
    serials: str = ""
    installed_nm3h: Decimal
    commissioned_on: dt.date | None = None
    meter_start: Decimal = Decimal(0)
    version: RowId | None = None


@router.get("/plants", response=list[PlantOut])
@paginate(Pages)
def list_plants(request: ApiRequest, filters: Query[ContractRows]):
    qs = Plant.objects.visible_to(request.user)
    if filters.contract:
        qs = qs.filter(contract_id=filters.contract)
    return qs.order_by("pk")


@router.put("/contracts/{contract_id}/plant", response=PlantOut)
def put_plant(request: ApiRequest, contract_id: int, payload: PlantIn):
    """The plant as installed (created the first time, then edited)."""
    contract = get_object_or_404(_contracts(request), pk=contract_id)
    _need(request, "placements.operate_contract")
    plant = Plant.objects.filter(contract=contract).first() or Plant(contract=contract)
    data = payload.dict()
    data.pop("version")
    run_form(PlantForm(data, instance=plant))
    services.save_plant(
        plant=plant, by=request.user, expected_version=expected_version(request, payload.version)
    )
    return plant


# Readings ------------------------------------------------------------------------------------


class ReadingOut(Schema):
    id: int
    contract: int = Field(..., alias="contract_id")
    read_on: dt.date
    value: Decimal
    volume: Decimal
    meter_changed: bool
    old_meter_final: Decimal | None
    new_meter_start: Decimal | None
    jump_confirmed: bool
    note: str
    by: str | None = Field(None, alias="by.username")


class ReadingIn(Schema):
    contract: RowId
    read_on: dt.date
    value: Decimal
    meter_changed: bool = False
    old_meter_final: Decimal | None = None
    new_meter_start: Decimal | None = None
    jump_confirmed: bool = False
    note: str = ""


class ReadingFilter(FilterSchema):
    contract: RowId | None = None
    since: dt.date | None = None


@router.get("/readings", response=list[ReadingOut])
@paginate(Pages)
def list_readings(request: ApiRequest, filters: Query[ReadingFilter]):
    qs = Reading.objects.visible_to(request.user).select_related("by")
    if filters.contract:
        qs = qs.filter(contract_id=filters.contract)
    if filters.since:
        qs = qs.filter(read_on__gte=filters.since)
    return total_kept(filters, qs.order_by("-read_on", "-pk"), figures.READINGS, request.user)


@router.post("/readings", response={201: ReadingOut})
def create_reading(request: ApiRequest, payload: ReadingIn):
    """A meter reading: refused below the last one unless the meter was changed; a jump far
    above the trend needs `jump_confirmed`. The month's statement follows."""
    contract = get_object_or_404(_contracts(request), pk=payload.contract)
    _need(request, "placements.operate_contract")
    data = payload.dict()
    data.pop("contract")
    reading = run_form(ReadingForm(data, instance=Reading(contract=contract)))
    services.record_reading(reading=reading, by=request.user)
    return Status(201, Reading.objects.select_related("by").get(pk=reading.pk))


# Statements and payments --------------------------------------------------------------------


class StatementOut(Schema):
    id: int
    contract: int = Field(..., alias="contract_id")
    hospital_name: str = Field(..., alias="contract.hospital.name")
    month: dt.date
    volume_nm3: Decimal
    minimum_nm3: Decimal
    top_up_nm3: Decimal
    price: Decimal
    amount: Decimal
    energy_cost: Decimal | None
    om_cost: Decimal | None
    status: str
    confirmed_on: dt.date | None
    invoice_no: str
    invoiced_on: dt.date | None
    due_on: dt.date | None
    paid: Decimal
    balance: Decimal
    version: int


class StatementFilter(FilterSchema):
    contract: RowId | None = None
    status: str | None = None
    month: dt.date | None = None
    overdue: bool | None = None


class StatementPatch(Schema):
    """A step of the statement: `status` confirmed (with `confirmed_on`) or invoiced (with
    `invoice_no`, `invoiced_on`); or the month's recorded costs."""

    status: str | None = None
    confirmed_on: dt.date | None = None
    invoice_no: str | None = None
    invoiced_on: dt.date | None = None
    energy_cost: Decimal | None = None
    om_cost: Decimal | None = None
    version: RowId | None = None


def _statements(request: ApiRequest):
    return Statement.objects.visible_to(request.user).select_related("contract__hospital")


@router.get("/statements", response=list[StatementOut])
@paginate(Pages)
def list_statements(request: ApiRequest, filters: Query[StatementFilter]):
    qs = _statements(request)
    if filters.contract:
        qs = qs.filter(contract_id=filters.contract)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.month:
        qs = qs.filter(month=filters.month.replace(day=1))
    if filters.overdue:
        qs = figures.receivables(qs).filter(due_on__lt=timezone.localdate())
    return total_kept(filters, qs.order_by("-month", "-pk"), figures.STATEMENTS, request.user)


@router.get("/statements/{statement_id}", response=StatementOut)
def get_statement(request: ApiRequest, statement_id: int):
    return get_object_or_404(_statements(request), pk=statement_id)


@router.patch("/statements/{statement_id}", response=StatementOut)
def update_statement(request: ApiRequest, statement_id: int, payload: StatementPatch):
    statement = get_object_or_404(_statements(request), pk=statement_id)
    expected = expected_version(request, payload.version)
    sent = payload.dict(exclude_unset=True)
    today = timezone.localdate()
    if "energy_cost" in sent or "om_cost" in sent:
        _need(request, "placements.operate_contract")
        services.set_costs(
            statement=statement,
            energy=sent.get("energy_cost", statement.energy_cost),
            om=sent.get("om_cost", statement.om_cost),
            by=request.user,
            expected_version=expected,
        )
        expected = None
    if payload.status == "confirmed":
        _need(request, "placements.operate_contract")
        services.confirm(
            statement=statement, on=payload.confirmed_on or today, by=request.user,
            expected_version=expected,
        )  # fmt: skip
    elif payload.status == "invoiced":
        _need(request, "placements.invoice_statement")
        services.invoice(
            statement=statement, number=payload.invoice_no or "", on=payload.invoiced_on or today,
            by=request.user, expected_version=expected,
        )  # fmt: skip
    elif payload.status is not None:
        raise ValidationError(
            {
                "status": _(
                    "只能改为 confirmed（医院确认）或 invoiced（已开票）；回款请登记 payments。"
                )
            }
        )
    return _statements(request).get(pk=statement.pk)


class PaymentOut(Schema):
    id: int
    statement: int = Field(..., alias="statement_id")
    paid_on: dt.date
    amount: Decimal
    reference: str
    by: str | None = Field(None, alias="by.username")


class PaymentIn(Schema):
    statement: RowId
    paid_on: dt.date
    amount: Decimal
    reference: str = ""


class PaymentFilter(FilterSchema):
    statement: RowId | None = None
    contract: RowId | None = None


@router.get("/payments", response=list[PaymentOut])
@paginate(Pages)
def list_payments(request: ApiRequest, filters: Query[PaymentFilter]):
    qs = Payment.objects.visible_to(request.user).select_related("by")
    if filters.statement:
        qs = qs.filter(statement_id=filters.statement)
    if filters.contract:
        qs = qs.filter(statement__contract_id=filters.contract)
    return total_kept(filters, qs.order_by("-paid_on", "-pk"), figures.PAYMENTS, request.user)


@router.post("/payments", response={201: PaymentOut})
def create_payment(request: ApiRequest, payload: PaymentIn):
    """Money received against an invoiced statement (in part or whole)."""
    statement = get_object_or_404(_statements(request), pk=payload.statement)
    _need(request, "placements.invoice_statement")
    data = payload.dict()
    data.pop("statement")
    payment = run_form(PaymentForm(data, instance=Payment(statement=statement)))
    services.add_payment(payment=payment, by=request.user)
    return Status(201, Payment.objects.select_related("by").get(pk=payment.pk))
