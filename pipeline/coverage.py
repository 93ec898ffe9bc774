"""A project's knowledge coverage (信息掌握度): counted by the visits app, from its surveys and
visit notes, and shown by the pipeline's API. The visits app hands its counter over at start
(VisitsConfig.ready), so the pipeline asks for the figure without importing the app above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .models import Project

Counter = Callable[[list[Project], Any], dict[int, int]]

_counters: list[Counter] = []


def count_coverage_with(counter: Counter) -> None:
    """Set the function that returns {project id: percent} for projects, as a viewer sees."""
    _counters[:] = [counter]


def coverage_percents(projects: list[Project], viewer: Any) -> dict[int, int]:
    """Each project's coverage, 0-100, counted from what `viewer` may see."""
    if not _counters:
        raise ImproperlyConfigured("the visits app counts coverage; it is not installed")
    return _counters[0](projects, viewer)
