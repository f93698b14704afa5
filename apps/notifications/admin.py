from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryItem, SavedSearch, Subscription


class DeliveryItemInline(admin.TabularInline):
    model = DeliveryItem
    extra = 0
    can_delete = False
    fields = ["opportunity", "section", "reasons"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every digest and alert, its status and errors."""

    list_display = ["recipient", "kind", "period", "status", "attempts", "sent_at", "created_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["recipient__email", "period", "message_id"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    inlines = [DeliveryItemInline]
    actions = ["resend"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend selected failed deliveries"))
    def resend(self, request, queryset):
        done = 0
        for delivery in queryset:
            before = delivery.status
            delivery = services.delivery_resend(delivery=delivery, actor=request.user)
            done += before != delivery.status
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "include_followed_deadlines", "updated_at"]
    list_filter = ["frequency"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    filter_horizontal = ["areas"]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "notify", "created_at"]
    list_filter = ["notify"]
    search_fields = ["name", "user__email", "query"]
    list_select_related = ["user"]
