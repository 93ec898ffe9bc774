"""The 初步投资合作建议书 as Word (python-docx) and PDF (reportlab), and the investor's internal
sheet (openpyxl).

The hospital's document is formal Chinese whatever the user's UI language: it is written for
the hospital, so its text is content, not interface. It never carries the investor's own
figures (capex, IRR, NPV, price floor): those live only in the internal sheet.
"""

from __future__ import annotations

import gc
import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings as django_settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import escape

from o2crm.workbooks import XLSX, safe_row

from . import charts, domain
from .models import Mode, Proposal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ORIGIN_WORDS = {
    "metered": "按贵院流量计读数",
    "lox": "按贵院液氧采购量折算",
    "cylinders": "按贵院钢瓶用量折算",
    "estimated": "按床位与科室配置估算（待核实）",
}
DEPARTMENT_WORDS = {
    "general_ward": ("普通病房", "床"),
    "icu": ("重症监护（ICU/CCU）", "床"),
    "operating_room": ("手术室", "间"),
    "emergency_resuscitation": ("急诊抢救", "床"),
    "emergency_observation": ("急诊治疗/留观", "床"),
    "recovery": ("麻醉恢复", "床"),
    "neonatal": ("新生儿监护", "床"),
    "delivery": ("产房", "间"),
    "dialysis": ("血透", "位"),
    "outpatient_treatment": ("门诊治疗室", "间"),
}


def yuan(value: float | None) -> str:
    return "—" if value is None else f"¥{value:,.0f}"


def per_m3(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f} 元/m³"


def m3(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} m³"


@dataclass
class Block:
    kind: str  # title, subtitle, heading, para, table, chart, note
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)  # first row = header
    series: list[charts.Series] = field(default_factory=list)


def hospital_saving_series(results: dict) -> list[charts.Series]:
    return [charts.Series("医院累计节约", domain.running_total(results["savings"]), "#0f766e")]


