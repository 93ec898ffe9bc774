"""Oxygen quantities as hospitals report them, brought to Nm³ (0 °C, 1 atm) for comparison.

Factors from ../shared/domain/oxygen-reference.md §4.2: 1 t LOX ≈ 700 Nm³ (1000 / 1.429), 1 L
LOX ≈ 0.798 Nm³ (1.141 kg / 1.429 kg/Nm³), one 40 L cylinder at 15 MPa ≈ 6 Nm³. These are
the reference defaults, for showing surveys; the economics calculator uses the versioned
settings of proposals/ (docs/decisions/0008).
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.translation import gettext_noop  # marks strings for the catalogue only

LOX_NM3_PER_T = Decimal("700")
LOX_NM3_PER_L = Decimal("0.798")
CYLINDER_NM3 = Decimal("6")

# Nm³ in one unit of each way a hospital counts its oxygen.
NM3_PER_UNIT: dict[str, Decimal] = {
    "nm3": Decimal("1"),
    "kg_lox": LOX_NM3_PER_T / 1000,
    "t_lox": LOX_NM3_PER_T,
    "l_lox": LOX_NM3_PER_L,
    "cylinders": CYLINDER_NM3,
}
PRICE_UNITS = {
    "per_nm3": "nm3",
    "per_kg": "kg_lox",
    "per_t": "t_lox",
    "per_l": "l_lox",
    "per_cylinder": "cylinders",
}


def to_nm3(value: Decimal | int | float | None, unit: str) -> Decimal | None:
    """A quantity in `unit` as Nm³; None when the value is unknown."""
    if value is None or unit not in NM3_PER_UNIT:
        return None
    return Decimal(str(value)) * NM3_PER_UNIT[unit]


def price_per_nm3(price: Decimal | int | float | None, price_unit: str) -> Decimal | None:
    """A price per kg, t, L or cylinder as the price of one Nm³ of oxygen."""
    if price is None or price_unit not in PRICE_UNITS:
        return None
    return Decimal(str(price)) / NM3_PER_UNIT[PRICE_UNITS[price_unit]]


def yearly_cost(nm3_per_month: Decimal | None, per_nm3: Decimal | None) -> Decimal | None:
    if nm3_per_month is None or per_nm3 is None:
        return None
    return nm3_per_month * 12 * per_nm3


# Knowledge coverage ------------------------------------------------------------------------
from dataclasses import dataclass  # noqa: E402
from datetime import date, timedelta  # noqa: E402


@dataclass(frozen=True)
class Facts:
    """What o2crm already knows about a project, as yes/no, gathered by services.coverage."""

    motive: bool = False  # a survey says why (or how interested) they are
    capacity: bool = False  # beds, ICU beds and operating rooms surveyed
    growth: bool = False
    current_source: bool = False  # consumption and price surveyed
    psa_view: bool = False  # competitors recorded, or their view of PSA noted
    finance: bool = False
    procurement: bool = False
    decision_makers: bool = False  # someone in the buying centre approves
    agent_closeness: bool = False
    needs: bool = False  # someone's personal or organisational needs are known
    company_strength: bool = False
    manager_quality: bool = False
    next_step: bool = False  # a next step with a date was agreed


def answered(facts: Facts, learned: set[str]) -> set[str]:
    """Codes of the visit objectives answered by the facts or by what visits learned."""
    return {code for code, known in vars(facts).items() if known} | set(learned)


def coverage_percent(answered_codes: set[str], active_codes: list[str]) -> int:
    if not active_codes:
        return 100
    return round(100 * len(answered_codes & set(active_codes)) / len(active_codes))


# After-visit follow-up (拜访后跟踪): what the seed says to do, and by when.
PROPOSED_TASKS = [
    # key, level, title, days after the visit, follow-up channel when done
    ("report_hq", "business", gettext_noop("向总部通报进度并确认下一步工作"), 1, "other"),
    ("invite_visit", "business", gettext_noop("邀请用户参观公司或样板点"), 14, "reference_visit"),
    ("mail_magazine", "business", gettext_noop("邮寄公司内刊"), 7, "mail"),
    ("thank_call", "relationship", gettext_noop("拜访后回电或发短信致谢"), 1, "phone"),
    ("invite_contacts", "relationship", gettext_noop("邀请拜访中结识的联系人"), 14, "dinner"),
]


def proposed_due(visited_on: date, days: int) -> date:
    return visited_on + timedelta(days=days)


# Where a visit was checked in ------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Metres between two points (haversine, WGS 84 degrees): the check-in and the hospital."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))
