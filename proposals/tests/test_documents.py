"""The generated files, opened and read back."""

import gc
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory
from proposals.models import Mode
from proposals.tests.factories import make_proposal


@pytest.fixture
def proposal(alice):
    hospital = HospitalFactory(owner=alice, name="绍兴市立医院")
    director = ContactFactory(hospital=hospital, name="钱文华", title="设备科科长")
    project = ProjectFactory(hospital=hospital, entry_contact=director)
    return make_proposal(project, minimum_monthly_m3=8000, mode_other="")


def word_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


INTERNAL_WORDS = ("IRR", "内部收益率", "净现值", "NPV", "保本价", "投资额")


def test_word_document_for_the_hospital(as_user, alice, proposal):
    response = as_user(alice).get(f"/api/v1/proposals/{proposal.pk}/document.docx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = word_text(response.content)
    doc = Document(io.BytesIO(response.content))
    assert "初步投资合作建议书" in text
    assert f"编号：{proposal.number}" in text
    assert "致：绍兴市立医院" in text
    assert "5.00 元/m³" in text  # the price
    assert "每月 8,000 m³" in text  # the minimum volume
    assert "93%" in text and "仅供双方洽谈参考" in text  # the oxygen note and "preliminary"
    assert f"¥{proposal.results['hospital_saving_total']:,.0f}" in text
    assert "乙方联系人：刘晓燕" in text and "甲方联系人：钱文华（设备科科长）" in text
    assert len(doc.inline_shapes) == 1  # the saving chart
    for word in INTERNAL_WORDS:
        assert word not in text, word
    assert f"{proposal.results['capex']:,.0f}" not in text


def test_a_word_document_leaves_no_xml_behind_in_the_worker(proposal):
    # python-docx's package and parts form cycles that hold the XML trees; the automatic
    # collector would free them only much later, so a worker's memory grew per document
    from docx.opc.package import OpcPackage

    from proposals import documents

    def packages() -> int:
        # type(), not isinstance(): isinstance asks a lazy object (a finished request's CSP
        # nonce, left for the collector) for its __class__, and that one raises when asked
        return sum(issubclass(type(o), OpcPackage) for o in gc.get_objects())

    gc.collect()
    before = packages()
    documents.docx_bytes(proposal)
    assert packages() == before


def test_term_end_wording_follows_the_mode(as_user, alice, proposal):
    proposal.mode = Mode.TRANSFER
    proposal.save()
    text = word_text(as_user(alice).get(f"/api/v1/proposals/{proposal.pk}/document.docx").content)
    assert "期满后设备无偿移交甲方" in text


def test_pdf_for_sending(as_user, alice, proposal):
    response = as_user(alice).get(f"/api/v1/proposals/{proposal.pk}/document.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "初步投资合作建议书" in text and "绍兴市立医院" in text
    assert "5.00 元/m3" in text  # "³" is set as a superscript 3 (the CID font lacks the glyph)
    for word in INTERNAL_WORDS:
        assert word not in text, word


def test_internal_sheet_has_the_investor_figures(as_user, alice, proposal):
    response = as_user(alice).get(f"/api/v1/proposals/{proposal.pk}/internal.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=4, max_row=17, values_only=True)}
    assert values["内部收益率 IRR"] == pytest.approx(proposal.results["irr"])
    assert values["净现值 NPV（元）"] == pytest.approx(proposal.results["npv"])
    assert values["保本价（目标 IRR，元/m³）"] == pytest.approx(proposal.results["price_floor"])
    assert values["投资额（元）"] == proposal.results["capex"]


def test_the_pdf_carries_its_chinese_font(as_user, alice, proposal):
    """Embedded (a TrueType subset), so a viewer without Chinese fonts shows it as made;
    `make test` installs Debian's fonts-wqy-zenhei when it is missing."""
    response = as_user(alice).get(f"/api/v1/proposals/{proposal.pk}/document.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor and "/FontFile2" in descriptor.get_object():
                embedded.append(str(font["/BaseFont"]))
    assert embedded, "the Chinese font is not embedded"
