"""The compliance policy a company starts from (the admin changes it on 合规政策): modest meals
and gifts with limits per person, sponsorship always approved by the director, cash, cards and
securities never. Created after every migrate where the table is still empty (a fresh
install, or a test database after a flush); what an admin has changed is never touched."""

from decimal import Decimal

KINDS = [
    # code, name, per person per occasion, per person per year, forbidden, note
    ("dinner", "宴请", "300", "2000", False, "工作餐、商务宴请；按人均计"),
    ("gift", "礼品", "200", "500", False, "带公司标识的宣传品、节日慰问品"),
    ("meeting", "会议", "500", "3000", False, "技术交流会的场地、餐饮"),
    ("travel", "差旅", "3000", "6000", False, "参观公司、样板点的交通住宿"),
    ("conference", "学术会议", "5000", "10000", False, "注册费、讲课费须有合同"),
    ("sponsorship", "赞助", "0", None, False, "任何赞助都须总监批准，付给医院而非个人"),
    ("cash", "现金", None, None, True, "一律禁止"),
    ("gift_card", "购物卡/礼品卡", None, None, True, "一律禁止，含电子卡、充值卡"),
    ("securities", "有价证券", None, None, True, "一律禁止"),
]


def ensure_defaults(**kwargs) -> None:
    from .models import LedgerKind

    if LedgerKind.objects.exists():
        return
    LedgerKind.objects.bulk_create(
        LedgerKind(
            code=code,
            name=name,
            per_person_limit=Decimal(per) if per is not None else None,
            yearly_limit=Decimal(yearly) if yearly is not None else None,
            forbidden=forbidden,
            note=note,
            order=order,
        )
        for order, (code, name, per, yearly, forbidden, note) in enumerate(KINDS)
    )
