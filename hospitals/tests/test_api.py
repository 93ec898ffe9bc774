import json

import pytest
from django.test import Client

from hospitals.models import Contact, Hospital

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_good_credentials_only(alice):
    client = Client()
    bad = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "alice", "password": "nope"}),
        content_type="application/json",
    )
    assert bad.status_code == 401
    assert "token" not in bad.json()


def test_calls_without_credentials_are_refused(db):
    response = Client().get("/api/v1/hospitals")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_bad_token_is_refused(db):
    response = Client().get("/api/v1/hospitals", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_the_hospital_list_has_the_agreed_shape(api_as, alice, carol):
    HospitalFactory(owner=alice, name="浙江省人民医院", beds=2900, icu_beds=124)
    HospitalFactory(owner=carol, name="温州市人民医院", city="温州市")
    body = api_as(alice).get("/hospitals").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert {
        k: item[k] for k in ("name", "province", "city", "grade", "owner", "beds", "icu_beds")
    } == {
        "name": "浙江省人民医院",
        "province": "浙江省",
        "city": "杭州市",
        "grade": "3A",
        "owner": "alice",
        "beds": 2900,
        "icu_beds": 124,
    }
    for key in ("id", "operating_rooms", "hyperbaric_chambers"):
        assert key in item


def test_the_list_searches_by_pinyin_and_pages(api_as, director):
    for i in range(7):
        HospitalFactory(name=f"宁波市第{i}医院", city="宁波市")
    HospitalFactory(name="北京协和医院", province="北京市", city="北京市")
    client = api_as(director)
    assert [h["name"] for h in client.get("/hospitals", {"q": "bjxh"}).json()["items"]] == [
        "北京协和医院"
    ]
    page = client.get("/hospitals", {"q": "nbs", "page": 2, "page_size": 3}).json()
    assert page["count"] == 7
    assert len(page["items"]) == 3


def test_another_teams_hospital_is_not_found(api_as, alice, carol):
    hospital = HospitalFactory(owner=carol)
    client = api_as(alice)
    assert client.get(f"/hospitals/{hospital.pk}").status_code == 404
    assert client.patch(f"/hospitals/{hospital.pk}", {"beds": 1}).status_code == 404
    department = DepartmentFactory(hospital=hospital)
    contact = ContactFactory(hospital=hospital)
    assert client.get(f"/departments/{department.pk}").status_code == 404
    assert client.get(f"/contacts/{contact.pk}").status_code == 404
    assert client.get("/contacts").json()["count"] == 0
    assert client.post("/contacts", {"hospital": hospital.pk, "name": "新人"}).status_code == 400


def test_a_manager_creates_a_hospital(api_as, alice):
    response = api_as(alice).post(
        "/hospitals",
        {"name": "杭州市钱塘区人民医院", "province": "浙江省", "city": "杭州市", "beds": 1000},
    )
    assert response.status_code == 201
    assert response.json()["owner"] == "alice"
    assert response.json()["initials"] == "hzsqtqrmyy"
    assert Hospital.objects.get().history.get().history_user == alice


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"beds": 100, "icu_beds": 200}, "icu_beds", "ICU床位（200）不能多于床位数（100）。"),
        ({"beds": -5}, "beds", "确保该值大于或等于0。"),
        ({"beds": "很多"}, "beds", "请输入整数。"),
        ({"grade": "5A"}, "grade", "选择一个有效的选项。 5A 不在可用的选项中。"),
        ({"name": ""}, "name", "这个字段是必填项。"),
        ({"owner": "ghost"}, "owner", "没有用户名为“ghost”的用户。"),
    ],
)
def test_a_refused_value_answers_400_naming_the_field(api_as, director, body, field, message):
    hospital = HospitalFactory()
    response = api_as(director).patch(f"/hospitals/{hospital.pk}", body)
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert field in response.json()["detail"]
    assert Hospital.objects.get().version == 1


def test_errors_come_in_english_when_asked(api_as, director):
    hospital = HospitalFactory()
    response = api_as(director, language="en").patch(f"/hospitals/{hospital.pk}", {"beds": "many"})
    assert response.json()["errors"]["beds"] == ["Enter a whole number."]


