"""公海 return (setting POOL_RETURN_DAYS, off by default): a hospital its owner has not
touched for that many days goes back to the pool; a week before, the owner is warned."""

from datetime import date, timedelta

import pytest

from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory
from people.idle import return_idle
from pipeline.tests.factories import ProjectFactory, follow_up
from reminders.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospitals(clock, alice):
    clock("2026-06-01 09:00")
    quiet = HospitalFactory(name="宁波市第一医院", owner=alice)
    soon = HospitalFactory(name="温州市人民医院", owner=alice)
    busy = HospitalFactory(name="浙江省人民医院", owner=alice)
    project = ProjectFactory(hospital=busy)
    clock("2026-06-08 09:00")
    soon.notes = "院长换了"  # an edit counts as a touch
    soon.save()
    clock("2026-08-20 09:00")
    follow_up(project)
    return quiet, soon, busy


def test_off_by_default_nothing_moves(settings, hospitals):
    settings.POOL_RETURN_DAYS = 0
    assert return_idle(date(2026, 12, 1)) == {"returned": 0, "warned": 0}
    assert Hospital.objects.filter(owner__isnull=True).count() == 0


def test_idle_hospitals_return_and_the_next_ones_are_warned_a_week_before(
    settings, clock, alice, hospitals
):
    settings.POOL_RETURN_DAYS = 90
    quiet, soon, busy = hospitals
    clock("2026-08-30 05:30")  # 90 days after 1 June; 8 June is 83 days back
    assert return_idle(date(2026, 8, 30)) == {"returned": 1, "warned": 1}
    quiet.refresh_from_db()
    soon.refresh_from_db()
    assert quiet.owner is None and soon.owner == alice
    assert quiet.history.first().history_change_reason == "90 天未联络，退回公海"
    notes = {n.kind: n for n in Notification.objects.filter(recipient=alice)}
    assert "宁波市第一医院" in notes["pool_returned"].text
    warning = notes["pool_warning"].text
    assert "温州市人民医院" in warning and "2026-09-06" in warning
    assert return_idle(date(2026, 8, 30)) == {"returned": 0, "warned": 1}  # told once
    assert Notification.objects.filter(recipient=alice).count() == 2

    later = date(2026, 8, 20) + timedelta(days=90)  # the busy one: 90 days after its contact
    clock(f"{later} 05:30")
    assert return_idle(later)["returned"] == 2  # the warned one, untouched since, and the busy one
    busy.refresh_from_db()
    assert busy.owner is None
