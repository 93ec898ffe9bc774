from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User, managers_overseen
from hospitals.forms import (
    ColleagueChoice,
    QuickSelect,
    StandingMoveForm,
    VersionedForm,
    assignable_owners,
    colleagues_of,
    owner_filter_field,
    set_assignable_owners,
    set_owner_choices,
)
from hospitals.models import PROVINCES, Contact, Hospital
from o2crm.widgets import Radios

from . import domain
from .models import (
    Channel,
    Competitor,
    ContactKind,
    Decision,
    EvaluationQuestion,
    FollowUp,
    PipelineSettings,
    Project,
    ProjectClass,
    ProjectCompetitor,
    QuestionGroup,
    Source,
    Stage,
    Status,
)
from .services import evaluate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact: Contact) -> str:
        parts = [
            contact.name,
            contact.title or (contact.department.name if contact.department else ""),
        ]
        return " · ".join(p for p in parts if p)


class ProjectForm(VersionedForm):
    contacts = ContactChoice(
        label=_("决策链联系人"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("参与这次采购的人：申请、推荐、审批、验证、采购执行。"),
    )

    class Meta:
        model = Project
        fields = [
            "name", "owner", "source", "source_event", "source_event_name", "entry_path",
            "entry_contact", "informant", "informant_closeness", "need", "current_source",
            "planned_purchase_date", "committed", "estimated_volume", "contract_value", "stage",
            "class_override", "class_override_reason", "contacts", "notes",
        ]  # fmt: skip
        widgets = {
            "owner": QuickSelect,  # the director's 500 managers: rendered in Python
            "source": Radios,
            "entry_path": Radios,
            "need": Radios,
            "planned_purchase_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "informant_closeness": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "estimated_volume": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "contract_value": forms.NumberInput(
                attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}
            ),
        }

    def __init__(self, *args, hospital: Hospital, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hospital = hospital
        people = Contact.objects.filter(hospital=hospital, is_active=True).select_related(
            "department"
        )
        self.fields["contacts"].queryset = people
        for name in ("entry_contact", "informant"):
            self.fields[name].queryset = people
        self.fields["stage"].queryset = Stage.objects.filter(is_active=True)
        # a new project starts at the first stage unless the user picks a later one
        self.fields["stage"].required = False
        self.fields["stage"].empty_label = None
        self.fields["source_event"].required = False
        owners = assignable_owners(user)
        if owners is None:
            del self.fields["owner"]
            if not self.instance.pk:
                self.instance.owner = user
        else:
            if not self.instance.pk and user.role == Role.MANAGER:
                self.initial.setdefault("owner", user.pk)
            set_assignable_owners(self, "owner", owners)
        if self.instance.pk:
            del self.fields["stage"]  # moved with its own rule, from the board or the page

    def clean(self):
        data = super().clean()
        if data.get("source") == Source.PROMOTION and not data.get("source_event"):
            self.add_error("source_event", _("推广反馈需注明活动类型：展会或技术交流。"))
        if data.get("class_override") and not (data.get("class_override_reason") or "").strip():
            self.add_error("class_override_reason", _("人工指定分类时请写明理由。"))
        value = data.get("contract_value")
        if value is not None and value < 0:
            self.add_error("contract_value", _("金额不能为负数。"))
        planned = data.get("planned_purchase_date")
        years = PipelineSettings.current().planned_horizon_years
        latest = domain.add_months(timezone.localdate(), 12 * years)
        if planned and planned > latest:
            self.add_error(
                "planned_purchase_date",
                _("计划采购日期不能晚于 %(latest)s（%(years)s 年以内）；请核对年份。")
                % {"latest": date_format(latest, "SHORT_DATE_FORMAT"), "years": years},
            )
        return data


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("阶段"), queryset=Stage.objects.filter(is_active=True))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("结果"),
        choices=[(s, label) for s, label in Status.choices if s != Status.OPEN],
        widget=Radios,
    )
    close_reason = forms.CharField(
        label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FollowUpForm(StandingMoveForm, forms.ModelForm):
    contacts = ContactChoice(
        label=_("联系的人"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FollowUp
        fields = ["date", "kind", "channel", "contacts", "summary", "next_step", "next_step_date"]
        widgets = {
            "date": DATE,
            "next_step_date": DATE,
            "kind": Radios,
            "channel": Radios,
            "summary": forms.Textarea(attrs={"rows": 3, "placeholder": _("谈了什么、对方怎么说")}),
        }

    colleagues = ColleagueChoice()

    def __init__(self, *args, project: Project, kind: str = ContactKind.BUSINESS, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        people = Contact.objects.filter(hospital_id=project.hospital_id, is_active=True)
        self.fields["contacts"].queryset = people.select_related("department")
        self.fields["move_contact"].queryset = people
        self.fields["colleagues"].queryset = colleagues_of(project.owner)
        self.fields["kind"].initial = kind
        self.fields["channel"].initial = Channel.VISIT
        self.fields["date"].initial = timezone.localdate()


ANSWERS = [("yes", _("是")), ("partly", _("部分")), ("no", _("否")), ("unknown", _("不清楚"))]
RISK_LEVELS = [("low", _("低")), ("medium", _("中")), ("high", _("高"))]
RISK_LABELS = {"funding": _("资金风险"), "legal": _("法律风险"), "technical": _("技术风险")}


class EvaluationForm(forms.Form):
    """The four questions of step 1.2: one answer and one note of evidence per sub-question,
    the three risks, and the decision with its reason. Built from the configured questions."""

    decision = forms.ChoiceField(label=_("结论"), choices=Decision.choices, widget=Radios)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(EvaluationQuestion.objects.filter(is_active=True))
        before = {a["question"]: a for a in (previous.answers if previous else [])}
        for q in self.questions:
            self.fields[f"q{q.pk}"] = forms.ChoiceField(
                label=q.text, choices=ANSWERS, widget=Radios,
                initial=before.get(q.pk, {}).get("answer"),
            )  # fmt: skip
            self.fields[f"q{q.pk}_note"] = forms.CharField(
                label=_("依据"), required=False, max_length=300,
                initial=before.get(q.pk, {}).get("note", ""),
            )  # fmt: skip
        for key, label in RISK_LABELS.items():
            old = (previous.risks if previous else {}).get(key, {})
            self.fields[f"risk_{key}"] = forms.ChoiceField(
                label=label, choices=RISK_LEVELS, widget=Radios, initial=old.get("level")
            )
            self.fields[f"risk_{key}_note"] = forms.CharField(
                label=_("说明"), required=False, max_length=300, initial=old.get("note", "")
            )

    def groups(self):
        """[(group label, [(answer field, note field), ...]), ...] for the template."""
        out = []
        for value, label in QuestionGroup.choices:
            rows = [
                (self[f"q{q.pk}"], self[f"q{q.pk}_note"])
                for q in self.questions
                if q.group == value
            ]
            out.append((value, label, rows))
        return out

    def risk_fields(self):
        return [(self[f"risk_{k}"], self[f"risk_{k}_note"]) for k in RISK_LABELS]

    def answers(self) -> dict[int, tuple[str, str]]:
        d = self.cleaned_data
        return {q.pk: (d[f"q{q.pk}"], d.get(f"q{q.pk}_note", "")) for q in self.questions}

    def risks(self) -> dict[str, tuple[str, str]]:
        d = self.cleaned_data
        return {k: (d[f"risk_{k}"], d.get(f"risk_{k}_note", "")) for k in RISK_LABELS}

    def save(self, *, project: Project, by: User):
        return evaluate(
            project=project,
            answers=self.answers(),
            risks=self.risks(),
            decision=self.cleaned_data["decision"],
            reason=self.cleaned_data["reason"],
            by=by,
        )


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = ProjectCompetitor
        fields = ["competitor", "closeness", "notes"]
        widgets = {"closeness": forms.NumberInput(attrs={"min": 1, "max": 5})}

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["competitor"].queryset = Competitor.objects.filter(is_active=True).exclude(
            pk__in=project.competitors.values("competitor")
        )


class ProjectFilterForm(forms.Form):
    SORTS = {
        "-updated": ("-updated_at", "-pk"),
        "planned": ("planned_purchase_date", "pk"),
        "-value": ("-contract_value", "-pk"),
        "stage": ("stage__order", "-updated_at"),
    }
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    owner = owner_filter_field()
    team = forms.ModelChoiceField(
        label=_("团队"),
        required=False,
        queryset=Team.objects.all(),
        empty_label=_("全部团队"),
        widget=QuickSelect,
    )
    project_class = forms.ChoiceField(
        label=_("分类"), required=False, choices=[("", _("全部分类")), *ProjectClass.choices]
    )
    province = forms.ChoiceField(
        label=_("省份"),
        required=False,
        choices=[("", _("全部省份"))] + [(p, p) for p in PROVINCES],
        widget=QuickSelect,
    )
    stage = forms.ModelChoiceField(
        label=_("阶段"),
        required=False,
        queryset=Stage.objects.filter(is_active=True),
        empty_label=_("全部阶段"),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *Status.choices],
        initial=Status.OPEN,
    )
    handed = forms.BooleanField(label=_("交接·待首次联络"), required=False)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("-updated", _("最近更新")),
            ("planned", _("计划采购日期")),
            ("-value", _("金额从大到小")),
            ("stage", _("按阶段")),
        ],
    )

    def __init__(self, *args, user: User, with_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.sees_all:
            self.fields["team"].queryset = Team.objects.filter(pk__in=user.led_team_ids)
        owners = managers_overseen(user)
        set_owner_choices(self, "owner", owners)
        if not user.sees_all and not user.led_team_ids:
            del self.fields["owner"], self.fields["team"]
        if not with_status:
            del self.fields["status"], self.fields["sort"]

    def filter(self, qs, settings, today):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            term = data["q"].strip().lower()
            qs = qs.filter(Q(name__icontains=term) | Q(hospital__search_text__contains=term))
        if data.get("owner"):
            qs = qs.filter(owner_id=data["owner"])
        if data.get("team"):
            qs = qs.filter(owner__team=data["team"])
        if data.get("province"):
            qs = qs.filter(hospital__province=data["province"])
        if data.get("stage"):
            qs = qs.filter(stage=data["stage"])
        if "status" in self.fields:
            # open projects unless the user chose otherwise ("" = every status)
            status = self.data.get("status", Status.OPEN) if self.is_bound else Status.OPEN
            if status in Status.values:
                qs = qs.filter(status=status)
        if data.get("project_class"):
            qs = qs.of_class(data["project_class"], settings, today)
        if data.get("handed"):  # handed over, not contacted since
            qs = qs.filter(handed_over_at__isnull=False)
        return qs

    def ordering(self):
        data = self.cleaned_data if self.is_valid() else {}
        return self.SORTS.get(data.get("sort") or "-updated", self.SORTS["-updated"])
