from __future__ import annotations

import re
from datetime import time
from typing import Any

import apprise
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User

from .models import Channel, Kind, Preference, Service

# kinds a user may route; the bell always has every one
ROUTED = [k for k in Kind if k != Kind.EXPORT_READY] + [Kind.EXPORT_READY]
DIGEST_TIMES = [time(h, m) for h in range(6, 22) for m in (0, 30)]


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    digest_time = forms.TypedChoiceField(
        label=_("每日提醒时间"),
        choices=[(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in DIGEST_TIMES],
        coerce=lambda v: time.fromisoformat(v),
    )

    class Meta:
        model = Preference
        fields = ["digest_time", "quiet_start", "quiet_end"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_end": _("免打扰时段内不发邮件和群消息，结束后再发（应用内通知照常）。")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.digest_time:
            self.initial["digest_time"] = self.instance.digest_time.strftime("%H:%M")
        for kind in ROUTED:
            for channel in Channel:
                self.fields[f"{kind.value}:{channel.value}"] = forms.BooleanField(
                    label=f"{kind.label} · {channel.label}",
                    required=False,
                    initial=self.instance.wants(kind, channel),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", _("免打扰时段需要同时填写开始和结束时间。"))
        return data

    def rows(self) -> list[tuple[Any, list[Any]]]:
        """The kinds × channels grid, a row a kind."""
        return [(kind, [self[f"{kind.value}:{c.value}"] for c in Channel]) for kind in ROUTED]

    def save(self, commit: bool = True) -> Preference:
        pref: Preference = super().save(commit=False)
        pref.off = [
            name
            for name in (f"{k.value}:{c.value}" for k in ROUTED for c in Channel)
            if not self.cleaned_data.get(name)
        ]
        if commit:
            pref.save()
        return pref


# the webhook addresses 钉钉 and 飞书 show, which apprise reads only in its own form
NATIVE = [
    (
        re.compile(r"^https://oapi\.dingtalk\.com/robot/send\?access_token=([A-Za-z0-9]+)"),
        "dingtalk://{}/",
    ),
    (
        re.compile(
            r"^https://open\.(?:feishu\.cn|larksuite\.com)/open-apis/bot/v2/hook/([A-Za-z0-9-]+)"
        ),
        "feishu://{}",
    ),
]


def native(address: str) -> str:
    """A pasted 钉钉 or 飞书 webhook address as apprise's URL (others as they are)."""
    for pattern, form in NATIVE:
        if match := pattern.match(address):
            return form.format(match.group(1))
    return address


class RobotForm(forms.Form):
    """A group robot's webhook address as 企业微信, 钉钉 or 飞书 show it; apprise recognises the
    service from it. DingTalk's 加签 secret is asked apart."""

    address = forms.CharField(
        label=_("Webhook 地址"),
        max_length=400,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("在群设置 › 群机器人 › 添加机器人 中复制。"),
    )
    secret = forms.CharField(
        label=_("加签密钥（钉钉）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label=_("名称"), max_length=50, required=False)
    team = forms.ModelChoiceField(
        label=_("发到团队群"), queryset=Team.objects.none(), required=False, empty_label=_("我自己")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.all() if user.is_superuser else Team.objects.filter(leader=user)
        self.fields["team"].queryset = teams.order_by("name")
        if not user.is_superuser and not user.led_team_ids:
            del self.fields["team"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        address = (data.get("address") or "").strip()
        if not address:
            return data
        found = apprise.Apprise.instantiate(native(address))
        service = getattr(found, "secure_protocol", None)
        if found is None or service not in Service.values:
            self.add_error(
                "address",
                _("这不是企业微信、钉钉或飞书群机器人的 Webhook 地址，请从群设置中复制。"),
            )
            return data
        secret = (data.get("secret") or "").strip()
        if service == Service.DINGTALK:
            token = found.token  # type: ignore[union-attr]
            url = f"dingtalk://{secret}@{token}/" if secret else f"dingtalk://{token}/"
            if secret and not re.fullmatch(r"SEC[0-9A-Za-z]{20,}", secret):
                self.add_error("secret", _("加签密钥格式不对（以 SEC 开头）。"))
                return data
        elif secret:
            self.add_error("secret", _("只有钉钉机器人需要加签密钥。"))
            return data
        elif service == Service.WECOM:
            url = f"wecombot://{found.key}"  # type: ignore[union-attr]
        else:
            url = f"feishu://{found.token}"  # type: ignore[union-attr]
        data["service"], data["url"] = service, url
        return data
