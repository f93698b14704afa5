"""The pure scoring of a capability against an opportunity: no database."""

from dataclasses import replace

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.matching import scoring
from apps.matching.scoring import (
    Area,
    AreaRelation,
    Audience,
    CapabilityFacts,
    Match,
    OpportunityFacts,
    OpportunityPoints,
    Reason,
    ReasonKind,
    TrlFit,
    keywords_from,
    score,
    text_tokens,
)

SPACE = Area("space-technologies/", "Space Technologies", "宇宙技術")
SATELLITES = Area(
    "space-technologies/satellites/", "Space Technologies › Satellites", "宇宙技術 › 衛星"
)
SMALL_SATS = Area(
    "space-technologies/satellites/small-satellites/",
    "Space Technologies › Satellites › Small Satellites",
    "宇宙技術 › 衛星 › 小型衛星",
)
LAUNCH = Area("space-technologies/space-launch/", "Space Technologies › Space Launch", "")
# A sibling whose slug starts like another's: a path prefix, not a string prefix, decides.
SPACE_LIKE = Area("space/", "Space (other)", "")
AI = Area("artificial-intelligence/", "Artificial Intelligence", "人工知能")
VISION = Area("artificial-intelligence/computer-vision/", "AI › Computer Vision", "")


def capability(*areas, trl=6, keywords=""):
    return CapabilityFacts(areas=tuple(areas), trl=trl, keywords=keywords_from(keywords))


def opportunity(*areas, trl_min=5, trl_max=7, text="", targeted=False):
    return OpportunityFacts(
        areas=tuple(areas),
        trl_min=trl_min,
        trl_max=trl_max,
        tokens=text_tokens(text),
        targeted=targeted,
    )


def kinds(match: Match) -> list[str]:
    return [reason.kind for reason in match.reasons]


def area_points(match: Match) -> int:
    return sum(r.points for r in match.reasons if r.kind == ReasonKind.AREA)


def test_the_same_area_scores_most():
    match = score(capability(SATELLITES), opportunity(SATELLITES))
    assert area_points(match) == scoring.AREA_EXACT == 10
    assert match.reasons[0].relation == AreaRelation.EXACT


def test_a_sub_area_of_the_opportunitys_area_counts():
    match = score(capability(SMALL_SATS), opportunity(SPACE))
    assert area_points(match) == scoring.AREA_NARROWER == 8
    assert match.reasons[0].relation == AreaRelation.NARROWER
    assert match.reasons[0].area == SMALL_SATS


def test_an_ancestor_of_the_opportunitys_area_counts_less():
    broader = score(capability(SPACE), opportunity(SATELLITES))
    narrower = score(capability(SATELLITES), opportunity(SPACE))
    assert area_points(broader) == scoring.AREA_BROADER == 4
    assert broader.reasons[0].relation == AreaRelation.BROADER
    assert broader.score < narrower.score


def test_each_capability_area_counts_once_at_its_best_relation():
    match = score(capability(SATELLITES), opportunity(SPACE, SATELLITES))
    assert area_points(match) == 10
    assert [r.relation for r in match.reasons if r.kind == ReasonKind.AREA] == ["exact"]


def test_at_most_three_areas_count_the_best_first():
    match = score(
        capability(SPACE, SATELLITES, SMALL_SATS, LAUNCH),
        opportunity(SATELLITES, LAUNCH),
    )
    area_reasons = [r for r in match.reasons if r.kind == ReasonKind.AREA]
    assert len(area_reasons) == scoring.MAX_AREAS == 3
    # Two exact (10 each), then the sub-area (8); the broader one (4) is left out.
    assert [r.points for r in area_reasons] == [10, 10, 8]
    assert [r.area for r in area_reasons] == [SATELLITES, LAUNCH, SMALL_SATS]


def test_no_shared_area_is_no_match_whatever_else_fits():
    assert score(capability(AI, trl=6), opportunity(SPACE, trl_min=5, trl_max=7)) is None
    assert (
        score(
            capability(VISION, keywords="SAR"),
            opportunity(SATELLITES, text="SAR imagery", targeted=True),
        )
        is None
    )


def test_a_slug_prefix_is_not_an_area_prefix():
    assert score(capability(SPACE_LIKE), opportunity(SPACE)) is None
    assert score(capability(SPACE), opportunity(SPACE_LIKE)) is None


