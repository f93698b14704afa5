"""Scoring a capability against an opportunity: pure, deterministic, explainable.

Nothing here touches the database: callers (``apps.matching.selectors``) turn rows into
the small frozen ``*Facts`` below and call :func:`score`. The same facts always give the
same :class:`Match`, whose reasons are structured data rendered through gettext only
when shown, so they follow the viewer's language.

Weights (points), all constants below:

- Technology areas. Each area of the capability counts at its best relation to an area of
  the opportunity, and at most ``MAX_AREAS`` (3) areas count, the best first:
  the same area ``AREA_EXACT`` (10); the capability's area is a sub-area of the
  opportunity's ``AREA_NARROWER`` (8); the capability's area is an ancestor of the
  opportunity's, i.e. broader ``AREA_BROADER`` (4).
- Technology readiness: the capability's TRL within the range sought ``TRL_WITHIN`` (6);
  one level below or above it ``TRL_ONE_OFF`` (2); further away 0.
- Keywords: ``KEYWORD`` (3) for each of the capability's keywords found in the
  opportunity's title, summary or description, in either language; at most
  ``MAX_KEYWORDS`` (4) count.
- Targeting: ``TARGETED`` (15) when the opportunity is targeted at the firm, directly or
  through a technology area of the firm's published capabilities.

Without any area overlap there is no match (:func:`score` returns None): TRL, keywords
and targeting refine a match, they never make one.

Keywords are compared as search tokens (``apps.core.search``): NFKC-normalised and
lower-cased, Latin words whole and Japanese runs as character bigrams, so "ＳＡＲ"
matches "SAR" and "小型衛星" matches "小型衛星コンステレーション". A keyword matches when
all of its tokens occur in the opportunity's text.

:class:`OpportunityPoints` gives the same points as :func:`score` without building facts
or reasons, for ranking many capabilities against one opportunity; it is built on the
same helpers (:func:`area_relation`, :func:`trl_fit`, :func:`keyword_texts`).
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext, pgettext

from apps.core.search import query_tokens, tokenize

AREA_EXACT = 10
AREA_NARROWER = 8
AREA_BROADER = 4
MAX_AREAS = 3

TRL_WITHIN = 6
TRL_ONE_OFF = 2

KEYWORD = 3
MAX_KEYWORDS = 4

TARGETED = 15

PATH_SEPARATOR = "/"
FULL_NAME_SEPARATOR = " › "
REASON_SEPARATOR = "; "

_COMMA = ","
_JAPANESE_COMMA = "、"
_KEYWORD_SPLIT = re.compile(f"[{_COMMA}{_JAPANESE_COMMA}]")


class ReasonKind:
    AREA = "area"
    TRL = "trl"
    KEYWORDS = "keywords"
    TARGETED = "targeted"


class AreaRelation:
    EXACT = "exact"  # the same area
    NARROWER = "narrower"  # the capability's area is below the opportunity's
    BROADER = "broader"  # the capability's area is above the opportunity's


class TrlFit:
    WITHIN = "within"
    BELOW = "below"  # one level below the range
    ABOVE = "above"  # one level above the range
    OUTSIDE = "outside"


class Audience:
    FIRM = "firm"  # the firm the match is about reads it ("targeted at your firm")
    AGENCY = "agency"  # staff of the opportunity's agency read it


@dataclass(frozen=True)
class Area:
    """A technology area as scoring needs it: its path (``"space-technologies/satellites/"``)
    and its full name in both languages (``"Space Technologies › Satellites"``)."""

    path: str
    full_name_en: str = ""
    full_name_ja: str = ""

    @property
    def full_name(self) -> str:
        if (get_language() or "en").startswith("ja"):
            return self.full_name_ja or self.full_name_en or self.path
        return self.full_name_en or self.full_name_ja or self.path

    def __str__(self) -> str:
        return self.full_name


@dataclass(frozen=True)
class Keyword:
    """A capability keyword as the firm wrote it (NFKC-normalised) and its search tokens."""

    text: str
    tokens: frozenset[str]


@dataclass(frozen=True)
class CapabilityFacts:
    areas: tuple[Area, ...]
    trl: int
    keywords: tuple[Keyword, ...] = ()


@dataclass(frozen=True)
class OpportunityFacts:
    """An opportunity as seen by one firm: ``targeted`` says whether it reaches that firm."""

    areas: tuple[Area, ...]
    trl_min: int
    trl_max: int
    tokens: frozenset[str] = frozenset()
    targeted: bool = False


@dataclass(frozen=True)
class Reason:
    """One part of a match's explanation. Structured, so that it can be stored, compared
    and rendered later in whatever language is active then."""

    kind: str  # a ReasonKind
    points: int
    area: Area | None = None  # AREA: the capability's area
    relation: str = ""  # AREA: an AreaRelation
    trl: int | None = None  # TRL
    trl_min: int | None = None
    trl_max: int | None = None
    fit: str = ""  # TRL: a TrlFit
    keywords: tuple[str, ...] = ()  # KEYWORDS, as the firm wrote them

    def render(self, audience: str = Audience.FIRM) -> str:
        if self.kind == ReasonKind.AREA:
            if self.relation == AreaRelation.BROADER:
                return pgettext("matching reason", "%(area)s (broader area)") % {
                    "area": self.area.full_name
                }
            return self.area.full_name
        if self.kind == ReasonKind.TRL:
            params = {"trl": self.trl, "low": self.trl_min, "high": self.trl_max}
            if self.fit == TrlFit.WITHIN:
                return gettext("TRL %(trl)s within %(low)s–%(high)s") % params
            if self.fit == TrlFit.BELOW:
                return gettext("TRL %(trl)s, one level below %(low)s–%(high)s") % params
            if self.fit == TrlFit.ABOVE:
                return gettext("TRL %(trl)s, one level above %(low)s–%(high)s") % params
            return gettext("TRL %(trl)s outside %(low)s–%(high)s") % params
        if self.kind == ReasonKind.KEYWORDS:
            return gettext("keywords: %(keywords)s") % {"keywords": ", ".join(self.keywords)}
        if self.kind == ReasonKind.TARGETED:
            if audience == Audience.AGENCY:
                return gettext("targeted at this firm")
            return gettext("targeted at your firm")
        return self.kind

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Match:
    score: int
    reasons: tuple[Reason, ...] = field(default=())

    def render(self, audience: str = Audience.FIRM) -> str:
        return REASON_SEPARATOR.join(reason.render(audience) for reason in self.reasons)

    def __str__(self) -> str:
        return self.render()

    @property
    def is_targeted(self) -> bool:
        return any(reason.kind == ReasonKind.TARGETED for reason in self.reasons)


# Building facts from plain values ------------------------------------------------------


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """``"a/b/c/"`` → ``["a/", "a/b/", "a/b/c/"]`` (root first)."""
    slugs = [slug for slug in path.split(PATH_SEPARATOR) if slug]
    prefixes = [PATH_SEPARATOR.join(slugs[: i + 1]) + PATH_SEPARATOR for i in range(len(slugs))]
    return prefixes if include_self else prefixes[:-1]


def keyword_texts(text: str) -> list[str]:
    """A capability's comma-separated keywords (ASCII, full-width or Japanese commas),
    NFKC-normalised and stripped, as written: empty parts and duplicates included."""
    return [
        part.strip() for part in _KEYWORD_SPLIT.split(unicodedata.normalize("NFKC", text or ""))
    ]


def keywords_from(text: str) -> tuple[Keyword, ...]:
    """A capability's keywords (see keyword_texts), each with its search tokens;
    duplicates and keywords without tokens are dropped."""
    seen: dict[frozenset[str], Keyword] = {}
    for shown in keyword_texts(text):
        tokens = frozenset(query_tokens(shown))
        if tokens and tokens not in seen:
            seen[tokens] = Keyword(text=shown, tokens=tokens)
    return tuple(seen.values())


def text_tokens(*texts: str) -> frozenset[str]:
    """Every search token of the texts (Latin words, Japanese unigrams and bigrams)."""
    tokens: set[str] = set()
    for text in texts:
        if text:
            tokens.update(tokenize(text))
    return frozenset(tokens)


# Scoring ---------------------------------------------------------------------------------


def area_relation(capability_path: str, opportunity_paths: Iterable[str]) -> tuple[int, str] | None:
    """The points and AreaRelation of a capability's area at its best relation to the
    opportunity's areas (their paths), or None when it relates to none of them."""
    best: tuple[int, str] | None = None
    for path in opportunity_paths:
        if capability_path == path:
            candidate = (AREA_EXACT, AreaRelation.EXACT)
        elif capability_path.startswith(path):
            candidate = (AREA_NARROWER, AreaRelation.NARROWER)
        elif path.startswith(capability_path):
            candidate = (AREA_BROADER, AreaRelation.BROADER)
        else:
            continue
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best


