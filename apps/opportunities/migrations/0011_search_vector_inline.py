from django.db import migrations

TABLE = "opportunities_opportunity"


def storage(kind):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STORAGE {kind}"
            )

    return run


class Migration(migrations.Migration):
    """The search vector stays in the row (PostgreSQL's MAIN storage) rather than in the
    table's TOAST relation, where it went as the largest column of a long row. A keyword
    page walks the open opportunities in deadline order and tests each row's vector: out
    of line, each test read the TOAST index and a TOAST page besides the row, twice the
    buffers (at 300,000 opportunities a common keyword's fifth page, 2,103 buffers and
    5 ms; inline, 1,112 buffers and 3 ms). The descriptions now go out of line first.

    Rows take the new storage when they are next written; on a large table, `VACUUM FULL
    opportunities_opportunity` rewrites them all at once (it locks the table while it
    runs)."""

    dependencies = [("opportunities", "0010_open_areas_index")]

    operations = [migrations.RunPython(storage("MAIN"), storage("EXTENDED"))]
