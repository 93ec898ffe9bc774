"""Background jobs: the queue, the schedule, exactly once per period (decision 0024).

The queue is the Tasks API Django 6 adopted, on 5.2 its backport `django-tasks` with the
database backend `django-tasks-db`: a job is a function decorated with `@task()` and
`.enqueue()`d; `python manage.py run_worker` runs them, on SQLite beside the web server or as
many workers on as many hosts as share one PostgreSQL.

The schedule is a list of cron expressions (croniter reads them, in TIME_ZONE). Every worker
ticks it twice a minute; a tick records each fire time that has come (within the job's
`late` window, so a worker down for a while catches up) as a ScheduledRun whose (job, period)
is unique, and enqueues the job only when its row was the one written: with any number of
workers each scheduled job runs exactly once per period. A job is handed its period (ISO
8601), so what it sends can be keyed by it; what a job sends is keyed again per recipient
(reminders' Notification), so even a job run twice by hand tells nobody twice.

The apps register their scheduled jobs with `@scheduled(...)` in their AppConfig.ready().
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .models import ScheduledRun

logger = logging.getLogger(__name__)

# how often a worker ticks the schedule (a job fires within this of its time)
TICK_SECONDS = 30
# how long the record of a job is kept: a run that went well, and one that failed
KEEP_DONE = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)


@dataclass(frozen=True)
class Scheduled:
    name: str
    cron: str
    task: Any  # a django_tasks Task taking one argument, the period in ISO 8601
    late: timedelta  # fire times older than this are not caught up


_SCHEDULE: dict[str, Scheduled] = {}


def scheduled(
    cron: str, *, name: str, late: timedelta = timedelta(hours=2)
) -> Callable[[Any], Any]:
    """Register the decorated task to run at every fire time of `cron` (local time)."""

    def register(task: Any) -> Any:
        _SCHEDULE[name] = Scheduled(name, cron, task, late)
        return task

    return register


def schedule() -> list[Scheduled]:
    return sorted(_SCHEDULE.values(), key=lambda s: s.name)


def fire_times(entry: Scheduled, now: datetime) -> list[datetime]:
    """The fire times of `entry` in (now - late, now], oldest first, in local time."""
    local = timezone.localtime(now)
    times = croniter(entry.cron, local - entry.late)
    out: list[datetime] = []
    while (fire := times.get_next(datetime)) <= local:
        out.append(fire)
    return out


def tick(now: datetime | None = None) -> list[ScheduledRun]:
    """Enqueue every scheduled job whose time has come and that no worker has taken yet."""
    now = now or timezone.now()
    window = max((s.late for s in _SCHEDULE.values()), default=timedelta(0))
    taken = set(ScheduledRun.objects.filter(period__gt=now - window).values_list("job", "period"))
    started = []
    for entry in schedule():
        for period in fire_times(entry, now):
            if (entry.name, period) in taken:
                continue
            try:
                with transaction.atomic():
                    run = ScheduledRun.objects.create(job=entry.name, period=period)
                    result = entry.task.enqueue(period.isoformat())
                    run.task_id = str(result.id)
                    run.save(update_fields=["task_id"])
            except IntegrityError:  # another worker took this period first
                continue
            started.append(run)
    return started


def ticking(stop: threading.Event, seconds: float = TICK_SECONDS) -> threading.Thread:
    """A thread that ticks the schedule until `stop` is set (the worker's companion)."""

    def loop() -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                for run in tick():
                    logger.info("scheduled %s", run)
            except Exception:  # a failed tick must not stop the worker; the next one retries
                logger.exception("the schedule's tick failed")
            finally:
                close_old_connections()
            stop.wait(seconds)

    thread = threading.Thread(target=loop, name="o2crm-schedule", daemon=True)
    thread.start()
    return thread


def period_of(value: str) -> datetime:
    """The period a scheduled job was handed, as an aware datetime."""
    return datetime.fromisoformat(value)


@scheduled("40 3 * * *", name="prune-jobs", late=timedelta(days=1))
@task()
def prune_jobs(period: str) -> int:
    """Forget the runs of the schedule and the finished jobs past their keeping time."""
    now = timezone.now()
    runs, _ = ScheduledRun.objects.filter(period__lt=now - KEEP_DONE).delete()
    done, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_DONE
    ).delete()
    failed, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED
    ).delete()
    return runs + done + failed
