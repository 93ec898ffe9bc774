from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("people/", views.people_list, name="people-list"),
    path("people/handovers/", views.handover_list, name="handover-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/teams/", views.team_list, name="team-list"),
    path("people/teams/new/", views.team_edit, name="team-create"),
    path("people/teams/<int:team_pk>/edit/", views.team_edit, name="team-edit"),
    path("people/<str:username>/edit/", views.person_edit, name="person-edit"),
    path("people/<str:username>/password/", views.person_password, name="person-password"),
    path("people/<str:username>/reactivate/", views.person_reactivate, name="person-reactivate"),
    path("people/<str:username>/handover/", views.handover, name="handover"),
    path("people/<str:username>/deactivate/", views.deactivate, name="deactivate"),
]
