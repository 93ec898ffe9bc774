import pytest
from django.urls import reverse

from hospitals.models import Hospital
from o2crm import records

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db

LIST = reverse("hospitals:hospital-list")


def test_it_requires_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_shows_only_the_managers_hospitals(as_user, alice, carol):
    HospitalFactory(owner=alice, name="浙江省人民医院")
    HospitalFactory(owner=carol, name="温州市人民医院", city="温州市")
    response = as_user(alice).get(LIST)
    assert response.status_code == 200
    assert "浙江省人民医院" in response.content.decode()
    assert "温州市人民医院" not in response.content.decode()


def test_the_list_filters_by_region_grade_status_and_owner(as_user, director, alice, bob):
    HospitalFactory(owner=alice, name="湖州市中心医院", city="湖州市", grade="3A")
    HospitalFactory(owner=bob, name="长兴县人民医院", city="湖州市", grade="3B", status="new")
    HospitalFactory(owner=bob, name="嘉兴市第一医院", city="嘉兴市", grade="3A")
    client = as_user(director)

    def listed(**params):
        page = client.get(LIST, params).context["page"]
        return sorted(h.name for h in page.object_list)

    assert listed(city="湖州") == ["湖州市中心医院", "长兴县人民医院"]
    assert listed(grade="3B") == ["长兴县人民医院"]
    assert listed(status="new") == ["长兴县人民医院"]
    assert listed(owner=bob.pk) == ["嘉兴市第一医院", "长兴县人民医院"]
    assert listed(province="江苏省") == []


def test_the_list_sorts_by_beds_and_grade(as_user, director):
    HospitalFactory(name="甲", beds=500, icu_beds=10, grade="2A")
    HospitalFactory(name="乙", beds=3000, grade="3A")
    HospitalFactory(name="丙", beds=800, grade="3B")
    client = as_user(director)

    def order(sort):
        return [h.name for h in client.get(LIST, {"sort": sort}).context["page"].object_list]

    assert order("-beds") == ["乙", "丙", "甲"]
    assert order("beds") == ["甲", "丙", "乙"]
    assert order("-grade") == ["乙", "丙", "甲"]


def test_the_list_is_paginated(as_user, director):
    for _ in range(30):
        HospitalFactory()
    client = as_user(director)
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 25
    assert "第 1 / 2 页" in first.content.decode()
    second = client.get(LIST, {"page": 2, "sort": "-beds"})
    assert len(second.context["page"].object_list) == 5


def test_the_pages_split_the_sorted_list_without_gaps_or_repeats(as_user, director):
    # a page's ids are read first and its rows after: the rows keep the sort, beds tied
    for i in range(30):
        HospitalFactory(beds=[300, 500, 800][i % 3])
    client = as_user(director)
    pages = [
        [h.pk for h in client.get(LIST, {"sort": "-beds", "page": n}).context["page"]]
        for n in (1, 2)
    ]
    expected = list(Hospital.objects.order_by("-beds", "pk").values_list("pk", flat=True))
    assert pages[0] + pages[1] == expected


def test_the_list_searches_by_pinyin_initials(as_user, director):
    HospitalFactory(name="浙江省人民医院")
    HospitalFactory(name="浙江省中医院")
    response = as_user(director).get(LIST, {"q": "zjsrm"})
    assert [h.name for h in response.context["page"].object_list] == ["浙江省人民医院"]


