from django.conf import settings
from django.core.checks import Error, register


@register()
def celery_visibility_timeout_exceeds_time_limit(app_configs, **kwargs):
    """Redis re-delivers an unacknowledged task after the visibility timeout; a task still
    running then would run twice. The timeout must outlast the longest task."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if timeout <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT.",
                hint=f"visibility timeout {timeout}s, task time limit "
                f"{settings.CELERY_TASK_TIME_LIMIT}s",
                id="core.E001",
            )
        ]
    return []


@register()
def stale_sending_exceeds_task_time_limit(app_configs, **kwargs):
    """A delivery left "sending" is retried after NOTIFICATIONS_STALE_SENDING; a task
    still running then would send twice."""
    stale = getattr(settings, "NOTIFICATIONS_STALE_SENDING", 600)
    if stale <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                "NOTIFICATIONS_STALE_SENDING must be longer than CELERY_TASK_TIME_LIMIT.",
                hint=f"stale after {stale}s, task time limit {settings.CELERY_TASK_TIME_LIMIT}s",
                id="core.E002",
            )
        ]
    return []
