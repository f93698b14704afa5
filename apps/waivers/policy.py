"""The export-control gate (DESIGN.md): a response's controlled attachment reaches the
agency only while an approved, unexpired request whose conditions are acknowledged covers
the firm, the receiving agency and that opportunity or response. Registered with
apps.opportunities.access, which the view serving the file consults."""

from apps.opportunities import permissions as opportunity_permissions
from apps.waivers import services


def agency_may_open_response_attachment(user, response) -> bool:
    opportunity = response.opportunity
    return opportunity_permissions.can_manage(user, opportunity) and (
        services.waiver_in_effect_exists(
            firm_id=response.organization_id,
            agency_id=opportunity.organization_id,
            opportunity_id=opportunity.pk,
            response_id=response.pk,
        )
    )
