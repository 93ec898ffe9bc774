"""The proposals' panel on the project page (see o2crm/panels.py)."""

from typing import Any

from django.http import HttpRequest

from o2crm.panels import panel
from pipeline.models import Project

PROPOSALS_ON_PROJECT = 5


@panel("project", template="proposals/_project_proposals.html", order=50)
def project_proposals(request: HttpRequest, project: Project) -> dict[str, Any]:
    current = project.proposals.filter(superseded=False).order_by("-created_at")
    return {"project": project, "proposals": list(current[:PROPOSALS_ON_PROJECT])}
