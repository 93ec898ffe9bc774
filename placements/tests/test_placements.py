"""The placement after the contract, as the issue checks it: a won project becomes a contract,
is installed and accepted; three months of readings make three statements with the minimum
rule; a partial payment leaves the rest in the ageing; the comparison shows actual below plan
and a lower projected IRR; a reading below the last is refused; a manager sees only theirs."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from hospitals.tests.factories import HospitalFactory
from placements import domain, services
from placements.jobs import term_and_growth
from placements.models import Contract, Reading, Statement
from reminders.digest import digest_for
from reminders.models import Notification

from .factories import accepted_contract, won_project

pytestmark = pytest.mark.django_db


def formset_data(page, **changes) -> dict:
    """The installation page's form as the browser would post it, with `changes` by step."""
    formset = page.context["formset"]
    data = {f"m-{k}": v for k, v in formset.management_form.initial.items()}
    for i, form in enumerate(formset.forms):
        m = form.instance
        data |= {
            f"m-{i}-id": m.pk,
            f"m-{i}-version": m.version,
            f"m-{i}-planned_on": m.planned_on.isoformat(),
            f"m-{i}-done_on": changes.get(m.step, m.done_on.isoformat() if m.done_on else ""),
            f"m-{i}-who": "",
            f"m-{i}-note": "",
        }
    return data


