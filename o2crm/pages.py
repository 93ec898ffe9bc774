"""What every page does after a form: save through the records' rule, answer htmx or not."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from .records import EditConflict, Versioned, VersionedForm, save_record


def save_form(
    request: HttpRequest,
    form: VersionedForm,
    record: Versioned,
    template: str,
    ctx: dict[str, Any],
) -> HttpResponse | None:
    """Save a valid form's record; on a stale edit, keep the input and explain (409); on an
    invariant the form could not see, say which field (400). None when saved."""
    try:
        by = request.user  # signed in: the views are login_required
        save_record(record=record, by=by, expected_version=form.expected_version)  # type: ignore[arg-type]
    except EditConflict as conflict:
        form.add_error(None, conflict.message)
        ctx["conflict"] = conflict
        return render(request, template, ctx, status=409)
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, field_messages in by_field.items():
            form.add_error(field if field in form.fields else None, field_messages)
        return render(request, template, ctx, status=400)
    return None


def done(request: HttpRequest, url: str) -> HttpResponse:
    """Go to `url`: a client redirect for htmx, a redirect otherwise."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
