"""Each test starts in the default language. Django's LocaleMiddleware activates a request's
language for the thread and leaves it active after the response, so a test whose last
request was in English left English to the next test its worker ran: a red-flag test that
reads Chinese text failed on two days of the calendar (2026-12-28, 2027-01-01), when the
scheduling put it after one. Run in this order in one worker, the second test failed."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_request_in_english_leaves_english_active_in_its_thread(as_user, alice):
    as_user(alice).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert translation.get_language() == "en"


def test_the_next_test_starts_in_chinese_all_the_same():
    assert translation.get_language() == "zh-hans"
    assert translation.gettext("保存") == "保存"
