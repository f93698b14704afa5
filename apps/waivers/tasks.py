from celery import shared_task


@shared_task(acks_late=True)
def expire_waivers() -> int:
    """Daily: approved requests past their expiry day (Asia/Tokyo) become expired."""
    from apps.waivers import services

    return services.waivers_expire()
