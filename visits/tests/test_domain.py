from decimal import Decimal

import pytest

from visits.domain import price_per_nm3, to_nm3, yearly_cost


@pytest.mark.parametrize(
    ("value", "unit", "nm3"),
    [
        (1000, "kg_lox", Decimal("700")),  # 1 t LOX ≈ 700 Nm³ at 0 °C
        (2, "t_lox", Decimal("1400")),
        (1000, "l_lox", Decimal("798")),  # the vendors' 1 : 800
        (100, "cylinders", Decimal("600")),  # 40 L at 15 MPa ≈ 6 m³
        (12345, "nm3", Decimal("12345")),
        (None, "t_lox", None),
        (5, "barrels", None),
    ],
)
def test_quantities_are_brought_to_nm3(value, unit, nm3):
    assert to_nm3(value, unit) == nm3


@pytest.mark.parametrize(
    ("price", "unit", "per_nm3"),
    [
        ("2.4", "per_kg", "3.43"),  # the reference's vendor example: 2.4 CNY/kg LOX
        ("1800", "per_t", "2.57"),  # §9: c_b = 1,800 / 700
        ("36", "per_cylinder", "6.00"),
        ("3.2", "per_nm3", "3.20"),
    ],
)
def test_prices_are_brought_to_yuan_per_nm3(price, unit, per_nm3):
    assert price_per_nm3(Decimal(price), unit).quantize(Decimal("0.01")) == Decimal(per_nm3)


def test_yearly_cost_is_twelve_months_at_the_unit_price():
    assert yearly_cost(Decimal("14000"), Decimal("2.5")) == Decimal("420000")
    assert yearly_cost(None, Decimal("2.5")) is None


def test_the_distance_between_a_check_in_and_the_hospital():
    from visits.domain import distance_m

    # 0.01 degree of longitude on the equator is about 1,112 m, at 60° north half that
    assert distance_m(0.0, 120.0, 0.0, 120.01) == 1112
    assert distance_m(60.0, 120.0, 60.0, 120.01) == 556
    assert distance_m(30.2565, 120.1705, 30.2565, 120.1705) == 0
    # 0.001 degree of latitude is about 111 m anywhere
    assert distance_m(30.0, 120.0, 30.001, 120.0) == 111
