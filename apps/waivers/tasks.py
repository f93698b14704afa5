from datetime import date

from celery import shared_task


def _today(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(acks_late=True)
def expire_waivers(today: str | None = None) -> int:
    """Daily: approved requests past their expiry day (Asia/Tokyo) become expired.
    `today` (ISO date) fixes the clock, in a worker process too."""
    from apps.waivers import services

    return services.waivers_expire(today=_today(today))


@shared_task(acks_late=True)
def remind_reviewers(today: str | None = None) -> int:
    """Daily: the reviewers of requests nearing the service-level target get a reminder,
    once per request and target date."""
    from apps.waivers import services

    return services.reviewers_remind(today=_today(today))
