"""Demo oxygen-usage surveys: two per demo project's hospital, months apart, so the hospital
and project pages show how the picture changed. Idempotent: skipped where a survey exists."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hospitals.services import save_record
from pipeline.models import Project

from .models import OxygenSurvey

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
