from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import User
from hospitals.models import Hospital, hospital_visibility
from o2crm.dates import midnight
from o2crm.records import Versioned
from pipeline.models import OxygenSource, Project

from . import domain


class ConsumptionUnit(models.TextChoices):
    NM3 = "nm3", _("m³（气态）")
    KG_LOX = "kg_lox", _("kg 液氧")
    T_LOX = "t_lox", _("吨 液氧")
    L_LOX = "l_lox", _("升 液氧")
    CYLINDERS = "cylinders", _("瓶（40 L 钢瓶）")


class PriceUnit(models.TextChoices):
    PER_NM3 = "per_nm3", _("元/m³")
    PER_KG = "per_kg", _("元/kg 液氧")
    PER_T = "per_t", _("元/吨 液氧")
    PER_L = "per_l", _("元/升 液氧")
    PER_CYLINDER = "per_cylinder", _("元/瓶")


class Problem(models.TextChoices):
    SAFETY = "safety", _("安全隐患")
    INTERRUPTION = "interruption", _("供应中断")
    COST = "cost", _("成本高")
    PRESSURE_PURITY = "pressure_purity", _("压力/纯度不稳")
    LOGISTICS = "logistics", _("搬运与管理负担")


class Interest(models.TextChoices):
    HIGH = "high", _("很有兴趣")
    MEDIUM = "medium", _("有兴趣")
    LOW = "low", _("兴趣不大")
    UNKNOWN = "unknown", _("不清楚")


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SurveyQuerySet:
        return hospital_visibility(self, user, "hospital__")


POSITIVE = [MinValueValidator(0)]


