import pytest
from django.core.exceptions import ValidationError

from hospitals import services
from hospitals.models import Hospital

from .factories import ContactFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_it_records_who_changed_what(alice):
    hospital = HospitalFactory(owner=alice, beds=1000)
    hospital.beds = 1100
    services.save_record(record=hospital, by=alice)
    latest = hospital.history.first()
    assert latest.history_user == alice
    assert latest.beds == 1100
    assert latest.prev_record.beds == 1000


def test_it_refuses_a_save_based_on_an_older_version(alice, bob):
    hospital = HospitalFactory(owner=alice)
    alices_copy = Hospital.objects.get(pk=hospital.pk)
    bobs_copy = Hospital.objects.get(pk=hospital.pk)
    alices_copy.beds = 1500
    services.save_record(record=alices_copy, by=alice)

    bobs_copy.beds = 900
    with pytest.raises(services.EditConflict) as conflict:
        services.save_record(record=bobs_copy, by=bob)

    assert conflict.value.changed_by == alice
    assert "刘晓燕" in conflict.value.message
    assert Hospital.objects.get(pk=hospital.pk).beds == 1500


def test_each_save_moves_the_version_on(alice):
    hospital = HospitalFactory(owner=alice)
    assert hospital.version == 1
    services.save_record(record=hospital, by=alice)
    services.save_record(record=hospital, by=alice)
    assert Hospital.objects.get(pk=hospital.pk).version == 3


def test_it_keeps_search_keys_in_step_with_the_name(alice):
    hospital = HospitalFactory(name="北京协和医院", province="北京市", city="北京市")
    assert Hospital.objects.search("bjxh").get() == hospital
    hospital.name = "北京协和医院西单院区"
    services.save_record(record=hospital, by=alice)
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
        services.save_record(record=hospital, by=None)
    assert error.value.error_dict[field][0].code == code


def test_it_refuses_a_second_hospital_with_the_same_name_in_one_city():
    HospitalFactory(name="杭州市第一人民医院", city="杭州市")
    with pytest.raises(ValidationError) as error:
        HospitalFactory(name="杭州市第一人民医院", city="杭州市")
    assert error.value.error_dict["name"][0].code == "duplicate_in_city"
    # the same name in another city is a different hospital
    HospitalFactory(name="杭州市第一人民医院", city="湖州市")


def test_a_contact_cannot_sit_in_another_hospitals_department():
    from .factories import DepartmentFactory

    department = DepartmentFactory()
    with pytest.raises(ValidationError) as error:
        ContactFactory(department=department)  # a new hospital, not the department's
    assert "department" in error.value.error_dict


def test_unknown_purchase_roles_are_refused():
    with pytest.raises(ValidationError) as error:
        ContactFactory(roles=["approve", "boss"])
    assert "boss" in error.value.error_dict["roles"][0].messages[0]
