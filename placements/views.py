"""The placement's pages (decision 0028): contracts, installation, readings, statements and
collections, the ageing of receivables, and the portfolio against the proposals."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.forms import modelformset_factory
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import HtmxHttpRequest
from hospitals.models import Hospital, search_filter
from o2crm.pages import done, write_form
from o2crm.paging import first, page, query_without_page
from pipeline.models import Project
from proposals import charts as proposal_charts

from . import charts, documents, domain, figures, services
from .forms import (
    AmendmentForm,
    ConfirmForm,
    ContractFilterForm,
    ContractForm,
    CostForm,
    InvoiceForm,
    MilestoneForm,
    PaymentForm,
    PlantForm,
    ReadingForm,
    StatementFilterForm,
)
from .models import (
    OPEN_RECEIVABLE,
    Amendment,
    Contract,
    Milestone,
    Payment,
    Plant,
    Reading,
    Statement,
)

LIST_SIZE = 25
OVERDUE_SHOWN = 20  # the oldest; the statements list has them all


def _contracts(request: HtmxHttpRequest):
    return Contract.objects.visible_to(request.user)


def _contract(request: HtmxHttpRequest, pk: int) -> Contract:
    return get_object_or_404(
        _contracts(request).select_related(
            "hospital", "project__owner__team", "proposal", "plant", "created_by"
        ),
        pk=pk,
    )


def _need(request: HtmxHttpRequest, perm: str) -> None:
    """After the row is found (a row the user may not see is 404 whatever their role)."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _statements(request: HtmxHttpRequest):
    return Statement.objects.visible_to(request.user)


def _statement(request: HtmxHttpRequest, pk: int) -> Statement:
    return get_object_or_404(
        _statements(request).select_related("contract__hospital", "contract__project__owner"),
        pk=pk,
    )


@require_GET
@login_required
def contract_list(request: HtmxHttpRequest) -> HttpResponse:
    """投放合同: every placement the user may see, with how it runs against its proposal."""
    form = ContractFilterForm(request.GET or None)
    qs = _contracts(request)
    if form.is_valid():
        if form.cleaned_data["q"]:
            qs = qs.filter(
                Q(number__icontains=form.cleaned_data["q"])
                | Q(hospital__in=search_filter(
                    _hospitals_of(request), form.cleaned_data["q"]
                ))
            )  # fmt: skip
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["overdue"]:
            late = Statement.objects.filter(
                status__in=OPEN_RECEIVABLE, due_on__lt=timezone.localdate()
            )
            qs = qs.filter(pk__in=late.values("contract_id"))
    rows = page(
        request,
        qs.select_related("hospital", "project__owner", "plant").order_by("-signed_on", "-pk"),
        LIST_SIZE,
    )
    ctx = {
        "form": form,
        "page": rows,
        "query_without_page": query_without_page(request),
        "totals": figures.ageing_totals(
            Statement.objects.filter(contract__in=qs), timezone.localdate()
        ),
        "bands": figures.ratio_bands(qs),
    }
    return render(request, "placements/contract_list.html", ctx)


def _hospitals_of(request: HtmxHttpRequest):
    return Hospital.objects.visible_to(request.user)


@require_GET
@login_required
def contract_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    today = timezone.localdate()
    compared = figures.comparison(contract)
    milestones = list(contract.milestones.select_related("who"))
    statements = list(contract.statements.order_by("-month")[:12])
    ctx = {
        "contract": contract,
        "today": today,
        "plant": getattr(contract, "plant", None),
        "amendments": list(contract.amendments.all()),
        "milestones": [(m, m.late_days(today)) for m in milestones],
        "readings": list(contract.readings.select_related("by")[:6]),
        "statements": statements,
        "compared": compared,
        "price_now": services.price_on(contract, today),
        "pct": _percentages(compared),
        "chart": charts.volumes(
            compared.months,
            title=_("月度用量：实际与测算"),
            actual=_("实际用量"),
            planned=_("测算用量"),
        )
        if compared
        else "",  # fmt: skip
        "cash_chart": proposal_charts.svg(
            [
                proposal_charts.Series(
                    _("测算累计现金流"),
                    contract.proposal.results["cumulative"],
                    "#f59e0b",
                ),
                proposal_charts.Series(
                    _("按实际预测"), list(accumulate(compared.projected_years)), "#0e7490"
                ),
            ],
            title=_("累计现金流（万元）"),
            unit=_("年"),
        )
        if compared
        else "",  # fmt: skip
        "can_edit": request.user.has_perm("placements.change_contract"),
        "can_operate": request.user.has_perm("placements.operate_contract"),
    }
    return render(request, "placements/contract_detail.html", ctx)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _percentages(compared: domain.Comparison | None) -> dict:
    if compared is None:
        return {}
    return {
        "irr_to_date": percent(compared.irr_to_date),
        "irr_projected": percent(compared.irr_projected),
        "irr_proposal": percent(compared.irr_proposal),
        "recovered": percent(1 + compared.cash_to_date / capex)
        if (capex := -compared.projected_years[0])
        else "—",
        "lower": compared.irr_projected is not None
        and compared.irr_proposal is not None
        and compared.irr_projected < compared.irr_proposal,
    }


