from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("calendar/new/", views.calendar_create, name="calendar-create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
]
