"""Demo placements, built relative to the day they are loaded: the won demo projects signed
months or years ago, installed and accepted, read every month since, their statements
confirmed, invoiced and paid as a real finance desk leaves them — one healthy, one paying
late, one below its proposal's volume, one near its plant's cap, one near its term end.
长兴县人民医院, won weeks ago, has its accepted proposal and waits for its contract to be
recorded (the project page's 登记合同). Idempotent: nothing is added once any contract
exists."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from pipeline.models import Project, Status
from proposals import domain as economics
from proposals import services as proposal_services

from . import domain, services
from .models import Contract, Payment, Plant, Reading

# hospital, months since signing, term years, annual m³, price, actual/plan, scenario
PLACEMENTS = [
    ("瑞安市人民医院", 28, 10, 420_000, 3.2, 1.03, "healthy"),
    ("东阳市人民医院", 16, 10, 380_000, 3.3, 0.98, "late"),
    ("诸暨市人民医院", 22, 10, 520_000, 3.1, 0.68, "below"),
    ("乐清市人民医院", 34, 8, 300_000, 3.4, 1.0, "cap"),
    ("义乌市中心医院", 113, 10, 600_000, 3.0, 1.06, "ending"),
]
READY_TO_SIGN = "长兴县人民医院"  # won, proposal accepted, contract not yet recorded
MINIMUMS = {"healthy": 25_000, "late": 24_000, "below": 38_000, "cap": 0, "ending": 40_000}


def _proposal(project: Project, volume: float, price: float, term: int, director: User):
    inputs = economics.Inputs(nm3_per_year=volume, cny_per_nm3=4.2, price=price, term_years=term)
    proposal = proposal_services.create_proposal(
        project=project, by=project.owner, inputs=inputs,
        terms={"minimum_monthly_m3": 0, "payment_days": 30, "meter_reading_day": 25},
    )  # fmt: skip
    proposal = proposal_services.submit(proposal=proposal, by=project.owner)
    reason = "战略医院，带动周边区域" if proposal.needs_override else ""
    proposal = proposal_services.approve(proposal=proposal, by=director, override_reason=reason)
    proposal = proposal_services.send(proposal=proposal, by=project.owner)
    return proposal_services.record_answer(proposal=proposal, by=project.owner, accepted=True)


@transaction.atomic
def load() -> int:
    if Contract.objects.exists():
        return 0
    today = timezone.localdate()
    director = User.objects.filter(role=Role.DIRECTOR).order_by("pk").first()
    operations = User.objects.filter(role=Role.OPERATIONS).order_by("pk").first()
    finance = User.objects.filter(role=Role.FINANCE).order_by("pk").first()
    if director is None or operations is None or finance is None:
        return 0
    created = 0
    for name, months, term, volume, price, factor, scenario in PLACEMENTS:
        project = (
            Project.objects.filter(hospital__name=name, status=Status.WON)
            .select_related("hospital", "owner")
            .first()
        )
        if project is None:
            continue
        _placement(
            project,
            today,
            months,
            term,
            volume,
            price,
            factor,
            scenario,
            director,
            operations,
            finance,
        )
        created += 1
    ready = (
        Project.objects.filter(hospital__name=READY_TO_SIGN, status=Status.WON)
        .select_related("owner")
        .first()
    )
    if ready is not None and services.accepted_proposal(ready) is None:
        _proposal(ready, 450_000, 3.2, 10, director)
    services.open_renewals(today)
    services.suggest_expansions(today)
    return created


def _placement(
    project, today, months, term, volume, price, factor, scenario, director, operations, finance
):
    rng = random.Random(project.hospital.name)
    proposal = _proposal(project, volume, price, term, director)
    signed = domain.add_months(today, -months) + timedelta(days=rng.randint(2, 20))
    contract = services.contract_from(project, proposal, signed)
    contract.minimum_monthly_m3 = MINIMUMS[scenario]
    contract.meter_reading_day = 25
    contract.term_start = signed
    contract.term_end = date(signed.year + term, signed.month, min(signed.day, 28)) - timedelta(
        days=1
    )
    contract.backup = "保留现有液氧储罐作为备用气源，切换时间不超过 30 分钟"
    contract.number = services.next_number(signed.year)
    services.create_contract(contract=contract, by=project.owner)
    for m in contract.milestones.order_by("order"):
        slip = rng.choice([0, 0, 2, 5]) if m.step != "acceptance" else 3
        done = m.planned_on + timedelta(days=slip)
        if done > today:
            break
        m.done_on, m.who = done, operations
        services.set_milestone(milestone=m, by=operations)
    contract.refresh_from_db()
    if contract.accepted_on is None:
        return
    sizing_units = int(proposal.results.get("units", 2))
    installed = float(proposal.results.get("installed_nm3h", 30))
    if scenario == "cap":  # a plant sized tight: the hospital grew into it
        installed = round(volume / 8760 * 1.5 * sizing_units / (sizing_units - 1), 1)
    plant = Plant(
        contract=contract,
        model=f"O2-PSA-{int(installed / sizing_units)}",
        units=sizing_units,
        serials="\n".join(
            f"PSA{contract.signed_on:%y%m}{i:03d}" for i in range(1, sizing_units + 1)
        ),
        installed_nm3h=Decimal(str(installed)),
        commissioned_on=contract.accepted_on - timedelta(days=3),
        meter_start=Decimal(rng.randint(100, 900)),
    )
    services.save_plant(plant=plant, by=operations)
    cap = domain.monthly_cap(installed, sizing_units)
    billed = proposal.results["billed"]
    value = plant.meter_start
    month = domain.add_months(contract.accepted_on, 1)
    i = 0
    while True:
        day = month.replace(day=25)
        if day > today:
            break
        planned = domain.planned_month(billed, i)
        season = 1 + 0.08 * (1 if month.month in (1, 2, 12) else -1 if month.month in (7, 8) else 0)
        used = planned * factor * season * rng.uniform(0.96, 1.04)
        if scenario == "cap":
            used = min(cap * rng.uniform(0.88, 0.93), used * 1.6) if i >= 12 else used
        value += Decimal(str(round(used, 1)))
        services.record_reading(
            reading=Reading(contract=contract, read_on=day, value=value, jump_confirmed=True),
            by=operations,
        )
        month, i = domain.add_months(month, 1), i + 1
    _collect(contract, today, scenario, operations, finance, rng)


def _collect(contract, today, scenario, operations, finance, rng):
    om_month = (contract.capex * Decimal("0.055") / 12).quantize(Decimal("0.01"))
    for s in contract.statements.order_by("month"):
        if scenario in ("healthy", "ending"):  # these sites meter their electricity
            energy = (s.volume_nm3 * Decimal("0.93")).quantize(Decimal("0.01"))
            s = services.set_costs(statement=s, energy=energy, om=om_month, by=operations)
        # hospitals confirm within days of the reading, the late payer more slowly
        confirmed = domain.add_months(s.month, 1) + timedelta(
            days=rng.randint(3, 6) if scenario != "late" else rng.randint(10, 16)
        )
        if confirmed > today:
            break
        s = services.confirm(statement=s, on=confirmed, by=operations)
        invoiced = confirmed + timedelta(days=contract.invoice_days)
        if invoiced > today:
            break
        s = services.invoice(
            statement=s, number=f"{rng.randint(10**7, 10**8 - 1)}", on=invoiced, by=finance
        )
        paid_on = invoiced + timedelta(days=rng.randint(18, 29))
        if scenario == "late":
            # stopped paying five months ago; one paid in part
            if s.month >= domain.add_months(today, -5):
                if s.month == domain.add_months(today, -5).replace(day=1):
                    part = (s.amount * Decimal("0.4")).quantize(Decimal("1"))
                    if paid_on <= today:
                        services.add_payment(
                            payment=Payment(statement=s, paid_on=paid_on, amount=part), by=finance
                        )
                continue
            paid_on = invoiced + timedelta(days=rng.randint(40, 70))
        if paid_on > today:
            continue
        services.add_payment(
            payment=Payment(statement=s, paid_on=paid_on, amount=s.amount), by=finance
        )
