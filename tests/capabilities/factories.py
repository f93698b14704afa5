import factory
from django.utils import timezone

from apps.capabilities.models import Capability
from apps.capabilities.services import _refresh_search
from apps.taxonomy.models import TechnologyArea
from tests.factories import OrganizationFactory


class CapabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capability
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title_en = factory.Sequence(lambda n: f"Capability {n}")
    title_ja = ""
    summary_en = "A technology summary."
    trl = 5
    is_dual_use = True
    civil_application_en = "Civil use."
    export_control_status = Capability.ExportControl.NOT_LISTED
    visibility = Capability.Visibility.PUBLIC
    status = Capability.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if not create:
            return
        slugs = extracted or ["artificial-intelligence"]
        obj.areas.set(TechnologyArea.objects.filter(slug__in=slugs))
        _refresh_search(obj)
