from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import channels
from .models import CalendarFeed, Delivery, Preference, Robot


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_fetched_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "created_at", "last_fetched_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every e-mail and robot message: waiting, sent, or given up with the error."""

    list_display = ("created_at", "recipient", "kind", "channel", "status", "attempts", "next_at")
    list_filter = ("status", "channel", "notification__kind")
    list_select_related = ("notification__recipient", "robot")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["send_again"]
    date_hierarchy = "created_at"

    @admin.display(description=_("收件人"))
    def recipient(self, obj: Delivery) -> str:
        return str(obj.notification.recipient)

    @admin.display(description=_("通知"))
    def kind(self, obj: Delivery) -> str:
        return obj.notification.get_kind_display()

    @admin.action(description=_("重新发送已放弃的投递"))
    def send_again(self, request, queryset):
        n = channels.retry(list(queryset.values_list("pk", flat=True)))
        channels.send_deliveries.enqueue()
        self.message_user(request, _("%(n)s 条投递将重新发送。") % {"n": n}, messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    """The address is a secret: listed by its last characters, never shown or edited here."""

    list_display = ("service", "name", "masked", "user", "team", "created_at")
    list_select_related = ("user", "team")
    exclude = ("url",)
    readonly_fields = ("service", "masked", "created_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "digest_time", "quiet_start", "quiet_end", "language")
    list_select_related = ("user",)
