"""Projects, stages, stage history, follow-ups and evaluations in the JSON API, with the same
visibility, forms and services as the pages."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja import Query as QueryParam
from ninja.pagination import paginate

from accounts.models import User
from accounts.requests import ApiRequest
from hospitals import standing
from hospitals.api import visible_hospital
from hospitals.models import Attitude, Contact
from o2crm.api_forms import expected_version, merge_form_data, refuse_unsettable, run_form
from o2crm.params import MAX_PAGE, Pages, RowId, total_kept
from o2crm.records import EditConflict

from . import counts, services
from .coverage import coverage_percents
from .forms import EvaluationForm, FollowUpForm, ProjectForm
from .models import Evaluation, FollowUp, PipelineSettings, Project, Stage

router = Router()


class Rules:
    """The settings and the day every project row of one response is judged by."""

    def __init__(self):
        self.settings = PipelineSettings.current()
        self.today = timezone.localdate()


def _rules(request) -> Rules:
    if not hasattr(request, "_pipeline_rules"):
        request._pipeline_rules = Rules()
    return request._pipeline_rules


class StageOut(Schema):
    code: str
    name: str
    order: int
    probability: int
    requires_pursue: bool


@router.get("/stages", response=list[StageOut], tags=["pipeline"])
@paginate(Pages)
def list_stages(request: ApiRequest):
    return Stage.objects.filter(is_active=True).order_by("order")


class ProjectOut(Schema):
    id: int
    name: str
    hospital: int = Field(..., alias="hospital_id")
    hospital_name: str = Field(..., alias="hospital.name")
    owner: str = Field(..., alias="owner.username")
    stage: str = Field(..., alias="stage.code")
    status: str
    close_reason: str
    project_class: str
    class_override: str
    planned_purchase_date: dt.date | None
    committed: bool
    source: str
    source_event: str
    source_event_name: str
    entry_path: str
    entry_contact: RowId | None = Field(None, alias="entry_contact_id")
    informant: RowId | None = Field(None, alias="informant_id")
    informant_closeness: int | None
    need: str
    current_source: str
    estimated_volume: int | None
    contract_value: float | None
    last_business_contact_on: dt.date | None
    last_relationship_contact_on: dt.date | None
    days_since_business_contact: int | None
    days_since_relationship_contact: int | None
    overdue_business: bool
    overdue_relationship: bool
    coverage: int = Field(..., description="0-100: share of the visit objectives answered")
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_coverage(obj: Project, context) -> int:
        if not hasattr(obj, "coverage_value"):  # a list sets it for its whole page at once
            obj.coverage_value = coverage_percents([obj], context["request"].user)[obj.pk]
        return obj.coverage_value

    @staticmethod
    def resolve_project_class(obj: Project, context) -> str:
        rules = _rules(context["request"])
        return obj.project_class(rules.settings, rules.today)

    @staticmethod
    def _cadence(obj: Project, context):
        rules = _rules(context["request"])
        return obj.cadence_status(rules.settings, rules.today)

    @staticmethod
    def resolve_days_since_business_contact(obj, context) -> int | None:
        clock = ProjectOut._cadence(obj, context).business
        return clock.days_since if clock.last else None

    @staticmethod
    def resolve_days_since_relationship_contact(obj, context) -> int | None:
        clock = ProjectOut._cadence(obj, context).relationship
        return clock.days_since if clock.last else None

    @staticmethod
    def resolve_overdue_business(obj, context) -> bool:
        return obj.is_open and ProjectOut._cadence(obj, context).business.overdue

    @staticmethod
    def resolve_overdue_relationship(obj, context) -> bool:
        return obj.is_open and ProjectOut._cadence(obj, context).relationship.overdue


class ProjectIn(Schema):
    hospital: RowId | None = None
    name: str | None = None
    owner: str | None = None
    stage: str | None = Field(None, description="a stage code; moving obeys the evaluation rule")
    status: str | None = Field(None, description="won / lost / abandoned closes; open reopens")
    close_reason: str | None = None
    source: str | None = None
    source_event: str | None = None
    source_event_name: str | None = None
    entry_path: str | None = None
    entry_contact: RowId | None = None
    informant: RowId | None = None
    informant_closeness: int | None = None
    need: str | None = None
    current_source: str | None = None
    planned_purchase_date: dt.date | None = None
    committed: bool | None = None
    estimated_volume: int | None = None
    contract_value: float | None = None
    class_override: str | None = None
    class_override_reason: str | None = None
    contacts: list[RowId] | None = None
    notes: str | None = None
    version: RowId | None = None


class ProjectFilter(FilterSchema):
    hospital: RowId | None = None
    owner: str | None = None
    stage: str | None = None
    status: str | None = None
    project_class: str | None = Field(None, description="A or B")


def _projects(request):
    return Project.objects.visible_to(request.user).select_related("hospital", "owner", "stage")


class ProjectPage(Schema):
    items: list[ProjectOut]
    count: int


@router.get("/projects", response=ProjectPage, tags=["pipeline"])
def list_projects(
    request: ApiRequest,
    filters: Query[ProjectFilter],
    page: int = QueryParam(1, ge=1, le=MAX_PAGE),
    page_size: int = QueryParam(25, ge=1),
):
    """Paginated by hand so the coverage of a whole page is computed in one go."""
    qs = _filtered_projects(request, filters)
    size = min(page_size, 200)
    items = list(qs[(page - 1) * size : page * size])
    percents = coverage_percents(items, request.user)
    for project in items:
        project.coverage_value = percents[project.pk]
    return {"items": items, "count": qs.count()}


def _filtered_projects(request, filters: ProjectFilter):
    qs = _projects(request)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.owner:
        qs = qs.filter(owner__username=filters.owner)
    if filters.stage:
        qs = qs.filter(stage__code=filters.stage)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.project_class in ("A", "B"):
        rules = _rules(request)
        qs = qs.of_class(filters.project_class, rules.settings, rules.today)
    return qs.order_by("-updated_at", "-pk")


@router.get("/projects/{project_id}", response=ProjectOut, tags=["pipeline"])
def get_project(request: ApiRequest, project_id: int):
    return get_object_or_404(_projects(request), pk=project_id)


def _project_changes(payload: ProjectIn) -> dict:
    changes = payload.dict(exclude_unset=True)
    for key in ("version", "hospital", "status", "close_reason"):
        changes.pop(key, None)
    if "owner" in changes:
        username = changes.pop("owner")
        owner = User.objects.filter(username=username).first() if username else None
        if username and owner is None:
            raise ValidationError({"owner": _("没有用户名为“%s”的用户。") % username})
        changes["owner"] = owner.pk if owner else None
    if "stage" in changes:
        stage = Stage.objects.filter(code=changes["stage"], is_active=True).first()
        if stage is None:
            raise ValidationError({"stage": _("没有代码为“%s”的阶段。") % changes["stage"]})
        changes["stage"] = stage.pk
    return changes


@router.post("/projects", response={201: ProjectOut}, tags=["pipeline"])
def create_project(request: ApiRequest, payload: ProjectIn):
    if not request.user.has_perm("pipeline.add_project"):
        raise PermissionError
    hospital = visible_hospital(request, payload.hospital)
    changes = _project_changes(payload)
    project = Project(hospital=hospital)
    form = ProjectForm(
        merge_form_data(project, ProjectForm, changes, hospital=hospital, user=request.user),
        instance=project,
        hospital=hospital,
        user=request.user,
    )
    refuse_unsettable(form, changes, "owner")
    project = run_form(form)
    contacts = list(form.cleaned_data["contacts"]) if "contacts" in changes else None
    services.create_project(project=project, by=request.user, contacts=contacts)
    return Status(201, _projects(request).get(pk=project.pk))


@router.patch("/projects/{project_id}", response=ProjectOut, tags=["pipeline"])
@transaction.atomic
def update_project(request: ApiRequest, project_id: int, payload: ProjectIn):
    """Edit fields, move the stage (`{"stage": "visit"}`) and close or reopen (`status`)."""
    project = get_object_or_404(_projects(request), pk=project_id)
    if not request.user.has_perm("pipeline.change_project"):
        raise PermissionError
    expected = expected_version(request, payload.version)
    if expected is not None and expected != project.version:
        raise EditConflict(project)
    changes = _project_changes(payload)
    stage_pk = changes.pop("stage", None)
    if changes:
        form = ProjectForm(
            merge_form_data(
                project, ProjectForm, changes, hospital=project.hospital, user=request.user
            ),
            instance=project,
            hospital=project.hospital,
            user=request.user,
        )
        refuse_unsettable(form, changes, "owner")
        run_form(form)
        services.save_project(
            project=project,
            by=request.user,
            contacts=form.cleaned_data["contacts"] if "contacts" in changes else None,
        )
    if stage_pk is not None:
        services.move_stage(project=project, stage=Stage.objects.get(pk=stage_pk), by=request.user)
    sent = payload.dict(exclude_unset=True)
    if "status" in sent:
        if sent["status"] == "open":
            services.reopen_project(project=project, by=request.user)
        else:
            services.close_project(
                project=project,
                status=sent["status"],
                reason=sent.get("close_reason") or "",
                by=request.user,
            )
    return _projects(request).get(pk=project.pk)


class StageChangeOut(Schema):
    from_stage: str | None = Field(None, alias="from_stage.code")
    to_stage: str = Field(..., alias="to_stage.code")
    changed_at: dt.datetime
    changed_by: str | None = Field(None, alias="changed_by.username")


@router.get(
    "/projects/{project_id}/stage-history", response=list[StageChangeOut], tags=["pipeline"]
)
def stage_history(request: ApiRequest, project_id: int):
    project = get_object_or_404(_projects(request), pk=project_id)
    return project.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "changed_at", "pk"
    )


# Follow-ups ----------------------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    date: dt.date
    channel: str
    kind: str
    summary: str
    next_step: str
    next_step_date: dt.date | None
    contacts: list[int]
    created_by: str | None = Field(None, alias="created_by.username")
    created_at: dt.datetime

    colleagues: list[str]

    @staticmethod
    def resolve_contacts(obj: FollowUp) -> list[int]:
        return [c.pk for c in obj.contacts.all()]

    @staticmethod
    def resolve_colleagues(obj: FollowUp) -> list[str]:
        return [u.username for u in obj.colleagues.all()]


class MoveIn(Schema):
    contact: RowId
    closeness: int | None = Field(None, ge=1, le=5)
    attitude: str | None = None


class FollowUpIn(Schema):
    project: int
    date: dt.date | None = None
    channel: str
    kind: str
    summary: str
    next_step: str = ""
    next_step_date: dt.date | None = None
    contacts: list[RowId] = []
    colleagues: list[str] = []  # usernames of our people who took part
    standing: list[MoveIn] = []  # changes of closeness or attitude this contact brought


class FollowUpFilter(FilterSchema):
    project: RowId | None = None
    kind: str | None = None


def visible_project(request: ApiRequest, project_id: int) -> Project:
    project = Project.objects.visible_to(request.user).filter(pk=project_id).first()
    if project is None:
        raise ValidationError({"project": _("没有编号为 %s 的项目，或您无权访问。") % project_id})
    return project


@router.get("/followups", response=list[FollowUpOut], tags=["pipeline"])
@paginate(Pages)
def list_follow_ups(request: ApiRequest, filters: Query[FollowUpFilter]):
    qs = (
        FollowUp.objects.visible_to(request.user)
        .select_related("created_by")
        .prefetch_related("contacts", "colleagues")
    )
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    elif not request.user.sees_all:
        # a manager's or a team's: by their projects' (project, date) index, not a walk of
        # the whole country's follow-ups by date that keeps one in five hundred
        mine = Project.objects.visible_to(request.user).values_list("pk", flat=True)
        qs = qs.filter(project_id__in=list(mine))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return total_kept(filters, qs.order_by("-date", "-pk"), counts.FOLLOW_UPS, request.user)


@router.post("/followups", response={201: FollowUpOut}, tags=["pipeline"])
def create_follow_up(request: ApiRequest, payload: FollowUpIn):
    if not request.user.has_perm("pipeline.add_followup"):
        raise PermissionError
    project = visible_project(request, payload.project)
    data = payload.dict()
    data["date"] = data["date"] or timezone.localdate()
    data["colleagues"] = colleague_ids(data.pop("colleagues"))
    moves = data.pop("standing")
    form = FollowUpForm(data, project=project)
    follow_up = run_form(form)
    services.log_follow_up(
        follow_up=follow_up,
        contacts=list(form.cleaned_data["contacts"]),
        by=request.user,
        colleagues=form.cleaned_data["colleagues"],
        moves=standing_moves(moves, project.hospital_id),
    )
    return Status(201, FollowUp.objects.select_related("created_by").get(pk=follow_up.pk))


def colleague_ids(usernames: list[str]) -> list[int]:
    """Our people named by username; an unknown one is refused by name."""
    found = dict(
        User.objects.filter(username__in=usernames, is_active=True).values_list("username", "pk")
    )
    unknown = [u for u in usernames if u not in found]
    if unknown:
        raise ValidationError(
            {"colleagues": _("没有这些同事：%(names)s。") % {"names": "、".join(unknown)}}
        )
    return [found[u] for u in usernames]


def standing_moves(moves: list[dict], hospital_id: int) -> list[standing.Move]:
    """The body's changes of standing, for people of the hospital only."""
    people = Contact.objects.filter(hospital_id=hospital_id).in_bulk([m["contact"] for m in moves])
    out = []
    for m in moves:
        if m["contact"] not in people:
            raise ValidationError(
                {"standing": _("没有编号为 %s 的联系人，或不属于该医院。") % m["contact"]}
            )
        if m.get("attitude") and m["attitude"] not in Attitude.values:
            raise ValidationError({"standing": _("未知的态度：%s。") % m["attitude"]})
        out.append(standing.Move(people[m["contact"]], m.get("closeness"), m.get("attitude")))
    return out


