"""Reaching people where they work. First: the private calendar feed a phone subscribes to."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
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
    TASK_ASSIGNED = "task_assigned", _("新待办")
    PROJECT_HANDED = "project_handed", _("项目移交")
    WEEKLY_DUE = "weekly_due", _("周报提醒")
    WEEKLY_MISSING = "weekly_missing", _("周报未交汇总")
    WEEKLY_NUDGE = "weekly_nudge", _("催交周报")
    EXPORT_READY = "export_ready", _("导出完成")
    HANDOVER = "handover", _("客户交接")
    POOL_WARNING = "pool_warning", _("即将退回公海")
    POOL_RETURNED = "pool_returned", _("已退回公海")
    IMPORT_CHECKED = "import_checked", _("导入已检查")
    IMPORT_DONE = "import_done", _("导入完成")
    LEDGER_PENDING = "ledger_pending", _("台账待审批")
    LEDGER_APPROVED = "ledger_approved", _("台账已批准")
    LEDGER_REJECTED = "ledger_rejected", _("台账被驳回")
    PLACEMENT_RENEWAL = "placement_renewal", _("合同即将到期")
    PLACEMENT_EXPANSION = "placement_expansion", _("扩容建议")


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
            Kind.TASK_ASSIGNED: _("%(by)s 给您安排了待办：%(title)s（%(hospital)s，%(due)s 前）。"),
            Kind.PROJECT_HANDED: _("%(by)s 把项目 %(project)s（%(hospital)s）交给了您。"),
            Kind.WEEKLY_DUE: _("本周（%(week)s）的业务进展汇总表还没有提交。"),
            Kind.WEEKLY_MISSING: _("上周（%(week)s）还有 %(count)s 人没有提交周报：%(names)s。"),
            Kind.WEEKLY_NUDGE: _("%(by)s 提醒您提交 %(week)s 的业务进展汇总表。"),
            Kind.EXPORT_READY: _("“%(title)s”已生成，可以下载了。"),
            Kind.HANDOVER: _(
                "%(by)s 把 %(from_name)s 的 %(hospitals)s 家医院、%(projects)s 个进行中的项目"
                "交给了您；这些项目标为“交接·待首次联络”。"
            ),
            Kind.POOL_WARNING: _(
                "%(count)s 家医院已 %(days)s 天没有联络，%(on)s 将退回公海：%(names)s。"
                "联络一次即可保留。"
            ),
            Kind.POOL_RETURNED: _("%(count)s 家医院 %(days)s 天没有联络，已退回公海：%(names)s。"),
            Kind.IMPORT_CHECKED: _(
                "“%(file)s”已检查：新建 %(new)s，更新 %(update)s，重复 %(duplicate)s，"
                "错误 %(error)s。请查看预览后确认导入。"
            ),
            Kind.IMPORT_DONE: _("“%(file)s”已导入：新建 %(new)s，更新 %(update)s。"),
            Kind.LEDGER_PENDING: _(
                "%(by)s 登记的%(expense)s %(amount)s（%(hospital)s）超出限额，"
                "等待您审批：%(over)s。"
            ),
            Kind.LEDGER_APPROVED: _(
                "您登记的%(expense)s %(amount)s（%(hospital)s）已由%(by)s批准。%(comment)s"
            ),
            Kind.LEDGER_REJECTED: _(
                "您登记的%(expense)s %(amount)s（%(hospital)s）被%(by)s驳回。%(comment)s"
            ),
            Kind.PLACEMENT_RENEWAL: _(
                "%(hospital)s 的合同 %(number)s 将于 %(end)s 到期，已为您建立续约项目"
                "（续约 / 移交 / 回收）。"
            ),
            Kind.PLACEMENT_EXPANSION: _(
                "%(hospital)s 的制氧设备已连续 %(months)s 个月超过产能的 %(share)s，"
                "已为您建立扩容项目。"
            ),
        }
        return str(texts[Kind(self.kind)]) % {"comment": "", "by": "", **self.params}

    @property
    def lines(self) -> list[str]:
        """The message's detail, a line a thing (the digest's list), kept with it."""
        lines = self.params.get("lines") or []
        return [str(line) for line in lines]


class Channel(models.TextChoices):
    """Where a notification goes besides the bell (which has them all)."""

    EMAIL = "email", _("邮件")
    ROBOT = "robot", _("群机器人")


class Preference(models.Model):
    """A user's 通知设置: when the digest comes, the quiet hours when nothing is pushed to
    their phone or inbox (it waits until they end), and which kinds go to which channel."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notice_preference")
    digest_time = models.TimeField(_("每日提醒时间"), default=time(8, 0))
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    # "kind:channel" pairs the user turned off (everything else is on where it can be sent)
    off = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        indexes = [models.Index(fields=["digest_time"], name="preference_digest_time")]

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str, channel: str) -> bool:
        return f"{kind}:{channel}" not in self.off

    def quiet_until(self, now_local: time) -> bool:
        """True while `now_local` is inside the quiet hours (which may cross midnight)."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= now_local < end
        return now_local >= start or now_local < end


class Service(models.TextChoices):
    WECOM = "wecombot", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    FEISHU = "feishu", _("飞书")


class Robot(models.Model):
    """A group robot (企业微信, 钉钉 or 飞书) of a user, or of a team (which gets the team's
    weekly reminders). Its address is a secret: kept here as the apprise URL apprise sends to,
    shown only by its last characters, never logged."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="robots"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="robots"
    )
    service = models.CharField(_("服务"), max_length=12, choices=Service)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    url = models.CharField(max_length=500)  # the secret
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="robot_of_a_user_or_a_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.masked}"

    @property
    def masked(self) -> str:
        """What is shown of the address: never more than its last four characters."""
        tail = self.url.split("?")[0].rstrip("/")[-4:]
        return f"••••{tail}"


class Delivery(models.Model):
    """One notification on one outside channel: sent by a worker, retried with backoff when
    the service fails, and given up after MAX_ATTEMPTS (the admin sees why)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("已放弃")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel)
    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, null=True, blank=True)
    # "" for e-mail; the robot's id otherwise: one delivery a notification, channel and robot
    target = models.CharField(max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_at = models.DateTimeField(_("下次发送"), default=timezone.now)
    last_error = models.TextField(_("错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "target"], name="delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.notification.recipient_id}"
