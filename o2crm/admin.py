from django.contrib import admin

from .models import ExportJob, ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """Which scheduled job ran for which period (the job itself: 后台任务结果)."""

    list_display = ("job", "period", "created_at", "task_id")
    list_filter = ("job",)
    readonly_fields = ("job", "period", "created_at", "task_id")
    date_hierarchy = "period"

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "title", "status", "progress", "size", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("user",)
    exclude = ("content",)
    readonly_fields = [f.name for f in ExportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request) -> bool:
        return False
