"""Nightly (05:40): contracts ending within a year get a renewal project, plants running near
their cap an expansion project (both in the owner's pipeline, with their own source)."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from o2crm.jobs import period_of, scheduled

from . import services


@scheduled("40 5 * * *", name="placements-term-and-growth", late=timedelta(days=2))
@task()
def term_and_growth(period: str) -> int:
    today = timezone.localtime(period_of(period)).date()
    return services.open_renewals(today) + services.suggest_expansions(today)
