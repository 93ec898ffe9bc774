"""POST /api/v1/imports (multipart: kind, file, dry_run): the preview as JSON, and without
dry_run the import itself (all rows or, when any is wrong, none: 400 with the preview)."""

from typing import Any

from django.core.exceptions import ValidationError
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from accounts.requests import ApiRequest

from . import services
from .sheets import SheetError

router = Router(tags=["imports"])


@router.post("/imports", response={200: dict[str, Any], 400: dict[str, Any]}, url_name="imports")
def create_import(
    request: ApiRequest, kind: Form[str], file: File[UploadedFile], dry_run: Form[bool] = True
):
    """Preview an import (`dry_run`, the default) or make it."""
    try:
        batch = services.upload(
            user=request.user, kind=kind, file_name=file.name or "", content=file.read()
        )
        result = services.preview(batch)
    except SheetError as error:
        return Status(400, {"detail": str(error), "errors": {"file": [str(error)]}})
    except ValidationError as error:
        return Status(400, {"detail": " ".join(error.messages), "errors": error.message_dict})
    if dry_run:
        return Status(200, {**result, "batch": batch.pk, "imported": False})
    try:
        services.confirm(batch)
    except services.Blocked as blocked:
        failed = {**blocked.result, "batch": batch.pk, "imported": False, "detail": str(blocked)}
        return Status(400, failed)
    return Status(200, {**result, "batch": batch.pk, "imported": True})
