import pytest
from django.urls import reverse

from hospitals.models import Department

from .factories import DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_departments_form_a_tree_on_the_hospital_page(as_user, alice):
    hospital = HospitalFactory(owner=alice)
    client = as_user(alice)
    url = reverse("hospitals:department-create", args=[hospital.pk])
    client.post(url, {"name": "临床科室", "sort_order": "10"})
    clinical = Department.objects.get(name="临床科室")
    response = client.post(url, {"name": "重症医学科", "parent": clinical.pk, "sort_order": "11"})
    assert response.status_code == 302
    tree = client.get(hospital.get_absolute_url()).context["departments"]
    assert [(d.name, depth) for d, depth in tree] == [("临床科室", 0), ("重症医学科", 1)]


def test_a_department_cannot_become_its_own_ancestor(as_user, alice):
    hospital = HospitalFactory(owner=alice)
    top = DepartmentFactory(hospital=hospital, name="医务部")
    child = DepartmentFactory(hospital=hospital, name="医务科", parent=top)
    response = as_user(alice).post(
        reverse("hospitals:department-edit", args=[top.pk]),
        {"name": "医务部", "parent": child.pk, "sort_order": "1", "version": "1"},
    )
    assert response.status_code == 400
    assert "上级部门不能是本部门或其下级部门。" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_a_duplicate_department_name_is_refused(as_user, alice):
    hospital = HospitalFactory(owner=alice)
    DepartmentFactory(hospital=hospital, name="设备科")
    response = as_user(alice).post(
        reverse("hospitals:department-create", args=[hospital.pk]),
        {"name": "设备科", "sort_order": "1"},
    )
    assert response.status_code == 400
    assert Department.objects.count() == 1


def test_others_departments_are_not_found(as_user, alice, carol):
    department = DepartmentFactory(hospital=HospitalFactory(owner=alice))
    url = reverse("hospitals:department-edit", args=[department.pk])
    assert as_user(carol).get(url).status_code == 404
