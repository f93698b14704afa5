from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from apps.core import health
from apps.core.admin_site import user_has_mfa
from apps.core.refusals import log_refusal


def home(request):
    return render(request, "core/home.html")


def terms(request):
    return _legal_page(request, "terms", _("Terms of use"))


def privacy(request):
    return _legal_page(request, "privacy", _("Privacy policy"))


def _legal_page(request, name, title):
    language = (get_language() or "en")[:2]
    body = select_template([f"core/legal/{name}_{language}.html", f"core/legal/{name}_en.html"])
    return render(
        request,
        "core/legal/page.html",
        {"title": title, "body_template": body.template.name, "version": settings.TERMS_VERSION},
    )


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /accounts/", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: 200 when every configured dependency answers, 503 naming
    what is down otherwise. Reveals no versions or hosts."""
    checks = {"database": health.check_database()}
    if settings.REDIS_URL:
        checks["redis"] = health.check_redis()
    down = sorted(name for name, problem in checks.items() if problem)
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: ("ok" if not problem else "down") for name, problem in checks.items()},
    }
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


def admin_login(request, extra_context=None):
    """The admin's login goes through allauth (rate limits, MFA); staff without an
    authenticator app are sent to set one up before they may use the admin."""
    user = request.user
    if (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and settings.ADMIN_REQUIRE_MFA
        and not user_has_mfa(user)
    ):
        messages.warning(
            request,
            _("The admin requires two-factor authentication. Set up an authenticator app first."),
        )
        return redirect("mfa_activate_totp")
    return secure_admin_login(admin.site.login)(request, extra_context)


def permission_denied(request, exception=None):
    """Every PermissionDenied ends here: it is logged (apps.core.refusals), then the page."""
    log_refusal(request)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    return render(request, "500.html", status=500)
