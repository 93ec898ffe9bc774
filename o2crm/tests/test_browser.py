"""The main flows in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright), at desktop and phone width: log in, search by pinyin, open a hospital and its
org chart, edit a contact. Screenshots land in test-artifacts/ for a human to look at."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from hospitals.tests.factories import ContactFactory, DepartmentFactory, HospitalFactory

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 740}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls in these tests
    # are still plain synchronous calls, so Django's async guard may stand down here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        yield from _launch(sync_playwright)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch(sync_playwright):
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def hospital(alice):
    hospital = HospitalFactory(owner=alice, name="浙江省人民医院", short_name="省人民医院")
    office = DepartmentFactory(hospital=hospital, name="院办")
    equipment = DepartmentFactory(hospital=hospital, name="设备科")
    ContactFactory(
        hospital=hospital,
        department=office,
        name="周慧",
        title="院长",
        layer="decision",
        roles=["approve"],
        attitude="neutral",
    )
    ContactFactory(
        hospital=hospital,
        department=equipment,
        name="张伟",
        title="设备科科长",
        layer="functional",
        roles=["apply", "procure"],
        attitude="support",
        hobbies="钓鱼",
    )
    HospitalFactory(owner=alice, name="浙江省中医院")
    return hospital


def _open(browser, live_server, size: str):
    context = browser.new_context(viewport=VIEWPORTS[size], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    page.size = size
    # whatever the Content-Security-Policy blocked: every flow must run without it
    page.blocked = []
    page.on(
        "console",
        lambda m: page.blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    # and no asset (icon, manifest, script, style) the pages ask for is missing
    page.missing = []
    page.on(
        "response",
        lambda r: (
            page.missing.append(r.url)
            if r.status >= 400 and r.request.resource_type != "document" and "/api/" not in r.url
            else None
        ),
    )
    return context, page


def _close(context, page) -> None:
    context.close()
    assert page.blocked == [], page.blocked
    assert page.missing == [], page.missing


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, live_server):
    context, page = _open(browser, live_server, request.param)
    yield page
    _close(context, page)


@pytest.fixture
def phone(browser, live_server):
    context, page = _open(browser, live_server, "phone")
    yield page
    _close(context, page)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{page.size}-{name}.png", full_page=True)


def log_in(page, username: str = "alice", password: str = "o2crm-test") -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base + "/")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_log_in_search_by_pinyin_open_the_org_chart_and_edit_a_contact(page, hospital):
    log_in(page)
    assert "您好，刘晓燕" in page.text_content("h1")
    shot(page, "home")

    # search by pinyin initials; htmx swaps in the results as the user types
    page.goto(page.base + "/search/")
    page.fill("#search-q", "zjsrm")
    page.wait_for_selector("#results a.hit >> text=浙江省人民医院")
    assert page.locator("#results a.hit", has_text="浙江省中医院").count() == 0
    shot(page, "search")
    page.click("#results a.hit >> text=浙江省人民医院")
    page.wait_for_url(page.base + hospital.get_absolute_url())

    # the org chart groups people by layer
    decision = page.locator("#layer-decision")
    functional = page.locator("#layer-functional")
    assert "周慧" in decision.text_content() and "审批" in decision.text_content()
    assert "张伟" in functional.text_content() and "支持" in functional.text_content()
    shot(page, "hospital")

    # edit a contact and see the change in their history
    functional.locator("a.person", has_text="张伟").click()
    page.click("text=编辑")
    page.fill("#id_title", "设备处处长")
    page.check("input[name=roles][value=informant]")
    shot(page, "contact-form")
    page.click("button:has-text('保存')")
    page.wait_for_selector("h1:has-text('张伟')")
    body = page.text_content("main")
    assert "设备处处长" in body
    assert "信息提供者/代理人" in body
    assert "职务：设备科科长 → 设备处处长" in " ".join(body.split()).replace(" → ", " → ")
    shot(page, "contact")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_the_pages_fit_a_phone_screen(phone, hospital):
    page = phone
    log_in(page)
    for path in ("/", "/hospitals/", hospital.get_absolute_url(), "/contacts/", "/search/?q=zhang"):
        page.goto(page.base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
        assert page.locator("nav.tabbar").is_visible()


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_a_hospital_list_filter_updates_in_place(page, hospital):
    log_in(page)
    page.goto(page.base + "/hospitals/")
    assert page.locator("#results").text_content().count("医院") >= 2
    page.fill("#id_q", "zhongyi")
    # (a locator's wait: a wait_for_function string is eval, which the CSP refuses)
    expect(page.locator("#results")).not_to_contain_text("浙江省人民医院")
    assert "浙江省中医院" in page.text_content("#results")
    assert "q=zhongyi" in page.url  # the filter is in the address, so it can be shared


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_a_failed_login_explains_itself(page, alice):
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "请输入一个正确的用户名和密码" in page.text_content(".form-errors")


def test_log_a_follow_up_from_the_due_list_and_move_a_card(page, hospital):
    from pipeline.tests.factories import ProjectFactory, evaluate, follow_up, stage

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    follow_up(project, kind="business", days_ago=9)
    follow_up(project, kind="relationship", days_ago=0)
    log_in(page)

    page.goto(page.base + "/projects/due/")
    row = page.locator(".due-row", has_text="浙江省人民医院")
    assert "逾期" in row.text_content()
    shot(page, "due")
    row.locator("text=记一笔").click()
    page.check("input[name=kind][value=business]")
    page.check("input[name=channel][value=phone]")
    page.check("input[name=contacts] >> nth=0")
    page.fill("#id_summary", "电话确认院务会议程")
    shot(page, "follow-up-form")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/projects/due/**")
    assert page.locator(".due-row", has_text="浙江省人民医院").count() == 0

    # the board refuses a move past qualification until the evaluation says pursue
    page.goto(page.base + "/projects/board/")
    card = page.locator(f"#card-{project.pk}")
    card.locator("select[name=stage]").select_option(label="拜访交流")
    card.locator("button:has-text('移动')").click()
    expect(page.locator(".board-status")).to_contain_text("需先有一次结论为“推进”的意向评估")
    evaluate(project, "pursue")
    card = page.locator(f"#card-{project.pk}")
    card.locator("select[name=stage]").select_option(label="拜访交流")
    card.locator("button:has-text('移动')").click()
    expect(page.locator("#stage-visit").locator(f"#card-{project.pk}")).to_have_count(1)
    shot(page, "board")
    assert project.stage_changes.filter(to_stage=stage("visit")).exists()


def test_plan_brief_record_a_visit_and_complete_a_task(page, hospital):
    from pipeline.models import Project
    from pipeline.tests.factories import ProjectFactory

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    project.contacts.set(hospital.contacts.all())
    log_in(page)

    page.goto(page.base + project.get_absolute_url())
    page.click("text=安排拜访")
    page.fill("#id_planned_at", "2099-01-05T09:30")
    page.check("input[name=contacts] >> nth=0")
    page.fill("#id_questions", "新院区的供氧方案由谁拍板？")
    page.click("button:has-text('保存')")
    page.wait_for_selector("h1:has-text('浙江省人民医院')")

    page.click("text=拜访简报")
    assert "这次要问清楚" in page.text_content("main")
    assert "新院区的供氧方案由谁拍板" in page.text_content("main")
    shot(page, "visit-brief")
    page.go_back()

    page.click("text=记录拜访")
    page.fill("#id_background", "院长关心供氧安全")
    page.fill("#id_outcome", "同意考虑投放方案")
    shot(page, "visit-record")
    page.click("button:has-text('保存记录')")
    assert "已记录拜访，并生成 5 项跟进待办" in page.text_content(".messages")

    page.goto(page.base + "/tasks/")
    row = page.locator(".task", has_text="拜访后回电或发短信致谢")
    row.locator("button:has-text('完成')").click()
    assert "已完成" in page.text_content(".messages")
    shot(page, "tasks")
    project = Project.objects.get(pk=project.pk)
    assert project.last_business_contact_on is not None
    assert project.last_relationship_contact_on is not None


def test_plan_the_president_record_an_action_and_keep_the_ledger(page, hospital, director):
    """关系发展计划 as the manager uses it: the president joins the plan from the proposal, an
    action comes due as a task, recording it moves his closeness on the chart; a dinner over
    the limit asks for a reason and waits for the director."""
    from hospitals.models import Contact
    from pipeline.tests.factories import ProjectFactory
    from relations.models import LedgerEntry
    from visits.models import Task

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目", entry_path="mid")
    project.contacts.set(hospital.contacts.all())
    president = Contact.objects.get(name="周慧")
    log_in(page)

    page.goto(page.base + project.get_absolute_url())
    page.click("#relations >> text=制定关系发展计划")
    page.click(f"#person-{president.pk} a:has-text('加入计划')")
    page.select_option("#id_target_closeness", "4")
    page.fill("#id_strategy", "请院长看样板点的连续运行记录")
    page.click("button:has-text('保存')")
    assert "已保存 周慧 的发展目标" in page.text_content(".messages")
    assert "8 周内无计划行动" in page.text_content("#gaps")

    page.click(f"#person-{president.pk} a:has-text('安排行动')")
    page.select_option("#id_kind", "reference_visit")
    page.fill("#id_planned_on", (timezone.localdate() + timedelta(days=2)).isoformat())
    page.click("button:has-text('保存')")
    # the suggestion for a president met through the middle layer: 高层对高层, the director's task
    assert Task.objects.filter(owner=director, title__contains="参观样板点").exists()
    assert page.locator("#gaps").count() == 0  # an action is coming: in hand
    shot(page, "relationship-plan")

    page.click(f"#person-{president.pk} a:has-text('记录结果')")
    page.fill("#id_done_on", timezone.localdate().isoformat())
    page.fill("#id_outcome", "院长看了样板点，认可运行数据")
    page.select_option("#id_move_closeness", "3")
    page.select_option("#id_move_attitude", "support")
    page.click("button:has-text('保存')")
    assert "已记录" in page.text_content(".messages")
    person = page.locator(f"#person-{president.pk}")
    assert "亲密 3/5" in person.text_content()
    expect(person.locator("circle.dot.att-support")).to_have_count(1)

    page.goto(page.base + f"/contacts/{president.pk}/")
    page.click("#contact-ledger >> text=登记费用")
    page.select_option("#id_kind", label="宴请（每人每次 ¥300，每人每年 ¥2,000）")
    page.fill("#id_amount", "3000")
    page.fill("#id_purpose", "院长考察后晚餐")
    page.click("button:has-text('保存')")
    assert "超出限额，请写明理由" in page.text_content("#ledger-form")
    page.fill("#id_reason", "同席有外院专家")
    page.click("button:has-text('保存')")
    assert "等待总监审批" in page.text_content(".messages")
    shot(page, "ledger-entry")
    assert LedgerEntry.objects.get().status == "pending"


def test_compute_a_placement_save_submit_and_approve_a_proposal(page, hospital, director):
    from decimal import Decimal

    from pipeline.tests.factories import ProjectFactory, evaluate
    from proposals.models import Proposal
    from visits.tests.factories import SurveyFactory

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    evaluate(project, "pursue")
    SurveyFactory(
        hospital=hospital,
        beds=300,
        icu_beds=12,
        operating_rooms=8,
        consumption_value=Decimal("12.5"),
        consumption_unit="t_lox",
        price_value=Decimal("1800"),
        price_unit="per_t",
    )
    log_in(page)
    page.goto(page.base + project.get_absolute_url())
    page.click("text=投放测算")
    # prefilled from the survey: the reference's worked example, no mutual price
    results = page.locator("#results")
    assert "不存在双方都受益的价格" in results.text_content()
    with page.expect_response(lambda r: "/economics/?" in r.url):
        page.fill("#id_price", "2.40")
    # IRR updated in place (the swap follows the response)
    expect(page.locator("#results")).to_contain_text("3.5%")
    shot(page, "calculator")
    page.click("button:has-text('保存为建议书草稿')")
    page.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get()
    assert proposal.price == Decimal("2.40")
    page.click("button:has-text('提交审批')")
    assert "已提交审批" in page.text_content(".messages")

    # the director must give a reason to approve a price below the floor
    page.context.clear_cookies()
    log_in(page, "director")
    page.goto(page.base + proposal.get_absolute_url())
    assert "低于保本价" in page.text_content("#workflow")
    page.fill("#id_override_reason", "区域首个示范项目")
    page.click("button:has-text('批准')")
    assert "已批准" in page.text_content(".messages")
    shot(page, "proposal")
    proposal.refresh_from_db()
    assert proposal.state == "approved" and proposal.override_reason == "区域首个示范项目"


def test_review_and_submit_the_week_then_the_leader_sees_it(page, hospital, leader):
    from pipeline.tests.factories import ProjectFactory, follow_up

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    follow_up(project, kind="business")
    log_in(page)

    # from the 工作台's weekly card to this week's summary, built from the records
    page.locator("#my-week a", has_text="本周").click()
    page.wait_for_url("**/reports/weekly/alice/**")
    week = page.url.rstrip("/").rsplit("/", 1)[-1]  # this ISO week, 2026-W53 on 28 December
    assert "浙江省人民医院" in page.text_content("table")
    assert "未提交" in page.text_content(".weeknav")
    page.fill("#id_remark", "院长认可投放模式，下周报送建议书。")
    shot(page, "weekly-draft")
    page.click("button:has-text('确认并提交')")
    assert "周报已提交" in page.text_content(".messages")
    assert "已提交 · 刘晓燕" in page.text_content(".weeknav")
    assert page.locator("button:has-text('确认并提交')").count() == 0
    shot(page, "weekly-submitted")

    # the team leader sees who has submitted, and reads it
    page.context.clear_cookies()
    log_in(page, "leader")
    page.goto(page.base + "/reports/weekly/")
    # the leader reviews this week from Friday, last week before: then this one is a click on
    if page.locator(".weeknav a", has_text=f"{week} ›").count():
        page.locator(".weeknav a", has_text=f"{week} ›").click()
        page.wait_for_url(f"**/reports/weekly/?week={week}")
    assert page.input_value("#id_week") == week
    alice = page.locator("a.hit", has_text="刘晓燕")
    assert "已提交" in alice.text_content()
    assert "未提交" in page.locator("a.hit", has_text="陈立军").text_content()
    shot(page, "weekly-overview")
    alice.click()
    assert "院长认可投放模式" in page.text_content("#submit")


@pytest.fixture
def desktop(browser, live_server):
    context, page = _open(browser, live_server, "desktop")
    yield page
    _close(context, page)


@pytest.fixture
def pipeline(alice, bob, carol, director):
    """Projects of both teams, begun 40 days ago (so in the month 月报 opens on, whatever the
    day): alice and bob (浙北一组), carol (浙南二组)."""
    from datetime import timedelta

    from django.utils import timezone

    from pipeline import services
    from pipeline.tests.factories import ProjectFactory, evaluate, follow_up, stage

    soon = timezone.localdate() + timedelta(days=45)
    for owner, code, value in (
        (alice, "lead", 1_000_000),
        (alice, "proposal", 2_000_000),
        (bob, "proposal", 3_000_000),
        (carol, "negotiation", 4_000_000),
    ):
        hospital = HospitalFactory(owner=owner, province="浙江省")
        project = ProjectFactory(
            hospital=hospital, contract_value=value, planned_purchase_date=soon
        )
        if code != "lead":
            evaluate(project, "pursue")
            services.move_stage(project=project, stage=stage(code), by=owner)
        follow_up(project, kind="business", days_ago=3)
        begun = timezone.now() - timedelta(days=40)
        type(project).objects.filter(pk=project.pk).update(created_at=begun)
        project.stage_changes.update(changed_at=begun)


def _number(text: str) -> int:
    """The figure a page prints (¥1,234,567 or 50%) as an integer."""
    return int("".join(ch for ch in text if ch.isdigit()) or 0)


def _total_row(sheet, label="合计") -> tuple:
    return next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == label)


# Per report: the total the page prints, and the same total read from its workbook.
ON_PAGE = {
    "funnel": lambda p: _number(p.locator(".stats .stat b").first.text_content()),
    "sources": lambda p: sum(
        _number(row.locator("td").nth(1).text_content())
        for row in p.locator("section.card").first.locator("tbody tr").all()
    ),
    "forecast": lambda p: _number(p.locator(".stats .stat b").nth(2).text_content()),
    "discipline": lambda p: _number(p.locator("tr.subtotal td.num").first.text_content()),
    "monthly": lambda p: _number(p.locator(".stats .stat b").first.text_content()),
}
IN_BOOK = {
    "funnel": lambda b: _total_row(b["销售管道"])[2],
    "sources": lambda b: sum(r[1] for r in b["信息来源"].iter_rows(min_row=4, values_only=True)),
    "forecast": lambda b: round(
        [r for r in b["按团队"].iter_rows(min_row=4, values_only=True) if r[0] == "合计"][0][-1]
    ),
    "discipline": lambda b: _total_row(b["联络达标"])[2],
    "monthly": lambda b: _total_row(b["汇总"])[2],
}


@pytest.mark.parametrize("report", list(ON_PAGE))
def test_view_then_export_gives_the_workbook_of_what_is_on_screen(
    desktop, pipeline, run_jobs, report
):
    """查看 sends the filters as the form has them (全部团队 is an empty team=); 导出 Excel
    must answer with the workbook of exactly that, for all teams and then for one. The
    monthly workbook is made in the background: 导出 shows its progress, and its download
    appears when a worker has made it."""
    from openpyxl import load_workbook

    page = desktop
    log_in(page, "director")
    seen = []
    for team in ("", "浙北一组"):
        page.goto(page.base + f"/reports/{report}/")
        if team:
            page.select_option("#id_team", label=team)
        page.click("button:has-text('查看')")
        page.wait_for_load_state()
        assert "team=" in page.url
        on_page = ON_PAGE[report](page)
        if report == "monthly":
            page.click("text=导出 Excel")
            page.wait_for_url("**/exports/")
            expect(page.locator("tr[data-export] progress").first).to_be_visible()
            if not team:
                shot(page, "exports-progress")
            run_jobs()
        with page.expect_download() as download:
            if report == "monthly":  # the page refreshes itself until the file is made
                page.locator("tr[data-export]").first.get_by_text("下载").click(timeout=15000)
            else:
                page.click("text=导出 Excel")
        assert download.value.suggested_filename.endswith(".xlsx")
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert IN_BOOK[report](book) == on_page > 0
        seen.append(on_page)
    assert seen[1] < seen[0]  # carol's team left out: the team on screen is the workbook's
    shot(page, f"report-{report}")


# In the field (issue 18) --------------------------------------------------------------------


def no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_every_section_is_two_taps_away_and_marked(page, hospital):
    """From the 工作台, every section opens in at most two taps, on a phone (its tabs, or
    更多 then the section) and on a desktop (the bar; search and the account have their own
    places), and the bar marks the section the page belongs to."""
    from o2crm.navigation import SECTIONS, TABS

    log_in(page)
    for number, section in enumerate(SECTIONS):
        page.goto(page.base + "/")
        if page.size == "phone":
            if number >= TABS:
                page.click("nav.tabbar summary[data-section=more]")  # tap one
            page.click(f"nav.tabbar [data-section={section.key}]")
            page.wait_for_url(f"{page.base}{section.url}**")  # (a manager's 报表 opens her week)
            marked = page.locator(f"nav.tabbar [data-section={section.key}]")
            expect(marked).to_have_class("active")
            if number >= TABS:  # the 更多 tab shows that the section is behind it
                expect(page.locator("nav.tabbar summary[data-section=more]")).to_have_class(
                    "active"
                )
            assert no_sideways_scroll(page) <= 0, section.key
        elif section.desktop:
            page.click(f"nav.mainnav [data-section={section.key}]")
            page.wait_for_url(f"{page.base}{section.url}**")
            expect(page.locator(f"nav.mainnav [data-section={section.key}]")).to_have_class(
                "active"
            )
    shot(page, "navigation")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_each_checklist_tick_is_kept_without_a_save_button(page, hospital):
    from django.utils import timezone

    from visits.models import ChecklistItem, Visit

    visit = Visit.objects.create(
        hospital=hospital, owner=hospital.owner, planned_at=timezone.now(), place="院办"
    )
    first, second = ChecklistItem.objects.filter(is_active=True)[:2]
    log_in(page)
    page.goto(page.base + visit.get_absolute_url())
    assert page.locator("#checklist button").count() == 0  # no button to forget
    page.check(f"#checklist input[value='{first.pk}']")
    expect(page.locator("#checklist-status")).to_contain_text("已自动保存")
    page.check(f"#checklist input[value='{second.pk}']")
    page.uncheck(f"#checklist input[value='{first.pk}']")
    expect(page.locator("#checklist-status")).to_contain_text("已自动保存")
    page.goto(page.base + "/")  # left without pressing anything
    page.goto(page.base + visit.get_absolute_url())
    expect(page.locator(f"#checklist input[value='{second.pk}']")).to_be_checked()
    expect(page.locator(f"#checklist input[value='{first.pk}']")).not_to_be_checked()
    assert Visit.objects.get(pk=visit.pk).checklist == [second.pk]


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_charts_fit_their_card_and_stay_readable(page, hospital, director):
    """The funnel on 工作台 and 销售管道图, the placement chart on the calculator: inside their
    card at every width, their text drawn at a readable size."""
    from pipeline.tests.factories import ProjectFactory
    from visits.tests.factories import SurveyFactory

    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    SurveyFactory(hospital=hospital, project=project)  # the calculator computes at once
    log_in(page, "director")
    for path in ("/", "/reports/funnel/", f"/projects/{project.pk}/economics/"):
        page.goto(page.base + path)
        charts = page.locator("svg.chart:visible")
        expect(charts.first).to_be_visible()
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            card = chart.locator("xpath=ancestor::section[1]").bounding_box()
            assert (
                box["x"] >= card["x"] - 1
                and box["x"] + box["width"] <= card["x"] + card["width"] + 1
            ), path
            smallest = min(
                t.bounding_box()["height"]
                for t in chart.locator("text").all()
                if t.bounding_box() and t.text_content().strip()
            )
            assert smallest >= 9, (path, smallest)  # CSS pixels on screen
        assert no_sideways_scroll(page) <= 0, path
        shot(page, "chart-" + path.strip("/").replace("/", "-") or "home")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_the_visit_brief_reads_well_on_a_phone(phone, hospital):
    from django.utils import timezone

    from visits import services
    from visits.models import Visit

    page = phone
    visit = services.plan_visit(
        visit=Visit(hospital=hospital, owner=hospital.owner, planned_at=timezone.now()),
        contacts=list(hospital.contacts.all()),
        objectives=[],
        by=hospital.owner,
    )
    log_in(page)
    page.goto(page.base + f"/visits/{visit.pk}/brief/")
    names = page.locator("table.stack td.stack-title")
    expect(names.first).to_be_visible()
    for i in range(names.count()):
        box = names.nth(i).bounding_box()
        assert box["width"] > 200 and box["height"] < 40  # the name on one line, not one a line
    assert no_sideways_scroll(page) <= 0
    assert "设备科科长" in page.locator("table.stack tbody tr", has_text="张伟").text_content()
    shot(page, "visit-brief-phone")
    page.emulate_media(media="print")  # printed, the people stay a table
    expect(page.locator("table.stack thead")).to_be_visible()


def test_a_follow_up_from_the_due_list_starts_on_the_overdue_kind(page, hospital):
    from django.utils import timezone

    from pipeline.models import FollowUp
    from pipeline.tests.factories import ProjectFactory, follow_up

    project = ProjectFactory(
        hospital=hospital,
        name="省人民医院制氧站投放项目",
        planned_purchase_date=timezone.localdate() + timedelta(days=40),
    )
    follow_up(project, kind="business", days_ago=0)
    follow_up(project, kind="relationship", days_ago=10)  # only this one is overdue
    log_in(page)
    page.goto(page.base + "/projects/due/")
    page.locator(".due-row", has_text="浙江省人民医院").locator("text=记一笔").click()
    expect(page.locator("input[name=kind][value=relationship]")).to_be_checked()
    page.fill("#id_summary", "中秋节问候院长")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/projects/due/**")
    assert FollowUp.objects.filter(project=project, kind="relationship").count() == 2


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_the_board_shows_every_stage_and_a_card_is_dragged_in_place(desktop, hospital):
    from pipeline.models import Project
    from pipeline.tests.factories import ProjectFactory, evaluate

    page = desktop
    page.set_viewport_size({"width": 1366, "height": 560})  # short: the page scrolls
    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    evaluate(project, "pursue")
    log_in(page)
    page.goto(page.base + "/projects/board/")
    last = page.locator("#stage-contract").bounding_box()
    assert last["x"] + last["width"] <= 1366, "签约 is cut off"
    page.evaluate("window.scrollTo(0, 300)")
    page.evaluate("document.body.dataset.sameDocument = 'yes'")  # gone if the page reloads
    head = page.locator("#stage-visit .column-head")
    before = head.text_content()
    page.drag_and_drop(f"#card-{project.pk}", "#stage-visit")
    expect(page.locator("#stage-visit").locator(f"#card-{project.pk}")).to_have_count(1)
    expect(page.locator(".board-status")).to_contain_text("已进入“拜访交流”")
    assert page.locator("#stage-visit .column-head").text_content() != before  # its total
    assert page.evaluate("document.body.dataset.sameDocument") == "yes"  # no reload
    assert page.evaluate("window.scrollY") > 0  # and no jump to the top
    assert Project.objects.get(pk=project.pk).stage.code == "visit"
    shot(page, "board-dragged")


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_the_search_boxes_suggest_as_you_type(page, hospital):
    log_in(page)
    box = "header .topsearch input" if page.size == "desktop" else ".topsearch-home input"
    page.fill(box, "zjsrm")
    suggestion = page.locator(".suggest a.hit", has_text="浙江省人民医院")
    expect(suggestion).to_be_visible()
    assert page.locator(".suggest a.hit", has_text="浙江省中医院").count() == 0
    shot(page, "suggest")
    suggestion.click()
    page.wait_for_url(page.base + hospital.get_absolute_url())


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_the_director_picks_an_owner_by_typing_among_many(
    page, monkeypatch, director, bob, hospital
):
    from hospitals import forms

    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 1)  # the national staff, in three people
    HospitalFactory(owner=bob, name="嘉兴市第一医院")
    log_in(page, "director")
    page.goto(page.base + "/hospitals/")
    expect(page.locator("#results")).to_contain_text("嘉兴市第一医院")
    box = page.locator(".owner-pick input[type=search]")
    box.fill("lxy")  # 刘晓燕 by her initials
    pick = page.locator(".owner-pick .suggest [data-pk]", has_text="刘晓燕")
    expect(pick).to_be_visible()
    assert page.locator(".owner-pick .suggest [data-pk]").count() == 1
    shot(page, "owner-type-ahead")
    pick.click()
    expect(page.locator("#results")).not_to_contain_text("嘉兴市第一医院")
    expect(page.locator("#results")).to_contain_text("浙江省人民医院")
    assert f"owner={hospital.owner_id}" in page.url and box.input_value() == "刘晓燕"

    # typing without choosing changes nothing; leaving puts the chosen name back
    box.fill("wang")
    expect(page.locator(".owner-pick .suggest [data-pk]", has_text="王磊")).to_be_visible()
    page.locator("h1").click()
    expect(box).to_have_value("刘晓燕")
    expect(page.locator("#results")).not_to_contain_text("嘉兴市第一医院")

    # an emptied box is everyone again; Enter takes the first name offered
    box.fill("")
    expect(page.locator("#results")).to_contain_text("嘉兴市第一医院")
    box.fill("wl")
    expect(page.locator(".owner-pick .suggest [data-pk]", has_text="王磊")).to_be_visible()
    box.press("Enter")
    expect(page.locator("#results")).not_to_contain_text("浙江省人民医院")
    expect(page.locator("#results")).to_contain_text("嘉兴市第一医院")

    # the hospital's own form: the same box hands the hospital to 王磊, Enter not saving early
    page.goto(page.base + hospital.get_absolute_url() + "edit/")
    box = page.locator("#hospital-form .owner-pick input[type=search]")
    expect(box).to_have_value("刘晓燕")
    box.fill("l")  # 刘晓燕, and 陈立军 by his username: the arrows go through them
    expect(page.locator(".owner-pick .suggest [data-pk]")).to_have_count(2)
    box.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("陈立军")
    box.fill("wangl")
    expect(page.locator(".owner-pick .suggest [data-pk]", has_text="王磊")).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("王磊")
    assert page.url.endswith("/edit/")  # Enter picked; it did not send the form
    page.locator("#hospital-form button[type=submit]").click()
    page.wait_for_url(page.base + hospital.get_absolute_url())
    hospital.refresh_from_db()
    assert hospital.owner == bob


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_a_wrong_value_in_the_calculator_keeps_the_results_and_names_the_field(desktop, hospital):
    from pipeline.tests.factories import ProjectFactory
    from visits.tests.factories import SurveyFactory

    page = desktop
    page.set_viewport_size({"width": 1366, "height": 900})
    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    SurveyFactory(hospital=hospital, project=project)
    log_in(page)
    page.goto(page.base + f"/projects/{project.pk}/economics/")
    expect(page.locator("#results")).to_contain_text("逐年现金流")
    page.fill("#id_dept_icu", "-5")
    expect(page.locator("#errors-dept_icu")).not_to_be_empty()
    expect(page.locator("#results-stale")).to_contain_text("上一次有效输入")
    expect(page.locator("#results")).to_contain_text("逐年现金流")  # kept
    page.fill("#id_dept_icu", "20")
    expect(page.locator("#results-stale")).to_be_empty()
    expect(page.locator("#errors-dept_icu")).to_be_empty()
    # the year table's last column is inside its card (or the table says it scrolls)
    table = page.locator("table.num-table").first
    wrap = table.locator("xpath=..").bounding_box()
    assert (
        table.bounding_box()["width"] <= wrap["width"] + 1
        or page.locator(".table-wrap.scrolls").count()
    )
    shot(page, "calculator")


WALK = [
    "/",
    "/hospitals/",
    "/contacts/",
    "/projects/board/",
    "/projects/",
    "/projects/due/",
    "/visits/",
    "/tasks/",
    "/surveys/",
    "/proposals/",
    "/reports/weekly/",
    "/reports/monthly/",
    "/reports/funnel/",
    "/reports/sources/",
    "/reports/forecast/",
    "/reports/discipline/",
    "/search/?q=zj",
    "/accounts/profile/",
    "/notifications/",
    "/notifications/settings/",
    "/exports/",
]


@pytest.mark.timeless  # no date in it: left out of make calendar
@pytest.mark.parametrize("username", ["alice", "director"])
def test_a_walk_at_375_px_never_scrolls_sideways(phone, hospital, director, username):
    """Every section's pages at 375 px, as a manager and as the director: the page never
    scrolls sideways (a wide table scrolls inside its card and says so), no script error,
    no missing asset (checked when the page closes)."""
    from pipeline.tests.factories import ProjectFactory
    from proposals.tests.factories import make_proposal
    from visits.tests.factories import SurveyFactory

    page = phone
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    project = ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
    SurveyFactory(hospital=hospital, project=project)
    make_proposal(project)
    log_in(page, username)
    for path in [*WALK, hospital.get_absolute_url(), project.get_absolute_url()]:
        page.goto(page.base + path)
        assert no_sideways_scroll(page) <= 0, path
        for wrap in page.locator(".table-wrap").all():
            if wrap.evaluate("w => w.scrollWidth > w.clientWidth + 1"):
                assert "滑动" in wrap.get_attribute("data-hint"), path
    assert errors == []


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_leaving_a_form_with_unsaved_text_asks_first(desktop, hospital):
    page = desktop
    log_in(page)
    page.goto(page.base + hospital.get_absolute_url() + "edit/")
    page.fill("#id_notes", "新院区明年开工")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.click("nav.mainnav [data-section=home]")
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.locator("#id_notes").input_value() == "新院区明年开工"  # still on the form


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_choosing_where_notifications_go_and_adding_a_group_robot(page, hospital):
    """我的账户 › 通知设置: the digest's time, quiet hours and the kinds × channels grid are
    saved; a WeCom robot pasted as the group shows it is kept and shown only by its end."""
    from reminders.models import Preference, Robot

    key = "693a91f6-7c2e-4bc4-97a0-0ec2f1fa5aaa"
    log_in(page)
    page.goto(page.base + "/accounts/profile/")
    page.click("text=设置邮件、群机器人和提醒时间")
    page.select_option("#id_digest_time", "07:30")
    page.fill("#id_quiet_start", "22:00")
    page.fill("#id_quiet_end", "07:00")
    page.uncheck("input[name='weekly_nudge:email']")
    page.click("button:has-text('保存')")
    expect(page.locator(".messages")).to_contain_text("通知设置已保存")
    page.fill("#id_address", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}")
    page.fill("#id_name", "华东销售群")
    page.click("button:has-text('添加群机器人')")
    expect(page.locator("#robots")).to_contain_text("企业微信 华东销售群")
    assert key not in page.content() and "••••5aaa" in page.text_content("#robots")
    shot(page, "notification-settings")
    pref = Preference.objects.get(user__username="alice")
    assert (pref.digest_time.strftime("%H:%M"), pref.quiet_start.strftime("%H:%M")) == (
        "07:30",
        "22:00",
    )
    assert pref.off == ["weekly_nudge:email"] and Robot.objects.get().service == "wecombot"


@pytest.mark.timeless  # no date in it: left out of make calendar
def test_moving_in_a_hospital_sheet_previewed_corrected_and_imported(desktop, assistant, tmp_path):
    """The assistant downloads the template, uploads a sheet with a wrong row, reads which
    row and column to correct, uploads the corrected sheet and imports it whole."""
    from openpyxl import Workbook

    from hospitals.models import Hospital

    def sheet(beds):
        book = Workbook()
        book.active.append(["医院名称", "省份", "城市", "等级", "床位数"])
        book.active.append(["嘉兴市第一医院", "浙江省", "嘉兴市", "三级甲等", 1800])
        book.active.append(["海宁市人民医院", "浙江省", "嘉兴市", "三级乙等", beds])
        path = tmp_path / f"医院-{beds}.xlsx"
        book.save(path)
        return path

    page = desktop
    log_in(page, "assistant")
    page.goto(page.base + "/imports/")
    with page.expect_download() as template:
        page.click("#templates a[href$='/template/hospitals/']")
    assert template.value.suggested_filename.endswith(".xlsx")
    page.set_input_files("#id_file", str(sheet(-1)))
    page.click("button:has-text('上传并预览')")
    expect(page.locator("#row-errors")).to_contain_text("第 3 行 床位数")
    assert page.locator("button:has-text('确认导入')").count() == 0  # blocked
    shot(page, "import-preview-error")
    page.goto(page.base + "/imports/")
    page.set_input_files("#id_file", str(sheet(900)))
    page.click("button:has-text('上传并预览')")
    page.click("button:has-text('确认导入')")
    expect(page.locator(".messages")).to_contain_text("新建 2")
    assert set(Hospital.objects.values_list("name", flat=True)) == {
        "嘉兴市第一医院",
        "海宁市人民医院",
    }
    shot(page, "import-done")


def test_a_meter_read_on_a_phone_refuses_a_lower_value_and_bills_the_month(
    phone, hospital, director, operations
):
    from decimal import Decimal

    from placements import services as placing
    from placements.models import Reading
    from placements.tests.factories import accepted_contract

    today = timezone.localdate()
    contract = accepted_contract(
        hospital, director, operations,
        signed=today - timedelta(days=200), accepted=today - timedelta(days=100),
    )  # fmt: skip
    earlier = today - timedelta(days=40)
    placing.record_reading(
        reading=Reading(contract=contract, read_on=earlier, value=Decimal(10_000)), by=operations
    )
    log_in(phone, "operations")
    phone.goto(phone.base + contract.get_absolute_url())
    phone.click("a.btn-primary:has-text('抄表')")
    phone.fill("#id_value", "9000")
    phone.click("form.card button[type=submit]")
    expect(phone.locator("#errors-value")).to_contain_text("低于上次读数")
    shot(phone, "reading-refused")
    phone.fill("#id_value", "19000")
    phone.click("form.card button[type=submit]")
    phone.wait_for_url(phone.base + contract.get_absolute_url())
    expect(phone.locator("body")).to_contain_text("本期用量 9,000")
    shot(phone, "placement")
    statement = contract.statements.order_by("-month").first()
    for path in [
        contract.get_absolute_url(),
        f"/placements/{contract.pk}/installation/",
        "/placements/",
        "/placements/statements/",
        statement.get_absolute_url(),
        "/placements/receivables/",
        "/placements/portfolio/",
        "/",
    ]:
        phone.goto(phone.base + path)
        assert no_sideways_scroll(phone) <= 0, path
