from django.utils import timezone
from django.utils.translation import gettext as _

from o2crm.workbooks import Column, workbook

EXPORT_LIMIT = 50_000


def surveys_workbook(qs) -> bytes:
    columns = [
        Column(_("医院"), 28),
        Column(_("调查日期"), 12, "yyyy-mm-dd"),
        Column(_("床位数"), 8, "#,##0"),
        Column(_("ICU床位"), 8, "#,##0"),
        Column(_("手术室"), 8, "#,##0"),
        Column(_("急诊抢救床位"), 10, "#,##0"),
        Column(_("高压氧舱（个）"), 10, "#,##0"),
        Column(_("现用氧源"), 10),
        Column(_("供应商"), 16),
        Column(_("月用氧量"), 10, "#,##0.00"),
        Column(_("用量单位"), 12),
        Column(_("折合 Nm³/月"), 12, "#,##0"),
        Column(_("单价"), 9, "#,##0.00"),
        Column(_("单价单位"), 12),
        Column(_("折合 元/Nm³"), 11, "0.00"),
        Column(_("年用氧费用（元）"), 14, "#,##0"),
        Column(_("用氧年增长（%）"), 10, "0.0"),
        Column(_("用氧问题"), 24),
        Column(_("对PSA的兴趣"), 10),
        Column(_("投资预算"), 14),
        Column(_("资金来源"), 14),
        Column(_("调查人"), 10),
    ]
    rows = (
        (
            s.hospital.name,
            s.date,
            s.beds,
            s.icu_beds,
            s.operating_rooms,
            s.emergency_beds,
            s.hyperbaric_chambers,
            s.get_current_source_display(),
            s.supplier,
            s.consumption_value,
            s.get_consumption_unit_display(),
            s.consumption_nm3_per_month,
            s.price_value,
            s.get_price_unit_display(),
            s.price_per_nm3,
            s.yearly_cost,
            s.annual_growth,
            "、".join(s.problem_labels()),
            s.get_interest_display(),
            s.budget,
            s.funding_source,
            str(s.created_by or ""),
        )
        for s in qs[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    subtitle = _("导出时间：%(when)s") % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    return workbook(title=_("医院用氧情况调查表"), subtitle=subtitle, columns=columns, rows=rows)
