"""Every write of a placement (decision 0028): contracts and amendments, the installation's
milestones, the plant, readings and the statements they make, invoices and payments, and the
projects the term end and a full plant open. Views, API, demo and jobs call these."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm import summaries
from o2crm.records import save_record
from pipeline.models import Project, Source, Status
from pipeline.services import create_project
from proposals.models import Proposal, State
from reminders.models import Kind
from reminders.notify import notify

from . import domain, figures
from .models import (
    OPEN_RECEIVABLE,
    STEPS,
    Amendment,
    Contract,
    ContractStatus,
    Milestone,
    Payment,
    Plant,
    Reading,
    Statement,
    StatementStatus,
    Step,
)

# the installation's plan from the signing day, in days (a typical 3-month delivery)
STEP_DAYS = {
    Step.SURVEY: 7,
    Step.WORKS: 35,
    Step.DELIVERY: 45,
    Step.INSTALL: 60,
    Step.COMMISSION: 70,
    Step.ACCEPTANCE: 80,
    Step.HANDOVER: 90,
}


def accepted_proposal(project: Project) -> Proposal | None:
    """The proposal the contract is signed on: the accepted one, else the newest approved."""
    qs = Proposal.objects.filter(project=project, superseded=False)
    return (
        qs.filter(state=State.ACCEPTED).order_by("-pk").first()
        or qs.filter(state__in=[State.SENT, State.APPROVED]).order_by("-pk").first()
    )


def next_number(year: int) -> str:
    prefix = f"HT-{year}-"
    last = (
        Contract.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def contract_from(project: Project, proposal: Proposal, today: date) -> Contract:
    """A new contract filled in from the project's proposal (not saved)."""
    term = proposal.term_years
    start = today
    return Contract(
        project=project,
        proposal=proposal,
        hospital_id=project.hospital_id,
        number=next_number(today.year),
        signed_on=today,
        term_start=start,
        term_end=date(start.year + term, start.month, min(start.day, 28)) - timedelta(days=1),
        mode=proposal.mode,
        price=proposal.price,
        price_escalation=proposal.price_escalation,
        minimum_monthly_m3=proposal.minimum_monthly_m3 or 0,
        meter_reading_day=min(proposal.meter_reading_day, 28),
        payment_days=proposal.payment_days,
        backup=proposal.backup,
        capex=Decimal(str(round(proposal.results.get("capex", 0), 2))),
    )


@transaction.atomic
def create_contract(*, contract: Contract, by: User | None) -> Contract:
    """Sign: a won project's contract, with the installation planned from the signing day."""
    project = contract.project
    if project.status != Status.WON:
        raise ValidationError({"project": _("只有已赢单的项目才能签订合同。")})
    if Contract.objects.filter(project=project).exists():
        raise ValidationError({"project": _("这个项目已经有合同了。")})
    if contract.term_end <= contract.term_start:
        raise ValidationError({"term_end": _("合作期止必须晚于合作期起。")})
    contract.hospital_id = project.hospital_id
    contract.created_by = by
    save_record(record=contract, by=by)
    Milestone.objects.bulk_create(
        Milestone(
            contract=contract,
            step=step,
            order=i,
            planned_on=contract.signed_on + timedelta(days=STEP_DAYS[step]),
            version=1,
        )
        for i, step in enumerate(STEPS)
    )
    return contract


@transaction.atomic
def save_contract(*, contract: Contract, by: User, expected_version: int | None = None) -> Contract:
    if contract.term_end <= contract.term_start:
        raise ValidationError({"term_end": _("合作期止必须晚于合作期起。")})
    return save_record(record=contract, by=by, expected_version=expected_version)


@transaction.atomic
def amend(*, amendment: Amendment, by: User) -> Amendment:
    """A new price or term from its effective date; the contract keeps the term in force."""
    contract = Contract.objects.select_for_update().get(pk=amendment.contract_id)
    if amendment.price is None and amendment.term_end is None:
        raise ValidationError({"price": _("请填写新单价或新的合作期止。")})
    if amendment.term_end is not None and amendment.term_end <= contract.term_start:
        raise ValidationError({"term_end": _("合作期止必须晚于合作期起。")})
    amendment.created_by = by
    amendment.full_clean()
    amendment.save()
    if amendment.term_end is not None:
        contract.term_end = amendment.term_end
        save_record(record=contract, by=by)
    return amendment


def price_changes(contract: Contract) -> list[domain.PriceChange]:
    return [
        domain.PriceChange(a.effective_on, a.price)
        for a in contract.amendments.all()
        if a.price is not None
    ]


def price_on(contract: Contract, day: date) -> Decimal:
    return domain.price_on(
        day, contract.price, contract.price_escalation, contract.term_start, price_changes(contract)
    )


