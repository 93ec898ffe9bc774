"""《业务进展汇总表》: built from the records, submitted by its manager, frozen after; read by
the manager's leader and the director; the page, the JSON and the workbook agree."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from o2crm.dates import week_start
from pipeline import services, stage_history
from pipeline.models import FollowUp, Project, StageChange
from pipeline.tests.factories import ProjectFactory, evaluate, stage
from reports import weekly
from reports.models import WeeklySummary, iso_week
from visits.models import Visit

pytestmark = pytest.mark.django_db


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def monday():
    """Last week's Monday: a whole week in the past, whatever day the tests run."""
    return week_start(timezone.localdate()) - timedelta(days=7)


def make(owner, name, created, **kwargs):
    p = ProjectFactory(hospital=HospitalFactory(owner=owner, name=name), **kwargs)
    Project.objects.filter(pk=p.pk).update(created_at=at(created))
    StageChange.objects.filter(project=p).update(changed_at=at(created))
    redated(p)
    p.refresh_from_db()
    return p


def redated(project) -> None:
    """Its stage history redated, as the demo and an import redate theirs."""
    stage_history.restamp([project.pk])
    summaries.changed(StageChange, [project.owner_id])


def move(project, code, when):
    evaluate(project, "pursue")
    services.move_stage(project=project, stage=stage(code), by=project.owner)
    StageChange.objects.filter(project=project, to_stage=stage(code)).update(changed_at=at(when))
    redated(project)


def contact(project, day, kind="business", summary="拜访设备科长", next_step=""):
    """A follow-up logged as the app logs one, dated `day`."""
    item = FollowUp(
        project=project, date=day, channel="visit", kind=kind, summary=summary, next_step=next_step
    )
    return services.log_follow_up(follow_up=item, contacts=[], by=project.owner)


@pytest.fixture
def week(alice, monday):
    """Alice's last week: one project moved from 信息收集 to 方案建议, one created in the week,
    one untouched; two business contacts and one relationship contact; a visit recorded."""
    moved = make(alice, "杭州市第一人民医院", monday - timedelta(days=40))
    move(moved, "proposal", monday + timedelta(days=2))
    contact(moved, monday + timedelta(days=1), summary="向院长汇报投放方案", next_step="报送建议书")
    contact(moved, monday + timedelta(days=3), kind="relationship", summary="与信息提供者吃饭")
    new = make(alice, "宁波市第一医院", monday + timedelta(days=4))
    contact(new, monday + timedelta(days=4), summary="初次拜访后勤主任")
    make(alice, "嘉善县第一人民医院", monday - timedelta(days=90))
    Visit.objects.create(
        hospital=moved.hospital,
        project=moved,
        owner=alice,
        planned_at=at(monday + timedelta(days=1)),
        status="recorded",
        visited_on=monday + timedelta(days=1),
        outcome="院长认可投放模式",
    )
    return {"moved": moved, "new": new}


def rows_by_hospital(data):
    return {r["hospital"]: r for r in data["projects"]}


def test_the_week_is_built_from_the_records(as_user, alice, monday, week):
    data = as_user(alice).get(f"/api/v1/reports/weekly?week={iso_week(monday)}").json()
    assert (data["user"], data["week"], data["submitted"]) == ("alice", iso_week(monday), False)
    rows = rows_by_hospital(data)
    moved = rows["杭州市第一人民医院"]
    assert (moved["stage_start"], moved["stage_end"], moved["moved"]) == (
        "信息收集",
        "方案建议",
        True,
    )
    assert (moved["business"], moved["relationship"]) == (1, 1)
    assert "向院长汇报投放方案" in moved["progress"] and moved["next_step"] == "报送建议书"
    new = rows["宁波市第一医院"]
    assert new["new"] and new["stage_start"] is None and not new["moved"]
    quiet = rows["嘉善县第一人民医院"]
    assert not quiet["moved"] and quiet["business"] == 0 and quiet["progress"] == ""
    totals = data["totals"]
    assert (totals["projects"], totals["moved"], totals["new_projects"]) == (3, 1, 1)
    assert (totals["business"], totals["relationship"], totals["visits"]) == (2, 1, 1)
    # what changed comes first
    assert [r["hospital"] for r in data["projects"]][-1] == "嘉善县第一人民医院"


