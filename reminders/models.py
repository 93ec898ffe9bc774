"""Reaching people where they work. First: the private calendar feed a phone subscribes to."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2crm.keys import key_hash, new_key


class CalendarFeed(models.Model):
    """A user's private iCal address (/calendar/<key>.ics): the key is the only credential a
    calendar app can carry, so only its SHA-256 is stored; a new one replaces the old, and
    revoking deletes it. A deactivated user's feed answers nothing."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"

    @staticmethod
    def hash(key: str) -> str:
        return key_hash(key)

    @staticmethod
    def new_key() -> str:
        return new_key()


class Kind(models.TextChoices):
    PROPOSAL_SUBMITTED = "proposal_submitted", _("建议书待审批")
    PROPOSAL_APPROVED = "proposal_approved", _("建议书已批准")
    PROPOSAL_RETURNED = "proposal_returned", _("建议书被退回")
    DAILY_DIGEST = "daily_digest", _("每日提醒")


class Notification(models.Model):
    """A message to one user in the app (the bell, 通知, the API). `key` says what it is about;
    one per recipient and key, so the same event never reaches anyone twice."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind)
    key = models.CharField(max_length=100)
    params = models.JSONField(default=dict)  # the names the text is written with
    url = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """In the reader's language, from the names kept with it."""
        texts = {
            Kind.PROPOSAL_SUBMITTED: _(
                "%(by)s 提交了建议书 %(label)s（%(hospital)s），等待您审批。"
            ),
            Kind.PROPOSAL_APPROVED: _("您的建议书 %(label)s（%(hospital)s）已由 %(by)s 批准。"),
            Kind.PROPOSAL_RETURNED: _(
                "您的建议书 %(label)s（%(hospital)s）被 %(by)s 退回：%(comment)s"
            ),
            Kind.DAILY_DIGEST: _(
                "今日：拜访 %(visits)s 次，待办 %(tasks)s 项，联络到期 %(due)s 个项目，"
                "待审批 %(approve)s 份。"
            ),
        }
        return str(texts[Kind(self.kind)]) % {"comment": "", **self.params}
