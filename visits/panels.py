"""The visits' panels on the hospital and project pages (see o2crm/panels.py)."""

from typing import Any

from django.http import HttpRequest

from hospitals.models import Hospital
from o2crm.panels import panel
from pipeline.models import Project

from .models import OxygenSurvey, Visit
from .services import coverage

SURVEYS_ON_HOSPITAL = 5
VISITS_ON_PROJECT = 5


@panel("hospital", template="visits/_hospital_surveys.html", order=20)
def hospital_surveys(request: HttpRequest, hospital: Hospital) -> dict[str, Any]:
    surveys = OxygenSurvey.objects.filter(hospital=hospital).select_related("created_by")
    return {"hospital": hospital, "surveys": list(surveys[:SURVEYS_ON_HOSPITAL])}


@panel("project", template="visits/_project_coverage.html", order=30)
def project_coverage(request: HttpRequest, project: Project) -> dict[str, Any]:
    """How much of what a visit should learn is known, and the project's latest visits."""
    percent, items = coverage(project, viewer=request.user)
    visits = Visit.objects.filter(project=project).order_by("-planned_at")
    return {
        "project": project,
        "coverage": percent,
        "coverage_items": items,
        "visits": list(visits[:VISITS_ON_PROJECT]),
    }


@panel("project", template="visits/_project_survey.html", order=40)
def project_survey(request: HttpRequest, project: Project) -> dict[str, Any]:
    """The hospital's latest survey, with the change since the one before."""
    surveys = list(OxygenSurvey.objects.filter(hospital_id=project.hospital_id)[:2])
    return {
        "project": project,
        "survey": surveys[0] if surveys else None,
        "earlier": surveys[1] if len(surveys) > 1 else None,
    }
