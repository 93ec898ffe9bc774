"""Oxygen-usage surveys in the JSON API: the same form, service and visibility as the pages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.requests import ApiRequest
from hospitals.api import visible_hospital
from o2crm.api_forms import expected_version, merge_form_data, run_form
from o2crm.params import Pages, RowId
from o2crm.records import save_record
from pipeline.api import MoveIn, colleague_ids, standing_moves

from . import domain, services
from .forms import SurveyForm, VisitPlanForm, VisitRecordForm
from .models import OxygenSurvey, Task, Visit, VisitObjective

router = Router()


class SurveyOut(Schema):
    id: int
    hospital: int = Field(..., alias="hospital_id")
    project: RowId | None = Field(None, alias="project_id")
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
    hospital: RowId | None = None
    project: RowId | None = None
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
    version: RowId | None = None


class SurveyFilter(FilterSchema):
    hospital: RowId | None = None
    project: RowId | None = None


@router.get("/surveys", response=list[SurveyOut], tags=["surveys"])
@paginate(Pages)
def list_surveys(request: ApiRequest, filters: Query[SurveyFilter]):
    qs = OxygenSurvey.objects.visible_to(request.user)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("-date", "-pk")


@router.get("/surveys/{survey_id}", response=SurveyOut, tags=["surveys"])
def get_survey(request: ApiRequest, survey_id: int):
    return get_object_or_404(OxygenSurvey.objects.visible_to(request.user), pk=survey_id)


def _changes(payload: SurveyIn) -> dict:
    changes = payload.dict(exclude_unset=True)
    for key in ("hospital", "version"):
        changes.pop(key, None)
    return changes


@router.post("/surveys", response={201: SurveyOut}, tags=["surveys"])
def create_survey(request: ApiRequest, payload: SurveyIn):
    if not request.user.has_perm("visits.add_oxygensurvey"):
        raise PermissionError
    hospital = visible_hospital(request, payload.hospital)
    survey = OxygenSurvey(hospital=hospital, created_by=request.user)
    data = merge_form_data(survey, SurveyForm, _changes(payload), hospital=hospital)
    survey = run_form(SurveyForm(data, instance=survey, hospital=hospital))
    save_record(record=survey, by=request.user)
    return Status(201, survey)


@router.patch("/surveys/{survey_id}", response=SurveyOut, tags=["surveys"])
def update_survey(request: ApiRequest, survey_id: int, payload: SurveyIn):
    survey = get_object_or_404(
        OxygenSurvey.objects.visible_to(request.user).select_related("hospital"), pk=survey_id
    )
    if not request.user.has_perm("visits.change_oxygensurvey"):
        raise PermissionError
    data = merge_form_data(survey, SurveyForm, _changes(payload), hospital=survey.hospital)
    run_form(SurveyForm(data, instance=survey, hospital=survey.hospital))
    expected = expected_version(request, payload.version)
    save_record(record=survey, by=request.user, expected_version=expected)
    return survey


# Visits and tasks ----------------------------------------------------------------------------


class RecordOut(Schema):
    visited_on: dt.date | None
    met: list[int]
    colleagues: list[str]
    opening: str
    agenda_statement: str
    positioning: str
    background: str
    appointment: str
    learned: dict
    outcome: str
    next_step: str
    next_step_date: dt.date | None


class TaskOut(Schema):
    id: int
    owner: str = Field(..., alias="owner.username")
    hospital: int = Field(..., alias="hospital_id")
    project: RowId | None = Field(None, alias="project_id")
    visit: RowId | None = Field(None, alias="visit_id")
    title: str
    level: str
    due_date: dt.date
    done: bool
    done_at: dt.datetime | None


class VisitOut(Schema):
    id: int
    project: RowId | None = Field(None, alias="project_id")
    hospital: int = Field(..., alias="hospital_id")
    owner: str = Field(..., alias="owner.username")
    planned_at: dt.datetime
    place: str
    status: str
    contacts: list[int]
    objectives: list[str]
    checklist: list[int]
    record: RecordOut | None
    version: int

    @staticmethod
    def resolve_contacts(obj) -> list[int]:
        return [c.pk for c in obj.contacts.all()]

    @staticmethod
    def resolve_objectives(obj) -> list[str]:
        return [o.code for o in obj.objectives.all()]

    @staticmethod
    def resolve_record(obj):
        if not obj.is_recorded:
            return None
        return {
            **{
                f: getattr(obj, f) for f in RecordOut.model_fields if f not in ("met", "colleagues")
            },
            "met": [c.pk for c in obj.met.all()],
            "colleagues": [u.username for u in obj.colleagues.all()],
        }


class VisitIn(Schema):
    hospital: int
    project: RowId | None = None
    planned_at: dt.datetime
    place: str = ""
    contacts: list[RowId] = []
    objectives: list[str] = Field([], description="objective codes, e.g. capacity, procurement")
    greeting: str = ""
    agenda: str = ""
    minutes_needed: int | None = None
    questions: str = ""


class RecordIn(Schema):
    visited_on: dt.date | None = None
    met: list[RowId] = []
    opening: str = ""
    agenda_statement: str = ""
    positioning: str = ""
    background: str = ""
    appointment: str = ""
    learned: dict[str, str] = {}
    outcome: str = ""
    next_step: str = ""
    next_step_date: dt.date | None = None
    tasks: list[str] | None = Field(
        None, description="keys of the proposed tasks to keep; all when omitted"
    )
    colleagues: list[str] | None = Field(
        None, description="usernames of our people who went along; kept as they were if omitted"
    )
    standing: list[MoveIn] = Field(
        [], description="changes of closeness or attitude the visit brought"
    )


class RecordedOut(Schema):
    visit: VisitOut
    tasks: list[TaskOut]


def _visits(request):
    return (
        Visit.objects.visible_to(request.user)
        .select_related("owner")
        .prefetch_related("contacts", "objectives", "met", "colleagues")
    )


@router.get("/visits", response=list[VisitOut], tags=["visits"])
@paginate(Pages)
def list_visits(request: ApiRequest, filters: Query[SurveyFilter]):
    qs = _visits(request)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("-planned_at", "-pk")


@router.get("/visits/{visit_id}", response=VisitOut, tags=["visits"])
def get_visit(request: ApiRequest, visit_id: int):
    return get_object_or_404(_visits(request), pk=visit_id)


@router.post("/visits", response={201: VisitOut}, tags=["visits"])
def create_visit(request: ApiRequest, payload: VisitIn):
    if not request.user.has_perm("visits.add_visit"):
        raise PermissionError
    hospital = visible_hospital(request, payload.hospital)
    data = payload.dict()
    codes = data.pop("objectives")
    objectives = list(VisitObjective.objects.filter(code__in=codes, is_active=True))
    unknown = set(codes) - {o.code for o in objectives}
    if unknown:
        raise ValidationError(
            {"objectives": [_("未知的拜访目的：%s") % ", ".join(sorted(unknown))]}
        )
    data["objectives"] = [o.pk for o in objectives]
    form = VisitPlanForm(data, hospital=hospital)
    visit = run_form(form)
    visit.owner = request.user
    services.plan_visit(
        visit=visit,
        contacts=list(form.cleaned_data["contacts"]),
        objectives=objectives,
        by=request.user,
    )
    return Status(201, _visits(request).get(pk=visit.pk))


@router.post("/visits/{visit_id}/record", response=RecordedOut, tags=["visits"])
def record_visit(request: ApiRequest, visit_id: int, payload: RecordIn):
    """Record what the visit found; answers with the visit and the follow-up tasks created."""
    visit = get_object_or_404(_visits(request), pk=visit_id)
    if not request.user.has_perm("visits.change_visit"):
        raise PermissionError
    data = payload.dict()
    learned, keep = data.pop("learned"), data.pop("tasks")
    colleagues, moves = data.pop("colleagues"), data.pop("standing")
    if colleagues is not None:
        data["colleagues"] = colleague_ids(colleagues)
    form = VisitRecordForm(data, visit=visit)
    for o in form.objectives:
        form.data[f"learned_{o.code}"] = learned.get(o.code, "")
    keys = [key for key, *_rest in domain.PROPOSED_TASKS]
    for i, task in enumerate(form.proposals):
        form.data[f"task_{i}"] = keep is None or keys[i] in keep
        form.data[f"task_{i}_due"] = task.due_date
    run_form(form)
    tasks = form.apply()
    services.record_visit(
        visit=visit,
        met=list(form.cleaned_data["met"]),
        tasks=tasks,
        by=request.user,
        colleagues=form.cleaned_data["colleagues"] if colleagues is not None else None,
        moves=standing_moves(moves, visit.hospital_id),
    )
    return {"visit": _visits(request).get(pk=visit.pk), "tasks": tasks}


class TaskFilter(FilterSchema):
    done: bool | None = None
    project: RowId | None = None


class TaskPatch(Schema):
    done: bool


@router.get("/tasks", response=list[TaskOut], tags=["visits"])
@paginate(Pages)
def list_tasks(request: ApiRequest, filters: Query[TaskFilter]):
    qs = Task.objects.visible_to(request.user).select_related("owner")
    if filters.done is not None:
        qs = qs.filter(done=filters.done)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("done", "due_date", "pk")


@router.patch("/tasks/{task_id}", response=TaskOut, tags=["visits"])
def update_task(request: ApiRequest, task_id: int, payload: TaskPatch):
    """`{"done": true}` completes a task; a relationship task then counts as a contact."""
    task = get_object_or_404(
        Task.objects.visible_to(request.user).select_related("owner", "project"), pk=task_id
    )
    if payload.done:
        services.complete_task(task=task, by=request.user)
    else:
        services.reopen_task(task=task, by=request.user)
    return task
