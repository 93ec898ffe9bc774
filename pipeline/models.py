from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Least, TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import User
from hospitals.models import Contact, Hospital, hospital_visibility
from o2crm.records import Versioned

from . import domain


class Stage(models.Model):
    """A step of the pipeline; admins reorder, rename and reweight them without code."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    order = models.PositiveSmallIntegerField(_("顺序"), unique=True)
    probability = models.PositiveSmallIntegerField(
        _("赢单概率（%）"), validators=[MaxValueValidator(100)]
    )
    requires_pursue = models.BooleanField(
        _("需“推进”评估"),
        default=False,
        help_text=_("项目进入此阶段（或更后的阶段）之前，最新的意向评估结论必须是“推进”。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class PipelineSettings(models.Model):
    """The one row of pipeline rules an admin may change (class window and cadences)."""

    class_a_window_months = models.PositiveSmallIntegerField(
        _("A类窗口（月）"),
        default=6,
        help_text=_("计划采购日期在此月数以内的项目为A类（近期项目）。"),
    )
    cadence_a_days = models.PositiveSmallIntegerField(_("A类联络周期（天）"), default=7)
    cadence_b_days = models.PositiveSmallIntegerField(_("B类联络周期（天）"), default=30)
    mid_entry_alert_weeks = models.PositiveSmallIntegerField(
        _("中层切入提醒（周）"),
        default=4,
        help_text=_("中层切入的项目超过此周数仍无决策层联系人时，亮红旗。"),
    )
    planned_horizon_years = models.PositiveSmallIntegerField(
        _("计划采购日期上限（年）"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "计划采购日期不得晚于今天起此年数：一个笔误的年份（如 2099）会把项目归入远期。"
        ),
    )

    class Meta:
        verbose_name = _("管道设置")
        verbose_name_plural = _("管道设置")

    def __str__(self) -> str:
        return str(_("管道设置"))

    @classmethod
    def current(cls) -> PipelineSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()

    @property
    def cadence(self) -> domain.Cadence:
        return domain.Cadence(
            a_days=self.cadence_a_days,
            b_days=self.cadence_b_days,
            class_a_window_months=self.class_a_window_months,
        )


class CompetitorKind(models.TextChoices):
    LIQUID = "liquid", _("液氧供应商")
    PSA = "psa", _("制氧设备厂商")
    CYLINDER = "cylinder", _("钢瓶气供应商")
    OTHER = "other", _("其他")


class Competitor(models.Model):
    name = models.CharField(_("名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=CompetitorKind)
    notes = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("竞争对手")
        verbose_name_plural = _("竞争对手")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    RELATIONSHIP = "relationship", _("关系引导")
    PROMOTION = "promotion", _("推广反馈")
    COLD_VISIT = "cold_visit", _("陌生拜访")
    RENEWAL = "renewal", _("合同到期续约")  # opened by placements' term-end job
    EXPANSION = "expansion", _("产能扩容")  # opened when a plant runs near its cap
    OTHER = "other", _("其他")


class PromotionEvent(models.TextChoices):
    EXHIBITION = "exhibition", _("展会")
    SEMINAR = "seminar", _("技术交流")


class EntryPath(models.TextChoices):
    MID = "mid", _("中层切入")
    TOP = "top", _("高层切入")


class Need(models.TextChoices):
    NEW = "new", _("新建")
    RELOCATING = "relocating", _("迁建")
    EXPANDING = "expanding", _("扩建")
    REPLACE = "replace", _("替换现有氧源")


class OxygenSource(models.TextChoices):
    LIQUID = "liquid", _("液氧")
    CYLINDER = "cylinder", _("钢瓶")
    PSA = "psa", _("已有制氧机")
    MANIFOLD = "manifold", _("管道汇流排")
    NONE = "none", _("尚无")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    OPEN = "open", _("进行中")
    WON = "won", _("赢单")
    LOST = "lost", _("丢单")
    ABANDONED = "abandoned", _("放弃")


class ProjectClass(models.TextChoices):
    A = "A", _("A类（近期）")
    B = "B", _("B类（远期）")


def value_times_probability(probability: str = "stage__probability") -> models.Sum:
    """Σ contract value × win probability (in %), exact in SQL: divide by 100 for the
    weighted value. `probability` names the field or annotation that holds the percentage."""
    return models.Sum(
        F("contract_value") * F(probability),
        output_field=models.DecimalField(max_digits=20, decimal_places=2),
    )


def planned_month() -> Cast:
    """The first day of the planned purchase month, as a date: DATE_TRUNC alone gives
    PostgreSQL's timestamp with time zone, whose parsing was a large share of the national
    forecast (decision 0011)."""
    return Cast(TruncMonth("planned_purchase_date"), models.DateField())


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ProjectQuerySet:
        """Projects follow the hospital rule, by the project's own owner (docs/decisions/0003)."""
        return hospital_visibility(self, user)

    def open(self) -> ProjectQuerySet:
        return self.filter(status=Status.OPEN)

    def with_cadence(self, settings: PipelineSettings, today: date) -> ProjectQuerySet:
        """Annotate class and the two contact due dates, so filtering and sorting by lateness
        happen in SQL (the same rule as domain.project_class and domain.due_on)."""
        is_a = class_a(settings, today)
        started = TruncDate("created_at")
        a_days, b_days = (
            timedelta(days=settings.cadence_a_days),
            timedelta(days=settings.cadence_b_days),
        )

        def due(field: str):
            # date + interval is a timestamp on PostgreSQL and a text datetime on SQLite;
            # the cast brings both back to a date that compares right with a date.
            clock = Coalesce(F(field), started)
            return Case(
                When(is_a, then=Cast(clock + Value(a_days), models.DateField())),
                default=Cast(clock + Value(b_days), models.DateField()),
                output_field=models.DateField(),
            )

        return self.annotate(
            cls=Case(When(is_a, then=Value("A")), default=Value("B")),
            business_due_on=due("last_business_contact_on"),
            relationship_due_on=due("last_relationship_contact_on"),
        )

    def of_class(self, project_class: str, settings: PipelineSettings, today: date):
        is_a = class_a(settings, today)
        return self.filter(is_a) if project_class == "A" else self.exclude(is_a)


