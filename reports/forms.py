from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from hospitals.forms import QuickSelect, owner_filter_field, set_owner_choices
from hospitals.models import PROVINCES

from .queries import Scope

# How far back each report looks unless the user says otherwise.
DEFAULT_DAYS = {"funnel": 90, "sources": 365, "forecast": 365}
FORWARD = {"forecast"}  # reports that look ahead from today


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportFilterForm(forms.Form):
    """Whose projects and which period: the same for the page, the JSON and the workbook."""

    owner = owner_filter_field()
    team = forms.TypedChoiceField(
        label=_("团队"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    province = forms.ChoiceField(
        label=_("省份"),
        required=False,
        choices=[("", _("全部省份"))] + [(p, p) for p in PROVINCES],
        widget=QuickSelect,
    )
    start = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    end = forms.DateField(label=_("结束日期"), required=False, widget=DATE)

    def __init__(self, data, *, user: User, report: str, by_username: bool = False):
        # the default period shows in the date fields, not only in the title
        data = data.copy()
        today, days = timezone.localdate(), timedelta(days=DEFAULT_DAYS[report] - 1)
        start, end = today - days, today
        if report in FORWARD:  # this month and the eleven after it
            start = month = today.replace(day=1)
            for _month in range(12):
                month = (month + timedelta(days=32)).replace(day=1)
            end = month - timedelta(days=1)
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
        super().__init__(data)
        self.report = report
        owners = User.objects.filter(is_active=True, role=Role.MANAGER)
        teams = Team.objects.all()
        if not user.sees_all:
            owners = owners.filter(Q(pk=user.pk) | Q(team__in=user.led_team_ids))
            teams = teams.filter(pk__in=user.led_team_ids)
        if by_username:  # the API names people by username
            self.fields["owner"] = forms.ChoiceField(label=_("负责人"), required=False)
            self.fields["owner"].choices = [("", "")] + [
                (u, u) for u in owners.values_list("username", flat=True)
            ]
            self._owner_ids = dict(owners.values_list("username", "pk"))
        else:
            set_owner_choices(self.fields["owner"], owners)
        self.fields["team"].choices = [("", _("全部团队"))] + list(
            teams.order_by("name").values_list("pk", "name")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS[self.report] - 1)
        owner = data.get("owner") or None
        if owner and hasattr(self, "_owner_ids"):
            owner = self._owner_ids[owner]
        return Scope(
            start=start,
            end=end,
            owner=owner,
            team=data.get("team"),
            province=data.get("province") or "",
        )
