from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.models import FollowUp, Project

from .factories import ProjectFactory, evaluate, follow_up, stage

pytestmark = pytest.mark.django_db

BOARD = reverse("pipeline:board")
DUE = reverse("pipeline:due")
LIST = reverse("pipeline:project-list")


@pytest.fixture
def hospital(alice):
    return HospitalFactory(owner=alice, name="浙江省人民医院", short_name="省人民医院")


@pytest.fixture
def project(hospital):
    return ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")


def board_names(response):
    return sorted(p.name for col in response.context["columns"] for p in col["cards"])


def test_a_managers_board_holds_only_their_projects(as_user, alice, bob, carol, leader, director):
    ProjectFactory(hospital=HospitalFactory(owner=alice), name="甲")
    ProjectFactory(hospital=HospitalFactory(owner=bob), name="乙")
    ProjectFactory(hospital=HospitalFactory(owner=carol), name="丙")
    assert board_names(as_user(alice).get(BOARD)) == ["甲"]
    assert board_names(as_user(leader).get(BOARD)) == ["乙", "甲"]
    assert board_names(as_user(carol).get(BOARD)) == ["丙"]
    assert board_names(as_user(director).get(BOARD)) == ["丙", "乙", "甲"]


def test_the_board_counts_and_sums_each_stage(as_user, alice, hospital):
    ProjectFactory(hospital=hospital, contract_value=1_000_000)
    ProjectFactory(hospital=hospital, contract_value=2_500_000)
    lead = next(
        c for c in as_user(alice).get(BOARD).context["columns"] if c["stage"].code == "lead"
    )
    assert lead["count"] == 2 and lead["value"] == 3_500_000


def test_a_card_shows_red_flags_and_overdue(as_user, alice, hospital):
    project = ProjectFactory(
        hospital=hospital, contacts=[ContactFactory(hospital=hospital, layer="base")]
    )
    follow_up(project, days_ago=9)
    body = as_user(alice).get(BOARD).content.decode()
    assert 'class="pcard overdue"' in body
    assert "没有决策层联系人。" in body


def test_the_board_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    ProjectFactory(hospital=hospital)
    few = queries_for(lambda: client.get(BOARD))
    for i in range(25):
        project = ProjectFactory(hospital=hospital, contacts=[ContactFactory(hospital=hospital)])
        follow_up(project, days_ago=i % 10)
    with django_assert_max_num_queries(14):
        many = queries_for(lambda: client.get(BOARD))
    assert few == many


def test_moving_a_card_past_qualify_without_pursue_is_refused_with_the_rule(
    as_user, alice, project
):
    response = as_user(alice).post(
        reverse("pipeline:project-move", args=[project.pk]),
        {"stage": stage("visit").pk, "next": BOARD},
        follow=True,
    )
    assert "需先有一次结论为“推进”的意向评估" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage.code == "lead"
    evaluate(project, "pursue")
    as_user(alice).post(
        reverse("pipeline:project-move", args=[project.pk]), {"stage": stage("visit").pk}
    )
    assert Project.objects.get(pk=project.pk).stage.code == "visit"


def test_an_a_project_without_business_contact_for_8_days_is_due_until_one_is_logged(
    as_user, alice, project
):
    follow_up(project, kind="business", days_ago=8)
    follow_up(project, kind="relationship", days_ago=0)
    client = as_user(alice)
    row = client.get(DUE).context["page"].object_list[0]
    assert row == project and row.cadence.business.overdue
    # a relationship contact alone does not clear business overdue
    client.post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {
            "date": str(timezone.localdate()),
            "kind": "relationship",
            "channel": "wechat",
            "summary": "问候",
        },
    )
    row = client.get(DUE).context["page"].object_list[0]
    assert row.cadence.business.overdue
    client.post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {
            "date": str(timezone.localdate()),
            "kind": "business",
            "channel": "visit",
            "summary": "拜访设备科",
        },
    )
    assert list(client.get(DUE).context["page"].object_list) == []


def test_due_this_week_is_listed_before_it_is_late_and_sorted_by_lateness(as_user, alice, hospital):
    soon = ProjectFactory(hospital=hospital, name="将到期")  # due today: this week, whatever day
    follow_up(soon, kind="business", days_ago=7)
    follow_up(soon, kind="relationship", days_ago=7)
    late = ProjectFactory(hospital=hospital, name="逾期很久")
    follow_up(late, kind="business", days_ago=20)
    fresh_b = ProjectFactory(
        hospital=hospital,
        name="B类新近",
        planned_purchase_date=timezone.localdate() + timedelta(days=400),
    )
    follow_up(fresh_b, kind="business", days_ago=7)  # B: due in 23 days
    follow_up(fresh_b, kind="relationship", days_ago=7)
    names = [p.name for p in as_user(alice).get(DUE).context["page"].object_list]
    assert names == ["逾期很久", "将到期"]


