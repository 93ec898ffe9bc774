from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import domain
from .models import EconomicsSettings, Mode, Proposal
from .services import VALID_DAYS

DEPARTMENT_LABELS = {
    "general_ward": _("普通病房（床）"),
    "icu": _("ICU/CCU（床）"),
    "operating_room": _("手术室（间）"),
    "emergency_resuscitation": _("急诊抢救（床）"),
    "emergency_observation": _("急诊治疗/留观（床）"),
    "recovery": _("麻醉恢复（床）"),
    "neonatal": _("新生儿监护（床）"),
    "delivery": _("产房（间）"),
    "dialysis": _("血透（位）"),
    "outpatient_treatment": _("门诊治疗室（间）"),
}
CONSUMPTION_KINDS = [
    ("", _("无数据，按科室估算")),
    ("nm3_per_year", _("m³/年（流量计）")),
    ("lox_t_per_year", _("吨液氧/年")),
    ("cylinders_per_year", _("瓶/年")),
]
BASELINE_KINDS = [
    ("cny_per_t_lox", _("元/吨液氧")),
    ("cny_per_nm3", _("元/m³")),
    ("cny_per_cylinder", _("元/瓶")),
]
# The scalar settings a manager may adjust for one case (the tables are the admin's).
CASE_SETTINGS = {
    "psa_substitutable_share": _("制氧可替代比例"),
    "growth": _("用氧年增长率"),
    "price_escalation": _("单价年调整率"),
    "discount_rate": _("折现率"),
    "hurdle_irr": _("目标收益率（IRR）"),
    "electricity_price": _("电价（元/kWh）"),
    "sec_kwh_per_nm3": _("单位电耗（kWh/m³）"),
    "capex_fixed": _("固定投资（元）"),
    "capex_per_nm3h": _("单位产能投资（元/(Nm³/h)）"),
    "om_rate": _("年运维费率（占投资）"),
    "k_peak": _("峰值系数"),
    "availability": _("设备可用率"),
    "psa_m3_per_baseline_m3": _("93%氧替代系数"),
    "residual_value": _("期末残值（元）"),
}
NUMBER = {"step": "any", "inputmode": "decimal"}


