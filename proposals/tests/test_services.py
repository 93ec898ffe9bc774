from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory, evaluate, stage
from proposals import services
from proposals.models import EconomicsSettings, Proposal, State
from proposals.tests.factories import example_inputs, make_proposal, viable_inputs
from visits.tests.factories import SurveyFactory


@pytest.fixture
def project(alice):
    return ProjectFactory(hospital=HospitalFactory(owner=alice))


def test_numbers_count_up_per_year(project):
    first, second = make_proposal(project), make_proposal(project)
    year = first.created_at.year
    assert (first.number, second.number) == (f"JY-{year}-0001", f"JY-{year}-0002")
    assert first.state == State.DRAFT and first.revision == 1


def test_a_proposal_keeps_its_numbers_when_settings_change(project, admin_user, director):
    proposal = make_proposal(project)
    floor = proposal.results["price_floor"]
    values = dict(EconomicsSettings.current().values, capex_per_nm3h=30000)
    services.save_settings(values=values, meta={}, note="新报价", by=admin_user)
    proposal.refresh_from_db()
    assert proposal.results["price_floor"] == floor
    assert proposal.settings.values["capex_per_nm3h"] == 15000
    # a new revision recomputes on the new settings; the old one stays readable
    services.return_proposal(
        proposal=services.submit(proposal=proposal, by=project.owner),
        by=director,
        comment="按新报价重算",
    )
    revised = services.revise(proposal=proposal, by=project.owner)
    assert revised.number == proposal.number and revised.revision == 2
    assert revised.results["price_floor"] > floor
    proposal.refresh_from_db()
    assert proposal.superseded and proposal.results["price_floor"] == floor


def test_settings_are_checked_before_a_version_is_saved(admin_user):
    values = dict(EconomicsSettings.current().values, availability=3)
    with pytest.raises(ValidationError) as error:
        services.save_settings(values=values, meta={}, note="", by=admin_user)
    assert "settings.availability" in error.value.message_dict
    assert EconomicsSettings.objects.count() == 1


def test_only_a_director_approves(project, alice, leader, director):
    proposal = services.submit(proposal=make_proposal(project), by=alice)
    for user in (alice, leader):
        with pytest.raises(PermissionDenied):
            services.approve(proposal=proposal, by=user)
    approved = services.approve(proposal=proposal, by=director)
    assert approved.state == State.APPROVED and approved.decided_by == director


def test_an_unviable_proposal_needs_an_override_reason(project, alice, director):
    proposal = make_proposal(project, inputs=example_inputs())  # below the floor, NPV < 0
    assert proposal.below_floor and proposal.negative_npv
    services.submit(proposal=proposal, by=alice)
    with pytest.raises(ValidationError) as error:
        services.approve(proposal=proposal, by=director, override_reason="  ")
    assert "override_reason" in error.value.message_dict
    assert "保本价" in error.value.message_dict["override_reason"][0]
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING
    approved = services.approve(
        proposal=proposal, by=director, override_reason="战略客户，带动区域"
    )
    assert approved.state == State.APPROVED
    assert approved.events.last().comment == "战略客户，带动区域"


def test_return_needs_a_comment_and_a_returned_proposal_can_be_resubmitted(
    project, alice, director
):
    proposal = services.submit(proposal=make_proposal(project), by=alice)
    with pytest.raises(ValidationError):
        services.return_proposal(proposal=proposal, by=director, comment="")
    returned = services.return_proposal(proposal=proposal, by=director, comment="单价再议")
    assert returned.state == State.RETURNED
    assert services.submit(proposal=returned, by=alice).state == State.PENDING
    states = list(proposal.events.values_list("to_state", flat=True))
    assert states == ["draft", "pending", "returned", "pending"]


def test_sending_moves_an_earlier_project_to_proposal_stage(project, alice, director):
    evaluate(project, "pursue")
    proposal = services.approve(
        proposal=services.submit(proposal=make_proposal(project), by=alice), by=director
    )
    sent = services.send(proposal=proposal, by=alice)
    project.refresh_from_db()
    assert sent.state == State.SENT and sent.sent_at
    assert project.stage == stage("proposal")
    assert services.record_answer(proposal=sent, by=alice, accepted=True).state == State.ACCEPTED


def test_sending_leaves_a_later_project_where_it_is(project, alice, director):
    evaluate(project, "pursue")
    project.stage = stage("negotiation")
    project.save()
    proposal = services.approve(
        proposal=services.submit(proposal=make_proposal(project), by=alice), by=director
    )
    services.send(proposal=proposal, by=alice)
    project.refresh_from_db()
    assert project.stage == stage("negotiation")


def test_steps_out_of_order_are_refused(project, alice, director):
    proposal = make_proposal(project)
    with pytest.raises(ValidationError):
        services.send(proposal=proposal, by=alice)
    with pytest.raises(ValidationError):
        services.approve(proposal=proposal, by=director)


def test_calculator_inputs_come_from_the_newest_survey(project):
    SurveyFactory(
        hospital=project.hospital,
        beds=500,
        icu_beds=20,
        operating_rooms=12,
        consumption_value=Decimal("12.5"),
        consumption_unit="t_lox",
        price_value=Decimal("2.1"),
        price_unit="per_kg",
    )
    inputs = services.inputs_from_survey(services.newest_survey(project))
    assert inputs.departments["general_ward"] == 480 and inputs.departments["icu"] == 20
    assert inputs.lox_t_per_year == pytest.approx(150)
    assert inputs.cny_per_t_lox == pytest.approx(2100)


def test_price_escalation_is_recorded_in_percent(project):
    proposal = make_proposal(project, overrides={"price_escalation": 0.02})
    assert proposal.price_escalation == Decimal("2.00")
    assert proposal.results["prices"][1] == pytest.approx(5.0 * 1.02)


def test_viable_inputs_are_viable():
    from proposals import domain

    r = domain.compute(viable_inputs(), domain.default_settings())
    assert r.investor_viable and r.hospital_viable and r.mutual_price_exists


def test_a_revision_takes_price_and_escalation_from_its_new_numbers(project, admin_user, director):
    from proposals.tests.factories import example_inputs

    proposal = make_proposal(project, inputs=example_inputs(price=None))  # price from c_b
    services.return_proposal(
        proposal=services.submit(proposal=proposal, by=project.owner), by=director, comment="重算"
    )
    values = dict(EconomicsSettings.current().values, price_escalation=0.02, target_saving=0.2)
    services.save_settings(values=values, meta={}, note="", by=admin_user)
    revised = services.revise(proposal=proposal, by=project.owner)
    assert revised.price_escalation == Decimal("2.00")
    assert revised.price == Decimal(str(round(1800 / 700 * 0.8, 2)))
    assert float(revised.price) == pytest.approx(revised.results["price"], abs=0.005)
