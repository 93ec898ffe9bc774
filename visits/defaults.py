"""The 13 visit objectives (拜访目的) and 10 preparation items (拜访检测) of process step 1.3,
created after migrate where their tables are empty; admins change them later."""

OBJECTIVES = [
    ("motive", "了解医院上分子筛制氧项目的动因"),
    ("capacity", "了解医院的病床数、ICU病床、手术室、高压氧舱"),
    ("growth", "了解医院每年用氧量的增长情况"),
    ("current_source", "了解医院目前的氧源、用氧量和价格"),
    ("psa_view", "了解医院对PSA制氧项目和竞争对手的认识"),
    ("finance", "了解医院的经营业绩、项目投资预算或资金来源"),
    ("procurement", "了解医院的采购和决策流程"),
    ("decision_makers", "了解医院采购各环节的关键决策人"),
    ("agent_closeness", "了解信息提供者（代理人）与院长的亲密程度"),
    ("needs", "了解联系人的个人和组织需求"),
    ("company_strength", "展示公司的综合实力和成功案例"),
    ("manager_quality", "展示销售经理的个人素养"),
    ("next_step", "确定下一步的工作方向"),
]

CHECKLIST = [
    "确定拜访对象、时间和地点",
    "了解拜访对象的工作信息和个人信息",
    "准备分子筛制氧的现状和发展趋势",
    "了解医院在当地卫生系统的竞争能力",
    "了解医院用氧的主要问题（如安全性）",
    "设计拜访流程和话术：打招呼—陈述议程—问题设计",
    "公司宣传册（名片钉在封面）",
    "临床点或案例介绍",
    "公司小礼品",
    "拜访着装",
]


def ensure_defaults(**kwargs) -> None:
    from .models import ChecklistItem, VisitObjective

    if not VisitObjective.objects.exists():
        VisitObjective.objects.bulk_create(
            VisitObjective(code=code, text=text, order=(i + 1) * 10)
            for i, (code, text) in enumerate(OBJECTIVES)
        )
    if not ChecklistItem.objects.exists():
        ChecklistItem.objects.bulk_create(
            ChecklistItem(text=text, order=(i + 1) * 10) for i, text in enumerate(CHECKLIST)
        )
