"""Relationship actions become their owners' tasks as they come due (nightly, 05:20), and a
task ticked off in the task list marks its action done."""

from datetime import timedelta

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task

from o2crm.jobs import period_of, scheduled
from visits.models import Task

from . import services


@scheduled("20 5 * * *", name="relationship-actions-due", late=timedelta(days=2))
@task()
def actions_due(period: str) -> int:
    """Planned actions within a week of their date that have no task yet get one."""
    return services.make_due_tasks(timezone.localtime(period_of(period)).date())


@receiver(post_save, sender=Task, dispatch_uid="relations.task_done")
def _task_saved(sender, instance: Task, **kwargs) -> None:
    if instance.done:
        services.task_done(instance)
