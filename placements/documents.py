"""A month's statement (对账单) as the hospital receives it: Excel to edit into its own
template, PDF to print, sign and stamp. Content for the hospital, so formal Chinese whatever
the UI language (like the proposal's documents)."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.conf import settings as django_settings
from django.http import HttpResponse
from django.utils.html import escape

from o2crm.workbooks import safe_row, xlsx_response
from proposals.documents import pdf_font

from .models import Statement


def _rows(s: Statement) -> list[tuple[str, str]]:
    c = s.contract
    return [
        ("医院", c.hospital.name),
        ("合同编号", c.number),
        ("结算月份", f"{s.month:%Y年%m月}"),
        ("实际用氧量（m³）", f"{s.volume_nm3:,.1f}"),
        ("保底月用量（m³）", f"{s.minimum_nm3:,.0f}"),
        ("保底补足量（m³）", f"{s.top_up_nm3:,.1f}"),
        ("结算用量（m³）", f"{s.billed_nm3:,.1f}"),
        ("单价（元/m³）", f"{s.price:,.2f}"),
        ("结算金额（元）", f"{s.amount:,.2f}"),
        ("付款期限", f"开票后 {c.payment_days} 天内"),
    ]


def filename(s: Statement) -> str:
    return f"对账单-{s.contract.hospital.name}-{s.month:%Y-%m}"


def statement_xlsx_bytes(s: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"{s.month:%Y-%m}"
    ws.append(safe_row(ws, [f"供氧结算对账单（{s.month:%Y年%m月}）"]))
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([])
    for label, value in _rows(s):
        ws.append(safe_row(ws, [label, value]))
    ws.append([])
    ws.append(["抄表日期", "读数（m³）", "用量（m³）"])
    for r in s.contract.readings.filter(
        read_on__year=s.month.year, read_on__month=s.month.month
    ).order_by("read_on"):
        ws.append([r.read_on, float(r.value), float(r.volume)])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    ws.append([])
    ws.append(safe_row(ws, ["医院确认（盖章）：", "", django_settings.O2CRM_COMPANY_NAME]))
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 30
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def statement_xlsx(s: Statement) -> HttpResponse:
    return xlsx_response(statement_xlsx_bytes(s), filename(s))


def statement_pdf_bytes(s: Statement) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER)

    def markup(text: str) -> str:
        return escape(text).replace("³", "<super>3</super>")

    rows = [[Paragraph(markup(a), base), Paragraph(markup(b), base)] for a, b in _rows(s)]
    table = Table(rows, colWidths=[5 * cm, 10 * cm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#E6F3F6")),
            ]
        )
    )
    story = [
        Paragraph(markup(f"供氧结算对账单（{s.month:%Y年%m月}）"), title),
        Spacer(1, 12),
        table,
        Spacer(1, 36),
        Paragraph(markup("医院确认（盖章）：____________　　日期：__________"), base),
        Spacer(1, 18),
        Paragraph(markup(f"{django_settings.O2CRM_COMPANY_NAME}（盖章）"), base),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, title=f"对账单 {s.contract.number} {s.month:%Y-%m}",
        author=django_settings.O2CRM_COMPANY_NAME,
    ).build(story)  # fmt: skip
    return out.getvalue()


def statement_pdf(s: Statement) -> HttpResponse:
    response = HttpResponse(statement_pdf_bytes(s), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename(s) + '.pdf')}"
    return response
