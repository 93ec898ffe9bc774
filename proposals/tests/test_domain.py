"""The formulas of ../shared/domain/oxygen-reference.md, one table per section, and its public
worked example (§9). No database."""

import pytest

from proposals import domain
from proposals.domain import InputError, Inputs, compute, default_settings
from proposals.tests.factories import example_inputs as example  # the §9 worked example

S = default_settings()


# §3 design flow --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dept, n, lpm",
    [
        ("general_ward", 280, 10 + 6 * 279 * 0.15),
        ("icu", 12, 10 + 6 * 11 * 1.0),
        ("operating_room", 8, 100 + 10 * 7 * 0.75),
        ("operating_room", 1, 100),  # the first terminal at full flow
        ("icu", 0, 0),  # n = 0 contributes nothing (not 10 + 6·(−1)·1 = 4)
        ("operating_room", 0, 0),  # (not 92.5)
        ("emergency_resuscitation", 5, 100 + 6 * 4 * 0.25),
        ("neonatal", 10, 10 + 6 * 9 * 1.0),
    ],
)
def test_department_design_flow(dept, n, lpm):
    assert domain.design_flow_lpm({dept: n}, 0, S) == pytest.approx(lpm)


def test_hyperbaric_users_add_25_lpm_each():
    assert domain.design_flow_lpm({}, 4, S) == pytest.approx(100)
    assert domain.design_flow_lpm({"icu": 1}, 2, S) == pytest.approx(10 + 50)


def test_coefficients_are_settings():
    s = domain.resolve_settings({"coefficients": {"general_ward": {"eta": 0.25}}})
    assert s["coefficients"]["general_ward"] == {"qa": 10, "qb": 6, "eta": 0.25}
    assert domain.design_flow_lpm({"general_ward": 5}, 0, s) == pytest.approx(10 + 6 * 4 * 0.25)


# §4 consumption --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, nm3, origin",
    [
        ({"nm3_per_year": 250_000}, 250_000, "metered"),
        ({"lox_t_per_year": 150}, 105_000, "lox"),
        ({"cylinders_per_year": 36_000}, 216_000, "cylinders"),
    ],
)
def test_consumption_by_origin(given, nm3, origin):
    inputs = example(**{"lox_t_per_year": None, **given})
    assert domain.annual_consumption(inputs, S) == (pytest.approx(nm3), origin)


def test_estimated_consumption_when_the_survey_has_none():
    # §4.4 calibration: 500 beds (480 ward + 20 ICU) and 12 ORs ≈ 330 m³ per bed and year
    inputs = example(
        departments={"general_ward": 480, "icu": 20, "operating_room": 12}, lox_t_per_year=None
    )
    nm3, origin = domain.annual_consumption(inputs, S)
    assert origin == "estimated"
    assert nm3 == pytest.approx((480 * 0.4 + 20 * 5.0 + 12 * 2.0) * 525.6)
    assert 320 < nm3 / 500 < 340


def test_estimate_includes_hyperbaric_sessions():
    inputs = Inputs(hbo_users=10, hbo_sessions_per_day=2, hbo_days_per_year=300, cny_per_nm3=3)
    nm3, origin = domain.annual_consumption(inputs, S)
    assert (nm3, origin) == (pytest.approx(10 * 2 * 300 * 1.5), "estimated")


@pytest.mark.parametrize(
    "given, c_b",
    [
        ({"cny_per_t_lox": 1800}, 1800 / 700),
        ({"cny_per_cylinder": 45}, 45 / 6),
        ({"cny_per_nm3": 3.2}, 3.2),
    ],
)
def test_baseline_unit_cost(given, c_b):
    inputs = example(**{"cny_per_t_lox": None, **given})
    assert domain.baseline_unit_cost(inputs, S) == pytest.approx(c_b)


