"""Importing a project tracker: each row finds its hospital and its people, comes in at the
stage the sheet gives with its start date, is not made twice, names a wrong stage or person
by row and column, and is taken back whole."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from hospitals.tests.factories import ContactFactory, HospitalFactory
from imports.models import ImportBatch
from pipeline.models import Project, StageChange

from .test_import_hospitals import sheet

pytestmark = pytest.mark.django_db

HEADERS = ["项目名称", "医院", "城市", "阶段", "状态", "关闭原因", "来源", "切入方式", "需求",
           "切入人", "预计合同金额", "立项日期", "负责人"]  # fmt: skip


@pytest.fixture
def hospital(alice):
    hospital = HospitalFactory(name="浙江省人民医院", province="浙江省", city="杭州市", owner=alice)
    ContactFactory(hospital=hospital, name="周慧")
    return hospital


def upload(client, *rows, kind="projects", headers=HEADERS):
    content = sheet(*rows, headers=headers)
    answer = client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile("x.xlsx", content)})
    return answer


def preview(client, *rows, **kwargs):
    return client.get(upload(client, *rows, **kwargs)["Location"]).context


def test_a_tracker_comes_in_at_its_stages_with_its_people_and_start(
    clock, assistant, alice, hospital, as_user
):
    clock("2026-12-01 10:00")
    client = as_user(assistant)
    rows = [
        ("新院区制氧站", "浙江省人民医院", "杭州", "方案建议", "进行中", "", "关系引导", "高层切入",
         "新建", "周慧", 4800000, "2026-03-02", ""),
        ("老院区液氧替换", "浙江省人民医院", "杭州市", "", "丢单", "价格高于液氧", "陌生拜访", "",
         "替换现有氧源", "", "", "2025-11-20", "刘晓燕"),
    ]  # fmt: skip
    alice.name = "刘晓燕"
    alice.save()
    context = preview(client, *rows)
    counts = context["result"]["counts"]
    assert counts == {"new": 2, "update": 0, "duplicate": 0, "error": 0}, context["errors"]
    batch = context["batch"]
    client.post(f"/imports/{batch.pk}/confirm/")
    new = Project.objects.get(name="新院区制氧站")
    assert new.stage.code == "proposal" and new.owner == alice  # the hospital's owner
    assert new.entry_contact.name == "周慧" and list(new.contacts.all()) == [new.entry_contact]
    assert timezone.localdate(new.created_at).isoformat() == "2026-03-02"
    first = StageChange.objects.get(project=new)
    assert first.from_stage is None and first.to_stage == new.stage
    lost = Project.objects.get(name="老院区液氧替换")
    assert lost.status == "lost" and lost.close_reason == "价格高于液氧" and lost.closed_at
    assert lost.stage.code == "lead" and lost.entry_path == "mid"  # the defaults
    assert new.history.first().history_user == assistant

    again = preview(client, *rows)["result"]
    assert again["counts"]["duplicate"] == 2 and Project.objects.count() == 2


def test_the_template_lists_the_stages_as_the_admin_set_them(assistant, as_user):
    answer = as_user(assistant).get("/imports/template/projects/")
    notes = load_workbook(io.BytesIO(answer.content))["说明"]
    stage = next(row for row in notes.iter_rows(values_only=True) if row[0] == "阶段")
    assert stage[2].startswith("信息收集、意向评估、拜访交流、方案建议、商务谈判、签约")
    assert headers_of(answer)[:3] == ["项目名称*", "医院名称*", "城市*"]


def headers_of(answer):
    return [c.value for c in load_workbook(io.BytesIO(answer.content)).worksheets[0][1]]


def test_a_wrong_stage_person_or_missing_reason_is_named_and_blocks_the_sheet(
    assistant, hospital, as_user
):
    client = as_user(assistant)
    rows = [
        ("项目一", "浙江省人民医院", "杭州", "签合同", "", "", "", "", "", "李雷", "", "", ""),
        ("项目二", "浙江省人民医院", "杭州", "", "放弃", "", "", "", "", "", -5, "", ""),
        ("项目三", "浙江省人民医院", "杭州", "", "", "", "", "", "", "", "", "", ""),
    ]
    context = preview(client, *rows)
    errors = context["errors"]
    stage = "第 2 行 阶段：没有这个阶段。可填："
    assert any(e.startswith(stage) and "商务谈判" in e for e in errors)
    assert "第 2 行 切入人：这家医院没有叫这个名字的联系人（请先导入联系人）。" in errors
    assert "第 3 行 关闭原因：丢单或放弃时必须填写原因。" in errors
    assert "第 3 行 预计合同金额：金额不能为负数。" in errors
    answer = client.post(f"/imports/{context['batch'].pk}/confirm/")
    assert answer.status_code == 302 and not Project.objects.exists()


def test_a_manager_imports_only_onto_hospitals_they_see_and_owns_what_they_import(
    alice, carol, hospital, as_user
):
    HospitalFactory(name="宁波市第一医院", province="浙江省", city="宁波市", owner=carol)
    rows = [
        ("新院区制氧站", "浙江省人民医院", "杭州", "", "", "", "", "", "", "", "", "", ""),
        ("扩建", "宁波市第一医院", "宁波", "", "", "", "", "", "", "", "", "", ""),
        ("另一个", "浙江省人民医院", "杭州", "", "", "", "", "", "", "", "", "", "carol"),
    ]
    context = preview(as_user(alice), *rows)
    actions = [r["action"] for r in context["result"]["rows"]]
    assert actions == ["new", "error", "error"]
    assert "第 3 行 医院名称：找不到这家医院，或您看不到它（请先导入医院）。" in context["errors"]
    assert "第 4 行 负责人：没有这个人，或您不能把项目交给他。" in context["errors"]


def test_an_update_moves_the_stage_into_the_history_and_undo_takes_the_import_back(
    assistant, alice, hospital, as_user
):
    from pipeline.tests.factories import ProjectFactory

    project = ProjectFactory(hospital=hospital, name="新院区制氧站")
    client = as_user(assistant)
    row = ("新院区制氧站", "浙江省人民医院", "杭州", "意向评估", "", "", "", "", "", "", 900000,
           "", "")  # fmt: skip
    made = ("新项目", "浙江省人民医院", "杭州", "", "", "", "", "", "", "", "", "", "")
    context = preview(client, row, made)
    assert [r["action"] for r in context["result"]["rows"]] == ["update", "new"]
    client.post(f"/imports/{context['batch'].pk}/confirm/")
    project.refresh_from_db()
    assert project.stage.code == "qualify" and project.contract_value == 900000
    moves = StageChange.objects.filter(project=project).order_by("pk")
    assert [m.to_stage.code for m in moves] == ["lead", "qualify"]

    client.post(f"/imports/{context['batch'].pk}/undo/")
    project.refresh_from_db()
    assert project.contract_value == 1_000_000 and project.stage.code == "lead"
    assert not Project.objects.filter(name="新项目").exists()
    assert ImportBatch.objects.get().status == "undone"
