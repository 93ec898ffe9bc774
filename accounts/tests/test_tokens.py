"""API tokens hold for the password they were issued under, for an active user, until they
expire; 我的账户 lists those that hold, with their last use."""

import json

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    response = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": user.username, "password": "o2crm-test"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["token"]


def opens(token: str) -> bool:
    response = Client().get("/api/v1/hospitals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_changing_the_password_revokes_every_token(as_user, alice):
    first, second = token_for(alice), token_for(alice)
    assert opens(first) and opens(second)
    page = as_user(alice)
    response = page.post(
        "/accounts/password/",
        {
            "old_password": "o2crm-test",
            "new_password1": "Yangqi-2027-zhan",
            "new_password2": "Yangqi-2027-zhan",
        },
        follow=True,
    )
    assert "原有的 API 令牌已作废" in response.content.decode()
    assert not opens(first) and not opens(second)
    assert not ApiToken.objects.filter(user=alice).exists()


@pytest.mark.parametrize("how", ["reset by an admin", "deactivated"])
def test_an_admin_reset_or_deactivation_stops_the_tokens(alice, how):
    token = token_for(alice)
    if how == "deactivated":
        alice.is_active = False
    else:  # as the admin site's password form and `changepassword` do
        alice.password = make_password("Yangqi-2027-zhan")
    alice.save()
    assert not opens(token)


def test_a_token_issued_after_the_change_opens_the_api(alice):
    alice.set_password("Yangqi-2027-zhan")
    alice.save()
    response = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "alice", "password": "Yangqi-2027-zhan"}),
        content_type="application/json",
    )
    assert opens(response.json()["token"])


def test_tokens_expire_after_the_configured_days(alice, settings, clock):
    clock("2026-12-01")
    settings.API_TOKEN_DAYS = 30
    token = token_for(alice)
    clock("2026-12-30")
    assert opens(token)
    clock("2026-12-31 10:01")
    assert not opens(token)


def test_tokens_never_expire_by_default(alice, clock):
    clock("2026-12-01")
    token = token_for(alice)
    clock("2031-12-01")
    assert opens(token)


def test_my_account_lists_the_tokens_that_hold_with_their_last_use(as_user, alice, clock):
    clock("2026-12-01 09:30")
    token = token_for(alice)
    opens(token)
    page = as_user(alice).get("/accounts/profile/").content.decode()
    assert "最近使用" in page and "2026" in page
    alice.password = make_password("Yangqi-2027-zhan")  # reset in the admin site
    alice.save()
    assert "最近使用" not in as_user(alice).get("/accounts/profile/").content.decode()
