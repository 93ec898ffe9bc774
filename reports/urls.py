from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/funnel/", views.funnel, name="report-funnel"),
    path("reports/sources/", views.sources, name="report-sources"),
    path("reports/forecast/", views.forecast, name="report-forecast"),
    path("reports/discipline/", views.discipline, name="report-discipline"),
    path("reports/monthly/", views.monthly, name="report-monthly"),
    path("reports/weekly/", views.weekly_overview, name="weekly-overview"),
    path("reports/weekly/<str:username>/<str:week>/", views.weekly_detail, name="weekly-detail"),
]
