"""Matching on database rows: candidates found in the database, scored in Python."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from apps.capabilities.models import Capability
from apps.matching import selectors
from apps.matching.scoring import ReasonKind, score
from apps.opportunities.models import Opportunity, Target
from apps.opportunities.selectors import targets_reaching
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def area(slug: str) -> TechnologyArea:
    return TechnologyArea.objects.get(slug=slug)


def target_firm(opportunity, firm):
    return Target.objects.create(
        opportunity=opportunity, firm=firm, targeted_by_organization=opportunity.organization
    )


def target_area(opportunity, slug):
    return Target.objects.create(
        opportunity=opportunity, area=area(slug), targeted_by_organization=opportunity.organization
    )


def firm_with(name: str, *capabilities: dict):
    firm = OrganizationFactory(name_en=name)
    for fields in capabilities:
        CapabilityFactory(organization=firm, **fields)
    return firm


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(
        organization=agency,
        areas=["space-technologies"],
        trl_min=5,
        trl_max=7,
        title_en="Responsive SAR constellation",
        summary_en="Small-sat radar for maritime awareness.",
    )


def names(rows) -> list[str]:
    return [row.firm.name_en for row in rows]


# One opportunity, every firm ------------------------------------------------------------


def test_matched_firms_are_ordered_by_score_with_their_reasons(opportunity):
    sar = firm_with("SAR Works", {"areas": ["satellites"], "trl": 6, "keywords": "SAR, radar"})
    broad = firm_with("Broad Space", {"areas": ["space-technologies"], "trl": 6})
    immature = firm_with("Early Labs", {"areas": ["satellites"], "trl": 2})
    targeted = firm_with("Targeted Orbit", {"areas": ["small-satellites"], "trl": 9})
    firm_with("Bio Labs", {"areas": ["biotechnologies"], "trl": 6})
    target_firm(opportunity, targeted)

    rows = selectors.matches_for_opportunity(opportunity)

    assert names(rows) == ["Targeted Orbit", "SAR Works", "Broad Space", "Early Labs"]
    assert [row.score for row in rows] == [15 + 8, 8 + 6 + 6, 10 + 6, 8]
    assert [row.firm for row in rows] == [targeted, sar, broad, immature]
    with translation.override("en"):
        assert str(rows[1].match) == (
            "Space Technologies › Satellites; TRL 6 within 5–7; keywords: SAR, radar"
        )
        assert rows[0].reasons[0].render("agency") == "targeted at this firm"


def test_a_capability_broader_than_the_opportunity_matches_with_fewer_points(agency):
    opportunity = OpportunityFactory(organization=agency, areas=["small-satellites"])
    firm_with("Broad Space", {"areas": ["space-technologies"], "trl": 1})
    firm_with("Exact Sats", {"areas": ["small-satellites"], "trl": 1})
    firm_with("Launchers", {"areas": ["space-launch"], "trl": 1})  # a sibling: no match

    rows = selectors.matches_for_opportunity(opportunity)

    assert names(rows) == ["Exact Sats", "Broad Space"]
    assert [row.score for row in rows] == [10, 4]


def test_a_firm_appears_once_with_its_best_capability(opportunity):
    firm = firm_with(
        "Two Caps",
        {"areas": ["satellites"], "trl": 2, "title_en": "Old bus"},
        {"areas": ["space-technologies"], "trl": 6, "title_en": "New payload"},
    )

    (row,) = selectors.matches_for_opportunity(opportunity)

    assert row.firm == firm
    assert row.capability.title == "New payload"
    assert row.score == 16
    assert row.capability_count == 2
    assert (
        row.capability.get_absolute_url()
        == Capability.objects.get(title_en="New payload").get_absolute_url()
    )


def test_ties_are_broken_by_firm_name_then_id(opportunity):
    firm_with("Beta K.K.", {"areas": ["satellites"]})
    firm_with("Alpha K.K.", {"areas": ["satellites"]})
    japanese_only = OrganizationFactory(name_en="", name_ja="アルファ株式会社")
    CapabilityFactory(organization=japanese_only, areas=["satellites"])

    rows = selectors.matches_for_opportunity(opportunity)

    assert [row.firm.name for row in rows] == ["Alpha K.K.", "Beta K.K.", "アルファ株式会社"]
    assert rows == selectors.matches_for_opportunity(opportunity)


def test_unpublished_capabilities_do_not_match(opportunity):
    firm_with("Drafty", {"areas": ["satellites"], "status": Capability.Status.DRAFT})
    assert selectors.matches_for_opportunity(opportunity) == []


def test_an_area_target_boosts_the_firms_it_reaches(opportunity):
    reached = firm_with("Reached", {"areas": ["satellites"]})
    # Reached through a capability outside the opportunity's areas: targeting a firm's
    # area reaches the firm, as opportunities.selectors.targets_reaching() says.
    also_reached = firm_with(
        "Also Reached", {"areas": ["space-launch"]}, {"areas": ["biotechnologies"]}
    )
    not_reached = firm_with("Not Reached", {"areas": ["satellites"]})
    Capability.objects.filter(organization=not_reached).update(trl=6)
    target_area(opportunity, "space-launch")
    target_area(opportunity, "biotechnologies")
    CapabilityFactory(organization=reached, areas=["biotechnologies"], trl=1)

    rows = {row.firm: row for row in selectors.matches_for_opportunity(opportunity)}

    assert rows[reached].match.is_targeted
    assert rows[also_reached].match.is_targeted
    assert not rows[not_reached].match.is_targeted
    for firm in (reached, also_reached, not_reached):
        expected = targets_reaching(firm).filter(opportunity=opportunity).exists()
        assert rows[firm].match.is_targeted == expected


def test_an_opportunity_without_areas_matches_nobody(agency):
    firm_with("Anyone", {"areas": ["satellites"]})
    assert (
        selectors.matches_for_opportunity(OpportunityFactory(organization=agency, areas=[])) == []
    )


def test_the_limit_keeps_the_best(opportunity):
    for index in range(5):
        firm_with(f"Firm {index}", {"areas": ["satellites"], "trl": 2 + index})
    rows = selectors.matches_for_opportunity(opportunity, limit=2)
    assert [row.score for row in rows] == [14, 14]  # TRL 5 and 6 are both within 5–7


@pytest.mark.parametrize("count", [5, 50])
def test_matching_an_opportunity_takes_a_fixed_number_of_queries(
    opportunity, count, django_assert_max_num_queries
):
    for index in range(count):
        firm = OrganizationFactory()
        CapabilityFactory(
            organization=firm,
            areas=["satellites", "small-satellites"] if index % 2 else ["space-technologies"],
            keywords="SAR, radar",
        )
    target_area(opportunity, "satellites")
    target_firm(opportunity, firm)
    fresh = Opportunity.objects.get(pk=opportunity.pk)  # areas not prefetched: one more query

    with django_assert_max_num_queries(6):
        rows = selectors.matches_for_opportunity(fresh, limit=50)
        assert len(rows) == count
        assert all(row.firm.name for row in rows)


def test_query_count_does_not_grow_with_the_number_of_capabilities(opportunity):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.matches_for_opportunity(Opportunity.objects.get(pk=opportunity.pk))
        return len(captured)

    target_area(opportunity, "satellites")
    for _ in range(5):
        CapabilityFactory(organization=OrganizationFactory(), areas=["satellites"])
    few = queries()
    for _ in range(45):
        CapabilityFactory(organization=OrganizationFactory(), areas=["satellites"])
    assert queries() == few


# Facts from instances agree with the batch scoring ---------------------------------------


def test_facts_from_instances_score_as_the_batch_does(opportunity):
    firm = firm_with("SAR Works", {"areas": ["satellites", "biotechnologies"], "keywords": "SAR"})
    target_area(opportunity, "space-technologies")
    capability = Capability.objects.prefetch_related("areas").get(organization=firm)
    instance = Opportunity.objects.prefetch_related("areas").get(pk=opportunity.pk)

    direct = score(
        selectors.capability_facts_for(capability),
        selectors.opportunity_facts_for(instance, targeted=True),
    )

    assert selectors.matches_for_firms([firm.pk], [opportunity.pk]) == {
        (firm.pk, opportunity.pk): direct
    }
    assert selectors.matches_for_opportunity(opportunity)[0].match == direct


def test_area_index_gives_full_names_in_both_languages():
    index = selectors.area_index()
    satellites = index[area("satellites").path]
    assert satellites.full_name_en == "Space Technologies › Satellites"
    assert satellites.full_name_ja == "宇宙技術 › 人工衛星"
    assert satellites.full_name_en == area("satellites").full_name


# Firms × opportunities (the digests' batch API) ------------------------------------------


def test_matches_for_firms_scores_every_matching_pair_at_its_best_capability(agency):
    space = OpportunityFactory(organization=agency, areas=["space-technologies"])
    ai = OpportunityFactory(organization=agency, areas=["computer-vision"], trl_min=1, trl_max=3)
    both = firm_with(
        "Both",
        {"areas": ["satellites"], "trl": 6},
        {"areas": ["artificial-intelligence"], "trl": 2},
        {"areas": ["satellites"], "trl": 1},
    )
    space_only = firm_with("Space only", {"areas": ["space-launch"], "trl": 5})
    neither = firm_with("Neither", {"areas": ["biotechnologies"]})
    draft_only = firm_with("Draft", {"areas": ["satellites"], "status": "draft"})

    matches = selectors.matches_for_firms(
        [both.pk, space_only.pk, neither.pk, draft_only.pk], [space.pk, ai.pk]
    )

    assert set(matches) == {(both.pk, space.pk), (both.pk, ai.pk), (space_only.pk, space.pk)}
    assert matches[both.pk, space.pk].score == 8 + 6
    assert matches[both.pk, ai.pk].score == 4 + 6
    assert matches[space_only.pk, space.pk].score == 8 + 6


def test_matches_in_batches_add_up_to_one_call(agency):
    opportunities = [
        OpportunityFactory(organization=agency, areas=["space-technologies"]).pk,
        OpportunityFactory(organization=agency, areas=["artificial-intelligence"]).pk,
    ]
    firms = [
        firm_with(f"Firm {i}", {"areas": ["satellites" if i % 2 else "machine-learning"]}).pk
        for i in range(7)
    ]
    merged = {}
    for batch in selectors.matches_in_batches(firms, opportunities, batch_size=3):
        merged.update(batch)
    assert merged == selectors.matches_for_firms(firms, opportunities)
    assert len(merged) == 7


def test_matches_for_firms_takes_a_fixed_number_of_queries(agency, django_assert_num_queries):
    opportunities = [
        OpportunityFactory(organization=agency, areas=["space-technologies"]).pk for _ in range(3)
    ]
    firms = [firm_with(f"Firm {i}", {"areas": ["satellites"]}).pk for i in range(3)]
    target_area(Opportunity.objects.get(pk=opportunities[0]), "satellites")
    with django_assert_num_queries(5):
        few = selectors.matches_for_firms(firms, opportunities)
    firms += [firm_with(f"More {i}", {"areas": ["small-satellites"]}).pk for i in range(30)]
    with django_assert_num_queries(5):
        many = selectors.matches_for_firms(firms, opportunities)
    assert len(few) == 9 and len(many) == 99


# Recommendations ----------------------------------------------------------------------


@pytest.fixture
def satellite_firm(db):
    return firm_with("Orbit Works", {"areas": ["satellites"], "trl": 6, "keywords": "SAR"})


def test_recommendations_are_open_published_matching_opportunities(agency, satellite_firm):
    now = timezone.now()
    open_one = OpportunityFactory(organization=agency, areas=["space-technologies"])
    OpportunityFactory(organization=agency, areas=["space-technologies"], status="draft")
    OpportunityFactory(organization=agency, areas=["space-technologies"], status="closed")
    OpportunityFactory(organization=agency, areas=["space-technologies"], status="cancelled")
    OpportunityFactory(
        organization=agency,
        areas=["space-technologies"],
        response_deadline=now - timedelta(hours=1),
    )
    OpportunityFactory(organization=agency, areas=["biotechnologies"])

    recommended = selectors.recommendations_for_firm(satellite_firm)

    assert [item.opportunity for item in recommended] == [open_one]
    assert recommended[0].capability.title == Capability.objects.get().title


def test_recommendations_are_ordered_by_score_then_deadline(agency, satellite_firm):
    now = timezone.now()
    later = OpportunityFactory(
        organization=agency, areas=["satellites"], response_deadline=now + timedelta(days=40)
    )
    sooner = OpportunityFactory(
        organization=agency, areas=["satellites"], response_deadline=now + timedelta(days=20)
    )
    keyword = OpportunityFactory(
        organization=agency,
        areas=["satellites"],
        summary_en="SAR payloads",
        response_deadline=now + timedelta(days=60),
    )
    broad = OpportunityFactory(organization=agency, areas=["space-technologies"])
    targeted = OpportunityFactory(
        organization=agency, areas=["space-technologies"], trl_min=1, trl_max=2
    )
    target_area(targeted, "space-technologies")

    recommended = selectors.recommendations_for_firm(satellite_firm)

    assert [item.opportunity for item in recommended] == [targeted, keyword, sooner, later, broad]
    assert [item.score for item in recommended] == [15 + 8, 10 + 6 + 3, 16, 16, 8 + 6]
    assert recommended[0].match.is_targeted
    assert [item.match.is_targeted for item in recommended] == [
        targets_reaching(satellite_firm).filter(opportunity=item.opportunity).exists()
        for item in recommended
    ]
    assert len(selectors.recommendations_for_firm(satellite_firm, limit=2)) == 2


def test_a_direct_target_boosts_only_that_firm(agency, satellite_firm):
    other = firm_with("Other", {"areas": ["satellites"], "trl": 6, "keywords": "SAR"})
    opportunity = OpportunityFactory(organization=agency, areas=["satellites"])
    target_firm(opportunity, satellite_firm)

    mine = selectors.recommendations_for_firm(satellite_firm)[0]
    theirs = selectors.recommendations_for_firm(other)[0]

    assert mine.score == theirs.score + 15
    assert mine.reasons[0].kind == ReasonKind.TARGETED


def test_unpublished_capabilities_give_no_recommendations(agency):
    firm = firm_with("Drafty", {"areas": ["satellites"], "status": Capability.Status.DRAFT})
    OpportunityFactory(organization=agency, areas=["satellites"])
    assert selectors.recommendations_for_firm(firm) == []


def test_recommendations_for_user_lists_each_firm(agency, satellite_firm):
    OpportunityFactory(organization=agency, areas=["satellites"])
    user = MembershipFactory(organization=satellite_firm).user
    empty_firm = OrganizationFactory(name_en="Empty")
    MembershipFactory(organization=empty_firm, user=user)
    MembershipFactory(organization=agency, user=user)  # an agency is not a firm

    rows = selectors.recommendations_for_user(user)

    assert {row["firm"] for row in rows} == {satellite_firm, empty_firm}
    by_firm = {row["firm"]: row["recommended"] for row in rows}
    assert len(by_firm[satellite_firm]) == 1
    assert by_firm[empty_firm] == []


def test_recommendations_for_a_user_without_a_firm_are_empty(user, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.recommendations_for_user(user) == []


def test_recommendations_take_a_fixed_number_of_queries(agency):
    user = MembershipFactory(organization=firm_with("First", {"areas": ["satellites"]})).user
    for _ in range(2):
        OpportunityFactory(organization=agency, areas=["space-technologies"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = selectors.recommendations_for_user(user)
            for row in rows:
                for item in row["recommended"]:
                    str(item.match), item.opportunity.organization.name
                    list(item.opportunity.areas.all())
        return len(captured)

    few = queries()
    for index in range(4):
        firm = firm_with(
            f"More {index}", {"areas": ["satellites"]}, {"areas": ["small-satellites"]}
        )
        MembershipFactory(organization=firm, user=user)
    for _ in range(10):
        opportunity = OpportunityFactory(organization=agency, areas=["satellites"])
        target_area(opportunity, "space-technologies")
    assert queries() == few <= 8