def test_a_submitted_week_is_frozen(as_user, alice, monday, week):
    client = as_user(alice)
    response = client.post(
        "/api/v1/reports/weekly/submit",
        {"user": "alice", "week": iso_week(monday), "remark": "下周约院长汇报"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    before = response.json()
    assert before["submitted"] and before["submitted_by"] == "刘晓燕"
    assert before["remark"] == "下周约院长汇报"
    # later edits to the records, even ones dated inside that week
    move(week["new"], "visit", monday + timedelta(days=5))
    contact(week["new"], monday + timedelta(days=5), summary="补记的电话")
    Project.objects.filter(pk=week["moved"].pk).update(name="改名后的项目")
    after = client.get(f"/api/v1/reports/weekly?user=alice&week={iso_week(monday)}").json()
    assert after == before
    # the live records did change: the next draft week would see them
    assert FollowUp.objects.filter(summary="补记的电话").exists()


def test_a_week_is_submitted_once_by_its_manager_only(as_user, alice, leader, monday, week):
    body = {"user": "alice", "week": iso_week(monday)}
    refused = as_user(leader).post("/api/v1/reports/weekly/submit", body, "application/json")
    assert refused.status_code == 403
    assert not WeeklySummary.objects.filter(submitted_at__isnull=False).exists()
    assert (
        as_user(alice).post("/api/v1/reports/weekly/submit", body, "application/json").status_code
        == 200
    )
    again = as_user(alice).post("/api/v1/reports/weekly/submit", body, "application/json")
    assert again.status_code == 400
    assert "已于" in again.json()["errors"]["week"][0]


def test_a_future_or_malformed_week_is_refused_clearly(as_user, alice):
    client = as_user(alice)
    future = iso_week(timezone.localdate() + timedelta(days=14))
    response = client.get(f"/api/v1/reports/weekly?week={future}")
    assert response.status_code == 400 and "还没有开始" in response.json()["errors"]["week"][0]
    response = client.get("/api/v1/reports/weekly?week=48周")
    assert response.status_code == 400 and "2026-W48" in response.json()["errors"]["week"][0]


def test_a_stale_remark_is_refused_not_overwritten(as_user, alice, monday, week):
    url = f"/reports/weekly/alice/{iso_week(monday)}/"
    client = as_user(alice)
    client.post(url, {"action": "save", "remark": "第一版说明"})
    version = WeeklySummary.objects.get().version
    client.post(url, {"action": "save", "remark": "手机上改的", "version": version})
    stale = client.post(url, {"action": "save", "remark": "电脑上改的", "version": version})
    assert stale.status_code == 409
    assert "保存未成功" in stale.content.decode()
    assert WeeklySummary.objects.get().remark == "手机上改的"


def test_the_page_submits_and_then_shows_who_and_when(as_user, alice, monday, week):
    url = f"/reports/weekly/alice/{iso_week(monday)}/"
    client = as_user(alice)
    page = client.get(url)
    assert "确认并提交" in page.content.decode() and "杭州市第一人民医院" in page.content.decode()
    response = client.post(url, {"action": "submit", "remark": "请支持样板点参观"}, follow=True)
    body = response.content.decode()
    assert "周报已提交" in body and "已提交 · 刘晓燕" in body and "请支持样板点参观" in body
    assert "确认并提交" not in body


def test_who_reads_whose_week(as_user, alice, bob, carol, leader, director, monday, week):
    week_param = f"week={iso_week(monday)}"
    assert as_user(leader).get(f"/api/v1/reports/weekly?user=alice&{week_param}").status_code == 200
    assert (
        as_user(director).get(f"/api/v1/reports/weekly?user=alice&{week_param}").status_code == 200
    )
    assert as_user(bob).get(f"/api/v1/reports/weekly?user=alice&{week_param}").status_code == 404
    assert as_user(carol).get(f"/reports/weekly/alice/{iso_week(monday)}/").status_code == 404
    # a leader reads but cannot submit for a team member on the page either
    page = as_user(leader).post(f"/reports/weekly/alice/{iso_week(monday)}/", {"action": "submit"})
    assert page.status_code == 403


def test_the_overview_shows_who_has_not_submitted(
    as_user, alice, bob, carol, leader, director, monday, week
):
    from reports import services as report_services

    report_services.submit_week(owner=alice, monday=monday, by=alice)
    data = as_user(director).get(f"/api/v1/reports/weekly/overview?week={iso_week(monday)}").json()
    assert data["total"] == {"managers": 4, "submitted": 1, "missing": 3}
    by_user = {m["user"]: m for m in data["managers"]}
    assert by_user["alice"]["submitted_at"] and by_user["bob"]["submitted_at"] is None
    # the leader sees their own team only
    team = as_user(leader).get(f"/api/v1/reports/weekly/overview?week={iso_week(monday)}").json()
    assert sorted(m["user"] for m in team["managers"]) == ["alice", "bob", "leader"]
    page = as_user(leader).get(f"/reports/weekly/?week={iso_week(monday)}")
    assert page.status_code == 200 and "未提交" in page.content.decode()
    # a manager who leads no one lands on their own week
    response = as_user(bob).get("/reports/weekly/")
    assert response.status_code == 302 and "/reports/weekly/bob/" in response["Location"]


def test_the_overview_in_the_api_comes_a_page_of_managers_at_a_time(
    as_user, alice, bob, carol, leader, director, monday, week, monkeypatch
):
    """A national company has 500 managers: the API lists them a page at a time, as the page
    does, and the teams and the total still count them all."""
    from reports import services as report_services

    monkeypatch.setattr(weekly, "OVERVIEW_PAGE", 3)
    report_services.submit_week(owner=carol, monday=monday, by=carol)
    url = f"/api/v1/reports/weekly/overview?week={iso_week(monday)}"
    first = as_user(director).get(url).json()
    second = as_user(director).get(url + "&page=2").json()
    assert first["managers_page"] == {"number": 1, "pages": 2} and first["managers_count"] == 4
    assert second["managers_page"] == {"number": 2, "pages": 2}
    assert len(first["managers"]) == 3 and len(second["managers"]) == 1
    listed = [m["user"] for m in first["managers"] + second["managers"]]
    assert sorted(listed) == ["alice", "bob", "carol", "leader"]
    assert second["total"] == {"managers": 4, "submitted": 1, "missing": 3}
    # a team's managers are paged alone
    team = as_user(director).get(url + f"&team={carol.team_id}").json()
    assert team["managers_count"] == 1 and [m["user"] for m in team["managers"]] == ["carol"]
    assert team["managers"][0]["submitted_at"]


def test_the_weekly_workbook_matches_the_json(as_user, alice, monday, week):
    client = as_user(alice)
    url = f"/api/v1/reports/weekly?week={iso_week(monday)}"
    data = client.get(url).json()
    response = client.get(url + "&format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["项目进展", "拜访", "说明"]
    rows = list(book["项目进展"].iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows[:-1]] == [r["hospital"] for r in data["projects"]]
    total = rows[-1]
    assert total[0] == "合计" and (total[5], total[6]) == (2, 1)
    assert book["项目进展"]["A1"].value == "业务进展汇总表 · 项目进展"
    assert book["拜访"]["B4"].value == "杭州市第一人民医院"


def test_the_week_runs_a_fixed_number_of_queries(
    as_user, alice, monday, week, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    url = f"/reports/weekly/alice/{iso_week(monday)}/"
    few = queries_for(lambda: client.get(url))
    for i in range(6):
        p = make(alice, f"第{i}人民医院", monday - timedelta(days=30))
        contact(p, monday + timedelta(days=2))
    with django_assert_max_num_queries(20):
        many = queries_for(lambda: client.get(url))
    assert few == many


@pytest.mark.parametrize(
    ("now", "reviewed"),
    [
        ("2026-12-01", "2026-W48"),  # Tuesday: last week, not yet this one
        ("2026-12-03 23:30", "2026-W48"),  # late on Thursday still
        ("2026-12-04", "2026-W49"),  # Friday: managers submit this week
        ("2026-12-06", "2026-W49"),  # Sunday
        ("2026-12-28", "2026-W52"),  # Monday of 2026-W53
        ("2027-01-01", "2026-W53"),  # New Year's Day, a Friday, in 2026's 53rd week
        ("2027-01-04 07:30", "2026-W53"),  # Monday morning (Sunday night in UTC)
        ("2028-02-29", "2028-W08"),
    ],
)
def test_the_leader_reviews_last_week_until_friday_then_this_one(
    as_user, leader, alice, clock, now, reviewed
):
    clock(now)
    page = as_user(leader).get("/reports/weekly/")
    assert page.context["data"]["week"] == reviewed
    answer = as_user(leader).get("/api/v1/reports/weekly/overview").json()
    assert answer["week"] == reviewed
    # the API answers a manager for their own week of the same default
    mine = as_user(alice).get("/api/v1/reports/weekly").json()
    assert mine["week"] == reviewed


def test_the_submitted_time_is_shown_in_the_readers_time_zone(as_user, alice, monday, week):
    url = f"/reports/weekly/alice/{iso_week(monday)}/"
    as_user(alice).post(url, {"action": "submit"})
    moment = timezone.make_aware(datetime.combine(monday + timedelta(days=4), time(14, 4)))
    WeeklySummary.objects.filter(owner=alice).update(submitted_at=moment)  # 06:04 in UTC
    body = as_user(alice).get(url).content.decode()
    shown = moment.strftime("%Y-%m-%d") + " 14:04"
    assert shown in body  # a space between date and time, Shanghai's clock not UTC's