@transaction.atomic
def set_milestone(
    *, milestone: Milestone, by: User, expected_version: int | None = None
) -> Milestone:
    """A step planned or done. 验收 done starts billing (the contract's acceptance day)."""
    if milestone.done_on and milestone.done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天。")})
    save_record(record=milestone, by=by, expected_version=expected_version)
    if milestone.step == Step.ACCEPTANCE:
        contract = Contract.objects.select_for_update().get(pk=milestone.contract_id)
        if milestone.done_on is None and contract.statements.exists():
            raise ValidationError({"done_on": _("已有对账单，不能撤销验收。")})
        contract.accepted_on = milestone.done_on
        contract.status = ContractStatus.BILLING if milestone.done_on else ContractStatus.INSTALLING
        contract.save(update_fields=["accepted_on", "status"])
    return milestone


@transaction.atomic
def save_plant(*, plant: Plant, by: User, expected_version: int | None = None) -> Plant:
    return save_record(record=plant, by=by, expected_version=expected_version)


def _recent_daily(contract: Contract, before: date) -> list[float]:
    """The daily volumes of the last TREND_MONTHS readings before `before`."""
    rows = list(
        contract.readings.filter(read_on__lt=before)
        .order_by("-read_on")
        .values_list("read_on", "volume")[: domain.TREND_MONTHS + 1]
    )
    out = []
    for (day, volume), (earlier, _v) in zip(rows, rows[1:], strict=False):
        days = (day - earlier).days
        if days > 0:
            out.append(float(volume) / days)
    return out


@transaction.atomic
def record_reading(*, reading: Reading, by: User | None) -> Reading:
    """A meter reading, checked, and the month's statement made again from the readings."""
    contract = Contract.objects.select_for_update().get(pk=reading.contract_id)
    if contract.accepted_on is None:
        raise ValidationError({"read_on": _("设备尚未验收，验收后才开始抄表计费。")})
    if reading.read_on < contract.accepted_on:
        raise ValidationError({"read_on": _("抄表日期不能早于验收日期。")})
    if reading.read_on > timezone.localdate():
        raise ValidationError({"read_on": _("抄表日期不能晚于今天。")})
    last = contract.readings.order_by("-read_on").first()
    if last is not None and reading.read_on <= last.read_on:
        raise ValidationError(
            {"read_on": _("已有 %(day)s 的读数；请按时间顺序录入。") % {"day": last.read_on}}
        )
    month = domain.first_of_month(reading.read_on)
    if contract.statements.filter(month=month).exclude(status=StatementStatus.PENDING).exists():
        raise ValidationError({"read_on": _("该月对账单已确认，不能再录入读数。")})
    plant = Plant.objects.filter(contract=contract).first()
    previous = last.value if last else (plant.meter_start if plant else Decimal(0))
    try:
        reading.volume = domain.reading_volume(
            reading.value,
            previous,
            meter_changed=reading.meter_changed,
            old_meter_final=reading.old_meter_final,
            new_meter_start=reading.new_meter_start,
        )
        since = last.read_on if last else contract.accepted_on
        domain.check_jump(
            reading.volume,
            (reading.read_on - since).days,
            _recent_daily(contract, reading.read_on),
            reading.jump_confirmed,
        )
    except domain.ReadingError as error:
        raise ValidationError(
            {error.field: error.message},
            code="needs_confirmation" if error.needs_confirmation else "invalid",
        ) from error
    reading.by = by
    reading.full_clean(exclude=["volume"])
    reading.save()
    _bill_month(contract, month, reading.read_on)
    refresh_totals(contract)
    return reading


@transaction.atomic
def remove_reading(*, reading: Reading, by: User) -> None:
    """Take back a misread: the newest reading only, while its month's statement is pending;
    the month is billed again from the readings left (no statement when none are)."""
    contract = Contract.objects.select_for_update().get(pk=reading.contract_id)
    newest = contract.readings.order_by("-read_on").values_list("pk", flat=True).first()
    if newest != reading.pk:
        raise ValidationError({"read_on": _("只能撤销最近一次读数。")})
    month = domain.first_of_month(reading.read_on)
    if contract.statements.filter(month=month).exclude(status=StatementStatus.PENDING).exists():
        raise ValidationError({"read_on": _("该月对账单已确认，不能撤销读数。")})
    reading.delete()
    if contract.readings.filter(read_on__gte=month).exists():
        last = contract.readings.order_by("-read_on").values_list("read_on", flat=True).first()
        _bill_month(contract, month, last or month)
    else:
        contract.statements.filter(month=month).delete()
    refresh_totals(contract)


