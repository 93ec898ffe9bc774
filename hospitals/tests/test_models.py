import pytest
from django.core.exceptions import ValidationError

from hospitals.models import Hospital
from o2crm import records

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_it_keeps_search_keys_in_step_with_the_name(alice):
    hospital = HospitalFactory(name="北京协和医院", province="北京市", city="北京市")
    assert Hospital.objects.search("bjxh").get() == hospital
    hospital.name = "北京协和医院西单院区"
    records.save_record(record=hospital, by=alice)
    assert hospital.initials == "bjxhyyxdyq"
    assert Hospital.objects.search("xdyq").get() == hospital


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"beds": 100, "icu_beds": 101}, "icu_beds", "icu_beds_exceed_beds"),
        ({"province": "火星省"}, "province", "unknown_province"),
    ],
)
def test_it_refuses_invalid_hospitals(changes, field, code):
    hospital = HospitalFactory()
    for key, value in changes.items():
        setattr(hospital, key, value)
    with pytest.raises(ValidationError) as error:
        records.save_record(record=hospital, by=None)
    assert error.value.error_dict[field][0].code == code


def test_it_refuses_a_second_hospital_with_the_same_name_in_one_city():
    HospitalFactory(name="杭州市第一人民医院", city="杭州市")
    with pytest.raises(ValidationError) as error:
        HospitalFactory(name="杭州市第一人民医院", city="杭州市")
    assert error.value.error_dict["name"][0].code == "duplicate_in_city"
    # the same name in another city is a different hospital
    HospitalFactory(name="杭州市第一人民医院", city="湖州市")


def test_a_contact_cannot_sit_in_another_hospitals_department():
    department = DepartmentFactory()
    with pytest.raises(ValidationError) as error:
        ContactFactory(department=department)  # a new hospital, not the department's
    assert "department" in error.value.error_dict


def test_unknown_purchase_roles_are_refused():
    with pytest.raises(ValidationError) as error:
        ContactFactory(roles=["approve", "boss"])
    assert "boss" in error.value.error_dict["roles"][0].messages[0]
