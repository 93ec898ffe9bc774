"""Long exports run in the background: asked for on a page, made by a worker (here in
another process), followed on 导出 with a progress bar, downloaded by their maker alone, and
deleted after EXPORT_KEEP_DAYS."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from conftest import body
from hospitals.tests.factories import HospitalFactory
from o2crm.exports import prune_exports, registered
from o2crm.models import ExportJob
from pipeline.tests.factories import ProjectFactory
from reminders.models import Notification

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, as another process reaches it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return (
        f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def worker_process() -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "O2CRM_MEDIA_ROOT": settings.MEDIA_ROOT,  # the files the worker writes, read here
    }
    return subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.timeless
@pytest.mark.django_db(transaction=True)
def test_an_export_is_made_by_a_worker_elsewhere_and_downloaded_here(alice, carol, as_user):
    HospitalFactory(owner=alice, name="浙江省人民医院", grade="3A")
    HospitalFactory(owner=alice, name="杭州市第一人民医院", grade="3B")
    HospitalFactory(owner=carol, name="温州市人民医院", grade="3B")
    client = as_user(alice)
    started = client.post("/exports/hospitals/start/?grade=3B&page=2")
    assert started.status_code == 302 and started["Location"] == "/exports/"
    job = ExportJob.objects.get()
    client.post("/exports/monthly/start/")  # and the monthly workbook, the first of them
    assert (job.status, job.params) == ("queued", {"grade": "3B"})  # no page: all of them
    page = client.get("/exports/").content.decode()
    assert "<progress" in page and 'hx-trigger="every 2s"' in page  # it refreshes itself
    done = worker_process()
    assert done.returncode == 0, done.stdout + done.stderr
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100), job.error
    monthly = ExportJob.objects.get(kind="monthly")
    assert monthly.status == "done", monthly.error
    book = load_workbook(io.BytesIO(body(client.get(f"/exports/{monthly.pk}/download/"))))
    assert "汇总" in book.sheetnames
    page = client.get("/exports/").content.decode()
    assert "every 2s" not in page and f"/exports/{job.pk}/download/" in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert download["Content-Disposition"].endswith(".xlsx")
    assert download.streaming  # sent from the stored file a block at a time
    sheet = load_workbook(io.BytesIO(body(download))).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "杭州市第一人民医院" in names
    assert "浙江省人民医院" not in names and "温州市人民医院" not in names  # filter; visibility
    notes = Notification.objects.filter(recipient=alice, kind="export_ready").order_by("pk")
    assert [n.url for n in notes] == ["/exports/", "/exports/"] and "医院列表" in notes[0].text
    # the maker's alone
    assert as_user(carol).get(f"/exports/{job.pk}/download/").status_code == 404


def test_the_monthly_workbook_reports_its_progress(director, alice):
    ProjectFactory(hospital=HospitalFactory(owner=alice))
    seen = []
    into = io.BytesIO()
    name = registered("monthly").builder(director, {}, seen.append, into)
    assert seen == sorted(seen) and seen[0] < seen[-1] < 1
    assert load_workbook(into).sheetnames and name == "月度销售项目汇报表"


def test_a_failed_export_says_why_and_exports_are_deleted_after_the_keep_days(
    alice, as_user, run_jobs, clock
):
    client = as_user(alice)
    client.post("/exports/monthly/start/?month=1999-13")
    run_jobs()
    failed = ExportJob.objects.get()
    assert failed.status == "failed" and "month" in failed.error
    assert "失败" in client.get("/exports/").content.decode()
    client.post("/exports/hospitals/start/")
    run_jobs()
    done = ExportJob.objects.get(status="done")
    stored = Path(done.file.path)
    assert stored.is_file() and stored.stat().st_size == done.size
    clock(timezone.localtime() + timedelta(days=settings.EXPORT_KEEP_DAYS + 1))
    client.post("/exports/hospitals/start/")
    assert prune_exports.call(timezone.now().isoformat()) == 2
    assert ExportJob.objects.count() == 1  # the new one stays
    assert not stored.exists()  # and the old file went with its row


def test_an_unknown_export_is_not_found(alice, as_user):
    assert as_user(alice).post("/exports/everything/start/").status_code == 404
    assert ExportJob.objects.count() == 0


def test_the_exports_page_costs_the_same_whatever_the_number_of_exports(
    alice, as_user, django_assert_max_num_queries
):
    client = as_user(alice)
    client.post("/exports/hospitals/start/")
    with CaptureQueriesContext(connection) as one:
        client.get("/exports/")
    with_one = len(one.captured_queries)
    for _ in range(40):
        client.post("/exports/hospitals/start/")
    with django_assert_max_num_queries(with_one):
        page = client.get("/exports/")
    assert len(page.context["page"]) == 25  # a page at a time
