from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/funnel/", views.funnel, name="report-funnel"),
    path("reports/sources/", views.sources, name="report-sources"),
    path("reports/forecast/", views.forecast, name="report-forecast"),
]
