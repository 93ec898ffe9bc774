"""The floor's pages: the background exports a user asked for (导出), and their downloads."""

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import paging
from .exports import may_export, registered, start_export
from .models import ExportJob
from .workbooks import XLSX, xlsx_file_response


def _jobs(request: HttpRequest):  # type: ignore[no-untyped-def]
    return ExportJob.objects.visible_to(request.user).defer("content", "params")


@require_POST
@login_required
def export_start(request: HttpRequest, kind: str) -> HttpResponse:
    """Queue a background export of `kind` with the filters of the page it was asked on."""
    if registered(kind) is None:
        raise Http404
    if not may_export(request.user, kind):
        raise PermissionDenied
    return export_later(request, kind)


def export_later(request: HttpRequest, kind: str) -> HttpResponse:
    """Start the export of `kind` with the request's filters and send the user to 导出, where
    its progress shows: the answer comes at once, whatever the size of the list."""
    job = start_export(user=request.user, kind=kind, params=request.GET.dict())
    messages.success(request, _("“%(title)s”正在后台生成，完成后会通知您。") % {"title": job.title})
    return redirect("exports")


def too_large(qs: Any) -> bool:
    """More rows than a download made while the user waits may hold (EXPORT_INLINE_ROWS):
    counted no further than that."""
    limit = settings.EXPORT_INLINE_ROWS
    return bool(qs[: limit + 1].count() > limit)


@require_GET
@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's recent exports; the page refreshes itself while one is being made."""
    page = paging.page(request, _jobs(request))
    ctx = {
        "page": page,
        "query_without_page": paging.query_without_page(request),
        "working": any(not job.finished for job in page),
        "keep_days": settings.EXPORT_KEEP_DAYS,
    }
    template = "exports/export_list.html"
    if request.headers.get("HX-Request") and request.GET.get("part") == "jobs":
        template += "#jobs"
    return render(request, template, ctx)


@require_GET
@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(
        ExportJob.objects.visible_to(request.user).filter(status=ExportJob.Status.DONE), pk=pk
    )
    if job.file:
        return xlsx_file_response(job.file.open("rb"), job.filename)
    response = HttpResponse(bytes(job.content or b""), content_type=XLSX)  # an older export
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.filename)}"
    return response
