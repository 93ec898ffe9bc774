"""The scheduled reminders (registered with o2crm.jobs; a worker runs them once per period)
and the events told at once: a task given to someone, a project handed to someone, a weekly
summary nudged (催交), an export ready. Every message is keyed per recipient and what it is
about, so no one is told the same thing twice, whichever worker sends it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Role, Team, User
from o2crm.dates import week_start
from o2crm.jobs import period_of, scheduled
from o2crm.models import ExportJob
from pipeline.models import Project
from reports.models import WeeklySummary, iso_week
from reports.weekly import managers_visible_to
from visits.models import Task

from .channels import preference
from .digest import digest_for, send_digest
from .models import Kind, Notification, Preference
from .notify import notify

DIGEST_SLOT = timedelta(minutes=15)
DEFAULT_DIGEST_TIME = time(8, 0)
NUDGE_EVERY = timedelta(hours=1)


# The daily digest, at each user's time ---------------------------------------------------------


def digest_users(at: datetime) -> QuerySet[User]:
    """The active users whose digest time falls in the slot that ends at `at` (local)."""
    end = at.time()
    start = (at - DIGEST_SLOT).time()
    if start < end:
        in_slot = Q(digest_time__gt=start, digest_time__lte=end)
    else:  # the slot that ends at midnight
        in_slot = Q(digest_time__gt=start) | Q(digest_time__lte=end)
    chosen = Preference.objects.filter(in_slot).values("user_id")
    users = User.objects.filter(is_active=True).filter(pk__in=chosen)
    if start < DEFAULT_DIGEST_TIME <= end or (start > end and end >= DEFAULT_DIGEST_TIME):
        users = users | User.objects.filter(is_active=True, notice_preference__isnull=True)
    return users.order_by("pk")


def send_digests_for(users: QuerySet[User], day: date) -> int:
    """Each user's digest of `day`, in their language; keyed, so never twice a day."""
    sent = 0
    for user in users:
        with translation.override(preference(user).language):
            sent += send_digest(digest_for(user, day))
    return sent


@scheduled("*/15 * * * *", name="digests")
@task()
def digests(period: str) -> int:
    at = timezone.localtime(period_of(period))
    return send_digests_for(digest_users(at), at.date())


# The weekly summary -----------------------------------------------------------------------------


def missing(monday: date) -> QuerySet[User]:
    """The active sales managers with no submitted summary for the week of `monday`."""
    submitted = WeeklySummary.objects.filter(week_start=monday, submitted_at__isnull=False)
    return (
        User.objects.filter(is_active=True, role=Role.MANAGER)
        .exclude(pk__in=submitted.values("owner_id"))
        .select_related("team")
        .order_by("team__name", "username")
    )


@scheduled("0 16 * * 5", name="weekly-due", late=timedelta(hours=6))
@task()
def weekly_due(period: str) -> int:
    """Friday 16:00: each manager who has not submitted this week's summary."""
    monday = week_start(timezone.localtime(period_of(period)).date())
    week = iso_week(monday)
    told = 0
    for manager in missing(monday):
        url = reverse("reports:weekly-detail", args=[manager.username, week])
        told += notify(
            recipient=manager, kind=Kind.WEEKLY_DUE, key=f"weekly-due:{week}", url=url, week=week
        )
    return told


@scheduled("0 9 * * 1", name="weekly-missing", late=timedelta(hours=6))
@task()
def weekly_missing(period: str) -> int:
    """Monday 09:00: each team leader, and the director, with who did not submit last week
    (a leader hears of their teams; the director of everyone)."""
    monday = week_start(timezone.localtime(period_of(period)).date()) - timedelta(days=7)
    week = iso_week(monday)
    late = list(missing(monday))
    if not late:
        return 0
    url = reverse("reports:weekly-overview") + f"?week={week}"
    readers = User.objects.filter(is_active=True).filter(
        Q(role=Role.DIRECTOR) | Q(pk__in=Team.objects.values("leader_id"))
    )
    told = 0
    for reader in readers:
        visible = set(managers_visible_to(reader).values_list("pk", flat=True))
        names = [str(m) for m in late if m.pk in visible and m.pk != reader.pk]
        if names:
            told += notify(
                recipient=reader,
                kind=Kind.WEEKLY_MISSING,
                key=f"weekly-missing:{week}",
                url=url,
                week=week,
                count=str(len(names)),
                names="、".join(names[:30]) + ("…" if len(names) > 30 else ""),
            )
    return told


def nudge(*, manager: User, week: str, by: User) -> bool:
    """催交: tell one manager now to submit `week`; at most once an hour whoever asks.
    False when they were nudged within the hour (or may not be nudged by `by`)."""
    if not managers_visible_to(by).filter(pk=manager.pk).exists() or manager.pk == by.pk:
        return False
    now = timezone.now()
    recent = Notification.objects.filter(
        recipient=manager, kind=Kind.WEEKLY_NUDGE, created_at__gt=now - NUDGE_EVERY
    )
    if recent.exists():
        return False
    url = reverse("reports:weekly-detail", args=[manager.username, week])
    return notify(
        recipient=manager,
        kind=Kind.WEEKLY_NUDGE,
        key=f"weekly-nudge:{week}:{now:%Y%m%d%H%M%S}",
        url=url,
        week=week,
        by=str(by),
    )


# Told at once ---------------------------------------------------------------------------------


def tell_new_owner(
    row: Task | Project, by: User | None, *, kind: str, key: str, url: str, **params: str
) -> bool:
    """Tell a row's owner it is now theirs, unless they made it so themselves, are gone, or
    may not see it (the model's own visibility rule)."""
    owner = row.owner
    if owner is None or (by is not None and owner.pk == by.pk) or not owner.is_active:
        return False
    if not type(row).objects.visible_to(owner).filter(pk=row.pk).exists():
        return False
    by_name = str(by) if by is not None else _("系统")
    return notify(recipient=owner, kind=kind, key=key, url=url, by=by_name, **params)


def task_assigned(task_row: Task, by: User | None) -> bool:
    """A task given to someone by someone else (a task made by no one named is nobody's news)."""
    if by is None:
        return False
    return tell_new_owner(
        task_row,
        by,
        kind=Kind.TASK_ASSIGNED,
        key=f"task-assigned:{task_row.pk}:{task_row.owner_id}",
        url=reverse("visits:task-list"),
        title=task_row.title,
        hospital=task_row.hospital.name,
        due=task_row.due_date.isoformat(),
    )


def project_handed(project: Project, by: User | None, version: int) -> bool:
    """A project whose owner became someone other than the one who changed it."""
    return tell_new_owner(
        project,
        by,
        kind=Kind.PROJECT_HANDED,
        key=f"project-handed:{project.pk}:{version}",
        url=project.get_absolute_url(),
        project=project.name,
        hospital=project.hospital.name,
    )


def export_done(job: ExportJob) -> bool:
    if job.status != ExportJob.Status.DONE:
        return False
    return notify(
        recipient=job.user,
        kind=Kind.EXPORT_READY,
        key=f"export:{job.pk}",
        url=reverse("exports"),
        title=job.title,
    )
