"""Export-control requests in the admin: the reviewers' queue and their workflow.

Visible to reviewers and operators. Nothing in a request is editable through the admin
form and nothing is deletable (records are kept at least five years); the audit trail is
read-only for all, superusers included. Reviewers change a request only through the
action views below, each of which calls services.waiver_transition (or
services.declare_no_conflict) and shows the service's refusal on the form."""

from functools import update_wrapper
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import PortalError
from apps.core.text import normalize_digits, normalize_text
from apps.organizations import permissions as org_permissions
from apps.waivers import admin_forms, exports, selectors, services, workflow
from apps.waivers.admin_screening import ScreeningMatchInline
from apps.waivers.models import WaiverDocument, WaiverEvent, WaiverRequest, tokyo_today

S = WaiverRequest.Status


def is_reviewer(request) -> bool:
    """organizations.permissions.is_waiver_reviewer, asked once per HTTP request."""
    if not hasattr(request, "_waiver_reviewer"):
        request._waiver_reviewer = org_permissions.is_waiver_reviewer(request.user)
    return request._waiver_reviewer


def status_label(value: str) -> str:
    return S(value).label if value in S.values else value


def target_text(days_until_target: int | None):
    """How far the service-level target is, as the queue shows it."""
    if days_until_target is None:
        return None
    if days_until_target < 0:
        late = -days_until_target
        return format_html(
            '<span class="waiver-overdue">{}</span>',
            ngettext("Overdue by %(days)d day", "Overdue by %(days)d days", late) % {"days": late},
        )
    if days_until_target == 0:
        return format_html('<span class="waiver-due-soon">{}</span>', gettext("Due today"))
    text = ngettext("In %(days)d day", "In %(days)d days", days_until_target) % {
        "days": days_until_target
    }
    if days_until_target <= settings.WAIVER_REMINDER_DAYS:
        return format_html('<span class="waiver-due-soon">{}</span>', text)
    return text


def change_text(value) -> str:
    """A changed field's record: "old → new" for an edit, the value otherwise."""
    if isinstance(value, list) and len(value) == 2:
        old, new = ("—" if part in (None, "") else part for part in value)
        return f"{old} → {new}"
    return "—" if value in (None, "") else str(value)


# --- Inlines ---------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = WaiverEvent
    verbose_name_plural = _("history (audit trail)")
    fields = [
        "created_at",
        "actor_display",
        "kind",
        "action_display",
        "from_display",
        "to_display",
        "comment",
        "changed_fields_display",
    ]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("actor"))
    def actor_display(self, event):
        return event.actor.email if event.actor_id else gettext("system")

    @admin.display(description=_("action"))
    def action_display(self, event):
        return workflow.ACTION_LABELS.get(event.action, event.action)

    @admin.display(description=_("from"))
    def from_display(self, event):
        return status_label(event.from_status)

    @admin.display(description=_("to"))
    def to_display(self, event):
        return status_label(event.to_status)

    @admin.display(description=_("changed fields"))
    def changed_fields_display(self, event):
        changes = event.changed_fields
        if not changes:
            return ""
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · <code>{}</code>: {}</li>",
                (
                    (field_label(name), name, change_text(value))
                    for name, value in sorted(changes.items())
                ),
            ),
        )


def field_label(name: str) -> str:
    """A changed field's name in the reader's language (the raw name stays beside it for
    auditors who compare with the CSV)."""
    try:
        return str(WaiverRequest._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


class DocumentInline(ReadOnlyInline):
    """Every document, earlier versions included, with which replaced which. The link goes
    to the download view, which checks permission and records the download."""

    model = WaiverDocument
    fields = ["document", "kind", "uploaded_at", "uploaded_by", "version"]
    readonly_fields = fields
    ordering = ["uploaded_at", "pk"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("uploaded_by", "replaces", "replaced_by")
        )

    def get_formset(self, request, obj=None, **kwargs):
        self.may_download = is_reviewer(request)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("file name"))
    def document(self, document):
        if not getattr(self, "may_download", False):
            return document.original_name
        return format_html(
            '<a href="{}">{}</a>',
            reverse("waivers:document", args=[document.pk]),
            document.original_name,
        )

    @admin.display(description=_("version"))
    def version(self, document):
        notes = []
        if document.replaces_id:
            notes.append(gettext("Replaces “%(name)s”") % {"name": document.replaces.original_name})
        if document.is_current:
            notes.append(gettext("Current"))
        else:
            notes.append(
                gettext("Replaced by “%(name)s”") % {"name": document.replaced_by.original_name}
            )
        return "; ".join(notes)


