"""The demo, as a new user meets it after the quick start: every role's first screen and
every report show data, on whatever day the demo is loaded (`make calendar` loads it on the
hard days: the 1st and last of a month, Mondays and Sundays, ISO week 53, 29 February)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from conftest import body
from pipeline.models import FollowUp
from reports.forms import report_month, review_week
from reports.models import iso_week

pytestmark = pytest.mark.django_db


def test_the_demo_shows_data_on_every_first_screen_and_report(as_user, run_jobs):
    """One load of the demo (it takes seconds), then each role's 工作台 and reports."""
    # the writers keep the summaries as the demo writes through the services
    call_command("demo_data", "--keep-summaries", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_summaries", stdout=out)
    assert "summaries equal their rows" in out.getvalue()
    for username in ("director", "assistant", "manager1", "manager2"):
        client = as_user(User.objects.get(username=username))
        first_screen(client, overseer=username != "manager2")
        reports(client, run_jobs, overseer=username != "manager2")


def first_screen(client, overseer: bool) -> None:
    page = client.get("/")
    ctx = page.context
    assert page.status_code == 200
    assert ctx["n_hospitals"] > 0 and ctx["n_contacts"] > 0 and ctx["n_open_projects"] > 0
    if overseer:
        # last week's summaries are in (but one), the forecast has months with money
        assert ctx["last_week"]["submitted"] > 0
        assert any(m["weighted"] for m in ctx["forecast_months"])
        assert ctx["team_pipeline"]
    else:
        assert "<svg" in ctx["my_funnel_chart"]
        assert len(ctx["my_weeks"]) == 2


def reports(client, run_jobs, overseer: bool) -> None:
    today = timezone.localdate()
    funnel = client.get("/reports/funnel/").context["data"]
    assert funnel["total"]["count"] > 0
    sources = client.get("/reports/sources/").context["data"]
    assert sum(row["projects"] for row in sources["by_source"]) > 0
    forecast = client.get("/reports/forecast/").context["data"]
    assert Decimal(forecast["total"]["total"]["weighted"]) > 0
    discipline = client.get("/reports/discipline/").context["data"]
    assert discipline["managers"]
    assert discipline["total"]["A"]["projects"] + discipline["total"]["B"]["projects"] > 0
    monthly = client.get("/reports/monthly/").context["data"]
    assert monthly["scope"]["month"] == f"{report_month(today):%Y-%m}"
    assert monthly["projects"]
    # every project contacted in the month says how: from its submitted week (【week】) or,
    # for a week not submitted (the demo leaves one manager behind), from the follow-ups
    contacted = set(
        FollowUp.objects.filter(
            project__in=[r["project"] for r in monthly["projects"]],
            date__range=(
                monthly["scope"]["start"],
                min(today, date.fromisoformat(monthly["scope"]["end"])),
            ),
        ).values_list("project", flat=True)
    )
    assert all(r["progress"] for r in monthly["projects"] if r["project"] in contacted)
    if overseer:  # a team or more: someone's submitted weeks speak
        assert any("【" in r["progress"] for r in monthly["projects"])
    if overseer:  # a manager who leads no one goes to their own week
        weekly = client.get("/reports/weekly/").context["data"]
        assert weekly["week"] == iso_week(review_week(today))
        assert weekly["total"]["submitted"] > 0
    # each page's 导出 Excel gives the workbook of what it shows
    for report in ("funnel", "sources", "forecast", "discipline"):
        link = client.get(f"/reports/{report}/").context["xlsx_url"]
        book = client.get(link)
        assert book.status_code == 200
        assert load_workbook(io.BytesIO(book.content)).sheetnames
    # the monthly workbook is made by a worker and downloaded from 导出
    start = client.post(client.get("/reports/monthly/").context["export_url"])
    assert start.status_code == 302
    run_jobs()
    job = client.get("/exports/").context["page"][0]
    assert job.status == "done", job.error
    book = client.get(f"/exports/{job.pk}/download/")
    assert "汇总" in load_workbook(io.BytesIO(body(book))).sheetnames
