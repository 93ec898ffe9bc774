from django.contrib import admin

from o2crm.records import RecordAdmin

from .models import Contact, Department, Hospital


@admin.register(Hospital)
class HospitalAdmin(RecordAdmin):
    list_display = ("name", "province", "city", "grade", "status", "owner")
    list_filter = ("grade", "status", "province")
    search_fields = ("name", "search_text")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)


@admin.register(Department)
class DepartmentAdmin(RecordAdmin):
    list_display = ("name", "hospital", "parent")
    search_fields = ("name", "hospital__name")
    list_select_related = ("hospital", "parent")
    raw_id_fields = ("hospital", "parent")


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    list_display = ("name", "hospital", "department", "title", "layer", "attitude")
    list_filter = ("layer", "attitude")
    search_fields = ("name", "search_text")
    list_select_related = ("hospital", "department")
    raw_id_fields = ("hospital", "department")