def trl_fit(trl: int, low: int, high: int) -> tuple[int, str]:
    """The points and TrlFit of a TRL for the range sought."""
    if low <= trl <= high:
        return TRL_WITHIN, TrlFit.WITHIN
    if trl == low - 1:
        return TRL_ONE_OFF, TrlFit.BELOW
    if trl == high + 1:
        return TRL_ONE_OFF, TrlFit.ABOVE
    return 0, TrlFit.OUTSIDE


def _area_reasons(
    capability_areas: Iterable[Area], opportunity_areas: Iterable[Area]
) -> list[Reason]:
    opportunity_paths = sorted({area.path for area in opportunity_areas})
    reasons: list[Reason] = []
    for area in sorted(set(capability_areas), key=lambda a: a.path):
        best = area_relation(area.path, opportunity_paths)
        if best is not None:
            reasons.append(
                Reason(kind=ReasonKind.AREA, points=best[0], area=area, relation=best[1])
            )
    reasons.sort(key=lambda r: (-r.points, r.area.path))
    return reasons[:MAX_AREAS]


def _trl_reason(trl: int, low: int, high: int) -> Reason:
    points, fit = trl_fit(trl, low, high)
    return Reason(kind=ReasonKind.TRL, points=points, trl=trl, trl_min=low, trl_max=high, fit=fit)


