from datetime import timedelta

import factory
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from pipeline import services
from pipeline.models import EvaluationQuestion, FollowUp, Project, Stage


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project made the way the app makes one (first stage recorded, history kept)."""

    class Meta:
        model = Project

    hospital = factory.SubFactory(HospitalFactory)
    owner = factory.LazyAttribute(lambda o: o.hospital.owner)
    name = factory.Sequence(lambda n: f"制氧站投放项目{n}")
    source = "relationship"
    entry_path = "top"
    need = "replace"
    planned_purchase_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    contract_value = 1_000_000

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        contacts = kwargs.pop("contacts", None)
        project = model_class(*args, **kwargs)
        return services.create_project(project=project, by=project.owner, contacts=contacts)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def evaluate(project, decision: str = "pursue", by=None):
    answers = {q.pk: ("yes", "") for q in EvaluationQuestion.objects.filter(is_active=True)}
    risks = dict.fromkeys(("funding", "legal", "technical"), ("low", ""))
    return services.evaluate(
        project=project,
        answers=answers,
        risks=risks,
        decision=decision,
        reason="理由",
        by=by or project.owner,
    )


def follow_up(project, *, kind: str = "business", days_ago: int = 0, contacts=(), by=None):
    item = FollowUp(
        project=project,
        date=timezone.localdate() - timedelta(days=days_ago),
        channel="visit",
        kind=kind,
        summary="拜访设备科长",
    )
    return services.log_follow_up(follow_up=item, contacts=list(contacts), by=by or project.owner)
