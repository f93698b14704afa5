"""Subscriptions, digests and alerts, delivered exactly once per recipient and period.

How a delivery is made (every step idempotent):
1. A Delivery row is created per recipient and period (unique) — the outbox — and a task
   is enqueued after commit.
2. The task claims the row (pending → sending, row-locked), records its items (unique per
   recipient, opportunity and period), renders and sends the e-mail with a Message-ID
   derived from the row, and marks it sent. Nothing new → marked empty, nothing sent.
3. An SMTP failure puts the row back to pending with an exponential backoff in
   `next_attempt_at`; a periodic sweep re-dispatches due rows (never a long countdown),
   and after MAX_ATTEMPTS the row is marked failed, for the admin's "resend".
4. A worker that dies while sending leaves the row in "sending"; the sweep returns it to
   pending after STALE_SENDING seconds.
The one window no design closes: the SMTP server accepted the message and the worker
died before step 2 marked the row sent. The row is sent again after STALE_SENDING; the
two copies carry the same Message-ID, so mail clients that de-duplicate show one.
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.capabilities.models import Capability
from apps.notifications import periods
from apps.notifications.models import Delivery, DeliveryItem, SavedSearch, Subscription
from apps.opportunities.filters import filtered_opportunities
from apps.opportunities.models import Amendment, Follow, Opportunity
from apps.opportunities.selectors import opportunities_public
from apps.organizations.models import Membership
from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import area_with_descendants_ids

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def _stale_sending() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATIONS_STALE_SENDING", 600))


def _first_sweep() -> datetime:
    """A new row's task is already queued: the sweep leaves it alone this long, so that a
    long digest run is not re-queued every minute while its first tasks drain."""
    return timezone.now() + _stale_sending()


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes… (never beyond the broker's visibility timeout: the sweep,
    not a countdown, waits)."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


# --- Subscriptions ------------------------------------------------------------------


def subscription_for(user: User) -> Subscription:
    """A new firm member's default: a weekly digest matched to their firm's capabilities."""
    return Subscription.objects.get_or_create(user=user)[0]


@transaction.atomic
def subscription_update(
    *, user: User, frequency: str, areas, include_followed_deadlines: bool
) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_for(user).pk)
    subscription.frequency = frequency
    subscription.include_followed_deadlines = include_followed_deadlines
    subscription.full_clean()
    subscription.save()
    subscription.areas.set(areas)
    return subscription


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


@transaction.atomic
def unsubscribe(*, user: User) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_for(user).pk)
    subscription.frequency = Subscription.Frequency.NEVER
    subscription.save(update_fields=["frequency", "updated_at"])
    SavedSearch.objects.filter(user=user).update(notify=False)
    return subscription


@transaction.atomic
def saved_search_create(*, user: User, name: str, query: str) -> SavedSearch:
    query = QueryDict(query).urlencode()  # normalised: the same filters, the same row
    search, _ = SavedSearch.objects.update_or_create(
        user=user, query=query, defaults={"name": name[:120] or query[:120], "notify": True}
    )
    return search


def saved_search_delete(*, search: SavedSearch, user: User) -> None:
    if search.user_id == user.pk:
        search.delete()


# --- Enqueueing digests ---------------------------------------------------------------


def _recipients(frequency: str):
    """(user id, time zone) of active, verified users with this digest frequency."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=OuterRef("user"), verified=True)
    return (
        Subscription.objects.filter(frequency=frequency, user__is_active=True)
        .filter(Exists(verified))
        .values_list("user_id", "user__time_zone")
        .order_by("user_id")
    )


def digests_enqueue(
    *, frequency: str, as_of: datetime, dry_run: bool = False, progress=None, batch: int = 1000
) -> int:
    """Creates the pending delivery of every recipient whose local 08:00 of this period has
    passed and who has none yet, and enqueues one task per delivery after commit.
    Returns how many were created (or would be, with dry_run)."""
    from apps.notifications import tasks

    recipients = list(_recipients(frequency))
    created_total = 0
    for start in range(0, len(recipients), batch):
        chunk = recipients[start : start + batch]
        due = {}
        for user_id, zone in chunk:
            local = periods.local_now(as_of, zone)
            if periods.is_due(frequency, local):
                due[user_id] = periods.period_key(frequency, local)
        existing = set(
            Delivery.objects.filter(recipient_id__in=due, period__in=set(due.values())).values_list(
                "recipient_id", "period"
            )
        )
        new = [(uid, key) for uid, key in due.items() if (uid, key) not in existing]
        if dry_run:
            created_total += len(new)
        else:
            with transaction.atomic():
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            recipient_id=uid,
                            kind=Delivery.Kind.DIGEST,
                            period=key,
                            as_of=as_of,
                            payload={"frequency": frequency},
                            next_attempt_at=_first_sweep(),
                        )
                        for uid, key in new
                    ],
                    ignore_conflicts=True,
                    batch_size=500,
                )
                ids = list(
                    Delivery.objects.filter(
                        status=Delivery.Status.PENDING,
                        recipient_id__in=[uid for uid, _ in new],
                        period__in={key for _, key in new},
                        as_of=as_of,
                    ).values_list("pk", flat=True)
                )
                for delivery_id in ids:
                    tasks.send_delivery.delay_on_commit(delivery_id=delivery_id)
            created_total += len(ids)
        if progress:
            progress(min(start + batch, len(recipients)), len(recipients), created_total)
    return created_total


