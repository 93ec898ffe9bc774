from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "hospitals"
    verbose_name = _("医院与联系人")

    def ready(self) -> None:
        from . import exports  # noqa: F401  (registers this app's background exports)
