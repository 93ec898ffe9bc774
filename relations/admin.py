from django.contrib import admin

from .models import LedgerEntry, LedgerKind, RelationshipPlan


@admin.register(LedgerKind)
class LedgerKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "per_person_limit", "yearly_limit", "forbidden", "order"]
    list_editable = ["per_person_limit", "yearly_limit", "forbidden", "order"]


@admin.register(RelationshipPlan)
class RelationshipPlanAdmin(admin.ModelAdmin):
    list_display = ["project", "updated_at"]
    raw_id_fields = ["project"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read in the admin site; written only through the ledger's pages and API (the policy
    check lives in relations/services.py)."""

    list_display = ["date", "hospital", "kind", "amount", "status", "created_by"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["hospital", "project", "action", "contacts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
