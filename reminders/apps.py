from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("提醒与日历")

    def ready(self) -> None:
        from . import panels  # noqa: F401  (registers this app's panels)
