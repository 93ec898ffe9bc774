"""Importing hospitals from a spreadsheet: the template, a preview of every row with its
errors named by row and column in the user's language, all rows or none, no duplicates when
the same sheet comes twice, updates that touch only what the sheet has, undo as a whole."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory
from imports.models import ImportBatch

pytestmark = pytest.mark.django_db

HEADERS = ["医院", "省份", "城市", "等级", "床位", "ICU床位", "负责人", "微信群"]


def sheet(*rows, headers=HEADERS) -> bytes:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ("浙江省人民医院", "浙江省", "杭州市", "三级甲等", 2900, 145, "", "x"),
    ("宁波市第一医院", "浙江省", "宁波", "3A", 2000, None, "", ""),
]


def upload(client, content, name="医院.xlsx"):
    return client.post(
        "/imports/", {"kind": "hospitals", "file": SimpleUploadedFile(name, content)}
    )


def test_the_template_lists_the_columns_allowed_values_and_an_example(assistant, as_user):
    answer = as_user(assistant).get("/imports/template/hospitals/")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["医院", "示例", "说明"]
    headers = [c.value for c in book["医院"][1]]
    assert headers[:4] == ["医院名称*", "简称", "省份*", "城市*"]
    notes = " ".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "三级甲等" in notes and "院区算另一家医院" in notes
    assert book["示例"]["A2"].value == "浙江省人民医院"


def test_a_sheet_is_previewed_then_imported_whole_and_twice_is_no_duplicate(
    assistant, alice, as_user
):
    client = as_user(assistant)
    owned = [("浙江省人民医院", "浙江省", "杭州市", "三级甲等", 2900, 145, "刘晓燕", "x"), GOOD[1]]
    alice.name = "刘晓燕"
    alice.save()
    answer = upload(client, sheet(*owned))
    assert answer.status_code == 302
    preview = client.get(answer["Location"])
    result = preview.context["result"]
    assert result["counts"] == {"new": 2, "update": 0, "duplicate": 0, "error": 0}
    assert result["unknown_columns"] == ["微信群"]
    assert not Hospital.objects.exists()  # a preview writes nothing
    batch = ImportBatch.objects.get()
    assert client.post(f"/imports/{batch.pk}/confirm/").status_code == 302
    hz = Hospital.objects.get(name="浙江省人民医院")
    assert (hz.grade, hz.beds, hz.owner) == ("3A", 2900, alice)
    assert hz.history.first().history_change_reason == "导入：医院.xlsx"
    assert hz.history.first().history_user == assistant
    # the same sheet again: the same hospitals, nothing new ("宁波" is 宁波市)
    again = client.get(upload(client, sheet(*owned))["Location"]).context["result"]
    assert again["counts"] == {"new": 0, "update": 0, "duplicate": 2, "error": 0}


def test_one_bad_row_names_row_and_column_and_blocks_the_whole_sheet(assistant, as_user):
    client = as_user(assistant)
    bad = ("杭州市第一人民医院", "浙江省", "杭州市", "特级", -5, None, "", "")
    preview = client.get(upload(client, sheet(GOOD[0], bad, GOOD[1]))["Location"])
    result = preview.context["result"]
    assert result["counts"]["error"] == 1
    [row] = [r for r in result["rows"] if r["action"] == "error"]
    assert row["row"] == 3 and set(row["errors"]) == {"grade", "beds"}
    page = preview.content.decode()
    assert "第 3 行 床位数：" in page and "第 3 行 等级：" in page and "可填：三级甲等" in page
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/confirm/")
    assert not Hospital.objects.exists()  # all or nothing


def test_an_update_touches_only_what_the_sheet_has_and_undo_takes_it_back(
    assistant, alice, as_user
):
    existing = HospitalFactory(
        name="浙江省人民医院",
        province="浙江省",
        city="杭州市",
        beds=2500,
        notes="老院区",
        owner=alice,
    )
    client = as_user(assistant)
    row = ("浙江省人民医院", "浙江省", "杭州市", "", 2900, "", "", "")
    preview = client.get(upload(client, sheet(row, GOOD[1]))["Location"]).context["result"]
    assert preview["counts"] == {"new": 1, "update": 1, "duplicate": 0, "error": 0}
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/confirm/")
    existing.refresh_from_db()
    assert (existing.beds, existing.notes, existing.owner) == (2900, "老院区", alice)
    assert client.post(f"/imports/{batch.pk}/undo/").status_code == 302
    existing.refresh_from_db()
    assert existing.beds == 2500 and not Hospital.objects.filter(name="宁波市第一医院").exists()
    assert ImportBatch.objects.get().status == "undone"


def test_undo_is_refused_once_an_imported_hospital_was_edited(assistant, as_user):
    from o2crm.records import save_record

    client = as_user(assistant)
    upload(client, sheet(*GOOD))
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/confirm/")
    hz = Hospital.objects.get(name="浙江省人民医院")
    hz.beds = 3000
    save_record(record=hz, by=assistant)
    refused = client.post(f"/imports/{batch.pk}/undo/", follow=True)
    assert "导入后已被修改，不能撤销" in refused.content.decode()
    assert Hospital.objects.count() == 2


def test_a_manager_updates_their_own_and_may_not_touch_another_s(alice, carol, as_user):
    HospitalFactory(name="温州市人民医院", province="浙江省", city="温州市", owner=carol)
    client = as_user(alice)
    rows = [("温州市人民医院", "浙江省", "温州市", "", 900, "", "", "")]
    result = client.get(upload(client, sheet(*rows))["Location"]).context["result"]
    assert result["rows"][0]["action"] == "error"
    assert "他人负责" in result["rows"][0]["errors"]["name"][0]


def test_the_command_previews_refuses_a_bad_sheet_and_imports(assistant, tmp_path, capsys):
    good = tmp_path / "hospitals.xlsx"
    good.write_bytes(sheet(*GOOD))
    call_command("import_rows", "hospitals", str(good), "--dry-run", "--as", "assistant")
    assert "2 new" in capsys.readouterr().out and not Hospital.objects.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("医院名称,省份,城市,床位数\n某医院,浙江省,杭州市,很多\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_rows", "hospitals", str(bad), "--as", "assistant")
    assert "第 2 行 床位数：" in capsys.readouterr().out
    call_command("import_rows", "hospitals", str(good), "--as", "assistant")
    assert Hospital.objects.count() == 2


def test_the_api_answers_the_preview_and_imports(assistant, api_as):
    api = api_as(assistant)
    files = {"file": SimpleUploadedFile("h.xlsx", sheet(*GOOD))}
    answer = api.client.post(
        "/api/v1/imports", {"kind": "hospitals", "dry_run": "true", **files},
        headers=api.headers,
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["counts"]["new"] == 2 and body["rows"][0] == {
        "row": 2, "action": "new", "name": "浙江省人民医院", "errors": {},
    }  # fmt: skip
    assert not Hospital.objects.exists()
    bad = {"file": SimpleUploadedFile("h.xlsx", sheet(("某医院", "浙江省", "杭州市", "", -1)))}
    refused = api.client.post(
        "/api/v1/imports", {"kind": "hospitals", "dry_run": "false", **bad}, headers=api.headers
    )
    assert refused.status_code == 400 and "beds" in refused.json()["rows"][0]["errors"]
    made = api.client.post(
        "/api/v1/imports", {"kind": "hospitals", "dry_run": "false",
                            "file": SimpleUploadedFile("h.xlsx", sheet(*GOOD))},
        headers=api.headers,
    )  # fmt: skip
    assert made.status_code == 200 and made.json()["imported"] and Hospital.objects.count() == 2


def test_a_long_sheet_of_many_cities_is_checked(assistant, as_user):
    """Hundreds of rows and cities (an early version built one SQL condition a row, and
    SQLite refused it past about 500)."""
    rows = [(f"测试医院{i}", "浙江省", f"城市{i % 300}", "二级甲等", 300) for i in range(700)]
    client = as_user(assistant)
    result = client.get(upload(client, sheet(*rows))["Location"]).context["result"]
    assert result["counts"] == {"new": 700, "update": 0, "duplicate": 0, "error": 0}
