from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("拜访与用氧调查")

    def ready(self) -> None:
        from pipeline.coverage import count_coverage_with

        from . import panels  # noqa: F401  (registers this app's panels)
        from .services import coverage_percents

        count_coverage_with(coverage_percents)
        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="visits.defaults")
