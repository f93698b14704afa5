"""The intermediary's numbers, against a hand count on hand-made data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.insights import outreach
from apps.notifications.models import Delivery, DeliveryItem, LinkOpen
from apps.opportunities.models import Follow, Question, Response, ResponseEvent, Target
from apps.organizations.models import Partnership
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    corporate_number,
)
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=400)


def member(firm):
    return MembershipFactory(organization=firm).user


def sent(user, opportunity, status=Delivery.Status.SENT):
    delivery = Delivery.objects.create(
        recipient=user,
        kind=Delivery.Kind.ALERT,
        period=f"test:{user.pk}:{opportunity.pk}",
        as_of=timezone.now(),
        status=status,
    )
    DeliveryItem.objects.create(
        delivery=delivery, recipient=user, opportunity=opportunity, period=delivery.period
    )


def respond(firm, opportunity, *statuses):
    response = Response.objects.create(
        opportunity=opportunity,
        organization=firm,
        kind=Response.Kind.INTEREST,
        body="Interested.",
        status=statuses[-1],
    )
    previous = ""
    for status in statuses:
        ResponseEvent.objects.create(response=response, from_status=previous, to_status=status)
        previous = status
    return response


@pytest.fixture
def world():
    council = IntermediaryFactory(name_en="Council")
    other_council = IntermediaryFactory(name_en="Other council")
    firm_a = OrganizationFactory(name_en="A", prefecture="13")
    CapabilityFactory(organization=firm_a, areas=["satellites"])
    CapabilityFactory(organization=firm_a, areas=["biotechnologies"])
    firm_b = OrganizationFactory(name_en="B", prefecture="27")
    CapabilityFactory(organization=firm_b, areas=["biotechnologies"])
    firm_d = OrganizationFactory(name_en="D (not a partner)", prefecture="13")
    CapabilityFactory(organization=firm_d, areas=["satellites"])
    for firm in (firm_a, firm_b):
        Partnership.objects.create(
            intermediary=council,
            firm=firm,
            name=firm.name_en,
            email=f"{firm.name_en[0].lower()}@x.example",
            corporate_number=firm.corporate_number,
        )
    Partnership.objects.create(  # invited, not on the portal
        intermediary=council, name="C", email="c@x.example", corporate_number=corporate_number(9)
    )
    a1, a2, b1, d1 = member(firm_a), member(firm_a), member(firm_b), member(firm_d)
    o1 = OpportunityFactory(title_en="O1")
    o2 = OpportunityFactory(title_en="O2")
    o3 = OpportunityFactory(title_en="O3 (not targeted)")
    space = TechnologyArea.objects.get(slug="space-technologies")
    Target.objects.create(
        opportunity=o1, firm=firm_a, targeted_by_organization=council, via_network=True
    )
    Target.objects.create(opportunity=o1, area=space, targeted_by_organization=council)
    Target.objects.create(opportunity=o2, firm=firm_b, targeted_by_organization=council)
    Target.objects.create(opportunity=o1, firm=firm_b, targeted_by_organization=other_council)
    sent(a1, o1)
    sent(a2, o1)  # the same firm: counted once
    sent(d1, o1, status=Delivery.Status.PENDING)  # not sent yet
    sent(b1, o2)
    LinkOpen.objects.create(user=a1, opportunity=o1)
    LinkOpen.objects.create(user=b1, opportunity=o1)  # B was not targeted with O1 by council
    Follow.objects.create(user=d1, opportunity=o1)
    Question.objects.create(opportunity=o1, organization=firm_d, asked_by=d1, text="When?")
    respond(firm_a, o1, "received", "invited")
    respond(firm_d, o1, "received", "invited", "declined")
    respond(firm_b, o2, "received", "selected")
    respond(firm_b, o3, "received")
    return {"council": council, "o1": o1, "o2": o2}


def test_reach_counts_firms_at_each_stage(world):
    reached = outreach.reach(world["council"], since=LONG_AGO)
    rows = {r.opportunity.title_en: r.counts for r in reached}
    assert rows == {
        "O1": {
            "targeted": 2,  # A by name, D through the space area (B was another's)
            "received": 1,  # A (two members, one firm); D's alert is not sent yet
            "opened": 1,  # A; B's opening is not of council's targeting
            "followed": 1,  # D
            "asked": 1,  # D
            "responded": 2,  # A and D
            "invited": 2,  # A, and D, declined after the pitch
            "selected": 0,
        },
        "O2": {
            "targeted": 1,
            "received": 1,
            "opened": 0,
            "followed": 0,
            "asked": 0,
            "responded": 1,
            "invited": 1,  # selected without a pitch still got that far
            "selected": 1,
        },
    }


def test_another_intermediary_sees_only_its_own_targeting(world):
    other = Target.objects.exclude(targeted_by_organization=world["council"]).get()
    rows = outreach.reach(other.targeted_by_organization, since=LONG_AGO)
    assert [(r.opportunity.title_en, r.counts["targeted"], r.counts["opened"]) for r in rows] == [
        ("O1", 1, 1)  # B, whose member opened it
    ]


def test_the_network_by_area_and_prefecture(world):
    by_area = {area.slug: count for area, count in outreach.network_by_area(world["council"])}
    assert by_area == {"biotechnologies": 2, "space-technologies": 1}
    assert outreach.network_by_prefecture(world["council"]) == {
        "13": 1,
        "27": 1,
        outreach.NOT_ON_PORTAL: 1,  # C, invited
    }
    firm_e = OrganizationFactory(prefecture="")
    Partnership.objects.create(
        intermediary=world["council"], firm=firm_e, name="E", email="e@x.example",
        corporate_number=firm_e.corporate_number,
    )  # fmt: skip
    assert outreach.network_by_prefecture(world["council"])[outreach.NO_PREFECTURE] == 1


def test_responses_of_the_network_by_month(world):
    months = outreach.network_responses_by_month(world["council"], since=LONG_AGO)
    assert sum(m["targeted"] for m in months.values()) == 2  # A → O1, B → O2
    assert sum(m["other"] for m in months.values()) == 1  # B → O3


def test_reach_costs_the_same_queries_for_one_opportunity_or_many(
    world, django_assert_max_num_queries
):
    council = world["council"]
    with django_assert_max_num_queries(12) as few:
        outreach.reach(council, since=LONG_AGO)
    firm = OrganizationFactory()
    Partnership.objects.create(
        intermediary=council, firm=firm, name="E", email="e@x.example",
        corporate_number=firm.corporate_number,
    )  # fmt: skip
    for _ in range(6):
        opportunity = OpportunityFactory()
        Target.objects.create(opportunity=opportunity, firm=firm, targeted_by_organization=council)
        sent(member(firm), opportunity)
        respond(firm, opportunity, "received")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = outreach.reach(council, since=LONG_AGO)
    assert len(rows) == 8


# --- The page -------------------------------------------------------------------------


@pytest.fixture
def council_staff(world):
    return MembershipFactory(organization=world["council"]).user


def test_the_dashboard_draws_the_funnel_of_the_chosen_opportunity(client, world, council_staff):
    from django.urls import reverse

    client.force_login(council_staff)
    url = reverse("insights:intermediary", args=[world["council"].pk])
    page = client.get(url, {"opportunity": world["o2"].pk}).content.decode()
    for title in (
        "Reach of a targeted opportunity",
        "Reach of each targeted opportunity",
        "Responses of your network, month by month",
        "Your network by technology area",
        "Your network by prefecture",
    ):
        assert title in page
    assert "<svg" in page and 'role="img"' in page
    assert f'<option value="{world["o2"].pk}" selected>' in page

    csv_url = reverse("insights:intermediary_csv", args=[world["council"].pk, "reach"])
    rows = client.get(csv_url, {"opportunity": world["o2"].pk}).content.decode("utf-8-sig")
    assert rows.splitlines() == [
        "Stage,Firms",
        "Targeted,1",
        "Received an e-mail,1",
        "Opened it from the e-mail,0",
        "Followed,0",
        "Asked a question,0",
        "Responded,1",
        "Invited to pitch,1",
        "Selected,1",
    ]


def test_the_dashboard_speaks_japanese(client, world, council_staff):
    from django.urls import reverse

    council_staff.preferred_language = "ja"
    council_staff.save()
    client.force_login(council_staff)
    client.cookies["django_language"] = "ja"
    page = client.get(reverse("insights:intermediary", args=[world["council"].pk])).content
    assert "東京都" in page.decode()  # the prefecture chart's label


def test_an_empty_network_shows_what_to_do(client):
    from django.urls import reverse

    council = IntermediaryFactory()
    staff = MembershipFactory(organization=council).user
    client.force_login(staff)
    page = client.get(reverse("insights:intermediary", args=[council.pk])).content.decode()
    assert "You have not targeted an opportunity in the last twelve months." in page
    assert "Your network is empty." in page


def test_a_first_response_on_the_day_of_publication_is_drawn_not_called_missing():
    from apps.insights.charts import Chart, Series

    same_day = Chart(
        slug="first-response",
        title="t",
        description="d",
        label_heading="Opportunity",
        labels=["OTA-1"],
        series=[Series("Days", (0.0,))],
        zero_is_data=True,
    )
    assert not same_day.is_empty
    counts = Chart(
        slug="c", title="t", description="d", label_heading="x", labels=["a"],
        series=[Series("n", (0,))],
    )  # fmt: skip
    assert counts.is_empty


def test_the_navigation_offers_insights_to_those_with_a_dashboard_only(client, world):
    from django.urls import reverse

    from tests.factories import AgencyFactory

    index = reverse("insights:index")
    people = {
        "intermediary staff": (MembershipFactory(organization=world["council"]).user, True),
        "agency staff": (MembershipFactory(organization=AgencyFactory()).user, True),
        "firm member": (MembershipFactory(organization=OrganizationFactory()).user, False),
    }
    for name, (user, expected) in people.items():
        client.force_login(user)
        page = client.get(reverse("organizations:dashboard")).content.decode()
        assert (f'href="{index}"' in page) is expected, name
