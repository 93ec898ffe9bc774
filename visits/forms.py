from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hospitals.forms import ColleagueChoice, StandingMoveForm, colleagues_of
from hospitals.models import Contact, Hospital
from o2crm.records import VersionedForm
from o2crm.widgets import Radios
from pipeline.models import Project

from . import services
from .models import OxygenSurvey, Problem, Visit, VisitObjective

NUMBER = {"min": 0, "inputmode": "numeric"}
DECIMAL = {"min": 0, "step": "0.01", "inputmode": "decimal"}


class SurveyForm(VersionedForm):
    problems = forms.MultipleChoiceField(
        label=_("用氧问题"),
        choices=Problem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OxygenSurvey
        fields = [
            "date", "project", "beds", "icu_beds", "operating_rooms", "emergency_beds",
            "hyperbaric_chambers", "hyperbaric_seats", "other_departments", "current_source",
            "supplier", "consumption_value", "consumption_unit", "price_value", "price_unit",
            "annual_growth", "problems", "problem_notes", "interest", "motive", "budget",
            "funding_source", "decision_process", "notes",
        ]  # fmt: skip
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                f: forms.NumberInput(attrs=NUMBER)
                for f in (
                    "beds",
                    "icu_beds",
                    "operating_rooms",
                    "emergency_beds",
                    "hyperbaric_chambers",
                    "hyperbaric_seats",
                )
            },  # fmt: skip
            "consumption_value": forms.NumberInput(attrs=DECIMAL),
            "price_value": forms.NumberInput(attrs=DECIMAL),
            "annual_growth": forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            "interest": Radios,
            "motive": forms.Textarea(attrs={"rows": 2}),
            "problem_notes": forms.Textarea(attrs={"rows": 2}),
            "decision_process": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, hospital: Hospital | None, **kwargs):
        super().__init__(*args, **kwargs)
        if hospital is None:  # the blank form to print
            self.fields["project"].queryset = Project.objects.none()
            return
        self.instance.hospital = hospital
        self.fields["project"].queryset = Project.objects.filter(hospital=hospital)
        if not self.instance.pk and not self.is_bound:
            # start from what the hospital record already says
            for field in ("beds", "icu_beds", "operating_rooms", "hyperbaric_chambers"):
                self.initial.setdefault(field, getattr(hospital, field))

    def clean(self):
        data = super().clean()
        if data.get("consumption_value") is not None and not data.get("consumption_unit"):
            self.add_error("consumption_unit", _("请选择用量单位。"))
        return data


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact) -> str:
        return " · ".join(p for p in (contact.name, contact.title) if p)


