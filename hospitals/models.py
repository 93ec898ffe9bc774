from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import User
from o2crm.records import Versioned

from . import domain

PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区", "台湾省",
]  # fmt: skip


class Grade(models.TextChoices):
    G3A = "3A", _("三级甲等")
    G3B = "3B", _("三级乙等")
    G3C = "3C", _("三级丙等")
    G3 = "3", _("三级")
    G2A = "2A", _("二级甲等")
    G2B = "2B", _("二级乙等")
    G2C = "2C", _("二级丙等")
    G2 = "2", _("二级")
    G1A = "1A", _("一级甲等")
    G1B = "1B", _("一级乙等")
    G1C = "1C", _("一级丙等")
    G1 = "1", _("一级")
    NONE = "none", _("未定级")


# Highest first: the order of Grade above. Stored as grade_rank so sorting by grade uses an index.
GRADE_RANK = {code: len(Grade.values) - i for i, code in enumerate(Grade.values)}


class HospitalType(models.TextChoices):
    GENERAL = "general", _("综合医院")
    SPECIALTY = "specialty", _("专科医院")
    TCM = "tcm", _("中医医院")
    MATERNAL_CHILD = "maternal_child", _("妇幼保健院")
    OTHER = "other", _("其他")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公立")
    PRIVATE = "private", _("民营")


class HospitalStatus(models.TextChoices):
    OPERATING = "operating", _("运营")
    NEW = "new", _("新建")
    RELOCATING = "relocating", _("迁建")
    EXPANDING = "expanding", _("扩建")


