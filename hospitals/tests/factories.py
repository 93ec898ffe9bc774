import factory

from accounts.models import Team, User
from hospitals import services
from hospitals.models import Contact, Department, Hospital, Layer


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"销售{n}组")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"销售{n}")
    password = factory.django.Password("o2crm-test")


class _ServiceFactory(factory.django.DjangoModelFactory):
    """Creates rows through services.save_record, as the app does (derived fields, history)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_record(record=model_class(*args, **kwargs), by=None)


CITY_NAMES = ["第一人民医院", "中心医院", "中医院", "妇幼保健院", "第二人民医院", "人民医院"]


class HospitalFactory(_ServiceFactory):
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


class DepartmentFactory(_ServiceFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"科室{n}")


class ContactFactory(_ServiceFactory):
    class Meta:
        model = Contact

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "科长"
    layer = Layer.FUNCTIONAL
    influence = 3
    closeness = 2
