import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_the_login_page_is_in_chinese_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_a_user_logs_in_and_lands_on_the_home_page(client, alice):
    response = client.post(LOGIN, {"username": "alice", "password": "o2crm-test"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "您好" in client.get("/").content.decode()


def test_a_wrong_password_says_so(client, alice):
    response = client.post(LOGIN, {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()


def test_repeated_failures_lock_the_account(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "alice", "password": "wrong"})
    # now even the right password is refused for a while
    response = client.post(LOGIN, {"username": "alice", "password": "o2crm-test"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_username(client, alice, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "alice", "password": "wrong"})
    response = client.post(LOGIN, {"username": "bob", "password": "o2crm-test"})
    assert response.status_code == 302


def test_logout_is_a_post(as_user, alice):
    client = as_user(alice)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_user_changes_their_password(as_user, alice, client):
    response = as_user(alice).post(
        reverse("accounts:password-change"),
        {
            "old_password": "o2crm-test",
            "new_password1": "Yangqi-2026!",
            "new_password2": "Yangqi-2026!",
        },
    )
    assert response.status_code == 302
    assert client.post(LOGIN, {"username": "alice", "password": "Yangqi-2026!"}).status_code == 302


def test_a_too_simple_new_password_is_refused_with_reasons(as_user, alice):
    response = as_user(alice).post(
        reverse("accounts:password-change"),
        {"old_password": "o2crm-test", "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("o2crm-test")


def test_the_user_switches_to_english(as_user, alice):
    client = as_user(alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/hospitals/").content.decode()
    assert '<html lang="en">' in body
    assert "Hospitals" in body


def test_the_profile_issues_and_revokes_api_tokens(as_user, alice):
    client = as_user(alice)
    response = client.post(reverse("accounts:token-create"))
    token = response.context["new_token"]
    assert len(token) > 30
    api = client.get("/api/v1/hospitals", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    client.post(reverse("accounts:token-revoke", args=[alice.api_tokens.get().pk]))
    assert not alice.api_tokens.exists()


LB = "10.0.0.1"  # the load balancer: every request arrives from it


def fail_five_times(client, settings, forwarded: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=forwarded,
        )


def log_in_from(forwarded: str) -> int:
    from django.test import Client

    response = Client().post(
        LOGIN,
        {"username": "alice", "password": "o2crm-test"},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.status_code


def test_behind_a_trusted_proxy_a_stranger_cannot_lock_a_user_out(client, alice, settings):
    settings.TRUSTED_PROXIES = 1
    fail_five_times(client, settings, "203.0.113.9")  # the stranger, through the balancer
    assert log_in_from("198.51.100.7") == 302  # alice, from her own address
    assert log_in_from("203.0.113.9") == 429  # the stranger's address is locked
    # what a client writes into the header itself is not read: still the stranger's address
    assert log_in_from("1.2.3.4, 203.0.113.9") == 429


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, alice, settings):
    settings.TRUSTED_PROXIES = 0
    for i in range(settings.AXES_FAILURE_LIMIT):  # a new made-up address every time
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    response = client.post(
        LOGIN, {"username": "alice", "password": "o2crm-test"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429
