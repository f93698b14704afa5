"""matches_for_opportunity() ranks candidates without scoring most of them in full (it
bounds them first). Here it is held to the plain definition: score every published
capability with scoring.score(), keep each firm's best, rank the firms."""

import pytest

from apps.capabilities.models import Capability
from apps.matching import selectors
from apps.matching.scoring import score
from apps.opportunities.models import Opportunity, Target
from apps.opportunities.selectors import is_targeted_at
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def reference_matches(opportunity: Opportunity, limit: int) -> list[tuple]:
    """(firm id, capability id, match, capability count) of the `limit` best firms: every
    published capability scored in full, a firm at its best capability (score, then
    title, then id), firms by score, then name, then id."""
    opportunity = Opportunity.objects.prefetch_related("areas").get(pk=opportunity.pk)
    areas = selectors.area_index()
    best: dict[int, tuple] = {}
    counts: dict[int, int] = {}
    for capability in (
        Capability.objects.filter(status=Capability.Status.PUBLISHED)
        .select_related("organization")
        .prefetch_related("areas")
    ):
        firm = capability.organization
        match = score(
            selectors.capability_facts_for(capability, areas=areas),
            selectors.opportunity_facts_for(
                opportunity, targeted=is_targeted_at(opportunity, firm), areas=areas
            ),
        )
        if match is None:
            continue
        counts[firm.pk] = counts.get(firm.pk, 0) + 1
        ranking = (-match.score, capability.title_en or capability.title_ja, capability.pk)
        if firm.pk not in best or ranking < best[firm.pk][0]:
            best[firm.pk] = (ranking, firm, capability, match)
    ranked = sorted(
        best.values(),
        key=lambda item: (item[0][0], item[1].name_en or item[1].name_ja, item[1].pk),
    )
    return [
        (firm.pk, capability.pk, match, counts[firm.pk])
        for _ranking, firm, capability, match in ranked[:limit]
    ]


def optimised_matches(opportunity: Opportunity, limit: int) -> list[tuple]:
    fresh = Opportunity.objects.get(pk=opportunity.pk)
    return [
        (row.firm.pk, row.capability.id, row.match, row.capability_count)
        for row in selectors.matches_for_opportunity(fresh, limit=limit)
    ]


def firm(name_en: str, *capabilities: dict, name_ja: str = ""):
    organization = OrganizationFactory(name_en=name_en, name_ja=name_ja)
    for fields in capabilities:
        CapabilityFactory(organization=organization, **{"keywords": "", **fields})
    return organization


