"""Oxygen quantities as hospitals report them, brought to Nm³ (0 °C, 1 atm) for comparison.

Factors from ../shared/domain/oxygen-reference.md §4.2: 1 t LOX ≈ 700 Nm³ (1000 / 1.429), 1 L
LOX ≈ 0.798 Nm³ (1.141 kg / 1.429 kg/Nm³), one 40 L cylinder at 15 MPa ≈ 6 Nm³. The
placement-economics issue makes these settings editable and versioned; until then they are
the reference defaults here.
"""

from __future__ import annotations

from decimal import Decimal

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
