"""The demo's reminders: today's 每日提醒 for everyone (so the bell has something to say on the
first screen, whatever the hour the demo is loaded; the worker sends tomorrow's at each
user's time), and one manager who moved hers to 07:30 and keeps quiet hours."""

from datetime import time

from django.utils import timezone

from accounts.models import User

from .jobs import send_digests_for
from .models import Preference


def load() -> int:
    manager = User.objects.filter(username="manager2").first()
    if manager is not None:
        Preference.objects.get_or_create(
            user=manager,
            defaults={"digest_time": time(7, 30), "quiet_start": time(22), "quiet_end": time(7)},
        )
    users = User.objects.filter(is_active=True).order_by("pk")
    return send_digests_for(users, timezone.localdate())
