import pytest

from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory
from o2crm import records

pytestmark = pytest.mark.django_db


def test_it_records_who_changed_what(alice):
    hospital = HospitalFactory(owner=alice, beds=1000)
    hospital.beds = 1100
    records.save_record(record=hospital, by=alice)
    latest = hospital.history.first()
    assert latest.history_user == alice
    assert latest.beds == 1100
    assert latest.prev_record.beds == 1000


def test_it_refuses_a_save_based_on_an_older_version(alice, bob):
    hospital = HospitalFactory(owner=alice)
    alices_copy = Hospital.objects.get(pk=hospital.pk)
    bobs_copy = Hospital.objects.get(pk=hospital.pk)
    alices_copy.beds = 1500
    records.save_record(record=alices_copy, by=alice)

    bobs_copy.beds = 900
    with pytest.raises(records.EditConflict) as conflict:
        records.save_record(record=bobs_copy, by=bob)

    assert conflict.value.changed_by == alice
    assert "刘晓燕" in conflict.value.message
    assert Hospital.objects.get(pk=hospital.pk).beds == 1500


def test_each_save_moves_the_version_on(alice):
    hospital = HospitalFactory(owner=alice)
    assert hospital.version == 1
    records.save_record(record=hospital, by=alice)
    records.save_record(record=hospital, by=alice)
    assert Hospital.objects.get(pk=hospital.pk).version == 3
