"""The default pipeline of PRODUCT.md, its settings row, and the four questions of process
step 1.2 with the seed's sub-questions. Created after every migrate where the tables are
still empty (a fresh install, or a test database after a flush); what an admin has changed
is never touched."""

STAGES = [
    # code, name, order, win probability, needs a "pursue" evaluation
    ("lead", "信息收集", 10, 10, False),
    ("qualify", "意向评估", 20, 20, False),
    ("visit", "拜访交流", 30, 35, True),
    ("proposal", "方案建议", 40, 50, False),
    ("negotiation", "商务谈判", 50, 70, False),
    ("contract", "签约", 60, 100, False),
]

QUESTIONS = [
    # group, sub-question, weight
    ("opportunity", "需求已不只停留在想法层面？", 1),
    ("opportunity", "用户已产生明确的需求？", 2),
    ("opportunity", "项目有计划或预算支持？", 2),
    ("competition", "我们的资源、产品和服务能满足用户的要求？", 2),
    ("competition", "不能完全满足时，有其他途径或替代方案？", 1),
    ("win", "我们在行业中的竞争地位有优势？", 1),
    ("win", "我们与用户足够亲密？", 2),
    ("win", "竞争对手与用户的亲密程度不如我们？", 2),
    ("win", "与竞争对手相比，我们的优势大于劣势？", 1),
]


def ensure_defaults(**kwargs) -> None:
    from .models import EvaluationQuestion, PipelineSettings, Stage

    if not Stage.objects.exists():
        Stage.objects.bulk_create(
            Stage(code=c, name=n, order=o, probability=p, requires_pursue=g)
            for c, n, o, p, g in STAGES
        )
    if not EvaluationQuestion.objects.exists():
        EvaluationQuestion.objects.bulk_create(
            EvaluationQuestion(group=g, text=t, weight=w, order=(i + 1) * 10)
            for i, (g, t, w) in enumerate(QUESTIONS)
        )
    if not PipelineSettings.objects.exists():
        PipelineSettings.objects.create()
