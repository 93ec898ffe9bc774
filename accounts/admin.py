from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Team, Territory, User
from .services import assign_role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "role", "team", "territory", "is_active")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "name", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("销售组织"), {"fields": ("name", "role", "team", "territory", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("销售组织"), {"fields": ("name", "role", "team", "territory")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        assign_role(user=obj, role=obj.role)  # keep the role's permission group in step


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "leader", "territory")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "provinces", "cities")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_used_at")
    readonly_fields = ("key_hash",)
