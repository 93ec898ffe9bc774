from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class O2crmConfig(AppConfig):
    name = "o2crm"
    verbose_name = _("平台")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import (
            exports,  # noqa: F401  (registers the floor's scheduled job)
            summaries,
        )

        post_migrate.connect(
            summaries.build_missing, sender=self, dispatch_uid="summaries-build-missing"
        )
