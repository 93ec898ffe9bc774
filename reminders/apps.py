from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("提醒与日历")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_save

        from proposals.models import ProposalEvent

        from . import notify, panels  # noqa: F401  (panels registers this app's panels)

        def proposal_changed(sender, instance, created, **kwargs):
            if created:  # told once the change is saved for good
                transaction.on_commit(lambda: notify.proposal_event(instance))

        post_save.connect(proposal_changed, sender=ProposalEvent, dispatch_uid="reminders.proposal")
