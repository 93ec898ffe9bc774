"""What every page does after a form: save through the records' rule, answer htmx or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from .records import EditConflict, Versioned, VersionedForm, save_record


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names, else on the form."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_messages in by_field.items():
        form.add_error(field if field in form.fields else None, field_messages)


def write_form(
    request: HttpRequest,
    form: forms.BaseForm,
    template: str,
    ctx: dict[str, Any],
    write: Callable[[], Any],
) -> HttpResponse | None:
    """Run a service's `write` for a valid form; on a stale edit, keep the input and explain
    (409); on an invariant the form could not see, say which field (400). None when done."""
    try:
        write()
    except EditConflict as conflict:
        form.add_error(None, conflict.message)
        ctx["conflict"] = conflict
        return render(request, template, ctx, status=409)
    except ValidationError as error:
        add_errors(form, error)
        return render(request, template, ctx, status=400)
    return None


def save_form(
    request: HttpRequest,
    form: VersionedForm,
    record: Versioned,
    template: str,
    ctx: dict[str, Any],
) -> HttpResponse | None:
    """Save a valid form's record through save_record (see write_form)."""
    by = request.user  # signed in: the views are login_required

    def write() -> None:
        save_record(record=record, by=by, expected_version=form.expected_version)  # type: ignore[arg-type]

    return write_form(request, form, template, ctx, write)


def done(request: HttpRequest, url: str) -> HttpResponse:
    """Go to `url`: a client redirect for htmx, a redirect otherwise."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
