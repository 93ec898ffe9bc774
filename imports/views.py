"""导入: upload a sheet, see every row's action and errors, import it whole or not at all,
undo a batch; the template to fill in."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import HtmxHttpRequest
from o2crm import paging
from o2crm.workbooks import XLSX

from . import services
from .models import ImportBatch
from .sheets import SheetError

MAX_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("Excel（.xlsx）或 CSV，第一行是列名。")
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("文件太大（不超过 50 MB）。"))
        return upload


def _batches(request: HtmxHttpRequest):  # type: ignore[no-untyped-def]
    return ImportBatch.objects.filter(user=request.user).defer("content", "result", "written")


@require_http_methods(["GET", "POST"])
@login_required
def import_list(request: HtmxHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.upload(
                user=request.user, kind=form.cleaned_data["kind"], file_name=upload.name,
                content=upload.read(),
            )  # fmt: skip
        except SheetError as error:
            form.add_error("file", str(error))
        else:
            if services.large(batch):
                services.start(batch, "check")
            return redirect("imports:import-preview", batch.pk)
    ctx = {
        "form": form,
        "kinds": ImportBatch.Kind.choices,
        "page": paging.page(request, _batches(request)),
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "imports/import_list.html", ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def import_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The preview: checked here for a small sheet; for a large one, the worker's progress
    (the page asks again every 2 s) and then the result it kept."""
    batch = get_object_or_404(_batches(request).defer(None), pk=pk)
    result = None
    if batch.status == ImportBatch.Status.PREVIEWED:
        try:
            result = batch.result if services.large(batch) else services.preview(batch)
        except SheetError as error:
            messages.error(request, str(error))
            return redirect("imports:import-list")
    elif batch.status == ImportBatch.Status.IMPORTED:
        result = batch.result
    ctx = {
        "batch": batch,
        "result": result,
        "errors": services.messages_of(result, batch.kind) if result else [],
    }
    template = "imports/import_preview.html"
    if request.headers.get("HX-Request") and request.GET.get("part") == "progress":
        template += "#progress"
    return render(request, template, ctx)


@require_POST
@login_required
def import_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request).defer(None), pk=pk)
    if services.large(batch) and batch.status == ImportBatch.Status.PREVIEWED:
        if batch.counts.get("error"):
            messages.error(request, _("有错误的行，未导入任何数据：请改正或删去这些行后重新上传。"))
        else:
            services.start(batch, "import")
        return redirect("imports:import-preview", batch.pk)
    try:
        result = services.confirm(batch)
    except services.Blocked:
        messages.error(request, _("有错误的行，未导入任何数据：请改正或删去这些行后重新上传。"))
        return redirect("imports:import-preview", batch.pk)
    except (ValidationError, SheetError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("imports:import-list")
    counts = result["counts"]
    messages.success(
        request,
        _("已导入：新建 %(new)s，更新 %(update)s。")
        % {"new": counts["new"], "update": counts["update"]},
    )
    return redirect("imports:import-list")


@require_POST
@login_required
def import_undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request).defer(None).defer("content", "result"), pk=pk)
    if services.large(batch):
        if services.start(batch, "undo"):
            messages.success(request, _("正在后台撤销这次导入，完成后这里会显示“已撤销”。"))
        return redirect("imports:import-list")
    try:
        services.undo(batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销这次导入。"))
    return redirect("imports:import-list")


@require_GET
@login_required
def import_template(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    if kind not in ImportBatch.Kind.values:
        return HttpResponse(status=404)
    label = ImportBatch.Kind(kind).label
    response = HttpResponse(services.template(kind), content_type=XLSX)
    name = quote(_("%(kind)s导入模板.xlsx") % {"kind": label})
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
