from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("projects/board/", views.project_board, name="board"),
    path("projects/due/", views.due_list, name="due"),
    path("projects/new/", views.project_pick_hospital, name="project-pick-hospital"),
    path("hospitals/<int:hospital_pk>/projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/move/", views.project_move, name="project-move"),
    path("projects/<int:pk>/close/", views.project_close, name="project-close"),
    path("projects/<int:pk>/reopen/", views.project_reopen, name="project-reopen"),
    path("projects/<int:pk>/follow-ups/new/", views.followup_create, name="followup-create"),
    path("projects/<int:pk>/evaluations/new/", views.evaluation_create, name="evaluation-create"),
    path("projects/<int:pk>/competitors/add/", views.competitor_add, name="competitor-add"),
    path(
        "projects/<int:pk>/competitors/<int:row>/remove/",
        views.competitor_remove,
        name="competitor-remove",
    ),
]
