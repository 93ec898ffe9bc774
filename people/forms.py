from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from hospitals.forms import QuickSelect, set_assignable_owners
from hospitals.models import Hospital
from o2crm.widgets import Radios

from . import services
from .models import Reason


class HeirField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.team}" if obj.team else str(obj)


class HandoverForm(forms.Form):
    """Whose hospitals go to whom: all of them, those of some provinces or cities, or chosen
    ones; `preview` shows the counts before `confirm` moves them."""

    heir = HeirField(label=_("接手人"), queryset=User.objects.none(), widget=QuickSelect)
    scope = forms.ChoiceField(
        label=_("范围"),
        choices=[("all", _("全部医院")), ("region", _("按地区")), ("chosen", _("逐家选择"))],
        initial="all",
        widget=Radios,
    )
    provinces = forms.MultipleChoiceField(
        label=_("省份"), required=False, widget=forms.CheckboxSelectMultiple
    )
    cities = forms.MultipleChoiceField(
        label=_("城市"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hospitals = forms.ModelMultipleChoiceField(
        label=_("医院"),
        queryset=Hospital.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.ChoiceField(label=_("原因"), choices=Reason.choices, initial=Reason.LEAVING)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, from_user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.from_user = from_user
        # past 30 managers a type-ahead, not 500 names with their teams (hospitals.forms)
        set_assignable_owners(
            self, "heir", services.heirs_for(from_user), teams=True, exclude=from_user.pk
        )
        own = services.hospitals_of(from_user).order_by("province", "city", "name")
        self.fields["hospitals"].queryset = own.only("id", "name", "city")
        places = list(own.values_list("province", "city").distinct())
        self.fields["provinces"].choices = [(p, p) for p in sorted({p for p, _c in places if p})]
        self.fields["cities"].choices = [(c, c) for c in sorted({c for _p, c in places if c})]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope == "region" and not (data.get("provinces") or data.get("cities")):
            self.add_error("provinces", _("请选择至少一个省份或城市。"))
        if scope == "chosen" and not data.get("hospitals"):
            self.add_error("hospitals", _("请选择至少一家医院。"))
        return data

    def chosen(self) -> QuerySet[Hospital]:
        data = self.cleaned_data
        if data["scope"] == "region":
            return services.hospitals_of(
                self.from_user, provinces=data["provinces"], cities=data["cities"]
            )
        if data["scope"] == "chosen":
            return services.hospitals_of(self.from_user, ids=[h.pk for h in data["hospitals"]])
        return services.hospitals_of(self.from_user)

    def scope_text(self) -> str:
        data = self.cleaned_data
        if data["scope"] == "region":
            return "、".join([*data["provinces"], *data["cities"]])
        if data["scope"] == "chosen":
            return str(_("%(n)s 家选定医院") % {"n": len(data["hospitals"])})
        return str(_("全部医院"))


class DeactivateForm(forms.Form):
    heir = HeirField(
        label=_("接手人"), queryset=User.objects.none(), required=False, widget=QuickSelect
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_assignable_owners(self, "heir", services.heirs_for(user), teams=True, exclude=user.pk)


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    """A person's account: the login name (only when new), name, contact, team and role."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.MANAGER)

    class Meta:
        model = User
        fields = ["username", "name", "email", "phone", "team"]
        help_texts = {"username": _("登录用的名字：字母、数字或 @/./+/-/_，之后不能修改。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["team"].empty_label = _("（无团队）")
        if self.instance.pk:
            del self.fields["username"]
            self.initial["role"] = self.instance.role


class TeamForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Team
        fields = ["name", "leader", "territory"]
        help_texts = {"leader": _("负责人会被调入这个团队。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leaders = User.objects.filter(is_active=True, role=Role.MANAGER).select_related("team")
        self.fields["leader"] = HeirField(
            label=_("负责人"), queryset=leaders.order_by("team__name", "username"), required=False
        )
