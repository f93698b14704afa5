from django.contrib import admin

from apps.opportunities.models import (
    Amendment,
    Attachment,
    Opportunity,
    OpportunityEvent,
    Question,
    Response,
    ResponseEvent,
    Target,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["title", "file", "is_controlled", "uploaded_by", "created_at"]
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["created_at", "actor", "reason", "changes"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OpportunityEvent
    fields = ["created_at", "actor", "from_status", "to_status"]
    readonly_fields = fields


class TargetInline(ReadOnlyInline):
    model = Target
    fields = ["firm", "area", "targeted_by", "targeted_by_organization", "created_at"]
    readonly_fields = fields


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Agencies write through the portal (amendments, search index, notifications);
    operators read here."""

    list_display = [
        "reference_number",
        "__str__",
        "organization",
        "status",
        "vehicle",
        "response_deadline",
        "published_at",
    ]
    list_filter = [
        "status",
        "vehicle",
        "foreign_participation",
        "export_authorization_required",
        "areas",
    ]
    search_fields = ["reference_number", "title_en", "title_ja", "organization__name_en"]
    list_select_related = ["organization"]
    date_hierarchy = "response_deadline"
    inlines = [EventInline, AttachmentInline, AmendmentInline, TargetInline]

    def get_readonly_fields(self, request, obj=None):
        hidden = ("search_vector", "area_vector")
        return [f.name for f in Opportunity._meta.fields if f.name not in hidden] + ["areas"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResponseEventInline(ReadOnlyInline):
    model = ResponseEvent
    fields = ["created_at", "actor", "from_status", "to_status", "message"]
    readonly_fields = fields


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "opportunity",
        "kind",
        "status",
        "is_proprietary",
        "submitted_at",
    ]
    list_filter = ["status", "kind", "is_proprietary"]
    search_fields = [
        "organization__name_en",
        "organization__name_ja",
        "opportunity__reference_number",
    ]
    list_select_related = ["organization", "opportunity"]
    inlines = [ResponseEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Response._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opportunity", "organization", "is_public", "answered_at"]
    list_filter = ["is_public"]
    search_fields = ["text", "answer", "opportunity__reference_number"]
    list_select_related = ["opportunity", "organization"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Question._meta.fields]

    def has_add_permission(self, request):
        return False
