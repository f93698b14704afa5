"""Restricted-party screening in the admin: the imported list entries and the possible
matches, read-only for all; reviewers clear a match on a small page of its own, with a
comment. Nothing here is deletable: matches are part of the export-control record.

`ScreeningMatchInline` is meant for the export-control request's admin page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import PortalError
from apps.core.text import NormalizingFormMixin
from apps.organizations.permissions import is_waiver_reviewer
from apps.waivers import screening
from apps.waivers.models import ScreeningListEntry, ScreeningMatch


class ReviewersMayViewMixin:
    """Reviewers see screening data without model permissions of their own; the others
    need the usual view permission (operators have it as superusers)."""

    def has_view_permission(self, request, obj=None):
        return is_waiver_reviewer(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReviewersMayViewMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_waiver_reviewer(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.display(description=_("state"))
def match_state(match: ScreeningMatch) -> str:
    if match.is_cleared:
        return gettext("Cleared")
    if match.lapsed_at is not None:
        return gettext("No longer found")
    return gettext("To clear")


class CurrentEntryFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Replaced, kept for matches"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(replaced_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(replaced_at__isnull=False)
        return queryset


@admin.register(ScreeningListEntry)
class ScreeningListEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "source", "list_name", "country", "source_reference", "imported_at"]
    list_filter = ["source", CurrentEntryFilter, "list_name"]
    search_fields = ["name", "alt_names", "source_reference"]
    fields = [
        "source",
        "list_name",
        "name",
        "alt_names",
        "country",
        "address",
        "programs",
        "source_reference",
        "normalized_name",
        "imported_at",
        "replaced_at",
    ]

    def get_search_results(self, request, queryset, search_term):
        """Also finds the normalised spelling: full-width, other case, without Co., Ltd."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalized = screening.normalize_name(search_term)
        if normalized:
            found |= queryset.filter(
                Q(normalized_name__contains=normalized) | Q(normalized_names__icontains=normalized)
            )
        return found, may_have_duplicates


class ScreeningMatchInline(ReviewersMayViewMixin, admin.TabularInline):
    """The request's possible matches, with a link to clear each one still open."""

    model = ScreeningMatch
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("possible restricted-party match")
    verbose_name_plural = _("possible restricted-party matches")
    fields = [
        "field",
        "screened_name",
        "matched_name",
        "source",
        "list_name",
        "score",
        "state",
        "cleared_by",
        "cleared_at",
        "clearing_comment",
        "clear_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("cleared_by")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not is_waiver_reviewer(request.user):
            fields.remove("clear_link")
        return fields

    @admin.display(description=_("state"))
    def state(self, match):
        return match_state(match)

    @admin.display(description=_("clear"))
    def clear_link(self, match):
        if not match.pk or not match.is_open:
            return ""
        url = reverse("admin:waivers_screeningmatch_clear", args=[match.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Clear…"))


class ClearMatchForm(NormalizingFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Why this is not the listed party"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=4000,
        help_text=_(
            "For example what distinguishes them: country, address, registration number. "
            "It goes into the request's record."
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


@admin.register(ScreeningMatch)
class ScreeningMatchAdmin(ReadOnlyModelAdmin):
    list_display = [
        "request",
        "field",
        "screened_name",
        "matched_name",
        "source",
        "score",
        match_state,
        "found_at",
    ]
    list_filter = ["source", "field", ("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["request"]
    search_fields = ["request__reference", "screened_name", "matched_name", "listed_name"]

    def get_urls(self):
        clear = path(
            "<int:match_id>/clear/",
            self.admin_site.admin_view(self.clear_view),
            name="waivers_screeningmatch_clear",
        )
        return [clear, *super().get_urls()]

    def clear_view(self, request, match_id):
        """A reviewer clears one possible match with a comment (screening.clear_match)."""
        if not is_waiver_reviewer(request.user):
            raise PermissionDenied
        match = get_object_or_404(
            ScreeningMatch.objects.select_related(
                "request", "request__firm", "entry", "cleared_by"
            ),
            pk=match_id,
        )
        form = ClearMatchForm(
            request.POST if request.method == "POST" else None,
            initial={"next": request.GET.get("next", "")},
        )
        if form.is_valid():
            try:
                screening.clear_match(
                    actor=request.user, match=match, comment=form.cleaned_data["comment"]
                )
            except PortalError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    gettext("The possible match with “%(name)s” is cleared.")
                    % {"name": match.matched_name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._back_url(request, match, form))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Clear a possible restricted-party match"),
            "opts": self.opts,
            "match": match,
            "entry": match.entry,
            "state": match_state(match),
            "form": form,
            "request_url": reverse("admin:waivers_waiverrequest_change", args=[match.request_id]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/waivers/screening/clear_match.html", context)

    def _back_url(self, request, match, form) -> str:
        wanted = form.cleaned_data.get("next") or ""
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse("admin:waivers_waiverrequest_change", args=[match.request_id])
