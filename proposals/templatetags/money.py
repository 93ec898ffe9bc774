"""Money as Chinese offices write it: ¥1,050,000 and -¥213,133 (the sign before the ¥)."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    amount = float(value)
    text = f"¥{floatformat(abs(amount), '0g')}"
    return f"-{text}" if round(amount) < 0 else text
