from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def iso_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp (as the JSON carries it) as a datetime, for `|date` to print in
    the reader's time zone and language: `{{ data.submitted_at|iso_datetime|date:"…" }}`."""
    return parse_datetime(value) if value else None
