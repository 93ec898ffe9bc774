from django.contrib import admin

from o2crm.records import RecordAdmin

from . import services
from .contact_clocks import LAST_CONTACT
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
        "planned_horizon_years",
    )

    def has_add_permission(self, request):
        return not PipelineSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        services.change_settings(settings=obj)


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
class ProjectAdmin(RecordAdmin):
    list_display = ("name", "hospital", "owner", "stage", "status")
    list_filter = ("status", "stage")
    list_select_related = ("hospital", "owner", "stage")
    raw_id_fields = ("hospital", "owner", "entry_contact", "informant")
    filter_horizontal = ("contacts",)
    search_fields = ("name", "hospital__name")
    readonly_fields = ("version", *LAST_CONTACT.values())  # the contact clocks keep them


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Read-only: a follow-up is written by services.log_follow_up alone, which keeps the
    contact clocks (pipeline/contact_clocks.py) in step."""

    list_display = ("project", "date", "kind", "channel", "created_by")
    list_select_related = ("project", "created_by")
    raw_id_fields = ("project", "contacts")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("project", "decision", "overall", "created_by", "created_at")
    list_select_related = ("project", "created_by")
    raw_id_fields = ("project",)