def deliveries_redispatch(*, now: datetime | None = None) -> int:
    from apps.notifications import tasks

    now = now or timezone.now()
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, sending_started_at__lt=now - _stale_sending()
    )
    stale.update(status=Delivery.Status.PENDING, next_attempt_at=now)
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    for delivery_id in due:
        tasks.send_delivery.delay(delivery_id=delivery_id)
    return len(due)


@transaction.atomic
def delivery_resend(*, delivery: Delivery, actor: User) -> Delivery:
    """Operators put a failed delivery back in the queue (admin action)."""
    from apps.notifications import tasks

    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in (Delivery.Status.FAILED, Delivery.Status.CANCELLED):
        return delivery
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.last_error = f"Resent by {actor.email}"
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    tasks.send_delivery.delay_on_commit(delivery_id=delivery.pk)
    return delivery


# --- Alerts -------------------------------------------------------------------------


def alerts_create(*, user_ids, event: str, payload: dict, as_of: datetime | None = None) -> int:
    """One immediate alert per recipient and event (unique), for everyone who has not
    chosen "never"."""
    from apps.notifications import tasks

    as_of = as_of or timezone.now()
    opted_out = set(
        Subscription.objects.filter(
            user_id__in=user_ids, frequency=Subscription.Frequency.NEVER
        ).values_list("user_id", flat=True)
    )
    recipients = [uid for uid in set(user_ids) if uid not in opted_out]
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    recipient_id=uid,
                    kind=Delivery.Kind.ALERT,
                    period=f"alert:{event}",
                    as_of=as_of,
                    payload=payload,
                    next_attempt_at=_first_sweep(),
                )
                for uid in recipients
            ],
            ignore_conflicts=True,
        )
        ids = list(
            Delivery.objects.filter(
                period=f"alert:{event}", recipient_id__in=recipients, status=Delivery.Status.PENDING
            ).values_list("pk", flat=True)
        )
        for delivery_id in ids:
            tasks.send_delivery.delay_on_commit(delivery_id=delivery_id)
    return len(ids)


# --- Sending ------------------------------------------------------------------------


def _claim(delivery_id: int) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.sending_started_at = timezone.now()
        delivery.attempts += 1
        delivery.save(update_fields=["status", "sending_started_at", "attempts"])
        return delivery


