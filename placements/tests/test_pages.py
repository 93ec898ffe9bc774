"""The placements' pages cost a fixed number of queries whatever the number of placements,
readings and statements; the home panel tells operations and finance what is theirs today."""

from datetime import date
from decimal import Decimal

import pytest

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from placements import services
from placements.models import Payment, Reading

from .factories import accepted_contract

pytestmark = pytest.mark.django_db

PAGES = [
    "/placements/",
    "/placements/?overdue=on&status=billing",
    "/placements/statements/",
    "/placements/statements/?overdue=on",
    "/placements/receivables/",
    "/placements/receivables/?by=team",
    "/placements/portfolio/",
    "/",
]


def placement(alice, director, operations, finance, months: int):
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2025, 1, 5), accepted=date(2025, 2, 20),
    )  # fmt: skip
    value = Decimal(0)
    for m in range(months):
        value += 9000 + 100 * m
        day = date(2025 + (2 + m) // 12, (2 + m) % 12 + 1, 25)
        services.record_reading(
            reading=Reading(contract=contract, read_on=day, value=value), by=operations
        )
    for s in contract.statements.order_by("month")[: months - 1]:
        s = services.confirm(statement=s, on=s.month.replace(day=28), by=operations)
        s = services.invoice(statement=s, number="1", on=s.month.replace(day=28), by=finance)
        services.add_payment(
            payment=Payment(statement=s, paid_on=s.month.replace(day=28), amount=s.amount / 2),
            by=finance,
        )
    return contract


@pytest.mark.parametrize("who", ["alice", "director", "operations", "finance"])
def test_a_fixed_number_of_queries_per_page(
    request, clock, as_user, queries_for, alice, director, operations, finance, who
):
    clock("2026-06-27 09:00")
    first = placement(alice, director, operations, finance, 3)
    client = as_user(request.getfixturevalue(who))
    summaries.build_the_day.call("")  # as the scheduled job does at 00:01
    few = {path: queries_for(lambda p=path: client.get(p)) for path in PAGES}
    few_detail = queries_for(lambda: client.get(f"/placements/{first.pk}/"))
    for _ in range(3):
        placement(alice, director, operations, finance, 14)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert queries_for(lambda p=path: client.get(p)) == few[path], (who, path)
    assert queries_for(lambda: client.get(f"/placements/{first.pk}/")) == few_detail


def test_the_home_panel_says_what_operations_and_finance_have_today(
    clock, as_user, alice, director, operations, finance
):
    clock("2026-06-27 09:00")
    contract = placement(alice, director, operations, finance, 3)  # read up to May
    home = as_user(operations).get("/").content.decode()
    assert "本月待抄表" in home and contract.hospital.name in home
    money = as_user(finance).get("/").content.decode()
    assert "待开票" in money and "逾期回款" in money
    assert "本月待抄表" not in money
