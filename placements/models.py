"""After the contract (decision 0028): the placement's contract and its amendments, the
installation's milestones, the plant, the monthly meter readings, the statements built from
them and the payments received. A placement follows its project for who sees it (the hospital
rule of decision 0003, by the project's owner); operations and finance see every one."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings as django_settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hospitals.models import Hospital, hospital_visibility
from o2crm.records import Versioned
from pipeline.models import Project
from proposals.models import Mode, Proposal


class ContractStatus(models.TextChoices):
    INSTALLING = "installing", _("安装交付中")
    BILLING = "billing", _("计费中")
    ENDED = "ended", _("已终止")


class EndOfTerm(models.TextChoices):
    KEEP = "keep", _("设备归我方（期满续约或回收）")
    TRANSFER = "transfer", _("期满无偿移交医院")
    BUYOUT = "buyout", _("期满由医院按残值购买")


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ContractQuerySet:
        return hospital_visibility(self, user, "project__")


class Contract(Versioned):
    """合同: signed from a won project and its accepted proposal. `price` and `term_end` are
    as signed; amendments change them from their effective date (`Amendment`)."""

    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="contract"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("建议书"), on_delete=models.PROTECT, related_name="+"
    )
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("合同编号"), max_length=30, unique=True)
    signed_on = models.DateField(_("签订日期"))
    term_start = models.DateField(_("合作期起"))
    term_end = models.DateField(_("合作期止"))
    mode = models.CharField(_("合作模式"), max_length=10, choices=Mode, default=Mode.KEEP)
    price = models.DecimalField(
        _("供氧单价（元/m³）"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    price_escalation = models.DecimalField(
        _("单价年调整（%）"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("-20")), MaxValueValidator(Decimal("20"))],
    )
    minimum_monthly_m3 = models.PositiveIntegerField(_("保底月用量（m³）"), default=0)
    meter_reading_day = models.PositiveSmallIntegerField(
        _("每月抄表日"), default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    invoice_days = models.PositiveSmallIntegerField(
        _("确认后开票（天）"), default=5, validators=[MaxValueValidator(60)]
    )
    payment_days = models.PositiveSmallIntegerField(
        _("付款期限（天）"), default=30, validators=[MaxValueValidator(365)]
    )
    backup = models.CharField(_("备用气源安排"), max_length=200, blank=True)
    end_of_term = models.CharField(
        _("期满设备归属"), max_length=10, choices=EndOfTerm, default=EndOfTerm.KEEP
    )
    scan = models.FileField(_("合同扫描件"), upload_to="contracts/%Y/", blank=True)
    # the investment as proposed (a copy of the accepted proposal's capex, for the portfolio)
    capex = models.DecimalField(_("投资额（元）"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ContractStatus, default=ContractStatus.INSTALLING
    )
    # 验收: billing starts on this day (set by services.set_milestone alone)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True, editable=False)
    # kept by services._refresh_totals after every statement and payment
    months_billed = models.PositiveIntegerField(default=0, editable=False)
    volume_to_date = models.DecimalField(max_digits=16, decimal_places=1, default=0, editable=False)
    planned_to_date = models.DecimalField(
        max_digits=16, decimal_places=1, default=0, editable=False
    )
    revenue_to_date = models.DecimalField(
        max_digits=16, decimal_places=2, default=0, editable=False
    )
    outstanding = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    # the projects the term-end and growth jobs opened (placements/jobs.py)
    renewal_project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    expansion_project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    KEPT_ELSEWHERE = (
        "accepted_on",
        "months_billed",
        "volume_to_date",
        "planned_to_date",
        "revenue_to_date",
        "outstanding",
        "renewal_project",
        "expansion_project",
        "status",
    )
    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("投放合同")
        verbose_name_plural = _("投放合同")
        ordering = ["-signed_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "term_end"]),
            models.Index(fields=["status", "signed_on"]),
            models.Index(fields=["hospital", "signed_on"]),
            models.Index(fields=["outstanding"]),
            # the list's own order, for those who see every contract (the API's national list)
            models.Index(fields=["-signed_on", "-id"], name="contract_list_order"),
        ]
        permissions = [("operate_contract", _("安装、抄表与对账"))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("placements:contract", args=[self.pk])

    @property
    def volume_ratio(self) -> float | None:
        """Actual volume to date over the proposal's for the same months."""
        if not self.planned_to_date:
            return None
        return float(self.volume_to_date / self.planned_to_date)


class Amendment(models.Model):
    """A change of price or term from its effective date, with the reason: the contract's
    versions (the signed terms are the first)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    effective_on = models.DateField(_("生效日期"))
    price = models.DecimalField(
        _("新单价（元/m³）"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    term_end = models.DateField(_("新的合作期止"), null=True, blank=True)
    note = models.CharField(_("变更说明"), max_length=200)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合同变更")
        verbose_name_plural = _("合同变更")
        ordering = ["effective_on", "pk"]

    def __str__(self) -> str:
        return f"{self.contract} {self.effective_on}"


class Step(models.TextChoices):
    SURVEY = "survey", _("现场勘察")
    WORKS = "works", _("机房/管道改造")
    DELIVERY = "delivery", _("设备到货")
    INSTALL = "install", _("安装")
    COMMISSION = "commission", _("调试")
    ACCEPTANCE = "acceptance", _("验收")
    HANDOVER = "handover", _("交付")


STEPS = list(Step)


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MilestoneQuerySet:
        return hospital_visibility(self, user, "contract__project__")


class Milestone(Versioned):
    """One step of the installation (安装交付), planned and done, by whom."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    step = models.CharField(_("节点"), max_length=12, choices=Step)
    order = models.PositiveSmallIntegerField(editable=False)
    planned_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    who = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("安装节点")
        verbose_name_plural = _("安装节点")
        ordering = ["contract", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "step"], name="milestone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.get_step_display()}"

    def late_days(self, today) -> int:
        """Days behind plan: done late, or not done and past its date (0 when on time)."""
        end = self.done_on or today
        return max(0, (end - self.planned_on).days)


class PlantQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PlantQuerySet:
        return hospital_visibility(self, user, "contract__project__")


class Plant(Versioned):
    """设备: the plant as installed. Its duty capacity (all units but the standby one, N+1)
    sets the production cap the growth job watches."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="plant")
    model = models.CharField(_("型号"), max_length=60)
    units = models.PositiveSmallIntegerField(
        _("台数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    serials = models.CharField(_("出厂编号"), max_length=300, blank=True, help_text=_("每台一行"))
    installed_nm3h = models.DecimalField(
        _("装机产量（Nm³/h）"),
        max_digits=8,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    commissioned_on = models.DateField(_("调试完成日期"), null=True, blank=True)
    meter_start = models.DecimalField(
        _("验收时流量计读数（m³）"), max_digits=14, decimal_places=1, default=0
    )

    objects = PlantQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")

    def __str__(self) -> str:
        return f"{self.model} × {self.units}"


class ReadingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ReadingQuerySet:
        return hospital_visibility(self, user, "contract__project__")


class Reading(models.Model):
    """抄表: the meter on a day. `volume` is what it measured since the reading before (or
    the plant's start), across a meter change when one is recorded with it."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="readings")
    read_on = models.DateField(_("抄表日期"))
    value = models.DecimalField(_("读数（m³）"), max_digits=14, decimal_places=1)
    volume = models.DecimalField(_("用量（m³）"), max_digits=14, decimal_places=1, editable=False)
    meter_changed = models.BooleanField(_("本期更换了流量计"), default=False)
    old_meter_final = models.DecimalField(
        _("旧表最终读数"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    new_meter_start = models.DecimalField(
        _("新表起始读数"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    jump_confirmed = models.BooleanField(_("已确认用量异常偏高"), default=False)
    photo = models.FileField(_("表盘照片"), upload_to="readings/%Y/%m/", blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("抄表人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("抄表记录")
        verbose_name_plural = _("抄表记录")
        ordering = ["-read_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "read_on"], name="reading_once_a_day"),
        ]
        indexes = [models.Index(fields=["read_on", "id"], name="reading_newest")]

    def __str__(self) -> str:
        return f"{self.contract} {self.read_on}: {self.value}"


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    INVOICED = "invoiced", _("已开票")
    PARTLY = "partly", _("部分回款")
    PAID = "paid", _("已回款")


OPEN_RECEIVABLE = (StatementStatus.INVOICED, StatementStatus.PARTLY)


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StatementQuerySet:
        return hospital_visibility(self, user, "contract__project__")


class Statement(Versioned):
    """对账单: a month's volume from the readings, the minimum-volume top-up, the price in
    force and the amount; confirmed by the hospital, invoiced, paid (in parts)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="statements")
    month = models.DateField(_("月份"))  # its first day
    volume_nm3 = models.DecimalField(_("实际用量（m³）"), max_digits=14, decimal_places=1)
    minimum_nm3 = models.DecimalField(
        _("保底用量（m³）"), max_digits=14, decimal_places=1, default=0
    )
    top_up_nm3 = models.DecimalField(_("保底补足（m³）"), max_digits=14, decimal_places=1)
    price = models.DecimalField(_("单价（元/m³）"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    energy_cost = models.DecimalField(
        _("电费（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    om_cost = models.DecimalField(
        _("运维费用（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=StatementStatus, default=StatementStatus.PENDING
    )
    confirmed_on = models.DateField(_("医院确认日期"), null=True, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=40, blank=True)
    invoiced_on = models.DateField(_("开票日期"), null=True, blank=True)
    due_on = models.DateField(_("应付款日"), null=True, blank=True)
    paid = models.DecimalField(_("已回款（元）"), max_digits=14, decimal_places=2, default=0)
    paid_on = models.DateField(_("最近回款日"), null=True, blank=True)

    KEPT_ELSEWHERE = ("paid", "paid_on")
    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("对账单")
        verbose_name_plural = _("对账单")
        ordering = ["-month", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="statement_once_a_month"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["status", "month"]),
            # the newest-first list, and the portfolio's sums of months (index-only on PG)
            models.Index(
                fields=["month", "id"], include=["contract", "volume_nm3"], name="statement_month"
            ),
            # the few months with costs recorded (the settings' evidence of O&M)
            models.Index(
                fields=["month"], condition=models.Q(om_cost__isnull=False), name="statement_costs"
            ),
        ]
        permissions = [("invoice_statement", _("开票与回款"))]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("placements:statement", args=[self.pk])

    @property
    def billed_nm3(self) -> Decimal:
        return self.volume_nm3 + self.top_up_nm3

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PaymentQuerySet:
        return hospital_visibility(self, user, "statement__contract__project__")


class Payment(models.Model):
    """回款: money received against a statement (a statement may be paid in parts)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("回款日期"))
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    reference = models.CharField(_("银行流水号"), max_length=60, blank=True)
    by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("回款")
        verbose_name_plural = _("回款")
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["paid_on", "id"], name="payment_newest")]

    def __str__(self) -> str:
        return f"{self.statement} ¥{self.amount}"
