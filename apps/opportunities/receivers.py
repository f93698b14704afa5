"""Raises the "opportunities" page-cache generation (apps.core.pagecache) in the same
transaction as every change to what the public list, feed, calendar, detail pages and
API show: an opportunity (published, amended, closed, edited), its areas, attachments,
amendments and questions, an agency's name or time zone, or the area tree."""

from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver

from apps.core.pagecache import bump_generation, bump_generation_after_migrate
from apps.opportunities.filters import verified_agencies
from apps.opportunities.models import Amendment, Attachment, Opportunity, Question
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

GENERATION = "opportunities"


@receiver(post_save, sender=Opportunity)
@receiver(post_delete, sender=Opportunity)
# An area is locked by its own write, and a transaction that has raised the generation
# may need a share lock on that area when it commits (the deferred foreign-key check of
# an opportunity's new areas): an area's change takes the generation first, so the two
# wait for each other in one order rather than deadlock.
@receiver(pre_save, sender=TechnologyArea)
@receiver(pre_delete, sender=TechnologyArea)
@receiver(post_save, sender=Attachment)
@receiver(post_delete, sender=Attachment)
@receiver(post_save, sender=Amendment)
@receiver(post_save, sender=Question)
@receiver(post_delete, sender=Question)
def content_changed(sender, **kwargs):
    bump_generation(GENERATION)


@receiver(m2m_changed, sender=Opportunity.areas.through)
def areas_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Also keeps the areas' lexemes in the search vector (apps.core.search), whoever
    changes the areas: the services, the admin, a script."""
    if action == "pre_clear" and reverse:  # which rows lose the area is known only now
        instance._clearing = list(instance.opportunities.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear" and reverse:
        pk_set = getattr(instance, "_clearing", ())
    bump_generation(GENERATION)
    from apps.opportunities.services import _refresh_search

    if not reverse:
        _refresh_search(instance)
    else:  # an area's opportunities were changed from the area's side
        for opportunity in Opportunity.objects.filter(pk__in=pk_set or ()):
            _refresh_search(opportunity)


@receiver(pre_save, sender=Organization)  # the generation first, as for areas
@receiver(post_delete, sender=Organization)
def agency_changed(sender, instance, **kwargs):
    if instance.kind == Organization.Kind.AGENCY:
        bump_generation(GENERATION)
        verified_agencies.forget()  # the filter's list of agencies, after the generation


def after_migrate(using="default", **kwargs):
    bump_generation_after_migrate(GENERATION, using)
    verified_agencies.forget_after_migrate(using)
