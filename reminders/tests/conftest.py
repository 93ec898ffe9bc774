import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot

from .receiver import Receiver


@pytest.fixture
def robots(monkeypatch):
    """The robot services' addresses pointed at a local receiver (apprise builds and sends
    the real messages; only where they go changes)."""
    receiver = Receiver()
    monkeypatch.setattr(
        NotifyWeComBot, "notify_url", receiver.url + "/cgi-bin/webhook/send?key={key}"
    )
    monkeypatch.setattr(
        NotifyDingTalk, "notify_url", receiver.url + "/robot/send?access_token={token}"
    )
    monkeypatch.setattr(
        NotifyFeishu, "notify_url", receiver.url + "/open-apis/bot/v2/hook/{token}/"
    )
    yield receiver
    receiver.close()
