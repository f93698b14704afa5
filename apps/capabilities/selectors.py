from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, Q, QuerySet, Sum

from apps.capabilities import permissions
from apps.capabilities.models import Capability, CapabilityRevision, Exposure
from apps.organizations.models import Membership, Organization
from apps.taxonomy.models import TechnologyArea


def _with_related(queryset: QuerySet[Capability]) -> QuerySet[Capability]:
    return queryset.select_related("organization").prefetch_related(
        Prefetch("areas", queryset=TechnologyArea.objects.select_related("parent"))
    )


CARD_FIELDS = (
    "title_en", "title_ja", "summary_en", "summary_ja", "trl", "is_dual_use", "status",
    "visibility", "published_at", "organization__name_en", "organization__name_ja",
    "organization__prefecture",
)  # fmt: skip
"""What a directory card shows (templates/capabilities/directory.html)."""


def own_firm_ids(user) -> list[int]:
    """The firms the user is a member of (whose drafts the directory shows them)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, organization__kind=Organization.Kind.FIRM).values_list(
            "organization_id", flat=True
        )
    )


def capabilities_visible_to(
    user, *, sees_agency_only: bool | None = None, own_firms: list[int] | None = None
) -> QuerySet[Capability]:
    """Rows the directory shows this viewer: published public ones to everyone; published
    agency-only ones to verified agency/intermediary/regulator staff; everything of the
    viewer's own firms, drafts included. `sees_agency_only` and `own_firms`
    (`own_firm_ids`) spare queries when the caller already knows them."""
    published = Q(status=Capability.Status.PUBLISHED)
    visible = published & Q(visibility=Capability.Visibility.PUBLIC)
    if sees_agency_only is None:
        sees_agency_only = permissions.sees_agency_only(user)
    if sees_agency_only:
        visible = published
    # Read first (a short list, empty for agency staff): an OR with a subquery would keep
    # the database from reading the newest rows straight from an index.
    if own_firms is None:
        own_firms = own_firm_ids(user)
    if own_firms:
        visible |= Q(organization_id__in=own_firms)
    return _with_related(Capability.objects.filter(visible))


def capabilities_of_firm(organization, viewer) -> QuerySet[Capability]:
    return capabilities_visible_to(viewer).filter(organization=organization)


def capabilities_editable_by(user) -> QuerySet[Capability]:
    if not user.is_authenticated:
        return Capability.objects.none()
    own_firms = Membership.objects.filter(user=user).values("organization_id")
    return _with_related(Capability.objects.filter(organization_id__in=own_firms))


def revisions_of(capability) -> QuerySet[CapabilityRevision]:
    return capability.revisions.select_related("actor")


# --- Exposure: how often a firm is found ------------------------------------------------

RECENT_DAYS = 30


@dataclass(frozen=True)
class ExposureCount:
    """One kind of exposure: in the last RECENT_DAYS days (today included) and since
    counting began."""

    kind: str
    recent: int = 0
    total: int = 0


def _exposure_counts(group_by: str, ids, today: date | None) -> dict[int, dict[str, ExposureCount]]:
    """{firm or capability id: {kind: ExposureCount}} for every id and kind, zeros
    included: one query."""
    ids = sorted(set(ids))
    result = {pk: {kind: ExposureCount(kind) for kind in Exposure.Kind.values} for pk in ids}
    if not ids:
        return result
    since = (today or Exposure.today()) - timedelta(days=RECENT_DAYS - 1)
    rows = (
        Exposure.objects.filter(**{f"{group_by}__in": ids})
        .order_by()
        .values_list(group_by, "kind")
        .annotate(recent=Sum("count", filter=Q(day__gte=since)), total=Sum("count"))
    )
    for pk, kind, recent, total in rows:
        result[pk][kind] = ExposureCount(kind, recent or 0, total or 0)
    return result


def exposure_of_firms(
    firm_ids, *, today: date | None = None
) -> dict[int, dict[str, ExposureCount]]:
    """How often each firm was found: {firm id: {kind: ExposureCount}}. Show it only to
    the firm's own members (exposure_for_user)."""
    return _exposure_counts("firm_id", firm_ids, today)


def exposure_of_capabilities(
    capability_ids, *, today: date | None = None
) -> dict[int, dict[str, ExposureCount]]:
    """How often each capability was found: in matched-firms lists and on its own page.
    Digest items and views of the firm's profile page count for the firm as a whole
    (exposure_of_firms, which includes these)."""
    return _exposure_counts("capability_id", capability_ids, today)


def exposure_for_user(user, *, today: date | None = None) -> list[dict]:
    """For each firm the user is a member of (and no other):
    {"firm": ..., "counts": [ExposureCount per kind], "found": bool}. Two queries."""
    if user is None or not user.is_authenticated:
        return []
    firms = [
        membership.organization
        for membership in Membership.objects.filter(
            user=user, organization__kind=Organization.Kind.FIRM
        )
        .select_related("organization")
        .order_by("organization__name_en", "organization__name_ja", "organization_id")
    ]
    if not firms:
        return []
    counts = exposure_of_firms([firm.pk for firm in firms], today=today)
    return [
        {
            "firm": firm,
            "counts": list(counts[firm.pk].values()),
            "found": any(count.total for count in counts[firm.pk].values()),
        }
        for firm in firms
    ]
