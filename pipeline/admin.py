from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Competitor,
    Evaluation,
    EvaluationQuestion,
    FollowUp,
    PipelineSettings,
    Project,
    Stage,
)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("order", "code", "name", "probability", "requires_pursue", "is_active")
    list_display_links = ("code",)
    list_editable = ("name", "probability", "requires_pursue", "is_active")


@admin.register(PipelineSettings)
class PipelineSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "class_a_window_months",
        "cadence_a_days",
        "cadence_b_days",
        "mid_entry_alert_weeks",
    )

    def has_add_permission(self, request):
        return not PipelineSettings.objects.exists()


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(EvaluationQuestion)
class EvaluationQuestionAdmin(admin.ModelAdmin):
    list_display = ("order", "group", "text", "weight", "is_active")
    list_display_links = ("text",)
    list_editable = ("order", "weight", "is_active")
    list_filter = ("group",)


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ("name", "hospital", "owner", "stage", "status")
    list_filter = ("status", "stage")
    list_select_related = ("hospital", "owner", "stage")
    raw_id_fields = ("hospital", "owner", "entry_contact", "informant")
    filter_horizontal = ("contacts",)
    search_fields = ("name", "hospital__name")


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("project", "date", "kind", "channel", "created_by")
    list_select_related = ("project", "created_by")
    raw_id_fields = ("project", "contacts")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("project", "decision", "overall", "created_by", "created_at")
    list_select_related = ("project", "created_by")
    raw_id_fields = ("project",)