# §5 sizing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "design, last_year, required, duty, unit, units",
    [
        (12.0, 10_000, 12.0, 1, 15, 2),  # one duty unit up to 20 Nm³/h, plus a standby
        (20.0, 10_000, 20.0, 1, 20, 2),
        (29.376, 137_001, 2 * 137_001 / 8760, 2, 20, 3),  # the k_peak check governs
        (130.0, 10_000, 130.0, 2, 80, 3),
        (450.0, 10_000, 450.0, 3, 150, 4),  # d ≥ ceil(Q / 200)
    ],
)
def test_plant_sizing(design, last_year, required, duty, unit, units):
    sizing = domain.size_plant(design, last_year, S)
    assert sizing.required_nm3h == pytest.approx(required)
    assert (sizing.duty_units, sizing.unit_size, sizing.units) == (duty, unit, units)
    assert sizing.installed_nm3h == units * unit
    assert sizing.cap_nm3 == pytest.approx(duty * unit * 8760 * 0.95)


def test_volume_above_the_production_cap_is_not_billed():
    s = domain.resolve_settings({"k_peak": 0.5})  # a plant sized below the average load
    r = compute(example(departments={}, lox_t_per_year=1000), s)
    assert r.cap_reached
    assert max(r.billed) == pytest.approx(r.production_cap_nm3)
    assert r.billed[0] < r.annual_consumption_nm3


# §7 financial model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flows, years",
    [
        ([-100, 50, 50], 2.0),
        ([-100, 60, 60], 1 + 40 / 60),
        ([-100, 30, 30], None),  # none within the term
        ([-100, -10, 200], 1 + 110 / 200),
    ],
)
def test_payback(flows, years):
    assert domain.payback(flows) == (pytest.approx(years) if years is not None else None)


def test_npv_and_irr_follow_numpy_financial():
    # the reference's check (§7): discounting starts at t = 0
    assert domain.npv(0.281, [-100, 39, 59, 55, 20]) == pytest.approx(-0.00848, abs=1e-5)
    assert domain.irr([-100, 39, 59, 55, 20]) == pytest.approx(0.28095, abs=1e-5)
    assert domain.irr([-100, -5, -5]) is None


def test_all_cash_flows_negative_give_no_irr_and_no_payback():
    r = compute(example(price=0.5), S)
    assert all(cf < 0 for cf in r.cash_flows)
    assert r.irr is None
    assert r.payback_years is None and r.discounted_payback_years is None
    assert not r.investor_viable


def test_worked_example_of_section_9():
    r = compute(example(), S)
    assert r.design_flow_lpm == pytest.approx(489.6)
    assert r.design_flow_nm3h == pytest.approx(29.376)
    assert r.annual_consumption_nm3 == 105_000 and r.consumption_origin == "lox"
    assert r.consumption[-1] == pytest.approx(137_001, abs=1)
    assert r.required_flow_nm3h == pytest.approx(31.28, abs=0.005)
    assert (r.duty_units, r.unit_size_nm3h, r.units, r.installed_nm3h) == (2, 20, 3, 60)
    assert r.capex == 1_050_000 and r.om_per_year == 52_500
    assert r.electricity_per_nm3 == pytest.approx(0.90)
    assert r.cash_flows[1] == pytest.approx(105_000)
    assert r.payback_years == pytest.approx(8.47, abs=0.005)
    assert r.npv == pytest.approx(-213_133, abs=1)
    assert r.irr == pytest.approx(0.0354, abs=0.00005)
    assert r.lcoo == pytest.approx(2.67, abs=0.005)
    assert r.price_floor == pytest.approx(2.93, abs=0.005)
    assert r.baseline_cny_per_nm3 == pytest.approx(2.57, abs=0.005)
    # the reading: no price pleases both sides on 1,800 CNY/t LOX
    assert not r.mutual_price_exists and not r.investor_viable and r.hospital_viable


