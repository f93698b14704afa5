from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.notifications import services
from apps.notifications.forms import SavedSearchForm, SubscriptionForm
from apps.notifications.models import SavedSearch


@login_required
def notification_settings(request):
    subscription = services.subscription_for(request.user)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None, instance=subscription
    )
    if request.method == "POST" and form.is_valid():
        services.subscription_update(
            user=request.user,
            frequency=form.cleaned_data["frequency"],
            areas=form.cleaned_data["areas"],
            include_followed_deadlines=form.cleaned_data["include_followed_deadlines"],
            track_links=form.cleaned_data["track_links"],
        )
        messages.success(request, _("Your e-mail settings were saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "saved_searches": request.user.saved_searches.all()},
    )


@login_required
@require_POST
def saved_search_create(request):
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        services.saved_search_create(
            user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
        )
        messages.success(request, _("Search saved: you will get its new results by e-mail."))
        return redirect("notifications:settings")
    if "query" in form.errors:
        messages.error(request, form.errors["query"][0])
        return redirect("opportunities:list")
    messages.error(request, _("Give the search a name to save it."))
    return redirect(f"/opportunities/?{form.data.get('query', '')}")


@login_required
@require_POST
def saved_search_delete(request, pk):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    services.saved_search_delete(search=search, user=request.user)
    messages.info(request, _("The saved search was deleted."))
    return redirect("notifications:settings")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows a confirmation page (link scanners must not unsubscribe anyone); POST,
    from that page or a mail client's one-click button, unsubscribes. No login needed:
    the signed token names the user."""
    user = services.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.unsubscribe(user=user)
        return render(request, "notifications/unsubscribed.html", {"email": user.email})
    return render(request, "notifications/unsubscribe.html", {"email": user.email, "token": token})


@require_http_methods(["GET", "HEAD"])
def open_link(request, token):
    """The per-recipient link to an opportunity in an e-mail: count the opening (when the
    recipient allows it) and redirect to the opportunity. No login needed; a forged or
    damaged link still leads to the opportunity list, never to an error."""
    opened = services.link_open(token=token, count=request.method == "GET")
    if opened is None:
        return redirect("opportunities:list")
    return redirect("opportunities:detail", pk=opened)