# --- List filters ----------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("service-level target")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Overdue")),
            (
                "soon",
                ngettext(
                    "Due within %(days)d day",
                    "Due within %(days)d days",
                    settings.WAIVER_REMINDER_DAYS,
                )
                % {"days": settings.WAIVER_REMINDER_DAYS},
            ),
            ("no", _("Not overdue")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_overdue=True)
        if self.value() == "soon":
            return queryset.filter(
                days_until_target__gte=0, days_until_target__lte=settings.WAIVER_REMINDER_DAYS
            )
        if self.value() == "no":
            return queryset.filter(is_overdue=False)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assigned reviewer")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        choices = [("me", _("Assigned to me")), ("none", _("Unassigned"))]
        choices += [(str(user.pk), str(user)) for user in selectors.reviewers()]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assigned_reviewer=request.user)
        if value == "none":
            return queryset.filter(assigned_reviewer__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assigned_reviewer_id=int(value))
        return queryset


# --- The requests ----------------------------------------------------------------------


@admin.register(WaiverRequest)
class WaiverRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "firm_column",
        "status",
        "classification",
        "receiving_agency",
        "assigned_reviewer",
        "age_column",
        "target_column",
    ]
    list_display_links = ["reference"]
    list_filter = [
        "status",
        AssigneeFilter,
        OverdueFilter,
        "classification",
        ("receiving_agency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "reference",
        "firm__name_en",
        "firm__name_ja",
        "firm__name_kana",
        "firm__corporate_number",
    ]
    search_help_text = _("Search by reference, firm name or Corporate Number.")
    list_select_related = selectors.QUEUE_RELATED
    list_per_page = 50
    inlines = [DocumentInline, ScreeningMatchInline, EventInline]
    actions = ["export_audit_csv"]
    change_form_template = "admin/waivers/waiverrequest/change_form.html"
    fieldsets = (
        (
            None,
            {"fields": ("reference", "status", "firm", "capability", "opportunity", "response")},
        ),
        (
            _("Receiving party"),
            {
                "fields": (
                    "receiving_agency",
                    "consignee",
                    "end_user",
                    "end_use",
                    "destination_country",
                )
            },
        ),
        (
            _("Technology and classification"),
            {
                "fields": (
                    "technology",
                    "classification",
                    "control_list_item",
                    "not_listed_reasoning",
                    "us_classification",
                    "authorization_kind",
                    "validity_months",
                )
            },
        ),
        (
            _("Review"),
            {
                "fields": (
                    "assigned_reviewer",
                    "submitted_at",
                    "service_level",
                    "version",
                )
            },
        ),
        (
            _("Decision"),
            {
                "fields": (
                    "approved_by",
                    "confirmed_by",
                    "decided_at",
                    "permit_number",
                    "permit_date",
                    "expires_on",
                    "conditions",
                    "conditions_acknowledged_at",
                    "conditions_acknowledged_by",
                    "decision_reasons",
                )
            },
        ),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ["admin/waivers/queue.css"]}

    # Permissions: viewing only; every change goes through the action views.

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return is_reviewer(request) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["service_level"]

    # The queue

    def get_queryset(self, request):
        # Never-submitted drafts are the firm's working copies, not the authority's.
        return selectors.with_queue_figures(
            super().get_queryset(request).exclude(submitted_at=None)
        )

    def get_ordering(self, request):
        return [F("days_until_target").asc(nulls_last=True), "-created_at"]

    def get_search_results(self, request, queryset, search_term):
        """Searches NFKC-normalised terms (full-width digits and letters match), and a
        Corporate Number typed with spaces or hyphens too."""
        term = normalize_text(search_term)
        results, may_have_duplicates = super().get_search_results(request, queryset, term)
        digits = normalize_digits(term)
        if digits.isdigit() and digits != term:
            results |= queryset.filter(firm__corporate_number__contains=digits)
        return results, may_have_duplicates

    @admin.display(description=_("firm"), ordering="firm__name_en")
    def firm_column(self, waiver):
        if waiver.firm.corporate_number:
            return format_html(
                '{}<br><span class="waiver-corporate-number">{}</span>',
                waiver.firm.name,
                waiver.firm.corporate_number,
            )
        return waiver.firm.name

    @admin.display(description=_("days waiting"), ordering=F("days_waiting").desc(nulls_last=True))
    def age_column(self, waiver):
        if waiver.days_waiting is None:
            return None
        return ngettext("%(days)d day", "%(days)d days", waiver.days_waiting) % {
            "days": waiver.days_waiting
        }

    @admin.display(
        description=_("service-level target"),
        ordering=F("days_until_target").asc(nulls_last=True),
    )
    def target_column(self, waiver):
        return target_text(waiver.days_until_target)

    @admin.display(description=_("service-level target"))
    def service_level(self, waiver):
        target = selectors.target_date(waiver)
        if target is None:
            return gettext("Not running: the authority does not hold this request.")
        return format_html(
            "{} ({})",
            date_format(target, "DATE_FORMAT"),
            target_text(getattr(waiver, "days_until_target", None)) or "",
        )

    @admin.action(description=_("Export audit trail (CSV)"), permissions=["view"])
    def export_audit_csv(self, request, queryset):
        return exports.audit_csv_response(
            queryset, filename=f"export-control-audit-trail-{tokyo_today():%Y%m%d}.csv"
        )

    # The change page and the reviewers' views

    def get_urls(self):
        def wrap(view):
            def wrapper(*args, **kwargs):
                return self.admin_site.admin_view(view)(*args, **kwargs)

            wrapper.model_admin = self
            return update_wrapper(wrapper, view)

        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/act/<slug:action>/",
                wrap(self.transition_view),
                name=f"{prefix}_transition",
            ),
            path(
                "<path:object_id>/declare-no-conflict/",
                wrap(self.declare_view),
                name=f"{prefix}_declare",
            ),
            path(
                "<path:object_id>/letter/",
                wrap(self.letter_view),
                name=f"{prefix}_letter",
            ),
            path(
                "<path:object_id>/audit-trail.csv",
                wrap(self.audit_csv_view),
                name=f"{prefix}_audit_csv",
            ),
            *super().get_urls(),
        ]

    def _url(self, name, waiver, *args):
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}",
            args=[waiver.pk, *args],
        )

    def _waiver_or_404(self, request, object_id) -> WaiverRequest:
        waiver = self.get_object(request, unquote(object_id))
        if waiver is None:
            raise Http404(gettext("No such export-control request."))
        if not self.has_view_permission(request, waiver):
            raise PermissionDenied
        return waiver

    def _available_actions(self, request, waiver) -> list[str]:
        if not is_reviewer(request):
            return []
        actions = workflow.actions_from(waiver.status, workflow.REVIEWER)
        if waiver.approved_by_id == request.user.pk:
            actions = [action for action in actions if action != "confirm"]
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        waiver = self.get_object(request, unquote(object_id))
        if waiver is not None and self.has_view_permission(request, waiver):
            extra_context["review"] = self._review_context(request, waiver)
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, waiver) -> dict:
        reviewer = is_reviewer(request)
        actions = self._available_actions(request, waiver)
        return {
            "is_reviewer": reviewer,
            "declared": reviewer and services.has_declared_no_conflict(request.user, waiver),
            "declare_url": self._url("declare", waiver),
            "actions": [
                {
                    "name": action,
                    "label": workflow.ACTION_LABELS[action],
                    "url": self._url("transition", waiver, action),
                }
                for action in actions
            ],
            "awaits_other_reviewer": (
                waiver.status == S.AWAITING_CONFIRMATION
                and waiver.approved_by_id == request.user.pk
            ),
            "letter_url": self._url("letter", waiver) if selectors.has_letter(waiver) else "",
            "audit_csv_url": self._url("audit_csv", waiver),
            "target_date": selectors.target_date(waiver),
            "target_text": target_text(waiver.days_until_target),
            "days_waiting": waiver.days_waiting,
        }

    def _admin_context(self, request, waiver, **context) -> dict:
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": waiver,
            "has_view_permission": True,
            "change_url": self._url("change", waiver),
            "media": self.media,
            **context,
        }

    def transition_view(self, request, object_id, action):
        """A reviewer fires `action` with its form; the service's refusal (a stale version,
        a missing detail, a wrong status) is shown on the form with what was typed."""
        waiver = self._waiver_or_404(request, object_id)
        if action not in admin_forms.REVIEWER_ACTIONS:
            raise Http404(gettext("No such action."))
        if not is_reviewer(request):
            raise PermissionDenied
        change_url = self._url("change", waiver)
        if not services.has_declared_no_conflict(request.user, waiver):
            messages.warning(
                request,
                gettext(
                    "Declare that you have no conflict of interest with this firm before you "
                    "act on its request."
                ),
            )
            return redirect(f"{self._url('declare', waiver)}?{urlencode({'next': action})}")
        if (
            request.method != "POST"
            and action == "confirm"
            and waiver.approved_by_id == request.user.pk
        ):
            messages.error(
                request,
                gettext("A second reviewer must confirm an approval: you proposed this one."),
            )
            return redirect(change_url)
        if request.method != "POST" and action not in self._available_actions(request, waiver):
            messages.error(
                request,
                gettext("“%(action)s” is not possible while the request is “%(status)s”.")
                % {
                    "action": workflow.ACTION_LABELS[action],
                    "status": waiver.get_status_display(),
                },
            )
            return redirect(change_url)
        form = admin_forms.form_class(action)(
            request.POST if request.method == "POST" else None,
            action=action,
            waiver=waiver,
            user=request.user,
        )
        if form.is_bound and form.is_valid():
            try:
                changed = services.waiver_transition(
                    actor=request.user,
                    request=waiver,
                    action=action,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                    **form.details(),
                )
            except PortalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    gettext("%(reference)s is now “%(status)s”.")
                    % {"reference": changed.reference, "status": changed.get_status_display()},
                )
                return redirect(change_url)
        label = workflow.ACTION_LABELS[action]
        context = self._admin_context(
            request,
            waiver,
            title=gettext("%(action)s: %(reference)s")
            % {"action": label, "reference": waiver.reference},
            form=form,
            action=action,
            action_label=label,
            shows_proposal=waiver.status == S.AWAITING_CONFIRMATION,
        )
        return TemplateResponse(
            request, "admin/waivers/waiverrequest/transition_form.html", context
        )

    def declare_view(self, request, object_id):
        """The declaration of no conflict of interest with the firm, which a reviewer makes
        once per request before acting on it. It is part of the audit trail."""
        waiver = self._waiver_or_404(request, object_id)
        if not is_reviewer(request):
            raise PermissionDenied
        next_action = request.POST.get("next") or request.GET.get("next") or ""
        if next_action not in admin_forms.REVIEWER_ACTIONS:
            next_action = ""
        done_url = (
            self._url("transition", waiver, next_action)
            if next_action
            else self._url("change", waiver)
        )
        if services.has_declared_no_conflict(request.user, waiver):
            messages.info(request, gettext("You have already declared no conflict of interest."))
            return redirect(done_url)
        form = admin_forms.DeclarationForm(
            request.POST if request.method == "POST" else None, firm=waiver.firm
        )
        if form.is_bound and form.is_valid():
            try:
                services.declare_no_conflict(
                    actor=request.user, request=waiver, statement=form.cleaned_data["statement"]
                )
            except PortalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    gettext(
                        "Your declaration of no conflict of interest is recorded for %(reference)s."
                    )
                    % {"reference": waiver.reference},
                )
                return redirect(done_url)
        context = self._admin_context(
            request,
            waiver,
            title=gettext("Declare no conflict of interest: %(reference)s")
            % {"reference": waiver.reference},
            form=form,
            next_action=next_action,
        )
        return TemplateResponse(
            request, "admin/waivers/waiverrequest/declare_no_conflict.html", context
        )

    def letter_view(self, request, object_id):
        """The decision letter, for a request approved, denied, revoked or expired."""
        waiver = self._waiver_or_404(request, object_id)
        if not selectors.has_letter(waiver):
            raise Http404(gettext("This request has no decision yet."))
        return TemplateResponse(request, "waivers/letter.html", selectors.letter_context(waiver))

    def audit_csv_view(self, request, object_id):
        waiver = self._waiver_or_404(request, object_id)
        return exports.audit_csv_response(
            WaiverRequest.objects.filter(pk=waiver.pk),
            filename=f"{waiver.reference}-audit-trail.csv",
        )


# --- The audit trail -------------------------------------------------------------------


@admin.register(WaiverEvent)
class WaiverEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "request", "kind", "action", "from_status", "to_status", "actor"]
    list_filter = ["kind", "action"]
    list_select_related = ["request", "actor"]

    search_fields = ["request__reference"]
    actions = None

    def get_queryset(self, request):
        # A never-submitted draft's history is the firm's working copy.
        return super().get_queryset(request).exclude(request__submitted_at=None)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return is_reviewer(request) or super().has_module_permission(request)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from apps.waivers import admin_screening  # noqa
