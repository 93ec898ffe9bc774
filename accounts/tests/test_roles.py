import pytest
from django.contrib.auth.models import Group

from accounts.models import Person, Role, people_named
from accounts.services import ROLE_PERMISSIONS, assign_role

pytestmark = pytest.mark.django_db


def test_each_role_has_a_group_with_its_permissions(roles):
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(
            name={
                "manager": "销售经理",
                "assistant": "销售助理",
                "director": "销售总监",
                "admin": "管理员",
                "auditor": "审计员",
                "operations": "运营",
                "finance": "财务",
            }[role]
        )
        assert group.permissions.count() == len(set(perms)), role


def test_assigning_a_role_swaps_the_group(alice):
    assert alice.has_perm("hospitals.add_hospital")
    assert not alice.has_perm("hospitals.assign_owner")
    assign_role(user=alice, role=Role.ASSISTANT)
    alice = type(alice).objects.get(pk=alice.pk)  # permissions are cached per instance
    assert alice.has_perm("hospitals.assign_owner")
    assert list(alice.groups.values_list("name", flat=True)) == ["销售助理"]


def test_only_the_admin_role_gets_into_the_admin_site(alice, admin_user, as_user):
    assert as_user(alice).get("/admin/").status_code == 302
    assert as_user(admin_user).get("/admin/").status_code == 200


def test_the_auditor_may_only_look(roles):
    """Every permission of the auditor's group is a view permission."""
    perms = Group.objects.get(name="审计员").permissions.values_list("codename", flat=True)
    assert perms and all(p.startswith("view_") for p in perms)
    assert "view_ledgerentry" in perms


@pytest.mark.parametrize("by_list", [100, 0])  # an IN list of the few; the staff read whole
def test_people_named_names_exactly_the_owners_asked_for(
    monkeypatch, alice, carol, director, by_list
):
    monkeypatch.setattr("accounts.models.NAMED_BY_LIST", by_list)
    director.name = ""
    director.save()
    named = people_named([alice.pk, carol.pk, alice.pk, director.pk])
    assert named == {
        alice.pk: Person("alice", "刘晓燕", "浙北一组"),
        carol.pk: Person("carol", "黄志强", carol.team.name),
        director.pk: Person("director", "director", ""),  # no name: the username; no team
    }
    assert people_named([]) == {}
