from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.capabilities import services
from apps.capabilities.models import Capability, CapabilityRevision


class RevisionInline(admin.TabularInline):
    model = CapabilityRevision
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "action", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "organization",
        "trl",
        "is_dual_use",
        "export_control_status",
        "visibility",
        "status",
        "published_at",
    ]
    list_filter = ["status", "visibility", "export_control_status", "is_dual_use", "trl", "areas"]
    search_fields = [
        "title_en",
        "title_ja",
        "summary_en",
        "summary_ja",
        "keywords",
        "organization__name_en",
        "organization__name_ja",
        "organization__corporate_number",
    ]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
    inlines = [RevisionInline]
    actions = ["withdraw_selected"]

    # Firms write their capabilities through the portal's forms (which record the edit
    # history and refresh the search index); operators read here and can withdraw one.
    def get_readonly_fields(self, request, obj=None):
        hidden = ("search_vector", "area_vector")
        return [f.name for f in Capability._meta.fields if f.name not in hidden] + ["areas"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Withdraw selected capabilities from the directory"))
    def withdraw_selected(self, request, queryset):
        done = 0
        for capability in queryset:
            try:
                services.capability_unpublish(capability=capability, actor=request.user)
                done += 1
            except PermissionDenied as error:
                self.message_user(request, f"{capability}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d capability withdrawn.", "%(count)d capabilities withdrawn.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )
