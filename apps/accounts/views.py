from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from apps.accounts import services
from apps.accounts.forms import ProfileForm


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            user = services.user_update_profile(user=request.user, **form.cleaned_data)
            translation.activate(user.preferred_language)
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, user.preferred_language)
            return response
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", {"form": form})


@csrf_protect
def _set_language_signed_in(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if translation.check_for_language(language):
        services.user_set_language(user=request.user, language=language)
    return response


@csrf_exempt
@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice on a signed-in user.

    A signed-in user's choice changes their account, so it needs the CSRF token as any
    other change. An anonymous visitor's only sets the language cookie, which another
    site could do no harm by setting: the switch on public pages then carries no token,
    and those pages can be shared by the page cache (apps.core.pagecache)."""
    if request.user.is_authenticated:
        return _set_language_signed_in(request)
    return django_set_language(request)


def _set_language_cookie(response, language):
    from django.conf import settings

    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def mfa_required(request, *, what: str):
    """Shown instead of a controlled document to someone without an authenticator app:
    it says why and sends them to set one up, then back here."""
    from django.urls import reverse

    return render(
        request,
        "accounts/mfa_required.html",
        {
            "what": what,
            "setup_url": reverse("mfa_activate_totp"),
            "retry_url": request.get_full_path(),
        },
        status=403,
    )
