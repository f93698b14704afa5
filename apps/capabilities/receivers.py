"""Keeps the areas' lexemes in a capability's search vector (apps.core.search) whoever
changes its areas: the services, the admin, a script."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from apps.capabilities.models import Capability


@receiver(m2m_changed, sender=Capability.areas.through)
def areas_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:  # which rows lose the area is known only now
        instance._clearing = list(instance.capabilities.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear" and reverse:
        pk_set = getattr(instance, "_clearing", ())
    from apps.capabilities.services import _refresh_search

    if not reverse:
        _refresh_search(instance)
    else:  # an area's capabilities were changed from the area's side
        for capability in Capability.objects.filter(pk__in=pk_set or ()):
            _refresh_search(capability)
