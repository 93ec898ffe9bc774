from django.contrib import admin

from .models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_fetched_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "created_at", "last_fetched_at")
