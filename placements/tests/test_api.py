"""The fixed names of the placements' API: contracts, readings, statements, payments and a
contract's actual-vs-plan; the same rules and visibility as the pages."""

from datetime import date

import pytest

from hospitals.tests.factories import HospitalFactory

from .factories import accepted_contract, won_project

pytestmark = pytest.mark.django_db


def test_contract_to_payment_through_the_api(
    clock, api_as, alice, carol, director, operations, finance
):
    clock("2026-06-10 09:00")
    project = won_project(HospitalFactory(owner=alice), director)
    manager = api_as(alice)
    made = manager.post(
        "/contracts",
        {
            "project": project.pk,
            "signed_on": "2026-01-05",
            "term_start": "2026-01-05",
            "term_end": "2036-01-04",
        },
    )
    assert made.status_code == 201, made.json()
    contract = made.json()
    assert contract["price"] == "5.00" and contract["status"] == "installing"
    again = manager.post("/contracts", {"project": project.pk})
    assert again.status_code == 400

    ops = api_as(operations)
    steps = ops.get("/installations", {"contract": contract["id"]}).json()["items"]
    acceptance = next(s for s in steps if s["step"] == "acceptance")
    done = ops.patch(f"/installations/{acceptance['id']}", {"done_on": "2026-02-20"})
    assert done.status_code == 200, done.json()
    assert manager.get(f"/contracts/{contract['id']}").json()["status"] == "billing"

    for day, value in (("2026-03-25", 9000), ("2026-04-25", 21000), ("2026-05-25", 29000)):
        r = ops.post("/readings", {"contract": contract["id"], "read_on": day, "value": value})
        assert r.status_code == 201, r.json()
    lower = ops.post(
        "/readings", {"contract": contract["id"], "read_on": "2026-06-01", "value": 100}
    )
    assert lower.status_code == 400 and "value" in str(lower.json())

    statements = manager.get("/statements", {"contract": contract["id"]}).json()["items"]
    assert [s["top_up_nm3"] for s in sorted(statements, key=lambda s: s["month"])] == [
        "500.0",
        "0.0",
        "1500.0",
    ]
    march = min(statements, key=lambda s: s["month"])
    assert ops.patch(f"/statements/{march['id']}", {"status": "confirmed"}).status_code == 200
    assert (
        ops.patch(
            f"/statements/{march['id']}", {"status": "invoiced", "invoice_no": "1"}
        ).status_code
        == 403
    )
    money = api_as(finance)
    invoiced = money.patch(
        f"/statements/{march['id']}",
        {"status": "invoiced", "invoice_no": "04410001", "invoiced_on": "2026-04-05"},
    )
    assert invoiced.status_code == 200 and invoiced.json()["due_on"] == "2026-05-05"
    paid = money.post(
        "/payments", {"statement": march["id"], "paid_on": "2026-05-01", "amount": "20000"}
    )
    assert paid.status_code == 201, paid.json()
    assert money.get(f"/statements/{march['id']}").json()["balance"] == "27500.00"
    assert len(money.get("/payments").json()["items"]) == 1

    compared = manager.get(f"/contracts/{contract['id']}/actual-vs-plan").json()
    assert [m["month"] for m in compared["months"]] == ["2026-03-01", "2026-04-01", "2026-05-01"]
    assert set(compared["months"][0]) == {
        "month",
        "volume_nm3",
        "planned_volume_nm3",
        "revenue",
        "planned_revenue",
    }
    assert compared["months"][0]["volume_nm3"] == 9000 and compared["months"][0]["revenue"] == 47500
    assert compared["irr_projected"] < compared["irr_proposal"]
    assert compared["payback_projected_years"] > 0
    assert "irr_to_date" in compared

    other = api_as(carol)
    assert other.get("/contracts").json()["items"] == []
    assert other.get(f"/contracts/{contract['id']}").status_code == 404
    assert other.get("/statements").json()["items"] == []
    assert other.get(f"/contracts/{contract['id']}/actual-vs-plan").status_code == 404


def test_a_manager_cannot_enter_readings(clock, api_as, alice, director, operations):
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    r = api_as(alice).post(
        "/readings", {"contract": contract.pk, "read_on": "2026-03-25", "value": 10}
    )
    assert r.status_code == 403


def test_the_national_lists_total_from_their_summaries_equal_to_the_rows(
    clock, api_as, alice, bob, carol, leader, director, operations
):
    """The totals of the API's follow-ups, statements, payments and readings come from the
    summaries when nothing filters them: for every role they equal a count of the rows the
    user may see, after the writes that move them (a follow-up logged, a reading, a payment,
    a statement deleted, a project handed over), and a filter counts what it leaves."""
    from o2crm import summaries
    from pipeline import services as pipeline_services
    from pipeline.models import FollowUp
    from placements.models import Payment, Reading, Statement

    clock("2026-06-10 09:00")
    contracts = {
        owner: accepted_contract(
            HospitalFactory(owner=owner),
            director,
            operations,
            signed=date(2025, 1, 5),
            accepted=date(2025, 2, 20),
        )  # fmt: skip
        for owner in (alice, carol)
    }
    lists = {"followups": FollowUp, "statements": Statement, "payments": Payment,
             "readings": Reading}  # fmt: skip

    def totals_equal_the_rows():
        assert summaries.check(["follow-ups", "statements", "payments", "readings"]) == []
        for user in (director, leader, alice, bob, carol):
            api = api_as(user)
            for path, model in lists.items():
                listed = api.get(f"/{path}").json()
                assert listed["count"] == model.objects.visible_to(user).count(), (user, path)

    def statement(owner, month, paid=0):
        s = Statement.objects.create(
            contract=contracts[owner], month=month, volume_nm3=1000, top_up_nm3=0, price=3,
            amount=3000, status="invoiced" if paid else "draft",
        )  # fmt: skip
        if paid:
            Payment.objects.create(statement=s, paid_on=date(2026, 6, 1), amount=paid)
        return s

    for i, owner in enumerate((alice, alice, carol)):
        statement(owner, date(2026, 1 + i, 1), paid=1000)
        Reading.objects.create(
            contract=contracts[owner], read_on=date(2026, 2 + i, 1), value=1000 * (i + 1),
            volume=1000,
        )  # fmt: skip
        pipeline_services.log_follow_up(
            follow_up=FollowUp(
                project=contracts[owner].project, date=date(2026, 6, 1 + i), channel="phone",
                kind="business", summary="回访用气情况",
            ),
            contacts=[], by=owner,
        )  # fmt: skip
    totals_equal_the_rows()
    assert api_as(director).get("/statements").json()["count"] == 3

    Statement.objects.filter(pk=statement(carol, date(2026, 5, 1)).pk).delete()  # one by one
    statement(alice, date(2026, 4, 1), paid=500)
    totals_equal_the_rows()
    project = contracts[alice].project
    project.owner = bob  # handed over: its rows are bob's now, and no longer alice's
    project.save()
    totals_equal_the_rows()
    assert api_as(alice).get("/payments").json()["count"] == 0
    assert api_as(bob).get("/payments").json()["count"] == 3
    # a filter counts what it leaves
    one = api_as(director).get("/statements", {"contract": contracts[carol].pk}).json()
    assert one["count"] == 1 and len(one["items"]) == 1
