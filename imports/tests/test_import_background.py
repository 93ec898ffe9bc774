"""A large sheet is checked and imported by a worker: the page shows its progress and then the
preview the worker kept; the API answers 202 and the batch's state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hospitals.models import Hospital
from imports.models import ImportBatch
from o2crm.records import save_record
from reminders.models import Notification

from .test_import_hospitals import sheet

pytestmark = pytest.mark.django_db

ROWS = [(f"测试医院{i}", "浙江省", "杭州市", "二级甲等", 300 + i) for i in range(5)]


@pytest.fixture(autouse=True)
def _small_inline(settings):
    settings.IMPORT_INLINE_ROWS = 3


def test_a_large_sheet_is_checked_and_imported_by_a_worker_with_progress(
    assistant, as_user, run_jobs
):
    client = as_user(assistant)
    answer = client.post(
        "/imports/", {"kind": "hospitals", "file": SimpleUploadedFile("大.xlsx", sheet(*ROWS))}
    )
    batch = ImportBatch.objects.get()
    assert batch.status == "checking" and batch.total == 5
    waiting = client.get(answer["Location"])
    assert "正在检查每一行" in waiting.content.decode() and waiting.context["result"] is None
    part = client.get(answer["Location"] + "?part=progress", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in part.content.decode() and "<html" not in part.content.decode()

    assert run_jobs() == 1
    checked = client.get(answer["Location"]).context["result"]
    assert checked["counts"] == {"new": 5, "update": 0, "duplicate": 0, "error": 0}
    assert not Hospital.objects.exists()

    client.post(f"/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "importing" and not Hospital.objects.exists()
    assert "正在导入" in client.get(answer["Location"]).content.decode()
    run_jobs()
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.done == 5
    assert Hospital.objects.count() == 5
    told = [n.text for n in Notification.objects.filter(recipient=assistant).order_by("pk")]
    assert told == [
        "“大.xlsx”已检查：新建 5，更新 0，重复 0，错误 0。请查看预览后确认导入。",
        "“大.xlsx”已导入：新建 5，更新 0。",
    ]
    listing = client.get("/imports/").content.decode()
    assert "已导入" in listing and "撤销" in listing


def test_a_large_import_is_undone_by_a_worker_or_refused_with_the_reason(
    assistant, as_user, run_jobs
):
    client = as_user(assistant)
    client.post(
        "/imports/", {"kind": "hospitals", "file": SimpleUploadedFile("x.xlsx", sheet(*ROWS))}
    )
    batch = ImportBatch.objects.get()
    run_jobs()
    client.post(f"/imports/{batch.pk}/confirm/")
    run_jobs()
    edited = Hospital.objects.get(name="测试医院3")
    edited.notes = "导入后改过"
    save_record(record=edited, by=assistant)
    answer = client.post(f"/imports/{batch.pk}/undo/", follow=True)
    assert "正在后台撤销" in answer.content.decode()
    batch.refresh_from_db()
    assert batch.status == "undoing"
    run_jobs()
    batch.refresh_from_db()
    assert batch.status == "imported" and "测试医院3 导入后已被修改，不能撤销。" in batch.error
    assert Hospital.objects.count() == 5
    assert "不能撤销" in client.get("/imports/").content.decode()

    Hospital.objects.filter(pk=edited.pk).update(version=1)  # as if the edit had not happened
    client.post(f"/imports/{batch.pk}/undo/")
    run_jobs()
    batch.refresh_from_db()
    assert batch.status == "undone" and not Hospital.objects.exists()


def test_a_large_sheet_with_a_wrong_row_is_kept_back_by_the_worker(assistant, as_user, run_jobs):
    client = as_user(assistant)
    bad = [*ROWS[:4], ("测试医院9", "浙江省", "杭州市", "二级甲等", -1)]
    client.post(
        "/imports/", {"kind": "hospitals", "file": SimpleUploadedFile("x.xlsx", sheet(*bad))}
    )
    run_jobs()
    batch = ImportBatch.objects.get()
    page = client.get(f"/imports/{batch.pk}/")
    assert "第 6 行 床位数：" in " ".join(page.context["errors"])
    refused = client.post(f"/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert refused.status_code == 302 and batch.status == "previewed"
    assert "错误 1。" in Notification.objects.get(recipient=assistant).text
    assert not Hospital.objects.exists()


def test_the_api_hands_a_large_sheet_to_a_worker_and_tells_its_state(
    assistant, api_as, run_jobs, carol
):
    api = api_as(assistant)
    made = api.client.post(
        "/api/v1/imports", {"kind": "hospitals", "dry_run": "false",
                            "file": SimpleUploadedFile("h.xlsx", sheet(*ROWS))},
        headers=api.headers,
    )  # fmt: skip
    assert made.status_code == 202, made.content
    body = made.json()
    assert body["status"] == "importing" and body["imported"] is False
    run_jobs()
    state = api.client.get(f"/api/v1/imports/{body['batch']}", headers=api.headers).json()
    assert state["imported"] is True and state["counts"]["new"] == 5 and state["done"] == 5
    assert Hospital.objects.count() == 5
    other = api_as(carol)
    assert (
        other.client.get(f"/api/v1/imports/{body['batch']}", headers=other.headers).status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_the_import_writes_its_progress_beside_its_own_transaction(assistant, monkeypatch):
    """On PostgreSQL the rows done are written through a second connection while the import's
    transaction is open, and can be read by the page at once (the batch's row is not locked
    by the import meanwhile: a lock would make the progress wait forever)."""
    from django.db import connection

    from imports import services

    seen = []
    original = services.Progress.__call__

    def spy(self, done):
        original(self, done)
        if self.other is not None:
            with self.other.cursor() as cursor:
                cursor.execute("SELECT done FROM imports_importbatch WHERE id = %s", [self.pk])
                seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(services.Progress, "__call__", spy)
    batch = services.upload(
        user=assistant, kind="hospitals", file_name="h.xlsx", content=sheet(*ROWS)
    )
    services.preview(batch)
    services.confirm(batch)
    assert Hospital.objects.count() == 5
    assert seen == ([5] if connection.vendor == "postgresql" else [])
    assert ImportBatch.objects.get().status == "imported"
