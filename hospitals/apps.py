from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "hospitals"
    verbose_name = _("医院与联系人")

    def ready(self) -> None:
        from . import counts, exports  # noqa: F401  (they register themselves)
