"""《月度销售项目汇报表》: the month's projects with subtotals, consolidated from the submitted
weekly summaries; its totals match the rows on screen, in the JSON and in the workbook."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from pipeline import services
from pipeline.models import Project
from pipeline.tests.factories import stage
from reports import services as report_services
from reports.forms import report_month
from reports.monthly import MonthScope

from .test_weekly import at, contact, make, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def month():
    """Last month: over, so its stages are the ones it ended with."""
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def projects(alice, bob, carol, month):
    a1 = make(alice, "杭州市第一人民医院", month - timedelta(days=60), contract_value=3_210_050)
    move(a1, "proposal", month + timedelta(days=9))
    a2 = make(alice, "宁波市第一医院", month + timedelta(days=3), contract_value=1_000_000)
    b1 = make(bob, "湖州市中心医院", month - timedelta(days=30), contract_value=2_000_001)
    c1 = make(
        carol, "温州医科大学附属第一医院", month - timedelta(days=10), contract_value=5_000_000
    )
    won = make(carol, "东阳市人民医院", month - timedelta(days=100), contract_value=7_000_000)
    services.close_project(project=won, status="won", reason="", by=carol)
    Project.objects.filter(pk=won.pk).update(closed_at=at(month + timedelta(days=20)))
    # closed before the month began: not in it
    old = make(carol, "衢州市人民医院", month - timedelta(days=200))
    services.close_project(project=old, status="lost", reason="资金不足", by=carol)
    Project.objects.filter(pk=old.pk).update(closed_at=at(month - timedelta(days=5)))
    # created after the month: not in it
    make(bob, "嘉兴市第一医院", timezone.localdate(), contract_value=900_000)
    return {"a1": a1, "a2": a2, "b1": b1, "c1": c1, "won": won}


def test_the_month_lists_the_projects_open_in_it(as_user, director, month, projects):
    data = as_user(director).get(f"/api/v1/reports/monthly?month={month:%Y-%m}").json()
    hospitals = {r["hospital"] for r in data["projects"]}
    assert hospitals == {
        "杭州市第一人民医院",
        "宁波市第一医院",
        "湖州市中心医院",
        "温州医科大学附属第一医院",
        "东阳市人民医院",
    }
    rows = {r["hospital"]: r for r in data["projects"]}
    assert rows["杭州市第一人民医院"]["stage"] == "方案建议"
    assert rows["杭州市第一人民医院"]["probability"] == 50
    assert rows["东阳市人民医院"]["status"] == "won"
    # totals are the sums of the rows, to the cent
    total = data["total"]
    assert total["count"] == len(data["projects"]) == 5
    assert Decimal(total["value"]) == sum(Decimal(r["value"]) for r in data["projects"])
    assert Decimal(total["weighted"]) == sum(Decimal(r["weighted"]) for r in data["projects"])
    assert total["won"] == 1
    teams = {t["team"]: t for t in data["teams"]}
    assert teams["浙北一组"]["count"] == 3 and teams["浙南二组"]["count"] == 2


def test_a_month_ago_shows_the_stage_it_ended_at(as_user, director, month, projects):
    # moved on after the month ended: last month's report still says 方案建议
    services.move_stage(project=projects["a1"], stage=stage("negotiation"), by=projects["a1"].owner)
    data = as_user(director).get(f"/api/v1/reports/monthly?month={month:%Y-%m}").json()
    row = next(r for r in data["projects"] if r["hospital"] == "杭州市第一人民医院")
    assert row["stage"] == "方案建议"


def test_progress_comes_from_the_submitted_weeks(as_user, alice, month, projects):
    scope = MonthScope(month=month)
    first, second = scope.weeks()[0], scope.weeks()[1]
    a1 = projects["a1"]
    contact(a1, first + timedelta(days=1), summary="向院长汇报投放方案", next_step="报送建议书")
    report_services.submit_week(owner=alice, monday=first, by=alice)
    # edited after submission: the month shows what the week said
    a1.follow_ups.filter(summary="向院长汇报投放方案").update(summary="改过的记录")
    # a week alice did not submit: its follow-ups speak for it
    contact(a1, second + timedelta(days=2), summary="电话确认院务会议程", next_step="约院长")
    data = as_user(alice).get(f"/api/v1/reports/monthly?month={month:%Y-%m}").json()
    row = next(r for r in data["projects"] if r["project"] == a1.pk)
    assert "向院长汇报投放方案" in row["progress"] and "改过的记录" not in row["progress"]
    assert "电话确认院务会议程" in row["progress"]
    assert row["next_step"] == "约院长"
    alice_row = next(m for m in data["managers"] if m["owner"] == "alice")
    assert alice_row["weeks_submitted"] == 1


def test_a_manager_sees_only_their_month(as_user, alice, month, projects):
    data = as_user(alice).get(f"/api/v1/reports/monthly?month={month:%Y-%m}").json()
    assert {r["owner"] for r in data["projects"]} == {"alice"}
    assert [m["owner"] for m in data["managers"]] == ["alice"]
    xlsx = as_user(alice).get(f"/api/v1/reports/monthly?month={month:%Y-%m}&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["汇总", "浙北一组"]
    names = [r[0] for r in book["浙北一组"].iter_rows(min_row=4, values_only=True)]
    assert "湖州市中心医院" not in names


def test_a_bad_month_is_explained(as_user, alice):
    response = as_user(alice).get("/api/v1/reports/monthly?month=2026年11月")
    assert response.status_code == 400
    assert "2026-11" in response.json()["errors"]["month"][0]
    page = as_user(alice).get("/reports/monthly/?month=2026-13")
    assert page.status_code == 400 and "2026-11" in page.content.decode()


def test_screen_json_and_workbook_agree(as_user, director, month, projects):
    client = as_user(director)
    data = client.get(f"/api/v1/reports/monthly?month={month:%Y-%m}").json()
    page = client.get(f"/reports/monthly/?month={month:%Y-%m}")
    assert page.context["data"]["total"]["weighted"] == Decimal(data["total"]["weighted"])
    assert "杭州市第一人民医院" in page.content.decode()
    xlsx = client.get(f"/api/v1/reports/monthly?month={month:%Y-%m}&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["汇总", "浙北一组", "浙南二组"]
    sheet = book["浙北一组"]
    assert sheet.freeze_panes == "B4"
    assert sheet["A3"].value == "医院" and sheet["A1"].value.startswith("月度销售项目汇报表")
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    projects_rows = [r for r in rows if r[1]]  # subtotal rows have no region
    team_total = rows[-1]
    assert team_total[0] == "浙北一组 合计"
    assert Decimal(str(team_total[10])) == sum(Decimal(str(r[10])) for r in projects_rows)
    assert sheet.cell(row=4, column=11).number_format == "#,##0"
    summary = list(book["汇总"].iter_rows(min_row=4, values_only=True))
    assert summary[-1][0] == "合计" and summary[-1][2] == data["total"]["count"]
    assert Decimal(str(summary[-1][4])) == Decimal(data["total"]["weighted"])


def test_the_month_runs_a_fixed_number_of_queries(
    as_user, director, alice, month, projects, queries_for, django_assert_max_num_queries
):
    client = as_user(director)
    url = f"/reports/monthly/?month={month:%Y-%m}"
    client.get(url)  # the day's first reader builds the kept subtotals (decision 0029)
    few = queries_for(lambda: client.get(url))
    for i in range(8):
        p = make(alice, f"第{i}人民医院", month - timedelta(days=5))
        contact(p, month + timedelta(days=3))
    with django_assert_max_num_queries(20):
        many = queries_for(lambda: client.get(url))
    assert few == many


def test_the_pages_run_manager_by_manager_as_the_subtotals_do(
    as_user, director, month, projects, monkeypatch
):
    monkeypatch.setattr("reports.monthly.PAGE_SIZE", 2)  # pages that start mid-manager
    client = as_user(director)
    url = f"/api/v1/reports/monthly?month={month:%Y-%m}"
    first = client.get(url).json()
    assert first["page"] == {"number": 1, "pages": 3, "count": 5}
    listed = [
        (r["owner"], Decimal(r["value"]), r["project"])
        for n in range(1, 4)
        for r in client.get(f"{url}&page={n}").json()["projects"]
    ]
    assert sorted(pk for *_rest, pk in listed) == sorted(p.pk for p in projects.values())
    owners = [m["owner"] for m in first["managers"]]
    # each manager's rows together, in the subtotals' order, the largest first
    assert listed == sorted(listed, key=lambda r: (owners.index(r[0]), -r[1], r[2]))
    assert [r[0] for r in listed] == ["alice", "alice", "bob", "carol", "carol"]


def test_the_monthly_api_pages_its_managers_and_keeps_the_rest_whole(
    as_user, director, month, projects, monkeypatch
):
    """The director's 500 subtotals were most of the answer: they come a `managers_page` at a
    time, apart from the projects' `page`; the teams and the total stay whole on every page,
    and the workbook has every manager."""
    client = as_user(director)
    url = f"/api/v1/reports/monthly?month={month:%Y-%m}"
    whole = client.get(url).json()
    assert whole["managers_count"] == 3 and whole["managers_page"] == {"number": 1, "pages": 1}
    monkeypatch.setattr("reports.scope.MANAGERS_PAGE", 2)
    pages = [client.get(f"{url}&managers_page={n}").json() for n in (1, 2, 9)]
    assert [p["managers_page"] for p in pages] == [
        {"number": 1, "pages": 2},
        {"number": 2, "pages": 2},
        {"number": 2, "pages": 2},  # past the last: the last
    ]
    assert [m for p in pages[:2] for m in p["managers"]] == whole["managers"]
    for key in ("teams", "total", "projects", "page"):
        assert all(p[key] == whole[key] for p in pages), key
    # the projects' page and the managers' page are apart
    assert client.get(f"{url}&page=2&managers_page=2").json()["managers_page"]["number"] == 2
    book = load_workbook(io.BytesIO(client.get(f"{url}&format=xlsx").content))
    cells = {c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
    assert {"刘晓燕", "王磊", "黄志强"} <= cells


def test_a_month_of_demo_activity_adds_up_everywhere(as_user):
    """The issue's check: the demo's weeks feed a monthly report whose totals match the
    projects on screen and in the Excel file."""
    from django.core.management import call_command

    from accounts.models import User
    from reports.models import WeeklySummary

    call_command("demo_data", stdout=io.StringIO())
    assert WeeklySummary.objects.filter(submitted_at__isnull=False).count() >= 8
    assistant = User.objects.get(username="assistant")
    client = as_user(assistant)
    # it opens on the month of the week under review: its submitted weeks are in
    page = client.get("/reports/monthly/")
    data = page.context["data"]
    month = data["scope"]["month"]
    assert month == report_month(timezone.localdate()).strftime("%Y-%m")
    on_screen = Project.objects.filter(pk__in=[r["project"] for r in data["projects"]])
    assert data["total"]["count"] == len(data["projects"]) == on_screen.count()  # one page
    assert data["total"]["value"] == sum(p.contract_value for p in on_screen)
    assert any("【" in r["progress"] for r in data["projects"])  # from the submitted weeks
    book = load_workbook(
        io.BytesIO(client.get(f"/api/v1/reports/monthly?month={month}&format=xlsx").content)
    )
    summary = list(book["汇总"].iter_rows(min_row=4, values_only=True))
    assert summary[-1][2] == data["total"]["count"]
    assert Decimal(str(summary[-1][3])) == data["total"]["value"]
    listed = sum(
        1
        for sheet in book.sheetnames[1:]
        for row in book[sheet].iter_rows(min_row=4, values_only=True)
        if row[1]  # project rows have a region; subtotals do not
    )
    assert listed == data["total"]["count"]


def test_the_workbook_reads_the_country_a_chunk_at_a_time(
    as_user, director, month, projects, monkeypatch
):
    client = as_user(director)
    url = f"/api/v1/reports/monthly?month={month:%Y-%m}&format=xlsx"

    def sheets(content):
        book = load_workbook(io.BytesIO(content))
        return {
            name: list(book[name].iter_rows(min_row=3, values_only=True))
            for name in book.sheetnames
        }

    whole = sheets(client.get(url).content)
    monkeypatch.setattr("reports.monthly.CHUNK", 2)
    assert sheets(client.get(url).content) == whole


@pytest.mark.parametrize(
    ("today", "opens_on"),
    [
        ("2026-12-01", "2026-11"),  # a Tuesday, the 1st: November's weeks are all in
        ("2026-12-03", "2026-11"),  # Thursday: the first week of December not yet submitted
        ("2026-12-04", "2026-12"),  # Friday: it is, and December is under way
        ("2026-12-28", "2026-12"),  # Monday of 2026-W53, reviewing W52
        ("2027-01-01", "2026-12"),  # Friday of 2026-W53: its Thursday is in December
        ("2027-01-08", "2027-01"),
        ("2027-01-31", "2027-01"),  # Sunday, the last day
        ("2027-03-01", "2027-02"),  # Monday, the 1st
        ("2028-02-29", "2028-02"),
    ],
)
def test_the_month_report_opens_on_the_month_of_the_week_under_review(today, opens_on):
    assert f"{report_month(date.fromisoformat(today)):%Y-%m}" == opens_on


def test_the_month_before_is_one_click_away_with_the_filters_kept(as_user, director, clock, bob):
    clock("2026-12-01")
    client = as_user(director)
    page = client.get(f"/reports/monthly/?owner={bob.pk}").content.decode()
    assert f'href="?owner={bob.pk}&amp;month=2026-10"' in page  # from November, it opened on
    assert f'href="?owner={bob.pk}&amp;month=2026-12"' in page  # December has begun
    page = client.get("/reports/monthly/?month=2026-12").content.decode()
    assert "2027-01" not in page  # nothing after the current month