def test_a_won_project_runs_from_contract_to_collections(
    clock, as_user, alice, carol, director, operations, finance
):
    clock("2026-01-05 09:00")
    project = won_project(HospitalFactory(owner=alice, name="长兴县人民医院"), director)
    manager = as_user(alice)

    # 签约: the form comes filled in from the accepted proposal
    page = manager.get(f"/placements/new/{project.pk}/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["price"] == Decimal("5.00") and form.initial["minimum_monthly_m3"] == 9500
    data = {k: v for k, v in form.initial.items() if v is not None and k != "scan"}
    data |= {"signed_on": "2026-01-05", "term_start": "2026-01-05", "term_end": "2036-01-04"}
    response = manager.post(f"/placements/new/{project.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(project=project)
    assert contract.milestones.count() == 7 and contract.status == "installing"

    # 安装交付: operations mark 验收 done, billing starts
    clock("2026-06-10 09:00")
    manager = as_user(alice)  # a new session: the old one expired with the months
    ops = as_user(operations)
    page = ops.get(f"/placements/{contract.pk}/installation/")
    response = ops.post(
        f"/placements/{contract.pk}/installation/",
        formset_data(page, acceptance="2026-02-20")
        | {"p-model": "O2-PSA-20", "p-units": 2, "p-installed_nm3h": "40", "p-meter_start": "1000"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contract.refresh_from_db()
    assert contract.accepted_on == date(2026, 2, 20) and contract.status == "billing"

    # 抄表 three months: 9,000 / 12,000 / 8,000 m³ against a minimum of 9,500
    for day, value in (("2026-03-25", 10_000), ("2026-04-25", 22_000), ("2026-05-25", 30_000)):
        response = ops.post(
            f"/placements/{contract.pk}/readings/new/", {"read_on": day, "value": value}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    lower = ops.post(
        f"/placements/{contract.pk}/readings/new/", {"read_on": "2026-06-05", "value": 29_000}
    )
    assert lower.status_code == 400
    assert "低于上次读数" in lower.content.decode()
    assert contract.readings.count() == 3

    statements = list(Statement.objects.filter(contract=contract).order_by("month"))
    assert [(s.volume_nm3, s.top_up_nm3, s.amount) for s in statements] == [
        (Decimal("9000.0"), Decimal("500.0"), Decimal("47500.00")),
        (Decimal("12000.0"), Decimal("0.0"), Decimal("60000.00")),
        (Decimal("8000.0"), Decimal("1500.0"), Decimal("47500.00")),
    ]

    # 对账 → 开票 → 回款 in part: the rest is in the ageing and the owner's digest
    march = statements[0]
    assert (
        ops.post(
            f"/placements/statements/{march.pk}/confirm/",
            {"confirmed_on": "2026-04-02", "version": march.version},
        ).status_code
        == 302
    )
    money = as_user(finance)
    assert (
        money.post(
            f"/placements/statements/{march.pk}/invoice/",
            {"invoice_no": "04412345", "invoiced_on": "2026-04-05"},
        ).status_code
        == 302
    )
    too_much = money.post(
        f"/placements/statements/{march.pk}/payments/", {"paid_on": "2026-05-01", "amount": "50000"}
    )
    assert too_much.status_code == 400 and "超过未收金额" in too_much.content.decode()
    assert (
        money.post(
            f"/placements/statements/{march.pk}/payments/",
            {"paid_on": "2026-05-01", "amount": "20000"},
        ).status_code
        == 302
    )
    march.refresh_from_db()
    assert march.status == "partly" and march.balance == Decimal("27500.00")
    ageing = manager.get("/placements/receivables/?by=manager")
    assert ageing.status_code == 200, (ageing.status_code, ageing.content.decode()[:500])
    row = ageing.context["ageing_rows"][0]
    assert row["total"] == Decimal("27500.00") and row["b2"] == Decimal("27500.00")  # 66 days
    assert row["overdue"] == Decimal("27500.00")  # due 2026-05-05
    assert any("回款逾期" in line for line in digest_for(alice, date(2026, 6, 10)).lines())

    # 实际与测算: below plan, a projected IRR under the proposal's
    api = manager.get(f"/api/v1/contracts/{contract.pk}/actual-vs-plan")
    assert api.status_code == 401 or api.status_code == 200  # the session is not the API's door
    page = manager.get(f"/placements/{contract.pk}/")
    compared = page.context["compared"]
    assert compared.ratio < 0.8
    assert compared.irr_projected < compared.irr_proposal
    assert page.context["pct"]["lower"]

    # a manager sees only their own placements
    other = as_user(carol)
    assert other.get(f"/placements/{contract.pk}/").status_code == 404
    assert other.get(f"/placements/statements/{march.pk}/").status_code == 404
    assert contract not in other.get("/placements/").context["page"].object_list


def test_statements_print_for_the_hospital(clock, alice, director, operations, as_user):
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice, name="东阳市人民医院"), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    services.record_reading(
        reading=Reading(contract=contract, read_on=date(2026, 3, 25), value=Decimal(9000)),
        by=operations,
    )
    statement = contract.statements.get()
    client = as_user(alice)
    book = load_workbook(
        io.BytesIO(client.get(f"/placements/statements/{statement.pk}/xlsx/").content)
    )
    cells = {row[0]: row[1] for row in book.active.iter_rows(values_only=True) if row and row[0]}
    assert cells["医院"] == "东阳市人民医院" and cells["保底补足量（m³）"] == "500.0"
    assert cells["结算金额（元）"] == "47,500.00"
    pdf = PdfReader(io.BytesIO(client.get(f"/placements/statements/{statement.pk}/pdf/").content))
    assert "47,500.00" in pdf.pages[0].extract_text()


def test_a_meter_change_and_a_jump(clock, alice, director, operations):
    clock("2026-09-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip

    def read(day, value, **more):
        reading = Reading(contract=contract, read_on=day, value=Decimal(value), **more)
        return services.record_reading(reading=reading, by=operations)

    read(date(2026, 3, 25), 10_000)
    read(date(2026, 4, 25), 20_000)
    read(date(2026, 5, 25), 30_000)
    with pytest.raises(Exception, match="确认用量异常偏高"):
        read(date(2026, 6, 25), 130_000)
    changed = read(
        date(2026, 6, 25), 2_000, meter_changed=True,
        old_meter_final=Decimal(38_000), new_meter_start=Decimal(0),
    )  # fmt: skip
    assert changed.volume == Decimal(10_000)
    assert read(date(2026, 7, 25), 100_000, jump_confirmed=True).volume == Decimal(98_000)


def test_term_end_opens_a_renewal_and_a_full_plant_an_expansion(
    clock, alice, director, operations, django_capture_on_commit_callbacks
):
    clock("2026-09-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    from placements.models import Plant

    services.save_plant(
        plant=Plant(contract=contract, model="O2-PSA-10", units=2, installed_nm3h=20),
        by=operations,
    )
    cap = domain.monthly_cap(20, 2)  # 10 Nm³/h on duty: about 6,935 m³ a month
    value = 0
    for month in (5, 6, 7, 8):
        value += int(cap * 0.9)
        services.record_reading(
            reading=Reading(contract=contract, read_on=date(2026, month, 25), value=value,
                            jump_confirmed=True),
            by=operations,
        )  # fmt: skip
    assert services.suggest_expansions(date(2026, 9, 10)) == 1
    contract.refresh_from_db()
    assert contract.expansion_project.source == "expansion"
    assert services.suggest_expansions(date(2026, 9, 10)) == 0  # once

    assert services.open_renewals(date(2026, 9, 10)) == 0
    ending = date(2027, 8, 31)
    Contract.objects.filter(pk=contract.pk).update(term_end=ending)
    with django_capture_on_commit_callbacks(execute=True):
        assert term_and_growth.call(period="2026-09-11T05:40:00+08:00") == 1  # the nightly job
    contract.refresh_from_db()
    assert Notification.objects.filter(recipient=alice, kind="placement_renewal").exists()
    assert contract.renewal_project.source == "renewal"
    assert contract.renewal_project.owner == alice


def test_price_in_force_follows_amendments_and_yearly_change():
    changes = [domain.PriceChange(date(2028, 7, 1), Decimal("3.00"))]
    start = date(2026, 2, 29 - 1)
    assert domain.price_on(date(2026, 5, 1), Decimal("3.20"), Decimal(2), start, []) == Decimal(
        "3.20"
    )
    assert domain.price_on(date(2027, 3, 1), Decimal("3.20"), Decimal(2), start, []) == Decimal(
        "3.26"
    )
    assert domain.price_on(
        date(2028, 7, 1), Decimal("3.20"), Decimal(2), start, changes
    ) == Decimal("3.00")
    assert domain.whole_years(date(2028, 2, 29), date(2029, 2, 28)) == 0
    assert domain.whole_years(date(2028, 2, 29), date(2029, 3, 1)) == 1


def test_receivables_fall_in_their_ageing_bucket_by_days_since_the_invoice(
    clock, alice, director, operations
):
    """0–30, 31–60, 61–90, >90 days: each boundary on its side, in the SQL the pages use."""
    from datetime import timedelta

    from placements import figures

    clock("2026-06-10 09:00")
    today = date(2026, 6, 10)
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2024, 1, 5), accepted=date(2024, 2, 20),
    )  # fmt: skip
    for i, days in enumerate((0, 30, 31, 60, 61, 90, 91, 400)):
        Statement.objects.create(
            contract=contract, month=date(2025, 1 + i, 1), volume_nm3=1, top_up_nm3=0, price=1,
            amount=10**i, status="invoiced", invoiced_on=today - timedelta(days=days),
            due_on=today - timedelta(days=days) + timedelta(days=30),
        )  # fmt: skip
    totals = figures.ageing_totals(Statement.objects.all(), today)
    assert [totals[f"b{i}"] for i in range(4)] == [11, 1100, 110000, 11000000]
    assert totals["overdue"] == 11111100  # due before today: invoiced over 30 days ago


def test_an_amendment_prices_the_months_from_its_date(clock, as_user, alice, director, operations):
    clock("2026-09-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    client = as_user(alice)
    empty = client.post(
        f"/placements/{contract.pk}/amend/", {"effective_on": "2026-05-01", "note": "调价"}
    )
    assert empty.status_code == 400 and "请填写新单价或新的合作期止" in empty.content.decode()
    ok = client.post(
        f"/placements/{contract.pk}/amend/",
        {
            "effective_on": "2026-05-01",
            "price": "4.50",
            "term_end": "2037-01-04",
            "note": "院方要求降价，延长一年",
        },
    )
    assert ok.status_code == 302
    contract.refresh_from_db()
    assert contract.term_end == date(2037, 1, 4)
    for day, value in ((date(2026, 4, 25), 10_000), (date(2026, 5, 25), 20_000)):
        services.record_reading(
            reading=Reading(contract=contract, read_on=day, value=Decimal(value)), by=operations
        )
    april, may = contract.statements.order_by("month")
    assert (april.price, may.price) == (Decimal("5.00"), Decimal("4.50"))


def test_two_people_confirming_the_same_statement(clock, as_user, alice, director, operations):
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    services.record_reading(
        reading=Reading(contract=contract, read_on=date(2026, 3, 25), value=Decimal(10_000)),
        by=operations,
    )
    statement = contract.statements.get()
    ops = as_user(operations)
    url = f"/placements/statements/{statement.pk}/costs/"
    first = ops.post(url, {"energy_cost": "8000", "om_cost": "2500", "version": statement.version})
    assert first.status_code == 302
    stale = ops.post(url, {"energy_cost": "1", "om_cost": "1", "version": statement.version})
    assert stale.status_code == 409
    statement.refresh_from_db()
    assert (statement.energy_cost, statement.om_cost) == (Decimal("8000.00"), Decimal("2500.00"))


def test_a_manager_cannot_confirm_or_invoice(clock, as_user, alice, director, operations):
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    services.record_reading(
        reading=Reading(contract=contract, read_on=date(2026, 3, 25), value=Decimal(10_000)),
        by=operations,
    )
    statement = contract.statements.get()
    client = as_user(alice)
    assert (
        client.post(
            f"/placements/statements/{statement.pk}/confirm/", {"confirmed_on": "2026-04-01"}
        ).status_code
        == 403
    )
    assert client.get(f"/placements/{contract.pk}/readings/new/").status_code == 403
    assert client.get(f"/placements/statements/{statement.pk}/").status_code == 200


def test_the_scan_and_the_meter_photo_are_read_by_those_who_see_the_contract(
    clock, as_user, alice, carol, director, operations, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    manager, ops = as_user(alice), as_user(operations)
    page = manager.get(f"/placements/{contract.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None and k != "scan"}
    data["scan"] = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 signed", "application/pdf")
    assert manager.post(f"/placements/{contract.pk}/edit/", data).status_code == 302
    photo = SimpleUploadedFile("meter.jpg", b"\xff\xd8\xff meter", "image/jpeg")
    response = ops.post(
        f"/placements/{contract.pk}/readings/new/",
        {"read_on": "2026-03-25", "value": "9000", "photo": photo},
    )
    assert response.status_code == 302
    reading = contract.readings.get()
    scan = manager.get(f"/placements/{contract.pk}/scan/")
    assert b"".join(scan.streaming_content) == b"%PDF-1.4 signed"
    shot = manager.get(f"/placements/{contract.pk}/readings/{reading.pk}/photo/")
    assert b"".join(shot.streaming_content) == b"\xff\xd8\xff meter"
    other = as_user(carol)
    assert other.get(f"/placements/{contract.pk}/scan/").status_code == 404
    assert other.get(f"/placements/{contract.pk}/readings/{reading.pk}/photo/").status_code == 404


def test_a_misread_is_taken_back_while_its_month_is_open(
    clock, as_user, alice, director, operations
):
    clock("2026-06-10 09:00")
    contract = accepted_contract(
        HospitalFactory(owner=alice), director, operations,
        signed=date(2026, 1, 5), accepted=date(2026, 2, 20),
    )  # fmt: skip
    march = services.record_reading(
        reading=Reading(contract=contract, read_on=date(2026, 3, 25), value=Decimal(10_000)),
        by=operations,
    )
    april = services.record_reading(
        reading=Reading(contract=contract, read_on=date(2026, 4, 25), value=Decimal(90_000),
                        jump_confirmed=True),
        by=operations,
    )  # fmt: skip
    ops = as_user(operations)
    assert (
        as_user(alice).post(f"/placements/{contract.pk}/readings/{april.pk}/remove/").status_code
        == 403
    )
    ops.post(f"/placements/{contract.pk}/readings/{march.pk}/remove/")
    assert contract.readings.count() == 2  # only the newest can go
    assert ops.post(f"/placements/{contract.pk}/readings/{april.pk}/remove/").status_code == 302
    assert list(contract.statements.values_list("month", flat=True)) == [date(2026, 3, 1)]
    contract.refresh_from_db()
    assert contract.months_billed == 1 and contract.volume_to_date == Decimal(10_000)
    services.confirm(statement=contract.statements.get(), on=date(2026, 4, 2), by=operations)
    ops.post(f"/placements/{contract.pk}/readings/{march.pk}/remove/")
    assert contract.readings.filter(pk=march.pk).exists()  # its month is confirmed


def test_the_receivables_name_each_hospital_manager_and_team_largest_overdue_first(
    clock, as_user, alice, carol, director, operations
):
    """The ageing groups on ids and names the page's groups after: each row still shows whose
    money it is, and the most overdue comes first."""
    from datetime import timedelta

    clock("2026-06-10 09:00")
    today = date(2026, 6, 10)
    for owner, name, amount in ((alice, "湖州市中心医院", 5000), (carol, "宁波市第二医院", 9000)):
        contract = accepted_contract(
            HospitalFactory(owner=owner, name=name), director, operations,
            signed=date(2024, 1, 5), accepted=date(2024, 2, 20),
        )  # fmt: skip
        Statement.objects.create(
            contract=contract, month=date(2026, 3, 1), volume_nm3=1, top_up_nm3=0, price=1,
            amount=amount, status="invoiced", invoiced_on=today - timedelta(days=70),
            due_on=today - timedelta(days=40),
        )  # fmt: skip
    client = as_user(director)
    for by, names in (
        ("hospital", ["宁波市第二医院", "湖州市中心医院"]),
        ("manager", ["黄志强", "刘晓燕"]),
        ("team", [carol.team.name, alice.team.name]),
    ):
        page = client.get(f"/placements/receivables/?by={by}")
        rows = page.context["ageing_rows"]
        assert [r["name"] for r in rows] == names, by
        assert [r["overdue"] for r in rows] == [Decimal(9000), Decimal(5000)]
        html = page.content.decode()
        assert html.index(names[0]) < html.index(names[1])
    assert page.context["totals"]["overdue"] == Decimal(14000)


def test_the_portfolio_growth_reads_its_summary_equal_to_the_statements(
    clock, alice, bob, carol, leader, director, operations
):
    """The last 12 months over the 12 before, placements billing 24 months: read from the
    summary kept by the statements', contracts' and projects' writes, equal to the sums of
    the statements themselves after each kind of write, for each role."""
    from o2crm import summaries
    from placements import figures

    clock("2026-06-10 09:00")
    today = date(2026, 6, 10)

    def from_rows(user):
        mature = Contract.objects.visible_to(user).filter(accepted_on__lt=date(2024, 6, 1))
        rows = Statement.objects.filter(
            contract__in=mature, month__gte=date(2024, 6, 1), month__lt=date(2026, 6, 1)
        )
        now = sum(s.volume_nm3 for s in rows if s.month >= date(2025, 6, 1))
        before = sum(s.volume_nm3 for s in rows if s.month < date(2025, 6, 1))
        return float(now / before - 1) if now and before else None

    def same_as_the_rows():
        assert summaries.check([figures.VOLUMES.topic]) == []
        for user in (director, leader, alice, bob, carol):
            assert figures.evidence(user, today).growth == from_rows(user), user

    contracts = {}
    for owner, accepted in ((alice, date(2024, 2, 20)), (carol, date(2024, 5, 31))):
        contracts[owner] = accepted_contract(
            HospitalFactory(owner=owner), director, operations,
            signed=accepted.replace(day=1), accepted=accepted,
        )  # fmt: skip
        for i in range(26):  # 2024-05 … 2026-06: growing 10 m³ a month
            month = domain.add_months(date(2024, 5, 1), i)
            Statement.objects.create(
                contract=contracts[owner], month=month, volume_nm3=1000 + 10 * i,
                top_up_nm3=0, price=1, amount=1000,
            )  # fmt: skip
    same_as_the_rows()
    # 2024-06 … 2025-05 average 1,065 m³ a month, 2025-06 … 2026-05 1,185: both placements mature
    assert figures.evidence(director, today).growth == pytest.approx(1185 / 1065 - 1)

    Statement.objects.filter(contract=contracts[carol], month=date(2025, 1, 1)).delete()
    same_as_the_rows()
    late = Statement.objects.get(contract=contracts[alice], month=date(2026, 2, 1))
    late.volume_nm3 = 5000  # a reading corrected
    late.save()
    same_as_the_rows()
    moved = contracts[carol]
    moved.accepted_on = date(2024, 7, 2)  # acceptance moved past the 24 months: not mature
    moved.save()
    same_as_the_rows()
    project = contracts[alice].project
    project.owner = bob  # handed over
    project.save()
    same_as_the_rows()
    assert figures.evidence(alice, today).growth is None


def test_the_ageing_by_manager_and_team_reads_its_summary_equal_to_the_statements(
    clock, as_user, alice, bob, carol, leader, director, operations
):
    """应收账龄 by manager and by team, and its totals, come from a summary kept by the
    statements' writes (an invoice, a payment in part and in whole, a deletion, a handover, a
    team move) and rebuilt each day, when every open statement may cross into the next
    bucket: equal to the statements grouped, for each role, on every day."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Team
    from o2crm import summaries
    from placements import figures
    from placements.models import Payment

    clock("2026-06-10 09:00")

    def same_as_the_statements(when):
        today = timezone.localdate()
        assert summaries.check([figures.AGEING.topic]) == [], when
        for user in (director, operations, leader, alice, bob, carol):
            mine = Statement.objects.visible_to(user)
            for by in ("manager", "team"):
                live = [dict(r) for r in figures.ageing(mine, today, by)]
                assert figures.kept_ageing(user, by) == live, (when, user, by)
            assert figures.kept_ageing_totals(user) == figures.ageing_totals(mine, today), (
                when,
                user,
            )

    statements = []
    for owner, days in ((alice, (5, 29, 45)), (bob, (30, 88)), (carol, (61, 200))):
        contract = accepted_contract(
            HospitalFactory(owner=owner), director, operations,
            signed=date(2024, 1, 5), accepted=date(2024, 2, 20),
        )  # fmt: skip
        for i, ago in enumerate(days):
            invoiced = date(2026, 6, 10) - timedelta(days=ago)
            statements.append(
                Statement.objects.create(
                    contract=contract, month=date(2025, 1 + i, 1), volume_nm3=1, top_up_nm3=0,
                    price=1, amount=1000 * (i + 1), status="invoiced", invoiced_on=invoiced,
                    due_on=invoiced + timedelta(days=30),
                )
            )  # fmt: skip
    same_as_the_statements("invoiced")
    first, second = statements[0], statements[3]
    services.add_payment(
        payment=Payment(statement=first, amount=Decimal(400), paid_on=date(2026, 6, 10)),
        by=operations,
    )
    same_as_the_statements("paid in part")
    services.add_payment(
        payment=Payment(statement=second, amount=second.amount, paid_on=date(2026, 6, 10)),
        by=operations,
    )
    same_as_the_statements("paid whole")
    for day in ("2026-06-11 08:00", "2026-07-10 08:00", "2026-09-08 08:00"):
        clock(day)  # 29 → 30 → 59 → 120 days: across every bucket's edge
        same_as_the_statements(day)
    statements[-1].delete()
    same_as_the_statements("deleted")
    project = statements[1].contract.project
    project.owner = carol  # handed over
    project.save()
    same_as_the_statements("handed over")
    bob.team = Team.objects.exclude(pk=bob.team_id).first()
    bob.save(update_fields=["team"])
    same_as_the_statements("moved to another team")
    # the page shows them so: carol's and bob's money now heads the list by manager
    page = as_user(director).get("/placements/receivables/?by=manager")
    assert page.context["ageing_rows"] == figures.name_groups(
        [dict(r) for r in figures.ageing(Statement.objects.all(), date(2026, 9, 8), "manager")],
        "manager",
    )
