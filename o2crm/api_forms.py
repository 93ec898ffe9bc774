"""The API writes through the pages' forms: the same validation, the same messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext as _


def expected_version(request: HttpRequest, payload_version: int | None) -> int | None:
    """The version the caller edited from: the body's `version`, else an If-Match header."""
    if payload_version is not None:
        return payload_version
    header = request.headers.get("If-Match", "").strip('W/"')
    return int(header) if header.isdigit() else None


def run_form(form: BaseForm) -> Any:
    """The form's instance when valid; else a ValidationError by field (answered 400)."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.instance  # type: ignore[attr-defined]


def merge_form_data(
    instance: Any, form_class: type[BaseForm], changes: dict[str, Any], **form_kwargs: Any
) -> dict[str, Any]:
    """Current values of every form field, overlaid with the fields the caller sent."""
    names = list(form_class(instance=instance, **form_kwargs).fields)  # type: ignore[call-arg]
    data = {k: v for k, v in model_to_dict(instance, fields=names).items() if v is not None}
    data.update({k: v for k, v in changes.items() if k in names})
    return data


def refuse_unsettable(form: BaseForm, changes: dict[str, Any], *names: str) -> None:
    """A field the caller sent but may not set is an error, never silently dropped."""
    refused = {
        name: [_("您没有权限设置此字段。")]
        for name in names
        if name in changes and name not in form.fields
    }
    if refused:
        raise ValidationError(refused)
