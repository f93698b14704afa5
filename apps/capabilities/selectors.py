from django.db.models import Prefetch, Q, QuerySet

from apps.capabilities import permissions
from apps.capabilities.models import Capability, CapabilityRevision
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


def capabilities_visible_to(user, *, sees_agency_only: bool | None = None) -> QuerySet[Capability]:
    """Rows the directory shows this viewer: published public ones to everyone; published
    agency-only ones to verified agency/intermediary/regulator staff; everything of the
    viewer's own firms, drafts included. `sees_agency_only` spares a query when the
    caller already knows it."""
    published = Q(status=Capability.Status.PUBLISHED)
    visible = published & Q(visibility=Capability.Visibility.PUBLIC)
    if sees_agency_only is None:
        sees_agency_only = permissions.sees_agency_only(user)
    if sees_agency_only:
        visible = published
    if user is not None and user.is_authenticated:
        # Read first (a short list, empty for agency staff): an OR with a subquery would
        # keep the database from reading the newest rows straight from an index.
        own_firms = list(
            Membership.objects.filter(
                user=user, organization__kind=Organization.Kind.FIRM
            ).values_list("organization_id", flat=True)
        )
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