def content(p: Proposal) -> list[Block]:
    r = p.results
    hospital = p.project.hospital
    owner = p.project.owner
    company = django_settings.O2CRM_COMPANY_NAME
    term = p.term_years
    departments = p.inputs.get("departments", {})
    hbo = p.inputs.get("hyperbaric", {})
    beds = "，".join(
        f"{DEPARTMENT_WORDS[k][0]} {v:g} {DEPARTMENT_WORDS[k][1]}"
        for k, v in departments.items()
        if k in DEPARTMENT_WORDS and v
    )
    if hbo.get("users"):
        beds += f"，高压氧舱同时用氧 {hbo['users']:g} 人"
    blocks = [
        Block("title", "初步投资合作建议书"),
        Block(
            "subtitle",
            f"编号：{p.number}（第 {p.revision} 版）　日期：{timezone.localdate(p.created_at):%Y年%m月%d日}"
            f"　有效期至：{p.valid_until:%Y年%m月%d日}",
        ),
        Block("para", f"致：{hospital.name}（以下简称“甲方”）"),
        Block("para", f"建议方：{company}（以下简称“乙方”）"),
        Block("heading", "一、项目背景"),
        Block(
            "para",
            f"经乙方销售人员走访调研，贵院现有{beds or '用氧科室若干'}。"
            f"贵院年用氧量约 {m3(r['annual_consumption_nm3'])}"
            f"（{ORIGIN_WORDS[r['consumption_origin']]}），"
            f"现用氧综合成本约 {per_m3(r['baseline_cny_per_nm3'])}。"
            "为降低用氧成本、保障供氧安全，乙方建议在贵院院内投资建设医用分子筛制氧站（PSA），"
            "以现场制氧的方式为贵院供氧。",
        ),
        Block("heading", "二、合作方式"),
        Block("para", _mode_words(p)),
        Block("heading", "三、制氧设备配置"),
        Block(
            "table",
            rows=[
                ["项目", "配置"],
                [
                    "设计用氧流量",
                    f"{r['design_flow_lpm']:,.1f} L/min（{r['design_flow_nm3h']:,.2f} Nm³/h）",
                ],
                [
                    "制氧机组",
                    f"{r['units']} 台 × {r['unit_size_nm3h']:g} Nm³/h（{r['duty_units']} 用 1 备）",
                ],
                ["装机产能", f"{r['installed_nm3h']:g} Nm³/h"],
                ["年最大供氧量", m3(r["production_cap_nm3"])],
                ["备用气源", p.backup],
            ],
        ),
        Block("heading", "四、供氧价格与结算"),
        Block(
            "table",
            rows=[
                ["项目", "约定"],
                ["供氧单价", per_m3(float(p.price)) + "（按实际用氧量计量）"],
                [
                    "价格调整",
                    f"每年调整 {p.price_escalation:g}%" if p.price_escalation else "合作期内不调整",
                ],
                [
                    "保底用量",
                    f"每月 {p.minimum_monthly_m3:,} m³" if p.minimum_monthly_m3 else "不设保底用量",
                ],
                ["计量与抄表", f"每月 {p.meter_reading_day} 日双方共同抄表确认"],
                ["开票", p.invoice_terms],
                ["付款", f"收到发票后 {p.payment_days} 天内付款"],
            ],
        ),
        Block("heading", "五、贵院的经济效益"),
        Block(
            "para",
            f"按上述单价测算，合作第一年贵院可节约用氧费用约 {yuan(r['hospital_saving_year1'])}，"
            f"{term} 年合作期内累计节约约 {yuan(r['hospital_saving_total'])}。",
        ),
        Block("table", rows=_saving_rows(p)),
        Block(
            "chart",
            "图：合作期内贵院累计节约（万元，横轴为合作年度）",
            series=hospital_saving_series(r),
        ),
        Block("heading", "六、期满安排"),
        Block("para", _term_end_words(p)),
        Block("heading", "七、关于医用分子筛制氧（93% 氧）"),
        Block(
            "para",
            "分子筛制氧设备产出的氧气浓度为 93%±3%（富氧空气），设备为二类医疗器械，"
            "低于 82% 时自动报警。对要求使用 99.5% 医用氧的科室和用途，双方将在正式方案中"
            "逐一确认，由现有液氧或钢瓶继续供应；制氧站按 N+1 配置并保留备用气源，确保连续供氧。",
        ),
        Block("heading", "八、说明"),
        Block(
            "para",
            "本建议书为初步方案，仅供双方洽谈参考，不构成要约或承诺。文中用氧量、价格与节约"
            "金额为依据现有资料的测算值，具体以现场勘察后双方签订的正式合同为准。"
            f"本建议书有效期至 {p.valid_until:%Y年%m月%d日}。",
        ),
    ]
    if p.remarks:
        blocks.append(Block("para", p.remarks))
    ours = f"乙方联系人：{owner.name or owner.username}" + (
        f"　电话：{owner.phone}" if owner.phone else ""
    )
    theirs = p.project.entry_contact
    if theirs is not None:
        ours = (
            f"甲方联系人：{theirs.name}"
            + (f"（{theirs.title}）" if theirs.title else "")
            + "　"
            + ours
        )
    blocks.append(Block("note", ours))
    return blocks


def _mode_words(p: Proposal) -> str:
    term = p.term_years
    if p.mode == Mode.KEEP:
        return (
            f"投资投放，设备归乙方所有。乙方全额投资建设制氧站并负责运行维护，"
            f"甲方无需投入设备资金，按实际用氧量向乙方支付氧气费用；合作期限 {term} 年。"
        )
    if p.mode == Mode.TRANSFER:
        return (
            f"投资投放，期满无偿移交。乙方全额投资建设制氧站并负责运行维护，甲方按实际用氧量"
            f"支付氧气费用；合作期限 {term} 年，期满后设备无偿移交甲方。"
        )
    if p.mode == Mode.SALE:
        return "直接销售：由甲方采购制氧设备，乙方负责安装调试与售后服务。具体报价另行提供。"
    return p.mode_other or "其他合作方式，由双方协商确定。"


def _term_end_words(p: Proposal) -> str:
    if p.mode == Mode.TRANSFER:
        return "合作期满，制氧站设备无偿移交甲方，此后运行所需电费与维护由甲方承担，乙方可另行提供有偿维保服务。"
    if p.mode == Mode.KEEP:
        return "合作期满，设备仍归乙方所有；双方可协商续约，或由乙方拆除设备并恢复场地。"
    return "按双方正式合同约定执行。"


