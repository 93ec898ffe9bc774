from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User, managers_overseen
from hospitals.forms import QuickSelect, owner_filter_field, set_owner_choices
from hospitals.models import PROVINCES
from o2crm.dates import week_start
from pipeline.domain import add_months

from .discipline import WINDOW_DAYS
from .models import iso_week, week_monday
from .monthly import MonthScope
from .scope import Scope

# How far back each report looks unless the user says otherwise.
DEFAULT_DAYS = {"funnel": 90, "sources": 365, "forecast": 365, "discipline": WINDOW_DAYS}
FORWARD = {"forecast"}  # reports that look ahead from today


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The dates a report may ask for: wide enough for any business question, narrow enough that
# a period's arithmetic (the day after its end, a cadence before its start) stays a date.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def in_report_range(value: date) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(
            _("请填写 %(earliest)s 至 %(latest)s 之间的日期。"),
            code="out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def team_choices(user: User) -> list[tuple]:
    """The teams `user` may filter by: all for those who see everything, else the ones led."""
    teams = Team.objects.all()
    if not user.sees_all:
        teams = teams.filter(pk__in=user.led_team_ids)
    return [("", _("全部团队"))] + list(teams.order_by("name").values_list("pk", "name"))


class PeopleFilter(forms.Form):
    """Whose rows: a manager, a team, a province; the choices are the people and teams the
    user may see (the API names people by username, the pages by id)."""

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

    def __init__(self, data, *, user: User, by_username: bool = False):
        super().__init__(data)
        owners = managers_overseen(user)
        if by_username:
            # the API names one owner or none: looked up when named, not a menu of everyone
            # the user may see (the director's 500 managers, on every answer)
            self.fields["owner"] = forms.CharField(label=_("负责人"), required=False)
            self._owners = owners
        else:
            self._usernames = set_owner_choices(self, "owner", owners)
        self.fields["team"].choices = team_choices(user)

    def clean_owner(self):
        owner = self.cleaned_data.get("owner") or None
        if owner and hasattr(self, "_owners"):
            found = self._owners.filter(username=owner).values_list("pk", flat=True)
            self._owner_pk = found.first()
            if self._owner_pk is None:  # no such manager, or not one the user may see
                raise forms.ValidationError(
                    _("没有这位负责人，或不在您可查看的范围内：%(value)s"),
                    code="invalid_choice",
                    params={"value": owner},
                )
        return owner

    def owner_id(self) -> int | None:
        owner = self.cleaned_data.get("owner") or None
        if owner and hasattr(self, "_owners"):
            return self._owner_pk
        return owner

    def api_query(self) -> dict[str, str]:
        """The filters on screen as the API takes them (the owner by username), only those
        set: what the page's export link sends. Call after is_valid()."""
        data = self.cleaned_data
        owner = data.get("owner") or None
        if owner and hasattr(self, "_usernames"):
            owner = self._usernames[owner]
        query = {"owner": owner, "team": data.get("team"), "province": data.get("province")}
        return {k: str(v) for k, v in query.items() if v not in (None, "")}


class ReportFilterForm(PeopleFilter):
    """Whose projects and which period: the same for the page, the JSON and the workbook."""

    start = forms.DateField(
        label=_("开始日期"), required=False, widget=DATE, validators=[in_report_range]
    )
    end = forms.DateField(
        label=_("结束日期"), required=False, widget=DATE, validators=[in_report_range]
    )

    def __init__(self, data, *, user: User, report: str, by_username: bool = False):
        # the default period shows in the date fields, not only in the title
        data = data.copy()
        today, days = timezone.localdate(), timedelta(days=DEFAULT_DAYS[report] - 1)
        start, end = today - days, today
        if report in FORWARD:  # this month and the eleven after it
            start = today.replace(day=1)
            end = add_months(start, 12) - timedelta(days=1)
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
        super().__init__(data, user=user, by_username=by_username)
        self.report = report

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        return data

    def api_query(self) -> dict[str, str]:
        scope = self.scope()  # the period on screen, defaults included
        return {**super().api_query(), "start": str(scope.start), "end": str(scope.end)}

    def scope(self) -> Scope:
        data = self.cleaned_data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS[self.report] - 1)
        return Scope(
            start=start,
            end=end,
            owner=self.owner_id(),
            team=data.get("team"),
            province=data.get("province") or "",
        )


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_validators = [in_report_range]

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            year, month = value.split("-")
            if len(year) != 4:
                raise ValueError(value)
            return date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(
                _("请按 年-月 填写月份，例如 2026-11。"), code="bad_month"
            ) from None


class MonthlyForm(PeopleFilter):
    month = MonthField(label=_("月份"), required=False)

    def __init__(self, data, **kwargs):
        data = data.copy()
        data.setdefault("month", report_month(timezone.localdate()).strftime("%Y-%m"))
        super().__init__(data, **kwargs)

    def clean_month(self):
        month = self.cleaned_data["month"] or report_month(timezone.localdate())
        if month > timezone.localdate():
            raise forms.ValidationError(_("这个月还没有开始。"), code="future_month")
        return month

    def api_query(self) -> dict[str, str]:
        return {**super().api_query(), "month": self.cleaned_data["month"].strftime("%Y-%m")}

    def scope(self):
        data = self.cleaned_data
        return MonthScope(
            month=data["month"],
            owner=self.owner_id(),
            team=data.get("team"),
            province=data.get("province") or "",
        )


class WeekField(forms.CharField):
    """An ISO week as YYYY-Www (what <input type="week"> sends), cleaned to its Monday."""

    widget = forms.TextInput(attrs={"type": "week"})
    default_validators = [in_report_range]

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            return week_monday(value)
        except ValueError:
            raise forms.ValidationError(
                _("请按 年-W周 填写周，例如 2026-W48。"), code="bad_week"
            ) from None


def review_week(today: date) -> date:
    """The week a leader reviews by default: this one from Friday, when managers submit;
    the one before until then."""
    monday = week_start(today)
    return monday if today.weekday() >= 4 else monday - timedelta(days=7)


def report_month(today: date) -> date:
    """The month the 月报 opens on: the one the week under review belongs to (an ISO week
    belongs to the month of its Thursday). On the first days of a month, until its first week
    is submitted, that is the month just ended: the one the assistant consolidates then, with
    its weeks all in; from then on, the month under way."""
    return (review_week(today) + timedelta(days=3)).replace(day=1)


class WeekForm(forms.Form):
    week = WeekField(label=_("周"), required=False)
    team = forms.TypedChoiceField(
        label=_("团队"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(self, data, *, user: User):
        data = data.copy()
        data.setdefault("week", iso_week(review_week(timezone.localdate())))
        super().__init__(data)
        self.fields["team"].choices = team_choices(user)

    def clean_week(self):
        monday = self.cleaned_data["week"] or review_week(timezone.localdate())
        if monday > week_start(timezone.localdate()):
            raise forms.ValidationError(_("这一周还没有开始。"), code="future_week")
        return monday


class RemarkForm(forms.Form):
    remark = forms.CharField(
        label=_("本周说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("需要说明的情况、需要的支持（可不填）")}
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
