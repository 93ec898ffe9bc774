"""Demo oxygen-usage surveys: two per demo project's hospital, months apart, so the hospital
and project pages show how the picture changed. Idempotent: skipped where a survey exists."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from o2crm.records import save_record
from pipeline.models import Project

from . import services
from .models import ChecklistItem, OxygenSurvey, Visit, VisitObjective

SUPPLIERS = ["杭氧股份", "林德气体", "盈德气体", "本地液氧站"]


@transaction.atomic
def load() -> int:
    created = 0
    today = timezone.localdate()
    for project in Project.objects.select_related("hospital", "owner").order_by("pk"):
        hospital = project.hospital
        if OxygenSurvey.objects.filter(hospital=hospital).exists():
            continue
        rng = random.Random(hospital.name)
        beds = hospital.beds or 800
        tonnes = Decimal(beds * rng.uniform(0.55, 0.75) * 30 / 700).quantize(Decimal("0.1"))
        price = Decimal(rng.choice([1800, 2000, 2200, 2400, 2600]))
        cylinders = hospital.status == "new"
        for days_ago, growth in (
            (rng.randint(100, 160), Decimal("1")),
            (rng.randint(5, 40), Decimal("1.06")),
        ):
            survey = OxygenSurvey(
                hospital=hospital,
                project=project,
                date=today - timedelta(days=days_ago),
                beds=beds,
                icu_beds=hospital.icu_beds,
                operating_rooms=hospital.operating_rooms,
                emergency_beds=max(10, beds // 60),
                hyperbaric_chambers=hospital.hyperbaric_chambers,
                hyperbaric_seats=(hospital.hyperbaric_chambers or 0) * 12,
                current_source="cylinder" if cylinders else "liquid",
                supplier="本地钢瓶气站" if cylinders else rng.choice(SUPPLIERS),
                consumption_value=(
                    (tonnes * 700 / 6 * growth).quantize(Decimal("1"))
                    if cylinders
                    else (tonnes * growth).quantize(Decimal("0.1"))
                ),
                consumption_unit="cylinders" if cylinders else "t_lox",
                price_value=Decimal(rng.choice([38, 45, 50])) if cylinders else price,
                price_unit="per_cylinder" if cylinders else "per_t",
                annual_growth=Decimal(rng.choice(["5", "8", "10", "12"])),
                problems=rng.sample(
                    ["safety", "interruption", "cost", "pressure_purity", "logistics"], 2
                ),
                interest=rng.choice(["high", "medium", "medium", "unknown"]),
                motive="液氧价格连年上涨，新院区需要稳定的集中供氧。",
                budget="院内自筹或投放合作" if rng.random() < 0.6 else "",
                funding_source="医院自有资金" if rng.random() < 0.5 else "",
                decision_process="设备科提出需求 → 院长办公会审议 → 政府采购平台公开招标",
                created_by=project.owner,
            )
            save_record(record=survey, by=project.owner)
            created += 1
    return created


@transaction.atomic
def load_visits() -> int:
    """A recorded visit with its follow-up tasks and a planned one, for open demo projects."""
    if Visit.objects.exists():
        return 0
    today = timezone.localdate()
    objectives = list(VisitObjective.objects.filter(is_active=True))
    checklist = list(ChecklistItem.objects.values_list("pk", flat=True))
    created = 0
    for i, project in enumerate(
        Project.objects.filter(status="open")
        .select_related("hospital", "owner")
        .order_by("pk")[:10]
    ):
        rng = random.Random(f"visit{project.name}")  # not the pk: ids differ between databases
        people = list(project.contacts.all()[:3]) or list(project.hospital.contacts.all()[:2])
        past = today - timedelta(days=rng.randint(3, 20))
        visit = Visit(
            hospital=project.hospital,
            project=project,
            owner=project.owner,
            planned_at=timezone.make_aware(datetime.combine(past, time(9, 30))),
            place=project.hospital.address,
            questions="新院区供氧方案由谁拍板？现有液氧合同何时到期？",
        )
        services.plan_visit(
            visit=visit, contacts=people, objectives=rng.sample(objectives, 4), by=project.owner
        )
        visit.visited_on = past
        visit.opening = "感谢院长抽时间，介绍我们在省内的投放案例。"
        visit.background = "医院液氧年费用逐年上升，设备科对供氧安全有顾虑。"
        visit.appointment = "两周内带样板医院案例再来汇报。"
        visit.outcome = "对投放模式有兴趣，需要院长办公会讨论。"
        visit.learned = {o.code: "已了解，见拜访记录" for o in visit.objectives.all()[:2]}
        tasks = services.proposed_tasks(visit, past)
        services.record_visit(visit=visit, met=people, tasks=tasks, by=project.owner)
        for task in tasks[: rng.randint(1, 3)]:
            if task.due_date < today:
                services.complete_task(task=task, by=project.owner)
        created += 1
        if i % 2 == 0:
            upcoming = Visit(
                hospital=project.hospital,
                project=project,
                owner=project.owner,
                planned_at=timezone.make_aware(
                    datetime.combine(today + timedelta(days=rng.randint(1, 6)), time(14, 0))
                ),
                place=project.hospital.address,
                checklist=checklist[:5],
                greeting="向院长问好，回顾上次交流。",
                agenda="汇报样板医院运行数据，讨论投资期限与氧价。",
                minutes_needed=40,
            )
            unknown = [
                o for o, known in services.coverage(project, viewer=project.owner)[1] if not known
            ]
            services.plan_visit(
                visit=upcoming, contacts=people, objectives=unknown[:5], by=project.owner
            )
            created += 1
    return created
