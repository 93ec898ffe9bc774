"""POST /api/v1/imports (multipart: kind, file, dry_run): the preview as JSON, and without
dry_run the import itself (all rows or, when any is wrong, none: 400 with the preview). A
sheet of more than IMPORT_INLINE_ROWS rows goes to a worker: 202 with the batch, whose
progress and preview GET /api/v1/imports/{id} answers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from accounts.requests import ApiRequest

from . import services
from .models import ImportBatch
from .sheets import SheetError

router = Router(tags=["imports"])


def _state(batch: ImportBatch) -> dict[str, Any]:
    return {"batch": batch.pk, "status": batch.status, "done": batch.done, "total": batch.total,
            "imported": batch.status == ImportBatch.Status.IMPORTED}  # fmt: skip


@router.post(
    "/imports",
    response={200: dict[str, Any], 202: dict[str, Any], 400: dict[str, Any]},
    url_name="imports",
)
def create_import(
    request: ApiRequest, kind: Form[str], file: File[UploadedFile], dry_run: Form[bool] = True
):
    """Preview an import (`dry_run`, the default) or make it."""
    try:
        batch = services.upload(
            user=request.user, kind=kind, file_name=file.name or "", content=file.read()
        )
        if services.large(batch):
            services.start(batch, "check" if dry_run else "import")
            return Status(202, {**_state(batch), "rows": [], "counts": {}})
        result = services.preview(batch)
    except SheetError as error:
        return Status(400, {"detail": str(error), "errors": {"file": [str(error)]}})
    except ValidationError as error:
        return Status(400, {"detail": " ".join(error.messages), "errors": error.message_dict})
    if dry_run:
        return Status(200, {**result, **_state(batch)})
    try:
        services.confirm(batch)
    except services.Blocked as blocked:
        failed = {**blocked.result, **_state(batch), "detail": str(blocked)}
        return Status(400, failed)
    batch.refresh_from_db(fields=["status", "done"])
    return Status(200, {**result, **_state(batch)})


@router.get("/imports/{batch_id}", response=dict[str, Any], url_name="import")
def get_import(request: ApiRequest, batch_id: int):
    """A batch's progress and, once checked, its preview (up to 2,000 rows, wrong ones
    first)."""
    batch = get_object_or_404(ImportBatch.objects.filter(user=request.user), pk=batch_id)
    kept = batch.result or {"rows": [], "counts": batch.counts}
    return {**kept, **_state(batch), "error": batch.error}
