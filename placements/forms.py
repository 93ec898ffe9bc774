from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from o2crm.records import VersionedForm

from .models import (
    Amendment,
    Contract,
    ContractStatus,
    Milestone,
    Payment,
    Plant,
    Reading,
    StatementStatus,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"inputmode": "decimal"}


class ContractForm(VersionedForm):
    class Meta:
        model = Contract
        fields = [
            "number", "signed_on", "term_start", "term_end", "mode", "price", "price_escalation",
            "minimum_monthly_m3", "meter_reading_day", "invoice_days", "payment_days", "backup",
            "end_of_term", "scan",
        ]  # fmt: skip
        widgets = {"signed_on": DATE, "term_start": DATE, "term_end": DATE}

    def clean(self):
        data = super().clean()
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end <= start:
            self.add_error("term_end", _("合作期止必须晚于合作期起。"))
        return data


class AmendmentForm(forms.ModelForm):
    class Meta:
        model = Amendment
        fields = ["effective_on", "price", "term_end", "note"]
        widgets = {"effective_on": DATE, "term_end": DATE}

    def clean(self):
        data = super().clean()
        if data.get("price") is None and data.get("term_end") is None:
            self.add_error("price", _("请填写新单价或新的合作期止。"))
        return data


def installers(owner_id: int | None) -> forms.ModelChoiceField:
    """Who may own an installation step: operations, the director, the placement's owner."""
    people = Q(role__in=[Role.OPERATIONS, Role.DIRECTOR]) | Q(pk=owner_id)
    users = User.objects.filter(people, is_active=True).only(*User.LABEL_FIELDS, "role")
    return forms.ModelChoiceField(
        label=_("负责人"), queryset=users.order_by("role", "username"), required=False
    )


class MilestoneForm(VersionedForm):
    class Meta:
        model = Milestone
        fields = ["planned_on", "done_on", "who", "note"]
        widgets = {"planned_on": DATE, "done_on": DATE}

    def __init__(self, *args, owner_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"] = installers(owner_id)


class PlantForm(VersionedForm):
    class Meta:
        model = Plant
        fields = ["model", "units", "installed_nm3h", "serials", "commissioned_on", "meter_start"]
        widgets = {
            "commissioned_on": DATE,
            "serials": forms.Textarea(attrs={"rows": 3}),
            "installed_nm3h": forms.NumberInput(attrs=NUMBER),
            "meter_start": forms.NumberInput(attrs=NUMBER),
        }


class ReadingForm(forms.ModelForm):
    class Meta:
        model = Reading
        fields = [
            "read_on", "value", "meter_changed", "old_meter_final", "new_meter_start",
            "jump_confirmed", "photo", "note",
        ]  # fmt: skip
        widgets = {
            "read_on": DATE,
            "value": forms.NumberInput(attrs={**NUMBER, "autofocus": True}),
            "old_meter_final": forms.NumberInput(attrs=NUMBER),
            "new_meter_start": forms.NumberInput(attrs=NUMBER),
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/*", "capture": "environment"}
            ),
        }


class ConfirmForm(forms.Form):
    confirmed_on = forms.DateField(label=_("医院确认日期"), widget=DATE)


class InvoiceForm(forms.Form):
    invoice_no = forms.CharField(label=_("发票号"), max_length=40)
    invoiced_on = forms.DateField(label=_("开票日期"), widget=DATE)


class CostForm(forms.Form):
    energy_cost = forms.DecimalField(label=_("电费（元）"), required=False, min_value=0)
    om_cost = forms.DecimalField(label=_("运维费用（元）"), required=False, min_value=0)


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["paid_on", "amount", "reference"]
        widgets = {"paid_on": DATE, "amount": forms.NumberInput(attrs=NUMBER)}


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    overdue = forms.BooleanField(label=_("有逾期回款"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *ContractStatus.choices]


class StatementFilterForm(forms.Form):
    contract = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    overdue = forms.BooleanField(label=_("已逾期"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    month = forms.DateField(
        label=_("月份"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *StatementStatus.choices]