@pytest.fixture
def opportunity(agency):
    """Areas with sub-areas and ancestors, English and Japanese text for keywords, a
    direct target and an area target; firms with ties at every level."""
    opportunity = OpportunityFactory(
        organization=agency,
        areas=["satellites", "machine-learning"],
        trl_min=5,
        trl_max=7,
        title_en="Responsive SAR constellation",
        summary_en="Small-sat radar for maritime awareness.",
        title_ja="小型衛星コンステレーション",
        summary_ja="レーダー衛星による海洋監視",
    )
    # Two capabilities: the sub-area one wins on keywords written full-width, half-width
    # and with Japanese commas (SAR, counted once, 小型衛星, レーダー: 8 + 6 + 9 = 23
    # against 22).
    firm(
        "Aoba Space K.K.",
        {"areas": ["satellites"], "trl": 6, "keywords": "SAR, radar", "title_en": "Bus"},
        {"areas": ["small-satellites"], "trl": 6, "keywords": "ＳＡＲ，小型衛星、ﾚｰﾀﾞｰ, sar"},
    )
    # An ancestor area (broader), one TRL below, a keyword; targeted directly.
    bishamon = firm(
        "Bishamon K.K.", {"areas": ["space-technologies"], "trl": 4, "keywords": "small-sat"}
    )
    Target.objects.create(opportunity=opportunity, firm=bishamon, targeted_by_organization=agency)
    # The same name twice: the id decides.
    for _ in range(2):
        firm("Chiyoda Orbital K.K.", {"areas": ["satellites"], "trl": 6})
    # Five areas, of which the best three count (named to come last among equal scores).
    firm(
        "Yamato K.K.",
        {
            "areas": [
                "satellites",
                "small-satellites",
                "synthetic-aperture-radar-satellites",
                "space-technologies",
                "machine-learning",
            ],
            "trl": 5,
        },
    )
    # Reached by an area target through a capability outside the opportunity's areas.
    firm(
        "Ebisu AI K.K.",
        {"areas": ["artificial-intelligence", "computer-vision"], "trl": 8},
        {"areas": ["space-launch"], "trl": 6},
    )
    Target.objects.create(
        opportunity=opportunity,
        area=TechnologyArea.objects.get(slug="space-launch"),
        targeted_by_organization=agency,
    )
    # A low floor lifted by keywords (at most four count, duplicates once).
    firm(
        "Fukuoka Labs K.K.",
        {
            "areas": ["space-technologies"],
            "trl": 2,
            "keywords": "SAR, sar, radar, constellation, maritime, awareness",
        },
    )
    # A Japanese name only: after the Latin names at the same score.
    firm("", {"areas": ["satellites"], "trl": 6}, name_ja="株式会社ぎんが")
    # Equal scores inside a firm: the title, then the id; a Japanese-only title last. The
    # first by title gets there through its keywords, and Hoshi is the firm at the cut by
    # floors for limit=2: the capability must not be cut.
    both = ["machine-learning", "satellites"]
    firm(
        "Hoshi K.K.",
        {"areas": both, "trl": 9, "keywords": "SAR, radar", "title_en": "Aardvark payload"},
        {"areas": both, "trl": 5, "title_en": "Beta payload"},
        {"areas": both, "trl": 5, "title_en": "Alpha payload"},
        {"areas": both, "trl": 5, "title_en": "Alpha payload"},
        {"areas": both, "trl": 5, "title_en": "", "title_ja": "アルファ"},
    )
    # Drafts and unrelated areas neither match nor count.
    firm(
        "Ikoma K.K.",
        {"areas": ["satellites"], "trl": 6, "status": Capability.Status.DRAFT},
        {"areas": ["biotechnologies"], "trl": 6},
    )
    # The best capability is not the one with the best floor: TRL 9 but three keywords
    # (not "maritime patrol": "patrol" is not in the opportunity's text).
    firm(
        "Jindai K.K.",
        {"areas": ["satellites"], "trl": 9, "keywords": "SAR, radar, maritime, maritime patrol"},
        {"areas": ["satellites"], "trl": 6},
    )
    # Area target again, and a TRL outside the range.
    firm(
        "Kasuga K.K.",
        {"areas": ["space-launch"], "trl": 5},
        {"areas": ["small-satellites"], "trl": 3},
    )
    # A draft alongside a published capability: one counts.
    firm(
        "Lumen K.K.",
        {"areas": ["satellites"], "trl": 6, "status": Capability.Status.DRAFT},
        {"areas": ["synthetic-aperture-radar-satellites"], "trl": 7},
    )
    return opportunity


def test_the_data_set_has_ties_targets_and_keywords(opportunity):
    rows = optimised_matches(opportunity, limit=50)
    scores = [match.score for _firm, _cap, match, _count in rows]
    assert len(rows) == 12
    assert len(scores) > len(set(scores))
    assert sum(match.is_targeted for _firm, _cap, match, _count in rows) == 3
    assert any(
        reason.kind == "keywords" and len(reason.keywords) == 4
        for _firm, _cap, match, _count in rows
        for reason in match.reasons
    )


@pytest.mark.parametrize("limit", [*range(1, 15), 50])
def test_matches_for_opportunity_agree_with_scoring_every_capability(opportunity, limit):
    assert optimised_matches(opportunity, limit) == reference_matches(opportunity, limit)


def test_firms_lifted_by_their_keywords_pass_firms_ranked_higher_without_them(opportunity):
    # Without keywords: Yamato 34, Hoshi 26, Kasuga 23, Bishamon 21, Aoba 16. With them,
    # Bishamon makes 24 and Aoba 23, level with Kasuga but first by name.
    rows = optimised_matches(opportunity, limit=4)
    names = Organization.objects.in_bulk([firm_id for firm_id, *_rest in rows])
    assert [names[firm_id].name_en for firm_id, *_rest in rows] == [
        "Yamato K.K.",
        "Hoshi K.K.",
        "Bishamon K.K.",
        "Aoba Space K.K.",
    ]
    assert [match.score for _firm, _cap, match, _count in rows] == [34, 26, 24, 23]
    assert rows == reference_matches(opportunity, limit=4)
