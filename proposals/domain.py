"""Oxygen demand and PSA placement economics: ../shared/domain/oxygen-reference.md, implemented
as written (§3 design flow, §4 consumption, §5 sizing, §6 costs, §7 financial model, §8
settings, §9 steps). Pure Python on floats at full precision; rounding happens only where a
number is shown. No ORM, no request: values in, values out.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Any

import numpy_financial as npf
from django.utils.translation import gettext as _  # messages only: no ORM, no request

LPM_TO_NM3H = 0.06  # L/min → Nm³/h
HOURS_PER_YEAR = 8760
LPM_TO_NM3_PER_YEAR = LPM_TO_NM3H * HOURS_PER_YEAR  # 525.6: one L/min, all year
MAX_TERM_YEARS = 30

# The departments of §3.2 in survey order; the keys are part of the API.
DEPARTMENTS = (
    "general_ward",
    "icu",
    "operating_room",
    "emergency_resuscitation",
    "emergency_observation",
    "recovery",
    "neonatal",
    "delivery",
    "dialysis",
    "outpatient_treatment",
)

# Evidence marks of the reference, kept with every setting.
VERIFIED, SECONDARY, ASSUMPTION, UNVERIFIED = "verified", "secondary", "assumption", "unverified"
STATUSES = (VERIFIED, SECONDARY, ASSUMPTION, UNVERIFIED)


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    unit: str
    status: str
    source: str


# §8, in its order. `coefficients` is the §3.2 table (department → Qa, Qb, η) and
# `est_avg_lpm` the §4.4 estimator (department → average L/min per unit).
COEFFICIENTS = {
    "general_ward": {"qa": 10, "qb": 6, "eta": 0.15},
    "icu": {"qa": 10, "qb": 6, "eta": 1.0},
    "operating_room": {"qa": 100, "qb": 10, "eta": 0.75},
    "emergency_resuscitation": {"qa": 100, "qb": 6, "eta": 0.25},
    "emergency_observation": {"qa": 10, "qb": 6, "eta": 0.25},
    "recovery": {"qa": 10, "qb": 6, "eta": 1.0},
    "neonatal": {"qa": 10, "qb": 6, "eta": 1.0},
    "delivery": {"qa": 10, "qb": 6, "eta": 0.25},
    "dialysis": {"qa": 10, "qb": 6, "eta": 0.25},
    "outpatient_treatment": {"qa": 10, "qb": 6, "eta": 0.25},
}
EST_AVG_LPM = {
    "general_ward": 0.4,
    "icu": 5.0,
    "operating_room": 2.0,
    "emergency_resuscitation": 2.0,
    "emergency_observation": 0.4,
    "recovery": 0.4,
    "neonatal": 0.4,
    "delivery": 0.4,
    "dialysis": 0.4,
    "outpatient_treatment": 0.4,
}
CATALOGUE = [5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200]

SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "coefficients",
        COEFFICIENTS,
        "L/min、–",
        SECONDARY,
        "GB 50751-2012 §9.2.1（经 CAN GAS 转引：普通病房、ICU、手术室）；"
        "其余科室参照 HTM 02-01，未核实",
    ),
    SettingSpec("hbo_lpm_per_user", 25, "L/min", SECONDARY, "GB 50751（经 CAN GAS 转引）"),
    SettingSpec("hbo_m3_per_user_session", 1.5, "m³", ASSUMPTION, "25 L/min × 60 分钟，模型假设"),
    SettingSpec("est_avg_lpm", EST_AVG_LPM, "L/min", ASSUMPTION, "参考资料 §4.4，模型假设"),
    SettingSpec("lox_nm3_per_t", 700, "Nm³/t", VERIFIED, "1000 / 1.429 kg/Nm³（0 °C）"),
    SettingSpec("cylinder_m3", 6.0, "m³", VERIFIED, "40 L × 15 MPa 标称；实际 5–6 m³"),
    SettingSpec("k_peak", 2.0, "–", ASSUMPTION, "参考资料 §5，模型假设"),
    SettingSpec("single_duty_max_nm3h", 20, "Nm³/h", ASSUMPTION, "参考资料 §5，模型假设"),
    SettingSpec("unit_catalogue", CATALOGUE, "Nm³/h", ASSUMPTION, "WHO：2–200 Nm³/h"),
    SettingSpec("availability", 0.95, "–", ASSUMPTION, "参考资料 §5，模型假设"),
    SettingSpec("capex_fixed", 150000, "元", ASSUMPTION, "示意值，请以公司报价替换"),
    SettingSpec("capex_per_nm3h", 15000, "元/(Nm³/h)", ASSUMPTION, "公开数据 14,500–47,000"),
    SettingSpec("sec_kwh_per_nm3", 1.2, "kWh/Nm³", SECONDARY, "1.0–1.5（OCC、厂商）"),
    SettingSpec("part_load_factor", 1.0, "–", ASSUMPTION, "参考资料 §6.2"),
    SettingSpec("electricity_price", 0.75, "元/kWh", ASSUMPTION, "2024 年工业平均约 0.63"),
    SettingSpec("om_rate", 0.05, "占投资/年", SECONDARY, "国内案例约 4.8%/年"),
    SettingSpec("psa_substitutable_share", 1.0, "–", ASSUMPTION, "参考资料 §2.3"),
    SettingSpec("growth", 0.03, "/年", ASSUMPTION, "参考资料 §4.5"),
    SettingSpec("price_escalation", 0.0, "/年", ASSUMPTION, "参考资料 §7"),
    SettingSpec("term_years", 10, "年", ASSUMPTION, "参考资料 §7"),
    SettingSpec("discount_rate", 0.08, "–", ASSUMPTION, "请以公司资金成本替换"),
    SettingSpec("hurdle_irr", 0.12, "–", ASSUMPTION, "参考资料 §7"),
    SettingSpec("psa_m3_per_baseline_m3", 1.0, "m³/m³", ASSUMPTION, "按氧浓度滴定时为 1.07"),
    SettingSpec("target_saving", 0.15, "–", ASSUMPTION, "参考资料 §9 第 7 步"),
    SettingSpec("residual_value", 0, "元", ASSUMPTION, "设备归我方时的期末价值，§7"),
)
SETTING_KEYS = tuple(s.key for s in SETTINGS)


def default_settings() -> dict[str, Any]:
    """A fresh copy of every §8 default (nested tables copied too)."""
    return {s.key: copy.deepcopy(s.default) for s in SETTINGS}


def _one_consumption() -> str:
    return _("只能给出 nm3_per_year、lox_t_per_year、cylinders_per_year 之一。")


def _one_baseline() -> str:
    return _("请给出 cny_per_nm3、cny_per_t_lox、cny_per_cylinder 之一。")


class InputError(ValueError):
    """Bad input, naming the field: `field` is the API's key, `message` what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