def _bill_month(contract: Contract, month: date, day: date) -> Statement:
    """The month's statement from its readings (kept pending until the hospital confirms)."""
    volume = contract.readings.filter(
        read_on__gte=month, read_on__lt=domain.add_months(month, 1)
    ).aggregate(v=Sum("volume"))["v"] or Decimal(0)
    b = domain.bill(volume, Decimal(contract.minimum_monthly_m3), price_on(contract, day))
    statement = Statement.objects.filter(contract=contract, month=month).first()
    if statement is None:
        statement = Statement(contract=contract, month=month, version=1)
    statement.volume_nm3, statement.minimum_nm3, statement.top_up_nm3 = (
        b.volume,
        b.minimum,
        b.top_up,
    )
    statement.price, statement.amount = b.price, b.amount
    statement.save()
    return statement


def planned_volume(contract: Contract, months: int) -> float:
    """The proposal's volume over the first `months` months from acceptance."""
    billed = contract.proposal.results.get("billed") or []
    return sum(domain.planned_month(billed, i) for i in range(months))


def refresh_totals(contract: Contract) -> None:
    """The contract's running totals, from its statements (the list and portfolio read them)."""
    totals = contract.statements.aggregate(
        n=Count("pk"),
        volume=Sum("volume_nm3"),
        revenue=Sum("amount"),
        owed=Sum(F("amount") - F("paid"), filter=Q(status__in=OPEN_RECEIVABLE)),
    )
    last = contract.statements.order_by("-month").values_list("month", flat=True).first()
    span = (
        domain.months_between(contract.accepted_on, last) + 1
        if last and contract.accepted_on
        else 0
    )
    Contract.objects.filter(pk=contract.pk).update(
        months_billed=totals["n"] or 0,
        volume_to_date=totals["volume"] or 0,
        revenue_to_date=totals["revenue"] or 0,
        outstanding=totals["owed"] or 0,
        planned_to_date=Decimal(str(round(planned_volume(contract, span), 1))),
    )


