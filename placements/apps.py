from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("投放运营")

    def ready(self) -> None:
        from . import jobs, panels  # noqa: F401  (they register themselves)
