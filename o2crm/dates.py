"""Days and weeks as the whole app counts them (the site's time zone, weeks from Monday)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def midnight(day: date) -> datetime:
    """The start of `day` in the site's time zone: the bound for timestamp filters."""
    return timezone.make_aware(datetime.combine(day, time.min))


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_end(day: date) -> date:
    """The Sunday of `day`'s week."""
    return week_start(day) + timedelta(days=6)
