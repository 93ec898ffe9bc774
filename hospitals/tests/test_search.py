import pytest
from django.urls import reverse

from .factories import ContactFactory, HospitalFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("hospitals:search")


@pytest.fixture
def peking(director):
    return HospitalFactory(name="北京协和医院", province="北京市", city="北京市")


@pytest.mark.parametrize("q", ["bjxh", "北京协和", "beijingxiehe", "XIEHE", "bj xh"])
def test_it_finds_a_hospital_by_name_pinyin_or_initials(as_user, director, peking, q):
    HospitalFactory(name="北京大学第一医院", province="北京市", city="北京市")
    response = as_user(director).get(SEARCH, {"q": q})
    assert [h.name for h in response.context["hospitals"]] == ["北京协和医院"]


def test_it_finds_a_contact_by_pinyin(as_user, director, peking):
    ContactFactory(hospital=peking, name="张伟")
    ContactFactory(hospital=peking, name="李娜")
    response = as_user(director).get(SEARCH, {"q": "zhang"})
    assert [c.name for c in response.context["contacts"]] == ["张伟"]
    assert "北京协和医院" in response.content.decode()


def test_names_that_begin_with_the_query_come_first(as_user, director, peking):
    for name in ("李章", "王张", "张伟", "章子怡"):  # li zhang, wang zhang, zhang wei, zhang ziyi
        ContactFactory(hospital=peking, name=name)
    response = as_user(director).get(SEARCH, {"q": "zhang"})
    assert [c.name for c in response.context["contacts"]] == ["张伟", "章子怡", "李章", "王张"]
    response = as_user(director).get(SEARCH, {"q": "章"})
    assert [c.name for c in response.context["contacts"]] == ["章子怡", "李章"]
    # the contact list and the API order a search the same way
    listed = as_user(director).get("/contacts/", {"q": "zhang"}).context["page"].object_list
    assert [c.name for c in listed] == ["张伟", "章子怡", "李章", "王张"]
    api = as_user(director).get("/api/v1/contacts", {"q": "zhang"}).json()
    assert [c["name"] for c in api["items"]] == ["张伟", "章子怡", "李章", "王张"]


def test_it_searches_only_what_the_user_may_see(as_user, alice, carol):
    HospitalFactory(owner=carol, name="温州市人民医院", city="温州市")
    ContactFactory(hospital=HospitalFactory(owner=carol), name="张伟")
    response = as_user(alice).get(SEARCH, {"q": "zhang"})
    assert response.context["contacts"] == []
    assert as_user(alice).get(SEARCH, {"q": "wzsrmyy"}).context["hospitals"] == []


def test_htmx_search_returns_the_results_only(as_user, director, peking):
    response = as_user(director).get(SEARCH, {"q": "bjxh"}, headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()
    assert "北京协和医院" in response.content.decode()


def test_search_runs_a_fixed_number_of_queries(
    as_user, director, peking, queries_for, django_assert_max_num_queries
):
    client = as_user(director)
    few = queries_for(lambda: client.get(SEARCH, {"q": "yy"}))
    for i in range(25):
        hospital = HospitalFactory(name=f"北京第{i}医院", province="北京市", city="北京市")
        ContactFactory(hospital=hospital, name=f"杨{i}")
    with django_assert_max_num_queries(8):
        many = queries_for(lambda: client.get(SEARCH, {"q": "yy"}))
    assert few == many


def test_a_single_letter_stands_for_a_syllable(as_user, director, peking):
    for name in ("安琪", "张伟", "艾敏"):  # an qi, zhang wei, ai min
        ContactFactory(hospital=peking, name=name)
    client = as_user(director)
    # "a" begins a syllable of 安琪 and 艾敏; it is only inside 张 (zhang)
    assert [c.name for c in client.get(SEARCH, {"q": "a"}).context["contacts"]] == ["艾敏", "安琪"]
    assert [c.name for c in client.get(SEARCH, {"q": "w"}).context["contacts"]] == ["张伟"]
    # two letters and more still match anywhere in the pinyin
    assert [c.name for c in client.get(SEARCH, {"q": "an"}).context["contacts"]] == [
        "安琪",
        "张伟",
    ]
    # and the hospital list agrees: 北京协和 (bjxh) has no syllable that begins with "e"
    assert [h.name for h in client.get(SEARCH, {"q": "e"}).context["hospitals"]] == []
    assert [h.name for h in client.get(SEARCH, {"q": "x"}).context["hospitals"]] == ["北京协和医院"]


def test_a_single_letter_lists_the_names_that_begin_with_it_first(
    as_user, director, peking, monkeypatch
):
    """A search for "l": 刘洋, 李伟 and Lisa begin with it and come first, by pinyin; then
    those that hold it in a later syllable. The page reads the first from the pinyin index
    and the others only when those fall short, and says the same as the contact list."""
    from hospitals import views

    for name in ("王磊", "刘洋", "赵丽", "Lisa", "陈亮", "李伟", "张林", "安琪"):
        ContactFactory(hospital=peking, name=name)
    everyone = ["Lisa", "刘洋", "李伟", "陈亮", "王磊", "张林", "赵丽"]
    client = as_user(director)
    assert [c.name for c in client.get(SEARCH, {"q": "l"}).context["contacts"]] == everyone
    listed = client.get("/contacts/", {"q": "l"}).context["page"].object_list
    assert [c.name for c in listed] == everyone
    for limit in (2, 3, 5):  # within those that begin with it, at its end, past it
        monkeypatch.setattr(views, "SEARCH_LIMIT", limit)
        found = client.get(SEARCH, {"q": "l"}).context["contacts"]
        assert [c.name for c in found] == everyone[:limit]


def test_the_search_boxes_suggest_a_few_as_you_type(as_user, alice):
    for i in range(8):
        HospitalFactory(owner=alice, name=f"杭州市第{i + 1}人民医院", city="杭州市")
    response = as_user(alice).get("/search/", {"q": "hzs", "suggest": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'role="option"' in body
    assert body.count('role="option"') == 5  # a few, not the search page's ten
    assert "查看全部结果" in body and "/search/?q=hzs" in body
    # without htmx the same address is the search page itself
    assert "<html" in as_user(alice).get("/search/", {"q": "hzs", "suggest": "1"}).content.decode()