class OxygenSurvey(Versioned):
    """《医院用氧情况调查表》: what one visit or call learned about a hospital's oxygen, kept by
    date so the picture over time can be compared; the newest feeds the proposal."""

    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="surveys"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    date = models.DateField(_("调查日期"), default=timezone.localdate)
    beds = models.PositiveIntegerField(_("床位数"), null=True, blank=True)
    icu_beds = models.PositiveIntegerField(_("ICU床位"), null=True, blank=True)
    operating_rooms = models.PositiveIntegerField(_("手术室"), null=True, blank=True)
    emergency_beds = models.PositiveIntegerField(_("急诊抢救床位"), null=True, blank=True)
    hyperbaric_chambers = models.PositiveIntegerField(_("高压氧舱（个）"), null=True, blank=True)
    hyperbaric_seats = models.PositiveIntegerField(_("高压氧舱座位"), null=True, blank=True)
    other_departments = models.CharField(_("其他用氧科室"), max_length=200, blank=True)
    current_source = models.CharField(
        _("现用氧源"), max_length=10, choices=OxygenSource, default=OxygenSource.LIQUID
    )
    supplier = models.CharField(_("供应商"), max_length=100, blank=True)
    consumption_value = models.DecimalField(
        _("月用氧量"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    consumption_unit = models.CharField(
        _("用量单位"), max_length=10, choices=ConsumptionUnit, default=ConsumptionUnit.NM3
    )
    price_value = models.DecimalField(
        _("单价"), max_digits=10, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    price_unit = models.CharField(
        _("单价单位"), max_length=12, choices=PriceUnit, default=PriceUnit.PER_NM3
    )
    annual_growth = models.DecimalField(
        _("用氧年增长（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    problems = models.JSONField(_("用氧问题"), default=list, blank=True)
    problem_notes = models.TextField(_("问题说明"), blank=True)
    interest = models.CharField(
        _("对PSA的兴趣"), max_length=8, choices=Interest, default=Interest.UNKNOWN
    )
    motive = models.TextField(_("上制氧项目的动因"), blank=True)
    budget = models.CharField(_("投资预算"), max_length=100, blank=True)
    funding_source = models.CharField(_("资金来源"), max_length=100, blank=True)
    decision_process = models.TextField(_("采购与决策流程"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("调查人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("用氧情况调查")
        verbose_name_plural = _("用氧情况调查")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["hospital", "date"]),
            models.Index(fields=["project", "date"]),
            models.Index(fields=["date"]),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:survey-detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.beds is not None and self.icu_beds is not None and self.icu_beds > self.beds:
            errors["icu_beds"] = ValidationError(
                _("ICU床位（%(icu)s）不能多于床位数（%(beds)s）。"),
                code="icu_beds_exceed_beds",
                params={"icu": self.icu_beds, "beds": self.beds},
            )
        if self.project_id and self.project.hospital_id != self.hospital_id:
            errors["project"] = ValidationError(
                _("项目必须属于同一家医院。"), code="project_other_hospital"
            )
        unknown = [p for p in self.problems or [] if p not in Problem.values]
        if unknown:
            errors["problems"] = ValidationError(
                _("未知的问题类型：%(p)s。"),
                code="unknown_problem",
                params={"p": ", ".join(unknown)},
            )
        if self.date and self.date > timezone.localdate():
            errors["date"] = ValidationError(_("调查日期不能晚于今天。"), code="future_date")
        if errors:
            raise ValidationError(errors)

    @property
    def consumption_nm3_per_month(self) -> Decimal | None:
        return domain.to_nm3(self.consumption_value, self.consumption_unit)

    @property
    def price_per_nm3(self) -> Decimal | None:
        return domain.price_per_nm3(self.price_value, self.price_unit)

    @property
    def yearly_cost(self) -> Decimal | None:
        return domain.yearly_cost(self.consumption_nm3_per_month, self.price_per_nm3)

    def problem_labels(self) -> list[str]:
        labels = dict(Problem.choices)
        return [str(labels[p]) for p in self.problems if p in labels]


class VisitObjective(models.Model):
    """One of the visit objectives of process step 1.3 (拜访目的); admins edit the list."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    text = models.CharField(_("拜访目的"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("拜访目的")
        verbose_name_plural = _("拜访目的")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class ChecklistItem(models.Model):
    """One item of the preparation checklist (拜访检测); admins edit the list."""

    text = models.CharField(_("准备事项"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("拜访准备事项")
        verbose_name_plural = _("拜访准备事项")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    RECORDED = "recorded", _("已拜访")
    CANCELLED = "cancelled", _("已取消")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitQuerySet:
        """A visit is seen by whoever sees its hospital (cold visits have no project)."""
        return hospital_visibility(self, user, "hospital__")

    def planned_on(self, owner: User, day: date) -> VisitQuerySet:
        """`owner`'s visits still planned for `day` (the site's day), earliest first."""
        start = midnight(day)
        return self.filter(
            owner=owner,
            status=VisitStatus.PLANNED,
            planned_at__gte=start,
            planned_at__lt=start + timedelta(days=1),
        ).order_by("planned_at")


class Visit(Versioned):
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="visits"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("拜访人"), on_delete=models.PROTECT, related_name="visits"
    )
    planned_at = models.DateTimeField(_("计划时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    contacts = models.ManyToManyField(
        "hospitals.Contact", verbose_name=_("拜访对象"), blank=True, related_name="visits"
    )
    objectives = models.ManyToManyField(
        VisitObjective, verbose_name=_("拜访目的"), blank=True, related_name="+"
    )
    greeting = models.TextField(_("开场白"), blank=True)
    agenda = models.TextField(_("议程及对医院的价值"), blank=True)
    minutes_needed = models.PositiveSmallIntegerField(_("所需时间（分钟）"), null=True, blank=True)
    questions = models.TextField(_("要问的问题"), blank=True)
    checklist = models.JSONField(_("已完成的准备"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus, default=VisitStatus.PLANNED
    )
    # The record, once the visit has happened.
    visited_on = models.DateField(_("拜访日期"), null=True, blank=True)
    met = models.ManyToManyField(
        "hospitals.Contact", verbose_name=_("见到的人"), blank=True, related_name="+"
    )
    # who from our company went along (the sales director at the president's: 高层对高层)
    colleagues = models.ManyToManyField(
        User, verbose_name=_("本方同行人员"), blank=True, related_name="+"
    )
    opening = models.TextField(_("开场白"), blank=True)
    agenda_statement = models.TextField(_("议程陈述"), blank=True)
    positioning = models.TextField(_("定位陈述"), blank=True)
    background = models.TextField(_("客户背景探询"), blank=True)
    appointment = models.TextField(_("约定"), blank=True)
    learned = models.JSONField(_("了解到的情况"), default=dict, blank=True)
    outcome = models.TextField(_("拜访结果"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_step_date = models.DateField(_("下一步日期"), null=True, blank=True)
    checkin_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_accuracy = models.PositiveIntegerField(null=True, blank=True)
    checkin_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("拜访")
        verbose_name_plural = _("拜访")
        ordering = ["-planned_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status", "planned_at"]),
            models.Index(fields=["hospital", "planned_at"]),
            models.Index(fields=["project", "planned_at"]),
            models.Index(fields=["status", "planned_at"]),
            # the list of recorded visits, newest first
            models.Index(fields=["owner", "status", "visited_on", "id"]),
            models.Index(fields=["status", "visited_on", "id"]),
            models.Index(fields=["planned_at", "id"]),  # the API's list, everyone's
        ]

    @property
    def checkin_distance_m(self) -> int | None:
        """How far from the hospital the check-in was, when both places are known."""
        here = (self.checkin_latitude, self.checkin_longitude)
        there = (self.hospital.latitude, self.hospital.longitude)
        if None in here or None in there:
            return None
        return domain.distance_m(*map(float, here), *map(float, there))

    def __str__(self) -> str:
        return f"{self.hospital} {timezone.localtime(self.planned_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("visits:visit-detail", args=[self.pk])

    @property
    def is_recorded(self) -> bool:
        return self.status == VisitStatus.RECORDED


class TaskLevel(models.TextChoices):
    BUSINESS = "business", _("业务层面")
    RELATIONSHIP = "relationship", _("情感层面")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TaskQuerySet:
        return hospital_visibility(self, user, "hospital__")

    def open_due_by(self, owner: User, day: date) -> TaskQuerySet:
        """`owner`'s open tasks due on `day` or overdue, the oldest first."""
        return self.filter(owner=owner, done=False, due_date__lte=day).order_by("due_date", "pk")


class Task(models.Model):
    """A follow-up to do after a visit (拜访后跟踪), or any dated to-do on a hospital."""

    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.CASCADE, related_name="tasks"
    )
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="tasks"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("拜访"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    title = models.CharField(_("事项"), max_length=200)
    level = models.CharField(_("层面"), max_length=12, choices=TaskLevel)
    channel = models.CharField(_("方式"), max_length=16, blank=True)
    due_date = models.DateField(_("截止日期"))
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办")
        verbose_name_plural = _("待办")
        ordering = ["done", "due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "done", "due_date"]),
            models.Index(fields=["project", "done"]),
            # the list's own order, for those who see every task (the API's national list)
            models.Index(fields=["done", "due_date", "id"], name="task_list_order"),
        ]

    def __str__(self) -> str:
        return self.title
