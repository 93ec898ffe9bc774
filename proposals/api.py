"""Placement economics and proposals in the JSON API (/api/v1/economics, /api/v1/proposals)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.requests import ApiRequest
from o2crm.params import Pages, RowId
from pipeline.models import Project

from . import documents, domain, services
from .models import EconomicsSettings, Proposal, State

router = Router()


def _parse(data: Any) -> tuple[domain.Inputs, dict]:
    try:
        return domain.parse_input(data)
    except domain.InputError as error:
        raise ValidationError({error.field: error.message}) from error


def economics_output(data: Any, settings: EconomicsSettings | None = None) -> dict[str, Any]:
    """The output JSON for an input JSON: shared by the API and `manage.py economics`."""
    inputs, overrides = _parse(data)
    settings = settings or EconomicsSettings.current()
    return services.compute_for(inputs, overrides, settings).as_api()


@router.post("/economics", response=dict[str, Any], tags=["proposals"])
def economics(request: ApiRequest, payload: Body[dict[str, Any]]):
    """Compute a placement without saving anything. Keys as in issue #6 and README."""
    return economics_output(payload)


# Proposals -------------------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    number: str
    revision: int
    label: str
    project: int = Field(..., alias="project_id")
    hospital: str = Field(..., alias="project.hospital.name")
    state: str
    state_label: str
    mode: str
    term_years: int
    price: Decimal
    price_escalation: Decimal
    minimum_monthly_m3: int | None
    payment_days: int
    valid_until: dt.date
    settings_version: int = Field(..., alias="settings_id")
    superseded: bool
    override_reason: str
    created_by: str | None = Field(None, alias="created_by.username")
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    economics: dict[str, Any]
    documents: dict[str, str]

    @staticmethod
    def resolve_state_label(obj: Proposal) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_economics(obj: Proposal) -> dict[str, Any]:
        return {k: obj.results.get(k) for k in domain.Result.API_KEYS}

    @staticmethod
    def resolve_documents(obj: Proposal) -> dict[str, str]:
        return {
            "docx": reverse("api:proposal_docx", args=[obj.pk]),
            "pdf": reverse("api:proposal_pdf", args=[obj.pk]),
            "internal_xlsx": reverse("api:proposal_internal", args=[obj.pk]),
        }


class ProposalFilter(FilterSchema):
    project: RowId | None = None
    state: str | None = None
    all_revisions: bool = False


class ProposalIn(Schema):
    project: int
    economics: dict[str, Any]  # the input JSON of POST /economics
    minimum_monthly_m3: int | None = None
    payment_days: int = 30
    meter_reading_day: int = 1
    backup: str | None = None
    valid_until: dt.date | None = None
    remarks: str = ""
    mode_other: str = ""


class Decision(Schema):
    comment: str = ""
    override_reason: str = ""


class Answer(Schema):
    accepted: bool
    comment: str = ""


def _proposals(request: ApiRequest):
    return Proposal.objects.visible_to(request.user).select_related(
        "project__hospital", "created_by", "decided_by"
    )


def _get(request: ApiRequest, pk: int) -> Proposal:
    return get_object_or_404(_proposals(request), pk=pk)


@router.get("/proposals", response=list[ProposalOut], tags=["proposals"])
@paginate(Pages)
def list_proposals(request: ApiRequest, filters: Query[ProposalFilter]):
    qs = _proposals(request)
    if not filters.all_revisions:
        qs = qs.filter(superseded=False)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs.order_by("-created_at", "-pk")


@router.get("/proposals/{proposal_id}", response=ProposalOut, tags=["proposals"])
def get_proposal(request: ApiRequest, proposal_id: int):
    return _get(request, proposal_id)


@router.post("/proposals", response={201: ProposalOut}, tags=["proposals"])
def create_proposal(request: ApiRequest, payload: ProposalIn):
    if not request.user.has_perm("proposals.add_proposal"):
        raise PermissionDenied
    project = Project.objects.visible_to(request.user).filter(pk=payload.project).first()
    if project is None:
        raise ValidationError(
            {"project": _("没有编号为 %s 的项目，或您无权访问。") % payload.project}
        )
    inputs, overrides = _parse(payload.economics)
    terms = payload.dict(exclude={"project", "economics"}, exclude_none=True)
    proposal = services.create_proposal(
        project=project, by=request.user, inputs=inputs, overrides=overrides, terms=terms
    )
    return Status(201, _get(request, proposal.pk))


def _act(request: ApiRequest, proposal_id: int, action, **kwargs):
    proposal = _get(request, proposal_id)
    if not request.user.has_perm("proposals.change_proposal"):
        raise PermissionDenied
    action(proposal=proposal, by=request.user, **kwargs)
    return _get(request, proposal_id)


@router.post("/proposals/{proposal_id}/submit", response=ProposalOut, tags=["proposals"])
def submit(request: ApiRequest, proposal_id: int):
    return _act(request, proposal_id, services.submit)


@router.post("/proposals/{proposal_id}/approve", response=ProposalOut, tags=["proposals"])
def approve(request: ApiRequest, proposal_id: int, payload: Decision):
    return _act(request, proposal_id, services.approve, override_reason=payload.override_reason)


@router.post("/proposals/{proposal_id}/return", response=ProposalOut, tags=["proposals"])
def return_(request: ApiRequest, proposal_id: int, payload: Decision):
    return _act(request, proposal_id, services.return_proposal, comment=payload.comment)


@router.post("/proposals/{proposal_id}/send", response=ProposalOut, tags=["proposals"])
def send(request: ApiRequest, proposal_id: int):
    return _act(request, proposal_id, services.send)


@router.post("/proposals/{proposal_id}/answer", response=ProposalOut, tags=["proposals"])
def answer(request: ApiRequest, proposal_id: int, payload: Answer):
    return _act(
        request,
        proposal_id,
        services.record_answer,
        accepted=payload.accepted,
        comment=payload.comment,
    )


@router.post("/proposals/{proposal_id}/revise", response={201: ProposalOut}, tags=["proposals"])
def revise(request: ApiRequest, proposal_id: int):
    proposal = _get(request, proposal_id)
    if not request.user.has_perm("proposals.change_proposal"):
        raise PermissionDenied
    new = services.revise(proposal=proposal, by=request.user)
    return Status(201, _get(request, new.pk))


@router.get("/proposals/{proposal_id}/document.docx", tags=["proposals"], url_name="proposal_docx")
def proposal_docx(request: ApiRequest, proposal_id: int) -> HttpResponse:
    return documents.docx_response(_get(request, proposal_id))


@router.get("/proposals/{proposal_id}/document.pdf", tags=["proposals"], url_name="proposal_pdf")
def proposal_pdf(request: ApiRequest, proposal_id: int) -> HttpResponse:
    return documents.pdf_response(_get(request, proposal_id))


@router.get(
    "/proposals/{proposal_id}/internal.xlsx", tags=["proposals"], url_name="proposal_internal"
)
def proposal_internal(request: ApiRequest, proposal_id: int) -> HttpResponse:
    return documents.internal_response(_get(request, proposal_id))


__all__ = ["router", "economics_output", "State"]