# Evaluations ---------------------------------------------------------------------------------


class EvaluationOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    decision: str
    reason: str
    overall: int
    scores: dict
    answers: list
    risks: dict
    created_by: str | None = Field(None, alias="created_by.username")
    created_at: dt.datetime


class AnswerIn(Schema):
    question: int
    answer: str = Field(..., description="yes / partly / no / unknown")
    note: str = ""


class RiskIn(Schema):
    level: str = Field(..., description="low / medium / high")
    note: str = ""


class EvaluationIn(Schema):
    project: int
    answers: list[AnswerIn]
    risks: dict[str, RiskIn]
    decision: str = Field(..., description="pursue / watch / drop")
    reason: str


class EvaluationFilter(FilterSchema):
    project: RowId | None = None


def _api_name(field: str) -> str:
    """The form's q12 / q12_note / risk_legal become answers.12 / answers.12.note / risks.legal."""
    if field.startswith("risk_"):
        return "risks." + field.removeprefix("risk_").replace("_note", ".note")
    if field.startswith("q") and field[1:].split("_")[0].isdigit():
        return "answers." + field[1:].replace("_note", ".note")
    return field


@router.get("/evaluations", response=list[EvaluationOut], tags=["pipeline"])
@paginate(Pages)
def list_evaluations(request: ApiRequest, filters: Query[EvaluationFilter]):
    qs = Evaluation.objects.visible_to(request.user).select_related("created_by")
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return qs.order_by("-created_at", "-pk")


@router.post("/evaluations", response={201: EvaluationOut}, tags=["pipeline"])
def create_evaluation(request: ApiRequest, payload: EvaluationIn):
    if not request.user.has_perm("pipeline.add_evaluation"):
        raise PermissionError
    project = visible_project(request, payload.project)
    data = {"decision": payload.decision, "reason": payload.reason}
    for a in payload.answers:
        data[f"q{a.question}"] = a.answer
        data[f"q{a.question}_note"] = a.note
    for key, risk in payload.risks.items():
        data[f"risk_{key}"] = risk.level
        data[f"risk_{key}_note"] = risk.note
    form = EvaluationForm(data)
    if not form.is_valid():
        raise ValidationError({_api_name(k): v for k, v in form.errors.as_data().items()})
    return Status(201, form.save(project=project, by=request.user))
