from django import forms
from django.utils.translation import gettext_lazy as _

from hospitals.forms import VersionedForm
from hospitals.models import Hospital
from pipeline.models import Project

from .models import OxygenSurvey, Problem

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
            "interest": forms.RadioSelect,
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
