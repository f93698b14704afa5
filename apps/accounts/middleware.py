import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class UserPreferencesMiddleware:
    """Shows a signed-in user the portal in their saved language and time zone, wherever
    they sign in from. Anonymous visitors keep the language chosen by LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.preferred_language:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = user.preferred_language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


SESSION_STARTED_KEY = "_kakehashi_signed_in_at"
SESSION_SEEN_KEY = "_kakehashi_seen_at"
# The last-seen time is written at most this often, not on every request.
SEEN_RESOLUTION = 60


def session_timestamps_start(session) -> None:
    """Called at sign-in (apps.accounts.signals): both clocks start now."""
    now = int(time.time())
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """Signs a user out after settings.SESSION_IDLE_TIMEOUT seconds without a request
    (SESSION_IDLE_TIMEOUT_STAFF for staff) and SESSION_ABSOLUTE_TIMEOUT seconds after
    signing in, however active. The request then goes on as an anonymous one: public
    pages show, the others send the user to sign in and come back. Django's session
    settings give one or the other timeout, not both; the clocks live in the session, so
    every web process applies them alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request, user) -> None:
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED_KEY)
        seen = session.get(SESSION_SEEN_KEY)
        if not isinstance(started, int) or not isinstance(seen, int):
            session_timestamps_start(session)  # a session from before these clocks
            return
        idle_limit = (
            settings.SESSION_IDLE_TIMEOUT_STAFF if user.is_staff else settings.SESSION_IDLE_TIMEOUT
        )
        if now - started >= settings.SESSION_ABSOLUTE_TIMEOUT:
            self._sign_out(
                request,
                _("You were signed out because your session ended. Sign in again to continue."),
            )
        elif now - seen >= idle_limit:
            minutes = max(1, idle_limit // 60)
            self._sign_out(
                request,
                ngettext(
                    "You were signed out after %(minutes)d minute without activity. "
                    "Sign in again to continue.",
                    "You were signed out after %(minutes)d minutes without activity. "
                    "Sign in again to continue.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN_KEY] = now

    @staticmethod
    def _sign_out(request, message) -> None:
        logout(request)
        messages.info(request, message)
