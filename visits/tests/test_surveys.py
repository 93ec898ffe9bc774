from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hospitals.tests.factories import HospitalFactory
from visits.models import OxygenSurvey

from .factories import SurveyFactory

pytestmark = pytest.mark.django_db


def survey_form(**overrides):
    data = {
        "date": str(timezone.localdate()),
        "beds": "2900",
        "icu_beds": "124",
        "operating_rooms": "77",
        "current_source": "liquid",
        "supplier": "杭氧股份",
        "consumption_value": "20000",
        "consumption_unit": "kg_lox",
        "price_value": "2.4",
        "price_unit": "per_kg",
        "interest": "medium",
        "problems": ["cost", "safety"],
    }
    data.update(overrides)
    return data


def test_a_survey_in_kg_of_lox_shows_the_right_nm3(as_user, alice, hospital):
    response = as_user(alice).post(
        reverse("visits:survey-create", args=[hospital.pk]), survey_form()
    )
    survey = OxygenSurvey.objects.get()
    assert response.status_code == 302
    assert survey.consumption_nm3_per_month == Decimal("14000")
    assert survey.created_by == alice
    body = as_user(alice).get(survey.get_absolute_url()).content.decode()
    assert "14,000" in body and "¥3.43" in body


def test_the_new_form_starts_from_the_hospital_record(as_user, alice, hospital):
    form = as_user(alice).get(reverse("visits:survey-create", args=[hospital.pk])).context["form"]
    assert (form.initial["beds"], form.initial["icu_beds"]) == (2900, 124)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"beds": "-5"}, "beds", "确保该值大于或等于0。"),
        ({"beds": "100", "icu_beds": "200"}, "icu_beds", "ICU床位（200）不能多于床位数（100）。"),
        ({"consumption_unit": "barrels"}, "consumption_unit", "选择一个有效的选项"),
        ({"price_value": "-1"}, "price_value", "确保该值大于或等于0"),
        ({"date": str(timezone.localdate() + timedelta(days=3))}, "date", "调查日期不能晚于今天。"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    as_user, alice, hospital, overrides, field, message
):
    response = as_user(alice).post(
        reverse("visits:survey-create", args=[hospital.pk]), survey_form(**overrides)
    )
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not OxygenSurvey.objects.exists()


def test_the_detail_compares_with_the_earlier_survey(as_user, alice, hospital):
    SurveyFactory(
        hospital=hospital, date=timezone.localdate() - timedelta(days=90), consumption_value=18
    )
    latest = SurveyFactory(hospital=hospital, consumption_value=20)
    response = as_user(alice).get(latest.get_absolute_url())
    assert response.context["earlier"].consumption_value == 18
    assert "↑ 12,600" in response.content.decode()  # 18 t LOX a month, before


def test_hospital_and_project_pages_show_the_newest_survey(as_user, alice, hospital):
    from pipeline.tests.factories import ProjectFactory

    SurveyFactory(hospital=hospital, date=timezone.localdate() - timedelta(days=30))
    SurveyFactory(hospital=hospital, consumption_value=25)
    project = ProjectFactory(hospital=hospital)
    assert "17,500 Nm³" in as_user(alice).get(hospital.get_absolute_url()).content.decode()
    assert as_user(alice).get(project.get_absolute_url()).context["survey"].consumption_value == 25


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_others_surveys_are_not_found(as_user, hospital, who, request):
    survey = SurveyFactory(hospital=hospital)
    client = as_user(request.getfixturevalue(who))
    assert client.get(survey.get_absolute_url()).status_code == 404
    assert client.get(reverse("visits:survey-edit", args=[survey.pk])).status_code == 404
    assert client.get(reverse("visits:survey-create", args=[hospital.pk])).status_code == 404
    assert client.get(reverse("visits:survey-list")).context["page"].paginator.count == 0


def test_the_blank_form_lists_every_question(as_user, alice):
    body = as_user(alice).get(reverse("visits:survey-blank")).content.decode()
    for label in ("床位数", "月用氧量", "☐ kg 液氧", "☐ 瓶（40 L 钢瓶）", "采购与决策流程"):
        assert label in body


def test_the_excel_export_reads_back_with_converted_values(as_user, alice, carol, hospital):
    SurveyFactory(hospital=hospital, consumption_value=20, consumption_unit="t_lox")
    SurveyFactory(hospital=HospitalFactory(owner=carol))
    response = as_user(alice).get(reverse("visits:survey-export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "医院用氧情况调查表"
    assert len(rows) == 4  # title, subtitle, header, one survey: never carol's
    header, row = rows[2], rows[3]
    assert row[header.index("折合 Nm³/月")] == 14000
    assert round(row[header.index("折合 元/Nm³")], 2) == 2.57


def test_the_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    SurveyFactory(hospital=hospital)
    few = queries_for(lambda: client.get(reverse("visits:survey-list")))
    for _ in range(20):
        SurveyFactory(hospital=HospitalFactory(owner=alice))
    with django_assert_max_num_queries(9):
        many = queries_for(lambda: client.get(reverse("visits:survey-list")))
    assert few == many


def test_every_wrong_field_is_named_at_once(as_user, alice, hospital):
    """Field errors and the rules across fields (ICU beds within beds) in one answer, not one
    a submit."""
    response = as_user(alice).post(
        reverse("visits:survey-create", args=[hospital.pk]),
        survey_form(beds="100", icu_beds="200", operating_rooms="-3", price_unit=""),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"icu_beds", "operating_rooms", "price_unit"}
    assert not OxygenSurvey.objects.exists()
