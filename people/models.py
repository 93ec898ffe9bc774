"""Handovers (离职交接 / territory change): who handed whose hospitals to whom, when, why."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Reason(models.TextChoices):
    LEAVING = "leaving", _("离职")
    TERRITORY = "territory", _("区域调整")
    OTHER = "other", _("其他")


class Handover(models.Model):
    """One step that handed a manager's hospitals, with the open projects, open tasks,
    planned visits and unsubmitted proposals under them, to another manager. The records
    themselves keep the change in their history too (made by `by`, reason: the handover)."""

    from_user = models.ForeignKey(
        User, verbose_name=_("交出人"), on_delete=models.PROTECT, related_name="handed_from"
    )
    to_user = models.ForeignKey(
        User, verbose_name=_("接手人"), on_delete=models.PROTECT, related_name="handed_to"
    )
    by = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=12, choices=Reason, default=Reason.LEAVING)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    scope = models.CharField(_("范围"), max_length=200, blank=True)  # in words, as chosen
    counts = models.JSONField(_("数量"), default=dict)
    hospital_ids = models.JSONField(default=list)

    class Meta:
        verbose_name = _("客户交接")
        verbose_name_plural = _("客户交接")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="handover_list")]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} {self.at:%Y-%m-%d}"
