"""Drops the kept area tree (selectors.areas_tree) when an area changes, in the same
transaction (apps.core.reference)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import forget_areas_tree, forget_areas_tree_after_migrate


@receiver(post_save, sender=TechnologyArea)
@receiver(post_delete, sender=TechnologyArea)
def area_changed(sender, **kwargs):
    # After the content generations' own receivers (pre_save): rows are locked in one order.
    forget_areas_tree()


def forget_after_migrate(using="default", **kwargs):
    """Data migrations write areas through historical models, which send no signals."""
    forget_areas_tree_after_migrate(using)
