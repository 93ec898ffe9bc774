"""Demo projects for the demo hospitals: every stage, both classes, overdue and fresh, won and
lost, evaluated and not, with competitors, follow-ups and stage history spread over months.

Idempotent like hospitals.demo: a project is created only when its hospital has none of that
name, and dates are set relative to today so the demo always looks current."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from hospitals.models import Hospital
from o2crm import summaries

from . import services, stage_history
from .models import (
    Competitor,
    EvaluationQuestion,
    FollowUp,
    Project,
    ProjectCompetitor,
    Stage,
    StageChange,
)

COMPETITORS = [
    ("杭氧股份", "liquid"),
    ("林德气体", "liquid"),
    ("法液空", "liquid"),
    ("盈德气体", "liquid"),
    ("鱼跃医疗", "psa"),
    ("本地钢瓶气站", "cylinder"),
]

# hospital, stage code, status, class ("A"/"B"), days since business / relationship contact,
# source, entry path
PROJECTS = [
    ("杭州市第一人民医院", "negotiation", "open", "A", 3, 9, "relationship", "top"),
    ("宁波市第一医院", "proposal", "open", "A", 12, 20, "relationship", "mid"),
    ("杭州市钱塘区人民医院", "visit", "open", "A", 2, 5, "promotion", "top"),
    ("嘉善县第一人民医院", "visit", "open", "A", 9, 3, "cold_visit", "mid"),
    ("嵊州市人民医院", "qualify", "open", "B", 15, 40, "promotion", "mid"),
    ("缙云县人民医院", "qualify", "open", "A", 5, 6, "cold_visit", "top"),
    ("苍南县人民医院", "proposal", "open", "A", 4, 2, "relationship", "top"),
    ("玉环市人民医院", "lead", "open", "B", 20, 35, "cold_visit", "mid"),
    ("浙江大学医学院附属邵逸夫医院", "visit", "open", "B", 25, 45, "promotion", "mid"),
    ("宁海县第一医院", "lead", "open", "B", 8, 10, "relationship", "mid"),
    ("浙江大学医学院附属第四医院", "negotiation", "open", "A", 1, 4, "relationship", "top"),
    ("桐庐县第一人民医院", "qualify", "open", "B", 33, 50, "cold_visit", "mid"),
    ("湖州市中心医院", "lead", "open", "B", 6, 6, "promotion", "mid"),
    ("绍兴市上虞人民医院", "proposal", "open", "B", 18, 27, "relationship", "mid"),
    ("温岭市第一人民医院", "visit", "open", "A", 6, 16, "cold_visit", "top"),
    ("长兴县人民医院", "contract", "won", "A", 10, 12, "relationship", "top"),
    ("东阳市人民医院", "contract", "won", "A", 20, 22, "relationship", "top"),
    # won years ago: placements/demo.py gives them contracts, readings and statements
    ("诸暨市人民医院", "contract", "won", "A", 40, 40, "promotion", "mid"),
    ("乐清市人民医院", "contract", "won", "A", 35, 35, "relationship", "top"),
    ("义乌市中心医院", "contract", "won", "A", 30, 30, "relationship", "top"),
    ("瑞安市人民医院", "contract", "won", "A", 45, 45, "promotion", "top"),
    ("海宁市人民医院", "proposal", "lost", "A", 30, 30, "promotion", "mid"),
    ("慈溪市人民医院", "visit", "lost", "B", 60, 60, "cold_visit", "mid"),
    ("衢州市人民医院", "qualify", "abandoned", "B", 90, 90, "cold_visit", "mid"),
]
CLOSE_REASONS = {
    "won": "院长办公会通过，签订十年投放协议，氧价 ¥3.2/m³。",
    "lost": "竞争对手液氧报价更低，且设备科长倾向液氧方案；我方未能接触到院长。",
    "abandoned": "医院资金紧张，近两年无供氧改造计划，转为长期观察。",
}
SUMMARIES = {
    "business": [
        "向设备科长介绍PSA现场制氧与液氧的成本对比，对方要求提供同级医院案例。",
        "与后勤主任核对现有液氧用量和单价，拿到近一年的缴费单据。",
        "陪同院长参观样板医院制氧站，院长关心供氧安全与备用方案。",
        "提交初步投资合作建议书，讨论氧价与投资期限。",
        "电话确认下周院务会议程，制氧项目列入讨论。",
        "与财务科沟通付款周期与抄表方式。",
    ],
    "relationship": [
        "中秋节前拜访，送公司内刊和小礼品。",
        "与信息提供者吃饭，了解院长对项目的真实看法。",
        "微信问候，约下次一起打羽毛球。",
        "科室年会期间短暂交流，关系融洽。",
    ],
}
NEXT_STEPS = [
    "提交同级医院案例",
    "约院长汇报",
    "安排参观样板点",
    "报送建议书修订版",
    "确认院务会结论",
]


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


@transaction.atomic
def load() -> int:
    for name, kind in COMPETITORS:
        Competitor.objects.get_or_create(name=name, defaults={"kind": kind})
    competitors = list(Competitor.objects.all())
    stages = {s.code: s for s in Stage.objects.all()}
    today = timezone.localdate()
    created = 0
    for spec in PROJECTS:
        hospital = Hospital.objects.filter(name=spec[0]).select_related("owner").first()
        if hospital is None or hospital.owner is None or stages.get(spec[1]) is None:
            continue
        name = f"{hospital.short_name or hospital.name}制氧站投放项目"
        if Project.objects.filter(hospital=hospital, name=name).exists():
            continue
        _create(hospital, name, spec, stages, competitors, today)
        created += 1
    return created


def _create(hospital, name, spec, stages, competitors, today) -> Project:
    _, stage_code, status, cls, business_days, relationship_days, source, entry = spec
    rng = random.Random(name)
    owner: User = hospital.owner
    people = list(hospital.contacts.filter(is_active=True))
    decision = [c for c in people if c.layer == "decision"]
    functional = [c for c in people if c.layer == "functional"]
    entry_contact = (decision if entry == "top" else functional or people)[0] if people else None
    informant = next((c for c in people if "informant" in c.roles), None)
    involved = [c for c in people if c.layer != "base"] if entry == "top" else functional[:3]
    if stage_code in ("proposal", "negotiation", "contract") and decision:
        involved = list({*involved, *decision})
    planned = today + timedelta(days=rng.randint(30, 150) if cls == "A" else rng.randint(250, 700))
    beds = hospital.beds or 800
    volume = int(beds * rng.uniform(180, 260))  # Nm³ a year, roughly 0.5-0.7 Nm³ a bed a day
    project = Project(
        hospital=hospital,
        name=name,
        owner=owner,
        source=source,
        source_event="exhibition"
        if source == "promotion" and rng.random() < 0.5
        else ("seminar" if source == "promotion" else ""),
        source_event_name="2026中国医院建设大会" if source == "promotion" else "",
        entry_path=entry,
        entry_contact=entry_contact,
        informant=informant,
        informant_closeness=rng.randint(2, 5) if informant else None,
        need=hospital.status
        if hospital.status in ("new", "relocating", "expanding")
        else "replace",
        current_source="none" if hospital.status == "new" else "liquid",
        planned_purchase_date=planned,
        # in negotiation and due soon: the manager commits to it (成单预测's commit line)
        committed=stage_code == "negotiation" and cls == "A",
        estimated_volume=volume,
        contract_value=Decimal(round(volume * 3.2 * 10, -4)),  # ten years at about ¥3.2/Nm³
        stage=stages["lead"],
    )
    services.create_project(project=project, by=owner, contacts=involved)

    # walk the stages in order, evaluating when the gate asks for it
    path = [
        s
        for s in sorted(stages.values(), key=lambda s: s.order)
        if s.order <= stages[stage_code].order
    ]
    started = today - timedelta(days=rng.randint(120, 240))
    # the last move a few days to six weeks ago: the weekly and monthly reports show movement
    last_move = today - timedelta(days=rng.randint(3, 42))
    step_days = max(1, (last_move - started).days // max(len(path) - 1, 1))
    moments = {}
    for i, stage in enumerate(path[1:], start=1):
        if stage.requires_pursue and not project.evaluations.exists():
            _evaluate(project, owner, "pursue", rng)
        services.move_stage(project=project, stage=stage, by=owner)
        moments[stage.pk] = started + timedelta(days=step_days * i)
    if stage_code == "qualify" and rng.random() < 0.7:
        _evaluate(project, owner, "watch" if status == "open" else "drop", rng)

    # history dates: created months ago, stages in between
    Project.objects.filter(pk=project.pk).update(created_at=_at(started))
    project.history.filter(history_type="+").update(history_date=_at(started))
    for change in project.stage_changes.all():
        when = moments.get(change.to_stage_id, started)
        StageChange.objects.filter(pk=change.pk).update(changed_at=_at(when))
    stage_history.restamp([project.pk])  # the moves redated: when each stage was entered
    summaries.changed(StageChange, {project.owner_id})
    project.evaluations.update(created_at=_at(started + timedelta(days=step_days)))

    _follow_ups(project, owner, people, started, business_days, relationship_days, rng, today, cls)
    for competitor in rng.sample(competitors, rng.randint(1, 2)):
        ProjectCompetitor.objects.get_or_create(
            project=project,
            competitor=competitor,
            defaults={
                "closeness": rng.randint(2, 5),
                "notes": "已给出报价" if competitor.kind == "liquid" else "",
            },
        )
    if status != "open":
        project.refresh_from_db()
        services.close_project(
            project=project, status=status, reason=CLOSE_REASONS[status], by=owner
        )
        # closed weeks or months ago; a won project closed around its planned purchase date
        closed_on = today - timedelta(days=rng.randint(12, 120))
        changes = {"closed_at": _at(closed_on)}
        if status == "won":
            changes["planned_purchase_date"] = closed_on + timedelta(days=rng.randint(-12, 12))
        Project.objects.filter(pk=project.pk).update(**changes)
        summaries.changed(Project, {project.owner_id})
    return project


def _evaluate(project, owner, decision, rng) -> None:
    answers = {}
    for q in EvaluationQuestion.objects.filter(is_active=True):
        pick = rng.choices(["yes", "partly", "no", "unknown"], [5, 3, 1, 1])[0]
        answers[q.pk] = (pick, "设备科长口头确认" if pick == "yes" else "")
    risks = {
        k: (rng.choice(["low", "low", "medium"]), "") for k in ("funding", "legal", "technical")
    }
    reason = {
        "pursue": "需求明确、有预算，院长已表态支持，值得投入。",
        "watch": "需求存在但预算未落实，保持月度联络。",
        "drop": "无预算、无计划，暂不投入。",
    }[decision]
    services.evaluate(
        project=project, answers=answers, risks=risks, decision=decision, reason=reason, by=owner
    )


def _follow_ups(project, owner, people, started, business_days, relationship_days, rng, today, cls):
    """A contact history ending exactly business_days / relationship_days ago: an A project
    contacted about weekly (now and then a slip), a B project every two to four weeks."""
    for kind, last_days in (("business", business_days), ("relationship", relationship_days)):
        day = started + timedelta(days=rng.randint(2, 10))
        last = today - timedelta(days=last_days)
        dates = []
        while day < last:
            dates.append(day)
            if cls == "A":
                gap = rng.randint(9, 12) if rng.random() < 0.1 else rng.randint(4, 7)
            else:
                gap = rng.randint(12, 30)
            day += timedelta(days=gap)
        dates.append(last)
        for when in dates:
            follow_up = FollowUp(
                project=project,
                date=when,
                kind=kind,
                channel=rng.choice(
                    ["visit", "phone", "wechat"]
                    if kind == "business"
                    else ["wechat", "dinner", "phone", "sms"]
                ),
                summary=rng.choice(SUMMARIES[kind]),
                next_step=rng.choice(NEXT_STEPS) if kind == "business" else "",
                next_step_date=when + timedelta(days=7) if kind == "business" else None,
            )
            services.log_follow_up(
                follow_up=follow_up, contacts=rng.sample(people, min(2, len(people))), by=owner
            )
            FollowUp.objects.filter(pk=follow_up.pk).update(created_at=_at(when))