def test_htmx_gets_only_the_results_fragment(as_user, alice):
    HospitalFactory(owner=alice, name="浙江省人民医院")
    response = as_user(alice).get(LIST, {"q": "zj"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="results"' in body
    assert "浙江省人民医院" in body


def test_the_list_runs_a_fixed_number_of_queries(
    as_user, alice, leader, director, queries_for, django_assert_max_num_queries
):
    for user in (alice, leader, director):
        client = as_user(user)
        HospitalFactory(owner=alice)
        few = queries_for(lambda c=client: c.get(LIST, {"q": "cs", "sort": "-beds"}))
        for _ in range(30):
            HospitalFactory(owner=alice)
        with django_assert_max_num_queries(10):
            many = queries_for(lambda c=client: c.get(LIST, {"q": "cs", "sort": "-beds"}))
        assert few == many, user


def test_the_detail_shows_the_org_chart_by_layer(as_user, alice):
    hospital = HospitalFactory(owner=alice)
    equipment = DepartmentFactory(hospital=hospital, name="设备科")
    ContactFactory(
        hospital=hospital, name="周慧", title="院长", layer="decision", roles=["approve"]
    )
    ContactFactory(
        hospital=hospital,
        name="彭雪梅",
        department=equipment,
        layer="functional",
        attitude="support",
    )
    response = as_user(alice).get(hospital.get_absolute_url())
    assert response.status_code == 200
    layers = {
        value: [c.name for c in people] for value, _label, people in response.context["layers"]
    }
    assert layers == {"decision": ["周慧"], "functional": ["彭雪梅"], "base": []}
    body = response.content.decode()
    assert "审批" in body and "支持" in body and "设备科" in body


def test_the_detail_runs_a_fixed_number_of_queries(
    as_user, alice, queries_for, django_assert_max_num_queries
):
    hospital = HospitalFactory(owner=alice)
    for i in range(10):
        department = DepartmentFactory(hospital=hospital)
        ContactFactory(hospital=hospital, department=department, name=f"人{i}")
    client = as_user(alice)
    few = queries_for(lambda: client.get(hospital.get_absolute_url()))
    for i in range(10):
        department = DepartmentFactory(hospital=hospital)
        ContactFactory(hospital=hospital, department=department, name=f"又{i}")
        hospital.beds += 1
        records.save_record(record=hospital, by=alice)
    with django_assert_max_num_queries(14):  # with the projects and surveys sections
        many = queries_for(lambda: client.get(hospital.get_absolute_url()))
    assert few == many


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_others_hospitals_are_not_found(as_user, alice, who, request):
    hospital = HospitalFactory(owner=alice)
    client = as_user(request.getfixturevalue(who))
    for url in (
        hospital.get_absolute_url(),
        reverse("hospitals:hospital-edit", args=[hospital.pk]),
        reverse("hospitals:hospital-history", args=[hospital.pk]),
        reverse("hospitals:contact-create", args=[hospital.pk]),
        reverse("hospitals:department-create", args=[hospital.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("hospitals:hospital-edit", args=[hospital.pk]), {}).status_code == 404
    )


def valid_form(**overrides):
    data = {
        "name": "杭州市钱塘区人民医院",
        "short_name": "钱塘区医院",
        "province": "浙江省",
        "city": "杭州市",
        "county": "钱塘区",
        "grade": "none",
        "hospital_type": "general",
        "ownership": "public",
        "status": "new",
        "beds": "1000",
        "icu_beds": "40",
        "operating_rooms": "20",
        "hyperbaric_chambers": "0",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_hospital_they_then_own(as_user, alice):
    response = as_user(alice).post(reverse("hospitals:hospital-create"), valid_form())
    hospital = Hospital.objects.get(name="杭州市钱塘区人民医院")
    assert response.status_code == 302
    assert response["Location"] == hospital.get_absolute_url()
    assert hospital.owner == alice
    assert hospital.initials == "hzsqtqrmyy"
    assert hospital.history.get().history_user == alice


def test_icu_beds_above_beds_are_refused_in_chinese(as_user, alice):
    response = as_user(alice).post(
        reverse("hospitals:hospital-create"), valid_form(beds="100", icu_beds="120")
    )
    assert response.status_code == 400
    assert "ICU床位（120）不能多于床位数（100）。" in response.content.decode()
    assert not Hospital.objects.exists()


def test_errors_are_in_english_when_the_user_switched(as_user, alice):
    client = as_user(alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        reverse("hospitals:hospital-create"), valid_form(beds="100", icu_beds="120", name="")
    )
    body = response.content.decode()
    assert "ICU beds (120) cannot exceed beds (100)." in body
    assert "This field is required." in body


def test_a_duplicate_name_in_the_city_links_to_the_existing_hospital(as_user, alice):
    existing = HospitalFactory(owner=alice, name="杭州市钱塘区人民医院")
    response = as_user(alice).post(reverse("hospitals:hospital-create"), valid_form())
    assert response.status_code == 400
    body = response.content.decode()
    assert "杭州市已有同名医院“杭州市钱塘区人民医院”" in body
    assert f'href="{existing.get_absolute_url()}"' in body
    assert Hospital.objects.count() == 1


def test_a_manager_cannot_choose_the_owner_but_a_team_leader_can(as_user, alice, bob, leader):
    response = as_user(alice).post(reverse("hospitals:hospital-create"), valid_form(owner=bob.pk))
    assert Hospital.objects.get().owner == alice  # the field is not offered to a manager
    assert response.status_code == 302
    Hospital.objects.all().delete()
    as_user(leader).post(reverse("hospitals:hospital-create"), valid_form(owner=bob.pk))
    assert Hospital.objects.get().owner == bob


def test_a_stale_edit_is_refused_and_the_input_kept(as_user, alice, leader):
    hospital = HospitalFactory(owner=alice, beds=1000)
    url = reverse("hospitals:hospital-edit", args=[hospital.pk])
    # both open the form at version 1; the leader saves first
    form = valid_form(name=hospital.name, city=hospital.city, version="1", owner=alice.pk)
    assert as_user(leader).post(url, {**form, "beds": "1100"}).status_code == 302

    response = as_user(alice).post(url, {**form, "beds": "1250", "notes": "院长同意立项"})

    assert response.status_code == 409
    body = response.content.decode()
    assert "陈立军 在您打开此页面之后修改了这条记录" in body
    assert 'value="1250"' in body and "院长同意立项" in body
    hospital.refresh_from_db()
    assert hospital.beds == 1100
    assert hospital.notes == ""


def test_the_history_shows_who_changed_which_field(as_user, alice):
    hospital = HospitalFactory(owner=alice, beds=1000)
    url = reverse("hospitals:hospital-edit", args=[hospital.pk])
    form = valid_form(name=hospital.name, city=hospital.city, version="1", status="relocating")
    as_user(alice).post(url, {**form, "beds": "1300"})
    body = as_user(alice).get(hospital.get_absolute_url()).content.decode()
    assert "刘晓燕" in body
    assert "<del>1000</del> → <ins>1300</ins>" in body
    assert "<del>运营</del> → <ins>迁建</ins>" in body


def test_a_team_leader_must_keep_an_owner(as_user, alice, leader):
    hospital = HospitalFactory(owner=alice)
    url = reverse("hospitals:hospital-edit", args=[hospital.pk])
    form = valid_form(name=hospital.name, city=hospital.city, version="1", owner="")
    response = as_user(leader).post(url, form)
    assert response.status_code == 400
    assert Hospital.objects.get().owner == alice


def test_get_never_changes_anything(as_user, alice):
    hospital = HospitalFactory(owner=alice)
    as_user(alice).get(reverse("hospitals:hospital-edit", args=[hospital.pk]), valid_form())
    assert Hospital.objects.get().version == 1


def test_a_duplicate_the_user_may_not_see_names_its_team_not_its_link(as_user, alice, carol):
    theirs = HospitalFactory(owner=carol, name="杭州市钱塘区人民医院")
    response = as_user(alice).post(reverse("hospitals:hospital-create"), valid_form())
    assert response.status_code == 400
    body = response.content.decode()
    assert "杭州市已有同名医院“杭州市钱塘区人民医院”" in body
    assert "这家医院已由浙南二组（黄志强）负责" in body
    assert theirs.get_absolute_url() not in body and f"/{theirs.pk}/" not in body
    answer = as_user(alice).post(
        "/api/v1/hospitals",
        valid_form(),
        content_type="application/json",
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(answer.json()) == {"detail", "errors"} and set(errors) == {"name"}
    assert any("浙南二组（黄志强）" in message for message in errors["name"])
