"""The demo's import: three days before the demo is loaded, the assistant brought in the
province's public list of new and relocating hospitals (a real sheet, through the real
import): they wait in the 公海 for the managers of their region to claim."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from django.utils import timezone
from openpyxl import Workbook

from accounts.models import User

from . import services
from .models import ImportBatch

FILE = "2026年浙江省新建迁建医院名单.xlsx"
HEADERS = ["医院名称", "省份", "城市", "区县", "等级", "类型", "状态", "床位数", "ICU床位",
           "地址", "备注"]  # fmt: skip
ROWS = [
    ("浙江省肿瘤医院杭州湾院区", "浙江省", "宁波市", "慈溪市", "三级甲等", "专科医院", "新建", 1000,
     60, "慈溪市杭州湾新区滨海二路", "2027 年启用，中心供氧在设计中"),
    ("浙江大学医学院附属儿童医院莫干山院区", "浙江省", "湖州市", "德清县", "三级甲等", "专科医院",
     "新建", 600, 40, "德清县武康街道", "一期开放 300 床"),
    ("温州医科大学附属第二医院龙湾院区", "浙江省", "温州市", "龙湾区", "三级甲等", "综合医院",
     "新建", 1200, 80, "龙湾区永强大道", "在建，2027 年底开业"),
    ("金华市中心医院金义院区", "浙江省", "金华市", "金东区", "三级甲等", "综合医院", "新建", 1500,
     90, "金义新区金港大道", "液氧站招标待定"),
    ("台州市第一人民医院新院区", "浙江省", "台州市", "黄岩区", "三级乙等", "综合医院", "迁建", 1100,
     55, "黄岩区北院大道", "老院区整体迁入"),
    ("绍兴市中医院袍江院区", "浙江省", "绍兴市", "越城区", "三级甲等", "中医医院", "扩建", 500,
     20, "越城区袍江洋江西路", ""),
]  # fmt: skip


def sheet() -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in ROWS:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load() -> int:
    """Import the list as the assistant, once; returns the hospitals it made."""
    assistant = User.objects.filter(username="assistant").first()
    if assistant is None or ImportBatch.objects.filter(user=assistant, file_name=FILE).exists():
        return 0
    batch = services.upload(user=assistant, kind="hospitals", file_name=FILE, content=sheet())
    services.preview(batch)
    result = services.confirm(batch)
    day = timezone.localdate() - timedelta(days=3)
    when = timezone.make_aware(datetime.combine(day, time(10, 20)))
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=when - timedelta(minutes=4), imported_at=when
    )
    return int(result["counts"]["new"])