def _saving_rows(p: Proposal) -> list[list[str]]:
    r = p.results
    c_b = r["baseline_cny_per_nm3"]
    rows = [["年度", "供氧量（m³）", "现用氧成本（元）", "制氧供氧费用（元）", "节约（元）"]]
    for t, (b, price, s) in enumerate(zip(r["billed"], r["prices"], r["savings"], strict=True), 1):
        rows.append([str(t), f"{b:,.0f}", f"{b * c_b:,.0f}", f"{b * price:,.0f}", f"{s:,.0f}"])
    rows.append(["合计", f"{sum(r['billed']):,.0f}", "", "", f"{r['hospital_saving_total']:,.0f}"])
    return rows


def filename(p: Proposal, ext: str) -> str:
    return f"{p.number}-v{p.revision}-初步投资合作建议书.{ext}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# Word ------------------------------------------------------------------------------------------


def docx_bytes(p: Proposal) -> bytes:
    """The Word document; then a full collection: python-docx's package and parts refer to
    each other, so only the cycle collector frees them, and it runs by counts of Python
    objects, blind to the XML trees they hold (a worker grew by 100 MB over 100 documents).
    Cheap where wsgi.py froze what the app loaded (docs/decisions/0014-memory.md)."""
    enabled = gc.isenabled()
    gc.disable()  # nothing the build makes is promoted to an older generation...
    try:
        content = _docx(p)
    finally:
        if enabled:
            gc.enable()
    gc.collect(0)  # ...so collecting the youngest frees it all, far cheaper than a full one
    return content


