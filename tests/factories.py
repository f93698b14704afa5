import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.organizations.models import Membership, Organization
from apps.organizations.validators import corporate_number_check_digit

PASSWORD = "correct-horse-battery-staple"


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@firm{n}.example")
    display_name = factory.Faker("name")
    terms_accepted_at = factory.LazyFunction(timezone.now)
    terms_version = settings.TERMS_VERSION

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.FIRM
    name_en = factory.Sequence(lambda n: f"Firm {n} K.K.")
    name_ja = factory.Sequence(lambda n: f"株式会社ファーム{n}")
    country = "JP"
    prefecture = "13"
    corporate_number = factory.Sequence(lambda n: corporate_number(100000 + n))
    verification_status = Organization.Verification.NOT_REQUIRED


class AgencyFactory(OrganizationFactory):
    kind = Organization.Kind.AGENCY
    name_en = factory.Sequence(lambda n: f"Agency office {n}")
    name_ja = ""
    country = "US"
    prefecture = ""
    corporate_number = None
    verification_status = Organization.Verification.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER


class IntermediaryFactory(AgencyFactory):
    kind = Organization.Kind.INTERMEDIARY
    name_en = factory.Sequence(lambda n: f"Intermediary {n}")


class RegulatorFactory(AgencyFactory):
    kind = Organization.Kind.REGULATOR
    name_en = factory.Sequence(lambda n: f"Export-control office {n}")
    country = "JP"
