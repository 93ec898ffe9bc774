from decimal import Decimal

import pytest

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory
from proposals import services
from proposals.models import EconomicsSettings, Proposal, State
from proposals.tests.factories import make_proposal
from visits.tests.factories import SurveyFactory


@pytest.fixture
def project(alice):
    hospital = HospitalFactory(owner=alice, name="诸暨市人民医院")
    return ProjectFactory(hospital=hospital)


CASE = {
    "dept_general_ward": "280",
    "dept_icu": "12",
    "dept_operating_room": "8",
    "consumption_kind": "lox_t_per_year",
    "consumption_value": "150",
    "baseline_kind": "cny_per_t_lox",
    "baseline_value": "1800",
    "price": "2.40",
    "term_years": "10",
    "mode": "keep",
}


def test_calculator_is_prefilled_from_the_survey(as_user, alice, project):
    SurveyFactory(
        hospital=project.hospital,
        beds=300,
        icu_beds=12,
        operating_rooms=8,
        consumption_value=Decimal("12.5"),
        consumption_unit="t_lox",
        price_value=Decimal("1800"),
        price_unit="per_t",
        annual_growth=Decimal("5"),
    )
    page = as_user(alice).get(f"/projects/{project.pk}/economics/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="dept_general_ward" value="288"' in html
    assert 'name="consumption_value" value="150.0"' in html
    assert 'name="s_growth" value="0.05"' in html  # the hospital's own growth, 5 %
    assert "逐年现金流" in html and "<svg" in html  # results computed on first load


def test_results_update_as_a_fragment(as_user, alice, project):
    response = as_user(alice).get(
        f"/projects/{project.pk}/economics/", CASE, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    # the flag in words, never a viable-looking price where none exists
    assert "按当前用氧价格，不存在双方都受益的价格" in html
    assert "投资方不可行" in html
    assert "2.93" in html  # the floor
    assert "3.5%" in html  # IRR


def test_estimated_consumption_is_labelled(as_user, alice, project):
    case = {**CASE, "consumption_kind": "", "consumption_value": ""}
    html = as_user(alice).get(f"/projects/{project.pk}/economics/", case).content.decode()
    assert "按科室床位估算" in html


def test_bad_input_says_which_field(as_user, alice, project):
    case = {**CASE, "term_years": "0", "dept_icu": "-3"}
    html = as_user(alice).get(f"/projects/{project.pk}/economics/", case).content.decode()
    assert 'href="#id_term_years"' in html and 'href="#id_dept_icu"' in html
    assert "逐年现金流" not in html


def test_save_as_proposal_and_review(as_user, alice, project):
    terms = {
        "minimum_monthly_m3": "6000",
        "meter_reading_day": "5",
        "payment_days": "45",
        "invoice_terms": "按月开票",
        "backup": "保留液氧储罐",
        "valid_until": "2027-01-31",
    }
    response = as_user(alice).post(f"/projects/{project.pk}/proposals/new/", {**CASE, **terms})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.payment_days == 45 and proposal.minimum_monthly_m3 == 6000
    assert proposal.price == Decimal("2.40")
    page = as_user(alice).get(proposal.get_absolute_url()).content.decode()
    assert proposal.number in page and "提交审批" in page


def test_save_keeps_input_on_error(as_user, alice, project):
    response = as_user(alice).post(
        f"/projects/{project.pk}/proposals/new/", {**CASE, "meter_reading_day": "31"}
    )
    assert response.status_code == 400
    assert "抄表日应为每月 1 至 28 日" in response.content.decode()
    assert not Proposal.objects.exists()


def test_director_approves_with_a_reason_on_the_page(as_user, alice, director, project):
    proposal = services.submit(proposal=make_proposal(project), by=alice)
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.price, proposal.results["npv"] = Decimal("0.50"), -1.0  # below floor
    proposal.save()
    boss = as_user(director)
    assert "例外批准理由" in boss.get(proposal.get_absolute_url()).content.decode()
    refused = boss.post(f"/proposals/{proposal.pk}/approve/", {"override_reason": ""}, follow=True)
    assert "请写明例外批准的理由" in refused.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING
    boss.post(f"/proposals/{proposal.pk}/approve/", {"override_reason": "战略医院"})
    assert Proposal.objects.get(pk=proposal.pk).state == State.APPROVED


def test_a_manager_cannot_approve_on_the_page(as_user, alice, project):
    proposal = services.submit(proposal=make_proposal(project), by=alice)
    page = as_user(alice).get(proposal.get_absolute_url()).content.decode()
    assert "等待销售总监审批" in page
    as_user(alice).post(f"/proposals/{proposal.pk}/approve/", {"override_reason": "x"})
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING


def test_pages_follow_the_visibility_rule(as_user, project, carol, bob):
    proposal = make_proposal(project)
    for user in (carol, bob):
        client = as_user(user)
        assert client.get(proposal.get_absolute_url()).status_code == 404
        assert client.get(f"/projects/{project.pk}/economics/").status_code == 404
        assert proposal.number not in client.get("/proposals/").content.decode()


def test_proposal_list_has_a_fixed_number_of_queries(as_user, director, project, queries_for):
    client = as_user(director)
    make_proposal(project)
    few = queries_for(lambda: client.get("/proposals/"))
    for _ in range(5):
        make_proposal(ProjectFactory(hospital=project.hospital))
    assert queries_for(lambda: client.get("/proposals/")) == few


def test_detail_has_a_fixed_number_of_queries(as_user, director, project, queries_for, alice):
    proposal = make_proposal(project)
    client = as_user(director)
    few = queries_for(lambda: client.get(proposal.get_absolute_url()))
    services.submit(proposal=proposal, by=alice)
    services.approve(proposal=proposal, by=director)
    assert queries_for(lambda: client.get(proposal.get_absolute_url())) == few


def test_admin_saves_a_settings_version(as_user, admin_user, alice):
    current = EconomicsSettings.current()
    client = as_user(admin_user)
    page = client.get("/proposals/settings/").content.decode()
    assert "hurdle_irr" in page and "假设" in page and "Nm³/t" in page
    form = _settings_form(current)
    form.update(
        {
            "capex_per_nm3h": "18000",
            "status.capex_per_nm3h": "verified",
            "source.capex_per_nm3h": "2026 年设备报价",
            "coefficients.icu.eta": "0.9",
            "note": "按报价更新",
        }
    )
    response = client.post("/proposals/settings/", form)
    assert response.status_code == 302
    latest = EconomicsSettings.current()
    assert latest.pk != current.pk
    assert latest.values["capex_per_nm3h"] == 18000
    assert latest.values["coefficients"]["icu"]["eta"] == 0.9
    assert latest.meta["capex_per_nm3h"] == {"status": "verified", "source": "2026 年设备报价"}
    # everyone may read the assumptions; only the admin saves them
    manager = as_user(alice)
    assert "保存为新版本" not in manager.get("/proposals/settings/").content.decode()
    assert manager.post("/proposals/settings/", form).status_code == 403
    assert EconomicsSettings.current().pk == latest.pk


def test_bad_setting_is_named_and_nothing_saved(as_user, admin_user):
    current = EconomicsSettings.current()
    form = {**_settings_form(current), "availability": "1.7", "om_rate": "abc"}
    response = as_user(admin_user).post("/proposals/settings/", form)
    assert response.status_code == 400
    assert "om_rate" in response.content.decode()
    assert EconomicsSettings.objects.count() == 1


def _settings_form(settings) -> dict:
    form = {}
    for key, value in settings.values.items():
        if key == "coefficients":
            for dept, row in value.items():
                for part, v in row.items():
                    form[f"coefficients.{dept}.{part}"] = str(v)
        elif key == "est_avg_lpm":
            for dept, v in value.items():
                form[f"est_avg_lpm.{dept}"] = str(v)
        elif key == "unit_catalogue":
            form[key] = ", ".join(str(v) for v in value)
        else:
            form[key] = str(value)
    return form


@pytest.mark.parametrize(
    "value, text", [(1050000, "¥1,050,000"), (-213133.2, "-¥213,133"), (-0.2, "¥0"), (None, "—")]
)
def test_money_puts_the_sign_before_the_yuan(value, text):
    from proposals.templatetags.money import yuan

    assert yuan(value) == text


def test_calculator_has_a_fixed_number_of_queries(as_user, alice, project, queries_for):
    client = as_user(alice)
    url = f"/projects/{project.pk}/economics/"
    EconomicsSettings.current()  # the first use writes the default settings row
    SurveyFactory(hospital=project.hospital)
    few = queries_for(lambda: client.get(url, CASE))
    for _ in range(4):
        SurveyFactory(hospital=project.hospital)
        make_proposal(project)
    assert queries_for(lambda: client.get(url, CASE)) == few


def test_edit_a_draft_in_the_calculator(as_user, alice, project):
    proposal = make_proposal(project)
    client = as_user(alice)
    page = client.get(f"/proposals/{proposal.pk}/edit/").content.decode()
    assert 'name="price" value="5.0"' in page
    data = {
        **CASE,
        "price": "2.80",
        "version": str(proposal.version),
        "meter_reading_day": "10",
        "payment_days": "30",
        "invoice_terms": "按月",
        "backup": "液氧",
    }
    assert client.post(f"/proposals/{proposal.pk}/edit/", data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.price == Decimal("2.80") and proposal.meter_reading_day == 10
    assert proposal.results["price"] == pytest.approx(2.80)


def test_a_stale_edit_is_refused_and_keeps_the_input(as_user, alice, leader, project):
    proposal = make_proposal(project)
    data = {
        **CASE,
        "price": "2.80",
        "version": str(proposal.version),
        "meter_reading_day": "1",
        "payment_days": "30",
        "invoice_terms": "按月",
        "backup": "液氧",
    }
    as_user(leader).post(f"/proposals/{proposal.pk}/edit/", {**data, "price": "3.10"})
    response = as_user(alice).post(f"/proposals/{proposal.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "保存未成功" in html and 'value="2.80"' in html
    proposal.refresh_from_db()
    assert proposal.price == Decimal("3.10")


def test_a_submitted_proposal_cannot_be_edited(as_user, alice, project):
    proposal = services.submit(proposal=make_proposal(project), by=alice)
    response = as_user(alice).get(f"/proposals/{proposal.pk}/edit/", follow=True)
    assert "只有草稿或已退回的建议书可以修改" in response.content.decode()


def test_a_case_setting_out_of_range_is_named_on_its_field(as_user, alice, project):
    html = (
        as_user(alice)
        .get(f"/projects/{project.pk}/economics/", {**CASE, "s_availability": "1.5"})
        .content.decode()
    )
    assert 'href="#id_s_availability"' in html and "超出允许范围" in html
    assert "逐年现金流" not in html


def test_errors_show_in_the_results_as_the_user_types(as_user, alice, project):
    response = as_user(alice).get(
        f"/projects/{project.pk}/economics/",
        {**CASE, "dept_icu": "-1"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert 'href="#id_dept_icu"' in html


def test_a_wrong_input_while_typing_keeps_the_results_and_marks_the_field(as_user, alice, project):
    """The form as htmx sends it while typing (`stale`): a wrong value swaps nothing into
    the results (they stay, marked as from the last good input) and fills the field's own
    error slot; the next good value brings results and clears the slot."""
    url = f"/projects/{project.pk}/economics/"
    htmx = {"HX-Request": "true"}
    wrong = as_user(alice).get(url, {**CASE, "dept_icu": "-1", "stale": "1"}, headers=htmx)
    html = wrong.content.decode()
    assert wrong["HX-Reswap"] == "none"
    assert '<div class="field-errors" id="errors-dept_icu" hx-swap-oob="true"><ul' in html
    assert 'id="results-stale"' in html and "上一次有效输入" in html
    assert "逐年现金流" not in html  # the results on screen are not replaced
    good = as_user(alice).get(url, {**CASE, "stale": "1"}, headers=htmx)
    html = good.content.decode()
    assert "HX-Reswap" not in good and "逐年现金流" in html
    assert '<div class="field-errors" id="errors-dept_icu" hx-swap-oob="true"></div>' in html
