from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups(sender, **kwargs) -> None:
    from .services import sync_role_groups

    sync_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与团队")

    def ready(self) -> None:
        # Permissions are created after migrations, so role groups are synced then too.
        post_migrate.connect(_sync_groups, dispatch_uid="accounts.sync_role_groups")
