"""Importing contacts: each row finds its hospital (name and city) and department; the same
person (hospital, name, mobile digits) is not made twice; a hospital the importer cannot see
is an error; undo takes them back."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hospitals.models import Contact
from hospitals.tests.factories import ContactFactory, DepartmentFactory, HospitalFactory
from imports.models import ImportBatch

from .test_import_hospitals import sheet

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "医院", "城市", "科室", "职务", "层级", "采购角色", "态度", "手机号"]


@pytest.fixture
def hospital(alice):
    hospital = HospitalFactory(name="浙江省人民医院", province="浙江省", city="杭州市", owner=alice)
    DepartmentFactory(hospital=hospital, name="设备科")
    return hospital


def preview(client, *rows):
    content = sheet(*rows, headers=HEADERS)
    answer = client.post(
        "/imports/", {"kind": "contacts", "file": SimpleUploadedFile("联系人.xlsx", content)}
    )
    return client.get(answer["Location"]).context["result"]


def test_contacts_find_their_hospital_and_department_and_are_not_made_twice(
    alice, hospital, as_user
):
    client = as_user(alice)
    ContactFactory(hospital=hospital, name="张伟", mobile="13900001111")
    rows = [
        ("张伟", "浙江省人民医院", "杭州", "设备科", "设备科科长", "职能部门", "审批、采购执行",
         "支持", "139-0000-1111"),
        ("李娜", "浙江省人民医院", "杭州市", "设备科", "工程师", "基层", "使用", "中立", ""),
        ("王芳", "浙江省人民医院", "杭州市", "药剂科", "", "", "", "", ""),
    ]  # fmt: skip
    result = preview(client, *rows)
    actions = [r["action"] for r in result["rows"]]
    assert actions == ["update", "error", "error"]
    assert "roles" in result["rows"][1]["errors"]  # 使用 is no purchase role
    assert "department" in result["rows"][2]["errors"]
    fixed = [rows[0], (*rows[1][:6], "验证", *rows[1][7:])]
    result = preview(client, *fixed)
    assert [r["action"] for r in result["rows"]] == ["update", "new"]
    batch = ImportBatch.objects.filter(status="previewed").latest("pk")
    client.post(f"/imports/{batch.pk}/confirm/")
    zhang = Contact.objects.get(name="张伟")
    assert zhang.title == "设备科科长" and zhang.roles == ["approve", "procure"]
    assert zhang.department.name == "设备科" and zhang.attitude == "support"
    assert Contact.objects.filter(name="李娜", roles=["verify"]).exists()
    assert preview(client, *fixed)["counts"]["duplicate"] == 2  # the same sheet again
    undone = client.post(f"/imports/{batch.pk}/undo/", follow=True)
    assert "已撤销这次导入" in undone.content.decode(), [str(m) for m in undone.context["messages"]]
    assert not Contact.objects.filter(name="李娜").exists()
    assert Contact.objects.get(name="张伟").title != "设备科科长"


def test_a_hospital_the_importer_cannot_see_is_an_error(carol, hospital, as_user):
    result = preview(as_user(carol), ("周慧", "浙江省人民医院", "杭州市", "", "", "", "", "", ""))
    assert result["rows"][0]["action"] == "error" and "hospital" in result["rows"][0]["errors"]