# Modes of cooperation (§7). Only the first keeps a residual value for the company.
PLACEMENT_KEEP, PLACEMENT_TRANSFER, DIRECT_SALE, OTHER = "keep", "transfer", "sale", "other"


@dataclass
class Inputs:
    departments: dict[str, float] = field(default_factory=dict)
    hbo_users: float = 0
    hbo_sessions_per_day: float = 0
    hbo_days_per_year: float = 0
    # at most one of these three; none → the §4.4 estimate
    nm3_per_year: float | None = None
    lox_t_per_year: float | None = None
    cylinders_per_year: float | None = None
    # exactly one of these three
    cny_per_nm3: float | None = None
    cny_per_t_lox: float | None = None
    cny_per_cylinder: float | None = None
    fixed_avoided_cny_per_year: float = 0
    price: float | None = None  # None → c_b × (1 − target_saving), §9 step 7
    term_years: int | None = None  # None → the setting
    mode: str = PLACEMENT_KEEP


@dataclass
class Result:
    design_flow_lpm: float
    design_flow_nm3h: float
    annual_consumption_nm3: float
    consumption_origin: str
    required_flow_nm3h: float
    duty_units: int
    unit_size_nm3h: float
    units: int
    installed_nm3h: float
    production_cap_nm3: float
    capex: float
    om_per_year: float
    electricity_per_nm3: float
    baseline_cny_per_nm3: float
    price: float
    term_years: int
    consumption: list[float]  # V_t, t = 1..N
    billed: list[float]  # B_t
    prices: list[float]  # P_t
    electricity: list[float]  # E_t
    cash_flows: list[float]  # CF_t, t = 0..N
    cumulative: list[float]  # cumulative CF, t = 0..N
    payback_years: float | None
    discounted_payback_years: float | None
    npv: float
    irr: float | None
    lcoo: float | None
    price_floor: float | None
    savings: list[float]  # S_t, t = 1..N
    hospital_saving_year1: float
    hospital_saving_total: float
    hospital_npv: float
    investor_viable: bool
    hospital_viable: bool
    mutual_price_exists: bool
    cap_reached: bool

    API_KEYS = (
        "design_flow_lpm",
        "design_flow_nm3h",
        "annual_consumption_nm3",
        "consumption_origin",
        "required_flow_nm3h",
        "duty_units",
        "unit_size_nm3h",
        "units",
        "installed_nm3h",
        "production_cap_nm3",
        "capex",
        "om_per_year",
        "baseline_cny_per_nm3",
        "cash_flows",
        "payback_years",
        "discounted_payback_years",
        "npv",
        "irr",
        "lcoo",
        "price_floor",
        "hospital_saving_year1",
        "hospital_saving_total",
        "hospital_npv",
        "investor_viable",
        "hospital_viable",
        "mutual_price_exists",
    )

    def as_api(self) -> dict[str, Any]:
        """The output JSON of `POST /api/v1/economics` and `manage.py economics`."""
        return {k: getattr(self, k) for k in self.API_KEYS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# §3 ------------------------------------------------------------------------------------------


def department_flow_lpm(n: float, qa: float, qb: float, eta: float) -> float:
    """Q_i = Qa + Qb·(n − 1)·η for n ≥ 1, and 0 for a department with no beds (n = 0)."""
    if n <= 0:
        return 0.0
    return qa + qb * (n - 1) * eta


def design_flow_lpm(
    departments: dict[str, float], hbo_users: float, settings: dict[str, Any]
) -> float:
    coefficients = settings["coefficients"]
    total = sum(department_flow_lpm(n, **coefficients[key]) for key, n in departments.items() if n)
    return float(total + hbo_users * settings["hbo_lpm_per_user"])


# §4 ------------------------------------------------------------------------------------------


def estimated_consumption(
    departments: dict[str, float],
    hbo_users: float,
    hbo_sessions_per_day: float,
    hbo_days_per_year: float,
    settings: dict[str, Any],
) -> float:
    """§4.4: V = Σ n_i × avg_lpm_i × 525.6 + users × sessions/day × days/yr × m³/session."""
    wards = sum(n * settings["est_avg_lpm"][key] for key, n in departments.items() if n)
    hbo = hbo_users * hbo_sessions_per_day * hbo_days_per_year * settings["hbo_m3_per_user_session"]
    return float(wards * LPM_TO_NM3_PER_YEAR + hbo)


def annual_consumption(inputs: Inputs, settings: dict[str, Any]) -> tuple[float, str]:
    """V₁ and where it came from, in the order of §4.1."""
    if inputs.nm3_per_year is not None:
        return float(inputs.nm3_per_year), "metered"
    if inputs.lox_t_per_year is not None:
        return inputs.lox_t_per_year * settings["lox_nm3_per_t"], "lox"
    if inputs.cylinders_per_year is not None:
        return inputs.cylinders_per_year * settings["cylinder_m3"], "cylinders"
    return (
        estimated_consumption(
            inputs.departments,
            inputs.hbo_users,
            inputs.hbo_sessions_per_day,
            inputs.hbo_days_per_year,
            settings,
        ),
        "estimated",
    )


def baseline_unit_cost(inputs: Inputs, settings: dict[str, Any]) -> float:
    """c_b, CNY per Nm³ (§6.4)."""
    if inputs.cny_per_nm3 is not None:
        return float(inputs.cny_per_nm3)
    if inputs.cny_per_t_lox is not None:
        return float(inputs.cny_per_t_lox / settings["lox_nm3_per_t"])
    if inputs.cny_per_cylinder is not None:
        return float(inputs.cny_per_cylinder / settings["cylinder_m3"])
    raise InputError("baseline", _one_baseline())


# §5 ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizing:
    required_nm3h: float
    duty_units: int
    unit_size: float
    units: int
    installed_nm3h: float
    cap_nm3: float


def size_plant(design_nm3h: float, last_year_nm3: float, settings: dict[str, Any]) -> Sizing:
    catalogue = sorted(settings["unit_catalogue"])
    average_peak = settings["k_peak"] * last_year_nm3 / HOURS_PER_YEAR
    required = max(design_nm3h, average_peak)
    duty = 1 if required <= settings["single_duty_max_nm3h"] else 2
    duty = max(duty, math.ceil(required / catalogue[-1]))
    unit = next(size for size in catalogue if size >= required / duty)
    units = duty + 1  # N+1 (§2.2)
    cap = duty * unit * HOURS_PER_YEAR * settings["availability"]
    return Sizing(required, duty, unit, units, units * unit, cap)


# §7 ------------------------------------------------------------------------------------------


def payback(cash_flows: list[float]) -> float | None:
    """(k − 1) + (−Cum_{k−1}) / CF_k for the first year k with Cum_k ≥ 0; None = not within
    the term."""
    cumulative = cash_flows[0]
    if cumulative >= 0:
        return 0.0
    for k in range(1, len(cash_flows)):
        before = cumulative
        cumulative += cash_flows[k]
        if cumulative >= 0:
            return (k - 1) + (-before) / cash_flows[k]
    return None


def running_total(values: list[float]) -> list[float]:
    """0 at t = 0, then the sum so far: the hospital's cumulative saving for t = 0..N."""
    return list(accumulate(values, initial=0.0))


def discounted(cash_flows: list[float], rate: float) -> list[float]:
    return [cf / (1 + rate) ** t for t, cf in enumerate(cash_flows)]


def npv(rate: float, cash_flows: list[float]) -> float:
    """Σ CF_t / (1+r)^t with t from 0 (numpy-financial's convention, not Excel's)."""
    return float(npf.npv(rate, cash_flows))


def irr(cash_flows: list[float]) -> float | None:
    value = float(npf.irr(cash_flows))
    return None if math.isnan(value) else value


def lcoo(rate: float, capex: float, costs: list[float], billed: list[float]) -> float | None:
    """[Capex + Σ (E_t+OM)/(1+r)^t] / Σ B_t/(1+r)^t, t = 1..N; None when nothing is billed."""
    volume = sum(b / (1 + rate) ** t for t, b in enumerate(billed, start=1))
    if volume <= 0:
        return None
    spend = capex + sum(c / (1 + rate) ** t for t, c in enumerate(costs, start=1))
    return spend / volume


def resolve_settings(
    overrides: dict[str, Any] | None, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The settings in force: `base` (or the defaults) with `overrides` applied; nested tables
    merge per department. Unknown keys raise InputError naming them."""
    settings = default_settings() if base is None else {**default_settings(), **base}
    for key, value in (overrides or {}).items():
        if key not in SETTING_KEYS:
            raise InputError(f"settings.{key}", _("未知的参数。"))
        if key in ("coefficients", "est_avg_lpm"):
            if not isinstance(value, dict):
                raise InputError(f"settings.{key}", _("应为按科室填写的对象。"))
            merged = dict(settings[key])
            for dept, row in value.items():
                if dept not in DEPARTMENTS:
                    raise InputError(f"settings.{key}.{dept}", _("未知的科室。"))
                if key == "coefficients":
                    if not isinstance(row, dict) or set(row) - {"qa", "qb", "eta"}:
                        raise InputError(f"settings.{key}.{dept}", _("只接受 qa、qb 和 eta。"))
                    merged[dept] = {**merged[dept], **row}
                else:
                    merged[dept] = row
            settings[key] = merged
        else:
            settings[key] = value
    check_settings(settings)
    return settings


def check_settings(settings: dict[str, Any]) -> None:
    """Every setting is a number in its range; the tables are complete."""

    def number(
        name: str, value: Any, low: float = 0.0, high: float | None = None, *, strict: bool = False
    ) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InputError(name, _("请输入数字。"))
        if value < low or (strict and value == low) or (high is not None and value > high):
            raise InputError(name, _("超出允许范围。"))

    for key in SETTING_KEYS:
        value = settings[key]
        name = f"settings.{key}"
        if key == "coefficients":
            for dept in DEPARTMENTS:
                for part in ("qa", "qb", "eta"):
                    number(f"{name}.{dept}.{part}", value[dept][part])
        elif key == "est_avg_lpm":
            for dept in DEPARTMENTS:
                number(f"{name}.{dept}", value[dept])
        elif key == "unit_catalogue":
            if not isinstance(value, list) or not value:
                raise InputError(name, _("应为规格列表。"))
            for size in value:
                number(name, size, strict=True)
        elif key in ("availability", "psa_substitutable_share", "target_saving"):
            number(name, value, high=1.0, strict=key == "availability")
        elif key == "term_years":
            number(name, value, 1, MAX_TERM_YEARS)
        elif key in ("growth", "price_escalation"):
            number(name, value, -0.5, 1.0)
        elif key in ("lox_nm3_per_t", "cylinder_m3", "k_peak", "psa_m3_per_baseline_m3"):
            number(name, value, strict=True)
        else:
            number(name, value)


def compute(inputs: Inputs, settings: dict[str, Any]) -> Result:
    """The method end to end (§9 steps 2–9)."""
    check_inputs(inputs)
    s = settings
    term = int(inputs.term_years or s["term_years"])

    flow_lpm = design_flow_lpm(inputs.departments, inputs.hbo_users, s)
    flow_nm3h = flow_lpm * LPM_TO_NM3H
    v1, origin = annual_consumption(inputs, s)
    growth = s["growth"]
    consumption = [v1 * (1 + growth) ** (t - 1) for t in range(1, term + 1)]
    sizing = size_plant(flow_nm3h, consumption[-1], s)

    capex = s["capex_fixed"] + s["capex_per_nm3h"] * sizing.installed_nm3h
    om = s["om_rate"] * capex
    per_nm3 = s["sec_kwh_per_nm3"] * s["electricity_price"] * s["part_load_factor"]
    c_b = baseline_unit_cost(inputs, s)
    price = inputs.price if inputs.price is not None else c_b * (1 - s["target_saving"])

    wanted = [s["psa_substitutable_share"] * v * s["psa_m3_per_baseline_m3"] for v in consumption]
    billed = [min(w, sizing.cap_nm3) for w in wanted]
    prices = [price * (1 + s["price_escalation"]) ** (t - 1) for t in range(1, term + 1)]
    electricity = [b * per_nm3 for b in billed]
    flows = [-capex] + [p * b - e - om for p, b, e in zip(prices, billed, electricity, strict=True)]
    if inputs.mode == PLACEMENT_KEEP:
        flows[-1] += s["residual_value"]
    cumulative = list(accumulate(flows))

    rate, rate_h = s["discount_rate"], s["discount_rate"]
    costs = [e + om for e in electricity]
    savings = [
        b * (c_b - p) + inputs.fixed_avoided_cny_per_year
        for b, p in zip(billed, prices, strict=True)
    ]
    the_irr = irr(flows)
    floor = lcoo(s["hurdle_irr"], capex, costs, billed)
    return Result(
        design_flow_lpm=flow_lpm,
        design_flow_nm3h=flow_nm3h,
        annual_consumption_nm3=v1,
        consumption_origin=origin,
        required_flow_nm3h=sizing.required_nm3h,
        duty_units=sizing.duty_units,
        unit_size_nm3h=sizing.unit_size,
        units=sizing.units,
        installed_nm3h=sizing.installed_nm3h,
        production_cap_nm3=sizing.cap_nm3,
        capex=capex,
        om_per_year=om,
        electricity_per_nm3=per_nm3,
        baseline_cny_per_nm3=c_b,
        price=price,
        term_years=term,
        consumption=consumption,
        billed=billed,
        prices=prices,
        electricity=electricity,
        cash_flows=flows,
        cumulative=cumulative,
        payback_years=payback(flows),
        discounted_payback_years=payback(discounted(flows, rate)),
        npv=npv(rate, flows),
        irr=the_irr,
        lcoo=lcoo(rate, capex, costs, billed),
        price_floor=floor,
        savings=savings,
        hospital_saving_year1=savings[0],
        hospital_saving_total=sum(savings),
        hospital_npv=sum(sv / (1 + rate_h) ** t for t, sv in enumerate(savings, start=1)),
        investor_viable=the_irr is not None and the_irr >= s["hurdle_irr"],
        hospital_viable=price < c_b,
        mutual_price_exists=floor is not None and floor < c_b,
        cap_reached=any(w > sizing.cap_nm3 for w in wanted),
    )


def check_inputs(inputs: Inputs) -> None:
    for key, n in inputs.departments.items():
        if key not in DEPARTMENTS:
            raise InputError(f"departments.{key}", _("未知的科室。"))
        if n is None or n < 0:
            raise InputError(f"departments.{key}", _("不能为负数。"))
    for name in ("hbo_users", "hbo_sessions_per_day", "hbo_days_per_year"):
        if getattr(inputs, name) < 0:
            raise InputError(f"hyperbaric.{name.removeprefix('hbo_')}", _("不能为负数。"))
    if inputs.hbo_days_per_year > 366:
        raise InputError("hyperbaric.days_per_year", _("每年不能超过 366 天。"))
    given = [
        k for k in ("nm3_per_year", "lox_t_per_year", "cylinders_per_year") if getattr(inputs, k)
    ]
    if len(given) > 1:
        raise InputError("consumption", _one_consumption())
    for k in ("nm3_per_year", "lox_t_per_year", "cylinders_per_year"):
        value = getattr(inputs, k)
        if value is not None and value <= 0:
            raise InputError(f"consumption.{k}", _("必须大于 0。"))
    prices = [
        k
        for k in ("cny_per_nm3", "cny_per_t_lox", "cny_per_cylinder")
        if getattr(inputs, k) is not None
    ]
    if len(prices) != 1:
        raise InputError("baseline", _one_baseline())
    if getattr(inputs, prices[0]) <= 0:
        raise InputError(f"baseline.{prices[0]}", _("必须大于 0。"))
    if inputs.fixed_avoided_cny_per_year < 0:
        raise InputError("fixed_avoided_cny_per_year", _("不能为负数。"))
    if inputs.price is not None and inputs.price <= 0:
        raise InputError("price", _("必须大于 0。"))
    if inputs.term_years is not None and not 1 <= inputs.term_years <= MAX_TERM_YEARS:
        raise InputError("term_years", _("期限应为 1 至 30 年。"))
    if inputs.mode not in (PLACEMENT_KEEP, PLACEMENT_TRANSFER, DIRECT_SALE, OTHER):
        raise InputError("mode", _("未知的合作模式。"))


def sensitivity(
    inputs: Inputs,
    settings: dict[str, Any],
    steps: tuple[float, ...] = (-0.2, -0.1, 0.0, 0.1, 0.2),
    base: Result | None = None,
) -> list[dict[str, Any]]:
    """IRR over price × consumption, each moved by `steps`: one row per consumption step.
    `base` is compute(inputs, settings) when the caller already has it."""
    base = base or compute(inputs, settings)
    rows = []
    for dv in steps:
        cells = []
        for dp in steps:
            varied = Inputs(**{**asdict(inputs)})
            varied.price = base.price * (1 + dp)
            varied.nm3_per_year = base.annual_consumption_nm3 * (1 + dv)
            varied.lox_t_per_year = varied.cylinders_per_year = None
            cells.append({"price": varied.price, "irr": compute(varied, settings).irr})
        rows.append(
            {
                "consumption_step": dv,
                "consumption": base.annual_consumption_nm3 * (1 + dv),
                "cells": cells,
            }
        )
    return rows


# The API's JSON shape (POST /api/v1/economics, manage.py economics, a proposal's inputs) -----

CONSUMPTION_KEYS = {"nm3_per_year", "lox_t_per_year", "cylinders_per_year"}
BASELINE_KEYS = {"cny_per_nm3", "cny_per_t_lox", "cny_per_cylinder"}
HYPERBARIC_KEYS = {"users", "sessions_per_day", "days_per_year"}
TOP_KEYS = {
    "departments",
    "hyperbaric",
    "consumption",
    "baseline",
    "fixed_avoided_cny_per_year",
    "price",
    "term_years",
    "mode",
    "settings",
}


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(name, _("请输入数字。"))
    return float(value) if isinstance(value, float) else value


def _optional_number(name: str, value: Any) -> float | None:
    return None if value is None else _number(name, value)


def _object(name: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(name, _("应为 JSON 对象。"))
    for key in value:
        if key not in allowed:
            raise InputError(f"{name}.{key}", _("未知的字段。"))
    return value


def parse_input(data: Any) -> tuple[Inputs, dict[str, Any]]:
    """Inputs and setting overrides from the API's JSON; InputError names a bad field."""
    if not isinstance(data, dict):
        raise InputError("body", _("请求体应为 JSON 对象。"))
    for key in data:
        if key not in TOP_KEYS:
            raise InputError(key, _("未知的字段。"))
    departments = _object("departments", data.get("departments"), set(DEPARTMENTS))
    hbo = _object("hyperbaric", data.get("hyperbaric"), HYPERBARIC_KEYS)
    consumption = _object("consumption", data.get("consumption"), CONSUMPTION_KEYS)
    baseline = _object("baseline", data.get("baseline"), BASELINE_KEYS)
    if len(consumption) > 1:
        raise InputError("consumption", _one_consumption())
    if len(baseline) != 1:
        raise InputError("baseline", _one_baseline())
    term = data.get("term_years")
    if term is not None and (isinstance(term, bool) or not isinstance(term, int)):
        raise InputError("term_years", _("请输入整数年数。"))
    inputs = Inputs(
        departments={k: _number(f"departments.{k}", v) for k, v in departments.items()},
        hbo_users=_number("hyperbaric.users", hbo.get("users", 0)),
        hbo_sessions_per_day=_number("hyperbaric.sessions_per_day", hbo.get("sessions_per_day", 0)),
        hbo_days_per_year=_number("hyperbaric.days_per_year", hbo.get("days_per_year", 0)),
        fixed_avoided_cny_per_year=_number(
            "fixed_avoided_cny_per_year", data.get("fixed_avoided_cny_per_year", 0) or 0
        ),
        price=_optional_number("price", data.get("price")),
        term_years=term,
        mode=data.get("mode") or PLACEMENT_KEEP,
        **{k: _number(f"consumption.{k}", v) for k, v in consumption.items()},
        **{k: _number(f"baseline.{k}", v) for k, v in baseline.items()},
    )
    check_inputs(inputs)
    overrides = _object("settings", data.get("settings"), set(SETTING_KEYS))
    return inputs, overrides


def to_json(inputs: Inputs, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The inverse of parse_input: what a proposal stores and the API accepts."""
    consumption = {
        k: getattr(inputs, k) for k in sorted(CONSUMPTION_KEYS) if getattr(inputs, k) is not None
    }
    baseline = {
        k: getattr(inputs, k) for k in sorted(BASELINE_KEYS) if getattr(inputs, k) is not None
    }
    return {
        "departments": {k: v for k, v in inputs.departments.items() if v},
        "hyperbaric": {
            "users": inputs.hbo_users,
            "sessions_per_day": inputs.hbo_sessions_per_day,
            "days_per_year": inputs.hbo_days_per_year,
        },
        "consumption": consumption,
        "baseline": baseline,
        "fixed_avoided_cny_per_year": inputs.fixed_avoided_cny_per_year,
        "price": inputs.price,
        "term_years": inputs.term_years,
        "mode": inputs.mode,
        "settings": overrides or {},
    }