@pytest.mark.parametrize(
    ("trl", "points", "fit"),
    [
        (5, 6, TrlFit.WITHIN),
        (6, 6, TrlFit.WITHIN),
        (7, 6, TrlFit.WITHIN),
        (4, 2, TrlFit.BELOW),
        (8, 2, TrlFit.ABOVE),
        (3, 0, TrlFit.OUTSIDE),
        (9, 0, TrlFit.OUTSIDE),
    ],
)
def test_trl_fit(trl, points, fit):
    match = score(capability(SATELLITES, trl=trl), opportunity(SATELLITES, trl_min=5, trl_max=7))
    (reason,) = [r for r in match.reasons if r.kind == ReasonKind.TRL]
    assert (reason.points, reason.fit) == (points, fit)
    assert match.score == 10 + points


def test_keywords_in_english_match_whatever_the_case_and_width():
    match = score(
        capability(SATELLITES, keywords="ＳＡＲ, small-sat, hyperspectral"),
        opportunity(SATELLITES, text="A Small-Sat constellation carrying sar payloads"),
    )
    (reason,) = [r for r in match.reasons if r.kind == ReasonKind.KEYWORDS]
    assert reason.keywords == ("SAR", "small-sat")  # as the firm wrote them, NFKC-normalised
    assert reason.points == 2 * scoring.KEYWORD


def test_keywords_in_japanese_match_the_japanese_text():
    match = score(
        capability(SATELLITES, keywords="小型衛星、合成開口レーダー"),
        opportunity(SATELLITES, text="小型衛星コンステレーションによる観測"),
    )
    (reason,) = [r for r in match.reasons if r.kind == ReasonKind.KEYWORDS]
    assert reason.keywords == ("小型衛星",)


def test_full_width_japanese_commas_and_duplicates_are_one_keyword_each():
    keywords = keywords_from("SAR，sar、 ＳＡＲ , 衛星")
    assert [k.text for k in keywords] == ["SAR", "衛星"]


def test_a_keyword_matches_only_with_all_its_tokens():
    match = score(
        capability(SATELLITES, keywords="small-sat"),
        opportunity(SATELLITES, text="small launch vehicles"),
    )
    assert ReasonKind.KEYWORDS not in kinds(match)


def test_at_most_four_keywords_count():
    match = score(
        capability(SATELLITES, keywords="alpha, beta, gamma, delta, epsilon"),
        opportunity(SATELLITES, text="epsilon delta gamma beta alpha"),
    )
    (reason,) = [r for r in match.reasons if r.kind == ReasonKind.KEYWORDS]
    assert reason.keywords == ("alpha", "beta", "gamma", "delta")
    assert reason.points == scoring.MAX_KEYWORDS * scoring.KEYWORD == 12


def test_targeting_adds_a_boost_and_a_reason_first():
    facts = opportunity(SATELLITES)
    plain = score(capability(SATELLITES), facts)
    targeted = score(capability(SATELLITES), replace(facts, targeted=True))
    assert targeted.score == plain.score + scoring.TARGETED
    assert targeted.reasons[0] == Reason(kind=ReasonKind.TARGETED, points=15)
    assert targeted.is_targeted and not plain.is_targeted


def test_the_score_is_the_sum_of_the_reasons_points():
    match = score(
        capability(SMALL_SATS, SPACE, trl=4, keywords="SAR, 衛星"),
        opportunity(SATELLITES, trl_min=5, trl_max=7, text="SAR 衛星", targeted=True),
    )
    assert match.score == 15 + 8 + 4 + 2 + 6
    assert match.score == sum(reason.points for reason in match.reasons)
    assert kinds(match) == ["targeted", "area", "area", "trl", "keywords"]


def test_scoring_is_deterministic_whatever_the_order_of_the_facts():
    first = score(
        CapabilityFacts(
            areas=(SMALL_SATS, LAUNCH, SPACE), trl=6, keywords=keywords_from("SAR, small-sat")
        ),
        opportunity(SPACE, SATELLITES, text="SAR small-sat"),
    )
    second = score(
        CapabilityFacts(
            areas=(SPACE, LAUNCH, SMALL_SATS), trl=6, keywords=keywords_from("SAR, small-sat")
        ),
        opportunity(SATELLITES, SPACE, text="small-sat SAR"),
    )
    assert first == second
    assert hash(first) == hash(second)
    assert score(capability(SATELLITES), opportunity(SPACE)) == score(
        capability(SATELLITES), opportunity(SPACE)
    )