class EconomicsForm(forms.Form):
    """The calculator's inputs; everything optional but the baseline price."""

    hbo_users = forms.IntegerField(label=_("高压氧舱同时用氧人数"), required=False, min_value=0)
    hbo_sessions_per_day = forms.FloatField(label=_("每日舱次"), required=False, min_value=0)
    hbo_days_per_year = forms.IntegerField(
        label=_("年开舱天数"), required=False, min_value=0, max_value=366
    )
    consumption_kind = forms.ChoiceField(
        label=_("年用氧量"), choices=CONSUMPTION_KINDS, required=False
    )
    consumption_value = forms.FloatField(label=_("数量"), required=False, min_value=0)
    baseline_kind = forms.ChoiceField(label=_("现用氧价格"), choices=BASELINE_KINDS)
    baseline_value = forms.FloatField(label=_("价格"), min_value=0)
    fixed_avoided = forms.FloatField(
        label=_("可免除的固定费用（元/年）"),
        required=False,
        min_value=0,
        help_text=_("如储罐租金、汇流排人工；仅当制氧完全替代该气源时填写。"),
    )
    price = forms.FloatField(
        label=_("供氧单价（元/m³）"),
        required=False,
        help_text=_("留空则按现用氧成本下浮目标节约比例"),
    )
    term_years = forms.IntegerField(
        label=_("合作期限（年）"), min_value=1, max_value=domain.MAX_TERM_YEARS
    )
    mode = forms.ChoiceField(label=_("合作模式"), choices=Mode.choices, initial=Mode.KEEP)

    def __init__(self, *args, settings: EconomicsSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.settings_row = settings
        for key in domain.DEPARTMENTS:
            self.fields[f"dept_{key}"] = forms.IntegerField(
                label=DEPARTMENT_LABELS[key], required=False, min_value=0
            )
        for key, label in CASE_SETTINGS.items():
            self.fields[f"s_{key}"] = forms.FloatField(
                label=label, required=False, initial=settings.values[key]
            )
        for name, field in self.fields.items():
            if isinstance(field, forms.FloatField | forms.IntegerField):
                field.widget.attrs.update(NUMBER)
            if name.startswith("s_"):
                field.widget.attrs["placeholder"] = str(settings.values[name[2:]])

    @classmethod
    def initial_from(cls, inputs: domain.Inputs, overrides: dict, settings: EconomicsSettings):
        initial: dict[str, Any] = {
            f"dept_{k}": inputs.departments.get(k) or None for k in domain.DEPARTMENTS
        }
        initial.update(
            hbo_users=inputs.hbo_users or None,
            hbo_sessions_per_day=inputs.hbo_sessions_per_day or None,
            hbo_days_per_year=inputs.hbo_days_per_year or None,
            fixed_avoided=inputs.fixed_avoided_cny_per_year or None,
            price=round(inputs.price, 2) if inputs.price else None,
            term_years=inputs.term_years or settings.values["term_years"],
            mode=inputs.mode,
        )
        for kind, _label in CONSUMPTION_KINDS[1:]:
            if getattr(inputs, kind) is not None:
                initial.update(consumption_kind=kind, consumption_value=getattr(inputs, kind))
        for kind, _label in BASELINE_KINDS:
            if getattr(inputs, kind) is not None:
                initial.update(baseline_kind=kind, baseline_value=round(getattr(inputs, kind), 4))
        for key in CASE_SETTINGS:
            initial[f"s_{key}"] = overrides.get(key, settings.values[key])
        return initial

    def clean(self):
        data = super().clean()
        if data.get("consumption_kind") and not data.get("consumption_value"):
            self.add_error("consumption_value", _("请填写年用氧量，或选择“按科室估算”。"))
        if data.get("price") is not None and data["price"] <= 0:
            self.add_error("price", _("单价必须大于 0。"))
        return data

    def to_inputs(self) -> tuple[domain.Inputs, dict[str, Any]]:
        """The domain's inputs and the settings this case changes (valid forms only)."""
        d = self.cleaned_data
        inputs = domain.Inputs(
            departments={
                k: d[f"dept_{k}"] for k in domain.DEPARTMENTS if d.get(f"dept_{k}") is not None
            },
            hbo_users=d.get("hbo_users") or 0,
            hbo_sessions_per_day=d.get("hbo_sessions_per_day") or 0,
            hbo_days_per_year=d.get("hbo_days_per_year") or 0,
            fixed_avoided_cny_per_year=d.get("fixed_avoided") or 0,
            price=d.get("price"),
            term_years=d["term_years"],
            mode=d["mode"],
        )
        if d.get("consumption_kind"):
            setattr(inputs, d["consumption_kind"], d["consumption_value"])
        setattr(inputs, d["baseline_kind"], d["baseline_value"])
        overrides = {
            key: d[f"s_{key}"]
            for key in CASE_SETTINGS
            if d.get(f"s_{key}") is not None and d[f"s_{key}"] != self.settings_row.values[key]
        }
        return inputs, overrides


class TermsForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = [
            "mode_other",
            "minimum_monthly_m3",
            "meter_reading_day",
            "invoice_terms",
            "payment_days",
            "backup",
            "valid_until",
            "remarks",
        ]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "remarks": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("valid_until", timezone.localdate() + timedelta(VALID_DAYS))
        self.fields["valid_until"].required = False

    def clean_meter_reading_day(self):
        day = self.cleaned_data["meter_reading_day"]
        if not 1 <= day <= 28:
            raise forms.ValidationError(_("抄表日应为每月 1 至 28 日。"))
        return day


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reason = forms.CharField(
        label=_("例外批准理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