def delivery_send(*, delivery_id: int, connection=None) -> str:
    """Sends one delivery at most once; returns the resulting status."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    try:
        with transaction.atomic():
            items = _record_items(delivery)
        if not items:
            Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.EMPTY)
            return Delivery.Status.EMPTY
        message = _compose(delivery, items)
        message.connection = connection or get_connection()
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        failed = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + _backoff(delivery.attempts),
            last_error=f"{error.__class__.__name__}: {error}"[:2000],
        )
        logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
        return Delivery.Status.FAILED if failed else Delivery.Status.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        message_id=message.extra_headers["Message-ID"],
    )
    return Delivery.Status.SENT


def _previous_digest_as_of(delivery: Delivery) -> datetime | None:
    return (
        Delivery.objects.filter(
            recipient_id=delivery.recipient_id,
            kind=Delivery.Kind.DIGEST,
            status__in=[Delivery.Status.SENT, Delivery.Status.EMPTY],
            as_of__lt=delivery.as_of,
        )
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )


def recipient_area_ids(user: User, subscription: Subscription) -> set[int]:
    chosen = list(subscription.areas.all())
    if chosen:
        return area_with_descendants_ids(chosen)
    firm_areas = TechnologyArea.objects.filter(
        capabilities__organization__memberships__user=user,
        capabilities__status=Capability.Status.PUBLISHED,
    ).distinct()
    return area_with_descendants_ids(list(firm_areas))


def _record_items(delivery: Delivery) -> list[DeliveryItem]:
    """Decides what the delivery says and records it (unique per recipient, opportunity
    and period). Re-running after a crash finds the same rows."""
    existing = list(delivery.items.select_related("opportunity", "opportunity__organization"))
    if existing:
        return existing
    user = delivery.recipient
    if delivery.kind == Delivery.Kind.ALERT:
        opportunity = (
            opportunities_public().filter(pk=delivery.payload.get("opportunity_id")).first()
        )
        if opportunity is None:
            return []
        return [
            DeliveryItem.objects.create(
                delivery=delivery,
                recipient=user,
                opportunity=opportunity,
                period=delivery.period,
                section=delivery.payload.get("reason", "alert"),
                reasons=[delivery.payload.get("text", "")],
            )
        ]
    subscription = subscription_for(user)
    # A first digest catches up on the last week, whatever the frequency.
    since = _previous_digest_as_of(delivery) or delivery.as_of - periods.default_window("weekly")
    Delivery.objects.filter(pk=delivery.pk).update(since=since)
    as_of = delivery.as_of
    amended = Amendment.objects.filter(
        opportunity=OuterRef("pk"), created_at__gt=since, created_at__lte=as_of
    )
    fresh = opportunities_public().filter(
        Q(published_at__gt=since, published_at__lte=as_of) | Exists(amended),
        status=Opportunity.Status.PUBLISHED,
        response_deadline__gt=as_of,
    )
    reasons: dict[int, list[str]] = {}
    area_ids = recipient_area_ids(user, subscription)
    if area_ids:
        tagged = Opportunity.areas.through.objects.filter(technologyarea_id__in=area_ids)
        matched = list(fresh.filter(pk__in=tagged.values("opportunity_id")))
        explained = _match_reasons(user, [o.pk for o in matched])
        with translation.override(user.preferred_language or "en"):
            for opportunity in matched:
                if opportunity.pk in explained:
                    reasons.setdefault(opportunity.pk, []).append(
                        explained[opportunity.pk].render()
                    )
                else:
                    names = [a.name for a in opportunity.areas.all() if a.pk in area_ids]
                    reasons.setdefault(opportunity.pk, []).append(", ".join(names))
    for search in SavedSearch.objects.filter(user=user, notify=True):
        _filters, results = filtered_opportunities(QueryDict(search.query), fresh)
        for pk in results.values_list("pk", flat=True):
            reasons.setdefault(pk, []).append(f"“{search.name}”")
    items = []
    for opportunity in fresh.filter(pk__in=reasons).order_by("response_deadline", "pk"):
        items.append(
            DeliveryItem(
                delivery=delivery,
                recipient=user,
                opportunity=opportunity,
                period=delivery.period,
                section="new",
                reasons=reasons[opportunity.pk],
            )
        )
    if subscription.include_followed_deadlines:
        followed = Follow.objects.filter(user=user).values("opportunity_id")
        soon = (
            opportunities_public()
            .filter(
                pk__in=followed,
                status=Opportunity.Status.PUBLISHED,
                response_deadline__gt=as_of,
                response_deadline__lte=as_of + timedelta(days=7),
            )
            .exclude(pk__in=reasons)
        )
        items += [
            DeliveryItem(
                delivery=delivery,
                recipient=user,
                opportunity=opportunity,
                period=delivery.period,
                section="deadline",
            )
            for opportunity in soon.order_by("response_deadline", "pk")
        ]
    DeliveryItem.objects.bulk_create(items, ignore_conflicts=True)
    return list(delivery.items.select_related("opportunity", "opportunity__organization"))


def _match_reasons(user: User, opportunity_ids: list[int]) -> dict:
    """The best match of the user's firms' capabilities for each opportunity (the
    reasons shown in the digest), in a fixed number of queries."""
    from apps.matching.selectors import matches_for_firms

    firm_ids = list(
        Membership.objects.filter(user=user, organization__kind="firm").values_list(
            "organization_id", flat=True
        )
    )
    if not firm_ids or not opportunity_ids:
        return {}
    best: dict = {}
    for (_firm_id, opportunity_id), match in matches_for_firms(firm_ids, opportunity_ids).items():
        if opportunity_id not in best or match.score > best[opportunity_id].score:
            best[opportunity_id] = match
    return best


def _compose(delivery: Delivery, items: list[DeliveryItem]) -> EmailMultiAlternatives:
    user = delivery.recipient
    site = settings.SITE_URL.rstrip("/")
    token = unsubscribe_token(user)
    unsubscribe_url = site + reverse("notifications:unsubscribe", args=[token])
    domain = site.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "kakehashi"
    message_id = f"<delivery-{delivery.pk}.{delivery.period.replace(':', '-')}@{domain}>"
    context = {
        "user": user,
        "delivery": delivery,
        "new_items": [i for i in items if i.section != "deadline"],
        "deadline_items": [i for i in items if i.section == "deadline"],
        "site_url": site,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": site + reverse("notifications:settings"),
    }
    prefix = (
        "notifications/email/digest"
        if delivery.kind == Delivery.Kind.DIGEST
        else "notifications/email/alert"
    )
    with (
        translation.override(user.preferred_language or "en"),
        timezone.override(periods.local_now(delivery.as_of, user.time_zone).tzinfo),
    ):
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        text = render_to_string(f"{prefix}.txt", context)
        html = render_to_string(f"{prefix}.html", context)
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=text,
        to=[user.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def firm_member_ids(firm_id: int) -> list[int]:
    return list(
        Membership.objects.filter(organization_id=firm_id).values_list("user_id", flat=True)
    )
