"""seed_scale: bilingual data in bulk, idempotent per seed, searchable like real data."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.capabilities.models import Capability
from apps.notifications.models import Subscription
from apps.opportunities.models import Opportunity
from apps.opportunities.selectors import opportunities_public
from apps.organizations.models import Organization

pytestmark = pytest.mark.django_db


def counts():
    return (
        Organization.objects.count(),
        Capability.objects.count(),
        Opportunity.objects.count(),
        Subscription.objects.count(),
    )


def seed(**options):
    out = StringIO()
    call_command(
        "seed_scale",
        opportunities=options.get("opportunities", 300),
        firms=options.get("firms", 40),
        capabilities=options.get("capabilities", 120),
        seed=options.get("seed", 7),
        stdout=out,
    )
    return out.getvalue()


def test_it_creates_what_was_asked_with_progress_and_a_second_run_adds_nothing():
    output = seed()
    assert "opportunities: 300/300" in output
    first = counts()
    assert first[1:] == (120, 300, 40)
    seed()
    assert counts() == first
    seed(seed=8)  # another seed: another, independent population
    assert counts()[2] == 600


def test_intermediaries_get_networks_that_their_dashboard_counts():
    from datetime import timedelta

    from django.utils import timezone

    from apps.insights import outreach
    from apps.organizations.models import Partnership

    seed()
    intermediary = Organization.objects.filter(kind="intermediary").first()
    partners = Partnership.objects.filter(intermediary=intermediary)
    assert partners.count() == 40  # every firm, in a population of 40
    assert not partners.filter(firm__isnull=True).exists()
    reach = outreach.reach(intermediary, since=timezone.now() - timedelta(days=365))
    assert reach and all(row.counts["targeted"] > 0 for row in reach)
    assert sum(row.counts["opened"] for row in reach) > 0
    before = Partnership.objects.count()
    seed()
    assert Partnership.objects.count() == before


def test_the_data_is_bilingual_varied_and_found_by_search():
    seed()
    opportunities = Opportunity.objects.all()
    assert opportunities.exclude(title_ja="").count() > 100
    statuses = set(opportunities.values_list("status", flat=True))
    assert {"published", "closed"} <= statuses
    assert Opportunity.areas.through.objects.count() >= 300
    public = opportunities_public()
    from apps.core.search import filter_by_areas, filter_by_search, uses_full_text

    found = filter_by_search(public, "熱防護")
    assert found.exists()
    assert all("熱防護" in o.search_text for o in found[:20])  # a title, summary or area
    # The area filter finds what the many-to-many table says, through the bulk-written
    # search columns (the areas' own column among them).
    links = Opportunity.areas.through.objects.filter(opportunity__status="published")
    area = links.values_list("technologyarea_id", flat=True).order_by("pk")[0]
    tagged = set(
        Opportunity.objects.filter(areas=area, status="published").values_list("pk", flat=True)
    )
    published = Opportunity.objects.filter(status="published")
    if uses_full_text():
        by_column = filter_by_areas(published, [area], own_column=True)
        by_vector = filter_by_areas(published, [area], own_column=False)
        assert tagged
        assert set(by_column.values_list("pk", flat=True)) == tagged
        assert set(by_vector.values_list("pk", flat=True)) == tagged
        # The capabilities' too.
        capability_links = Capability.areas.through.objects.filter(capability__status="published")
        area = capability_links.values_list("technologyarea_id", flat=True).order_by("pk")[0]
        published = Capability.objects.filter(status="published")
        tagged = set(published.filter(areas=area).values_list("pk", flat=True))
        assert tagged
        for own_column in (True, False):
            found = filter_by_areas(published, [area], own_column=own_column)
            assert set(found.values_list("pk", flat=True)) == tagged


def test_nonsense_counts_are_refused():
    with pytest.raises(CommandError, match="at least one firm"):
        call_command("seed_scale", firms=0, stdout=StringIO())
