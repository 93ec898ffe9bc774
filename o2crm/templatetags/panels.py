from typing import Any

from django import template
from django.utils.safestring import SafeString

from o2crm.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: dict[str, Any], page: str, record: Any) -> SafeString:
    """`{% panels "project" project %}`: the panels other apps registered for this page."""
    return render_panels(page, context["request"], record)
