from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.refusals import log_refusal
from apps.organizations import permissions, selectors, services
from apps.organizations.forms import (
    FirmDetailsForm,
    FirmPitchForm,
    FirmRegistrationForm,
    InvitationForm,
    JoinRequestForm,
    MembershipForm,
    OrganizationForm,
    OrganizationUpdateForm,
)
from apps.organizations.models import Invitation, JoinRequest, Membership, Organization


def _language() -> str:
    return "ja" if (get_language() or "").startswith("ja") else "en"


@login_required
def dashboard(request):
    memberships = list(selectors.memberships_for(request.user))
    suggested_firm = selectors.firm_for_email(request.user.email)
    if suggested_firm and any(m.organization_id == suggested_firm.pk for m in memberships):
        suggested_firm = None
    pending_request = suggested_firm is not None and selectors.has_pending_join_request(
        request.user, suggested_firm
    )
    return render(
        request,
        "organizations/dashboard.html",
        {
            "memberships": memberships,
            "invitations": selectors.open_invitations_for(request.user),
            "join_requests": selectors.pending_join_requests_for_owner(request.user),
            "suggested_firm": suggested_firm,
            "pending_request": pending_request,
            "join_form": JoinRequestForm(),
        },
    )


@login_required
def organization_create(request):
    suggested_firm = selectors.firm_for_email(request.user.email)
    if request.method == "POST":
        form = OrganizationForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            kind = data.pop("kind")
            try:
                organization = services.organization_register(actor=request.user, kind=kind, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if organization.needs_verification:
                    messages.info(
                        request,
                        _(
                            "%(name)s is registered and awaits verification by the portal's "
                            "operators. Until then its members have the public's access only."
                        )
                        % {"name": organization.name},
                    )
                else:
                    messages.success(
                        request, _("%(name)s is registered.") % {"name": organization.name}
                    )
                return redirect(organization)
    else:
        kind = request.GET.get("kind")
        initial = {"kind": kind if kind in Organization.Kind.values else Organization.Kind.FIRM}
        domain = request.user.email_domain
        if suggested_firm is None and not _is_free(domain):
            initial["email_domain"] = domain
        form = OrganizationForm(initial=initial)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "suggested_firm": suggested_firm},
    )


def _is_free(domain: str) -> bool:
    from apps.organizations.freemail import is_free_mail_domain

    return is_free_mail_domain(domain)


@login_required
def organization_detail(request, pk):
    organization = get_object_or_404(selectors.organizations_with_profile(), pk=pk)
    if not permissions.can_view_organization(request.user, organization):
        raise PermissionDenied
    can_manage = permissions.can_manage(request.user, organization)
    context = {
        "organization": organization,
        "members": selectors.members_of(organization),
        "can_manage": can_manage,
        "can_manage_network": permissions.can_manage_network(request.user, organization),
        "contact": selectors.firm_contact_for(request.user, organization),
    }
    if can_manage:
        context.update(
            invitations=selectors.open_invitations_of(organization),
            join_requests=selectors.pending_join_requests_of(organization),
            invite_form=InvitationForm(),
            networks=selectors.networks_of_firm(organization),
        )
    return render(request, "organizations/organization_detail.html", context)


