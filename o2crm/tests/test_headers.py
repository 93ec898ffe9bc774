"""The headers every answer carries: a Content-Security-Policy that runs no inline script,
and `Cache-Control: private, no-store` wherever a signed-in user's data is answered."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from hospitals.tests.factories import HospitalFactory

pytestmark = [pytest.mark.timeless, pytest.mark.django_db]


def script_sources(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    return directives["script-src"].split()


def test_pages_run_scripts_only_from_the_apps_own_files(client, as_user, alice):
    for response in (client.get("/accounts/login/"), as_user(alice).get("/")):
        assert script_sources(response) == ["'self'"]
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_no_template_holds_an_inline_script_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text("utf-8")
        if inline.search(text) or handler.search(text):
            found.append(str(path))
    assert found == []


def test_answers_with_a_users_data_are_not_cached(as_user, alice):
    HospitalFactory(owner=alice)
    client = as_user(alice)
    for url in ("/", "/hospitals/", "/hospitals/export/", "/api/v1/hospitals"):
        cache = client.get(url)["Cache-Control"]
        assert "private" in cache and "no-store" in cache, url
    token = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "alice", "password": "o2crm-test"}),
        content_type="application/json",
    )
    answer = Client().get(
        "/api/v1/hospitals", headers={"Authorization": f"Bearer {token.json()['token']}"}
    )
    assert "no-store" in answer["Cache-Control"]
