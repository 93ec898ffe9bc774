from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("people/", views.people_list, name="people-list"),
    path("people/handovers/", views.handover_list, name="handover-list"),
    path("people/<str:username>/handover/", views.handover, name="handover"),
    path("people/<str:username>/deactivate/", views.deactivate, name="deactivate"),
]
