import factory

from hospitals.models import Contact, Department, Hospital, Layer
from o2crm.tests.factories import RecordFactory

CITY_NAMES = ["第一人民医院", "中心医院", "中医院", "妇幼保健院", "第二人民医院", "人民医院"]


class HospitalFactory(RecordFactory):
    class Meta:
        model = Hospital

    name = factory.Sequence(lambda n: f"测试市第{n + 1}人民医院")
    province = "浙江省"
    city = "杭州市"
    county = "西湖区"
    grade = "3A"
    beds = 1200
    icu_beds = 60
    operating_rooms = 30
    hyperbaric_chambers = 1


class DepartmentFactory(RecordFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"科室{n}")


class ContactFactory(RecordFactory):
    class Meta:
        model = Contact

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "科长"
    layer = Layer.FUNCTIONAL
    influence = 3
    closeness = 2
