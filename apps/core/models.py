from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for every portal model: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class SearchableModel(models.Model):
    """The bilingual search columns of apps.core.search, maintained by each app's services:
    the normalised text (SQLite's fallback) and the token vector (PostgreSQL, GIN-indexed
    by a migration of the app)."""

    search_text = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True


class ContentGeneration(models.Model):
    """A counter per kind of public content (e.g. "opportunities"), raised in the same
    transaction as every change to that content. Cached pages are keyed by it
    (apps.core.pagecache): a request that starts after a change commits reads the new
    number, so it never gets a page rendered before the change. The version of each kind
    of per-process reference data (apps.core.reference) is a row here too, set to a new
    random number by each change."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("content generation")
        verbose_name_plural = _("content generations")

    def __str__(self):
        return f"{self.name} #{self.value}"
