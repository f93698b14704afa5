"""Who may do what with opportunities, responses and questions."""

from apps.opportunities.models import Opportunity, Response
from apps.organizations import permissions as org_permissions
from apps.organizations.models import Membership, Organization


def verified_agencies_of(user) -> list[Organization]:
    if user is None or not user.is_authenticated:
        return []
    return [
        m.organization
        for m in Membership.objects.filter(
            user=user,
            organization__kind=Organization.Kind.AGENCY,
            organization__verification_status=Organization.Verification.VERIFIED,
        ).select_related("organization")
    ]


def firms_of(user) -> list[Organization]:
    if user is None or not user.is_authenticated:
        return []
    return [
        m.organization
        for m in Membership.objects.filter(
            user=user, organization__kind=Organization.Kind.FIRM
        ).select_related("organization")
    ]


def can_post(user, agency: Organization) -> bool:
    """Members of a verified agency post its opportunities."""
    return (
        agency.kind == Organization.Kind.AGENCY
        and agency.verification_status == Organization.Verification.VERIFIED
        and org_permissions.is_member(user, agency)
    )


def can_manage(user, opportunity: Opportunity) -> bool:
    return can_post(user, opportunity.organization)


def can_target(user, opportunity: Opportunity) -> bool:
    """The owning agency's staff, and verified intermediaries, target published ones."""
    if can_manage(user, opportunity):
        return True
    return opportunity.status == Opportunity.Status.PUBLISHED and (
        org_permissions.is_verified_intermediary_staff(user)
    )


def can_target_on_behalf_of(user, opportunity: Opportunity, organization: Organization) -> bool:
    """The owning agency's staff for the agency; a verified intermediary's staff for the
    intermediary, on a published opportunity. Never in the name of another organization."""
    if organization.pk == opportunity.organization_id:
        return can_manage(user, opportunity)
    return (
        organization.kind == Organization.Kind.INTERMEDIARY
        and organization.verification_status == Organization.Verification.VERIFIED
        and opportunity.status == Opportunity.Status.PUBLISHED
        and org_permissions.is_member(user, organization)
    )


def can_respond(user, opportunity: Opportunity, firm: Organization) -> bool:
    return (
        firm.kind == Organization.Kind.FIRM
        and org_permissions.is_member(user, firm)
        and opportunity.is_open_for_responses
    )


def can_view_response(user, response: Response) -> bool:
    """Only the responding firm's members and the owning agency's staff."""
    return org_permissions.is_member(user, response.organization) or can_manage(
        user, response.opportunity
    )