@require_http_methods(["GET", "POST"])
@login_required
def contract_create(request: HtmxHttpRequest, project_pk: int) -> HttpResponse:
    """签订合同 from a won project and its accepted proposal."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("hospital"), pk=project_pk
    )
    _need(request, "placements.add_contract")
    existing = Contract.objects.filter(project=project).first()
    if existing is not None:
        return redirect(existing)
    proposal = services.accepted_proposal(project)
    if proposal is None:
        messages.error(request, _("这个项目还没有客户接受或已批准的建议书，不能签订合同。"))
        return redirect(project)
    contract = services.contract_from(project, proposal, timezone.localdate())
    form = ContractForm(request.POST or None, request.FILES or None, instance=contract)
    ctx = {"form": form, "project": project, "proposal": proposal, "contract": None}
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "placements/contract_form.html", ctx,
            lambda: services.create_contract(contract=form.instance, by=request.user),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("合同已登记，安装交付计划已按签订日期排好。"))
        return done(request, form.instance.get_absolute_url())
    return render(request, "placements/contract_form.html", ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def contract_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    _need(request, "placements.change_contract")
    form = ContractForm(request.POST or None, request.FILES or None, instance=contract)
    ctx = {
        "form": form,
        "project": contract.project,
        "proposal": contract.proposal,
        "contract": contract,
    }
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "placements/contract_form.html", ctx,
            lambda: services.save_contract(
                contract=form.instance, by=request.user, expected_version=form.expected_version
            ),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("合同已保存。"))
        return done(request, contract.get_absolute_url())
    return render(request, "placements/contract_form.html", ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def contract_amend(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    _need(request, "placements.change_contract")
    form = AmendmentForm(request.POST or None, instance=Amendment(contract=contract))
    ctx = {"form": form, "contract": contract, "amendments": contract.amendments.all()}
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "placements/amendment_form.html", ctx,
            lambda: services.amend(amendment=form.instance, by=request.user),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("合同变更已登记。"))
        return done(request, contract.get_absolute_url())
    return render(
        request, "placements/amendment_form.html", ctx, status=400 if form.errors else 200
    )


MilestoneFormSet = modelformset_factory(Milestone, form=MilestoneForm, extra=0)


@require_http_methods(["GET", "POST"])
@login_required
def installation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """安装交付: the milestones (planned, done, by whom) and the plant as installed."""
    contract = _contract(request, pk)
    _need(request, "placements.operate_contract")
    data = request.POST or None
    milestones = MilestoneFormSet(data, queryset=contract.milestones.order_by("order"), prefix="m")
    plant = getattr(contract, "plant", None) or Plant(contract=contract)
    plant_form = PlantForm(data, instance=plant, prefix="p")
    ctx = {
        "contract": contract,
        "formset": milestones,
        "plant_form": plant_form,
        "today": timezone.localdate(),
    }
    if request.method == "POST" and milestones.is_valid():
        plant_given = bool(request.POST.get("p-model"))
        if plant_given and not plant_form.is_valid():
            return render(request, "placements/installation.html", ctx, status=400)

        def write() -> None:
            for form in milestones.forms:
                if form.has_changed():
                    services.set_milestone(
                        milestone=form.instance, by=request.user,
                        expected_version=form.expected_version,
                    )  # fmt: skip
            if plant_given and plant_form.has_changed():
                services.save_plant(
                    plant=plant_form.instance, by=request.user,
                    expected_version=plant_form.expected_version,
                )  # fmt: skip

        refused = write_form(request, plant_form, "placements/installation.html", ctx, write)
        if refused:
            return refused
        messages.success(request, _("安装交付已保存。"))
        return done(request, contract.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "placements/installation.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def reading_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """抄表, on a phone at the plant: the reading, the date, a photo of the meter."""
    contract = _contract(request, pk)
    _need(request, "placements.operate_contract")
    today = timezone.localdate()
    form = ReadingForm(
        request.POST or None,
        request.FILES or None,
        instance=Reading(contract=contract),
        initial={"read_on": today},
    )
    last = contract.readings.first()
    ctx = {"form": form, "contract": contract, "last": last, "needs_confirmation": False}
    if request.method == "POST" and form.is_valid():

        def write() -> None:
            try:
                services.record_reading(reading=form.instance, by=request.user)
            except ValidationError as error:
                ctx["needs_confirmation"] = any(
                    e.code == "needs_confirmation"
                    for errors in getattr(error, "error_dict", {}).values()
                    for e in errors
                )
                raise

        refused = write_form(request, form, "placements/reading_form.html", ctx, write)
        if refused:
            return refused
        messages.success(
            request,
            _("已记录读数 %(value)s m³，本期用量 %(volume)s m³。")
            % {"value": f"{form.instance.value:,}", "volume": f"{form.instance.volume:,}"},
        )
        return done(request, contract.get_absolute_url())
    return render(request, "placements/reading_form.html", ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def contract_scan(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The signed scan, to those who see the contract (never a public URL)."""
    contract = _contract(request, pk)
    return _file(request, contract.scan, contract.get_absolute_url())


