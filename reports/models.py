"""The weekly business progress summary 《业务进展汇总表》: built from the records, reviewed and
submitted by the manager, then frozen (docs/decisions/0010-weekly-summaries-and-snapshots.md).

A summary that has not been submitted is computed on every view; submitting copies it into a
WeeklySummary's totals and one WeeklyLine per project, which later edits never touch. The
monthly report reads the lines of the submitted weeks."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hospitals.models import hospital_visibility
from o2crm.records import Versioned
from pipeline.models import Project, Stage


def iso_week(day: date) -> str:
    """2026-11-23 → "2026-W48" (ISO 8601: weeks start on Monday)."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """ "2026-W48" → 2026-11-23; ValueError for anything else."""
    year, _sep, number = week.strip().upper().partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)


class WeeklySummaryQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> WeeklySummaryQuerySet:
        """A manager's summaries are seen by the manager, their team leader and the roles that
        see everything: the hospital rule, by the summary's owner."""
        return hospital_visibility(self, user)


class WeeklySummary(Versioned):
    owner = models.ForeignKey(
        User, verbose_name=_("销售经理"), on_delete=models.PROTECT, related_name="weekly_summaries"
    )
    week_start = models.DateField(_("周一"))
    remark = models.TextField(_("本周说明"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # frozen at submission: the week's counts and its recorded visits
    totals = models.JSONField(_("汇总"), default=dict, blank=True)

    objects = WeeklySummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("业务进展汇总表")
        verbose_name_plural = _("业务进展汇总表")
        ordering = ["-week_start", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "week_start"], name="one_summary_a_week")
        ]
        indexes = [models.Index(fields=["week_start", "owner"])]

    def __str__(self) -> str:
        return f"{self.owner} {self.week}"

    @property
    def week(self) -> str:
        return iso_week(self.week_start)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def get_absolute_url(self) -> str:
        return reverse("reports:weekly-detail", args=[self.owner.username, self.week])


class WeeklyLine(models.Model):
    """One project in a submitted week, as it stood then."""

    summary = models.ForeignKey(WeeklySummary, on_delete=models.CASCADE, related_name="lines")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="weekly_lines")
    week_start = models.DateField(_("周一"))  # the summary's, for the monthly report's filter
    project_name = models.CharField(_("项目名称"), max_length=100)
    hospital_name = models.CharField(_("医院"), max_length=100)
    stage_start = models.ForeignKey(
        Stage,
        verbose_name=_("周初阶段"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stage_end = models.ForeignKey(
        Stage, verbose_name=_("周末阶段"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10)
    is_new = models.BooleanField(_("本周新建"), default=False)
    business = models.PositiveSmallIntegerField(_("业务联络"), default=0)
    relationship = models.PositiveSmallIntegerField(_("情感联络"), default=0)
    progress = models.TextField(_("本周进展"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_step_date = models.DateField(_("下一步日期"), null=True, blank=True)
    overdue = models.BooleanField(_("联络逾期"), default=False)

    class Meta:
        verbose_name = _("周报项目行")
        verbose_name_plural = _("周报项目行")
        ordering = ["summary", "pk"]
        indexes = [models.Index(fields=["project", "week_start"])]

    def __str__(self) -> str:
        return f"{self.summary}: {self.project_name}"
