from django.contrib import admin

from .models import Handover


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("at", "from_user", "to_user", "by", "reason", "scope")
    list_select_related = ("from_user", "to_user", "by")
    readonly_fields = [f.name for f in Handover._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
