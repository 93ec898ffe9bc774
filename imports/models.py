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

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        IMPORTED = "imported", _("已导入")
        UNDONE = "undone", _("已撤销")

    user = models.ForeignKey(
        User, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="imports"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind)
    file_name = models.CharField(_("文件"), max_length=200)
    content = models.BinaryField(editable=False)  # the sheet as uploaded (confirm reads it)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.PREVIEWED)
    counts = models.JSONField(_("数量"), default=dict)
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
