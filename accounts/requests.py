"""The request a signed-in page gets: our User, and django-htmx's details."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User  # type: ignore[assignment]


class ApiRequest(HttpRequest):
    """A request the API has authenticated (token or session): its user is one of ours."""

    user: User  # type: ignore[assignment]
