from django.db import migrations

TABLE = "capabilities_capability"


def storage(kind):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE {kind}"
            )

    return run


class Migration(migrations.Migration):
    """As opportunities' 0011: the search vector stays in the row (MAIN storage), so that
    a keyword search of the directory walking its order index tests each row without
    reading the TOAST relation too. Rows take it when next written; `VACUUM FULL
    capabilities_capability` rewrites them all at once."""

    dependencies = [("capabilities", "0008_area_vector")]

    operations = [migrations.RunPython(storage("MAIN"), storage("EXTENDED"))]
