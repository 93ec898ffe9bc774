"""Widgets every form may use."""

from __future__ import annotations

from typing import Any

from django import forms


class Radios(forms.RadioSelect):
    """Radio buttons with no "---------" choice when an answer is required: a model field
    with choices and no default brings one, and a radio group shows it as an answer."""

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> Any:
        groups = super().optgroups(name, value, attrs)
        if not self.is_required:
            return groups
        kept = []
        for group, options, index in groups:
            options = [o for o in options if o["value"] not in ("", None)]
            if options:
                kept.append((group, options, index))
        return kept
