"""The calendar feed's key: issued (replacing any earlier one), revoked, and read."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import CalendarFeed

# a feed's last fetch is written at most this often (calendar apps poll every few minutes)
FETCH_STAMP = timedelta(hours=1)


@transaction.atomic
def issue_feed(*, user: User) -> str:
    """A new private feed address key for the user; the old address stops working."""
    key = CalendarFeed.new_key()
    CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"key_hash": CalendarFeed.hash(key), "created_at": timezone.now()},
    )
    return key


def revoke_feed(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_user(key: str) -> User | None:
    """Whose feed the key opens (an active user), or None; notes when it was last fetched."""
    feed = (
        CalendarFeed.objects.select_related("user").filter(key_hash=CalendarFeed.hash(key)).first()
    )
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > FETCH_STAMP:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    user: User = feed.user
    return user
