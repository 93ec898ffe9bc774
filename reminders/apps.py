from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("提醒与日历")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_save, pre_save
        from simple_history.models import HistoricalRecords

        from o2crm.exports import export_finished
        from pipeline.models import Project
        from proposals.models import ProposalEvent
        from visits.models import Task

        from . import jobs, notify, panels  # noqa: F401  (panels and jobs register themselves)

        def proposal_changed(sender, instance, created, **kwargs):
            if created:  # told once the change is saved for good
                transaction.on_commit(lambda: notify.proposal_event(instance))

        post_save.connect(
            proposal_changed, sender=ProposalEvent, weak=False, dispatch_uid="reminders.proposal"
        )

        def actor(instance):
            """Who saved it: save_record names them; else the request being served."""
            by = getattr(instance, "_history_user", None)
            request = getattr(HistoricalRecords.context, "request", None)
            if by is None and request is not None and request.user.is_authenticated:
                by = request.user
            return by

        def owner_before(sender, instance, **kwargs):
            """Note the owner a saved row had, to tell a new owner once it is theirs."""
            if instance.pk is None:
                instance._owner_before = None
            else:
                instance._owner_before = (
                    sender._default_manager.filter(pk=instance.pk)
                    .values_list("owner_id", flat=True)
                    .first()
                )

        def task_saved(sender, instance, created, **kwargs):
            if created or instance._owner_before != instance.owner_id:
                by = actor(instance)
                transaction.on_commit(lambda: jobs.task_assigned(instance, by))

        def project_saved(sender, instance, created, **kwargs):
            if not created and instance._owner_before != instance.owner_id:
                by, version = actor(instance), instance.version
                transaction.on_commit(lambda: jobs.project_handed(instance, by, version))

        for model, saved, uid in ((Task, task_saved, "task"), (Project, project_saved, "project")):
            pre_save.connect(
                owner_before, sender=model, weak=False, dispatch_uid=f"reminders.{uid}.before"
            )
            post_save.connect(
                saved, sender=model, weak=False, dispatch_uid=f"reminders.{uid}.saved"
            )

        def export_finished_(sender, job, **kwargs):
            jobs.export_done(job)

        export_finished.connect(export_finished_, weak=False, dispatch_uid="reminders.export")
