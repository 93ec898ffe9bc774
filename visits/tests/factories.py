import factory

from hospitals.tests.factories import HospitalFactory
from o2crm.tests.factories import RecordFactory
from visits.models import OxygenSurvey


class SurveyFactory(RecordFactory):
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
