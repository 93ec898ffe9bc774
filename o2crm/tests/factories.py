import factory

from o2crm.records import save_record


class RecordFactory(factory.django.DjangoModelFactory):
    """Creates versioned rows through save_record, as the app does (derived fields, history)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return save_record(record=model_class(*args, **kwargs), by=None)