class VisitPlanForm(VersionedForm):
    contacts = PeopleChoice(
        label=_("拜访对象"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    objectives = forms.ModelMultipleChoiceField(
        label=_("拜访目的"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visit
        fields = [
            "project", "planned_at", "place", "contacts", "objectives", "greeting", "agenda",
            "minutes_needed", "questions",
        ]  # fmt: skip
        widgets = {
            "planned_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "greeting": forms.Textarea(attrs={"rows": 2, "placeholder": _("打招呼、自我介绍")}),
            "agenda": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("这次拜访的议程，对医院有什么价值")}
            ),
            "questions": forms.Textarea(attrs={"rows": 4}),
            "minutes_needed": forms.NumberInput(attrs={"min": 5, "max": 600}),
        }

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hospital = hospital
        self.fields["project"].queryset = Project.objects.filter(hospital=hospital, status="open")
        self.fields["contacts"].queryset = Contact.objects.filter(hospital=hospital, is_active=True)
        self.fields["objectives"].queryset = VisitObjective.objects.filter(is_active=True)
        if not self.instance.pk:
            self.fields["planned_at"].initial = next_working_morning(timezone.localtime())

    def clean_planned_at(self):
        value = self.cleaned_data["planned_at"]
        if not self.instance.pk and value < timezone.now() - timedelta(days=30):
            raise forms.ValidationError(_("计划时间太早了：记录过去的拜访请用跟进记录。"))
        return value


def next_working_morning(now: datetime) -> datetime:
    """A new visit's default time: 09:00 on the next weekday (hospitals' offices keep office
    hours; Friday's plan defaults to Monday)."""
    day = now.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


class VisitRecordForm(StandingMoveForm, VersionedForm):
    met = PeopleChoice(
        label=_("见到的人"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    colleagues = ColleagueChoice()

    class Meta:
        model = Visit
        fields = [
            "visited_on", "met", "opening", "agenda_statement", "positioning", "background",
            "appointment", "outcome", "next_step", "next_step_date", "checkin_latitude",
            "checkin_longitude", "checkin_accuracy",
        ]  # fmt: skip
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_step_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                f: forms.Textarea(attrs={"rows": 2})
                for f in (
                    "opening",
                    "agenda_statement",
                    "positioning",
                    "background",
                    "appointment",
                    "outcome",
                )
            },  # fmt: skip
            "checkin_latitude": forms.HiddenInput,
            "checkin_longitude": forms.HiddenInput,
            "checkin_accuracy": forms.HiddenInput,
        }

    def __init__(self, *args, visit: Visit, **kwargs):
        super().__init__(*args, instance=visit, **kwargs)
        people = Contact.objects.filter(hospital_id=visit.hospital_id, is_active=True)
        self.fields["met"].queryset = people
        self.fields["move_contact"].queryset = people
        self.fields["colleagues"].queryset = colleagues_of(visit.owner)
        self.fields["colleagues"].label = _("本方同行人员")
        if not self.is_bound:
            self.initial["colleagues"] = [u.pk for u in visit.colleagues.all()]
        if not self.is_bound and not visit.is_recorded:
            # a first record starts from the plan: today, with the people planned
            self.initial["visited_on"] = timezone.localdate()
            self.initial["met"] = [c.pk for c in visit.contacts.all()]
        self.objectives = list(visit.objectives.all())
        for o in self.objectives:
            self.fields[f"learned_{o.code}"] = forms.CharField(
                label=o.text,
                required=False,
                max_length=500,
                initial=(visit.learned or {}).get(o.code, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        visited = timezone.localdate()
        self.proposals = services.proposed_tasks(visit, visited) if not visit.is_recorded else []
        for i, task in enumerate(self.proposals):
            self.fields[f"task_{i}"] = forms.BooleanField(
                label=task.title, required=False, initial=True
            )
            self.fields[f"task_{i}_due"] = forms.DateField(
                label=_("截止"), required=False, initial=task.due_date,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )  # fmt: skip

    def clean(self):
        data = super().clean()
        when, next_date = data.get("visited_on"), data.get("next_step_date")
        if when and when > timezone.localdate():
            self.add_error("visited_on", _("拜访日期不能晚于今天。"))
        if when and next_date and next_date < when:
            self.add_error("next_step_date", _("下一步日期不能早于拜访日期。"))
        for i, _task in enumerate(self.proposals):
            if data.get(f"task_{i}") and not data.get(f"task_{i}_due"):
                self.add_error(f"task_{i}_due", _("请填写截止日期。"))
        return data

    def learned_fields(self):
        return [self[f"learned_{o.code}"] for o in self.objectives]

    def task_fields(self):
        return [(self[f"task_{i}"], self[f"task_{i}_due"], t) for i, t in enumerate(self.proposals)]

    def apply(self) -> list:
        """Put the learned notes on the visit; return the tasks the user kept."""
        self.instance.learned = {
            o.code: self.cleaned_data.get(f"learned_{o.code}", "").strip() for o in self.objectives
        }
        kept = []
        for i, task in enumerate(self.proposals):
            if self.cleaned_data.get(f"task_{i}"):
                task.due_date = self.cleaned_data[f"task_{i}_due"]
                kept.append(task)
        return kept
