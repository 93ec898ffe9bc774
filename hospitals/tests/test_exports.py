from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import body
from o2crm.models import ExportJob

from .factories import ContactFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def read(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(body(response))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return sheet, rows


def test_the_hospital_export_holds_what_the_list_shows(as_user, alice, carol):
    HospitalFactory(owner=alice, name="浙江省人民医院", beds=2900, icu_beds=124, grade="3A")
    HospitalFactory(owner=alice, name="长兴县人民医院", city="湖州市", beds=1200, grade="3B")
    HospitalFactory(owner=carol, name="温州市人民医院", city="温州市")
    sheet, rows = read(as_user(alice).get(reverse("hospitals:hospital-export")))
    assert rows[0][0] == "医院列表"
    assert rows[2][:3] == ["医院名称", "简称", "省份"]
    names = [r[0] for r in rows[3:]]
    assert sorted(names) == ["浙江省人民医院", "长兴县人民医院"]  # never carol's
    row = rows[3 + names.index("浙江省人民医院")]
    assert row[5] == "三级甲等" and row[9] == 2900 and row[10] == 124 and row[13] == "刘晓燕"
    assert sheet.freeze_panes == "B4"
    assert sheet.cell(row=4, column=10).number_format == "#,##0"


def test_the_export_applies_the_lists_filters(as_user, alice):
    HospitalFactory(owner=alice, name="浙江省人民医院", grade="3A")
    HospitalFactory(owner=alice, name="长兴县人民医院", grade="3B")
    _, rows = read(as_user(alice).get(reverse("hospitals:hospital-export"), {"grade": "3B"}))
    assert [r[0] for r in rows[3:]] == ["长兴县人民医院"]
    assert "等级：3B" in rows[1][0]


def test_the_contact_export_leaves_personal_details_out(as_user, alice, carol):
    hospital = HospitalFactory(owner=alice, name="浙江省人民医院")
    ContactFactory(hospital=hospital, name="张伟", roles=["apply", "procure"], hobbies="钓鱼")
    ContactFactory(hospital=HospitalFactory(owner=carol), name="李强")
    _, rows = read(as_user(alice).get(reverse("hospitals:contact-export")))
    assert [r[0] for r in rows[3:]] == ["张伟"]
    assert rows[3][1] == "浙江省人民医院" and rows[3][5] == "申请/推荐、采购执行"
    assert not any("钓鱼" in str(cell) for row in rows for cell in row)


def test_export_runs_a_fixed_number_of_queries(
    as_user, director, queries_for, django_assert_max_num_queries
):
    client = as_user(director)
    ContactFactory()
    url_h, url_c = reverse("hospitals:hospital-export"), reverse("hospitals:contact-export")
    few = (queries_for(lambda: client.get(url_h)), queries_for(lambda: client.get(url_c)))
    for _ in range(20):
        ContactFactory()
    with django_assert_max_num_queries(16):
        many = (queries_for(lambda: client.get(url_h)), queries_for(lambda: client.get(url_c)))
    assert few == many


def test_a_list_too_large_to_wait_for_is_made_in_the_background(
    as_user, alice, carol, settings, run_jobs
):
    """Over EXPORT_INLINE_ROWS the download answers at once with the 导出 page, and a worker
    writes the workbook to the file storage, from which it is sent a block at a time."""
    settings.EXPORT_INLINE_ROWS = 2
    for name in ("浙江省人民医院", "杭州市第一人民医院", "宁波市第一医院"):
        HospitalFactory(owner=alice, name=name, grade="3A")
    HospitalFactory(owner=carol, name="温州市人民医院", grade="3A")
    client = as_user(alice)
    small = client.get(reverse("hospitals:hospital-export"), {"q": "浙江"})
    assert read(small)[1][3][0] == "浙江省人民医院"  # two or fewer: at once, as before
    later = client.get(reverse("hospitals:hospital-export"), {"grade": "3A"})
    assert (later.status_code, later["Location"]) == (302, "/exports/")
    job = ExportJob.objects.get()
    assert (job.kind, job.params, job.status) == ("hospitals", {"grade": "3A"}, "queued")
    run_jobs()
    job.refresh_from_db()
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.streaming
    names = [row[0] for row in read(download)[1][3:]]
    assert sorted(names) == [
        "宁波市第一医院",
        "杭州市第一人民医院",
        "浙江省人民医院",
    ]  # not carol's
    assert as_user(carol).get(f"/exports/{job.pk}/download/").status_code == 404
    settings.EXPORT_INLINE_ROWS = 1
    assert client.get(reverse("hospitals:contact-export")).status_code == 200  # none: at once
