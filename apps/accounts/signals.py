from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.accounts.middleware import session_timestamps_start


@receiver(user_logged_in, dispatch_uid="accounts_session_clocks")
def start_session_clocks(sender, request, user, **kwargs):
    """The idle and absolute session timeouts count from here (SessionTimeoutMiddleware)."""
    if request is not None and hasattr(request, "session"):
        session_timestamps_start(request.session)
