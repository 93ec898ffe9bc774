"""The schedule and the events told at once: each scheduled job runs once per period however
many workers tick; the weekly reminders reach who they should; 催交 at most once an hour; a
task given or a project handed tells its new owner; an export tells its maker."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from simple_history.models import HistoricalRecords

from conftest import _run_jobs
from hospitals.tests.factories import HospitalFactory
from o2crm.dates import week_start
from o2crm.jobs import fire_times, schedule, tick
from o2crm.models import ScheduledRun
from pipeline import services
from pipeline.tests.factories import ProjectFactory, follow_up
from reminders.models import Delivery, Notification, Preference
from reports import services as report_services
from reports.models import iso_week
from visits.models import Task

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_every_scheduled_job_is_enqueued_once_per_period(clock):
    now = clock(f"{timezone.localdate()} 08:00")
    first = tick()
    assert {run.job for run in first} >= {"digests", "deliveries"}
    assert tick() == [] and tick(now + timedelta(seconds=20)) == []
    digests = ScheduledRun.objects.filter(job="digests").order_by("period")
    assert timezone.localtime(digests.last().period).strftime("%H:%M") == "08:00"
    assert DBTaskResult.objects.count() == ScheduledRun.objects.count()
    # fifteen minutes on: the next slot, once
    later = tick(now + timedelta(minutes=15))
    assert [r.job for r in later if r.job == "digests"] == ["digests"]


def test_a_worker_down_for_a_while_catches_up_within_the_window_only(clock):
    entry = next(s for s in schedule() if s.name == "weekly-due")
    friday = week_start(timezone.localdate()) + timedelta(days=4)
    at = clock(f"{friday} 18:30")
    assert [t.strftime("%a %H:%M") for t in fire_times(entry, at)] == ["Fri 16:00"]
    assert fire_times(entry, at + timedelta(days=1)) == []  # a day late: not sent any more


@pytest.mark.timeless
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_the_digest_once(alice, bob, carol, clock):
    """Two workers, each with its own connection, tick the schedule and run the queue at the
    same moment (on PostgreSQL in CI's second run): every user gets one digest and one
    e-mail."""
    for user, name in ((alice, "浙江省人民医院"), (bob, "浙江医院"), (carol, "温州市中心医院")):
        user.email = f"{user.username}@example.com"
        user.save()
        project = ProjectFactory(
            hospital=HospitalFactory(owner=user, name=name),
            planned_purchase_date=timezone.localdate() + timedelta(days=60),
        )
        follow_up(project, kind="business", days_ago=12)
    clock(f"{timezone.localdate()} 08:00")
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            start.wait()
            tick()
            _run_jobs()
            _run_jobs()  # the deliveries the digests planned
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for user in (alice, bob, carol):
        assert kinds(user) == ["daily_digest"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    assert Delivery.objects.filter(status="sent").count() == 3
    # each period's job was enqueued by one worker alone
    ran = DBTaskResult.objects.filter(task_path="reminders.jobs.digests").count()
    assert ran == ScheduledRun.objects.filter(job="digests").count() > 0


# The weekly summary ---------------------------------------------------------------------------


def test_friday_at_four_managers_who_have_not_submitted_are_reminded(
    alice, bob, carol, leader, clock, run_jobs
):
    friday = week_start(timezone.localdate()) + timedelta(days=4)
    clock(f"{friday} 16:00")
    report_services.submit_week(
        owner=bob, monday=week_start(friday), by=bob, remark="", expected_version=None
    )
    tick()
    run_jobs()
    # a team leader is a sales manager too, with a week of his own to submit
    assert kinds(alice) == kinds(carol) == kinds(leader) == ["weekly_due"]
    assert kinds(bob) == []  # submitted
    note = Notification.objects.get(recipient=alice)
    assert iso_week(friday) in note.text and note.url.endswith(f"/alice/{iso_week(friday)}/")


def test_monday_at_nine_leaders_and_the_director_hear_who_did_not_submit(
    alice, bob, carol, leader, director, clock, run_jobs
):
    monday = week_start(timezone.localdate())
    last = monday - timedelta(days=7)
    clock(f"{last + timedelta(days=4)} 17:00")
    report_services.submit_week(owner=bob, monday=last, by=bob, remark="", expected_version=None)
    clock(f"{monday} 09:00")
    tick()
    run_jobs()
    [to_leader] = Notification.objects.filter(recipient=leader, kind="weekly_missing")
    assert to_leader.params["names"] == str(alice)  # his team less him: not bob, not carol
    [to_director] = Notification.objects.filter(recipient=director, kind="weekly_missing")
    assert to_director.params["count"] == "3"  # alice, carol and the leader
    assert str(carol) in to_director.text and str(alice) in to_director.text
    assert iso_week(last) in to_director.text


def test_nudge_reminds_one_manager_now_at_most_once_an_hour(alice, carol, leader, as_user, clock):
    week = iso_week(timezone.localdate())
    client = as_user(leader)
    url = f"/reports/weekly/alice/{week}/nudge/"
    page = client.get(f"/reports/weekly/?week={week}").content.decode()
    assert url in page  # the 催交 button beside alice, who has not submitted
    assert client.post(url).status_code == 302
    assert kinds(alice) == ["weekly_nudge"]
    again = client.post(url, follow=True)
    assert "一小时内已被提醒过" in again.content.decode() and kinds(alice) == ["weekly_nudge"]
    clock(timezone.localtime() + timedelta(minutes=61))
    client.post(url)
    assert kinds(alice) == ["weekly_nudge", "weekly_nudge"]
    # not his team: not found, nobody told
    assert client.post(f"/reports/weekly/carol/{week}/nudge/").status_code == 404
    assert kinds(carol) == []


# Told at once ---------------------------------------------------------------------------------


def test_a_project_handed_to_someone_tells_them_and_only_them(
    alice, bob, leader, django_capture_on_commit_callbacks
):
    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    with django_capture_on_commit_callbacks(execute=True):
        project.owner = bob
        services.save_project(project=project, by=leader)
    [note] = Notification.objects.filter(recipient=bob)
    assert note.kind == "project_handed" and str(leader) in note.text
    assert note.url == project.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        project.name = "制氧站二期"
        services.save_project(project=project, by=leader)  # same owner: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        project.owner = alice
        services.save_project(project=project, by=alice)  # taken by herself: nothing
    assert Notification.objects.count() == 1


def test_a_task_given_by_someone_else_tells_its_owner(
    alice, leader, django_capture_on_commit_callbacks
):
    hospital = HospitalFactory(owner=alice)
    with django_capture_on_commit_callbacks(execute=True):
        Task.objects.create(
            owner=alice, hospital=hospital, title="回访设备科", level="business",
            due_date=timezone.localdate(),
        )  # fmt: skip
    assert kinds(alice) == []  # nobody to name as the giver (no request, no user)

    class Request:  # what django-simple-history's middleware keeps for a page or API request
        user = leader

    HistoricalRecords.context.request = Request()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            Task.objects.create(
                owner=alice, hospital=hospital, title="寄送资料", level="business",
                due_date=timezone.localdate() + timedelta(days=2),
            )  # fmt: skip
    finally:
        del HistoricalRecords.context.request
    [note] = Notification.objects.filter(recipient=alice)
    assert note.kind == "task_assigned" and "寄送资料" in note.text and str(leader) in note.text


def test_the_bell_counts_and_the_settings_are_on_my_account(alice, as_user):
    Preference.objects.create(user=alice, digest_time=timezone.datetime(2000, 1, 1, 7, 30).time())
    page = as_user(alice).get("/accounts/profile/").content.decode()
    assert "通知设置" in page and "07:30" in page


def test_the_record_of_jobs_is_kept_a_week_then_forgotten(clock, run_jobs):
    from o2crm.jobs import prune_jobs

    clock(f"{timezone.localdate()} 08:00")
    tick()
    run_jobs()
    kept = DBTaskResult.objects.count()
    assert kept and ScheduledRun.objects.count()
    clock(timezone.localtime() + timedelta(days=8))
    assert prune_jobs.call(timezone.now().isoformat()) >= kept
    assert not ScheduledRun.objects.exists() and not DBTaskResult.objects.exists()


def test_the_admin_shows_jobs_runs_deliveries_and_exports(
    alice, admin_user, as_user, clock, run_jobs
):
    from reminders.models import Robot

    alice.email = "alice@example.com"
    alice.save()
    Robot.objects.create(user=alice, service="feishu", url="feishu://secret-token-0123456789")
    clock(f"{timezone.localdate()} 08:00")
    as_user(alice).post("/exports/hospitals/start/")
    tick()
    admin = as_user(admin_user)
    queued = admin.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "run_export" in queued and "digests" in queued  # queued, not yet run
    run_jobs()
    for path in (
        "/admin/django_tasks_database/dbtaskresult/?status__exact=SUCCESSFUL",
        "/admin/o2crm/scheduledrun/",
        "/admin/o2crm/exportjob/",
        "/admin/reminders/delivery/",
        "/admin/reminders/robot/",
    ):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert "secret-token-0123456789" not in page.content.decode(), path
    robot = Robot.objects.get()
    assert (
        "secret-token"
        not in admin.get(f"/admin/reminders/robot/{robot.pk}/change/").content.decode()
    )
