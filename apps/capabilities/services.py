"""Every write to capabilities. Each write records a revision (who changed what, when)
and refreshes the search columns."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.capabilities import permissions
from apps.capabilities.models import Capability, CapabilityRevision
from apps.core.search import update_search_columns
from apps.core.text import normalize_text

EDITABLE_FIELDS = (
    "title_en",
    "title_ja",
    "summary_en",
    "summary_ja",
    "description_en",
    "description_ja",
    "trl",
    "is_dual_use",
    "civil_application_en",
    "civil_application_ja",
    "export_control_status",
    "control_list_item",
    "keywords",
    "prior_work_en",
    "prior_work_ja",
    "brochure",
    "visibility",
)


def _normalize_keywords(value: str) -> str:
    parts = [normalize_text(p) for p in value.replace("、", ",").replace("，", ",").split(",")]
    seen: dict[str, None] = {}
    for part in parts:
        if part and part.lower() not in {k.lower() for k in seen}:
            seen[part] = None
    return ", ".join(seen)


def _snapshot(capability: Capability) -> dict:
    data = {}
    for name in EDITABLE_FIELDS:
        value = getattr(capability, name)
        data[name] = value.name if name == "brochure" else value
    if capability.pk:
        data["areas"] = sorted(capability.areas.values_list("slug", flat=True))
    return data


def _diff(before: dict, after: dict) -> dict:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def _refresh_search(capability: Capability) -> None:
    areas = list(capability.areas.all())
    update_search_columns(
        Capability,
        capability.pk,
        capability.title_en,
        capability.title_ja,
        capability.summary_en,
        capability.summary_ja,
        capability.keywords,
        " ".join(f"{a.name_en} {a.name_ja}" for a in areas),
        area_ids=[a.pk for a in areas],
    )


def _apply(capability: Capability, fields: dict, areas) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown capability fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name == "brochure" and value is False:  # "clear" ticked on the form
            value = ""
        setattr(capability, name, value)
    capability.keywords = _normalize_keywords(capability.keywords or "")
    if capability.export_control_status != Capability.ExportControl.LISTED:
        capability.control_list_item = ""
    if areas is not None and not list(areas):
        raise ValidationError({"areas": _("Choose at least one technology area.")})


@transaction.atomic
def capability_create(*, organization, actor: User, areas, **fields) -> Capability:
    """Create a draft capability for a firm the actor belongs to."""
    if not permissions.can_create_for(actor, organization):
        raise PermissionDenied(_("Only members of a firm add its capabilities."))
    capability = Capability(organization=organization, created_by=actor)
    _apply(capability, fields, areas)
    capability.full_clean()
    capability.save()
    capability.areas.set(areas)
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="created",
        changes=_diff({}, _snapshot(capability)),
    )
    _refresh_search(capability)
    return capability


@transaction.atomic
def capability_update(*, capability: Capability, actor: User, areas=None, **fields) -> Capability:
    if not permissions.can_edit(actor, capability):
        raise PermissionDenied(_("Only members of the firm edit its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    before = _snapshot(capability)
    _apply(capability, fields, areas)
    capability.full_clean()
    capability.save()
    if areas is not None:
        capability.areas.set(areas)
    changes = _diff(before, _snapshot(capability))
    if changes:
        CapabilityRevision.objects.create(
            capability=capability, actor=actor, action="edited", changes=changes
        )
    _refresh_search(capability)
    return capability


@transaction.atomic
def capability_publish(*, capability: Capability, actor: User) -> Capability:
    if not permissions.can_edit(actor, capability):
        raise PermissionDenied(_("Only members of the firm publish its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    if capability.status == Capability.Status.PUBLISHED:
        return capability
    capability.full_clean()
    capability.status = Capability.Status.PUBLISHED
    capability.published_at = timezone.now()
    capability.save(update_fields=["status", "published_at", "updated_at"])
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="published",
        changes={"status": [Capability.Status.DRAFT, Capability.Status.PUBLISHED]},
    )
    return capability


@transaction.atomic
def capability_unpublish(*, capability: Capability, actor: User) -> Capability:
    if not (permissions.can_edit(actor, capability) or permissions.can_moderate(actor)):
        raise PermissionDenied(_("Only members of the firm change its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    if capability.status == Capability.Status.DRAFT:
        return capability
    capability.status = Capability.Status.DRAFT
    capability.save(update_fields=["status", "updated_at"])
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="unpublished",
        changes={"status": [Capability.Status.PUBLISHED, Capability.Status.DRAFT]},
    )
    return capability
