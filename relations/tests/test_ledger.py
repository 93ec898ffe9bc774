"""The compliance ledger as the manager, the director, the auditor and a teammate meet it."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hospitals.tests.factories import ContactFactory, HospitalFactory
from relations.models import EntryStatus, LedgerEntry, LedgerKind
from reminders.models import Notification

pytestmark = pytest.mark.django_db


def dinner(client, hospital, people, amount="3000", **extra):
    data = {
        "date": timezone.localdate().isoformat(),
        "kind": LedgerKind.objects.get(code="dinner").pk,
        "amount": amount,
        "contacts": [p.pk for p in people],
        "purpose": "院长、设备科长工作晚餐，介绍样板点运行情况",
        "receipt_no": "FP-20260301-0088",
        "reason": "",
        **extra,
    }
    return client.post(f"/relations/hospitals/{hospital.pk}/ledger/new/", data)


def test_a_dinner_over_the_per_person_limit_waits_for_the_director(
    clock, as_user, alice, director, project, president, django_capture_on_commit_callbacks
):
    clock("2026-03-02 20:00")
    chief = project.contacts.exclude(pk=president.pk).get()
    client = as_user(alice)
    refused = dinner(client, president.hospital, [president, chief])
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "超出限额，请写明理由" in page and "人均 ¥1,500，超过“宴请”每人每次限额 ¥300" in page
    assert not LedgerEntry.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = dinner(
            client, president.hospital, [president, chief], reason="院长带队考察，晚餐含外地专家"
        )
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and entry.status == EntryStatus.PENDING
    assert entry.per_person == 1500 and not entry.counts
    note = Notification.objects.get(recipient=director)
    assert note.kind == "ledger_pending" and "¥3,000" in note.text

    director_client = as_user(director)
    assert 'id="decide"' in director_client.get(entry.get_absolute_url()).content.decode()
    assert 'id="decide"' not in client.get(entry.get_absolute_url()).content.decode()
    assert client.post(f"/relations/ledger/{entry.pk}/decide/", {"approve": "1"}).status_code == 403
    rejected_without_reason = director_client.post(
        f"/relations/ledger/{entry.pk}/decide/", {"approve": "0", "decision_note": ""}
    )
    entry.refresh_from_db()
    assert rejected_without_reason.status_code == 302 and entry.status == EntryStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        director_client.post(
            f"/relations/ledger/{entry.pk}/decide/", {"approve": "1", "decision_note": "同意"}
        )
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by) == (EntryStatus.APPROVED, director)
    assert Notification.objects.get(recipient=alice).kind == "ledger_approved"


def test_within_policy_is_approved_at_once_and_the_yearly_limit_counts_earlier_entries(
    clock, as_user, alice, president
):
    clock("2026-12-20 12:00")
    client = as_user(alice)
    for _ in range(
        6
    ):  # ¥300 each: within the occasion's limit; the yearly ¥2,000 passes on the 7th
        assert dinner(client, president.hospital, [president], amount="300").status_code == 302
    assert set(LedgerEntry.objects.values_list("status", flat=True)) == {EntryStatus.APPROVED}
    refused = dinner(client, president.hospital, [president], amount="300")
    assert "王建国 本年“宴请”累计 ¥2,100，超过每人每年限额 ¥2,000" in refused.content.decode()
    clock("2027-01-02 12:00")  # a new year starts from nothing
    assert dinner(as_user(alice), president.hospital, [president], amount="300").status_code == 302


def test_a_gift_card_is_refused(clock, as_user, api_as, alice, president):
    clock("2026-09-28 10:00")
    card = LedgerKind.objects.get(code="gift_card")
    response = as_user(alice).post(
        f"/relations/hospitals/{president.hospital_id}/ledger/new/",
        {"date": "2026-09-28", "kind": card.pk, "amount": "500", "contacts": [president.pk],
         "purpose": "中秋", "reason": "节日"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "“购物卡/礼品卡”按公司合规政策一律禁止" in response.content.decode()
    api = api_as(alice).post(
        "/ledger",
        {"hospital": president.hospital_id, "kind": "gift_card", "amount": "500",
         "contacts": [president.pk], "purpose": "中秋"},
    )  # fmt: skip
    assert api.status_code == 400 and "kind" in api.json()["errors"]
    assert not LedgerEntry.objects.exists()


@pytest.fixture
def entries(clock, as_user, alice, carol, president):
    clock("2026-04-08 12:00")
    dinner(as_user(alice), president.hospital, [president], amount="280")
    theirs = ContactFactory(hospital=HospitalFactory(owner=carol), name="赵主任")
    dinner(as_user(carol), theirs.hospital, [theirs], amount="260")
    return LedgerEntry.objects.order_by("pk")


def test_the_auditor_sees_every_ledger_and_changes_nothing(
    as_user, api_as, auditor, entries, project
):
    client = as_user(auditor)
    page = client.get("/relations/ledger/").content.decode()
    assert "王建国" in page and "赵主任" in page
    for entry in entries:
        assert client.get(entry.get_absolute_url()).status_code == 200
    assert api_as(auditor).get("/ledger").json()["count"] == 2

    assert client.get(f"/projects/{project.pk}/").status_code == 200
    edit = client.post(f"/projects/{project.pk}/edit/", {"name": "改名"})
    assert edit.status_code == 403 and "审计员为只读角色" in edit.content.decode()
    api = api_as(auditor).patch(f"/projects/{project.pk}", {"name": "改名"})
    assert api.status_code == 403
    project.refresh_from_db()
    assert project.name != "改名"
    workbook = load_workbook(io.BytesIO(client.get("/relations/ledger/export/").content))
    names = [row[5] for row in workbook["台账明细"].iter_rows(min_row=4, values_only=True)]
    assert "王建国" in names and "赵主任" in names


def test_a_teammate_and_the_assistant_do_not_read_the_owners_ledger(
    as_user, api_as, alice, bob, leader, assistant, entries, president
):
    mine = entries[0]
    for who in (bob, assistant):
        assert as_user(who).get(mine.get_absolute_url()).status_code in (403, 404)
        assert api_as(who).get(f"/ledger/{mine.pk}").status_code in (403, 404)
    # the assistant sees the person (every contact) but not what was spent on them
    page = as_user(assistant).get(f"/contacts/{president.pk}/").content.decode()
    assert "王建国" in page and 'id="contact-ledger"' not in page
    hospital_page = f"/hospitals/{president.hospital_id}/"
    assert 'id="hospital-ledger"' not in as_user(assistant).get(hospital_page).content.decode()
    # the owner and the owner's team leader do
    assert (
        'id="contact-ledger"' in as_user(alice).get(f"/contacts/{president.pk}/").content.decode()
    )
    mine_page = as_user(alice).get(hospital_page).content.decode()
    assert 'id="hospital-ledger"' in mine_page and "今年 1 笔，¥280" in mine_page
    leader_view = api_as(leader).get("/ledger").json()
    assert [e["id"] for e in leader_view["items"]] == [mine.pk]


def test_the_compliance_report_exports_totals_by_hospital_person_and_manager(
    as_user, director, entries
):
    response = as_user(director).get("/relations/ledger/export/", {"start": "2026-04-01"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["台账明细", "按医院", "按对方人员", "按登记人"]
    people = {row[1]: row[4] for row in book["按对方人员"].iter_rows(min_row=4, values_only=True)}
    assert people == {"王建国": 280, "赵主任": 260}
    managers = {row[0]: row[2] for row in book["按登记人"].iter_rows(min_row=4, values_only=True)}
    assert managers == {"刘晓燕": 280, "黄志强": 260}


def test_a_ledger_too_large_to_wait_for_is_made_in_the_background(
    as_user, director, alice, assistant, entries, settings, run_jobs
):
    """Over EXPORT_INLINE_ROWS the ledger's download answers at once with the 导出 page and a
    worker writes the workbook (each person's own entries only); the export cannot be asked
    for by someone who may not read the ledger."""
    from o2crm.models import ExportJob

    settings.EXPORT_INLINE_ROWS = 1
    president = entries[0].contacts.get()
    dinner(as_user(alice), president.hospital, [president], amount="200")  # alice's second
    later = as_user(alice).get("/relations/ledger/export/", {"start": "2026-04-01"})
    assert (later.status_code, later["Location"]) == (302, "/exports/")
    job = ExportJob.objects.get()
    assert (job.kind, job.params) == ("ledger", {"start": "2026-04-01"})
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done"
    download = as_user(alice).get(f"/exports/{job.pk}/download/")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == ["台账明细", "按医院", "按对方人员", "按登记人"]
    people = [row[5] for row in book["台账明细"].iter_rows(min_row=4, values_only=True)]
    assert "王建国" in people and "赵主任" not in people  # carol's entry is not alice's
    assert as_user(assistant).post("/exports/ledger/start/").status_code == 403
    assert ExportJob.objects.count() == 1


def test_the_ledger_filters_by_who_recorded_from_the_people_the_viewer_oversees(
    clock, as_user, alice, bob, carol, leader, director
):
    clock("2026-03-02 20:00")
    for who in (alice, bob, carol):
        person = ContactFactory(hospital=HospitalFactory(owner=who))
        assert dinner(as_user(who), person.hospital, [person], amount="200").status_code == 302
    menu = as_user(leader).get("/relations/ledger/")
    choices = dict(menu.context["form"].fields["manager"].choices)
    assert {alice.pk, bob.pk, leader.pk} <= set(choices) and carol.pk not in choices
    assert choices[alice.pk] == "刘晓燕" and 'value="%d">刘晓燕' % alice.pk in menu.content.decode()
    only_bob = as_user(leader).get(f"/relations/ledger/?manager={bob.pk}")
    assert [e.created_by for e in only_bob.context["page"].object_list] == [bob]
    assert only_bob.context["totals"]["count"] == 1
    nationwide = as_user(director).get(f"/relations/ledger/?manager={carol.pk}")
    assert [e.created_by for e in nationwide.context["page"].object_list] == [carol]
    # someone the leader does not oversee is not a choice: the page says so, nothing is shown
    # of carol's entries (the visibility rule, whatever the filter)
    outside = as_user(leader).get(f"/relations/ledger/?manager={carol.pk}")
    assert outside.context["form"].errors["manager"]
    assert carol not in {e.created_by for e in outside.context["page"].object_list}
