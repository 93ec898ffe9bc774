from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLES_ABOVE_ALL, Role, User, managers_overseen
from hospitals.forms import (
    ColleagueChoice,
    QuickSelect,
    StandingMoveForm,
    colleagues_of,
    set_owner_choices,
)
from hospitals.models import Contact, Hospital
from o2crm.records import VersionedForm
from pipeline.models import Project

from .models import (
    EntryStatus,
    LedgerEntry,
    LedgerKind,
    PlanTarget,
    RelationshipAction,
    RelationshipPlan,
    Side,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def our_side(project: Project) -> forms.ModelChoiceField:
    """Who on our side may own a relationship or an action: the project's owner, their team
    leader, and HQ (the director, the admin)."""
    owner = project.hospital.owner
    leader_id = owner.team.leader_id if owner and owner.team_id and owner.team else None
    people = Q(role__in=sorted(ROLES_ABOVE_ALL)) | Q(
        pk__in=[i for i in (project.owner_id, leader_id) if i]
    )
    users = User.objects.filter(people, is_active=True).only(*User.LABEL_FIELDS, "role")
    return forms.ModelChoiceField(label=_("我方负责人"), queryset=users.order_by("username"))


class PlanForm(VersionedForm):
    class Meta:
        model = RelationshipPlan
        fields = ["strategy"]
        widgets = {"strategy": forms.Textarea(attrs={"rows": 3})}


class TargetForm(VersionedForm):
    class Meta:
        model = PlanTarget
        fields = [
            "contact", "target_closeness", "target_attitude", "target_date", "strategy", "side",
            "owner",
        ]  # fmt: skip
        widgets = {"target_date": DATE}

    def __init__(self, *args, plan: RelationshipPlan, **kwargs):
        super().__init__(*args, **kwargs)
        project = plan.project
        self.instance.plan = plan
        self.fields["contact"].queryset = Contact.objects.filter(
            hospital_id=project.hospital_id, is_active=True
        ).order_by("layer", "-influence", "pinyin")
        self.fields["contact"].label_from_instance = lambda c: (
            f"{c.name}（{c.title}）" if c.title else c.name
        )
        self.fields["owner"] = our_side(project)
        if not self.instance.pk:
            owner = project.owner_id
            if self.initial.get("side") == Side.HQ:  # 高层对高层: the director owns it
                director = self.fields["owner"].queryset.filter(role=Role.DIRECTOR).first()
                owner = director.pk if director else owner
            self.initial.setdefault("owner", owner)
            self.initial.setdefault("target_date", timezone.localdate() + timedelta(weeks=12))
        self.fields["target_closeness"].widget = forms.Select(
            choices=[(n, str(n)) for n in range(1, 6)]
        )

    def clean(self):
        data = super().clean()
        if (
            data.get("side") == Side.HQ
            and data.get("owner")
            and data["owner"].role not in ROLES_ABOVE_ALL
        ):
            self.add_error("owner", _("高层对高层的关系由总部（总监）负责，请选择总监。"))
        return data


class ActionForm(VersionedForm):
    colleagues = ColleagueChoice()

    class Meta:
        model = RelationshipAction
        fields = ["target", "kind", "planned_on", "title", "owner"]
        widgets = {"planned_on": DATE}

    def __init__(self, *args, plan: RelationshipPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = PlanTarget.objects.filter(plan=plan).select_related(
            "contact"
        )
        self.fields["target"].label_from_instance = lambda t: t.contact.name
        self.fields["owner"] = our_side(plan.project)
        self.fields["colleagues"].queryset = colleagues_of(plan.project.owner)
        self.fields["owner"].label = _("负责人")
        self.fields["owner"].required = False
        self.fields["owner"].help_text = _("不选：由该对象的我方负责人承担")
        if not self.instance.pk:
            self.initial.setdefault("planned_on", timezone.localdate() + timedelta(days=7))
        else:
            self.initial["colleagues"] = [u.pk for u in self.instance.colleagues.all()]

    def clean(self):
        data = super().clean()
        if data.get("target") and not data.get("owner"):
            data["owner"] = data["target"].owner
            self.instance.owner = data["owner"]
        return data


class RecordActionForm(StandingMoveForm, forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=DATE)
    outcome = forms.CharField(
        label=_("结果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    colleagues = ColleagueChoice()

    def __init__(self, *args, action: RelationshipAction, **kwargs):
        super().__init__(*args, **kwargs)
        contact = action.target.contact
        self.fields["colleagues"].queryset = colleagues_of(action.target.plan.project.owner)
        self.fields["move_contact"].queryset = Contact.objects.filter(
            hospital_id=contact.hospital_id, is_active=True
        )
        if not self.is_bound:
            self.initial.update(
                done_on=min(action.planned_on, timezone.localdate()),
                move_contact=contact.pk,
                colleagues=[u.pk for u in action.colleagues.all()],
            )

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("完成日期不能晚于今天。"))
        return day


class LedgerForm(VersionedForm):
    colleagues = ColleagueChoice()

    class Meta:
        model = LedgerEntry
        fields = [
            "date",
            "kind",
            "amount",
            "contacts",
            "purpose",
            "receipt_no",
            "project",
            "reason",
        ]
        widgets = {
            "date": DATE,
            "contacts": forms.CheckboxSelectMultiple,
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hospital = hospital
        self.fields["contacts"].queryset = Contact.objects.filter(
            hospital=hospital, is_active=True
        ).order_by("layer", "pinyin")
        self.fields["contacts"].label_from_instance = lambda c: (
            f"{c.name}（{c.title}）" if c.title else c.name
        )
        self.fields["project"].queryset = Project.objects.filter(hospital=hospital)
        self.fields["kind"].queryset = LedgerKind.objects.all()
        self.fields["kind"].label_from_instance = _kind_label
        self.fields["colleagues"].queryset = colleagues_of(hospital.owner)
        self.fields["colleagues"].label = _("本方人员")
        self.fields["colleagues"].help_text = ""
        self.fields["reason"].help_text = _("超出限额时必填，将提交总监审批")
        if not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
        else:
            self.initial["colleagues"] = [u.pk for u in self.instance.colleagues.all()]


def _kind_label(kind: LedgerKind) -> str:
    if kind.forbidden:
        return f"{kind.name}（{_('禁止')}）"
    limits = []
    if kind.per_person_limit is not None:
        limits.append(_("每人每次 ¥%s") % f"{kind.per_person_limit:,.0f}")
    if kind.yearly_limit is not None:
        limits.append(_("每人每年 ¥%s") % f"{kind.yearly_limit:,.0f}")
    return f"{kind.name}（{'，'.join(map(str, limits))}）" if limits else kind.name


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("驳回"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    decision_note = forms.CharField(label=_("审批意见"), required=False, max_length=300)


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=_("医院或人员"), required=False, max_length=50)
    start = forms.DateField(label=_("从"), required=False, widget=DATE)
    end = forms.DateField(label=_("到"), required=False, widget=DATE)
    kind = forms.ModelChoiceField(
        label=_("类别"),
        queryset=LedgerKind.objects.all(),
        required=False,
        empty_label=_("全部类别"),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *EntryStatus.choices]
    )
    # choices from columns, rendered in Python: the director's 500 managers (decision 0011)
    manager = forms.TypedChoiceField(
        label=_("登记人"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    hospital = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # who may have recorded what the viewer sees: the people they oversee (all the sales
        # people for those who see everything, those who left too), not a DISTINCT over every
        # entry
        people = managers_overseen(user, former=True)
        set_owner_choices(self, "manager", people, _("全部人员"), former=True)

    def filter(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            term = data["q"].strip()
            # entries whose hospital or a person on them matches, each once (a subquery,
            # not a join: a join would count an entry once per matching person)
            qs = qs.filter(
                pk__in=LedgerEntry.objects.filter(
                    Q(hospital__name__contains=term) | Q(contacts__name__contains=term)
                ).values("pk")
            )
        if data.get("start"):
            qs = qs.filter(date__gte=data["start"])
        if data.get("end"):
            qs = qs.filter(date__lte=data["end"])
        for field in ("kind", "status"):
            if data.get(field):
                qs = qs.filter(**{field: data[field]})
        if data.get("manager"):
            qs = qs.filter(created_by_id=data["manager"])
        if data.get("contact"):
            qs = qs.filter(contacts=data["contact"])
        if data.get("hospital"):
            qs = qs.filter(hospital_id=data["hospital"])
        return qs
