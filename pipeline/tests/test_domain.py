from datetime import date
from decimal import Decimal

import pytest

from pipeline import domain
from pipeline.domain import Answer, Cadence, Person, weighted

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("planned", "override", "expected"),
    [
        (date(2027, 5, 28), "", "A"),  # the last day of a six-month window
        (date(2027, 5, 29), "", "B"),
        (date(2026, 12, 1), "", "A"),
        (date(2026, 1, 1), "", "A"),  # overdue purchase plans are near-term too
        (None, "", "B"),  # nobody knows when: long-term until they do
        (date(2028, 1, 1), "A", "A"),
        (date(2026, 12, 1), "B", "B"),
    ],
)
def test_project_class(planned, override, expected):
    assert (
        domain.project_class(planned=planned, today=TODAY, window_months=6, override=override)
        == expected
    )


def test_month_arithmetic_keeps_the_end_of_month():
    assert domain.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert domain.add_months(date(2026, 11, 28), 14) == date(2028, 1, 28)


@pytest.mark.parametrize(
    ("cls", "days_ago", "overdue"),
    [("A", 7, False), ("A", 8, True), ("B", 30, False), ("B", 31, True), ("B", 8, False)],
)
def test_a_clock_is_overdue_the_day_after_the_cadence(cls, days_ago, overdue):
    last = date.fromordinal(TODAY.toordinal() - days_ago)
    status = domain.cadence_status(
        project_class=cls,
        cadence=Cadence(),
        started=date(2026, 1, 1),
        last_business=last,
        last_relationship=TODAY,
        today=TODAY,
    )
    assert status.business.overdue is overdue
    assert status.business.days_since == days_ago
    assert status.relationship.overdue is False


def test_a_project_never_contacted_counts_from_its_start():
    status = domain.cadence_status(
        project_class="A",
        cadence=Cadence(),
        started=date(2026, 11, 25),
        last_business=None,
        last_relationship=None,
        today=TODAY,
    )
    assert status.business.days_since == 3 and not status.business.overdue
    assert status.business.last is None


def test_business_and_relationship_clocks_are_separate():
    status = domain.cadence_status(
        project_class="A",
        cadence=Cadence(),
        started=date(2026, 1, 1),
        last_business=date(2026, 11, 10),
        last_relationship=TODAY,
        today=TODAY,
    )
    assert status.business.overdue and not status.relationship.overdue
    assert status.overdue


def test_scores_weight_the_answers_and_count_risks_in_worth():
    answers = [
        Answer("opportunity", 2, "yes"),
        Answer("opportunity", 1, "no"),
        Answer("competition", 1, "partly"),
        Answer("win", 1, "unknown"),
    ]
    scores = domain.evaluation_scores(
        answers, {"funding": "low", "legal": "medium", "technical": "high"}
    )
    assert scores.groups == {"opportunity": 67, "competition": 50, "win": 0, "worth": 50}
    assert scores.overall == 42
    assert scores.unknowns == 1


def test_all_yes_and_low_risk_scores_100():
    scores = domain.evaluation_scores(
        [Answer(g, 1, "yes") for g in ("opportunity", "competition", "win")],
        {"funding": "low", "legal": "low", "technical": "low"},
    )
    assert scores.overall == 100


def person(layer="functional", roles=(), attitude="neutral", influence=3, closeness=2):
    return Person(layer, list(roles), attitude, influence, closeness)


def flags(people, entry_path="top", weeks_open=0):
    return domain.red_flags(
        people, entry_path=entry_path, weeks_open=weeks_open, mid_entry_alert_weeks=4
    )


def test_a_complete_buying_centre_has_no_red_flags():
    people = [
        person("decision", ["approve"], "support", 5, 3),
        person("functional", ["apply", "procure"], "neutral"),
    ]
    assert flags(people) == []


def test_red_flags_name_what_is_missing():
    people = [person("functional", ["apply"], "neutral")]
    found = flags(people, entry_path="mid", weeks_open=5)
    assert "没有决策层联系人。" in found
    assert "没有人担任“审批”角色：不知道谁拍板。" in found
    assert "内部没有支持我们的“教练”（支持且亲密程度≥3）。" in found
    assert "中层切入已 5 周，仍未接触决策层。" in found


def test_a_mid_level_entry_gets_time_before_the_alert():
    people = [person("functional", ["approve"], "support", 3, 4)]
    assert not any("中层切入" in f for f in flags(people, entry_path="mid", weeks_open=3))


def test_the_decision_maker_opposed_or_unknown_is_a_flag():
    people = [
        person("decision", ["approve"], "oppose", 5, 1),
        person("decision", [], "support", 3, 4),
    ]
    assert "关键决策人反对我们。" in flags(people)
    people[0] = person("decision", ["approve"], "unknown", 5, 1)
    assert "关键决策人的态度未知。" in flags(people)


def test_no_people_at_all_is_one_clear_flag():
    assert flags([]) == ["尚未梳理决策链：请在项目中加入相关联系人。"]


def test_weighted_value_is_value_times_probability_in_percent():
    assert weighted(Decimal("1000000"), 35) == Decimal("350000")
    assert weighted(Decimal("999.99"), 70) == Decimal("699.993")


def test_a_sum_already_multiplied_in_sql_is_divided_once():
    assert weighted(Decimal("35000000")) == Decimal("350000")


def test_no_value_has_no_weighted_value():
    assert weighted(None, 50) is None
