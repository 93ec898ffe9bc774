"""Reaching people where they work: at 08:00 a manager's digest arrives once on each channel
they have (the bell, e-mail, their WeCom group robot), naming what is theirs and nothing of
another team's; failures are retried with backoff; quiet hours hold messages back; robot
addresses are secrets."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from o2crm.jobs import tick
from pipeline.tests.factories import ProjectFactory, follow_up
from reminders import channels
from reminders.models import Delivery, Notification, Preference, Robot

pytestmark = pytest.mark.django_db

WECOM_KEY = "693a91f6-7c2e-4bc4-97a0-0ec2f1fa5aaa"


def overdue_a(owner, name):
    project = ProjectFactory(
        hospital=HospitalFactory(owner=owner, name=name),
        planned_purchase_date=timezone.localdate() + timedelta(days=60),
    )
    follow_up(project, kind="business", days_ago=12)
    follow_up(project, kind="relationship", days_ago=1)
    return project


@pytest.fixture
def at_eight(clock):
    return clock(f"{timezone.localdate()} 08:00")


@pytest.fixture
def reachable(alice):
    alice.email = "alice@example.com"
    alice.save()
    return Robot.objects.create(user=alice, service="wecombot", url=f"wecombot://{WECOM_KEY}")


def test_at_eight_the_digest_arrives_once_on_every_channel_and_names_only_what_is_theirs(
    alice, carol, reachable, robots, run_jobs, at_eight, caplog
):
    overdue_a(alice, "浙江省人民医院")
    overdue_a(carol, "温州医科大学附属第一医院")  # another team's
    caplog.set_level(logging.DEBUG)
    tick()
    run_jobs()
    tick()  # a second tick, a second worker: nothing new
    run_jobs()
    [note] = Notification.objects.filter(recipient=alice, kind="daily_digest")
    assert any("浙江省人民医院（逾期 5 天）" in line for line in note.lines)
    [message] = mail.outbox[:1]
    assert len([m for m in mail.outbox if "alice@example.com" in m.to]) == 1
    assert "浙江省人民医院" in message.body and "温州" not in message.body
    html = message.alternatives[0][0]
    assert "浙江省人民医院" in html and "/" in html
    assert len(robots.texts()) == 1 and robots.paths == [f"/cgi-bin/webhook/send?key={WECOM_KEY}"]
    assert "浙江省人民医院" in robots.texts()[0] and "温州" not in robots.texts()[0]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    # carol's digest went to carol alone (she has no outside channel: the bell)
    assert Notification.objects.filter(recipient=carol, kind="daily_digest").count() == 1
    assert WECOM_KEY not in caplog.text  # the robot's address is never logged


def test_a_failed_delivery_is_retried_with_backoff_and_never_shows_the_address(
    alice, reachable, robots, run_jobs, at_eight, clock
):
    overdue_a(alice, "浙江省人民医院")
    robots.fail = 2
    tick()
    run_jobs()
    robot = Delivery.objects.get(channel="robot")
    assert (robot.status, robot.attempts) == ("pending", 1)
    assert robot.next_at - robot.created_at >= timedelta(minutes=1)
    assert "500" in robot.last_error and WECOM_KEY[:8] not in robot.last_error
    assert Delivery.objects.get(channel="email").status == "sent"  # one channel's failure
    channels.send_due()  # too early: the backoff holds
    assert Delivery.objects.get(channel="robot").attempts == 1
    clock(timezone.localtime() + timedelta(minutes=2))
    channels.send_due()
    robot = Delivery.objects.get(channel="robot")
    assert (robot.status, robot.attempts) == ("pending", 2)
    assert robot.next_at - timezone.now() > timedelta(minutes=4)  # then 5 minutes
    clock(timezone.localtime() + timedelta(minutes=6))
    channels.send_due()
    assert Delivery.objects.get(channel="robot").status == "sent"
    assert len(robots.texts()) == 1


def test_a_delivery_that_keeps_failing_is_given_up_and_shown_to_the_admin(
    alice, reachable, robots, run_jobs, at_eight, clock, as_user, admin_user
):
    overdue_a(alice, "浙江省人民医院")
    robots.fail = 99
    tick()
    run_jobs()
    for _ in range(channels.MAX_ATTEMPTS):
        clock(timezone.localtime() + timedelta(hours=3))
        channels.send_due()
    robot = Delivery.objects.get(channel="robot")
    assert (robot.status, robot.attempts) == ("failed", channels.MAX_ATTEMPTS)
    page = as_user(admin_user).get("/admin/reminders/delivery/?status__exact=failed")
    assert page.status_code == 200 and "已放弃" in page.content.decode()
    assert WECOM_KEY not in page.content.decode()
    admin = as_user(admin_user)
    admin.post(
        "/admin/reminders/delivery/",
        {"action": "send_again", "_selected_action": [robot.pk]},
    )
    robots.fail = 0
    channels.send_due()
    assert Delivery.objects.get(channel="robot").status == "sent"


def test_quiet_hours_hold_outside_messages_until_they_end(alice, reachable, clock):
    Preference.objects.create(
        user=alice, quiet_start=timezone.datetime(2000, 1, 1, 22).time(),
        quiet_end=timezone.datetime(2000, 1, 1, 7, 30).time(),
    )  # fmt: skip
    late = clock(f"{timezone.localdate()} 23:10")
    from reminders.notify import notify

    assert notify(recipient=alice, kind="weekly_nudge", key="n", url="/", week="2026-W49", by="x")
    for d in Delivery.objects.all():
        local = timezone.localtime(d.next_at)
        assert (local.date(), local.hour, local.minute) == (
            (late + timedelta(days=1)).date(),
            7,
            30,
        )
    assert channels.send_due() == 0 and not mail.outbox
    assert Notification.objects.get(recipient=alice).read_at is None  # the bell has it now


def test_a_kind_turned_off_for_a_channel_is_not_sent_there(alice, reachable, as_user):
    client = as_user(alice)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    data = {"digest_time": "07:30", "quiet_start": "", "quiet_end": ""}
    for kind in ("daily_digest", "weekly_nudge", "proposal_approved"):
        data[f"{kind}:robot"] = "on"
    data["daily_digest:email"] = "on"  # the nudge not by e-mail
    assert client.post("/notifications/settings/", data).status_code == 302
    pref = Preference.objects.get(user=alice)
    assert pref.digest_time.strftime("%H:%M") == "07:30"
    assert not pref.wants("weekly_nudge", "email") and pref.wants("weekly_nudge", "robot")
    from reminders.notify import notify

    notify(recipient=alice, kind="weekly_nudge", key="n", url="/", week="2026-W49", by="x")
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["robot"]


def test_a_digest_time_and_quiet_hours_are_checked(alice, as_user):
    client = as_user(alice)
    answer = client.post(
        "/notifications/settings/", {"digest_time": "03:00", "quiet_start": "22:00"}
    )
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "digest_time" in errors and "免打扰时段需要同时填写开始和结束时间" in str(errors)


def test_the_digest_comes_at_the_time_the_user_chose(alice, bob, clock, run_jobs):
    overdue_a(alice, "浙江省人民医院")
    overdue_a(bob, "浙江大学医学院附属邵逸夫医院")
    Preference.objects.create(user=alice, digest_time=timezone.datetime(2000, 1, 1, 7).time())
    clock(f"{timezone.localdate()} 07:00")
    tick()
    run_jobs()
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]
    clock(f"{timezone.localdate()} 08:00")
    tick()
    run_jobs()
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "bob",
    ]


def test_robots_are_added_from_the_address_the_group_shows_and_never_shown_back(
    alice, leader, team1, as_user
):
    client = as_user(alice)
    wrong = client.post("/notifications/robots/", {"address": "https://example.com/hook"})
    assert wrong.status_code == 400
    assert "不是企业微信、钉钉或飞书群机器人" in wrong.content.decode()
    address = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    assert client.post("/notifications/robots/", {"address": address}).status_code == 302
    token = "c0ffee" * 8
    ding = f"https://oapi.dingtalk.com/robot/send?access_token={token}"
    bad_secret = client.post("/notifications/robots/", {"address": ding, "secret": "x"})
    assert bad_secret.status_code == 400 and "加签密钥" in bad_secret.content.decode()
    secret = "SEC" + "a1" * 32
    assert (
        client.post("/notifications/robots/", {"address": ding, "secret": secret}).status_code
        == 302
    )
    wecom, dingtalk = Robot.objects.order_by("pk")
    assert wecom.service == "wecombot" and dingtalk.url.startswith(f"dingtalk://{secret}@{token}")
    page = client.get("/notifications/settings/").content.decode()
    assert WECOM_KEY not in page and token not in page and secret not in page
    assert wecom.masked in page
    # a team's robot, by its leader; a manager cannot name a team
    feishu = "https://open.feishu.cn/open-apis/bot/v2/hook/1d5e8f3c-aaaa-bbbb-cccc-123456789abc"
    leading = as_user(leader)
    assert (
        leading.post("/notifications/robots/", {"address": feishu, "team": team1.pk}).status_code
        == 302
    )
    assert Robot.objects.get(service="feishu").team == team1
    # one's own robots only: alice cannot remove the team's
    assert (
        client.post(
            f"/notifications/robots/{Robot.objects.get(service='feishu').pk}/remove/"
        ).status_code
        == 404
    )


def test_a_team_robot_hears_the_team_s_weekly_summary_and_nobody_s_digest(
    alice, leader, team1, robots, run_jobs, clock
):
    from o2crm.dates import week_start

    Robot.objects.create(team=team1, service="feishu", url="feishu://team-group-token-0001")
    overdue_a(alice, "浙江省人民医院")
    monday = week_start(timezone.localdate())
    clock(f"{monday} 09:00")
    tick()
    run_jobs()
    run_jobs()  # the deliveries planned by the jobs
    assert robots.paths == ["/open-apis/bot/v2/hook/team-group-token-0001/"]
    [text] = robots.texts()
    assert str(alice) in text and "浙江省人民医院" not in text  # who, not what


def test_nothing_goes_out_to_someone_deactivated_meanwhile(alice, reachable, clock):
    from reminders.notify import notify

    Preference.objects.create(
        user=alice, quiet_start=timezone.datetime(2000, 1, 1, 22).time(),
        quiet_end=timezone.datetime(2000, 1, 1, 7).time(),
    )  # fmt: skip
    clock(f"{timezone.localdate()} 23:00")
    notify(recipient=alice, kind="weekly_nudge", key="n", url="/", week="2026-W49", by="x")
    alice.is_active = False
    alice.save()
    clock(timezone.localtime() + timedelta(hours=9))
    assert channels.send_due() == 0 and not mail.outbox
    assert set(Delivery.objects.values_list("status", "last_error")) == {
        ("failed", "收件人已停用。")
    }
