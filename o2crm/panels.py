"""Panels: a page of a lower app shows a higher app's data without importing it.

The hospital page lists the hospital's projects (pipeline) and surveys (visits); the project
page shows its visits, knowledge coverage, survey (visits) and proposals (proposals). The
app that owns the data registers a panel for the page in its AppConfig.ready(), and the
page renders every panel registered for it with `{% panels "hospital" hospital %}`. Each
panel costs a fixed number of queries, like the page around it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

Context = Callable[[HttpRequest, Any], dict[str, Any]]


@dataclass(frozen=True, order=True)
class Panel:
    order: int
    template: str
    context: Context = field(compare=False)


_PANELS: dict[str, list[Panel]] = defaultdict(list)


def panel(page: str, *, template: str, order: int) -> Callable[[Context], Context]:
    """Register the decorated function as a panel of `page`: it takes the request and the
    page's record and returns the template's context; `order` places it among the others."""

    def register(context: Context) -> Context:
        entry = Panel(order, template, context)
        if entry not in _PANELS[page]:  # ready() may run twice (tests, autoreload)
            _PANELS[page] = sorted([*_PANELS[page], entry])
        return context

    return register


def render_panels(page: str, request: HttpRequest, record: Any) -> SafeString:
    """Every panel of `page` for `record`, in order, as HTML."""
    return mark_safe(  # noqa: S308 - each part is rendered by the template engine, escaped
        "".join(
            render_to_string(p.template, p.context(request, record), request=request)
            for p in _PANELS[page]
        )
    )
