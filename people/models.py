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


class PersonEvent(models.Model):
    """A change to a person or a team made in 人员与交接: who did what to whom, from what to
    what (the history the admin and the director read)."""

    class What(models.TextChoices):
        CREATED = "created", _("新建账户")
        ROLE = "role", _("角色")
        TEAM = "team", _("团队")
        DETAILS = "details", _("资料")
        PASSWORD = "password", _("重置密码")
        DEACTIVATED = "deactivated", _("停用")
        REACTIVATED = "reactivated", _("恢复")
        LEADER = "leader", _("团队负责人")
        TEAM_CREATED = "team_created", _("新建团队")

    person = models.ForeignKey(
        User, verbose_name=_("人员"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("团队"), on_delete=models.CASCADE, null=True,
        related_name="+",
    )  # fmt: skip
    what = models.CharField(_("变更"), max_length=12, choices=What)
    before = models.CharField(_("原为"), max_length=200, blank=True)
    after = models.CharField(_("改为"), max_length=200, blank=True)
    by = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("人员变更")
        verbose_name_plural = _("人员变更")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "-at"], name="person_event_person"),
            models.Index(fields=["team", "-at"], name="person_event_team"),
        ]

    def __str__(self) -> str:
        return f"{self.get_what_display()} {self.before} → {self.after}"
