from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报表")

    def ready(self) -> None:
        from . import (  # noqa: F401  (register their summaries)
            dashboard,
            exports,  # noqa: F401  (registers this app's background exports)
            forecast,
            funnel,
            sources,
        )
