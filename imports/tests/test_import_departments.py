"""Importing a hospital's departments: a tree in one sheet (parents first), matched by name,
a parent that does not exist is named as the error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hospitals.models import Department
from hospitals.tests.factories import DepartmentFactory, HospitalFactory
from imports.models import ImportBatch

from .test_import_hospitals import sheet

pytestmark = pytest.mark.django_db

HEADERS = ["科室", "医院", "城市", "上级部门", "排序"]


def test_a_department_tree_comes_in_one_sheet_and_twice_is_no_duplicate(alice, as_user):
    hospital = HospitalFactory(name="浙江省人民医院", province="浙江省", city="杭州市", owner=alice)
    DepartmentFactory(hospital=hospital, name="医务部")
    rows = [
        ("设备科", "浙江省人民医院", "杭州市", "医务部", 40),
        ("重症医学科", "浙江省人民医院", "杭州", "", 50),
        ("ICU护理单元", "浙江省人民医院", "杭州市", "重症医学科", 51),
        ("后勤组", "浙江省人民医院", "杭州市", "总务处", 60),
    ]
    client = as_user(alice)

    def preview(*rows):
        content = sheet(*rows, headers=HEADERS)
        answer = client.post(
            "/imports/", {"kind": "departments", "file": SimpleUploadedFile("d.xlsx", content)}
        )
        return client.get(answer["Location"]).context["result"]

    result = preview(*rows)
    assert [r["action"] for r in result["rows"]] == ["new", "new", "new", "error"]
    assert "parent" in result["rows"][3]["errors"]
    assert preview(*rows[:3])["counts"]["new"] == 3
    batch = ImportBatch.objects.filter(status="previewed").latest("pk")
    client.post(f"/imports/{batch.pk}/confirm/")
    assert Department.objects.get(name="ICU护理单元").parent.name == "重症医学科"
    assert Department.objects.get(name="设备科").parent.name == "医务部"
    assert preview(*rows[:3])["counts"]["duplicate"] == 3
    undone = client.post(f"/imports/{batch.pk}/undo/", follow=True)
    assert "已撤销这次导入" in undone.content.decode()
    assert list(Department.objects.values_list("name", flat=True)) == ["医务部"]
