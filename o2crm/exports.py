"""Workbooks made in the background (decision 0024).

A page asks for an export with `start_export`; a worker runs the app's registered builder
with the user's own visibility and language, reporting progress; the builder writes the
workbook row by row into a temporary file, which goes to the file storage (ExportJob.file,
under MEDIA_ROOT) a block at a time, so a worker's memory stays flat whatever the size; the
download is sent from the file; both are deleted after EXPORT_KEEP_DAYS (decision 0029).
`export_finished` is sent when a job is done or failed (the reminders app tells the user).
Apps register builders with `@export(kind)` in their AppConfig.ready().
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.dispatch import Signal
from django.utils import timezone, translation
from django_tasks import task

from .jobs import scheduled
from .models import ExportJob

# builder(user, params, progress, into) writes the workbook into `into` (a binary file) and
# returns its file name without extension; progress(fraction) with 0 <= fraction <= 1
Progress = Callable[[float], None]
Builder = Callable[[Any, Mapping[str, Any], Progress, BinaryIO], str]


@dataclass(frozen=True)
class Export:
    kind: str
    title: Any  # a lazy translation: what the page and the file are called
    builder: Builder
    permission: str | None = None  # what the user must hold to ask for it, if anything


_BUILDERS: dict[str, Export] = {}

export_finished = Signal()  # sender=ExportJob, job=the job


def export(kind: str, *, title: Any, permission: str | None = None) -> Callable[[Builder], Builder]:
    """Register the decorated builder as the background export `kind` (for the users who
    hold `permission`, when one is named)."""

    def register(builder: Builder) -> Builder:
        _BUILDERS[kind] = Export(kind, title, builder, permission)
        return builder

    return register


def counting(qs: Any, progress: Progress | None, chunk: int = 2000) -> Iterator[Any]:
    """The rows of `qs` from a cursor, `chunk` at a time, reporting the share done."""
    total = qs.count() if progress else 0
    for n, row in enumerate(qs.iterator(chunk_size=chunk), 1):
        if progress and n % chunk == 0:
            progress(n / total)
        yield row


def registered(kind: str) -> Export | None:
    return _BUILDERS.get(kind)


def may_export(user: Any, kind: str) -> bool:
    entry = _BUILDERS.get(kind)
    return entry is not None and (entry.permission is None or user.has_perm(entry.permission))


def start_export(*, user: Any, kind: str, params: Mapping[str, Any]) -> ExportJob:
    """Queue the export of `kind` with the page's filters; the worker makes it."""
    entry = _BUILDERS[kind]
    job = ExportJob.objects.create(
        user=user,
        kind=kind,
        title=str(entry.title)[:200],
        params={k: v for k, v in params.items() if k != "page"},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    run_export.enqueue(job.pk)  # a row in the same transaction: queued only if the job is
    return job


@task()
def run_export(job_id: int) -> str:
    """Make one export (a worker runs this; a job already taken is left alone)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, progress=1
    )
    if not claimed:
        return "taken"
    job = ExportJob.objects.select_related("user").defer("content").get(pk=job_id)
    shown = [1]

    def progress(fraction: float) -> None:
        percent = max(1, min(99, int(fraction * 100)))
        if percent > shown[0]:  # written when it moves, not per row
            shown[0] = percent
            ExportJob.objects.filter(pk=job.pk).update(progress=percent)

    with tempfile.TemporaryFile() as spool:
        try:
            if not may_export(job.user, job.kind):  # the permission was taken back since
                raise PermissionDenied(job.kind)
            with translation.override(job.language):
                name = _BUILDERS[job.kind].builder(job.user, job.params, progress, spool)
        except Exception as error:
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.FAILED,
                error=str(error)[:2000],
                finished_at=timezone.now(),
            )
            job.refresh_from_db(fields=["status", "error", "finished_at"])
            export_finished.send(sender=ExportJob, job=job)
            raise
        size = spool.seek(0, 2)
        spool.seek(0)
        job.file.save(f"{job.pk}.xlsx", File(spool), save=False)  # copied a block at a time
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        file=job.file.name,
        size=size,
        filename=f"{name}-{stamp}.xlsx",
        finished_at=timezone.now(),
    )
    job.refresh_from_db(fields=["status", "progress", "filename", "size", "finished_at"])
    export_finished.send(sender=ExportJob, job=job)
    return job.filename


@scheduled("30 3 * * *", name="prune-exports", late=timedelta(days=1))
@task()
def prune_exports(period: str) -> int:
    """Delete the exports older than EXPORT_KEEP_DAYS (and the files in them)."""
    cutoff = timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS)
    old = ExportJob.objects.filter(created_at__lt=cutoff)
    for job in old.exclude(file="").only("pk", "file").iterator():
        job.file.delete(save=False)
    deleted, _rows = old.delete()
    return deleted
