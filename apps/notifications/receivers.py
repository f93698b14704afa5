"""Immediate alerts, from events other apps send after their transactions commit."""

from django.dispatch import receiver

from apps.capabilities.models import Capability
from apps.notifications import services
from apps.notifications.models import Subscription
from apps.opportunities import signals
from apps.opportunities.models import Follow, Opportunity, Response, ResponseEvent, Target
from apps.organizations.models import Membership
from apps.taxonomy.selectors import area_with_descendants_ids
from apps.waivers import signals as waiver_signals


def _members_of_firms(firm_ids) -> list[int]:
    return list(
        Membership.objects.filter(organization_id__in=firm_ids).values_list("user_id", flat=True)
    )


@receiver(signals.opportunity_targeted, dispatch_uid="notifications.targeted")
def alert_targeted(sender, opportunity_id, target_id, **kwargs):
    target = (
        Target.objects.select_related("area", "targeted_by_organization")
        .filter(pk=target_id)
        .first()
    )
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
        payload=_targeted_payload(opportunity_id, target),
    )


def _targeted_payload(opportunity_id: int, target: Target) -> dict:
    return {
        "opportunity_id": opportunity_id,
        "reason": "targeted",
        # Who brought it and why, in both languages: the e-mail picks the reader's.
        "by_en": target.targeted_by_organization.name_en,
        "by_ja": target.targeted_by_organization.name_ja,
        "note_en": target.note_en,
        "note_ja": target.note_ja,
    }


@receiver(signals.opportunity_targeted_at_network, dispatch_uid="notifications.network")
def alert_targeted_network(sender, opportunity_id, target_ids, **kwargs):
    """One alert for the members of every partner firm a network targeting reached (the
    rows share their note)."""
    targets = list(
        Target.objects.select_related("targeted_by_organization").filter(pk__in=target_ids)
    )
    if not targets:
        return
    services.alerts_create(
        user_ids=_members_of_firms([t.firm_id for t in targets]),
        event=f"targeted-network:{min(t.pk for t in targets)}",
        payload=_targeted_payload(opportunity_id, targets[0]),
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


# --- Export-control requests -------------------------------------------------------


def _english(label) -> str:
    """The English text of a lazy label: the message id the e-mail translates into the
    recipient's language when it is rendered."""
    from django.utils import translation

    with translation.override("en"):
        return str(label)


@receiver(waiver_signals.waiver_status_changed, dispatch_uid="notifications.waiver")
def notice_waiver_status(sender, request_id, event_id, firm_id, reference, **kwargs):
    """Every member of the firm hears of each state change of its request, exactly once
    per change (the notice is unique per recipient and audit event)."""
    from django.urls import reverse

    from apps.waivers import workflow
    from apps.waivers.models import WaiverRequest

    action = kwargs.get("action", "")
    to_status = kwargs.get("to_status", "")
    status_labels = dict(WaiverRequest.Status.choices)
    services.notices_create(
        user_ids=_members_of_firms([firm_id]),
        event=f"waiver:{event_id}",
        payload={
            "reason": "waiver",
            "reference": reference,
            "action": action,
            "action_label": _english(workflow.ACTION_LABELS.get(action, "")),
            "status": to_status,
            "status_label": _english(status_labels.get(to_status, to_status)),
            "comment": kwargs.get("comment", "")
            if action in workflow.FIRM_VISIBLE_COMMENTS
            else "",
            "path": reverse("waivers:detail", args=[request_id]),
        },
    )


@receiver(waiver_signals.waiver_reminder_due, dispatch_uid="notifications.waiver_reminder")
def notice_waiver_reminder(sender, request_id, reference, user_ids, target_date, **kwargs):
    """Reviewers hear once per request and target date that the target is near."""
    from django.urls import reverse

    services.notices_create(
        user_ids=user_ids,
        event=f"waiver-reminder:{request_id}:{target_date}",
        payload={
            "reason": "waiver_reminder",
            "reference": reference,
            "target_date": target_date,
            "days_left": kwargs.get("days_left"),
            "path": reverse("admin:waivers_waiverrequest_change", args=[request_id]),
        },
    )
