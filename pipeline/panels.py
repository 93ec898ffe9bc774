"""The pipeline's panels on the pages of the apps below it (see o2crm/panels.py)."""

from typing import Any

from django.http import HttpRequest

from hospitals.models import Hospital
from o2crm.panels import panel

from .models import Project

PROJECTS_ON_HOSPITAL = 20


@panel("hospital", template="pipeline/_hospital_projects.html", order=10)
def hospital_projects(request: HttpRequest, hospital: Hospital) -> dict[str, Any]:
    """The hospital's projects the viewer may see, open ones first."""
    projects = list(
        Project.objects.visible_to(request.user)
        .filter(hospital=hospital)
        .select_related("stage", "owner")
        .order_by("status", "-updated_at")[:PROJECTS_ON_HOSPITAL]
    )
    return {"hospital": hospital, "projects": projects}
