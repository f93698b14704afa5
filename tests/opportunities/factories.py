"""Factories for opportunities. Shared by every test module of the app: keep the defaults
(published, open, one area) stable."""

from datetime import timedelta

import factory
from django.utils import timezone

from apps.opportunities.models import Opportunity
from apps.opportunities.services import _refresh_search
from apps.taxonomy.models import TechnologyArea
from tests.factories import AgencyFactory


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A published opportunity of a verified agency, open for responses (deadlines in the
    future), tagged with the areas given by slug (`areas=["hypersonics"]`; default
    space-technologies), with its search columns filled in as the services do."""

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    organization = factory.SubFactory(AgencyFactory)
    reference_number = factory.Sequence(lambda n: f"OTA-{n:05d}")
    title_en = factory.Sequence(lambda n: f"Opportunity {n}")
    title_ja = ""
    summary_en = "A dual-use prototype sought from Japanese firms."
    summary_ja = ""
    description_en = ""
    description_ja = ""
    vehicle = Opportunity.Vehicle.OTA_PROTOTYPE
    trl_min = 4
    trl_max = 7
    funding_min = None
    funding_max = None
    currency = Opportunity.Currency.USD
    response_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    question_deadline = factory.LazyAttribute(
        lambda o: o.response_deadline - timedelta(days=10) if o.response_deadline else None
    )
    place_of_performance = ""
    foreign_participation = Opportunity.ForeignParticipation.WITH_AUTHORIZATION
    export_authorization_required = False
    points_of_contact = ""
    status = Opportunity.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status != Opportunity.Status.DRAFT else None
    )

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if not create:
            return
        slugs = ["space-technologies"] if extracted is None else list(extracted)
        areas = [a if isinstance(a, TechnologyArea) else None for a in slugs]
        by_slug = {
            area.slug: area
            for area in TechnologyArea.objects.filter(
                slug__in=[s for s in slugs if not isinstance(s, TechnologyArea)]
            )
        }
        missing = [s for s in slugs if not isinstance(s, TechnologyArea) and s not in by_slug]
        if missing:
            raise ValueError(f"Unknown technology area slugs: {missing}")
        obj.areas.set(
            [a if a is not None else by_slug[s] for a, s in zip(areas, slugs, strict=True)]
        )

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):
        if create:
            _refresh_search(obj)
