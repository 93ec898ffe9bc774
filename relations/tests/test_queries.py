"""The plan page, the project's panel, the contact page and the ledger cost the same number of
queries with one person or many, one entry or many (a fixed number per page)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hospitals import standing
from hospitals.models import StandingCause
from hospitals.tests.factories import ContactFactory
from relations import services
from relations.models import LedgerEntry, LedgerKind, PlanTarget, RelationshipAction

pytestmark = pytest.mark.django_db


def grow(project, owner, people: int) -> None:
    """`people` more decision makers, each planned with two actions and three changes."""
    plan = services.plan_of(project, by=owner)
    today = timezone.localdate()
    dinner = LedgerKind.objects.get(code="dinner")
    for i in range(people):
        person = ContactFactory(hospital=project.hospital, layer="decision", closeness=1)
        project.contacts.add(person)
        target = PlanTarget.objects.create(
            plan=plan, contact=person, target_date=today + timedelta(weeks=8), owner=owner
        )
        for days in (3, 30):
            action = RelationshipAction.objects.create(
                target=target, kind="dinner", planned_on=today + timedelta(days=days), owner=owner
            )
            action.colleagues.set([owner])
        for step, closeness in enumerate((2, 3, 4)):
            standing.change(
                person, on=today - timedelta(days=90 - 30 * step), by=owner,
                kind=StandingCause.FOLLOW_UP, closeness=closeness,
            )  # fmt: skip
        entry = LedgerEntry.objects.create(
            hospital=project.hospital, date=today - timedelta(days=i), kind=dinner, amount=200,
            per_person=200, purpose="工作餐", created_by=owner,
        )  # fmt: skip
        entry.contacts.set([person])


def test_pages_cost_a_fixed_number_of_queries(
    clock, as_user, queries_for, alice, project, president
):
    clock("2026-03-02 10:00")
    client = as_user(alice)
    pages = [
        f"/relations/projects/{project.pk}/plan/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/evaluations/new/",
        f"/contacts/{president.pk}/",
        "/relations/ledger/",
        "/relations/ledger/?status=approved",
        f"/api/v1/relationship-plans?project={project.pk}",
        "/api/v1/relationship-actions",
        "/api/v1/ledger",
        f"/api/v1/contacts/{president.pk}/closeness-history",
    ]
    grow(project, alice, 1)
    few = {url: queries_for(lambda url=url: client.get(url)) for url in pages}
    grow(project, alice, 12)
    many = {url: queries_for(lambda url=url: client.get(url)) for url in pages}
    assert many == few
    for url in pages:
        assert client.get(url).status_code == 200, url