def hospital_visibility(qs: models.QuerySet, user: User, path: str = "") -> models.QuerySet:
    """The one rule for who sees a hospital and everything hanging off it (`path` leads from
    the queryset's model to the hospital): the hospital's owner, the owner's team leader, and
    the roles that see everything (assistant, director, admin). See docs/decisions/0003."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all:
        return qs
    # A plain IN list of owner ids: PostgreSQL filters it on the owner index, where an OR
    # through the users table made it join (3x slower at 40k hospitals).
    return qs.filter(**{f"{path}owner_id__in": sorted(user.overseen_user_ids)})


def search_filter(qs: models.QuerySet, query: str) -> models.QuerySet:
    """Rows whose search text holds every term of `query` (docs/decisions/0005). A single
    Latin letter stands for a syllable: it matches the pinyin initials only ("w": 王, 吴,
    李伟), not every pinyin that holds it somewhere (an "a" is in nine names of ten: sorting
    those was the type-ahead search's slowest case at national scale, decision 0011)."""
    for term in domain.search_terms(query):
        if domain.one_letter(term):
            qs = qs.filter(initials__contains=term)
        else:
            qs = qs.filter(search_text__contains=term)
    return qs


class HospitalQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> HospitalQuerySet:
        return hospital_visibility(self, user)

    def search(self, query: str) -> HospitalQuerySet:
        return search_filter(self, query)


class Hospital(Versioned):
    name = models.CharField(_("医院名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    pinyin = models.CharField(_("拼音"), max_length=400, blank=True, editable=False)
    initials = models.CharField(_("拼音首字母"), max_length=100, blank=True, editable=False)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)
    province = models.CharField(_("省份"), max_length=20)
    city = models.CharField(_("城市"), max_length=30)
    county = models.CharField(_("区县"), max_length=30, blank=True)
    grade = models.CharField(_("等级"), max_length=4, choices=Grade, default=Grade.NONE)
    grade_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    hospital_type = models.CharField(
        _("类型"), max_length=20, choices=HospitalType, default=HospitalType.GENERAL
    )
    ownership = models.CharField(
        _("性质"), max_length=10, choices=Ownership, default=Ownership.PUBLIC
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=HospitalStatus, default=HospitalStatus.OPERATING
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # WGS 84, as a phone's GPS gives it: the check-in of a visit says how far from the gate it was
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    beds = models.PositiveIntegerField(_("床位数"), null=True, blank=True)
    icu_beds = models.PositiveIntegerField(_("ICU床位"), null=True, blank=True)
    operating_rooms = models.PositiveIntegerField(_("手术室"), null=True, blank=True)
    hyperbaric_chambers = models.PositiveIntegerField(_("高压氧舱"), null=True, blank=True)
    owner = models.ForeignKey(
        User,
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hospitals",
    )
    notes = models.TextField(_("备注"), blank=True)
    last_visited_on = models.DateField(_("最近拜访"), null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=["search_text", "grade_rank", "updated_at", "last_visited_on"]
    )
    objects = HospitalQuerySet.as_manager()

    class Meta:
        verbose_name = _("医院")
        verbose_name_plural = _("医院")
        ordering = ["pinyin"]
        permissions = [("assign_owner", _("可分配医院负责人"))]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "city", "name"], name="hospital_unique_name_in_city"
            ),
            models.CheckConstraint(
                condition=Q(icu_beds__isnull=True)
                | Q(beds__isnull=True)
                | Q(icu_beds__lte=models.F("beds")),
                name="hospital_icu_beds_within_beds",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "pinyin"]),
            models.Index(fields=["province", "city"]),
            models.Index(
                fields=["province", "city", "pinyin"],
                name="hospital_pool",
                condition=Q(owner__isnull=True),
            ),
            models.Index(fields=["pinyin"]),
            # every list of hospitals by grade reads "-grade_rank, pinyin": the index in that
            # order lets a search walk it to its first matches instead of sorting a grade
            models.Index(fields=["-grade_rank", "pinyin", "id"], name="hospital_by_grade"),
            models.Index(fields=["status", "pinyin"]),
            models.Index(fields=["beds"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hospitals:hospital-detail", args=[self.pk])

    def refresh_derived(self) -> None:
        """Recompute the stored search keys and sort rank from the fields they derive from."""
        self.pinyin, self.initials = domain.pinyin_keys(self.name)
        self.search_text = domain.search_text(self.name, self.short_name)
        self.grade_rank = GRADE_RANK.get(self.grade, 0)

    def clean(self) -> None:
        errors = {}
        if self.beds is not None and self.icu_beds is not None and self.icu_beds > self.beds:
            errors["icu_beds"] = ValidationError(
                _("ICU床位（%(icu)s）不能多于床位数（%(beds)s）。"),
                code="icu_beds_exceed_beds",
                params={"icu": self.icu_beds, "beds": self.beds},
            )
        if self.province and self.province not in PROVINCES:
            errors["province"] = ValidationError(
                _("“%(value)s”不是省级行政区名称，请从列表中选择。"),
                code="unknown_province",
                params={"value": self.province},
            )
        if not self.duplicate_checked and self.find_duplicate() is not None:
            errors["name"] = ValidationError(
                _("%(city)s已有同名医院“%(name)s”，不能重复创建。"),
                code="duplicate_in_city",
                params={"city": self.city, "name": self.name},
            )
        if errors:
            raise ValidationError(errors)

    # set when the same hospital was looked for already (an import matches each row by name and
    # city, decision 0026): no query a row
    duplicate_checked = False

    def find_duplicate(self) -> Hospital | None:
        if not (self.name and self.province and self.city):
            return None
        return (
            Hospital.objects.filter(province=self.province, city=self.city, name=self.name)
            .exclude(pk=self.pk)
            .first()
        )

    @property
    def region(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.county) if p)


class DepartmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DepartmentQuerySet:
        return hospital_visibility(self, user, "hospital__")


class Department(Versioned):
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("部门名称"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hospitals:hospital-detail", args=[self.hospital_id]) + f"#dept-{self.pk}"

    def clean(self) -> None:
        duplicate = Department.objects.filter(hospital_id=self.hospital_id, name=self.name)
        if self.hospital_id and duplicate.exclude(pk=self.pk).exists():
            raise ValidationError(
                {"name": _("这家医院已有名为“%(name)s”的部门。") % {"name": self.name}},
                code="duplicate_department",
            )
        if self.parent_id is None:
            return
        if self.parent.hospital_id != self.hospital_id:
            raise ValidationError(
                {"parent": _("上级部门必须属于同一家医院。")}, code="parent_other_hospital"
            )
        node, seen = self.parent, set()
        while node is not None and node.pk not in seen:
            if self.pk and node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("上级部门不能是本部门或其下级部门。")}, code="parent_cycle"
                )
            seen.add(node.pk)
            node = node.parent


class Layer(models.TextChoices):
    DECISION = "decision", _("决策层")
    FUNCTIONAL = "functional", _("职能部门")
    BASE = "base", _("基层")


class PurchaseRole(models.TextChoices):
    APPLY = "apply", _("申请/推荐")
    APPROVE = "approve", _("审批")
    VERIFY = "verify", _("验证")
    PROCURE = "procure", _("采购执行")
    INFORMANT = "informant", _("信息提供者/代理人")


