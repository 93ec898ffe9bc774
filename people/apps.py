from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("人员与交接")

    def ready(self) -> None:
        from . import idle  # noqa: F401  (registers its nightly job)
