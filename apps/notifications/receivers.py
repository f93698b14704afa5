"""Immediate alerts, from events other apps send after their transactions commit."""

from django.dispatch import receiver

from apps.capabilities.models import Capability
from apps.notifications import services
from apps.notifications.models import Subscription
from apps.opportunities import signals
from apps.opportunities.models import Follow, Opportunity, Response, ResponseEvent, Target
from apps.organizations.models import Membership
from apps.taxonomy.selectors import area_with_descendants_ids


def _members_of_firms(firm_ids) -> list[int]:
    return list(
        Membership.objects.filter(organization_id__in=firm_ids).values_list("user_id", flat=True)
    )


@receiver(signals.opportunity_targeted, dispatch_uid="notifications.targeted")
def alert_targeted(sender, opportunity_id, target_id, **kwargs):
    target = Target.objects.select_related("area").filter(pk=target_id).first()
    if target is None:
        return
    if target.firm_id:
        firm_ids = [target.firm_id]
    else:
        area_ids = area_with_descendants_ids(target.area)
        firm_ids = Capability.objects.filter(
            status=Capability.Status.PUBLISHED, areas__in=area_ids
        ).values_list("organization_id", flat=True)
    services.alerts_create(
        user_ids=_members_of_firms(firm_ids),
        event=f"targeted:{target_id}",
        payload={"opportunity_id": opportunity_id, "reason": "targeted"},
    )


@receiver(signals.opportunity_amended, dispatch_uid="notifications.amended")
def alert_amended(sender, opportunity_id, amendment_id, **kwargs):
    followers = Follow.objects.filter(opportunity_id=opportunity_id).values_list(
        "user_id", flat=True
    )
    services.alerts_create(
        user_ids=list(followers),
        event=f"amended:{amendment_id}",
        payload={
            "opportunity_id": opportunity_id,
            "reason": "amended",
            "amendment_id": amendment_id,
        },
    )


@receiver(signals.response_status_changed, dispatch_uid="notifications.response")
def alert_response_status(sender, response_id, event_id, **kwargs):
    response = Response.objects.filter(pk=response_id).first()
    event = ResponseEvent.objects.filter(pk=event_id).first()
    if response is None or event is None:
        return
    services.alerts_create(
        user_ids=_members_of_firms([response.organization_id]),
        event=f"response:{event_id}",
        payload={
            "opportunity_id": response.opportunity_id,
            "reason": "response",
            "response_id": response_id,
            "status": event.to_status,
            "message": event.message,
        },
    )


@receiver(signals.opportunity_published, dispatch_uid="notifications.published")
def alert_published_to_immediate_subscribers(sender, opportunity_id, **kwargs):
    """Users who chose "immediately" hear of a new opportunity in their areas at once."""
    opportunity = Opportunity.objects.filter(pk=opportunity_id).first()
    if opportunity is None:
        return
    opportunity_areas = set(opportunity.areas.values_list("pk", flat=True))
    recipients = []
    for subscription in Subscription.objects.filter(
        frequency=Subscription.Frequency.IMMEDIATE, user__is_active=True
    ).select_related("user"):
        if opportunity_areas & services.recipient_area_ids(subscription.user, subscription):
            recipients.append(subscription.user_id)
    services.alerts_create(
        user_ids=recipients,
        event=f"published:{opportunity_id}",
        payload={"opportunity_id": opportunity_id, "reason": "published"},
    )
