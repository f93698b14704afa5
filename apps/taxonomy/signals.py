"""Drops the cached area tree (selectors.areas_tree) when an area changes: at once, and
again when the transaction commits, so that a request that rebuilt the tree from the old
rows in between does not keep it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import forget_areas_tree


@receiver(post_save, sender=TechnologyArea)
@receiver(post_delete, sender=TechnologyArea)
def area_changed(sender, **kwargs):
    forget_areas_tree()
    transaction.on_commit(forget_areas_tree)


def forget_after_migrate(**kwargs):
    """Data migrations write areas through historical models, which send no signals."""
    forget_areas_tree()