@login_required
def organization_update(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not permissions.can_manage(request.user, organization):
        raise PermissionDenied
    if request.method == "POST":
        form = OrganizationUpdateForm(request.POST, instance=Organization.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.organization_update(
                    organization=organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The organization's details were saved."))
                return redirect(organization)
    else:
        form = OrganizationUpdateForm(instance=organization)
    return render(
        request,
        "organizations/organization_update.html",
        {"form": form, "organization": organization},
    )


@login_required
def invitation_create(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not permissions.can_manage(request.user, organization):
        raise PermissionDenied
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organization=organization,
                actor=request.user,
                language=_language(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect(organization)
    return render(
        request,
        "organizations/invitation_form.html",
        {"organization": organization, "form": form},
    )


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=pk)
    if not permissions.can_manage(request.user, invitation.organization):
        raise PermissionDenied
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("The invitation was withdrawn."))
    return redirect(invitation.organization)


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), token=token)
    error = None
    if not invitation.is_open:
        error = _("This invitation has expired or was already used.")
    elif invitation.email.lower() != request.user.email.lower():
        error = _(
            "This invitation was sent to %(email)s. Sign in with that address to accept it."
        ) % {"email": invitation.email}
    if request.method == "POST" and error is None:
        services.invitation_accept(invitation=invitation, user=request.user)
        messages.success(
            request, _("You joined %(name)s.") % {"name": invitation.organization.name}
        )
        return redirect(invitation.organization)
    refused = error is not None and request.method == "POST"
    if refused:
        log_refusal(request)
    return render(
        request,
        "organizations/invitation_accept.html",
        {"invitation": invitation, "error": error},
        status=403 if refused else 200,
    )


@login_required
@require_POST
def membership_update(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=pk)
    if not permissions.can_manage(request.user, membership.organization):
        raise PermissionDenied
    form = MembershipForm(request.POST, instance=membership)
    if form.is_valid():
        try:
            services.membership_update(
                membership=membership,
                actor=request.user,
                role=form.cleaned_data["role"],
                is_export_control_officer=form.cleaned_data["is_export_control_officer"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The member's role was updated."))
    else:
        messages.error(
            request,
            _("The role could not be changed: %(errors)s") % {"errors": form.errors.as_text()},
        )
    return redirect(membership.organization)


@login_required
@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=pk)
    if membership.user_id != request.user.pk and not permissions.can_manage(
        request.user, membership.organization
    ):
        raise PermissionDenied
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(membership.organization)
    if membership.user_id == request.user.pk:
        messages.success(request, _("You left %(name)s.") % {"name": membership.organization.name})
        return redirect("organizations:dashboard")
    messages.success(request, _("%(user)s was removed.") % {"user": membership.user})
    return redirect(membership.organization)


@login_required
@require_POST
def join_request_create(request, pk):
    organization = get_object_or_404(Organization, pk=pk, kind=Organization.Kind.FIRM)
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.join_request_create(
                user=request.user, organization=organization, message=form.cleaned_data["message"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _("Your request to join %(name)s was sent to its owners.")
                % {"name": organization.name},
            )
    return redirect("organizations:dashboard")


@login_required
@require_POST
def join_request_decide(request, pk):
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("organization", "user"), pk=pk
    )
    if not permissions.can_manage(request.user, join_request.organization):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        services.join_request_decide(join_request=join_request, actor=request.user, approve=approve)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if approve:
            messages.success(request, _("%(user)s joined.") % {"user": join_request.user})
        else:
            messages.info(request, _("The request was declined."))
    next_url = request.POST.get("next", "")
    # A path on this site only; redirect() would take any other word for a view's name.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = join_request.organization.get_absolute_url()
    return HttpResponseRedirect(next_url)


# Firm onboarding: three steps after sign-up. Step 1 registers the firm (or offers to join
# the firm at the user's e-mail domain); steps 2 and 3 fill in its profile through the
# same service as the edit page, so that each step is saved on its own and "Skip for now"
# loses nothing already entered.


def _onboarding_done_url() -> str:
    return reverse(getattr(settings, "FIRM_ONBOARDING_DONE_URL", "organizations:dashboard"))


def _firm_managed_by(user, pk) -> Organization:
    organization = get_object_or_404(Organization, pk=pk, kind=Organization.Kind.FIRM)
    if not permissions.can_manage(user, organization):
        raise PermissionDenied
    return organization


def _partner_initial(partner, user) -> dict:
    """What an intermediary's invitation tells of the firm: its name (in the field of its
    script), its Corporate Number, and the invitee's e-mail domain when the user signed up
    with an address there (a firm declares only its owner's own domain)."""
    is_japanese = any(
        "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in partner.name
    )
    initial = {
        "corporate_number": partner.corporate_number,
        "name_ja" if is_japanese else "name_en": partner.name,
    }
    domain = partner.email.rsplit("@", 1)[-1].lower()
    if domain == user.email_domain and not _is_free(domain):
        initial["email_domain"] = domain
    return initial


@login_required
def onboarding(request):
    user = request.user
    suggested_firm = selectors.firm_for_email(user.email)
    if suggested_firm is not None and permissions.is_member(user, suggested_firm):
        suggested_firm = None
    owned_firms = list(selectors.firms_owned_by(user))
    partner = selectors.open_partner_invitation(request.GET.get("partner", ""))
    if request.method == "POST":
        form = FirmRegistrationForm(request.POST)
        if form.is_valid():
            try:
                organization = services.organization_register(
                    actor=user,
                    kind=Organization.Kind.FIRM,
                    country="JP",
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("%(name)s is registered.") % {"name": organization.name}
                )
                return redirect("organizations:onboarding_details", pk=organization.pk)
    else:
        initial = {}
        if suggested_firm is None and not _is_free(user.email_domain):
            initial["email_domain"] = user.email_domain
        if partner is not None:
            initial.update(_partner_initial(partner, user))
        form = FirmRegistrationForm(initial=initial)
    # Joining the colleague's firm, or continuing one's own, comes first; registering
    # another firm stays one click away.
    show_form = (
        request.method == "POST"
        or "register" in request.GET
        or (suggested_firm is None and not owned_firms)
        or partner is not None
    )
    return render(
        request,
        "organizations/onboarding_firm.html",
        {
            "step": 1,
            "form": form,
            "show_form": show_form,
            "suggested_firm": suggested_firm,
            "pending_request": suggested_firm is not None
            and selectors.has_pending_join_request(user, suggested_firm),
            "join_form": JoinRequestForm(),
            "owned_firms": owned_firms,
            "partner": partner,
        },
    )


@login_required
def onboarding_details(request, pk):
    organization = _firm_managed_by(request.user, pk)
    form = FirmDetailsForm(
        request.POST if request.method == "POST" else None, instance=Organization.objects.get(pk=pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("organizations:onboarding_pitch", pk=organization.pk)
    return render(
        request,
        "organizations/onboarding_details.html",
        {"step": 2, "form": form, "organization": organization},
    )


@login_required
def onboarding_pitch(request, pk):
    organization = _firm_managed_by(request.user, pk)
    form = FirmPitchForm(
        request.POST if request.method == "POST" else None, instance=Organization.objects.get(pk=pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The profile of %(name)s is saved.") % {"name": organization.name},
            )
            return redirect(_onboarding_done_url())
    return render(
        request,
        "organizations/onboarding_pitch.html",
        {"step": 3, "form": form, "organization": organization, "done_url": _onboarding_done_url()},
    )
