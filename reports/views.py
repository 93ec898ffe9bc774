from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from hospitals.models import Contact, Hospital, HospitalStatus
from pipeline.models import PipelineSettings, Project

RECENT = 8


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what the signed-in user has, and what changed lately."""
    hospitals = Hospital.objects.visible_to(request.user)
    by_status = dict(
        hospitals.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # New and relocating hospitals need central oxygen explicitly (process step 1.1).
    explicit_need = list(
        hospitals.filter(status__in=[HospitalStatus.NEW, HospitalStatus.RELOCATING])
        .select_related("owner")
        .order_by("-grade_rank", "pinyin")[:6]
    )
    recent_rows = list(
        Hospital.history.filter(id__in=hospitals.values("pk"))
        .select_related("history_user")
        .order_by("-history_date")[:RECENT]
    )
    settings, today = PipelineSettings.current(), timezone.localdate()
    projects = Project.objects.visible_to(request.user).open()
    due = projects.with_cadence(settings, today).aggregate(
        overdue=Count("pk", filter=Q(business_due_on__lt=today) | Q(relationship_due_on__lt=today)),
        open=Count("pk"),
    )
    ctx = {
        "n_overdue": due["overdue"],
        "n_open_projects": due["open"],
        "n_hospitals": sum(by_status.values()),
        "status_counts": [
            (value, label, by_status.get(value, 0)) for value, label in HospitalStatus.choices
        ],
        "n_contacts": Contact.objects.visible_to(request.user).count(),
        "explicit_need": explicit_need,
        "recent": recent_rows,
    }
    return render(request, "reports/home.html", ctx)
