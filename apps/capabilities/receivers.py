"""Keeps the areas' lexemes in a capability's search vector (apps.core.search) whoever
changes its areas: the services, the admin, a script; and raises the "capabilities"
content generation (apps.core.pagecache) in the same transaction as every change to what
a directory card shows: a capability, its areas, its firm's name or prefecture, or the
area tree. The directory's cached cards and counts are keyed by it (apps.core.cards)."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from apps.capabilities.models import Capability
from apps.core.pagecache import bump_generation, bump_generation_after_migrate
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

GENERATION = "capabilities"


@receiver(post_save, sender=Capability)
@receiver(post_delete, sender=Capability)
# The generation before the area's or firm's own row, as apps.opportunities.receivers
# explains: one order of locks for every transaction.
@receiver(pre_save, sender=TechnologyArea)
@receiver(pre_delete, sender=TechnologyArea)
@receiver(pre_save, sender=Organization)
@receiver(pre_delete, sender=Organization)
def content_changed(sender, instance=None, **kwargs):
    if sender is Organization and instance.kind != Organization.Kind.FIRM:
        return
    bump_generation(GENERATION)


@receiver(m2m_changed, sender=Capability.areas.through)
def areas_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:  # which rows lose the area is known only now
        instance._clearing = list(instance.capabilities.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear" and reverse:
        pk_set = getattr(instance, "_clearing", ())
    bump_generation(GENERATION)
    from apps.capabilities.services import _refresh_search

    if not reverse:
        _refresh_search(instance)
    else:  # an area's capabilities were changed from the area's side
        for capability in Capability.objects.filter(pk__in=pk_set or ()):
            _refresh_search(capability)


def after_migrate(using="default", **kwargs):
    bump_generation_after_migrate(GENERATION, using)
