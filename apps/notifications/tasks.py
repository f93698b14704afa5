"""Celery tasks. Each takes ids and an explicit `as_of`, re-fetches, and does nothing when
the work is gone or already done (the unique rows make a second run harmless)."""

from celery import shared_task
from django.utils.dateparse import parse_datetime


def _as_of(value):
    from django.utils import timezone

    return parse_datetime(value) if value else timezone.now()


@shared_task(acks_late=True)
def enqueue_due_digests(as_of: str | None = None) -> int:
    from apps.notifications import services

    as_of_dt = _as_of(as_of)
    return sum(
        services.digests_enqueue(frequency=frequency, as_of=as_of_dt)
        for frequency in ("daily", "weekly")
    )


@shared_task(acks_late=True)
def send_delivery(delivery_id: int) -> str:
    from apps.notifications import services

    return services.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True)
def send_deliveries(delivery_ids: list[int]) -> dict:
    """A block of deliveries (services.BLOCK_SIZE at most) over one SMTP connection."""
    from apps.notifications import services

    outcome = services.deliveries_send(delivery_ids=delivery_ids)
    return {status: list(outcome.values()).count(status) for status in set(outcome.values())}


@shared_task(acks_late=True)
def redispatch_deliveries(as_of: str | None = None) -> int:
    """The outbox sweep: re-enqueues pending deliveries that are due (their task was lost,
    or an SMTP failure scheduled a retry) and sendings abandoned by a dead worker."""
    from apps.notifications import services

    return services.deliveries_redispatch(now=_as_of(as_of))
