"""公海: a hospital nobody owns is seen in the pool by the managers of its region, who may
claim it up to the limit; once claimed it is theirs alone; the assistant sees the whole pool."""

import pytest
from django.test import override_settings

from accounts.models import Territory
from hospitals.models import Hospital, PoolClaim

from .factories import HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(alice, carol, team1, team2):
    team1.territory = Territory.objects.create(name="浙北", cities=["浙江省/杭州市"])
    team1.save()
    team2.territory = Territory.objects.create(name="浙南", provinces=["福建省"])
    team2.save()
    return {
        "hz": HospitalFactory(owner=None, name="杭州市西溪医院（新院区）", province="浙江省",
                              city="杭州市", status="new"),
        "fz": HospitalFactory(owner=None, name="福州滨海新城医院", province="福建省",
                              city="福州市", status="new"),
        "wz": HospitalFactory(owner=None, name="温州市第三人民医院", province="浙江省",
                              city="温州市"),
    }  # fmt: skip


def names(response) -> set[str]:
    return {h.name for h in response.context["page"]}


def test_each_region_sees_its_own_pool_and_the_assistant_the_whole(
    alice, carol, assistant, as_user, pool
):
    assert names(as_user(alice).get("/hospitals/pool/")) == {"杭州市西溪医院（新院区）"}
    assert names(as_user(carol).get("/hospitals/pool/")) == {"福州滨海新城医院"}
    assert len(names(as_user(assistant).get("/hospitals/pool/"))) == 3
    # the pool is not the hospital list: an unowned hospital's page stays closed to managers
    assert as_user(alice).get(pool["hz"].get_absolute_url()).status_code == 404


def test_a_claimed_hospital_is_the_claimer_s_and_leaves_the_pool(alice, bob, leader, as_user, pool):
    client = as_user(alice)
    answer = client.post(f"/hospitals/{pool['hz'].pk}/claim/")
    assert answer.status_code == 302 and answer["Location"] == pool["hz"].get_absolute_url()
    hospital = Hospital.objects.get(pk=pool["hz"].pk)
    assert hospital.owner == alice and hospital.history.first().history_user == alice
    assert client.get(hospital.get_absolute_url()).status_code == 200
    assert names(client.get("/hospitals/pool/")) == set()
    # taken: a team-mate finds nothing; the leader, who sees it, is told who was first
    assert as_user(bob).post(f"/hospitals/{pool['hz'].pk}/claim/").status_code == 404
    late = as_user(leader).post(f"/hospitals/{pool['hz'].pk}/claim/", follow=True)
    assert "已不在公海中" in late.content.decode()
    assert Hospital.objects.get(pk=pool["hz"].pk).owner == alice
    assert PoolClaim.objects.get().user == alice


def test_another_region_s_hospital_cannot_be_claimed(alice, as_user, pool):
    assert as_user(alice).post(f"/hospitals/{pool['fz'].pk}/claim/").status_code == 404
    assert Hospital.objects.get(pk=pool["fz"].pk).owner is None


@override_settings(POOL_CLAIM_LIMIT=1)
def test_the_claim_limit_holds(alice, as_user, pool):
    second = HospitalFactory(owner=None, name="杭州市滨江医院", province="浙江省", city="杭州市")
    client = as_user(alice)
    client.post(f"/hospitals/{pool['hz'].pk}/claim/")
    refused = client.post(f"/hospitals/{second.pk}/claim/", follow=True)
    assert "30 天内最多认领 1 家医院" in refused.content.decode()
    assert Hospital.objects.get(pk=second.pk).owner is None
