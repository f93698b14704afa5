from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS opportunity_search_vector_gin "
            "ON opportunities_opportunity USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS opportunity_search_vector_gin")


class Migration(migrations.Migration):
    """GIN index over the bilingual token vector (PostgreSQL only; SQLite searches the
    normalised text instead)."""

    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
