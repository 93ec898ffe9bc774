import pytest
from django.urls import reverse

from hospitals.models import Contact

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(alice):
    return HospitalFactory(owner=alice, name="浙江省人民医院")


@pytest.fixture
def zhang(hospital):
    return ContactFactory(
        hospital=hospital,
        name="张伟",
        title="设备科科长",
        hobbies="钓鱼、羽毛球",
        family="女儿在浙大读研究生",
        personal_phone="15012345678",
    )


def contact_form(**overrides):
    data = {
        "name": "张伟",
        "title": "设备科科长",
        "layer": "functional",
        "roles": ["apply", "procure"],
        "influence": "4",
        "attitude": "support",
        "closeness": "3",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_the_owner_sees_personal_details(as_user, alice, zhang):
    body = as_user(alice).get(zhang.get_absolute_url()).content.decode()
    assert "钓鱼、羽毛球" in body and "15012345678" in body


@pytest.mark.parametrize("who", ["assistant", "leader", "director"])
def test_others_who_see_the_hospital_see_the_contact(as_user, zhang, who, request):
    response = as_user(request.getfixturevalue(who)).get(zhang.get_absolute_url())
    assert response.status_code == 200
    assert "设备科科长" in response.content.decode()


def test_the_assistant_does_not_see_personal_details(as_user, assistant, zhang):
    body = as_user(assistant).get(zhang.get_absolute_url()).content.decode()
    assert "钓鱼" not in body and "15012345678" not in body and "女儿" not in body
    assert "个人信息仅对医院负责人及其上级开放。" in body


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_outsiders_get_404_everywhere(as_user, zhang, who, request):
    client = as_user(request.getfixturevalue(who))
    assert client.get(zhang.get_absolute_url()).status_code == 404
    assert client.get(reverse("hospitals:contact-edit", args=[zhang.pk])).status_code == 404
    assert (
        client.post(reverse("hospitals:contact-edit", args=[zhang.pk]), contact_form()).status_code
        == 404
    )
    assert client.get(reverse("hospitals:contact-history", args=[zhang.pk])).status_code == 404
    assert "张伟" not in client.get(reverse("hospitals:contact-list")).content.decode()


def test_a_contact_is_created_in_a_department_with_several_roles(as_user, alice, hospital):
    department = DepartmentFactory(hospital=hospital, name="设备科")
    url = reverse("hospitals:contact-create", args=[hospital.pk])
    response = as_user(alice).post(
        url, contact_form(department=department.pk, birthday="1975-03-08", hobbies="太极拳")
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.department == department
    assert contact.roles == ["apply", "procure"]
    assert contact.role_labels() == ["申请/推荐", "采购执行"]
    assert str(contact.birthday) == "1975-03-08"
    assert contact.initials == "zw"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"influence": "6"}, "确保该值小于或等于5。"),
        ({"closeness": "0"}, "确保该值大于或等于1。"),
        ({"name": ""}, "这个字段是必填项。"),
        ({"roles": ["boss"]}, "选择一个有效的选项。"),
        ({"email": "not-an-email"}, "输入一个有效的 Email 地址。"),
    ],
)
def test_bad_input_names_the_field_in_chinese(as_user, alice, hospital, overrides, message):
    url = reverse("hospitals:contact-create", args=[hospital.pk])
    response = as_user(alice).post(url, contact_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contact.objects.exists()


def test_a_department_of_another_hospital_is_refused(as_user, alice, hospital):
    elsewhere = DepartmentFactory(hospital=HospitalFactory(owner=alice), name="设备科")
    url = reverse("hospitals:contact-create", args=[hospital.pk])
    response = as_user(alice).post(url, contact_form(department=elsewhere.pk))
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_someone_who_may_not_see_personal_details_cannot_change_them(as_user, assistant, zhang):
    url = reverse("hospitals:contact-edit", args=[zhang.pk])
    form_page = as_user(assistant).get(url).content.decode()
    assert 'name="hobbies"' not in form_page
    response = as_user(assistant).post(
        url, contact_form(version="1", hobbies="改掉", title="设备处处长")
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.title == "设备处处长"
    assert zhang.hobbies == "钓鱼、羽毛球"  # untouched, not wiped


def test_their_history_hides_personal_values_too(as_user, alice, assistant, zhang):
    as_user(alice).post(
        reverse("hospitals:contact-edit", args=[zhang.pk]),
        contact_form(version="1", hobbies="书法", birthday="1970-01-02"),
    )
    owner_view = as_user(alice).get(zhang.get_absolute_url()).content.decode()
    assert "<ins>书法</ins>" in owner_view
    assistant_view = as_user(assistant).get(zhang.get_absolute_url()).content.decode()
    assert "书法" not in assistant_view
    assert "兴趣爱好：<del>（受限）</del>" in assistant_view


def test_two_people_editing_one_contact(as_user, alice, leader, zhang):
    url = reverse("hospitals:contact-edit", args=[zhang.pk])
    as_user(leader).post(url, contact_form(version="1", attitude="oppose"))
    response = as_user(alice).post(
        url, contact_form(version="1", attitude="support", notes="已约饭")
    )
    assert response.status_code == 409
    assert "已约饭" in response.content.decode()
    zhang.refresh_from_db()
    assert zhang.attitude == "oppose"


def test_the_contact_list_searches_pinyin_and_filters(as_user, alice, hospital, zhang):
    ContactFactory(hospital=hospital, name="李娜", layer="decision")
    client = as_user(alice)
    url = reverse("hospitals:contact-list")
    assert [c.name for c in client.get(url, {"q": "zhang"}).context["page"].object_list] == ["张伟"]
    assert [c.name for c in client.get(url, {"layer": "decision"}).context["page"].object_list] == [
        "李娜"
    ]


def test_the_contact_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    url = reverse("hospitals:contact-list")
    ContactFactory(hospital=hospital)
    few = queries_for(lambda: client.get(url))
    for _ in range(30):
        ContactFactory(hospital=hospital, department=DepartmentFactory(hospital=hospital))
    with django_assert_max_num_queries(9):
        many = queries_for(lambda: client.get(url))
    assert few == many
