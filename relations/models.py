"""Step 2 of the process (客户关系发展): a relationship plan per project — for each person of the
buying centre where they stand, the target by a date, the strategy, who on our side owns the
relationship, and planned actions that become tasks when due — and the compliance ledger
(合规台账) of every hospitality, gift, sponsorship, travel or meeting cost, checked against the
policy the admin sets (docs/decisions/0027)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hospitals.models import Attitude, Contact, Hospital, hospital_visibility
from o2crm.records import Versioned
from pipeline.models import Project
from visits.models import Task


class Side(models.TextChoices):
    """Who on our side owns a relationship."""

    MANAGER = "manager", _("销售经理")
    LEADER = "leader", _("团队负责人")
    HQ = "hq", _("总部（高层对高层）")


class ActionKind(models.TextChoices):
    TECH_EXCHANGE = "tech_exchange", _("技术交流")
    COMPANY_VISIT = "company_visit", _("参观公司")
    REFERENCE_VISIT = "reference_visit", _("参观样板点")
    CONFERENCE = "conference", _("学术会议")
    EXECUTIVE_VISIT = "executive_visit", _("高层拜访")
    DINNER = "dinner", _("宴请")
    GREETING = "greeting", _("节日问候")
    OTHER = "other", _("其他")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


def through_projects(
    qs: models.QuerySet, user: User, path: str, field: str, parents: Callable[[], models.QuerySet]
) -> models.QuerySet:
    """A plan and everything in it follow their project, as its follow-ups do (decision
    0003: the rule applied to the project's owner); `path` leads to the project. A manager's
    or a team's rows by the ids of their parents (`field` in `parents()`, the ones they see:
    projects, plans, targets), read first: PostgreSQL then matches a few hundred rows by id
    instead of hash-joining every project of the country, or walking the country's actions
    by date to keep one in five hundred (the leader's API plans and actions at 40,000
    hospitals)."""
    if not user.is_authenticated or not user.is_active or user.sees_all:
        return hospital_visibility(qs, user, path)
    return qs.filter(**{f"{field}__in": list(parents().values_list("pk", flat=True))})


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PlanQuerySet:
        return through_projects(
            self, user, "project__", "project_id", lambda: Project.objects.visible_to(user)
        )


class RelationshipPlan(Versioned):
    """A project's relationship plan (关系发展计划): one per project."""

    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="relationship_plan"
    )
    strategy = models.TextField(
        _("整体策略"), blank=True, help_text=_("用几句话说明：先发展谁、靠什么、谁出面")
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("制定人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("关系发展计划")
        verbose_name_plural = _("关系发展计划")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return str(self.project)

    def get_absolute_url(self) -> str:
        return reverse("relations:plan", args=[self.project_id])


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TargetQuerySet:
        return through_projects(
            self,
            user,
            "plan__project__",
            "plan_id",
            lambda: RelationshipPlan.objects.visible_to(user),
        )


class PlanTarget(Versioned):
    """One person of the buying centre in the plan: the standing wanted by a date, the
    strategy, and who on our side owns the relationship."""

    plan = models.ForeignKey(
        RelationshipPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="targets"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("对象"), on_delete=models.CASCADE, related_name="plan_targets"
    )
    target_closeness = models.PositiveSmallIntegerField(
        _("目标亲密程度"), default=4, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    target_attitude = models.CharField(
        _("目标态度"),
        max_length=10,
        choices=[
            (Attitude.SUPPORT, Attitude.SUPPORT.label),
            (Attitude.NEUTRAL, Attitude.NEUTRAL.label),
        ],
        default=Attitude.SUPPORT,
    )
    target_date = models.DateField(_("目标日期"))
    strategy = models.CharField(_("策略"), max_length=200, blank=True)
    side = models.CharField(_("我方负责层级"), max_length=10, choices=Side, default=Side.MANAGER)
    owner = models.ForeignKey(
        User, verbose_name=_("我方负责人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展对象")
        verbose_name_plural = _("发展对象")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "contact"], name="plan_target_once"),
            models.CheckConstraint(
                condition=Q(target_closeness__gte=1, target_closeness__lte=5),
                name="plan_target_closeness_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.target_closeness}"


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ActionQuerySet:
        return through_projects(
            self,
            user,
            "target__plan__project__",
            "target_id",
            lambda: PlanTarget.objects.visible_to(user),
        )


class RelationshipAction(Versioned):
    """A planned step with one person (技术交流, 参观样板点, 高层拜访 …): a task of its owner when
    it comes due; recorded with what happened and how the person's standing moved."""

    target = models.ForeignKey(
        PlanTarget, verbose_name=_("对象"), on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(_("行动"), max_length=20, choices=ActionKind)
    planned_on = models.DateField(_("计划日期"))
    title = models.CharField(_("内容"), max_length=200, blank=True)
    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    colleagues = models.ManyToManyField(
        User, verbose_name=_("本方参与人"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ActionStatus, default=ActionStatus.PLANNED
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    outcome = models.TextField(_("结果"), blank=True)
    task = models.ForeignKey(
        Task,
        verbose_name=_("待办"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("关系行动")
        verbose_name_plural = _("关系行动")
        ordering = ["planned_on", "pk"]
        indexes = [
            # the nightly job: planned actions coming due that have no task yet
            models.Index(fields=["status", "planned_on"], name="action_due"),
            models.Index(fields=["target", "status", "planned_on"], name="action_target"),
            models.Index(fields=["planned_on", "id"], name="action_list"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target.contact}"

    def get_absolute_url(self) -> str:
        return reverse("relations:plan", args=[self.target.plan.project_id]) + f"#action-{self.pk}"

    @property
    def label(self) -> str:
        return self.title or str(self.get_kind_display())


class LedgerKind(models.Model):
    """A kind of expense and its policy: limits per person and occasion and per person and
    year, or never allowed (cash, gift cards). Set by the admin on 合规政策."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    per_person_limit = models.DecimalField(
        _("每人每次限额（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    yearly_limit = models.DecimalField(
        _("每人每年限额（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    forbidden = models.BooleanField(_("禁止"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("费用类别")
        verbose_name_plural = _("费用类别")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    APPROVED = "approved", _("合规")
    PENDING = "pending", _("待总监审批")
    REJECTED = "rejected", _("已驳回")


class LedgerQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LedgerQuerySet:
        """The personal-field rule (Contact.personal_visible_to): the hospital's owner and
        those above them — the owner's team leader, the director, the admin — and the auditor.
        The assistant and the owner's teammates do not see them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.audits:
            return self
        return self.filter(hospital__owner_id__in=sorted(user.overseen_user_ids))


class LedgerEntry(Versioned):
    """One hospitality, gift, sponsorship, travel or meeting cost spent on a hospital's people
    (合规台账). Never printed in a document for the hospital."""

    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.PROTECT, related_name="ledger"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    action = models.ForeignKey(
        RelationshipAction, verbose_name=_("关系行动"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="ledger",
    )  # fmt: skip
    date = models.DateField(_("日期"))
    kind = models.ForeignKey(LedgerKind, verbose_name=_("类别"), on_delete=models.PROTECT)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )  # fmt: skip
    # the amount shared by the hospital's people (what the per-person limits compare)
    per_person = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("对方人员"), related_name="ledger_entries"
    )
    colleagues = models.ManyToManyField(
        User, verbose_name=_("本方人员"), blank=True, related_name="+"
    )
    purpose = models.CharField(_("事由"), max_length=300)
    receipt_no = models.CharField(_("票据号"), max_length=60, blank=True)
    over_limit = models.TextField(_("超出的限额"), blank=True, editable=False)
    reason = models.TextField(_("超限理由"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=EntryStatus, default=EntryStatus.APPROVED
    )
    decided_by = models.ForeignKey(
        User, verbose_name=_("审批人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="ledger_entries"
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("合规台账")
        verbose_name_plural = _("合规台账")
        ordering = ["-date", "-pk"]
        permissions = [("approve_ledgerentry", _("审批超出限额的台账"))]
        indexes = [
            models.Index(fields=["date", "id"], name="ledger_date"),
            models.Index(fields=["hospital", "date"], name="ledger_hospital"),
            models.Index(fields=["status", "date"], name="ledger_status"),
            models.Index(fields=["created_by", "date"], name="ledger_by"),
            models.Index(fields=["kind", "date"], name="ledger_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} ¥{self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("relations:ledger-detail", args=[self.pk])

    @property
    def counts(self) -> bool:
        """Approved (within policy, or over it with the director's approval)."""
        return self.status == EntryStatus.APPROVED
