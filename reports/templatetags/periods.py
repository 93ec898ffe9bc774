"""Weeks and months as people say them: 2026年第48周, 2026年11月 (Week 48, 2026; November
2026 in English), from the ISO forms the URLs and the JSON carry (2026-W48, 2026-11)."""

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def week_label(iso: str) -> str:
    """`{{ "2026-W48"|week_label }}` → 2026年第48周."""
    try:
        year, week = str(iso).split("-W")
        return _("%(year)s年第%(week)s周") % {"year": int(year), "week": int(week)}
    except ValueError:
        return str(iso)


@register.filter
def month_label(value: str | date) -> str:
    """`{{ "2026-11"|month_label }}` or a date → 2026年11月."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(f"{value}-01"[:10])
    except ValueError:
        return str(value)
    return date_format(day, "YEAR_MONTH_FORMAT")
