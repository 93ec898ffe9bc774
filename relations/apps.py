from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("关系发展与合规")

    def ready(self) -> None:
        from . import (  # noqa: F401  (the nightly job, the background export, the panels)
            exports,
            jobs,
            panels,
        )
        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="relations.defaults")
