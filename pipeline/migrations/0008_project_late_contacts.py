from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_late_contacts(apps, schema_editor):
    """Each project's newest contact per kind that came later than each class's cadence (as
    ProjectQuerySet.refresh_late_contacts, which a migration cannot call)."""
    FollowUp = apps.get_model("pipeline", "FollowUp")
    Project = apps.get_model("pipeline", "Project")
    PipelineSettings = apps.get_model("pipeline", "PipelineSettings")
    settings = PipelineSettings.objects.order_by("pk").first()
    cadences = (("a", settings.cadence_a_days if settings else 7),
                ("b", settings.cadence_b_days if settings else 30))  # fmt: skip
    fields = {}
    for kind in ("business", "relationship"):
        for cls, days in cadences:
            latest = (
                FollowUp.objects.filter(project=OuterRef("pk"), kind=kind, gap_days__gt=days)
                .order_by("-date")
                .values("date")[:1]
            )
            fields[f"late_{kind}_{cls}_on"] = Subquery(latest)
    Project.objects.update(**fields)


class Migration(migrations.Migration):

    dependencies = [
        ("pipeline", "0007_project_open_pipeline"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="late_business_a_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="project",
            name="late_business_b_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="project",
            name="late_relationship_a_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="project",
            name="late_relationship_b_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(fill_late_contacts, migrations.RunPython.noop),
    ]
