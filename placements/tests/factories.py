"""A won project with its accepted proposal, and its contract signed and accepted."""

from datetime import date

from django.utils import timezone

from pipeline import services as pipeline_services
from pipeline.tests.factories import ProjectFactory, evaluate
from placements import services
from placements.models import Contract
from proposals import services as proposal_services
from proposals.tests.factories import make_proposal, viable_inputs


def won_project(hospital, director):
    project = ProjectFactory(hospital=hospital)
    evaluate(project)
    proposal = make_proposal(project, inputs=viable_inputs(), minimum_monthly_m3=9500)
    proposal = proposal_services.submit(proposal=proposal, by=project.owner)
    reason = "战略医院" if proposal.needs_override else ""
    proposal = proposal_services.approve(proposal=proposal, by=director, override_reason=reason)
    proposal = proposal_services.send(proposal=proposal, by=project.owner)
    proposal_services.record_answer(proposal=proposal, by=project.owner, accepted=True)
    project.refresh_from_db()
    return pipeline_services.close_project(
        project=project, status="won", reason="签订十年投放协议", by=project.owner
    )


def accepted_contract(hospital, director, operations, *, signed: date, accepted: date) -> Contract:
    project = won_project(hospital, director)
    proposal = services.accepted_proposal(project)
    contract = services.contract_from(project, proposal, signed)
    services.create_contract(contract=contract, by=project.owner)
    milestone = contract.milestones.get(step="acceptance")
    milestone.done_on = accepted
    services.set_milestone(milestone=milestone, by=operations)
    contract.refresh_from_db()
    assert contract.accepted_on == accepted <= timezone.localdate()
    return contract
