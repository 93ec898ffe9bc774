"""Demo reports: half a year of weekly forecast snapshots, rebuilt from the demo's history, and
the weekly summaries the managers submitted over the last four weeks and, from Friday, this
one (one manager behind, as in any real office), so 周报, 月报 and 预测与实际 have something to show on first login."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from o2crm.dates import week_start
from pipeline.models import ForecastSnapshot
from pipeline.services import take_forecast_snapshot

from . import services
from .forms import review_week
from .models import WeeklySummary

SNAPSHOT_WEEKS = 26
SUBMITTED_WEEKS = 4
REMARKS = [
    "本周重点推进杭州一院院务会，院长对投放模式认可，等待财务科测算结果。",
    "两家医院要求提供同级医院样板点案例，下周安排参观。需要公司支持样板点接待。",
    "液氧供应商降价竞争明显，建议总部研究阶梯氧价方案。",
    "B类项目联络偏少，下周补电话回访。",
    "",
]


@transaction.atomic
def load() -> int:
    """Returns the number of weekly summaries submitted (0 when the demo already has them)."""
    if WeeklySummary.objects.exists():
        return 0
    today = timezone.localdate()
    this_monday = week_start(today)
    # loading the demo took this week's snapshot before its projects existed: rebuild them all
    ForecastSnapshot.objects.all().delete()
    for weeks_ago in range(SNAPSHOT_WEEKS, -1, -1):
        take_forecast_snapshot(monday=this_monday - timedelta(days=7 * weeks_ago), reconstruct=True)
    managers = list(User.objects.filter(role=Role.MANAGER, is_active=True).order_by("username"))
    submitted = 0
    # from Friday on, this week is the one under review: most have submitted it too
    newest = 0 if review_week(today) == this_monday else 1
    for weeks_ago in range(SUBMITTED_WEEKS, newest - 1, -1):
        monday = this_monday - timedelta(days=7 * weeks_ago)
        for i, manager in enumerate(managers):
            if weeks_ago <= 1 and i == len(managers) - 1:
                continue  # the last manager is behind: last week (and this one) not submitted
            summary = services.submit_week(
                owner=manager,
                monday=monday,
                by=manager,
                remark=REMARKS[(i + weeks_ago) % len(REMARKS)],
            )
            # submitted on the Friday afternoon of that week (this week's: just now)
            friday = timezone.make_aware(
                datetime.combine(monday + timedelta(days=4), time(17, 20 + i * 7))
            )
            if weeks_ago:
                WeeklySummary.objects.filter(pk=summary.pk).update(submitted_at=friday)
            submitted += 1
    return submitted
