from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/export/", views.survey_export, name="survey-export"),
    path("surveys/blank/", views.survey_blank, name="survey-blank"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey-detail"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey-edit"),
    path("hospitals/<int:hospital_pk>/surveys/new/", views.survey_create, name="survey-create"),
    path("visits/", views.visit_list, name="visit-list"),
    path("hospitals/<int:hospital_pk>/visits/new/", views.visit_create, name="visit-create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/checklist/", views.visit_checklist, name="visit-checklist"),
    path("visits/<int:pk>/brief/", views.visit_brief, name="visit-brief"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit-record"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<int:pk>/done/", views.task_complete, name="task-complete"),
]