def test_a_manager_may_not_set_the_owner(api_as, alice, bob):
    response = api_as(alice).post(
        "/hospitals", {"name": "甲医院", "province": "浙江省", "city": "杭州市", "owner": "bob"}
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert not Hospital.objects.exists()


def test_a_stale_version_answers_409(api_as, alice, leader):
    hospital = HospitalFactory(owner=alice, beds=1000)
    assert (
        api_as(leader).patch(f"/hospitals/{hospital.pk}", {"beds": 1100, "version": 1}).status_code
        == 200
    )
    response = api_as(alice).patch(f"/hospitals/{hospital.pk}", {"beds": 1200, "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Hospital.objects.get().beds == 1100


def test_if_match_works_as_the_version_too(api_as, alice):
    hospital = HospitalFactory(owner=alice)
    client = api_as(alice)
    client.headers["If-Match"] = '"7"'
    assert client.patch(f"/hospitals/{hospital.pk}", {"beds": 2000}).status_code == 409
    client.headers["If-Match"] = '"1"'
    assert client.patch(f"/hospitals/{hospital.pk}", {"beds": 2000}).status_code == 200


def test_a_partial_update_keeps_the_other_fields(api_as, alice):
    hospital = HospitalFactory(owner=alice, beds=1200, icu_beds=60, notes="老院区")
    response = api_as(alice).patch(f"/hospitals/{hospital.pk}", {"status": "relocating"})
    assert response.status_code == 200
    hospital.refresh_from_db()
    assert (hospital.status, hospital.beds, hospital.icu_beds, hospital.notes) == (
        "relocating",
        1200,
        60,
        "老院区",
    )
    assert response.json()["version"] == 2


def test_departments_are_created_and_listed_per_hospital(api_as, alice):
    hospital = HospitalFactory(owner=alice)
    client = api_as(alice)
    top = client.post("/departments", {"hospital": hospital.pk, "name": "临床科室"}).json()
    response = client.post(
        "/departments", {"hospital": hospital.pk, "name": "重症医学科", "parent": top["id"]}
    )
    assert response.status_code == 201
    listed = client.get("/departments", {"hospital": hospital.pk}).json()
    assert listed["count"] == 2
    assert {d["name"]: d["parent"] for d in listed["items"]} == {
        "临床科室": None,
        "重症医学科": top["id"],
    }
    cycle = client.patch(f"/departments/{top['id']}", {"parent": response.json()["id"]})
    assert cycle.status_code == 400
    assert "parent" in cycle.json()["errors"]


def test_a_contact_has_the_agreed_shape(api_as, alice):
    hospital = HospitalFactory(owner=alice)
    department = DepartmentFactory(hospital=hospital, name="设备科")
    response = api_as(alice).post(
        "/contacts",
        {
            "hospital": hospital.pk,
            "department": department.pk,
            "name": "张伟",
            "layer": "functional",
            "roles": ["apply", "procure"],
            "closeness": 4,
            "personal": {"hobbies": "钓鱼", "birthday": "1975-03-08"},
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["hospital"],
        body["department"],
        body["layer"],
        body["roles"],
        body["closeness"],
    ) == (
        hospital.pk,
        department.pk,
        "functional",
        ["apply", "procure"],
        4,
    )
    assert body["personal"]["hobbies"] == "钓鱼"
    assert body["personal"]["birthday"] == "1975-03-08"


@pytest.mark.parametrize(
    ("who", "sees"), [("alice", True), ("leader", True), ("director", True), ("assistant", False)]
)
def test_personal_is_null_for_whoever_may_not_see_it(api_as, alice, who, sees, request):
    contact = ContactFactory(hospital=HospitalFactory(owner=alice), hobbies="钓鱼")
    client = api_as(request.getfixturevalue(who))
    one = client.get(f"/contacts/{contact.pk}").json()
    listed = client.get("/contacts").json()["items"][0]
    if sees:
        assert one["personal"]["hobbies"] == listed["personal"]["hobbies"] == "钓鱼"
    else:
        assert one["personal"] is None and listed["personal"] is None


def test_personal_fields_cannot_be_written_by_whoever_may_not_see_them(api_as, alice, assistant):
    contact = ContactFactory(hospital=HospitalFactory(owner=alice), hobbies="钓鱼")
    response = api_as(assistant).patch(
        f"/contacts/{contact.pk}", {"personal": {"hobbies": "高尔夫"}}
    )
    assert response.status_code == 400
    assert "hobbies" in response.json()["errors"]
    assert Contact.objects.get().hobbies == "钓鱼"


def test_contacts_are_found_by_pinyin(api_as, alice):
    hospital = HospitalFactory(owner=alice)
    ContactFactory(hospital=hospital, name="张伟")
    ContactFactory(hospital=hospital, name="李娜")
    body = api_as(alice).get("/contacts", {"q": "zhang"}).json()
    assert [c["name"] for c in body["items"]] == ["张伟"]


def test_bad_contact_values_name_the_field(api_as, alice):
    hospital = HospitalFactory(owner=alice)
    response = api_as(alice).post(
        "/contacts", {"hospital": hospital.pk, "name": "张伟", "layer": "boss", "influence": 9}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"layer", "influence"}
    assert not Contact.objects.exists()


def test_lists_run_a_fixed_number_of_queries(
    api_as, alice, queries_for, django_assert_max_num_queries
):
    client = api_as(alice)
    hospital = HospitalFactory(owner=alice)
    ContactFactory(hospital=hospital)
    paths = ["/hospitals", "/contacts", "/departments"]
    client.get("/hospitals")  # the token's first use is recorded once
    few = [queries_for(lambda p=p: client.get(p)) for p in paths]
    for _ in range(20):
        other = HospitalFactory(owner=alice)
        ContactFactory(hospital=other, department=DepartmentFactory(hospital=other))
    with django_assert_max_num_queries(20):
        many = [queries_for(lambda p=p: client.get(p)) for p in paths]
    assert few == many


def test_the_browser_session_works_for_reads(as_user, alice):
    HospitalFactory(owner=alice)
    assert as_user(alice).get("/api/v1/hospitals").json()["count"] == 1


def test_a_page_size_up_to_200_is_honoured(alice, api_as):
    Hospital.objects.bulk_create(
        Hospital(
            name=f"第{i}人民医院", province="浙江省", city="杭州市", owner=alice, pinyin=f"d{i}"
        )
        for i in range(205)
    )
    items = api_as(alice).get("/hospitals", {"page_size": 500}).json()["items"]
    assert len(items) == 200
