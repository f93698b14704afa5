from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

PATH_SEPARATOR = "/"
FULL_NAME_SEPARATOR = " › "


class TechnologyArea(TimeStampedModel):
    """A node of the technology taxonomy: one of the 20 US critical and emerging technology
    areas or one of their sub-areas.

    The tree is stored twice on purpose: `parent` is the truth, `path` (the slugs from the
    root down to this node, each followed by "/") is derived from it in `save()` so that a
    whole subtree is one indexed `path__startswith` query.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Leave empty for a top-level area."),
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_(
            "Stable public identifier used in links and filters (e.g. ?area=hypersonics). "
            "Lowercase words joined by hyphens; it cannot be changed once the area exists."
        ),
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    path = models.CharField(
        _("path"),
        max_length=1000,
        db_index=True,
        editable=False,
        help_text=_("Slugs of the ancestors and of the area itself, each followed by “/”."),
    )
    depth = models.PositiveSmallIntegerField(
        _("depth"),
        default=0,
        editable=False,
        help_text=_("0 for a top-level area, 1 for its sub-areas, and so on."),
    )
    sort_order = models.PositiveIntegerField(
        _("sort order"),
        default=0,
        help_text=_("Areas with a lower number come first among their siblings."),
    )

    class Meta:
        verbose_name = _("technology area")
        verbose_name_plural = _("technology areas")
        ordering = ["sort_order", "name_en"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="taxonomy_area_not_own_parent",
                violation_error_message=_("An area cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gte=1),
                name="taxonomy_area_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(path__endswith=PATH_SEPARATOR),
                name="taxonomy_area_path_ends_with_separator",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self._would_become_own_ancestor():
            raise ValidationError(
                {"parent": _("An area cannot be placed under itself or one of its sub-areas.")}
            )
        if self.slug:
            # Lets validate_constraints(), which runs after clean(), see the real position.
            self._set_tree_position()

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or self._state.db or "default"
        with transaction.atomic(using=using):
            old = None
            if not self._state.adding and self.pk is not None:
                old = (
                    type(self)
                    ._base_manager.using(using)
                    .filter(pk=self.pk)
                    .values("path", "depth")
                    .first()
                )
            if old and self.parent_id is not None:
                parent_path = (
                    type(self)
                    ._base_manager.using(using)
                    .filter(pk=self.parent_id)
                    .values_list("path", flat=True)
                    .first()
                )
                if parent_path and parent_path.startswith(old["path"]):
                    raise ValidationError(
                        _("An area cannot be placed under itself or one of its sub-areas.")
                    )
            self._set_tree_position(using=using)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "path", "depth"}
            super().save(*args, **kwargs)
            if old and old["path"] != self.path:
                self._move_descendants(old_path=old["path"], old_depth=old["depth"], using=using)

    @property
    def name(self) -> str:
        """The name in the active language, or in the other one when that is empty."""
        language = get_language() or ""
        if language.startswith("ja"):
            return self.name_ja or self.name_en
        return self.name_en or self.name_ja

    @property
    def description(self) -> str:
        language = get_language() or ""
        if language.startswith("ja"):
            return self.description_ja or self.description_en
        return self.description_en or self.description_ja

    @property
    def full_name(self) -> str:
        """Ancestors' names and this area's, e.g. "Space Technologies › Satellites".

        One query, unless the area came from `selectors.areas_tree()`, which has already
        attached its ancestors.
        """
        ancestors = getattr(self, "_prefetched_ancestors", None)
        if ancestors is None:
            ancestors = list(self.get_ancestors()) if self.parent_id else []
        return FULL_NAME_SEPARATOR.join([*(area.name for area in ancestors), self.name])

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None

    def get_ancestors(self, include_self: bool = False) -> models.QuerySet["TechnologyArea"]:
        """Ancestors from the top-level area down (root first)."""
        slugs = self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if self.path else []
        prefixes = [
            PATH_SEPARATOR.join(slugs[: index + 1]) + PATH_SEPARATOR for index in range(len(slugs))
        ]
        if not include_self:
            prefixes = prefixes[:-1]
        return type(self).objects.filter(path__in=prefixes).order_by("depth")

    def get_descendants(self, include_self: bool = True) -> models.QuerySet["TechnologyArea"]:
        """Every area below this one, at any depth (and this one unless told otherwise)."""
        descendants = type(self).objects.filter(path__startswith=self.path)
        if not include_self:
            descendants = descendants.exclude(pk=self.pk)
        return descendants

    def _would_become_own_ancestor(self) -> bool:
        if self._state.adding or self.pk is None or self.parent_id is None:
            return False
        if self.parent_id == self.pk:
            return True
        # self.path is still the stored path here: only save() rewrites it.
        return bool(self.path) and self.parent.path.startswith(self.path)

    def _set_tree_position(self, using: str | None = None) -> None:
        if self.parent_id is None:
            self.path = f"{self.slug}{PATH_SEPARATOR}"
            self.depth = 0
            return
        # Read the parent's position from the database: an instance held in memory may be
        # stale if the parent was moved since it was loaded.
        manager = type(self)._base_manager.using(using or self._state.db or "default")
        parent = manager.filter(pk=self.parent_id).values("path", "depth").first()
        if parent is None:
            return  # A dangling parent: field validation or the foreign key reports it.
        self.path = f"{parent['path']}{self.slug}{PATH_SEPARATOR}"
        self.depth = parent["depth"] + 1

    def _move_descendants(self, *, old_path: str, old_depth: int, using: str) -> None:
        type(self)._base_manager.using(using).filter(path__startswith=old_path).exclude(
            pk=self.pk
        ).update(
            path=Concat(
                Value(self.path),
                Substr("path", len(old_path) + 1),
                output_field=models.CharField(),
            ),
            depth=F("depth") + (self.depth - old_depth),
            updated_at=timezone.now(),
        )
