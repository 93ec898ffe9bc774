"""Importing follow-up history: each row finds its project and the people met; the contact
clocks follow the imported dates (gaps, last and late contact, a handover's wait); the same
sheet twice adds nothing; undo takes the follow-ups and what they did to the clocks back."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.models import FollowUp
from pipeline.tests.factories import ProjectFactory, follow_up

from .test_import_hospitals import sheet

pytestmark = pytest.mark.django_db

HEADERS = ["项目", "医院", "城市", "日期", "类型", "方式", "联系人", "沟通内容", "记录人"]


@pytest.fixture
def project(clock, alice):
    clock("2026-12-01 10:00")
    hospital = HospitalFactory(name="浙江省人民医院", province="浙江省", city="杭州市", owner=alice)
    ContactFactory(hospital=hospital, name="周慧")
    ContactFactory(hospital=hospital, name="王强")
    clock("2026-09-01 10:00")
    made = ProjectFactory(hospital=hospital, name="新院区制氧站")
    clock("2026-12-01 10:00")
    return made


def rows(*dates):
    return [
        ("新院区制氧站", "浙江省人民医院", "杭州", day, "业务联络", "拜访", "周慧、王强",
         f"{day} 介绍方案", "")
        for day in dates
    ]  # fmt: skip


def preview(client, *lines):
    content = sheet(*lines, headers=HEADERS)
    answer = client.post(
        "/imports/", {"kind": "followups", "file": SimpleUploadedFile("跟进.xlsx", content)}
    )
    return client.get(answer["Location"]).context


def test_history_comes_in_and_the_contact_clocks_follow_it(assistant, alice, project, as_user):
    follow_up(project, days_ago=1)  # logged in the app on 30 November
    client = as_user(assistant)
    context = preview(client, *rows("2026-09-15", "2026-10-20", "2026-11-10"))
    assert context["result"]["counts"]["new"] == 3
    client.post(f"/imports/{context['batch'].pk}/confirm/")
    imported = FollowUp.objects.filter(date__lt=date(2026, 11, 30)).order_by("date")
    assert [f.gap_days for f in imported] == [14, 35, 21]  # from the start, then each other
    assert {c.name for c in imported[0].contacts.all()} == {"周慧", "王强"}
    assert imported[0].created_by == alice  # the project's owner when no one is named
    assert FollowUp.objects.get(date=date(2026, 11, 30)).gap_days == 20  # after 10 November
    project.refresh_from_db()
    assert project.last_business_contact_on == date(2026, 11, 30)
    assert project.late_business_a_on == date(2026, 11, 30)  # 20 days: late for class A

    again = preview(client, *rows("2026-09-15", "2026-10-20", "2026-11-10"))["result"]
    assert again["counts"] == {"new": 0, "update": 0, "duplicate": 3, "error": 0}


def test_undo_takes_the_follow_ups_and_their_effect_on_the_clocks_back(assistant, project, as_user):
    client = as_user(assistant)
    context = preview(client, *rows("2026-11-20"))
    client.post(f"/imports/{context['batch'].pk}/confirm/")
    project.refresh_from_db()
    assert project.last_business_contact_on == date(2026, 11, 20)
    client.post(f"/imports/{context['batch'].pk}/undo/")
    project.refresh_from_db()
    assert project.last_business_contact_on is None and not FollowUp.objects.exists()


def test_a_future_day_an_unknown_person_or_project_is_named(assistant, project, as_user):
    lines = [
        ("新院区制氧站", "浙江省人民医院", "杭州", "2026-12-02", "", "拜访", "", "明天", ""),
        ("新院区制氧站", "浙江省人民医院", "杭州", "2026-11-02", "", "飞鸽", "李雷", "x", ""),
        ("别的项目", "浙江省人民医院", "杭州", "2026-11-02", "", "拜访", "", "x", ""),
    ]
    errors = preview(as_user(assistant), *lines)["errors"]
    assert "第 2 行 日期：跟进日期不能晚于今天。" in errors
    assert "第 3 行 联系的人：这家医院没有叫“李雷”的联系人。" in errors
    assert any(e.startswith("第 3 行 方式：") and "可填：拜访" in e for e in errors)
    assert "第 4 行 项目名称：这家医院没有这个项目，或您看不到它（请先导入项目）。" in errors
