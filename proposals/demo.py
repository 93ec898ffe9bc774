"""Demo proposals: for open projects that have reached 方案建议 or later and have a survey, one
初步投资合作建议书 each, in the states a real week leaves them in (sent, approved, awaiting
the director, a draft). Idempotent: nothing is added once any proposal exists."""

from django.db import transaction

from accounts.models import Role, User
from pipeline.models import Project, Status

from . import services
from .models import Proposal

TERMS = [
    {"minimum_monthly_m3": 8000, "payment_days": 30},
    {"payment_days": 45},
    {"minimum_monthly_m3": 15000, "payment_days": 30, "meter_reading_day": 25},
    {"payment_days": 60},
]


@transaction.atomic
def load() -> int:
    if Proposal.objects.exists():
        return 0
    director = User.objects.filter(role=Role.DIRECTOR).order_by("pk").first()
    projects = (
        Project.objects.filter(status=Status.OPEN, stage__order__gte=40)
        .select_related("hospital", "owner", "stage")
        .order_by("pk")
    )
    created = 0
    for i, project in enumerate(projects[:6]):
        survey = services.newest_survey(project)
        inputs = services.inputs_from_survey(survey)
        if survey is None or not any(
            getattr(inputs, k) for k in ("cny_per_nm3", "cny_per_t_lox", "cny_per_cylinder")
        ):
            continue
        inputs.term_years = (10, 8, 12, 10)[i % 4]
        proposal = services.create_proposal(
            project=project, by=project.owner, inputs=inputs, terms=dict(TERMS[i % 4])
        )
        created += 1
        if i % 4 == 3 or director is None:
            continue  # stays a draft
        proposal = services.submit(proposal=proposal, by=project.owner)
        if i % 4 == 2 and proposal.needs_override:
            continue  # below the floor: waits for the director's decision
        reason = "战略医院，带动周边区域" if proposal.needs_override else ""
        if i % 4 == 2:
            continue  # awaiting approval
        proposal = services.approve(proposal=proposal, by=director, override_reason=reason)
        if i % 4 == 0:
            services.send(proposal=proposal, by=project.owner)
    return created
