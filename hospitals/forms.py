from __future__ import annotations

import html

from django import forms
from django.db.models import Case, Q, Value, When
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLES_ABOVE_ALL, Role, User, managers_overseen
from o2crm.records import VersionedForm
from o2crm.widgets import Radios

from . import standing
from .models import (
    PERSONAL_FIELDS,
    PROVINCES,
    Attitude,
    Contact,
    Department,
    Grade,
    Hospital,
    HospitalStatus,
    Layer,
    PurchaseRole,
)


def assignable_owners(user: User):
    """Whom `user` may make the owner of a hospital, or None when they may not choose."""
    managers = User.objects.filter(is_active=True, role=Role.MANAGER)
    if user.has_perm("hospitals.assign_owner"):
        return managers
    if user.led_team_ids:
        return managers.filter(Q(team__in=user.led_team_ids) | Q(pk=user.pk))
    return None


class QuickSelect(forms.Select):
    """A plain <select> rendered in Python. Django renders every <option> through a template
    a piece: for the director's 500 managers that was a visible share of every list page
    (decision 0011)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(  # the standard library's escape: Django's is lazy-wrapped, slower
            f'<option value="{html.escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
            f"{html.escape(str(label))}</option>"
            for v, label in self.choices
        )
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(attrs)}>{options}</select>")  # all text escaped


def owner_filter_field() -> forms.TypedChoiceField:
    """The owner menu of list filters: choices from two columns, not 500 user objects."""
    return forms.TypedChoiceField(
        label=_("负责人"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )


# Up to this many people an owner filter is a menu (a leader's team: a few names are quicker
# to tap than to type); past it, a type-ahead (the director's 500 managers, on a phone).
OWNER_MENU_MAX = 30


def set_owner_choices(
    form: forms.Form, name: str, owners, empty: str | None = None, *, former: bool = False
) -> dict[int, str]:
    """The owners as the choices of `form`'s field `name`, after `empty` (全部负责人 unless
    told); returns their usernames by id (the API's names). Past OWNER_MENU_MAX owners the
    field becomes an OwnerSearch and its choices are the one in the form's data alone (checked
    against `owners`): one query of at most OWNER_MENU_MAX + 1 rows either way, not 500.
    `former`: the type-ahead offers those who have left too (as `owners` does)."""
    field = form.fields[name]
    chosen = form.data.get(form.add_prefix(name))
    columns = ("pk", "name", "username")
    rows = list(owners.order_by("username").values_list(*columns)[: OWNER_MENU_MAX + 1])
    field.choosable = len(rows) > 1  # a menu of one's own name is no choice
    if len(rows) > OWNER_MENU_MAX:
        field.widget = OwnerSearch(former=former)
        pk = str(chosen or "")
        rows = list(owners.filter(pk=int(pk)).values_list(*columns)) if pk.isdigit() else []
    field.choices = Choices(
        [("", empty or _("全部负责人"))] + [(pk, name or username) for pk, name, username in rows]
    )
    return {pk: username for pk, _name, username in rows}


def set_assignable_owners(
    form: forms.Form, name: str, owners, *, teams: bool = False, exclude: int | None = None
) -> None:
    """The person `form`'s field `name` may be set to, among `owners` (in their order): a
    menu up to OWNER_MENU_MAX, past it the type-ahead with the current (or posted) one alone
    written into the page. Either way one query of at most OWNER_MENU_MAX + 1 rows (and the
    chosen one's), not 500; the choice is checked against `owners` as ever (the field looks
    the posted one up). `teams`: the menu names each one's team; `exclude`: one the
    type-ahead does not offer (a handover's giver, whom `owners` leave out too)."""
    field = form.fields[name]
    field.queryset = owners
    columns = ("pk", "name", "first_name", "last_name", "username", "team__name")
    rows = list(owners.values_list(*columns)[: OWNER_MENU_MAX + 1])
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    if len(rows) > OWNER_MENU_MAX:
        field.widget = OwnerSearch(placeholder=_("输入姓名、拼音或首字母"), exclude=exclude)
        chosen = str(form[name].value() or "")
        rows = list(owners.filter(pk=int(chosen)).values_list(*columns)) if chosen.isdigit() else []

    def label(name: str, first_name: str, last_name: str, username: str, team: str | None) -> str:
        text = User.label(name, first_name, last_name, username)
        return f"{text} · {team}" if teams and team else text

    field.widget.choices = Choices(empty + [(row[0], label(*row[1:])) for row in rows])


class OwnerSearch(forms.Widget):
    """One person among hundreds: a hidden input holds the id, a search box beside it asks
    the server for names as one types (name, pinyin, initials, username: hospitals:
    owner-suggest, among the people the user oversees) and static/js/o2crm.js puts the one
    tapped in. The choices are the chosen person alone (set_owner_choices)."""

    def __init__(
        self, former: bool = False, placeholder: str = "", exclude: int | None = None, attrs=None
    ):
        super().__init__(attrs)
        self.former, self.placeholder, self.exclude = former, placeholder, exclude
        self.choices: list = []

    def render(self, name, value, attrs=None, renderer=None):
        value = "" if value is None else str(value)
        empty, label = "", ""
        for v, text in self.choices:
            if v == "":
                empty = str(text)
            elif str(v) == value:
                label = str(text)
        box = self.build_attrs(self.attrs, attrs)
        box.update(
            type="search",
            value=label,
            placeholder=self.placeholder or empty,
            autocomplete="off",
            role="combobox",
            **{"aria-autocomplete": "list", "aria-expanded": "false", "data-label": label},
        )
        pick = {"class": "owner-pick", "data-url": reverse("hospitals:owner-suggest")}
        if self.former:
            pick["data-former"] = "1"
        if self.exclude:
            pick["data-exclude"] = str(self.exclude)
        hidden = {"type": "hidden", "name": name, "value": value}
        return mark_safe(  # flatatt escapes every value
            f"<div{flatatt(pick)}><input{flatatt(hidden)}><input{flatatt(box)}>"
            '<div class="suggest" role="listbox"></div></div>'
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class Choices(BaseChoiceIterator):
    """Choices already in (value, label) form: Django normalises a list item by item on every
    assignment, a visible share of a page for the director's 500 managers."""

    def __init__(self, pairs: list[tuple]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):  # templates ask whether there is more than one to choose
        return len(self.pairs)


class HospitalForm(VersionedForm):
    province = forms.ChoiceField(label=_("省份"), choices=[("", "—")] + [(p, p) for p in PROVINCES])

    class Meta:
        model = Hospital
        fields = [
            "name", "short_name", "province", "city", "county", "grade", "hospital_type",
            "ownership", "status", "address", "latitude", "longitude", "beds", "icu_beds",
            "operating_rooms", "hyperbaric_chambers", "owner", "notes",
        ]  # fmt: skip
        widgets = {
            "owner": QuickSelect,  # the director's 500 managers: rendered in Python
            "notes": forms.Textarea(attrs={"rows": 3}),
            "beds": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "icu_beds": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "operating_rooms": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "hyperbaric_chambers": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        owners = assignable_owners(user)
        if owners is None:
            del self.fields["owner"]
        else:
            set_assignable_owners(self, "owner", owners)
            # A team leader who cleared the owner would lose sight of the hospital themselves.
            self.fields["owner"].required = not user.has_perm("hospitals.assign_owner")

    def _post_clean(self):
        super()._post_clean()  # the model's checks, the duplicate among them
        if self.duplicate_held_by:
            self.add_error(
                "name",
                forms.ValidationError(
                    _(
                        "这家医院已由%(team)s负责，不在您的负责范围内；如需跟进，请联系该团队或销售助理。"
                    ),
                    code="held_by_team",
                    params={"team": self.duplicate_held_by},
                ),
            )

    @cached_property
    def _duplicate(self) -> tuple[Hospital | None, bool]:
        """The existing hospital this one would duplicate, and whether the user may see it."""
        errors = self.errors.as_data().get("name", [])
        if not any(e.code == "duplicate_in_city" for e in errors):
            return None, False
        found = self.instance.find_duplicate()
        seen = found is not None and Hospital.objects.visible_to(self.user).filter(pk=found.pk)
        return found, bool(seen and seen.exists())

    @property
    def duplicate(self) -> Hospital | None:
        """The duplicate to link to from the error, when the user may see it."""
        found, seen = self._duplicate
        return found if seen else None

    @property
    def duplicate_held_by(self) -> str:
        """Whom to ask about a duplicate the user may not see: the team of its owner (never
        its id or a link)."""
        found, seen = self._duplicate
        if found is None or seen:
            return ""
        owner = found.owner
        team = owner.team if owner and owner.team_id else None
        if team is None:
            return str(_("销售助理"))
        leader = team.leader.display_name if team.leader_id else ""
        return f"{team.name}（{leader}）" if leader else team.name


class DepartmentForm(VersionedForm):
    class Meta:
        model = Department
        fields = ["name", "parent", "phone", "sort_order", "notes"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hospital = hospital
        parents = Department.objects.filter(hospital=hospital)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents


class ContactForm(VersionedForm):
    roles = forms.MultipleChoiceField(
        label=_("采购角色"),
        choices=PurchaseRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contact
        fields = [
            "name", "department", "title", "layer", "roles", "influence", "attitude",
            "closeness", "mobile", "office_phone", "email", "wechat", "work_info", "org_needs",
            "birthday", "personal_phone", "family", "hobbies", "personal_needs", "is_active",
            "notes",
        ]  # fmt: skip
        widgets = {
            "layer": Radios,
            "attitude": Radios,
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "work_info": forms.Textarea(attrs={"rows": 2}),
            "org_needs": forms.Textarea(attrs={"rows": 2}),
            "family": forms.Textarea(attrs={"rows": 2}),
            "hobbies": forms.Textarea(attrs={"rows": 2}),
            "personal_needs": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "office_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "personal_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, hospital: Hospital, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hospital = hospital
        self.fields["department"].queryset = Department.objects.filter(hospital=hospital)
        self.fields["influence"].widget = forms.NumberInput(attrs={"min": 1, "max": 5})
        self.fields["closeness"].widget = forms.NumberInput(attrs={"min": 1, "max": 5})
        # Whoever may not see personal details may not change them either.
        self.shows_personal = user.oversees(
            hospital.owner_id, hospital.owner.team_id if hospital.owner else None
        )
        if not self.shows_personal:
            for name in PERSONAL_FIELDS:
                del self.fields[name]


class HospitalFilterForm(forms.Form):
    SORTS = {
        "name": ("pinyin", "pk"),
        "-beds": ("-beds", "pk"),
        "beds": ("beds", "pk"),
        "-grade": ("-grade_rank", "pinyin", "pk"),
        "-updated": ("-updated_at", "pk"),
    }
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    province = forms.ChoiceField(
        label=_("省份"),
        required=False,
        choices=[("", _("全部省份"))] + [(p, p) for p in PROVINCES],
        widget=QuickSelect,
    )
    city = forms.CharField(label=_("城市"), required=False, max_length=30)
    grade = forms.ChoiceField(
        label=_("等级"), required=False, choices=[("", _("全部等级")), *Grade.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *HospitalStatus.choices]
    )
    owner = owner_filter_field()
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("name", _("按名称")),
            ("-grade", _("按等级")),
            ("-beds", _("床位从多到少")),
            ("beds", _("床位从少到多")),
            ("-updated", _("最近更新")),
        ],
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        owners = managers_overseen(user)
        set_owner_choices(self, "owner", owners)

    def filter(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            qs = qs.search(data["q"])
        for field in ("province", "grade", "status"):
            if data.get(field):
                qs = qs.filter(**{field: data[field]})
        if data.get("owner"):
            qs = qs.filter(owner_id=data["owner"])
        if data.get("city"):
            qs = qs.filter(city__startswith=data["city"].strip())
        return qs.order_by(*self.SORTS.get(data.get("sort") or "name", self.SORTS["name"]))

    def narrows(self) -> bool:
        """A filter leaves out some of the hospitals the user may see (a sort does not)."""
        return _narrows(self, ("q", "province", "grade", "status", "owner", "city"))


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    layer = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部层级")), *Layer.choices]
    )
    attitude = forms.ChoiceField(
        label=_("态度"), required=False, choices=[("", _("全部态度")), *Attitude.choices]
    )

    def filter(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            qs = qs.search(data["q"])
        for field in ("layer", "attitude"):
            if data.get(field):
                qs = qs.filter(**{field: data[field]})
        return qs.in_search_order(data.get("q") or "")

    def narrows(self) -> bool:
        """A filter leaves out some of the contacts the user may see."""
        return _narrows(self, ("q", "layer", "attitude"))


def _narrows(form: forms.Form, fields: tuple[str, ...]) -> bool:
    data = form.cleaned_data if form.is_valid() else {}
    return any(data.get(field) for field in fields)


def colleagues_of(owner: User | None):
    """Whom a manager's contact may be shared with: the executives (the director, HQ: 高层对高层)
    first, then the owner's team and its leader — a short list whatever the company's size."""
    near = Q(role__in=sorted(ROLES_ABOVE_ALL))
    if owner is not None:
        near |= Q(pk=owner.pk)
        if owner.team_id:
            near |= Q(team_id=owner.team_id) | Q(led_teams=owner.team_id)
    order = Case(When(role__in=sorted(ROLES_ABOVE_ALL), then=Value(0)), default=Value(1))
    return (
        User.objects.filter(near, is_active=True)
        .distinct()
        .only(*User.LABEL_FIELDS, "role")
        .order_by(order, "username")
    )


class ColleagueChoice(forms.ModelMultipleChoiceField):
    """Our people who took part; the form narrows the choice with `colleagues_of(owner)`."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("本方参与人"),
            queryset=colleagues_of(None),
            required=False,
            help_text=_("一同参与的公司同事，例如陪同拜访院长的销售总监"),
            **kwargs,
        )


class StandingMoveForm(forms.Form):
    """The change of one person's standing an event brought (a follow-up, a visit, an action):
    who, closeness, attitude. The form using it narrows `move_contact` to the hospital's people."""

    move_contact = forms.ModelChoiceField(
        label=_("关系变化：谁"), queryset=Contact.objects.none(), required=False
    )
    move_closeness = forms.TypedChoiceField(
        label=_("亲密程度变为"),
        choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    move_attitude = forms.ChoiceField(
        label=_("态度变为"), choices=[("", "—"), *Attitude.choices], required=False
    )

    def clean(self):
        data = super().clean()
        moved = data.get("move_closeness") or data.get("move_attitude")
        if moved and not data.get("move_contact"):
            self.add_error("move_contact", _("请选择关系发生变化的人。"))
        return data

    def moves(self) -> list[standing.Move]:
        """The change of standing this contact brought, if the user gave one."""
        data = self.cleaned_data
        if not data.get("move_contact"):
            return []
        closeness, attitude = data.get("move_closeness"), data.get("move_attitude") or None
        if not closeness and not attitude:
            return []
        return [standing.Move(data["move_contact"], closeness, attitude)]
