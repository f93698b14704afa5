from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.taxonomy import selectors
from apps.taxonomy.models import TechnologyArea

INDENT = "\u2003"  # an em space per level, so that the list reads as a tree


def indented(area: TechnologyArea) -> str:
    return f"{INDENT * area.depth}{area.name}"


class TopLevelAreaFilter(admin.SimpleListFilter):
    title = _("top-level area")
    parameter_name = "top_level"

    def lookups(self, request, model_admin):
        return [(area.slug, area.name) for area in selectors.top_level_areas()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(path__startswith=f"{self.value()}/")


@admin.register(TechnologyArea)
class TechnologyAreaAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "slug", "name_ja", "depth", "sort_order"]
    list_filter = ["depth", TopLevelAreaFilter]
    search_fields = ["name_en", "name_ja", "slug"]
    ordering = ["path"]
    list_per_page = 200
    fields = [
        "parent",
        "slug",
        "name_en",
        "name_ja",
        "description_en",
        "description_ja",
        "sort_order",
        "path",
        "depth",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: TechnologyArea) -> str:
        return indented(obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["path", "depth", "created_at", "updated_at"]
        if obj is not None:
            # Slugs are public identifiers (?area=…): fixed once the area exists.
            readonly.insert(0, "slug")
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else {"slug": ["name_en"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = TechnologyArea.objects.order_by("path")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = indented
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