def _statement_locked(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


@transaction.atomic
def confirm(
    *, statement: Statement, on: date, by: User, expected_version: int | None = None
) -> Statement:
    """The hospital confirmed the statement (对账确认)."""
    if statement.status != StatementStatus.PENDING:
        raise ValidationError({"status": _("只有待确认的对账单可以确认。")})
    statement.status, statement.confirmed_on = StatementStatus.CONFIRMED, on
    return save_record(record=statement, by=by, expected_version=expected_version)


@transaction.atomic
def set_costs(
    *, statement: Statement, energy: Decimal | None, om: Decimal | None, by: User,
    expected_version: int | None = None,
) -> Statement:  # fmt: skip
    """The month's electricity and O&M cost, when recorded (the comparison uses them)."""
    statement.energy_cost, statement.om_cost = energy, om
    return save_record(record=statement, by=by, expected_version=expected_version)


@transaction.atomic
def invoice(
    *, statement: Statement, number: str, on: date, by: User, expected_version: int | None = None
) -> Statement:
    """The invoice is out: the payment falls due after the contract's payment days."""
    if statement.status != StatementStatus.CONFIRMED:
        raise ValidationError({"status": _("医院确认对账单后才能开票。")})
    if not number.strip():
        raise ValidationError({"invoice_no": _("请填写发票号。")})
    statement.status, statement.invoice_no, statement.invoiced_on = (
        StatementStatus.INVOICED,
        number.strip(),
        on,
    )
    statement.due_on = domain.due_on(on, statement.contract.payment_days)
    save_record(record=statement, by=by, expected_version=expected_version)
    refresh_totals(statement.contract)
    return statement


@transaction.atomic
def add_payment(*, payment: Payment, by: User | None) -> Payment:
    """Money received: the statement is paid in part or whole; never more than it owes."""
    statement = _statement_locked(payment.statement)
    if statement.status not in OPEN_RECEIVABLE:
        raise ValidationError({"amount": _("只有已开票、未结清的对账单可以登记回款。")})
    if payment.amount is None or payment.amount <= 0:
        raise ValidationError({"amount": _("回款金额必须大于 0。")})
    if payment.amount > statement.balance:
        raise ValidationError(
            {
                "amount": _("回款金额超过未收金额 ¥%(left)s。")
                % {"left": f"{statement.balance:,.2f}"}
            }
        )
    if statement.invoiced_on and payment.paid_on < statement.invoiced_on:
        raise ValidationError({"paid_on": _("回款日期不能早于开票日期。")})
    payment.statement = statement
    payment.by = by
    payment.full_clean()
    payment.save()
    statement.paid += payment.amount
    statement.paid_on = max(payment.paid_on, statement.paid_on or payment.paid_on)
    statement.status = (
        StatementStatus.PAID if statement.paid >= statement.amount else StatementStatus.PARTLY
    )
    Statement.objects.filter(pk=statement.pk).update(
        paid=statement.paid,
        paid_on=statement.paid_on,
        status=statement.status,
        version=F("version") + 1,
    )
    # an UPDATE, no save(): the ageing of the receivables hears it here (decision 0029)
    summaries.changed(Statement, figures.owners_of_statement(statement))
    refresh_totals(statement.contract)
    return payment


# Term end and growth -----------------------------------------------------------------------------


def _follow_on(
    contract: Contract, *, source: str, name: str, need: str, on: date, share: Decimal
) -> Project:
    """A project for the owner at the placement's hospital, valued as a share of the first."""
    base = contract.project
    project = Project(
        hospital_id=base.hospital_id,
        name=name[:100],
        owner_id=base.owner_id,
        source=source,
        entry_path=base.entry_path,
        entry_contact_id=base.entry_contact_id,
        need=need,
        current_source=base.current_source,
        planned_purchase_date=on,
        estimated_volume=base.estimated_volume,
        contract_value=(base.contract_value * share).quantize(Decimal(1))
        if base.contract_value
        else None,
    )
    return create_project(project=project, by=None)


@transaction.atomic
def open_renewals(today: date) -> int:
    """A renewal project (续约 / 移交 / 回收) for each contract ending within RENEWAL_MONTHS."""
    horizon = domain.add_months(today, domain.RENEWAL_MONTHS + 1) - timedelta(days=1)
    due = (
        Contract.objects.select_for_update()
        .filter(renewal_project__isnull=True, term_end__lte=horizon, term_end__gte=today)
        .exclude(status=ContractStatus.ENDED)
        .select_related("project", "hospital")
    )
    opened = 0
    for contract in due:
        project = _follow_on(
            contract,
            source=Source.RENEWAL,
            name=_("%(hospital)s 合同到期续约（%(number)s）")
            % {
                "hospital": contract.hospital.short_name or contract.hospital.name,
                "number": contract.number,
            },
            need="replace",
            on=contract.term_end - timedelta(days=90),
            share=Decimal(1),
        )
        Contract.objects.filter(pk=contract.pk).update(renewal_project=project)
        params = {
            "hospital": contract.hospital.name,
            "number": contract.number,
            "end": contract.term_end.isoformat(),
        }
        transaction.on_commit(
            lambda p=project, c=contract, params=params: notify(
                recipient=c.project.owner,
                kind=Kind.PLACEMENT_RENEWAL,
                key=f"renewal:{c.pk}",
                url=p.get_absolute_url(),
                **params,
            )
        )
        opened += 1
    return opened


@transaction.atomic
def suggest_expansions(today: date) -> int:
    """An expansion project for each plant above EXPANSION_SHARE of its cap for
    EXPANSION_MONTHS months running (the last statements)."""
    since = domain.add_months(today, -(domain.EXPANSION_MONTHS + 1))
    rows = (
        Statement.objects.filter(
            month__gte=since,
            contract__expansion_project__isnull=True,
            contract__status=ContractStatus.BILLING,
        )
        .order_by("contract_id", "month")
        .values_list("contract_id", "volume_nm3")
    )
    volumes: dict[int, list[float]] = {}
    for contract_id, volume in rows:
        volumes.setdefault(contract_id, []).append(float(volume))
    plants = {
        p.contract_id: p
        for p in Plant.objects.filter(contract_id__in=list(volumes)).select_related(
            "contract__project", "contract__hospital"
        )
    }
    opened = 0
    for contract_id, series in volumes.items():
        plant = plants.get(contract_id)
        if plant is None or not domain.near_cap(
            series, domain.monthly_cap(float(plant.installed_nm3h), plant.units)
        ):
            continue
        contract = plant.contract
        project = _follow_on(
            contract,
            source=Source.EXPANSION,
            name=_("%(hospital)s 制氧扩容")
            % {"hospital": contract.hospital.short_name or contract.hospital.name},
            need="expanding",
            on=domain.add_months(today, 6),
            share=Decimal("0.5"),
        )
        Contract.objects.filter(pk=contract.pk).update(expansion_project=project)
        transaction.on_commit(
            lambda p=project, c=contract: notify(
                recipient=c.project.owner,
                kind=Kind.PLACEMENT_EXPANSION,
                key=f"expansion:{c.pk}",
                url=p.get_absolute_url(),
                hospital=c.hospital.name,
                months=str(domain.EXPANSION_MONTHS),
                share=f"{domain.EXPANSION_SHARE:.0%}",
            )
        )
        opened += 1
    return opened
