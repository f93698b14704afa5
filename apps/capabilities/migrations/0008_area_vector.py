import django.contrib.postgres.search
from django.db import migrations, models

COVERED = ["area_vector", "visibility", "trl", "is_dual_use", "export_control_status"]
ORDER = ["status", "-published_at", "-id"]
OLD = models.Index(fields=ORDER, name="capability_newest_idx")
NEW = models.Index(fields=ORDER, include=COVERED, name="capability_newest_cover_idx")


def fill_area_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE capabilities_capability AS c SET area_vector = array_to_tsvector(ARRAY("
            "SELECT 'area:' || a.technologyarea_id FROM capabilities_capability_areas AS a "
            "WHERE a.capability_id = c.id))"
        )


def swap_indexes(apps, schema_editor, *, add, remove):
    """On PostgreSQL built and dropped concurrently: writes go on."""
    model = apps.get_model("capabilities", "Capability")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, add)
        schema_editor.remove_index(model, remove)
        return
    sql = str(add.create_sql(model, schema_editor)).replace(
        "CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1
    )
    schema_editor.execute(sql)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {remove.name}")


def forwards(apps, schema_editor):
    swap_indexes(apps, schema_editor, add=NEW, remove=OLD)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS capability_published_areas_gin "
            "ON capabilities_capability USING gin (area_vector) WHERE status = 'published'"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS capability_published_areas_gin")
    swap_indexes(apps, schema_editor, add=OLD, remove=NEW)


class Migration(migrations.Migration):
    """An area's page of the directory walked its order index (newest first) and read
    each row's search vector (large, often stored out of line) to test its areas: at
    100,000 capabilities a rarer area's third page read 3,900 rows, 8.6 ms. As the
    opportunities' did (opportunities 0009), the areas' lexemes now have a column of
    their own, which the order index carries with the other filters' columns
    (visibility, TRL, dual-use, export-control status), so such a page is an index-only
    scan (0.1 ms). The column has a GIN index of its own too, over the published rows:
    a count (up to its cap) of a rarer area, or of one with few rows past another
    filter, reads that area's rows (0.3 ms) instead of walking the whole order index
    (up to 22 ms). Run `VACUUM ANALYZE capabilities_capability` after it on a large table: an
    index-only scan needs the visibility map, the planner the new column's statistics."""

    atomic = False
    dependencies = [("capabilities", "0007_exposure_counters")]

    operations = [
        migrations.AddField(
            model_name="capability",
            name="area_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill_area_vectors, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="capability", name=OLD.name),
                migrations.AddIndex(model_name="capability", index=NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
