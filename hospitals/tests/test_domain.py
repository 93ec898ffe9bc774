import pytest

from hospitals.domain import pinyin_keys, search_terms, search_text


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("北京协和医院", "beijingxieheyiyuan", "bjxhyy"),
        ("浙江省人民医院", "zhejiangshengrenminyiyuan", "zjsrmyy"),
        ("张伟", "zhangwei", "zw"),
        ("301医院", "301yiyuan", "301yy"),
        ("树兰（杭州）医院", "shulan（hangzhou）yiyuan", "sl（hz）yy"),
        ("  ", "", ""),
    ],
)
def test_it_computes_pinyin_and_initials(name, full, initials):
    assert pinyin_keys(name) == (full, initials)


def test_search_text_holds_every_name_and_its_keys():
    text = search_text("浙江大学医学院附属第一医院", "浙大一院")
    for key in ("浙江大学医学院附属第一医院", "浙大一院", "zdyy", "zhedayiyuan", "zjdxyxyfsdyyy"):
        assert key in text


def test_a_person_is_also_found_by_the_surname_reading():
    # 曾 reads "ceng" in a word but "zeng" as a surname; 单 reads "shan" as a surname.
    assert "zengfan" in search_text("曾凡", person=True)
    assert "shanxiong" in search_text("单雄", person=True)
    assert "zengfan" not in search_text("曾凡")


def test_search_terms_split_and_lower_case():
    assert search_terms("  BJXH  协和 ") == ["bjxh", "协和"]
    assert search_terms("") == []
