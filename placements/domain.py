"""The rules of a placement after the contract: pure values in, values out (no ORM).

- the price in force on a day (the signed price or an amendment's, with the yearly change);
- a reading's volume and its checks (never below the last unless the meter was changed; a
  jump far above the trend asks for confirmation);
- a month's statement (the minimum-volume top-up);
- receivables ageing;
- actual against the proposal, month by month, with IRR and payback to date and projected
  over the term on the actual volume (the proposal's yearly convention, so the figures compare).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _  # messages only: no ORM, no request

from proposals.domain import irr, payback

CENT = Decimal("0.01")
# a month's volume above this many times the recent average asks the reader to confirm it
JUMP_FACTOR = 2.0
# the recent months the jump check and the projection compare with
TREND_MONTHS = 6
# a plant above this share of its duty capacity for EXPANSION_MONTHS suggests an expansion
EXPANSION_SHARE = 0.85
EXPANSION_MONTHS = 3
# a renewal project is opened this many months before the term ends
RENEWAL_MONTHS = 12
AVAILABILITY = 0.95  # as the proposal's sizing (§5)
HOURS_PER_MONTH = 8760 / 12
AGEING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


class ReadingError(ValueError):
    def __init__(self, field: str, message: str, *, needs_confirmation: bool = False):
        super().__init__(message)
        self.field, self.message, self.needs_confirmation = field, message, needs_confirmation


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def whole_years(since: date, day: date) -> int:
    """Whole years from `since` to `day` (a 29 February counts its year on 1 March)."""
    years = day.year - since.year
    if (day.month, day.day) < (since.month, since.day):
        years -= 1
    return years


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start's month to end's month (0 for the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class PriceChange:
    effective_on: date
    price: Decimal


def price_on(
    day: date, signed: Decimal, escalation_pct: Decimal, start: date, changes: list[PriceChange]
) -> Decimal:
    """The price in force on `day`: the newest amendment in effect (or the signed price from
    the term's start), raised by the yearly change for each whole year since it took effect."""
    base, since = signed, start
    for change in sorted(changes, key=lambda c: c.effective_on):
        if change.effective_on <= day:
            base, since = change.price, change.effective_on
    years = max(0, whole_years(since, day))
    factor = (1 + escalation_pct / 100) ** years
    return (base * factor).quantize(CENT, ROUND_HALF_UP)


def reading_volume(
    value: Decimal,
    previous: Decimal,
    *,
    meter_changed: bool,
    old_meter_final: Decimal | None,
    new_meter_start: Decimal | None,
) -> Decimal:
    """What the meter measured since `previous`. Lower than the last reading is refused unless
    the meter was changed: then the old meter's last figure and the new one's start count."""
    if meter_changed:
        if old_meter_final is None or new_meter_start is None:
            raise ReadingError(
                "old_meter_final", _("更换流量计时请填写旧表最终读数和新表起始读数。")
            )
        if old_meter_final < previous:
            raise ReadingError(
                "old_meter_final",
                _("旧表最终读数 %(v)s 低于上次读数 %(p)s。")
                % {"v": old_meter_final, "p": previous},
            )
        if value < new_meter_start:
            raise ReadingError(
                "value",
                _("读数 %(v)s 低于新表起始读数 %(s)s。") % {"v": value, "s": new_meter_start},
            )
        return (old_meter_final - previous) + (value - new_meter_start)
    if value < previous:
        raise ReadingError(
            "value",
            _("读数 %(v)s 低于上次读数 %(p)s；如更换了流量计，请勾选“本期更换了流量计”。")
            % {"v": value, "p": previous},
        )
    return value - previous


def check_jump(volume: Decimal, days: int, recent_daily: list[float], confirmed: bool) -> None:
    """A volume far above the trend (JUMP_FACTOR × the recent daily average) must be
    confirmed by the reader: a misread digit bills the hospital ten times over."""
    if confirmed or not recent_daily or days <= 0:
        return
    average = sum(recent_daily) / len(recent_daily)
    if average > 0 and float(volume) / days > JUMP_FACTOR * average:
        raise ReadingError(
            "value",
            _(
                "本期日均用量 %(now).0f m³ 是近期日均 %(avg).0f m³ 的 %(x).1f 倍。"
                "请核对读数；确认无误请勾选“确认用量异常偏高”。"
            )
            % {"now": float(volume) / days, "avg": average, "x": float(volume) / days / average},
            needs_confirmation=True,
        )


@dataclass(frozen=True)
class Bill:
    volume: Decimal
    minimum: Decimal
    top_up: Decimal
    price: Decimal
    amount: Decimal


def bill(volume: Decimal, minimum: Decimal, price: Decimal) -> Bill:
    """A month's statement: the volume, topped up to the minimum, at the price in force."""
    top_up = max(Decimal(0), minimum - volume)
    amount = ((volume + top_up) * price).quantize(CENT, ROUND_HALF_UP)
    return Bill(volume, minimum, top_up, price, amount)


def due_on(invoiced_on: date, payment_days: int) -> date:
    return invoiced_on + timedelta(days=payment_days)


def monthly_cap(installed_nm3h: float, units: int) -> float:
    """The plant's production cap in a month: every unit but the standby one (N+1)."""
    duty = installed_nm3h * (units - 1) / units if units > 1 else installed_nm3h
    return duty * HOURS_PER_MONTH * AVAILABILITY


def near_cap(volumes: list[float], cap: float) -> bool:
    """The last EXPANSION_MONTHS months all above EXPANSION_SHARE of the cap."""
    last = volumes[-EXPANSION_MONTHS:]
    return (
        cap > 0 and len(last) == EXPANSION_MONTHS and all(v > EXPANSION_SHARE * cap for v in last)
    )


# Actual against the proposal ------------------------------------------------------------------


def planned_month(billed: list[float], i: int) -> float:
    """The proposal's volume for month `i` from acceptance: its year's volume over twelve
    (nothing past the term)."""
    year = i // 12
    return billed[year] / 12 if year < len(billed) else 0.0


@dataclass(frozen=True)
class Actual:
    month: date
    volume: float
    revenue: float
    energy: float | None = None
    om: float | None = None


@dataclass(frozen=True)
class MonthRow:
    month: date
    volume_nm3: float | None
    planned_volume_nm3: float
    revenue: float | None
    planned_revenue: float
    cost: float | None
    planned_cost: float


@dataclass(frozen=True)
class Comparison:
    months: list[MonthRow]
    volume_to_date: float
    planned_volume_to_date: float
    revenue_to_date: float
    planned_revenue_to_date: float
    ratio: float | None  # actual / planned volume to date
    irr_to_date: float | None
    irr_projected: float | None
    irr_proposal: float | None
    payback_projected_years: float | None
    payback_proposal_years: float | None
    cash_to_date: float  # capex paid back so far (negative until payback)
    projected_years: list[float]  # yearly cash flows t = 0..N on the actual trend


def compare(
    results: dict[str, Any], start: date, minimum_monthly: float, actuals: list[Actual]
) -> Comparison:
    """The proposal's year-by-year economics (`results`, as frozen with it) spread over the
    months from `start` (验收), against the statements so far; the rest of the term projected
    at the proposal's volumes scaled by the recent actual/planned ratio."""
    term = int(results["term_years"])
    billed, prices = results["billed"], results["prices"]
    per_nm3 = float(results["electricity_per_nm3"])
    om_month = float(results["om_per_year"]) / 12
    capex = float(results["capex"])
    last_flow = billed[-1] * prices[-1] - results["electricity"][-1] - results["om_per_year"]
    residual = float(results["cash_flows"][-1]) - last_flow  # kept for the company, §7
    by_month = {a.month: a for a in actuals}
    start = first_of_month(start)
    months: list[MonthRow] = []
    last = max(by_month) if by_month else None
    count = months_between(start, last) + 1 if last else 0
    for i in range(min(count, term * 12)):
        month = add_months(start, i)
        year = i // 12
        pv = planned_month(billed, i)
        pr = pv * prices[year]
        pc = pv * per_nm3 + om_month
        a = by_month.get(month)
        cost = None
        if a is not None:
            energy = a.energy if a.energy is not None else a.volume * per_nm3
            cost = energy + (a.om if a.om is not None else om_month)
        months.append(
            MonthRow(
                month,
                a.volume if a else None,
                pv,
                a.revenue if a else None,
                pr,
                cost,
                pc,
            )
        )
    done = [m for m in months if m.volume_nm3 is not None]
    volume = sum(m.volume_nm3 or 0 for m in done)
    planned = sum(m.planned_volume_nm3 for m in done)
    recent = done[-12:]
    recent_planned = sum(m.planned_volume_nm3 for m in recent)
    trend = (sum(m.volume_nm3 or 0 for m in recent) / recent_planned) if recent_planned else 1.0

    years_to_date = [-capex] + [0.0] * ((len(months) + 11) // 12)
    for i, m in enumerate(months):
        if m.revenue is not None:
            years_to_date[1 + i // 12] += m.revenue - (m.cost or 0)
    projected = [-capex] + [0.0] * term
    for i in range(term * 12):
        year = i // 12
        if i < len(months) and months[i].revenue is not None:
            m = months[i]
            projected[1 + year] += (m.revenue or 0) - (m.cost or 0)
            continue
        pv = planned_month(billed, i) * trend
        charged = max(pv, minimum_monthly)
        projected[1 + year] += charged * prices[year] - pv * per_nm3 - om_month
    projected[-1] += residual
    return Comparison(
        months=months,
        volume_to_date=volume,
        planned_volume_to_date=planned,
        revenue_to_date=sum(m.revenue or 0 for m in done),
        planned_revenue_to_date=sum(m.planned_revenue for m in done),
        ratio=volume / planned if planned else None,
        irr_to_date=irr(years_to_date) if len(years_to_date) > 1 else None,
        irr_projected=irr(projected),
        irr_proposal=results.get("irr"),
        payback_projected_years=payback(projected),
        payback_proposal_years=results.get("payback_years"),
        cash_to_date=sum(years_to_date),
        projected_years=projected,
    )
