import factory

from hospitals.services import save_record
from hospitals.tests.factories import HospitalFactory
from visits.models import OxygenSurvey


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OxygenSurvey

    hospital = factory.SubFactory(HospitalFactory)
    beds = 1200
    icu_beds = 60
    current_source = "liquid"
    consumption_value = 20
    consumption_unit = "t_lox"
    price_value = 1800
    price_unit = "per_t"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return save_record(record=model_class(*args, **kwargs), by=None)
