from django.contrib import admin

from o2crm.records import RecordAdmin

from .models import OxygenSurvey


@admin.register(OxygenSurvey)
class OxygenSurveyAdmin(RecordAdmin):
    list_display = ("hospital", "date", "current_source", "consumption_value", "consumption_unit")
    list_select_related = ("hospital",)
    raw_id_fields = ("hospital", "project", "created_by")
