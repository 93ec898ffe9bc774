from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hospitals.models import hospital_visibility
from o2crm.records import Versioned
from pipeline.models import Project

from . import domain


class EconomicsSettings(models.Model):
    """One version of the §8 settings. Rows are never edited: saving the settings page adds a
    new version, and a proposal points at the version it was computed with."""

    values = models.JSONField(_("参数值"))
    # key → {"status": verified/secondary/assumption/unverified, "source": text}
    meta = models.JSONField(_("来源与状态"), default=dict)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("测算参数版本")
        verbose_name_plural = _("测算参数版本")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return _("参数第 %(n)s 版") % {"n": self.pk}

    @classmethod
    def current(cls) -> EconomicsSettings:
        latest = cls.objects.order_by("-pk").first()
        if latest is None:
            latest = cls.objects.create(
                values=domain.default_settings(),
                meta={s.key: {"status": s.status, "source": s.source} for s in domain.SETTINGS},
                note=_("参考资料 §8 的默认值"),
            )
        return latest

    def resolved(self, overrides: dict | None = None) -> dict:
        return domain.resolve_settings(overrides, base=self.values)


class Mode(models.TextChoices):
    KEEP = domain.PLACEMENT_KEEP, _("投资投放-设备归我方")
    TRANSFER = domain.PLACEMENT_TRANSFER, _("投资投放-期满无偿移交")
    SALE = domain.DIRECT_SALE, _("直接销售")
    OTHER = domain.OTHER, _("其他")


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")
    SENT = "sent", _("已发送")
    ACCEPTED = "accepted", _("客户接受")
    REJECTED = "rejected", _("客户拒绝")


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ProposalQuerySet:
        return hospital_visibility(self, user, "project__")


class NumberCounter(models.Model):
    """The last proposal number issued in a year, locked while the next one is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Proposal(Versioned):
    """初步投资合作建议书, one revision of it. A number (JY-2026-0001) keeps its revisions;
    each revision keeps the settings, inputs and results it was computed with."""

    number = models.CharField(_("编号"), max_length=20)
    revision = models.PositiveSmallIntegerField(_("版次"), default=1)
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="proposals"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State, default=State.DRAFT)
    mode = models.CharField(_("合作模式"), max_length=10, choices=Mode, default=Mode.KEEP)
    mode_other = models.CharField(_("其他合作模式说明"), max_length=200, blank=True)
    term_years = models.PositiveSmallIntegerField(_("投资期限（年）"))
    price = models.DecimalField(_("供氧单价（元/m³）"), max_digits=8, decimal_places=2)
    price_escalation = models.DecimalField(
        _("单价年调整（%）"), max_digits=5, decimal_places=2, default=0
    )
    minimum_monthly_m3 = models.PositiveIntegerField(_("保底月用量（m³）"), null=True, blank=True)
    meter_reading_day = models.PositiveSmallIntegerField(_("每月抄表日"), default=1)
    invoice_terms = models.CharField(
        _("开票方式"), max_length=100, default="按月抄表，次月开具增值税发票"
    )
    payment_days = models.PositiveSmallIntegerField(_("付款期限（天）"), default=30)
    backup = models.CharField(
        _("备用气源安排"), max_length=200, default="保留现有液氧/钢瓶汇流排作为备用气源"
    )
    # (the two defaults above are the document's Chinese, whatever the UI language)
    valid_until = models.DateField(_("有效期至"))
    remarks = models.TextField(_("其他说明"), blank=True)
    settings = models.ForeignKey(
        EconomicsSettings, verbose_name=_("测算参数版本"), on_delete=models.PROTECT
    )
    # What the calculator was given (domain.Inputs plus setting overrides) and what it gave:
    # frozen with the revision, so later settings never change these numbers.
    inputs = models.JSONField(_("测算输入"))
    overrides = models.JSONField(_("参数调整"), default=dict, blank=True)
    results = models.JSONField(_("测算结果"))
    override_reason = models.TextField(_("例外批准理由"), blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    superseded = models.BooleanField(_("已被新版本取代"), default=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("初步投资合作建议书")
        verbose_name_plural = _("初步投资合作建议书")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="proposal_number_rev"),
        ]
        indexes = [
            models.Index(fields=["project", "superseded"]),
            models.Index(fields=["state", "superseded", "created_at"]),
            models.Index(fields=["superseded", "created_at"]),
        ]
        permissions = [("approve_proposal", _("审批建议书"))]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.number}" + (f" v{self.revision}" if self.revision > 1 else "")

    def get_absolute_url(self) -> str:
        return reverse("proposals:proposal-detail", args=[self.pk])

    @property
    def below_floor(self) -> bool:
        floor = self.results.get("price_floor")
        return floor is not None and float(self.price) < floor

    @property
    def negative_npv(self) -> bool:
        return self.results.get("npv", 0) < 0

    @property
    def needs_override(self) -> bool:
        return self.below_floor or self.negative_npv


class ProposalEvent(models.Model):
    """Every change of state, with who, when and the comment (returns and overrides)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=State, blank=True)
    to_state = models.CharField(max_length=10, choices=State)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"])]

    def __str__(self) -> str:
        return f"{self.proposal} {self.from_state}→{self.to_state}"