def earliest_contact() -> Least:
    """The earlier of a project's two contact clocks, each its last contact of the kind or
    else its creation day: its first due date is this plus its class's cadence."""
    started = TruncDate("created_at")
    return Least(
        Coalesce(F("last_business_contact_on"), started),
        Coalesce(F("last_relationship_contact_on"), started),
    )


def class_a(settings: PipelineSettings, today: date, path: str = "") -> Q:
    """Class A at `today` in SQL: overridden to A, or not overridden and due to buy within
    the window (the rule of domain.project_class); `path` leads to the project."""
    cutoff = domain.class_a_cutoff(today, settings.class_a_window_months)
    return Q(**{f"{path}class_override": ProjectClass.A}) | Q(
        **{f"{path}class_override": "", f"{path}planned_purchase_date__lte": cutoff}
    )


class Project(Versioned):
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("项目名称"), max_length=100)
    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="projects"
    )
    source = models.CharField(_("信息来源"), max_length=15, choices=Source)
    source_event = models.CharField(
        _("推广活动类型"), max_length=12, choices=PromotionEvent, blank=True
    )
    source_event_name = models.CharField(_("活动名称"), max_length=100, blank=True)
    entry_path = models.CharField(_("切入方式"), max_length=5, choices=EntryPath)
    entry_contact = models.ForeignKey(
        Contact,
        verbose_name=_("切入联系人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    informant = models.ForeignKey(
        Contact,
        verbose_name=_("信息提供者/代理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    informant_closeness = models.PositiveSmallIntegerField(
        _("代理人与院长亲密程度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    need = models.CharField(_("需求"), max_length=12, choices=Need)
    current_source = models.CharField(
        _("现用氧源"), max_length=10, choices=OxygenSource, default=OxygenSource.LIQUID
    )
    planned_purchase_date = models.DateField(_("计划采购日期"), null=True, blank=True)
    committed = models.BooleanField(
        _("承诺成单"),
        default=False,
        help_text=_("负责人确认将在计划采购月成交：计入承诺预测（commit）。"),
    )
    estimated_volume = models.PositiveIntegerField(_("预计用氧量（Nm³/年）"), null=True, blank=True)
    contract_value = models.DecimalField(
        _("预计合同金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    stage = models.ForeignKey(Stage, verbose_name=_("阶段"), on_delete=models.PROTECT)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.OPEN)
    close_reason = models.TextField(_("赢单/丢单/放弃原因"), blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    class_override = models.CharField(_("人工分类"), max_length=1, choices=ProjectClass, blank=True)
    class_override_reason = models.CharField(_("人工分类理由"), max_length=200, blank=True)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("决策链联系人"), blank=True, related_name="projects"
    )
    # The contact clocks (pipeline/contact_clocks.py), so cadence never scans the follow-ups.
    last_business_contact_on = models.DateField(_("最近业务联络"), null=True, blank=True)
    last_relationship_contact_on = models.DateField(_("最近情感联络"), null=True, blank=True)
    # The newest contact of each kind that came more than the A, or the B, cadence after the
    # one before (the gap each follow-up stores), kept by pipeline/contact_clocks.py: 联络达标
    # for a period running to today then reads the project rows alone (decision 0012).
    late_business_a_on = models.DateField(null=True, editable=False)
    late_business_b_on = models.DateField(null=True, editable=False)
    late_relationship_a_on = models.DateField(null=True, editable=False)
    late_relationship_b_on = models.DateField(null=True, editable=False)
    notes = models.TextField(_("备注"), blank=True)
    # handed to a new owner (离职交接, people/services.py) who has not contacted the customer
    # since: marked for a first contact until one is logged (pipeline/contact_clocks.py)
    handed_over_at = models.DateTimeField(_("交接时间"), null=True, blank=True, editable=False)
    # the first day a company executive (the director, HQ) took part in a contact — 高层切入 /
    # 高层对高层 in the history and the sources report; set by services.log_follow_up alone
    executive_joined_on = models.DateField(_("高层首次参与"), null=True, blank=True, editable=False)

    # the contact clocks: written by pipeline/contact_clocks.py alone
    CLOCKS = (
        "last_business_contact_on",
        "last_relationship_contact_on",
        "late_business_a_on",
        "late_business_b_on",
        "late_relationship_a_on",
        "late_relationship_b_on",
    )
    # never written back by save_record: the clocks, and the handover mark (people/services.py
    # sets it, the contact clocks clear it)
    KEPT_ELSEWHERE = ("handed_over_at", "executive_joined_on", *CLOCKS)
    history = HistoricalRecords(excluded_fields=["updated_at", *KEPT_ELSEWHERE])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["handed_over_at"],
                name="project_handed_over",
                condition=models.Q(handed_over_at__isnull=False),
            ),
            models.Index(fields=["owner", "status", "stage", "updated_at"]),
            models.Index(fields=["status", "stage", "updated_at"]),
            # the board's totals per stage, answered from the index alone
            models.Index(
                fields=["status", "stage"], include=["contract_value"], name="project_stage_totals"
            ),
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["status", "contract_value"]),
            models.Index(fields=["contract_value"]),
            models.Index(fields=["hospital", "status"]),
            # the open pipeline's aggregates answered from the index alone: forecasts, team
            # totals and the contact clocks' overdue count (class and clocks) of the 工作台
            models.Index(
                fields=["status", "planned_purchase_date"],
                include=[
                    "owner",
                    "stage",
                    "contract_value",
                    "committed",
                    "class_override",
                    "created_at",
                    "last_business_contact_on",
                    "last_relationship_contact_on",
                ],
                name="project_open_pipeline",
            ),
            models.Index(fields=["owner", "status", "planned_purchase_date"]),
            models.Index(fields=["status", "last_business_contact_on"]),
            models.Index(fields=["status", "last_relationship_contact_on"]),
            # 联络达标's most overdue: the open projects never contacted of a kind, oldest first
            models.Index(
                fields=["created_at"],
                condition=Q(status="open", last_business_contact_on__isnull=True),
                name="project_never_business",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(status="open", last_relationship_contact_on__isnull=True),
                name="project_never_relationship",
            ),
            models.Index(fields=["updated_at"]),
            # 来源与切入分析's lost reasons: the newest lost or abandoned first
            models.Index(
                fields=["-closed_at", "-id"],
                condition=Q(status__in=["lost", "abandoned"]),
                name="project_lost_newest",
            ),
            # 待跟进's rows in due order, project_open_earliest_contact on earliest_contact(),
            # is made on PostgreSQL alone by migration 0018: on SQLite its expression calls a
            # function Django registers, which no other reader of the file (a backup's check,
            # the sqlite3 shell) has
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pipeline:project-detail", args=[self.pk])

    def project_class(self, settings: PipelineSettings, today: date) -> str:
        return domain.project_class(
            planned=self.planned_purchase_date,
            today=today,
            window_months=settings.class_a_window_months,
            override=self.class_override,
        )

    def cadence_status(self, settings: PipelineSettings, today: date) -> domain.CadenceStatus:
        return domain.cadence_status(
            project_class=self.project_class(settings, today),
            cadence=settings.cadence,
            started=timezone.localdate(self.created_at),
            last_business=self.last_business_contact_on,
            last_relationship=self.last_relationship_contact_on,
            today=today,
        )

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def weighted_value(self):
        return domain.weighted(self.contract_value, self.stage.probability)


class StageChangeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StageChangeQuerySet:
        """A stage change follows its project (docs/decisions/0003)."""
        return hospital_visibility(self, user, "project__")


class StageChange(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # kept by pipeline.stage_history from the project's changes in order: when the project
    # entered the stage this change leaves (the change before), and whether it had been in the
    # stage this change enters before (a re-entry). The 销售管道图's conversion counts from them.
    entered_at = models.DateTimeField(null=True, blank=True, editable=False)
    again = models.BooleanField(default=False, editable=False)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "changed_at"]),
            models.Index(fields=["changed_at"]),
            # the few re-entries, which the conversion's distinct counts correct for
            models.Index(
                fields=["changed_at"], condition=models.Q(again=True), name="stage_change_again"
            ),
            models.Index(fields=["entered_at"], name="stage_change_entered"),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage} → {self.to_stage}"


class ProjectCompetitor(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey(Competitor, verbose_name=_("竞争对手"), on_delete=models.PROTECT)
    closeness = models.PositiveSmallIntegerField(
        _("与客户亲密程度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("项目竞争对手")
        verbose_name_plural = _("项目竞争对手")
        constraints = [
            models.UniqueConstraint(fields=["project", "competitor"], name="one_row_per_competitor")
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.competitor}"


class Channel(models.TextChoices):
    VISIT = "visit", _("拜访")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    EMAIL = "email", _("邮件")
    MAIL = "mail", _("邮寄")
    COMPANY_VISIT = "company_visit", _("参观公司")
    REFERENCE_VISIT = "reference_visit", _("参观样板点")
    DINNER = "dinner", _("宴请")
    OTHER = "other", _("其他")


class ContactKind(models.TextChoices):
    BUSINESS = "business", _("业务联络")
    RELATIONSHIP = "relationship", _("情感联络")


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> FollowUpQuerySet:
        return hospital_visibility(self, user, "project__")


class FollowUp(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField(_("日期"))
    channel = models.CharField(_("方式"), max_length=16, choices=Channel)
    kind = models.CharField(_("类型"), max_length=12, choices=ContactKind)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("联系的人"), blank=True, related_name="follow_ups"
    )
    # who from our company took part (the director at the president's, 高层对高层)
    colleagues = models.ManyToManyField(
        User, verbose_name=_("本方参与人"), blank=True, related_name="+"
    )
    summary = models.TextField(_("沟通内容"))
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_step_date = models.DateField(_("下一步日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    # days since the project's previous contact of this kind (since its creation for the
    # first): kept by pipeline/contact_clocks.py, read by 联络达标 (docs/decisions/0009)
    gap_days = models.PositiveIntegerField(_("距上次同类联络（天）"), null=True, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["project", "date"]),
            # the newest first (every list of follow-ups, the API's 1,000,000 at national
            # scale): on `date` alone PostgreSQL sorted the newest day whole by id (5,000 rows)
            models.Index(fields=["date", "id"], name="followup_newest"),
            # a project's latest contact of a kind (its clock; the gap of the next one logged)
            models.Index(
                fields=["project", "kind", "date"],
                include=["gap_days"],
                name="followup_project_kind",
            ),
            # 联络达标: the period's contacts of one kind, answered from the index alone
            models.Index(
                fields=["kind", "date"], include=["gap_days", "project"], name="followup_cadence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.date}"

    def clean(self) -> None:
        """A contact has happened (not later than today), and its next step comes after it:
        the rule of the follow-up form, the API and an imported history alike."""
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = ValidationError(_("跟进日期不能晚于今天。"), code="future_date")
        if self.date and self.next_step_date and self.next_step_date < self.date:
            errors["next_step_date"] = ValidationError(
                _("下一步日期不能早于本次跟进。"), code="next_step_before"
            )
        if errors:
            raise ValidationError(errors)


class QuestionGroup(models.TextChoices):
    OPPORTUNITY = "opportunity", _("是不是机会")
    COMPETITION = "competition", _("能否满足需求（是否存在竞争）")
    WIN = "win", _("是不是能赢")
    WORTH = "worth", _("是不是值得赢")


class EvaluationQuestion(models.Model):
    group = models.CharField(_("问题"), max_length=12, choices=QuestionGroup)
    text = models.CharField(_("子问题"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    order = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评估问题")
        verbose_name_plural = _("评估问题")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class Decision(models.TextChoices):
    PURSUE = "pursue", _("推进")
    WATCH = "watch", _("观察")
    DROP = "drop", _("放弃")


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EvaluationQuerySet:
        return hospital_visibility(self, user, "project__")


class Evaluation(models.Model):
    """One evaluation, kept as it was: answers, the questions and weights they were given
    against, and the scores computed then (later edits of the questions do not rewrite it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    answers = models.JSONField(_("回答"), default=list)
    risks = models.JSONField(_("风险"), default=dict)
    scores = models.JSONField(_("得分"), default=dict)
    overall = models.PositiveSmallIntegerField(_("总分"))
    decision = models.CharField(_("结论"), max_length=8, choices=Decision)
    reason = models.TextField(_("理由"))
    created_by = models.ForeignKey(
        User, verbose_name=_("评估人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("评估时间"), default=timezone.now)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("意向评估")
        verbose_name_plural = _("意向评估")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["project", "created_at"])]

    def __str__(self) -> str:
        return f"{self.project} {self.get_decision_display()}"


class ContactMonth(models.Model):
    """A project's contacts in one month that has ended, for 联络达标 of past months: per
    kind, the longest gap of the contacts on the month's first day and on the days after it
    (a period leaves out the contacts of its own first day), and the clock at the month's
    end (the newest contact on or before it). A month's rows are built the first time the
    month is asked for, then kept by pipeline/contact_clocks.py when a contact is logged
    into it or before it (docs/decisions/0015-contact-months.md)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    business_gap_first = models.PositiveIntegerField(null=True)
    business_gap_rest = models.PositiveIntegerField(null=True)
    business_clock = models.DateField(null=True)
    relationship_gap_first = models.PositiveIntegerField(null=True)
    relationship_gap_rest = models.PositiveIntegerField(null=True)
    relationship_clock = models.DateField(null=True)
    # the earlier of the two clocks (the creation day standing for a kind never contacted):
    # the most overdue at the month's end are the first rows of the index on it
    first_clock = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "project"], name="contact_month_unique")
        ]
        indexes = [models.Index(fields=["month", "first_clock"], name="contact_month_first")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class ForecastSnapshot(models.Model):
    """The forecast as it stood at the start of a week (成单预测周快照): taken before the
    week's first change to the pipeline, so a month's forecast can later be held against what
    was won (docs/decisions/0010-weekly-summaries-and-snapshots.md)."""

    week_start = models.DateField(_("周一"), unique=True)
    taken_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    reconstructed = models.BooleanField(
        _("由历史重建"),
        default=False,
        help_text=_("补建的快照：阶段取自阶段变更记录，金额和计划采购日期取当前值。"),
    )

    class Meta:
        verbose_name = _("预测快照")
        verbose_name_plural = _("预测快照")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%G-W%V}"


class ForecastSnapshotRowQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ForecastSnapshotRowQuerySet:
        return hospital_visibility(self, user)


class ForecastSnapshotRow(models.Model):
    """One manager's forecast for one month of planned purchase, in one snapshot."""

    snapshot = models.ForeignKey(ForecastSnapshot, on_delete=models.CASCADE, related_name="rows")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("计划采购月份"))
    count = models.PositiveIntegerField(_("项目数"))
    value = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    weighted = models.DecimalField(_("加权金额（元）"), max_digits=16, decimal_places=2)
    committed = models.DecimalField(_("承诺金额（元）"), max_digits=16, decimal_places=2)

    objects = ForecastSnapshotRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("预测快照行")
        verbose_name_plural = _("预测快照行")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "owner", "month"], name="forecast_row_unique"
            )
        ]
        indexes = [models.Index(fields=["snapshot", "month", "owner"])]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.owner_id} {self.month:%Y-%m}"
