from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("calendar/new/", views.calendar_create, name="calendar-create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/badge/", views.notification_badge, name="notification-badge"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read/", views.notification_read_all, name="notification-read-all"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path("notifications/robots/", views.robot_add, name="robot-add"),
    path("notifications/robots/<int:robot_pk>/remove/", views.robot_remove, name="robot-remove"),
    path(
        "reports/weekly/<str:username>/<str:week>/nudge/",
        views.weekly_nudge,
        name="weekly-nudge",
    ),
]