def _docx(p: Proposal) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.5)
    for block in content(p):
        if block.kind == "title":
            para = doc.add_heading(block.text, level=0)
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "subtitle":
            para = doc.add_paragraph(block.text)
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            doc.add_heading(block.text, level=2)
        elif block.kind == "table":
            table = doc.add_table(rows=0, cols=len(block.rows[0]))
            table.style = "Table Grid"
            for i, row in enumerate(block.rows):
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
                    if i == 0:
                        cell.paragraphs[0].runs[0].bold = True
            doc.add_paragraph()
        elif block.kind == "chart":
            doc.add_picture(io.BytesIO(charts.png(block.series)), width=Cm(15))
            doc.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            doc.add_paragraph(block.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_response(p: Proposal) -> HttpResponse:
    return _download(docx_bytes(p), DOCX, filename(p, "docx"))


# PDF -------------------------------------------------------------------------------------------

# A Chinese TrueType font Debian ships (fonts-wqy-zenhei; `make test` and the production notes
# install it), embedded as a subset, so the hospital sees the document as it was made. Only
# where none is installed: Adobe's STSong, which the reader's viewer must supply.
EMBEDDED_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
EMBEDDED_NAME = "o2crm-cjk"
PDF_FONT = "STSong-Light"


def pdf_font() -> str:
    """The name of the registered font the PDF is set in (registered once a process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    if EMBEDDED_NAME in registered:
        return EMBEDDED_NAME
    for path in EMBEDDED_FONTS:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont(EMBEDDED_NAME, path, subfontIndex=0))
            return EMBEDDED_NAME
    if PDF_FONT not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def pdf_bytes(p: Proposal) -> bytes:
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("sub", parent=base, fontSize=9, alignment=TA_CENTER),
        "heading": ParagraphStyle("h", parent=base, fontSize=13, leading=22, spaceBefore=8),
        "para": base,
        "note": ParagraphStyle("note", parent=base, spaceBefore=12),
    }
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13)

    def markup(text: str) -> str:
        # the Chinese CID font has no "³": set it as a superscript 3
        return escape(text).replace("³", "<super>3</super>")

    story = []
    for block in content(p):
        if block.kind == "table":
            rows = [[Paragraph(markup(text), cell) for text in row] for row in block.rows]
            table = Table(rows, hAlign="LEFT", repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), font, 9.5),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6F3F6")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story += [table, Spacer(1, 6)]
        elif block.kind == "chart":
            drawing = Drawing(15 * cm, 6 * cm)
            plot = LinePlot()
            plot.x, plot.y, plot.width, plot.height = 40, 20, 15 * cm - 60, 6 * cm - 40
            plot.data = [[(t, v / 10000) for t, v in enumerate(s.values)] for s in block.series]
            plot.lines[0].strokeColor = colors.HexColor(block.series[0].colour)
            plot.lines[0].strokeWidth = 2
            plot.xValueAxis.labels.fontName = plot.yValueAxis.labels.fontName = "Helvetica"
            drawing.add(plot)
            drawing.add(
                String(
                    40,
                    6 * cm - 12,
                    block.series[0].label + "（万元）",
                    fontName=font,
                    fontSize=9,
                )
            )
            story += [drawing, Paragraph(markup(block.text), styles["subtitle"])]
        else:
            story.append(Paragraph(markup(block.text), styles.get(block.kind, base)))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=f"初步投资合作建议书 {p.number}",
        author=django_settings.O2CRM_COMPANY_NAME,
    )
    document.build(story)
    return out.getvalue()


def pdf_response(p: Proposal) -> HttpResponse:
    return _download(pdf_bytes(p), "application/pdf", filename(p, "pdf"))


# The investor's internal sheet ------------------------------------------------------------------


def internal_bytes(p: Proposal) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    r = p.results
    wb = Workbook()
    ws = wb.active
    ws.title = "内部测算"
    ws.append(safe_row(ws, [f"{p.label} 内部测算（不对外）", p.project.hospital.name]))
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(safe_row(ws, [f"参数版本 {p.settings_id}", f"状态 {p.get_state_display()}"]))
    ws.append([])
    summary = [
        ("投资额（元）", r["capex"], "#,##0"),
        ("年运维费（元）", r["om_per_year"], "#,##0"),
        ("电费（元/m³）", r["electricity_per_nm3"], "0.00"),
        ("供氧单价（元/m³）", r["price"], "0.00"),
        ("医院现用氧成本（元/m³）", r["baseline_cny_per_nm3"], "0.00"),
        ("平准化制氧成本 LCOO（元/m³）", r["lcoo"], "0.00"),
        ("保本价（目标 IRR，元/m³）", r["price_floor"], "0.00"),
        ("净现值 NPV（元）", r["npv"], "#,##0"),
        ("内部收益率 IRR", r["irr"], "0.0%"),
        ("静态回收期（年）", r["payback_years"], "0.00"),
        ("动态回收期（年）", r["discounted_payback_years"], "0.00"),
        ("投资方可行", "是" if r["investor_viable"] else "否", None),
        ("医院受益", "是" if r["hospital_viable"] else "否", None),
        ("存在双方受益的价格", "是" if r["mutual_price_exists"] else "否", None),
    ]
    for label, value, fmt in summary:
        ws.append(safe_row(ws, [label, "无" if value is None else value]))
        if fmt and value is not None:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.append([])
    ws.append(
        [
            "年度",
            "用氧量（m³）",
            "供氧量（m³）",
            "单价",
            "收入",
            "电费",
            "运维",
            "现金流",
            "累计现金流",
            "医院节约",
        ]
    )
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
    ws.append([0, None, None, None, None, None, None, r["cash_flows"][0], r["cumulative"][0], None])
    for t in range(1, r["term_years"] + 1):
        b, price = r["billed"][t - 1], r["prices"][t - 1]
        ws.append(
            [
                t,
                r["consumption"][t - 1],
                b,
                price,
                b * price,
                r["electricity"][t - 1],
                r["om_per_year"],
                r["cash_flows"][t],
                r["cumulative"][t],
                r["savings"][t - 1],
            ]
        )
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row[1:]:
            cell.number_format = "0.00" if cell.column == 4 else "#,##0"
    ws.column_dimensions["A"].width = 30
    for col in "BCDEFGHIJ":
        ws.column_dimensions[col].width = 14
    ws.freeze_panes = ws.cell(header + 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def internal_response(p: Proposal) -> HttpResponse:
    return _download(internal_bytes(p), XLSX, f"{p.number}-v{p.revision}-内部测算.xlsx")
