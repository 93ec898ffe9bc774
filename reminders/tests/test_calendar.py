"""The private calendar feed a phone subscribes to: issued on 我的账户, read without a session,
parsed back with icalendar; only the user's own visits, tasks and contact due dates."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory, follow_up
from reminders import services
from visits.models import Task, Visit

pytestmark = pytest.mark.django_db


def next_week(hour: int = 9) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=7), time(hour, 30))
    )


@pytest.fixture
def alices(alice):
    hospital = HospitalFactory(
        owner=alice, name="浙江省人民医院", short_name="省人民医院", address="上塘路158号"
    )
    president = ContactFactory(hospital=hospital, name="周慧", title="院长", layer="decision")
    project = ProjectFactory(
        hospital=hospital,
        name="省人民医院制氧站投放项目",
        planned_purchase_date=timezone.localdate() + timedelta(days=60),
    )
    follow_up(project, kind="business", days_ago=10)  # class A: 3 days overdue
    visit = Visit.objects.create(
        hospital=hospital,
        project=project,
        owner=alice,
        planned_at=next_week(),
        place="院长办公室",
        questions="新院区的供氧方案由谁拍板？",
        minutes_needed=45,
    )
    visit.contacts.set([president])
    Task.objects.create(
        owner=alice,
        hospital=hospital,
        project=project,
        title="寄送样板点资料",
        level="business",
        due_date=timezone.localdate() + timedelta(days=2),
    )
    Task.objects.create(
        owner=alice,
        hospital=hospital,
        title="回电致谢",
        level="relationship",
        due_date=timezone.localdate() - timedelta(days=4),
    )
    Task.objects.create(
        owner=alice,
        hospital=hospital,
        title="已完成的事",
        level="business",
        due_date=timezone.localdate(),
        done=True,
    )
    return visit


def feed_url(client) -> str:
    page = client.post("/calendar/new/", headers={"HX-Request": "true"}).content.decode()
    return re.search(r"(/calendar/[\w-]+\.ics)", page).group(1)


def events(client, url: str) -> dict[str, object]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_holds_next_weeks_visit_the_open_tasks_and_the_due_contacts(
    as_user, client, alice, carol, alices
):
    HospitalFactory(owner=carol)  # someone else's visit is not in alice's calendar
    Visit.objects.create(
        hospital=HospitalFactory(owner=carol), owner=carol, planned_at=next_week(14)
    )
    url = feed_url(as_user(alice))
    found = events(client, url)  # no session: the key in the address is enough
    visit = found[f"visit-{alices.pk}@o2crm"]
    assert str(visit["summary"]) == "拜访：浙江省人民医院"
    assert "上塘路158号" in str(visit["location"]) and "院长办公室" in str(visit["location"])
    assert visit.decoded("dtstart") == alices.planned_at
    assert visit.decoded("dtend") - visit.decoded("dtstart") == timedelta(minutes=45)
    description = str(visit["description"])
    assert "周慧 院长" in description and "由谁拍板" in description
    assert f"/visits/{alices.pk}/brief/" in description
    summaries = [str(e["summary"]) for e in found.values()]
    assert any(s.startswith("待办：寄送样板点资料") for s in summaries)
    assert not any("已完成的事" in s for s in summaries)
    overdue = next(e for e in found.values() if "回电致谢" in str(e["summary"]))
    assert "已逾期 4 天" in str(overdue["summary"])  # an overdue task sits on today
    assert overdue.decoded("dtstart") == timezone.localdate()
    late = found[f"due-{alices.project_id}-business@o2crm"]
    assert "业务联络到期：省人民医院" in str(late["summary"]) and "已逾期 3 天" in str(
        late["summary"]
    )
    assert late.decoded("dtstart") == timezone.localdate()  # overdue: on today
    assert len([uid for uid in found if uid.startswith("visit-")]) == 1  # not carol's


def test_a_new_address_retires_the_old_and_revoking_ends_it(as_user, client, alice, alices):
    me = as_user(alice)
    old = feed_url(me)
    new = feed_url(me)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    me.post("/calendar/revoke/")
    assert client.get(new).status_code == 404
    assert client.get("/calendar/not-a-key.ics").status_code == 404


def test_a_deactivated_users_feed_answers_nothing(as_user, client, alice, alices):
    url = feed_url(as_user(alice))
    alice.is_active = False
    alice.save()
    assert client.get(url).status_code == 404


def test_the_address_is_shown_once_on_the_account_page(as_user, alice):
    me = as_user(alice)
    page = me.get("/accounts/profile/").content.decode()
    assert "日历订阅" in page and "生成订阅地址" in page
    url = feed_url(me)
    again = me.get("/accounts/profile/").content.decode()
    assert url not in again and "已生成订阅地址" in again  # only its hash is kept


def test_the_feed_takes_a_fixed_number_of_queries(as_user, client, alice, alices, queries_for):
    url = feed_url(as_user(alice))
    client.get(url)  # the first fetch stamps the feed
    few = queries_for(lambda: client.get(url))
    for i in range(5):
        ProjectFactory(hospital=alices.hospital, name=f"项目{i}")
        visit = Visit.objects.create(
            hospital=alices.hospital, owner=alice, planned_at=next_week(10 + i)
        )
        visit.contacts.set([ContactFactory(hospital=alices.hospital)])
    assert queries_for(lambda: client.get(url)) == few
    assert services.feed_user("nothing") is None
