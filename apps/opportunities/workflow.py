"""The two workflows of this app, each one status field and one declared table of
transitions. Only services consult them (STYLE.md rule 4)."""

from django.utils.translation import gettext as _

from apps.core.errors import TransitionNotAllowed
from apps.opportunities.models import Opportunity, Response

OS = Opportunity.Status
OPPORTUNITY_TRANSITIONS: dict[str, frozenset[str]] = {
    OS.DRAFT: frozenset({OS.PUBLISHED, OS.CANCELLED}),
    OS.PUBLISHED: frozenset({OS.CLOSED, OS.AWARDED, OS.CANCELLED}),
    OS.CLOSED: frozenset({OS.AWARDED, OS.CANCELLED, OS.PUBLISHED}),
    OS.AWARDED: frozenset(),
    OS.CANCELLED: frozenset(),
}

RS = Response.Status
RESPONSE_TRANSITIONS: dict[str, frozenset[str]] = {
    RS.RECEIVED: frozenset({RS.UNDER_REVIEW, RS.INVITED, RS.DECLINED, RS.SELECTED}),
    RS.UNDER_REVIEW: frozenset({RS.INVITED, RS.DECLINED, RS.SELECTED}),
    RS.INVITED: frozenset({RS.DECLINED, RS.SELECTED}),
    RS.SELECTED: frozenset({RS.PROTOTYPE_AWARDED}),
    RS.PROTOTYPE_AWARDED: frozenset({RS.FOLLOW_ON}),
    RS.DECLINED: frozenset(),
    RS.FOLLOW_ON: frozenset(),
}


def allowed_opportunity_transitions(status: str) -> frozenset[str]:
    return OPPORTUNITY_TRANSITIONS.get(status, frozenset())


def allowed_response_transitions(status: str) -> frozenset[str]:
    return RESPONSE_TRANSITIONS.get(status, frozenset())


def check_opportunity(opportunity: Opportunity, *, to: str) -> None:
    if to not in OS.values:
        raise TransitionNotAllowed(_("That change of status is not allowed."))
    if to not in allowed_opportunity_transitions(opportunity.status):
        raise TransitionNotAllowed(
            _("An opportunity cannot go from “%(from)s” to “%(to)s”.")
            % {"from": OS(opportunity.status).label, "to": OS(to).label}
        )


def check_response(response: Response, *, to: str) -> None:
    if to not in RS.values:
        raise TransitionNotAllowed(_("That change of status is not allowed."))
    if to not in allowed_response_transitions(response.status):
        raise TransitionNotAllowed(
            _("A response cannot go from “%(from)s” to “%(to)s”.")
            % {"from": RS(response.status).label, "to": RS(to).label}
        )
