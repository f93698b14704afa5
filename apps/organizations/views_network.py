"""An intermediary's partner network: the list of partner firms, adding one, importing
many from a CSV file through a preview, and the page an invited firm lands on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.core.text import normalize_text
from apps.organizations import partner_csv, permissions, selectors, services
from apps.organizations.forms import PartnerForm, PartnerImportForm
from apps.organizations.models import Organization, PartnerImport, Partnership
from apps.organizations.views import _language

PARTNERS_PER_PAGE = 25
SEARCH_MAX_LENGTH = 200


def _network(user, pk) -> Organization:
    intermediary = get_object_or_404(Organization, pk=pk)
    if not permissions.can_manage_network(user, intermediary):
        raise PermissionDenied
    return intermediary


@login_required
def partner_list(request, pk):
    intermediary = _network(request.user, pk)
    if request.method == "POST":
        form = PartnerForm(request.POST)
        if form.is_valid():
            try:
                partnership = services.partner_add(
                    intermediary=intermediary,
                    actor=request.user,
                    language=_language(),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if partnership.is_on_portal:
                    text = _(
                        "%(name)s is on the portal already: it is now in your network, and "
                        "%(email)s was told."
                    )
                else:
                    text = _("%(name)s is in your network; an invitation was sent to %(email)s.")
                messages.success(
                    request, text % {"name": partnership.name, "email": partnership.email}
                )
                return redirect("organizations:partners", pk=intermediary.pk)
    else:
        form = PartnerForm()
    query = normalize_text(request.GET.get("q", ""))[:SEARCH_MAX_LENGTH]
    partners = selectors.partners_of(intermediary)
    if query:
        partners = selectors.search_partners(partners, query)
    page = Paginator(partners.order_by("name", "pk"), PARTNERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/network/partners.html",
        {
            "intermediary": intermediary,
            "form": form,
            "page": page,
            "partners": page.object_list,
            "query": query,
            "pagination_query": urlencode({"q": query}) if query else "",
            "counts": selectors.network_counts(intermediary),
        },
    )


@login_required
@require_POST
def partner_remove(request, pk):
    partnership = get_object_or_404(Partnership.objects.select_related("intermediary"), pk=pk)
    if not permissions.can_manage_network(request.user, partnership.intermediary):
        raise PermissionDenied
    services.partner_remove(partnership=partnership, actor=request.user)
    messages.success(
        request, _("%(name)s is no longer in your network.") % {"name": partnership.name}
    )
    return redirect("organizations:partners", pk=partnership.intermediary_id)


@login_required
@require_POST
def partner_leave(request, pk):
    partnership = get_object_or_404(
        Partnership.objects.select_related("intermediary", "firm"), pk=pk
    )
    if partnership.firm is None or not permissions.can_manage(request.user, partnership.firm):
        raise PermissionDenied
    services.partner_leave(partnership=partnership, actor=request.user)
    messages.success(
        request,
        _("%(firm)s has left the partner network of %(intermediary)s.")
        % {"firm": partnership.firm.name, "intermediary": partnership.intermediary.name},
    )
    return redirect(partnership.firm)


@login_required
def partner_import(request, pk):
    intermediary = _network(request.user, pk)
    errors: list[str] = []
    form = PartnerImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        partner_import_, errors = services.partner_import_upload(
            intermediary=intermediary,
            actor=request.user,
            filename=upload.name,
            data=upload.read(),
        )
        if partner_import_ is not None:
            return redirect("organizations:partner_import_preview", pk=partner_import_.pk)
    return render(
        request,
        "organizations/network/import.html",
        {"intermediary": intermediary, "form": form, "file_errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_GET
def partner_import_template(request, pk):
    _network(request.user, pk)
    response = HttpResponse(partner_csv.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="partners.csv"'
    return response


@login_required
def partner_import_preview(request, pk):
    partner_import_ = get_object_or_404(PartnerImport.objects.select_related("intermediary"), pk=pk)
    intermediary = partner_import_.intermediary
    if not permissions.can_manage_network(request.user, intermediary):
        raise PermissionDenied
    if request.method == "POST":
        try:
            added = services.partner_import_confirm(
                partner_import=partner_import_, actor=request.user, language=_language()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d firm was added to your network and told by e-mail.",
                    "%(count)d firms were added to your network and told by e-mail.",
                    added,
                )
                % {"count": added},
            )
            return redirect("organizations:partners", pk=intermediary.pk)
        return redirect(request.path)
    rows = selectors.partner_import_preview(partner_import_)
    tally = {action: 0 for action in selectors.PartnerAction}
    for row in rows:
        tally[row["action"]] += 1
    importable = tally[selectors.PartnerAction.INVITE] + tally[selectors.PartnerAction.LINK]
    return render(
        request,
        "organizations/network/import_preview.html",
        {
            "intermediary": intermediary,
            "partner_import": partner_import_,
            "rows": rows,
            "tally": tally,
            "importable": importable,
        },
    )


@login_required
@require_GET
def partner_invitation(request, token):
    """Where an invited firm lands from the e-mail: its firm's registration, filled in
    with what the intermediary told, or its dashboard if the firm is on the portal."""
    partnership = get_object_or_404(Partnership.objects.select_related("intermediary"), token=token)
    partnership = services.partner_accept_invitation(partnership=partnership)
    if partnership.firm_id is None:
        return redirect(f"{reverse('organizations:onboarding')}?partner={partnership.token}")
    if permissions.is_member(request.user, partnership.firm):
        messages.success(
            request,
            _("%(firm)s is in the partner network of %(intermediary)s.")
            % {"firm": partnership.firm.name, "intermediary": partnership.intermediary.name},
        )
        return redirect("organizations:dashboard")
    # The firm was registered by someone else: the onboarding page offers to join it.
    messages.info(
        request,
        _("%(firm)s is already registered on the portal. Ask its owners to add you.")
        % {"firm": partnership.firm.name},
    )
    return redirect("organizations:onboarding")
