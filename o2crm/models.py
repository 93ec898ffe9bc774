"""The floor's own rows: which scheduled job ran for which period, and the exports made in the
background. Neither names an app above the floor (the user is settings.AUTH_USER_MODEL)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One scheduled job for one period (its fire time). Every worker on every host ticks the
    schedule; the unique key lets exactly one of them enqueue the job (o2crm/jobs.py)."""

    job = models.CharField(_("任务"), max_length=60)
    period = models.DateTimeField(_("周期"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        ordering = ["-period", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="scheduled_once_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period:%Y-%m-%d %H:%M}"


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: Any) -> ExportJobQuerySet:
        """An export is its maker's alone: it holds what they could see when they asked."""
        return self.filter(user=user)


class ExportJob(models.Model):
    """A workbook made by a worker: asked for on a page, followed with a progress bar,
    downloaded from the 导出 page. The file is kept in the file storage (MEDIA_ROOT, shared by
    the hosts) for EXPORT_KEEP_DAYS (decisions 0024, 0029); exports made before then have
    their bytes in `content`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("导出"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=10)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)  # percent
    error = models.TextField(_("错误"), blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content = models.BinaryField(null=True, editable=False)  # before decision 0029
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小"), default=0)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="export_list"),
            models.Index(fields=["created_at"], name="export_age"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


NO_DAY = "0001-01-01"  # Tally.day of a summary without a day (NULL would break the unique key)


class Tally(models.Model):
    """One cell of a summary (o2crm/summaries.py, decision 0029): a report's count and sums for
    one owner, team or the whole company, one province, one day and one key. Level 0 rows are
    recomputed from the source rows for the owners a write touched; levels 1 (a team) and 2
    (everyone) move by the difference, so a national page reads a few hundred rows, not the
    nation. `owner` and `team` are plain ids (0: none, e.g. a hospital in the 公海)."""

    OWNER, TEAM, EVERYONE = 0, 1, 2

    topic = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField()
    owner = models.IntegerField(default=0)
    team = models.IntegerField(default=0)
    province = models.CharField(max_length=20, default="")
    day = models.DateField(default=NO_DAY)
    key = models.CharField(max_length=40, default="")
    n = models.BigIntegerField(default=0)
    a = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    b = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    c = models.DecimalField(max_digits=22, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("汇总")
        verbose_name_plural = _("汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "level", "owner", "team", "province", "day", "key"],
                name="tally_cell",
            )
        ]
        indexes = [
            # a team's or an owner's rows of a topic (the cell key leads with the level)
            models.Index(fields=["topic", "level", "team", "day"], name="tally_team"),
            models.Index(fields=["topic", "level", "day"], name="tally_day"),
            # everyone's cells of a period, summed over the provinces ("*") or of one: the
            # days of one province, not every province's days (a summary by day and province);
            # with the cells' key and measures, a year of days is read from the index alone
            models.Index(
                fields=["topic", "level", "province", "day"],
                include=["key", "n", "a", "b", "c"],
                name="tally_province_day_cells",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.level} {self.owner}/{self.team} {self.province} {self.day}"
