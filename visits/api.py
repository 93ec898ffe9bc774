"""Oxygen-usage surveys in the JSON API: the same form, service and visibility as the pages."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from hospitals.api import _expected_version, _merge, _run_form, _visible_hospital
from hospitals.services import save_record

from .forms import SurveyForm
from .models import OxygenSurvey

router = Router()


class SurveyOut(Schema):
    id: int
    hospital: int = Field(..., alias="hospital_id")
    project: int | None = Field(None, alias="project_id")
    date: dt.date
    beds: int | None
    icu_beds: int | None
    operating_rooms: int | None
    emergency_beds: int | None
    hyperbaric_chambers: int | None
    hyperbaric_seats: int | None
    other_departments: str
    current_source: str
    supplier: str
    consumption_value: Decimal | None
    consumption_unit: str
    consumption_nm3_per_month: Decimal | None
    price_value: Decimal | None
    price_unit: str
    price_per_nm3: Decimal | None
    annual_growth: Decimal | None
    problems: list[str]
    problem_notes: str
    interest: str
    motive: str
    budget: str
    funding_source: str
    decision_process: str
    notes: str
    version: int


class SurveyIn(Schema):
    hospital: int | None = None
    project: int | None = None
    date: dt.date | None = None
    beds: int | None = None
    icu_beds: int | None = None
    operating_rooms: int | None = None
    emergency_beds: int | None = None
    hyperbaric_chambers: int | None = None
    hyperbaric_seats: int | None = None
    other_departments: str | None = None
    current_source: str | None = None
    supplier: str | None = None
    consumption_value: Decimal | None = None
    consumption_unit: str | None = None
    price_value: Decimal | None = None
    price_unit: str | None = None
    annual_growth: Decimal | None = None
    problems: list[str] | None = None
    problem_notes: str | None = None
    interest: str | None = None
    motive: str | None = None
    budget: str | None = None
    funding_source: str | None = None
    decision_process: str | None = None
    notes: str | None = None
    version: int | None = None


class SurveyFilter(FilterSchema):
    hospital: int | None = None
    project: int | None = None


@router.get("/surveys", response=list[SurveyOut], tags=["surveys"])
@paginate(PageNumberPagination)
def list_surveys(request: HttpRequest, filters: Query[SurveyFilter]):
    qs = OxygenSurvey.objects.visible_to(request.user)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("-date", "-pk")


@router.get("/surveys/{survey_id}", response=SurveyOut, tags=["surveys"])
def get_survey(request: HttpRequest, survey_id: int):
    return get_object_or_404(OxygenSurvey.objects.visible_to(request.user), pk=survey_id)


def _changes(payload: SurveyIn) -> dict:
    changes = payload.dict(exclude_unset=True)
    for key in ("hospital", "version"):
        changes.pop(key, None)
    return changes


@router.post("/surveys", response={201: SurveyOut}, tags=["surveys"])
def create_survey(request: HttpRequest, payload: SurveyIn):
    if not request.user.has_perm("visits.add_oxygensurvey"):
        raise PermissionError
    hospital = _visible_hospital(request, payload.hospital)
    survey = OxygenSurvey(hospital=hospital, created_by=request.user)
    data = _merge(survey, SurveyForm, _changes(payload), hospital=hospital)
    survey = _run_form(SurveyForm(data, instance=survey, hospital=hospital))
    save_record(record=survey, by=request.user)
    return Status(201, survey)


@router.patch("/surveys/{survey_id}", response=SurveyOut, tags=["surveys"])
def update_survey(request: HttpRequest, survey_id: int, payload: SurveyIn):
    survey = get_object_or_404(
        OxygenSurvey.objects.visible_to(request.user).select_related("hospital"), pk=survey_id
    )
    if not request.user.has_perm("visits.change_oxygensurvey"):
        raise PermissionError
    data = _merge(survey, SurveyForm, _changes(payload), hospital=survey.hospital)
    _run_form(SurveyForm(data, instance=survey, hospital=survey.hospital))
    expected = _expected_version(request, payload.version)
    save_record(record=survey, by=request.user, expected_version=expected)
    return survey
