from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("测算与建议书")

    def ready(self) -> None:
        from . import panels  # noqa: F401  (registers this app's panels)