def score(capability: CapabilityFacts, opportunity: OpportunityFacts) -> Match | None:
    """The match of a capability with an opportunity, or None when they share no area
    (an area, one of its sub-areas or one of its ancestors)."""
    area_reasons = _area_reasons(capability.areas, opportunity.areas)
    if not area_reasons:
        return None
    reasons: list[Reason] = []
    if opportunity.targeted:
        reasons.append(Reason(kind=ReasonKind.TARGETED, points=TARGETED))
    reasons.extend(area_reasons)
    reasons.append(_trl_reason(capability.trl, opportunity.trl_min, opportunity.trl_max))
    shared = tuple(
        keyword.text
        for keyword in capability.keywords
        if keyword.tokens and keyword.tokens <= opportunity.tokens
    )[:MAX_KEYWORDS]
    if shared:
        reasons.append(
            Reason(kind=ReasonKind.KEYWORDS, points=KEYWORD * len(shared), keywords=shared)
        )
    return Match(score=sum(reason.points for reason in reasons), reasons=tuple(reasons))


# Many capabilities, one opportunity ---------------------------------------------------------


class OpportunityPoints:
    """The points one opportunity gives, to rank many capabilities without building their
    facts and reasons. For a capability whose areas have the paths `paths`:

        total(paths, trl, keywords, targeted=t)
        == score(CapabilityFacts(areas, trl, keywords_from(keywords)),
                 replace(opportunity, targeted=t)).score

    (None for both when no area relates). It is the sum of base() (areas, TRL and
    targeting: cheap) and keywords() (the keywords must be tokenised: costly), and
    keyword_bound() is an upper bound of keywords() that needs no tokenising, for callers
    that skip the capabilities which could not rank high enough anyway. The points of
    each area and the tokens of each keyword are remembered: build one instance per
    opportunity and use it for every capability.
    """

    MAX_KEYWORD_POINTS = KEYWORD * MAX_KEYWORDS  # keywords() and keyword_bound() at most

    def __init__(self, opportunity: OpportunityFacts):
        self._paths = sorted({area.path for area in opportunity.areas})
        self._trl_min = opportunity.trl_min
        self._trl_max = opportunity.trl_max
        self._tokens = opportunity.tokens
        self._area_points: dict[str, int] = {}
        self._trl_points: dict[int, int] = {}
        self._keyword_tokens: dict[str, frozenset[str]] = {}

    def area(self, path: str) -> int:
        """The points of one area of the capability: 0 when it relates to no area of the
        opportunity."""
        points = self._area_points.get(path)
        if points is None:
            relation = area_relation(path, self._paths)
            points = self._area_points[path] = relation[0] if relation else 0
        return points

    def areas(self, paths: Sequence[str]) -> int:
        """The points of the capability's areas, the best MAX_AREAS of them: 0 when none
        relates to the opportunity's, i.e. no match."""
        if len(paths) == 1:
            return self.area(paths[0])
        return sum(sorted((self.area(path) for path in set(paths)), reverse=True)[:MAX_AREAS])

    def trl(self, trl: int) -> int:
        points = self._trl_points.get(trl)
        if points is None:
            points = self._trl_points[trl] = trl_fit(trl, self._trl_min, self._trl_max)[0]
        return points

    def base(self, paths: Sequence[str], trl: int, *, targeted: bool) -> int | None:
        """The score without its keyword points, or None when no area relates."""
        areas = self.areas(paths)
        if not areas:
            return None
        return areas + self.trl(trl) + (TARGETED if targeted else 0)

    def keywords(self, text: str) -> int:
        """The points of the capability's keywords (as stored) found in the opportunity's
        text."""
        shared: set[frozenset[str]] = set()
        for shown in keyword_texts(text):
            tokens = self._keyword_tokens.get(shown)
            if tokens is None:
                tokens = self._keyword_tokens[shown] = frozenset(query_tokens(shown))
            if tokens and tokens <= self._tokens:
                shared.add(tokens)
        return KEYWORD * min(len(shared), MAX_KEYWORDS)

    @staticmethod
    def keyword_bound(text: str) -> int:
        """At least keywords(text), without tokenising: each part between separators is
        at most one keyword found."""
        normalized = unicodedata.normalize("NFKC", text or "")
        parts = 1 + normalized.count(_COMMA) + normalized.count(_JAPANESE_COMMA)
        return KEYWORD * min(parts, MAX_KEYWORDS)

    def total(self, paths: Sequence[str], trl: int, keywords: str, *, targeted: bool) -> int | None:
        """The score of a capability, or None when no area relates (as score())."""
        base = self.base(paths, trl, targeted=targeted)
        return None if base is None else base + self.keywords(keywords)