@require_GET
@login_required
def reading_photo(request: HtmxHttpRequest, pk: int, reading_pk: int) -> HttpResponse:
    """A reading's photo of the meter, to those who see the contract."""
    contract = _contract(request, pk)
    reading = get_object_or_404(contract.readings, pk=reading_pk)
    return _file(request, reading.photo, contract.get_absolute_url())


@require_POST
@login_required
def reading_remove(request: HtmxHttpRequest, pk: int, reading_pk: int) -> HttpResponse:
    """撤销 the newest reading (a misread), while its month is not yet confirmed."""
    contract = _contract(request, pk)
    reading = get_object_or_404(contract.readings, pk=reading_pk)
    _need(request, "placements.operate_contract")
    try:
        services.remove_reading(reading=reading, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销 %(day)s 的读数。") % {"day": reading.read_on})
    return redirect(contract)


def _file(request: HtmxHttpRequest, field, back: str) -> HttpResponse:
    if not field:
        messages.info(request, _("没有上传文件。"))
        return redirect(back)
    return FileResponse(field.open("rb"), filename=field.name.rsplit("/", 1)[-1])


@require_GET
@login_required
def statement_list(request: HtmxHttpRequest) -> HttpResponse:
    """对账单: every month's statement the user may see, newest first."""
    form = StatementFilterForm(request.GET or None)
    qs = _statements(request)
    if form.is_valid():
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["month"]:
            qs = qs.filter(month=domain.first_of_month(form.cleaned_data["month"]))
        if form.cleaned_data["contract"]:
            qs = qs.filter(contract_id=form.cleaned_data["contract"])
        if form.cleaned_data["overdue"]:
            qs = figures.receivables(qs).filter(due_on__lt=timezone.localdate())
    rows = page(
        request,
        qs.select_related("contract__hospital", "contract__project__owner").order_by(
            "-month", "-pk"
        ),
        LIST_SIZE,
    )
    ctx = {
        "form": form,
        "page": rows,
        "query_without_page": query_without_page(request),
        "today": timezone.localdate(),
    }
    return render(request, "placements/statement_list.html", ctx)


@require_GET
@login_required
def statement_detail(request: HtmxHttpRequest, statement_pk: int) -> HttpResponse:
    statement = _statement(request, statement_pk)
    return render(request, "placements/statement_detail.html", _statement_ctx(request, statement))


def _statement_ctx(request: HtmxHttpRequest, statement: Statement, **forms) -> dict:
    today = timezone.localdate()
    user = request.user
    return {
        "statement": statement,
        "contract": statement.contract,
        "today": today,
        "payments": list(statement.payments.select_related("by")),
        "readings": list(
            statement.contract.readings.filter(
                read_on__gte=statement.month, read_on__lt=domain.add_months(statement.month, 1)
            ).select_related("by")
        ),
        "can_operate": user.has_perm("placements.operate_contract"),
        "can_invoice": user.has_perm("placements.invoice_statement"),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(initial={"confirmed_on": today}),
        "invoice_form": forms.get("invoice_form") or InvoiceForm(initial={"invoiced_on": today}),
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"paid_on": today, "amount": statement.balance}),
        "cost_form": forms.get("cost_form")
        or CostForm(initial={"energy_cost": statement.energy_cost, "om_cost": statement.om_cost}),
        "overdue_days": (today - statement.due_on).days
        if statement.due_on and statement.status in OPEN_RECEIVABLE and statement.due_on < today
        else 0,
    }


