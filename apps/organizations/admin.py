from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.organizations import services
from apps.organizations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    Partnership,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_export_control_officer", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "verification_status",
        "country",
        "prefecture",
        "corporate_number",
        "created_at",
    ]
    list_filter = ["kind", "verification_status", "country", "prefecture"]
    search_fields = ["name_en", "name_ja", "name_kana", "corporate_number", "uei", "email_domain"]
    # A website typed without its scheme is taken as https, as on the firm's own form.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "verification_status",
        "verified_at",
        "verified_by",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipInline]
    autocomplete_fields = ["primary_contact"]
    actions = ["verify_selected", "reject_selected"]
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("kind", "name_en", "name_ja", "name_kana")}),
        (
            _("Location"),
            {"fields": ("country", "postal_code", "prefecture", "city", "address", "time_zone")},
        ),
        (
            _("Identifiers"),
            {"fields": ("corporate_number", "uei", "cage_code", "website", "email_domain")},
        ),
        (
            _("Profile"),
            {
                "fields": (
                    "employees_band",
                    "founded_year",
                    "pitch_en",
                    "pitch_ja",
                    "primary_contact",
                )
            },
        ),
        (
            _("Verification"),
            {
                "fields": (
                    "verification_status",
                    "verified_at",
                    "verified_by",
                    "verification_note",
                )
            },
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.action(description=_("Verify selected organizations"))
    def verify_selected(self, request, queryset):
        done = 0
        for organization in queryset:
            try:
                services.organization_verify(organization=organization, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{organization}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d organization verified.", "%(count)d organizations verified.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject selected organizations"))
    def reject_selected(self, request, queryset):
        done = 0
        for organization in queryset:
            try:
                services.organization_reject(
                    organization=organization,
                    actor=request.user,
                    note=str(_("Rejected by the portal's operators.")),
                )
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{organization}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d organization rejected.", "%(count)d organizations rejected.", done
                )
                % {"count": done},
                messages.WARNING,
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_export_control_officer", "created_at"]
    list_filter = ["role", "is_export_control_officer", "organization__kind"]
    search_fields = [
        "user__email",
        "user__display_name",
        "organization__name_en",
        "organization__name_ja",
    ]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "invited_by",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role", "organization__kind"]
    search_fields = ["email", "organization__name_en", "organization__name_ja"]
    readonly_fields = ["token", "sent_at", "accepted_at", "accepted_by", "created_at"]
    autocomplete_fields = ["organization", "invited_by"]
    list_select_related = ["organization", "invited_by"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "status", "decided_by", "decided_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "organization__name_en", "organization__name_ja"]
    readonly_fields = ["decided_by", "decided_at", "created_at"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization", "decided_by"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    """Intermediaries keep their networks on the site; operators look here when asked."""

    list_display = ["name", "corporate_number", "intermediary", "firm", "sent_at", "joined_at"]
    list_filter = ["intermediary"]
    search_fields = ["name", "email", "corporate_number"]
    readonly_fields = ["token", "sent_at", "joined_at", "created_at", "updated_at"]
    autocomplete_fields = ["intermediary", "firm", "invited_by"]
    list_select_related = ["intermediary", "firm"]
