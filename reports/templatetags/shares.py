"""A share (0–1) as the reports print it: a small bar and a whole percentage, red below 80 %.
A filter, not an include: the discipline page prints 300 of them."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

LOW = 0.8


@register.filter
def share(value) -> str:
    if value is None:
        return mark_safe('<span class="muted">—</span>')  # noqa: S308 (a constant)
    percent = round(float(value) * 100)
    return format_html(
        '<span class="share{}"><i><b style="width:{}%"></b></i>{}%</span>',
        " low" if value < LOW else "",
        percent,
        percent,
    )