def test_the_due_list_scopes_and_counts_per_manager(as_user, alice, bob, carol, leader, director):
    for owner in (alice, bob, carol):
        follow_up(ProjectFactory(hospital=HospitalFactory(owner=owner)), days_ago=9)
    assert len(as_user(alice).get(DUE).context["page"].object_list) == 1
    leader_view = as_user(leader).get(DUE).context
    assert len(leader_view["page"].object_list) == 2
    assert {r["owner__username"]: r["overdue"] for r in leader_view["per_owner"]} == {
        "alice": 1,
        "bob": 1,
    }
    assert len(as_user(director).get(DUE).context["page"].object_list) == 3


def test_the_director_sees_the_most_overdue_managers_and_the_full_count(
    as_user, alice, bob, carol, director, monkeypatch
):
    monkeypatch.setattr("pipeline.views.OWNERS_SHOWN", 2)
    for owner, n in ((alice, 1), (bob, 3), (carol, 2)):
        for _ in range(n):
            follow_up(ProjectFactory(hospital=HospitalFactory(owner=owner)), days_ago=40)
    response = as_user(director).get(DUE)
    shown = [r["owner__username"] for r in response.context["per_owner"]]
    assert shown == ["bob", "carol"]  # most overdue first, capped
    assert "另有 1 位销售经理" in response.content.decode()
    page = response.context["page"]
    assert page.paginator.count == 6 and len(page.object_list) == 6
    assert [p.owner.username for p in page.object_list].count("bob") == 3


def test_the_due_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    follow_up(ProjectFactory(hospital=hospital), days_ago=9)
    few = queries_for(lambda: client.get(DUE))
    for i in range(20):
        follow_up(ProjectFactory(hospital=hospital), days_ago=i)
    with django_assert_max_num_queries(12):
        many = queries_for(lambda: client.get(DUE))
    assert few == many


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_others_projects_are_not_found(as_user, project, who, request):
    client = as_user(request.getfixturevalue(who))
    for name in ("project-detail", "project-edit", "followup-create", "evaluation-create"):
        assert client.get(reverse(f"pipeline:{name}", args=[project.pk])).status_code == 404, name
    assert client.post(reverse("pipeline:project-move", args=[project.pk]), {}).status_code == 404
    assert client.post(reverse("pipeline:project-close", args=[project.pk]), {}).status_code == 404


def test_the_project_page_shows_timeline_buying_centre_and_cadence(
    as_user, alice, hospital, project
):
    president = ContactFactory(
        hospital=hospital,
        name="周慧",
        layer="decision",
        roles=["approve"],
        attitude="support",
        closeness=4,
    )
    project.contacts.add(president)
    follow_up(project, kind="business", days_ago=2, contacts=[president])
    evaluate(project, "pursue")
    client = as_user(alice)
    client.post(reverse("pipeline:project-move", args=[project.pk]), {"stage": stage("visit").pk})
    response = client.get(project.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "周慧" in body and "推进" in body
    assert "阶段：信息收集 → 拜访交流" in body
    assert "拜访设备科长" in body
    assert response.context["flags"] == []


def test_the_project_page_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, project, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    follow_up(project, days_ago=20, contacts=[ContactFactory(hospital=hospital)])
    few = queries_for(lambda: client.get(project.get_absolute_url()))
    for i in range(15):
        follow_up(project, days_ago=i, contacts=[ContactFactory(hospital=hospital)])
        project.contacts.add(ContactFactory(hospital=hospital))
    evaluate(project)
    evaluate(project)
    with django_assert_max_num_queries(30):  # many sections, each a fixed query or two
        many = queries_for(lambda: client.get(project.get_absolute_url()))
    assert few == many


def project_form(**overrides):
    data = {
        "name": "钱塘区人民医院制氧站投放项目",
        "source": "promotion",
        "source_event": "exhibition",
        "source_event_name": "2026中国医院建设大会",
        "entry_path": "mid",
        "need": "new",
        "current_source": "none",
        "planned_purchase_date": str(timezone.localdate() + timedelta(days=90)),
        "estimated_volume": "300000",
        "contract_value": "9600000",
        "stage": str(stage("lead").pk),
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_project_at_a_hospital(as_user, alice, hospital):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]), project_form()
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert (project.owner, project.hospital, project.stage.code) == (alice, hospital, "lead")
    assert project.stage_changes.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"source_event": ""}, "source_event", "推广反馈需注明活动类型：展会或技术交流。"),
        ({"class_override": "A"}, "class_override_reason", "人工指定分类时请写明理由。"),
        ({"contract_value": "-5"}, "contract_value", "金额不能为负数。"),
        ({"name": ""}, "name", "这个字段是必填项。"),
        ({"entry_path": "side"}, "entry_path", "选择一个有效的选项"),
    ],
)
def test_bad_project_input_names_the_field(as_user, alice, hospital, overrides, field, message):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]), project_form(**overrides)
    )
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Project.objects.exists()


