"""Demo relationship plans and a compliance ledger, dated from the day they are loaded.

宁波市第一医院 (刘晓燕, 中层切入, 方案建议): the president and the vice president planned, their
paths replayed from half a year ago through a technical exchange, a reference-site visit and a
dinner, and a 高层对高层 visit of the sales director coming up this week (his task). 嘉善县第一
人民医院: a plan with gaps. 杭州市第一人民医院 (高层切入): targets reached. The ledger: expenses
within policy, a dinner over the limit waiting for the director, a sponsorship he approved and
a dinner he rejected. Idempotent: a project with a plan, a hospital with a ledger is left alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from hospitals import standing
from hospitals.models import Contact, Hospital
from pipeline.models import Project

from . import services
from .models import LedgerEntry, LedgerKind, PlanTarget, RelationshipAction, RelationshipPlan

# one step of a person's path: days ago, action kind (None: a plain change), closeness, attitude,
# outcome
Step = tuple[int, str | None, int, str, str]

PLANS = {
    "宁波市第一医院": {
        "strategy": "中层切入已两个月：设备科支持，院长未表态。先用技术交流和样板点打消院长对"
        "供氧安全的顾虑，再由周总监高层拜访，谈新院区的整体供氧方案。",
        "people": [
            # target closeness, attitude, weeks to target, side, strategy, steps, planned
            (
                4,
                "support",
                10,
                "hq",
                "院长关心新院区供氧安全与投资：高层对高层谈整体方案",
                [
                    (170, None, 1, "unknown", ""),
                    (
                        95,
                        "tech_exchange",
                        2,
                        "neutral",
                        "院长听了PSA与液氧的对比，要求看实际运行数据",
                    ),
                    (
                        40,
                        "reference_visit",
                        3,
                        "neutral",
                        "参观湖州样板点，院长询问停电时的备用方案",
                    ),
                ],
                [
                    (4, "executive_visit", "周总监拜访院长：新院区整体供氧方案"),
                    (45, "company_visit", "邀请院长参观公司总部和生产线"),
                ],
            ),
            (
                4,
                "support",
                8,
                "manager",
                "分管副院长是内部推动者：保持每月情感联络",
                [
                    (150, None, 2, "neutral", ""),
                    (20, "dinner", 3, "support", "副院长表示会在院务会上推荐投放模式"),
                ],
                [(12, "greeting", "问候副院长，约院务会后的时间")],
            ),
        ],
    },
    "嘉善县第一人民医院": {
        "strategy": "设备科长是切入点，院长尚未接触。",
        "people": [
            (3, "neutral", 12, "manager", "通过设备科长引荐，先做技术交流", [], []),
        ],
    },
    "杭州市第一人民医院": {
        "strategy": "高层切入：院长已支持，保持节奏，防止竞争对手插入。",
        "people": [
            (
                4,
                "support",
                4,
                "manager",
                "院长支持：节日问候，邀请参加学术会议",
                [
                    (200, None, 2, "neutral", ""),
                    (120, "company_visit", 3, "support", "参观公司后院长认可方案"),
                    (30, "conference", 4, "support", "院长在学术会议上介绍了迁建项目"),
                ],
                [(25, "greeting", "问候院长，邀请参加呼吸治疗学术年会")],
            ),
        ],
    },
}

# hospital, days ago, kind, amount, how many of their people, purpose, reason, decision
LEDGER = [
    ("宁波市第一医院", 95, "meeting", "1200", 3, "技术交流会茶歇与工作餐", "", None),
    ("宁波市第一医院", 40, "travel", "5400", 2, "院长、设备科长参观湖州样板点的交通住宿", "", None),
    ("宁波市第一医院", 20, "dinner", "560", 2, "副院长、设备科长工作晚餐", "", None),
    (
        "宁波市第一医院",
        2,
        "dinner",
        "3200",
        2,
        "院长带队考察新院区供氧方案后的晚餐",
        "院长带队，同席有外院呼吸科专家三人，按同席人数人均未超标",
        None,
    ),
    (
        "杭州市第一人民医院",
        60,
        "sponsorship",
        "20000",
        1,
        "赞助医院呼吸治疗学术年会（付至医院账户）",
        "医院正式来函，赞助协议已法务审核",
        ("approve", "同意，按协议付至医院对公账户"),
    ),
    ("杭州市第一人民医院", 25, "gift", "180", 1, "节日慰问品（带公司标识）", "", None),
    (
        "温州医科大学附属第一医院",
        15,
        "dinner",
        "900",
        1,
        "与设备处长单独晚餐",
        "处长时间紧，只能单独约",
        ("reject", "单人晚餐人均超标三倍，请自行承担，不予报销"),
    ),
]


def load() -> int:
    today = timezone.localdate()
    director = User.objects.filter(username="director").first()
    made = 0
    for hospital_name, spec in PLANS.items():
        project = (
            Project.objects.filter(hospital__name=hospital_name, status="open")
            .select_related("hospital__owner", "owner")
            .first()
        )
        if project is None or RelationshipPlan.objects.filter(project=project).exists():
            continue
        _plan(project, spec, today, director)
        made += 1
    _ledger(today, director)
    return made


def _people(project: Project) -> list[Contact]:
    decision = list(
        Contact.objects.filter(
            hospital=project.hospital, layer="decision", is_active=True
        ).order_by("-influence", "pk")
    )
    return decision


def _plan(project: Project, spec: dict, today: date, director: User | None) -> None:
    owner = project.owner
    plan = services.plan_of(project, by=owner)
    plan.strategy = spec["strategy"]
    services.save_plan(plan=plan, by=owner, expected_version=None)
    people = _people(project)
    for person, (closeness, attitude, weeks, side, strategy, steps, planned) in zip(
        people, spec["people"], strict=False
    ):
        project.contacts.add(person)
        by = director if side == "hq" and director else owner
        target = PlanTarget(
            plan=plan, contact=person, target_closeness=closeness, target_attitude=attitude,
            target_date=today + timedelta(weeks=weeks), strategy=strategy, side=side, owner=by,
        )  # fmt: skip
        services.save_target(target=target, by=owner)
        _replay(project, target, steps, today, owner, director)
        for days, kind, title in planned:
            action = RelationshipAction(
                target=target, kind=kind, planned_on=today + timedelta(days=days), title=title,
                owner=director if kind == "executive_visit" and director else by,
            )  # fmt: skip
            colleagues = [owner] if kind == "executive_visit" else []
            services.save_action(action=action, by=owner, colleagues=colleagues)


def _replay(project, target, steps: list[Step], today: date, owner, director) -> None:
    """Rewind the person to where they stood at the first step, then replay each event."""
    if not steps:
        return
    person = target.contact
    first_days, _kind, closeness, attitude, _outcome = steps[0]
    Contact.objects.filter(pk=person.pk).update(closeness=closeness, attitude=attitude)
    person.refresh_from_db()
    standing.record(person, before=None, by=owner, on=today - timedelta(days=first_days))
    for days, kind, closeness, attitude, outcome in steps[1:]:
        day = today - timedelta(days=days)
        action = RelationshipAction(
            target=target, kind=kind, planned_on=day, title="", owner=target.owner
        )
        colleagues = [director] if kind in ("company_visit", "reference_visit") and director else []
        services.save_action(action=action, by=owner, colleagues=colleagues)
        action.refresh_from_db()
        services.record_action(
            action=action, done_on=day, outcome=outcome, by=owner, colleagues=colleagues,
            moves=[standing.Move(person, closeness, attitude)],
        )  # fmt: skip


def _ledger(today: date, director: User | None) -> None:
    kinds = {k.code: k for k in LedgerKind.objects.all()}
    for hospital_name, days, code, amount, n, purpose, reason, decision in LEDGER:
        hospital = Hospital.objects.filter(name=hospital_name).select_related("owner").first()
        if hospital is None or hospital.owner is None or code not in kinds:
            continue
        project = Project.objects.filter(hospital=hospital).order_by("pk").first()
        if LedgerEntry.objects.filter(hospital=hospital, purpose=purpose).exists():
            continue
        people = list(
            Contact.objects.filter(hospital=hospital, is_active=True)
            .exclude(layer="base")
            .order_by("layer", "-influence", "pk")[:n]
        )
        if not people:
            continue
        entry = LedgerEntry(
            hospital=hospital, project=project, date=today - timedelta(days=days),
            kind=kinds[code], amount=Decimal(amount), purpose=purpose, reason=reason,
            receipt_no=f"FP{(today - timedelta(days=days)):%Y%m%d}{len(purpose):04d}",
        )  # fmt: skip
        owner = hospital.owner
        services.record_entry(entry=entry, contacts=people, colleagues=[owner], by=owner)
        if decision and director and entry.status == "pending":
            verdict, note = decision
            services.decide(entry=entry, approve=verdict == "approve", note=note, by=director)