class Attitude(models.TextChoices):
    SUPPORT = "support", _("支持")
    NEUTRAL = "neutral", _("中立")
    OPPOSE = "oppose", _("反对")
    UNKNOWN = "unknown", _("未知")


# Shown only to the hospital's owner and those above them (see Contact.personal_visible_to).
PERSONAL_FIELDS = ("birthday", "personal_phone", "family", "hobbies", "personal_needs")


def _begins_with(term: str) -> Q:
    """A contact whose name, pinyin or initials begin with `term`. For one Latin letter that
    is the contacts whose pinyin begins with it (the initials are the pinyin's first
    letters; a Latin name is its own pinyin, in lower case), written as a range so that it
    is one of the pinyin index (the databases' collation is C.UTF-8, where PostgreSQL reads
    no range out of a LIKE)."""
    if domain.one_letter(term):
        return Q(pinyin__gte=term, pinyin__lt=chr(ord(term) + 1))
    return Q(name__startswith=term) | Q(pinyin__startswith=term) | Q(initials__startswith=term)


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ContactQuerySet:
        return hospital_visibility(self, user, "hospital__")

    def search(self, query: str) -> ContactQuerySet:
        return search_filter(self, query)

    def in_search_order(self, query: str) -> ContactQuerySet:
        """By name; with a query, those whose name, pinyin or initials begin with its first
        term come first ("zhang": 张伟 before 李章). Ordered by pinyin alone, PostgreSQL
        walked the pinyin index past most of the country's contacts to reach the z's
        (decision 0011); this order has no index, so the trigram index's matches are read
        and sorted (`first_in_search_order` reads a one-letter search's first from the
        pinyin index)."""
        terms = domain.search_terms(query)
        if not terms:
            return self.order_by("pinyin", "pk")
        starts = Case(
            When(_begins_with(terms[0]), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return self.alias(starts=starts).order_by("starts", "pinyin", "pk")

    def first_in_search_order(self, query: str, n: int) -> list[int]:
        """The ids of the first `n` contacts of `in_search_order(query)`. A one-letter search
        (three contacts in ten hold the letter in their initials) begins with the contacts
        whose pinyin begins with it: a range of the pinyin index, read in its order, so the
        first page costs a few index rows instead of sorting every match (decision 0005);
        the others only when those fall short."""
        terms = domain.search_terms(query)
        if not terms or not domain.one_letter(terms[0]):
            return list(self.in_search_order(query).values_list("pk", flat=True)[:n])
        begins, in_order = _begins_with(terms[0]), ("pinyin", "pk")
        ids = list(self.filter(begins).order_by(*in_order).values_list("pk", flat=True)[:n])
        if len(ids) < n:
            rest = self.exclude(begins).order_by(*in_order).values_list("pk", flat=True)
            ids += list(rest[: n - len(ids)])
        return ids

    def with_owner(self) -> ContactQuerySet:
        """Load what personal_visible_to() needs, in the same query."""
        return self.select_related("hospital__owner", "department")


class Contact(Versioned):
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="contacts"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    name = models.CharField(_("姓名"), max_length=50)
    pinyin = models.CharField(_("拼音"), max_length=200, blank=True, editable=False)
    initials = models.CharField(_("拼音首字母"), max_length=50, blank=True, editable=False)
    search_text = models.CharField(max_length=400, blank=True, editable=False)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    layer = models.CharField(_("层级"), max_length=12, choices=Layer, default=Layer.FUNCTIONAL)
    roles = models.JSONField(_("采购角色"), default=list, blank=True)
    influence = models.PositiveSmallIntegerField(
        _("影响力"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude = models.CharField(
        _("态度"), max_length=10, choices=Attitude, default=Attitude.UNKNOWN
    )
    closeness = models.PositiveSmallIntegerField(
        _("亲密程度"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mobile = models.CharField(_("手机"), max_length=30, blank=True)
    office_phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    wechat = models.CharField(_("微信"), max_length=50, blank=True)
    work_info = models.TextField(
        _("工作信息"), blank=True, help_text=_("分管工作、经历、在采购中的作用")
    )
    org_needs = models.TextField(_("组织需求"), blank=True)
    # Personal: restricted (PERSONAL_FIELDS).
    birthday = models.DateField(_("生日"), null=True, blank=True)
    personal_phone = models.CharField(_("私人电话"), max_length=30, blank=True)
    family = models.TextField(_("家庭情况"), blank=True)
    hobbies = models.TextField(_("兴趣爱好"), blank=True)
    personal_needs = models.TextField(_("个人需求"), blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])
    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["pinyin"]
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=1, influence__lte=5), name="contact_influence_1_5"
            ),
            models.CheckConstraint(
                condition=Q(closeness__gte=1, closeness__lte=5), name="contact_closeness_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["hospital", "layer"]),
            models.Index(fields=["pinyin"]),
            models.Index(fields=["layer", "pinyin"]),
            models.Index(fields=["attitude", "pinyin"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hospitals:contact-detail", args=[self.pk])

    def refresh_derived(self) -> None:
        self.pinyin, self.initials = domain.pinyin_keys(self.name)
        self.search_text = domain.search_text(self.name, person=True)

    def clean(self) -> None:
        errors = {}
        if self.department_id and self.department.hospital_id != self.hospital_id:
            errors["department"] = ValidationError(
                _("部门必须属于该联系人所在的医院。"), code="department_other_hospital"
            )
        unknown = [r for r in self.roles or [] if r not in PurchaseRole.values]
        if not isinstance(self.roles, list) or unknown:
            errors["roles"] = ValidationError(
                _("未知的采购角色：%(roles)s。"),
                code="unknown_role",
                params={"roles": ", ".join(map(str, unknown or [self.roles]))},
            )
        if errors:
            raise ValidationError(errors)

    def personal_visible_to(self, user: User) -> bool:
        """Personal details: the hospital's owner and those above them. Needs with_owner()."""
        owner = self.hospital.owner
        return user.oversees(owner.pk if owner else None, owner.team_id if owner else None)

    def role_labels(self) -> list[str]:
        labels = dict(PurchaseRole.choices)
        return [str(labels[r]) for r in self.roles if r in labels]


class PoolClaim(models.Model):
    """A hospital taken from the 公海 (no owner): claimed by a manager of its region, or given
    by the assistant or the director (hospitals/pool.py)."""

    hospital = models.ForeignKey(
        Hospital, verbose_name=_("医院"), on_delete=models.CASCADE, related_name="claims"
    )
    user = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.CASCADE, related_name="pool_claims"
    )
    by = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公海认领")
        verbose_name_plural = _("公海认领")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="pool_claim_user")]

    def __str__(self) -> str:
        return f"{self.hospital} → {self.user}"


class StandingCause(models.TextChoices):
    """What moved a person's closeness or attitude (the row named by `cause` when it has one)."""

    CREATED = "created", _("建档")
    EDIT = "edit", _("资料修改")
    FOLLOW_UP = "follow_up", _("联络")
    VISIT = "visit", _("拜访")
    ACTION = "action", _("关系行动")
    IMPORT = "import", _("导入")


class ClosenessChangeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ClosenessChangeQuerySet:
        return hospital_visibility(self, user, "contact__hospital__")


class ClosenessChange(models.Model):
    """A person's standing with us (closeness, attitude, influence) as it became on a day, and
    the event that moved it: the follow-up, visit or relationship action (`cause`, a row of a
    higher app, named through contenttypes so this app imports none of them). Written only by
    hospitals/standing.py."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("联系人"), on_delete=models.CASCADE, related_name="standing"
    )
    on = models.DateField(_("日期"))
    closeness = models.PositiveSmallIntegerField(_("亲密程度"))
    attitude = models.CharField(_("态度"), max_length=10, choices=Attitude)
    influence = models.PositiveSmallIntegerField(_("影响力"))
    closeness_before = models.PositiveSmallIntegerField(_("原亲密程度"), null=True, blank=True)
    attitude_before = models.CharField(_("原态度"), max_length=10, choices=Attitude, blank=True)
    cause_kind = models.CharField(_("原因"), max_length=12, choices=StandingCause)
    cause_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = ClosenessChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("关系变化")
        verbose_name_plural = _("关系变化")
        ordering = ["contact", "on", "pk"]
        indexes = [
            models.Index(fields=["contact", "on", "id"], name="standing_contact_on"),
            models.Index(fields=["cause_type", "cause_id"], name="standing_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.on} {self.closeness} {self.attitude}"

    @property
    def moved_closer(self) -> bool:
        return self.closeness_before is not None and self.closeness > self.closeness_before
