from typing import Any

from django import template

from o2crm.navigation import SECTIONS, TABS, active_key

register = template.Library()


@register.inclusion_tag("_nav.html", takes_context=True)
def navigation(context: dict[str, Any], place: str) -> dict[str, Any]:
    """`{% navigation "desktop" %}` or `{% navigation "phone" %}`: the sections, the current
    one marked."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    active = active_key(match.url_name if match else None)
    more = SECTIONS[TABS:]
    return {
        "place": place,
        "active": active,
        "desktop": [s for s in SECTIONS if s.desktop],
        "tabs": SECTIONS[:TABS],
        "more": more,
        "more_active": any(s.key == active for s in more),
    }