def _statement_action(request, statement_pk: int, perm: str, form_class, name: str, write):
    statement = _statement(request, statement_pk)
    _need(request, perm)
    form = form_class(request.POST)
    ctx = _statement_ctx(request, statement, **{name: form})
    if not form.is_valid():
        return render(request, "placements/statement_detail.html", ctx, status=400)
    refused = write_form(
        request, form, "placements/statement_detail.html", ctx,
        lambda: write(statement, form.cleaned_data),
    )  # fmt: skip
    if refused:
        return refused
    return done(request, statement.get_absolute_url())


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@require_POST
@login_required
def statement_confirm(request: HtmxHttpRequest, statement_pk: int) -> HttpResponse:
    return _statement_action(
        request, statement_pk, "placements.operate_contract", ConfirmForm, "confirm_form",
        lambda s, d: services.confirm(
            statement=s, on=d["confirmed_on"], by=request.user, expected_version=_version(request)
        ),
    )  # fmt: skip


@require_POST
@login_required
def statement_costs(request: HtmxHttpRequest, statement_pk: int) -> HttpResponse:
    return _statement_action(
        request, statement_pk, "placements.operate_contract", CostForm, "cost_form",
        lambda s, d: services.set_costs(
            statement=s, energy=d["energy_cost"], om=d["om_cost"], by=request.user,
            expected_version=_version(request),
        ),
    )  # fmt: skip


@require_POST
@login_required
def statement_invoice(request: HtmxHttpRequest, statement_pk: int) -> HttpResponse:
    return _statement_action(
        request, statement_pk, "placements.invoice_statement", InvoiceForm, "invoice_form",
        lambda s, d: services.invoice(
            statement=s, number=d["invoice_no"], on=d["invoiced_on"], by=request.user,
            expected_version=_version(request),
        ),
    )  # fmt: skip


@require_POST
@login_required
def statement_pay(request: HtmxHttpRequest, statement_pk: int) -> HttpResponse:
    return _statement_action(
        request, statement_pk, "placements.invoice_statement", PaymentForm, "payment_form",
        lambda s, d: services.add_payment(
            payment=Payment(statement=s, paid_on=d["paid_on"], amount=d["amount"],
                            reference=d["reference"]),
            by=request.user,
        ),
    )  # fmt: skip


@require_GET
@login_required
def statement_file(request: HtmxHttpRequest, statement_pk: int, fmt: str) -> HttpResponse:
    """The statement in the hospital's format, to print or send: Excel or PDF."""
    statement = _statement(request, statement_pk)
    if fmt == "xlsx":
        return documents.statement_xlsx(statement)
    if fmt == "pdf":
        return documents.statement_pdf(statement)
    raise Http404


@require_GET
@login_required
def receivables(request: HtmxHttpRequest) -> HttpResponse:
    """应收账龄: open receivables by hospital, manager or team (0–30, 31–60, 61–90, >90 days
    since invoicing), the overdue ones first."""
    by = request.GET.get("by", "hospital")
    if by not in figures.GROUPS:
        by = "hospital"
    today = timezone.localdate()
    statements = _statements(request)
    # by manager and by team from the summary kept by the statements' writes; by hospital
    # (tens of thousands of groups) grouped from the statements, a page at a time
    if by == "hospital":
        rows: Any = figures.ageing(statements, today, by)
    else:
        rows = figures.kept_ageing(request.user, by)
    groups = Paginator(rows, LIST_SIZE).get_page(request.GET.get("page"))
    groups.object_list = figures.name_groups(list(groups.object_list), by)
    overdue = first(
        figures.receivables(statements)
        .filter(due_on__lt=today)
        .select_related("contract__hospital", "contract__project__owner")
        .order_by("due_on", "pk"),
        OVERDUE_SHOWN,
    )
    ctx = {
        "by": by,
        "page": groups,
        "ageing_rows": groups.object_list,
        "totals": figures.kept_ageing_totals(request.user),
        "overdue": overdue,
        "today": today,
        "query_without_page": query_without_page(request),
    }
    return render(request, "placements/receivables.html", ctx)


@require_GET
@login_required
def portfolio(request: HtmxHttpRequest) -> HttpResponse:
    """投放组合: every placement's actual against its proposal, the weakest first; what placed
    plants really earn against the prices and floors of the proposals in the pipeline."""
    today = timezone.localdate()
    contracts = _contracts(request)
    billing = contracts.filter(planned_to_date__gt=0)
    rows = page(
        request,
        billing.annotate(ratio=F("volume_to_date") / F("planned_to_date"))
        .select_related("hospital", "project__owner", "proposal")
        .order_by("ratio", "pk"),
        LIST_SIZE,
    )
    proposals = list(figures.open_proposals(request.user)[:10])
    ev = figures.evidence(request.user, today)
    ctx = {
        "page": rows,
        "evidence": ev,
        "bands": figures.ratio_bands(contracts),
        "proposals": [(p, p.results.get("price_floor"), ev.realised_price) for p in proposals],
        "query_without_page": query_without_page(request),
    }
    return render(request, "placements/portfolio.html", ctx)
