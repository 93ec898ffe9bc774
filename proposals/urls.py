from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("projects/<int:pk>/economics/", views.calculator, name="proposal-calculator"),
    path("projects/<int:pk>/proposals/new/", views.proposal_create, name="proposal-create"),
    path("proposals/", views.proposal_list, name="proposal-list"),
    path("proposals/settings/", views.settings_page, name="proposal-settings"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/<slug:action>/", views.proposal_action, name="proposal-action"),
]
