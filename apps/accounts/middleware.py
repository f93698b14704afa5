import zoneinfo

from django.utils import timezone, translation


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
