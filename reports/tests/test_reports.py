"""The pipeline chart and the source analysis: the numbers, who sees them, and that the page,
the JSON and the workbook agree."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from pipeline import services
from pipeline.models import FollowUp, Project
from pipeline.tests.factories import ProjectFactory, evaluate, follow_up, stage

pytestmark = pytest.mark.django_db


def project(owner, code="lead", value=1_000_000, **kwargs):
    p = ProjectFactory(hospital=HospitalFactory(owner=owner), contract_value=value, **kwargs)
    if code != "lead":
        evaluate(p, "pursue")
        services.move_stage(project=p, stage=stage(code), by=owner)
    return p


@pytest.fixture
def pipeline(alice, bob, carol):
    project(alice, "lead", 1_000_000)
    project(alice, "proposal", 2_000_000)
    project(bob, "proposal", 3_000_000, source="promotion", source_event="seminar")
    project(carol, "negotiation", 4_000_000, entry_path="mid")
    lost = project(alice, "visit", 5_000_000, source="cold_visit")
    services.close_project(project=lost, status="lost", reason="竞争对手报价更低", by=alice)
    won = project(bob, "contract", 6_000_000)
    services.close_project(project=won, status="won", reason="", by=bob)


def by_stage(data):
    return {row["stage"]: row for row in data["stages"]}


def test_funnel_counts_open_projects_with_weighted_value(as_user, director, pipeline):
    data = as_user(director).get("/api/v1/reports/funnel").json()
    rows = by_stage(data)
    assert rows["lead"]["count"] == 1 and rows["proposal"]["count"] == 2
    assert Decimal(rows["proposal"]["value"]) == 5_000_000
    assert Decimal(rows["proposal"]["weighted"]) == 2_500_000  # 50 %
    assert Decimal(rows["negotiation"]["weighted"]) == 2_800_000  # 70 %
    assert data["total"]["count"] == 4  # the lost and the won one are not open
    assert Decimal(data["total"]["weighted"]) == sum(Decimal(r["weighted"]) for r in rows.values())


def test_conversion_follows_the_projects_that_entered_a_stage(as_user, director, pipeline):
    rows = by_stage(as_user(director).get("/api/v1/reports/funnel").json())
    # all six entered 信息收集; five moved on; the lost one moved into 拜访交流 and stopped
    assert rows["qualify"]["entered"] == 0  # moved straight from 信息收集 to later stages
    assert rows["visit"]["entered"] == 1 and rows["visit"]["moved_on"] == 0
    assert rows["proposal"]["entered"] == 2 and rows["proposal"]["moved_on"] == 0
    for row in rows.values():
        assert row["conversion"] is None or 0 <= row["conversion"] <= 1


def test_conversion_counts_only_the_stage_changes_of_visible_and_scoped_projects(
    as_user, alice, bob, leader, director, pipeline
):
    def entered(user, query=""):
        rows = by_stage(as_user(user).get(f"/api/v1/reports/funnel{query}").json())
        return {code: row["entered"] for code, row in rows.items() if row["entered"]}

    # every project entered 信息收集 when it was created
    assert entered(alice) == {"lead": 3, "proposal": 1, "visit": 1}
    assert entered(leader) == {"lead": 5, "proposal": 2, "visit": 1, "contract": 1}
    assert entered(director, f"?owner={bob.username}") == {"lead": 2, "proposal": 1, "contract": 1}
    everyone = {"lead": 6, "proposal": 2, "visit": 1, "negotiation": 1, "contract": 1}
    assert entered(director) == everyone


def test_a_manager_sees_only_their_pipeline(as_user, alice, leader, pipeline):
    mine = as_user(alice).get("/api/v1/reports/funnel").json()
    assert mine["total"]["count"] == 2
    team = as_user(leader).get("/api/v1/reports/funnel").json()
    assert team["total"]["count"] == 3  # alice's two and bob's one; not carol's
    # naming someone outside their team is refused, not silently widened
    response = as_user(alice).get("/api/v1/reports/funnel?owner=carol")
    assert response.status_code == 400 and "owner" in response.json()["errors"]


def test_funnel_filters_by_owner_for_the_director(as_user, director, bob, pipeline):
    data = as_user(director).get("/api/v1/reports/funnel?owner=bob").json()
    assert data["total"]["count"] == 1
    assert data["scope"]["owner"] == bob.pk


def test_funnel_page_json_and_workbook_agree(as_user, director, pipeline):
    client = as_user(director)
    data = client.get("/api/v1/reports/funnel").json()
    page = client.get("/reports/funnel/")
    html = page.content.decode()
    assert page.context["data"]["total"]["count"] == data["total"]["count"]
    assert "<svg" in html and "方案建议" in html
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/funnel?format=xlsx").content))
    ws = book.active
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    for row in data["stages"]:
        assert rows[row["name"]][2] == row["count"]
        assert Decimal(str(rows[row["name"]][4])) == Decimal(row["weighted"])
    assert rows["合计"][2] == data["total"]["count"]
    assert Decimal(str(rows["合计"][3])) == Decimal(data["total"]["value"])


def test_sources_win_rate_and_lost_reasons(as_user, director, pipeline):
    data = as_user(director).get("/api/v1/reports/sources").json()
    sources = {r["key"]: r for r in data["by_source"]}
    assert sources["relationship"]["projects"] == 4
    assert sources["relationship"]["won"] == 1 and sources["relationship"]["win_rate"] == 1.0
    assert sources["cold_visit"]["lost"] == 1 and sources["cold_visit"]["win_rate"] == 0.0
    assert sources["promotion"]["win_rate"] is None  # nothing closed yet
    assert [r["key"] for r in data["by_event"]] == ["seminar"]
    paths = {r["key"]: r["projects"] for r in data["by_entry_path"]}
    assert paths == {"mid": 1, "top": 5}
    assert data["lost_reasons"][0]["reason"] == "竞争对手报价更低"


def test_sources_show_where_an_executive_took_part(as_user, director, alice, pipeline):
    """高层对高层: a contact the director joined marks its project, in the report and its
    workbook, under its entry path."""
    mid = Project.objects.get(entry_path="mid")
    follow_up(mid, kind="relationship", days_ago=3)
    data = as_user(director).get("/api/v1/reports/sources").json()
    assert {r["key"]: r["projects"] for r in data["by_executive"]} == {"mid:0": 1, "top:0": 5}
    item = FollowUp(
        project=mid, date=timezone.localdate(), channel="dinner", kind="relationship",
        summary="周总监与院长晚餐",
    )  # fmt: skip
    services.log_follow_up(follow_up=item, contacts=[], by=alice, colleagues=[director])
    mid.refresh_from_db()
    assert mid.executive_joined_on == timezone.localdate()
    data = as_user(director).get("/api/v1/reports/sources").json()
    rows = {r["key"]: r for r in data["by_executive"]}
    assert rows["mid:1"]["projects"] == 1 and rows["mid:1"]["label"] == "中层切入 · 有高层参与"
    book = load_workbook(
        io.BytesIO(as_user(director).get("/api/v1/reports/sources?format=xlsx").content)
    )
    assert "中层切入 · 有高层参与" in [r[0] for r in book["高层参与"].iter_rows(values_only=True)]


def test_sources_average_value_and_days_to_win(as_user, director, bob, pipeline):
    won = Project.objects.get(status="won")
    Project.objects.filter(pk=won.pk).update(created_at=won.closed_at - timedelta(days=45))
    summaries.changed(Project, {won.owner_id})  # the test wrote past the services
    data = as_user(director).get("/api/v1/reports/sources").json()
    sources = {r["key"]: r for r in data["by_source"]}
    # 关系引导: 1m, 2m, 4m open and 6m won
    assert Decimal(sources["relationship"]["average_value"]) == 3_250_000
    assert Decimal(sources["relationship"]["won_value"]) == 6_000_000
    assert sources["relationship"]["days_to_win"] == 45.0
    assert sources["cold_visit"]["days_to_win"] is None  # nothing won
    paths = {r["key"]: r for r in data["by_entry_path"]}
    assert Decimal(paths["top"]["average_value"]) == 3_400_000  # 1, 2, 3, 5, 6 million
    assert paths["top"]["days_to_win"] == 45.0 and paths["mid"]["days_to_win"] is None


def test_sources_counts_projects_created_in_the_period(as_user, director, pipeline):
    later = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = as_user(director).get(f"/api/v1/reports/sources?start={later}&end={later}").json()
    assert data["by_source"] == []
    bad = as_user(director).get(f"/api/v1/reports/sources?start={later}&end=2020-01-01")
    assert bad.status_code == 400 and "end" in bad.json()["errors"]


def test_sources_workbook_reads_back(as_user, director, pipeline):
    client = as_user(director)
    data = client.get("/api/v1/reports/sources").json()
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/sources?format=xlsx").content))
    assert book.sheetnames == ["信息来源", "推广活动", "切入方式", "高层参与", "丢单原因"]
    rows = {r[0]: r for r in book["信息来源"].iter_rows(min_row=4, values_only=True)}
    for row in data["by_source"]:
        assert rows[row["label"]][1:4] == (row["projects"], row["won"], row["lost"])


def test_report_pages_have_a_fixed_number_of_queries(as_user, director, alice, queries_for):
    client = as_user(director)
    project(alice, "proposal")
    few = {
        u: queries_for(lambda u=u: client.get(u)) for u in ("/reports/funnel/", "/reports/sources/")
    }
    for code in ("visit", "proposal", "negotiation", "lead"):
        project(alice, code)
    for url, n in few.items():
        assert queries_for(lambda url=url: client.get(url)) == n, url


def test_forecast_weighted_is_value_times_probability(as_user, director, alice, bob):
    soon = timezone.localdate() + timedelta(days=40)
    later = timezone.localdate() + timedelta(days=100)
    a = project(alice, "proposal", 2_000_000, planned_purchase_date=soon)
    project(alice, "negotiation", 1_000_000, planned_purchase_date=later)
    project(bob, "lead", 3_000_000, planned_purchase_date=soon)
    project(bob, "lead", 9_000_000, planned_purchase_date=soon + timedelta(days=800))  # too far
    a.committed = True
    a.save()
    data = as_user(director).get("/api/v1/reports/forecast").json()
    assert len(data["months"]) == 12
    total = data["total"]["total"]
    expected = Decimal(2_000_000 * 50 + 1_000_000 * 70 + 3_000_000 * 10) / 100
    assert Decimal(total["weighted"]) == expected
    assert Decimal(total["committed"]) == 2_000_000
    assert total["count"] == 3
    people = {p["owner"]: p for p in data["managers"]}
    assert Decimal(people["alice"]["total"]["weighted"]) == 1_700_000
    month = data["months"].index(soon.strftime("%Y-%m"))
    assert Decimal(people["bob"]["months"][month]["weighted"]) == 300_000
    # a manager sees only their own forecast
    mine = as_user(alice).get("/api/v1/reports/forecast").json()
    assert [p["owner"] for p in mine["managers"]] == ["alice"]


def test_forecast_workbook_matches_the_json(as_user, director, alice):
    project(alice, "proposal", 2_000_000, planned_purchase_date=timezone.localdate())
    client = as_user(director)
    data = client.get("/api/v1/reports/forecast").json()
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/forecast?format=xlsx").content))
    assert book.sheetnames == ["按负责人", "按团队", "预测与实际"]
    rows = list(book["按负责人"].iter_rows(min_row=4, values_only=True))
    weighted = next(r for r in rows if r[1] == "加权")
    assert Decimal(str(weighted[-1])) == Decimal(data["managers"][0]["total"]["weighted"])
    page = client.get("/reports/forecast/")
    assert page.context["data"]["total"]["total"]["weighted"] == Decimal(
        data["total"]["total"]["weighted"]
    )


def test_forecast_page_shows_the_largest_managers_first(as_user, director, alice, bob, monkeypatch):
    monkeypatch.setattr("reports.views.MANAGERS_SHOWN", 1)
    soon = timezone.localdate() + timedelta(days=10)
    project(alice, "proposal", 1_000_000, planned_purchase_date=soon)
    project(bob, "proposal", 5_000_000, planned_purchase_date=soon)
    page = as_user(director).get("/reports/forecast/")
    managers = page.context["groups"][1]
    assert [r["owner"] for r in managers["rows"]] == ["bob"] and managers["hidden"] == 1
    assert "另有 1 位销售经理" in page.content.decode()


def test_forecast_api_pages_its_managers_and_keeps_every_total(
    as_user, director, alice, bob, monkeypatch
):
    monkeypatch.setattr("reports.scope.MANAGERS_PAGE", 1)
    soon = timezone.localdate() + timedelta(days=10)
    project(alice, "proposal", 1_000_000, planned_purchase_date=soon)
    project(bob, "proposal", 5_000_000, planned_purchase_date=soon)
    client = as_user(director)
    first = client.get("/api/v1/reports/forecast").json()
    second = client.get("/api/v1/reports/forecast?page=2").json()
    assert [m["owner"] for m in first["managers"]] == ["alice"]
    assert [m["owner"] for m in second["managers"]] == ["bob"]
    assert first["managers_page"] == {"number": 1, "pages": 2} and first["managers_count"] == 2
    # teams and the total stay whole on every page, and the workbook has every manager
    assert first["total"] == second["total"]
    assert Decimal(first["total"]["total"]["weighted"]) == 3_000_000
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/forecast?format=xlsx").content))
    names = {r[0] for r in book["按负责人"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert {"刘晓燕", "王磊"} <= names


def test_forecast_page_prints_grouped_whole_yuan(as_user, director, alice):
    project(alice, "proposal", 2_468_000, planned_purchase_date=timezone.localdate())
    html = as_user(director).get("/reports/forecast/").content.decode()
    assert "1,234,000" in html  # 2,468,000 × 50 %, as floatformat:"0g" printed it
    english = as_user(director).get("/reports/forecast/", HTTP_ACCEPT_LANGUAGE="en")
    assert "1,234,000" in english.content.decode()


# The filters on screen, and the workbook of what is on screen ---------------------------

EMPTY_FILTERS = {
    "funnel": "owner=&team=&province=&start=&end=",
    "sources": "owner=&team=&province=&start=&end=",
    "forecast": "owner=&team=&province=&start=&end=",
    "discipline": "owner=&team=&province=&start=&end=",
    "monthly": "month=&owner=&team=&province=",
}


@pytest.mark.parametrize("report", list(EMPTY_FILTERS))
def test_empty_filters_mean_all_on_the_page_the_json_and_the_workbook(
    as_user, director, pipeline, report
):
    """What the filter form sends when 查看 is pressed with 全部团队, 全部负责人, 全部省份."""
    client = as_user(director)
    empty = EMPTY_FILTERS[report]
    page = client.get(f"/reports/{report}/?{empty}")
    assert page.status_code == 200
    unfiltered = client.get(f"/api/v1/reports/{report}").json()
    answer = client.get(f"/api/v1/reports/{report}?{empty}")
    assert answer.status_code == 200, answer.content
    assert answer.json() == unfiltered
    book = client.get(f"/api/v1/reports/{report}?{empty}&format=xlsx")
    assert book.status_code == 200
    assert load_workbook(io.BytesIO(book.content)).sheetnames
    # the page's export link: no empty filter, the period on screen spelled out (the
    # monthly workbook is made in the background, from the same filters)
    link = page.context["export_url" if report == "monthly" else "xlsx_url"]
    assert "=&" not in link and not link.endswith("=")
    scope = page.context["data"]["scope"]
    if report == "monthly":
        assert f"month={scope['month']}" in link
    else:
        assert f"start={scope['start']}&end={scope['end']}" in link


@pytest.mark.parametrize("report", list(EMPTY_FILTERS))
def test_the_export_link_carries_exactly_the_filters_on_screen(
    as_user, director, bob, team1, pipeline, report
):
    """The page names the owner by id, the API by username: the link translates."""
    client = as_user(director)
    page = client.get(f"/reports/{report}/?owner={bob.pk}&team={team1.pk}&province=浙江省")
    assert page.status_code == 200
    if report == "monthly":  # made in the background: the export carries the same query
        link = page.context["export_url"]
        assert "owner=bob" in link and f"team={team1.pk}" in link
        link = f"/api/v1/reports/monthly?{link.split('?', 1)[1]}&format=xlsx"
    else:
        link = page.context["xlsx_url"]
    assert "owner=bob" in link and f"team={team1.pk}" in link and "format=xlsx" in link
    book = client.get(link)
    assert book.status_code == 200, book.content
    json = client.get(link.replace("format=xlsx", "format=json")).json()
    assert json["scope"]["owner"] == bob.pk == page.context["data"]["scope"]["owner"]
    assert (
        json
        == client.get(f"/api/v1/reports/{report}?owner=bob&team={team1.pk}&province=浙江省").json()
    )


@pytest.mark.parametrize("report", ["funnel", "sources", "forecast", "discipline", "monthly"])
def test_the_api_looks_up_the_owner_it_is_given(as_user, director, leader, bob, carol, report):
    """The API names an owner by username; one the user may not see, or who has left, is
    refused on the owner field, saying whom (not a menu of every manager to pick from)."""
    url = f"/api/v1/reports/{report}"
    assert as_user(director).get(f"{url}?owner=bob").json()["scope"]["owner"] == bob.pk
    assert as_user(leader).get(f"{url}?owner=bob").json()["scope"]["owner"] == bob.pk
    bob.is_active = False
    bob.save()
    for user, name in ((leader, "carol"), (director, "bob"), (director, "nobody")):
        response = as_user(user).get(f"{url}?owner={name}")
        assert response.status_code == 400, (user, name)
        [message] = response.json()["errors"]["owner"]
        assert name in message and "负责人" in message


def test_the_owner_menu_lists_whom_the_user_may_see(as_user, director, leader, alice, bob, carol):
    """The report filter's owner menu: every manager for the director, a leader's team, the
    one asked for selected, names escaped; a manager alone gets no menu."""
    carol.name = '黄志强 <"二组">'
    carol.save()

    def menu(user, query=""):
        html = as_user(user).get(f"/reports/discipline/{query}").content.decode()
        if 'name="owner"' not in html:
            return None
        start = html.rindex("<select", 0, html.index('name="owner"'))
        return html[start : html.index("</select>", start)]

    everyone = menu(director, f"?owner={bob.pk}")
    assert everyone.count("<option") == 1 + 4  # 全部负责人, alice, bob, carol, leader
    assert f'<option value="{bob.pk}" selected>王磊</option>' in everyone
    assert "黄志强 &lt;&quot;二组&quot;&gt;" in everyone and '<"二组">' not in everyone
    team = menu(leader)
    assert "刘晓燕" in team and "王磊" in team and "黄志强" not in team
    assert menu(alice) is None
