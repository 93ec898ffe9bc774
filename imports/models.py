"""An import: the sheet as uploaded, its preview, and — once confirmed — what it created and
changed, so that it can be undone as a whole while nothing it wrote has changed since."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        HOSPITALS = "hospitals", _("医院")
        DEPARTMENTS = "departments", _("部门")
        CONTACTS = "contacts", _("联系人")
        PROJECTS = "projects", _("项目")
        FOLLOWUPS = "followups", _("跟进记录")

    class Status(models.TextChoices):
        CHECKING = "checking", _("正在检查")
        PREVIEWED = "previewed", _("待确认")
        IMPORTING = "importing", _("正在导入")
        IMPORTED = "imported", _("已导入")
        UNDOING = "undoing", _("正在撤销")
        UNDONE = "undone", _("已撤销")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        User, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="imports"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind)
    file_name = models.CharField(_("文件"), max_length=200)
    content = models.BinaryField(editable=False)  # the sheet as uploaded (confirm reads it)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.PREVIEWED)
    counts = models.JSONField(_("数量"), default=dict)
    total = models.PositiveIntegerField(_("行数"), null=True, blank=True)  # as the file says
    done = models.PositiveIntegerField(_("已处理"), default=0)  # rows checked or written so far
    # the preview kept: counts, unknown columns and up to 2,000 rows (every wrong one first)
    result = models.JSONField(default=dict, editable=False)
    error = models.TextField(_("错误"), blank=True)  # why a background step failed
    language = models.CharField(max_length=10, default="zh-hans", editable=False)
    # what the import wrote: {"created": [[pk, version]], "updated": [[pk, version, {field: old}]]}
    written = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_batch_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING, self.Status.UNDOING)

    @property
    def percent(self) -> int:
        return min(99, int(100 * self.done / self.total)) if self.total else 0
