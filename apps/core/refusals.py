"""Failed authorization attempts, logged in one place.

Every refused request (status 403) leaves one warning on the `apps.core.access` logger:
the project's handler403 (apps.core.views.permission_denied) writes it for every
PermissionDenied raised by a view, the admin or a service a view calls, and the few views
that answer 403 with a page of their own call `log_refusal` before rendering it. The
record names the user (or an anonymous visitor), the method, the path and the URL
pattern; never the query string, the body, the cookies, nor a token or key the path
carries (it is masked)."""

import logging

logger = logging.getLogger("apps.core.access")

# URL kwargs that are secrets in themselves: invitation and unsubscribe tokens, allauth's
# e-mail confirmation and password-reset keys.
SECRET_KWARGS = frozenset({"token", "key", "uidb36"})
MASK = "[masked]"


def loggable_path(request) -> str:
    """The request's path with any secret URL argument masked."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_KWARGS and value:
                path = path.replace(str(value), MASK)
    return path


def log_refusal(request) -> None:
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None else ""
    path = loggable_path(request)
    logger.warning(
        "Refused %s %s (%s) to %s",
        request.method,
        path,
        view or "no URL pattern",
        f"user {user_id}" if user_id is not None else "an anonymous visitor",
        extra={"user_id": user_id, "method": request.method, "path": path, "view": view},
    )