def test_reasons_read_in_english():
    match = score(
        capability(SATELLITES, trl=6, keywords="SAR, small-sat"),
        opportunity(SPACE, trl_min=5, trl_max=7, text="SAR small-sat", targeted=True),
    )
    with translation.override("en"):
        assert [str(reason) for reason in match.reasons] == [
            "targeted at your firm",
            "Space Technologies › Satellites",
            "TRL 6 within 5–7",
            "keywords: SAR, small-sat",
        ]
        assert str(match) == (
            "targeted at your firm; Space Technologies › Satellites; TRL 6 within 5–7; "
            "keywords: SAR, small-sat"
        )
        assert match.reasons[0].render(Audience.AGENCY) == "targeted at this firm"


@pytest.mark.parametrize(
    ("trl", "text"),
    [
        (4, "TRL 4, one level below 5–7"),
        (8, "TRL 8, one level above 5–7"),
        (2, "TRL 2 outside 5–7"),
    ],
)
def test_trl_reasons_off_the_range_read_in_english(trl, text):
    match = score(capability(SATELLITES, trl=trl), opportunity(SATELLITES))
    with translation.override("en"):
        assert str(match.reasons[-1]) == text


def test_a_broader_area_says_so():
    match = score(capability(SPACE), opportunity(SATELLITES))
    with translation.override("en"):
        assert str(match.reasons[0]) == "Space Technologies (broader area)"


def test_reasons_follow_the_active_language_when_rendered():
    match = score(capability(SATELLITES, trl=6), opportunity(SPACE))
    with translation.override("ja"):
        japanese = [str(reason) for reason in match.reasons]
    with translation.override("en"):
        english = [str(reason) for reason in match.reasons]
    # Area names come from the taxonomy's Japanese names; the rest from the catalogue
    # (English msgids until translated, so only the structure is asserted).
    assert japanese[0] == "宇宙技術 › 衛星"
    assert english[0] == "Space Technologies › Satellites"
    assert len(japanese) == len(english) == 2
    assert all("6" in text and "5" in text and "7" in text for text in (japanese[1], english[1]))


def test_an_area_without_a_japanese_name_falls_back_to_english():
    with translation.override("ja"):
        assert LAUNCH.full_name == "Space Technologies › Space Launch"


# OpportunityPoints: the same numbers without facts or reasons ----------------------------

AREAS = [SPACE, SATELLITES, SMALL_SATS, LAUNCH, SPACE_LIKE, AI, VISION]
WORDS = ["SAR", "ＳＡＲ", "sar", "radar", "small-sat", "Small Sat", "小型衛星", "ﾚｰﾀﾞｰ", "レーダー"]
WORDS += ["maritime patrol", "衛星", "x", "", " ", "🄁", "_"]  # 🄁: NFKC "0,"
SEPARATORS = [",", "、", "，", ", ", " 、 ", "﹐", "､"]

texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=7)


@st.composite
def keyword_text(draw) -> str:
    words = draw(texts)
    return "".join(word + draw(st.sampled_from(SEPARATORS)) for word in words)[:-1]


@settings(max_examples=300, deadline=None)
@given(
    capability_areas=st.lists(st.sampled_from(AREAS), max_size=5),
    opportunity_areas=st.lists(st.sampled_from(AREAS), min_size=1, max_size=3),
    trl=st.integers(1, 9),
    trl_range=st.tuples(st.integers(1, 9), st.integers(0, 4)),
    keywords=keyword_text(),
    opportunity_text=texts.map(" ".join),
    targeted=st.booleans(),
)
def test_opportunity_points_give_the_score_and_bound_it(
    capability_areas, opportunity_areas, trl, trl_range, keywords, opportunity_text, targeted
):
    low, width = trl_range
    facts = opportunity(
        *opportunity_areas,
        trl_min=low,
        trl_max=min(low + width, 9),
        text=opportunity_text,
        targeted=targeted,
    )
    match = score(capability(*capability_areas, trl=trl, keywords=keywords), facts)
    points = OpportunityPoints(facts)
    paths = [area.path for area in capability_areas]

    total = points.total(paths, trl, keywords, targeted=targeted)

    assert total == (match.score if match else None)
    if match is not None:
        floor = points.base(paths, trl, targeted=targeted)
        assert floor <= total <= floor + points.keyword_bound(keywords)
        assert points.keyword_bound(keywords) <= OpportunityPoints.MAX_KEYWORD_POINTS