def test_price_floor_gives_the_hurdle_irr_without_escalation():
    r = compute(example(), S)
    at_floor = compute(example(price=r.price_floor), S)
    assert at_floor.irr == pytest.approx(S["hurdle_irr"], abs=1e-6)


def test_hospital_saving():
    r = compute(example(fixed_avoided_cny_per_year=20_000), S)
    c_b = 1800 / 700
    assert r.savings[0] == pytest.approx(105_000 * (c_b - 2.40) + 20_000)
    assert r.hospital_saving_total == pytest.approx(sum(r.savings))
    assert r.hospital_npv == pytest.approx(sum(s / 1.08**t for t, s in enumerate(r.savings, 1)))


def test_dear_cylinders_make_a_mutual_price():
    r = compute(
        example(
            lox_t_per_year=None,
            cylinders_per_year=30_000,
            cny_per_t_lox=None,
            cny_per_cylinder=45,
            price=5.0,
        ),
        S,
    )
    assert r.mutual_price_exists and r.investor_viable and r.hospital_viable
    assert r.price_floor < 5.0 < 45 / 6


def test_price_defaults_to_the_target_saving_below_the_baseline():
    r = compute(example(price=None), S)
    assert r.price == pytest.approx(1800 / 700 * 0.85)


def test_escalation_and_residual_value():
    s = domain.resolve_settings({"price_escalation": 0.02, "residual_value": 100_000})
    keep = compute(example(), s)
    transfer = compute(example(mode=domain.PLACEMENT_TRANSFER), s)
    assert keep.prices[2] == pytest.approx(2.40 * 1.02**2)
    assert keep.cash_flows[-1] - transfer.cash_flows[-1] == pytest.approx(100_000)


# Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"departments": {"icu": -1}}, "departments.icu"),
        ({"departments": {"kitchen": 3}}, "departments.kitchen"),
        ({"term_years": 0}, "term_years"),
        ({"term_years": 31}, "term_years"),
        ({"price": 0}, "price"),
        ({"price": -1}, "price"),
        ({"cny_per_t_lox": None}, "baseline"),
        ({"cny_per_nm3": 3}, "baseline"),
        ({"nm3_per_year": 1000}, "consumption"),
    ],
)
def test_bad_input_names_the_field(changes, field):
    with pytest.raises(InputError) as error:
        compute(example(**changes), S)
    assert error.value.field == field


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"nonsense": 1}, "settings.nonsense"),
        ({"availability": 1.5}, "settings.availability"),
        ({"om_rate": "x"}, "settings.om_rate"),
        ({"coefficients": {"kitchen": {"qa": 1}}}, "settings.coefficients.kitchen"),
    ],
)
def test_bad_settings_name_the_key(overrides, field):
    with pytest.raises(InputError) as error:
        domain.resolve_settings(overrides)
    assert error.value.field == field


def test_sensitivity_grid_moves_price_and_consumption():
    grid = domain.sensitivity(example(), S)
    assert len(grid) == 5 and all(len(row["cells"]) == 5 for row in grid)
    middle = grid[2]["cells"][2]
    assert middle["irr"] == pytest.approx(compute(example(), S).irr)
    # dearer oxygen pays the investor more
    assert grid[2]["cells"][4]["irr"] > middle["irr"] > grid[2]["cells"][0]["irr"]


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 866, [0, 200, 400, 600, 800, 1000]),
        (-2_130_000, 5_400_000, [-4_000_000, -2_000_000, 0, 2_000_000, 4_000_000, 6_000_000]),
        (0, 1, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]),
        (5, 5, [5, 5.2, 5.4, 5.6000000000000005, 5.800000000000001, 6.000000000000001]),
    ],
)
def test_chart_ticks_are_round_and_cover_the_values(low, high, ticks):
    from proposals.charts import nice_ticks

    got = nice_ticks(low, high)
    assert got == pytest.approx(ticks)
    assert got[0] <= low and got[-1] >= high and len(got) <= 6