def test_creating_straight_into_a_gated_stage_is_refused(as_user, alice, hospital):
    response = as_user(alice).post(
        reverse("pipeline:project-create", args=[hospital.pk]),
        project_form(stage=str(stage("proposal").pk)),
    )
    assert response.status_code == 400
    assert "需先有一次结论为“推进”的意向评估" in response.content.decode()


def test_lost_without_a_reason_is_refused(as_user, alice, project):
    response = as_user(alice).post(
        reverse("pipeline:project-close", args=[project.pk]),
        {"status": "lost", "close_reason": ""},
        follow=True,
    )
    assert "丢单或放弃时必须填写原因。" in response.content.decode()
    assert Project.objects.get().status == "open"
    as_user(alice).post(
        reverse("pipeline:project-close", args=[project.pk]),
        {"status": "lost", "close_reason": "价格"},
    )
    assert Project.objects.get().status == "lost"


def test_the_evaluation_form_scores_and_keeps_history(as_user, alice, project):
    client = as_user(alice)
    form = client.get(reverse("pipeline:evaluation-create", args=[project.pk])).context["form"]
    data = {f"q{q.pk}": "yes" for q in form.questions}
    data.update({"risk_funding": "low", "risk_legal": "low", "risk_technical": "high"})
    data.update({"decision": "pursue", "reason": "院长支持，预算已批"})
    response = client.post(reverse("pipeline:evaluation-create", args=[project.pk]), data)
    assert response.status_code == 302
    evaluation = project.evaluations.get()
    assert evaluation.scores["worth"] == 67 and evaluation.overall == 92
    data["decision"] = "watch"
    client.post(reverse("pipeline:evaluation-create", args=[project.pk]), data)
    assert project.evaluations.count() == 2


def test_an_unanswered_question_is_named(as_user, alice, project):
    response = as_user(alice).post(
        reverse("pipeline:evaluation-create", args=[project.pk]),
        {"decision": "pursue", "reason": "x"},
    )
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not project.evaluations.exists()


def test_the_follow_up_form_refuses_a_future_date(as_user, alice, project):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = as_user(alice).post(
        reverse("pipeline:followup-create", args=[project.pk]),
        {"date": str(tomorrow), "kind": "business", "channel": "phone", "summary": "电话"},
    )
    assert response.status_code == 400
    assert "跟进日期不能晚于今天。" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_the_list_filters_by_class_and_status(as_user, alice, hospital):
    ProjectFactory(hospital=hospital, name="近期")
    ProjectFactory(
        hospital=hospital,
        name="远期",
        planned_purchase_date=timezone.localdate() + timedelta(days=400),
    )
    won = ProjectFactory(hospital=hospital, name="已赢")
    won.status = "won"
    won.save()
    client = as_user(alice)

    def names(**params):
        return sorted(p.name for p in client.get(LIST, params).context["page"].object_list)

    assert names() == ["近期", "远期"]  # open by default
    assert names(project_class="A", status="open") == ["近期"]
    assert names(project_class="B", status="open") == ["远期"]
    assert names(status="") == ["已赢", "近期", "远期"]
    assert names(status="won") == ["已赢"]


def test_the_list_runs_a_fixed_number_of_queries(
    as_user, alice, hospital, queries_for, django_assert_max_num_queries
):
    client = as_user(alice)
    ProjectFactory(hospital=hospital)
    few = queries_for(lambda: client.get(LIST))
    for _ in range(30):
        ProjectFactory(hospital=hospital)
    with django_assert_max_num_queries(12):
        many = queries_for(lambda: client.get(LIST))
    assert few == many


def test_pages_sorted_by_stage_hold_every_project_once(as_user, alice):
    # the projects share a stage and an update time: the list breaks the tie by id, so the
    # back page (read from the end in reverse) mirrors the front one exactly
    hospital = HospitalFactory(owner=alice)
    made = [ProjectFactory(hospital=hospital) for _ in range(30)]
    Project.objects.update(updated_at=timezone.now())
    client = as_user(alice)
    pages = [
        [p.pk for p in client.get(LIST, {"sort": "stage", "status": "", "page": n}).context["page"]]
        for n in (1, 2)
    ]
    assert (len(pages[0]), len(pages[1])) == (25, 5)
    assert sorted(pages[0] + pages[1]) == sorted(p.pk for p in made)
