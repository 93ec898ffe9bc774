"""The owner filter past a menu's size: a type-ahead over the people the user oversees
(hospitals.forms.OwnerSearch and the hospitals:owner-suggest names it asks for)."""

import re

import pytest
from django.urls import reverse

from hospitals import forms
from hospitals.tests.factories import HospitalFactory

pytestmark = pytest.mark.django_db

LIST = reverse("hospitals:hospital-list")
SUGGEST = reverse("hospitals:owner-suggest")


def owner_control(html: str) -> str:
    """The owner filter's markup: the menu or the type-ahead."""
    start = html.index('name="owner"')
    start = max(html.rfind("<select", 0, start), html.rfind('<div class="owner-pick"', 0, start))
    end = html.index("</select>" if html.startswith("<select", start) else "</div></div>", start)
    return html[start:end]


def names(response) -> list[str]:
    return re.findall(r'data-label="([^"]*)"', response.content.decode())


def test_past_the_menu_size_the_owner_filter_is_a_type_ahead_with_the_chosen_name(
    as_user, monkeypatch, director, leader, alice, bob, carol
):
    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 3)
    HospitalFactory(owner=alice, name="湖州市中心医院")
    HospitalFactory(owner=bob, name="嘉兴市第一医院")

    # the director oversees four managers: more than the menu holds
    html = as_user(director).get(LIST, {"owner": alice.pk}).content.decode()
    control = owner_control(html)
    assert "<select" not in control and "<option" not in control
    assert f'<input name="owner" type="hidden" value="{alice.pk}">' in control
    assert 'value="刘晓燕"' in control and 'placeholder="全部负责人"' in control
    assert f'data-url="{SUGGEST}"' in control
    assert "湖州市中心医院" in html and "嘉兴市第一医院" not in html

    # a leader's team of three fits the menu
    control = owner_control(as_user(leader).get(LIST).content.decode())
    assert control.startswith("<select") and control.count("<option") == 1 + 3

    # past it too, a manager of another team is no choice: not named, the list not narrowed
    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 1)
    html = as_user(leader).get(LIST, {"owner": carol.pk}).content.decode()
    control = owner_control(html)
    assert "黄志强" not in html  # never the name of someone out of sight
    assert "湖州市中心医院" in html and "嘉兴市第一医院" in html


def test_the_type_ahead_finds_people_by_name_pinyin_initials_and_username(
    as_user, director, leader, alice, bob, carol
):
    client = as_user(director)

    def found(q: str, **extra) -> list[str]:
        return names(client.get(SUGGEST, {"q": q, **extra}))

    assert found("刘") == ["刘晓燕"]
    assert found("liuxiao") == ["刘晓燕"]
    assert found("lxy") == ["刘晓燕"]
    assert found("alice") == ["刘晓燕"]
    assert found("黄 二") == []  # every term must match
    assert found("l") == ["刘晓燕", "陈立军"]  # a letter: a word's start (刘, and "leader")
    assert found("x") == []  # not any "x" inside a pinyin
    assert found("zzz") == [] and "没有找到" in client.get(SUGGEST, {"q": "zzz"}).content.decode()
    assert found("") == [] and "没有找到" not in client.get(SUGGEST).content.decode()
    # a name that begins with what was typed comes before one that holds it
    from accounts.models import Role
    from accounts.services import assign_role
    from accounts.tests.factories import UserFactory

    assign_role(user=UserFactory(username="aaron", name="陈丽"), role=Role.MANAGER)  # chenli
    assert found("li") == ["刘晓燕", "陈丽", "陈立军"]  # liuxiaoyan; then by username
    # the team beside the name, to tell two 王磊 apart
    assert "浙南二组" in client.get(SUGGEST, {"q": "huang"}).content.decode()


def test_the_type_ahead_offers_only_the_people_the_user_oversees(
    as_user, director, leader, alice, bob, carol
):
    assert names(as_user(leader).get(SUGGEST, {"q": "h"})) == []  # 黄志强: another team
    assert names(as_user(leader).get(SUGGEST, {"q": "w"})) == ["王磊"]
    assert names(as_user(alice).get(SUGGEST, {"q": "w"})) == []  # a manager: themselves only
    assert names(as_user(alice).get(SUGGEST, {"q": "l"})) == ["刘晓燕"]

    bob.is_active = False
    bob.save()
    assert names(as_user(director).get(SUGGEST, {"q": "wang"})) == []
    # the compliance ledger's 登记人 names those who left too, marked
    response = as_user(director).get(SUGGEST, {"q": "wang", "former": "1"})
    assert names(response) == ["王磊"] and "已离职" in response.content.decode()


def test_the_type_ahead_costs_one_query_whatever_the_staff(
    as_user, director, django_assert_max_num_queries
):
    from accounts.models import Role
    from accounts.services import assign_role
    from accounts.tests.factories import UserFactory

    client = as_user(director)
    client.get(SUGGEST, {"q": "wang"})  # the session and the user, once

    def queries() -> int:
        with django_assert_max_num_queries(50) as captured:
            assert client.get(SUGGEST, {"q": "zhang"}).status_code == 200
        return len(captured)

    before = queries()
    for i in range(12):
        assign_role(user=UserFactory(username=f"m{i:02}", name=f"张{i}"), role=Role.MANAGER)
    assert queries() == before
    assert len(names(client.get(SUGGEST, {"q": "zhang"}))) == 8  # a few, not all twelve


def test_a_hospital_is_handed_to_an_owner_found_by_typing_past_the_menu_size(
    as_user, monkeypatch, director, leader, alice, bob, carol
):
    from hospitals.tests.test_hospital_views import valid_form

    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 1)
    hospital = HospitalFactory(owner=alice, name="杭州市钱塘区人民医院", city="杭州市")
    url = reverse("hospitals:hospital-edit", args=[hospital.pk])

    control = owner_control(as_user(director).get(url).content.decode())
    assert "<option" not in control
    assert f'<input name="owner" type="hidden" value="{alice.pk}">' in control
    assert 'value="刘晓燕"' in control and 'placeholder="输入姓名、拼音或首字母"' in control

    form = valid_form(version="1")
    assert as_user(director).post(url, {**form, "owner": bob.pk}).status_code == 302
    hospital.refresh_from_db()
    assert hospital.owner == bob

    # a leader past the menu's size still gives the hospital only within the team
    response = as_user(leader).post(url, {**form, "version": "2", "owner": carol.pk})
    assert response.status_code == 400 and "owner" in response.context["form"].errors
    assert "黄志强" not in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.owner == bob

    # up to the menu's size the menu stays, the owner selected
    monkeypatch.setattr(forms, "OWNER_MENU_MAX", 30)
    control = owner_control(as_user(director).get(url).content.decode())
    assert control.startswith("<select") and f'<option value="{bob.pk}" selected>王磊' in control
