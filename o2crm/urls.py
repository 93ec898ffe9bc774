from django.contrib import admin
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.views import LoginView
from reports.views import home

from . import views
from .api import api


def healthz(request):
    """A constant answer through the full middleware stack: for load balancers, and the
    framework's ceiling in the benchmark."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for it whatever the page says (the pages name icons/icon.svg)."""
    return HttpResponsePermanentRedirect(static("icons/icon-192.png"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("accounts.urls")),
    path("", include("hospitals.urls")),
    path("", include("pipeline.urls")),
    path("", include("visits.urls")),
    path("", include("proposals.urls")),
    path("", include("reports.urls")),
    path("", include("reminders.urls")),
    path("", include("people.urls")),
    path("", include("imports.urls")),
    path("", include("relations.urls")),
    path("placements/", include("placements.urls")),
    path("exports/", views.export_list, name="exports"),
    path("exports/<slug:kind>/start/", views.export_start, name="export-start"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
