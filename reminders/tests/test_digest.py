"""The daily digest: what each user has today, only what they may see, sent once a day."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory, follow_up
from reminders.digest import digest_for, send_digest
from reminders.models import Notification
from visits.models import Task, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(alice):
    """Alice's class-A project whose business contact is 3 days overdue, a visit today at
    14:00 and a task two days overdue."""
    project = ProjectFactory(
        hospital=HospitalFactory(owner=alice, name="浙江省人民医院"),
        planned_purchase_date=timezone.localdate() + timedelta(days=60),
    )
    follow_up(project, kind="business", days_ago=10)
    follow_up(project, kind="relationship", days_ago=1)
    Visit.objects.create(
        hospital=project.hospital,
        owner=alice,
        planned_at=timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0),
    )
    Task.objects.create(
        owner=alice,
        hospital=project.hospital,
        title="寄送样板点资料",
        level="business",
        due_date=timezone.localdate() - timedelta(days=2),
    )
    return project


def test_a_manager_with_an_overdue_project_is_told_what_and_by_how_much(alice, overdue):
    digest = digest_for(alice, timezone.localdate())
    assert [(p.pk, kind, late) for p, kind, late in digest.due] == [(overdue.pk, "business", 3)]
    text = "\n".join(digest.lines())
    assert "业务联络到期 浙江省人民医院（逾期 3 天）" in text
    assert (
        "拜访 14:00 浙江省人民医院" in text
        and "待办 寄送样板点资料 · 浙江省人民医院（逾期 2 天）" in text
    )


def test_nothing_of_another_team_and_the_leader_sees_the_escalation(alice, carol, leader, overdue):
    assert digest_for(carol, timezone.localdate()).empty  # not her project
    follow_up(overdue, kind="business", days_ago=0)  # contacted: no longer overdue at all
    assert digest_for(alice, timezone.localdate()).due == []
    late = ProjectFactory(
        hospital=HospitalFactory(owner=alice, name="浙江省中医院"),
        planned_purchase_date=timezone.localdate() + timedelta(days=60),
    )
    follow_up(late, kind="business", days_ago=20)  # due 13 days ago: over 7 days late again
    follow_up(late, kind="relationship", days_ago=1)
    escalated = digest_for(leader, timezone.localdate()).escalated
    assert [p.pk for p in escalated] == [late.pk]
    assert digest_for(carol, timezone.localdate()).escalated == []


def test_the_digest_is_sent_once_a_day(alice, overdue):
    assert send_digest(digest_for(alice, timezone.localdate()))
    assert not send_digest(digest_for(alice, timezone.localdate()))  # a second run, a retry
    [note] = Notification.objects.filter(recipient=alice)
    assert (
        "联络到期 1 个项目" in note.text and "待办 1 项" in note.text and "拜访 1 次" in note.text
    )


def test_the_command_prints_without_sending_and_then_sends(alice, carol, overdue, capsys):
    call_command("send_digests", "--dry-run", "--user", "alice")
    printed = capsys.readouterr().out
    assert "业务联络到期 浙江省人民医院" in printed and not Notification.objects.exists()
    call_command("send_digests")
    assert Notification.objects.filter(recipient=alice, kind="daily_digest").count() == 1
    call_command("send_digests")
    assert Notification.objects.filter(kind="daily_digest").count() == 1  # once a day
