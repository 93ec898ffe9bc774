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
]
