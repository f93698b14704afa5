"""Export-control requests in the admin: visible to reviewers and operators; nothing
deletable (records are kept at least five years); the audit trail read-only for all."""

from django.contrib import admin

from apps.waivers.models import WaiverDocument, WaiverEvent, WaiverRequest


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = WaiverEvent
    fields = ["created_at", "actor", "kind", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = WaiverDocument
    fields = ["uploaded_at", "kind", "original_name", "replaces", "uploaded_by"]
    readonly_fields = fields


@admin.register(WaiverRequest)
class WaiverRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "firm",
        "status",
        "classification",
        "receiving_agency",
        "assigned_reviewer",
        "submitted_at",
    ]
    list_filter = ["status", "classification", "authorization_kind"]
    search_fields = ["reference", "firm__name_en", "firm__name_ja", "firm__corporate_number"]
    list_select_related = ["firm", "receiving_agency", "assigned_reviewer"]
    inlines = [DocumentInline, EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WaiverEvent)
class WaiverEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "request", "kind", "action", "from_status", "to_status", "actor"]
    list_filter = ["kind", "action"]
    list_select_related = ["request", "actor"]
    search_fields = ["request__reference"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
