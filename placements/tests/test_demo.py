"""The demo's placements look right on the day they are loaded: a few years of readings,
statements and payments; one paying late, one below its proposal, one near its plant's cap,
one near its term end; and a won project ready for its contract."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from pipeline.models import Project
from placements import services
from placements.models import Contract, Statement

pytestmark = pytest.mark.django_db


def test_the_demo_placements_tell_their_stories():
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    contracts = {c.hospital.name: c for c in Contract.objects.select_related("hospital")}
    assert len(contracts) == 5
    assert all(c.status == "billing" and c.months_billed >= 10 for c in contracts.values())
    late = contracts["东阳市人民医院"]
    overdue = Statement.objects.filter(
        contract=late, due_on__lt=today, status__in=["invoiced", "partly"]
    )
    assert overdue.count() >= 3 and overdue.filter(status="partly").exists()
    assert contracts["诸暨市人民医院"].volume_ratio < 0.8
    assert contracts["乐清市人民医院"].expansion_project.source == "expansion"
    assert contracts["义乌市中心医院"].renewal_project.source == "renewal"
    assert (contracts["义乌市中心医院"].term_end - today).days < 366
    paid = Statement.objects.filter(status="paid")
    assert paid.count() > 100 and all(s.paid == s.amount for s in paid[:20])
    ready = Project.objects.get(hospital__name="长兴县人民医院")
    assert ready.status == "won" and services.accepted_proposal(ready) is not None
    assert not Contract.objects.filter(project=ready).exists()
