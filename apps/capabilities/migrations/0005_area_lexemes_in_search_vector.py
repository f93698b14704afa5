from django.db import migrations

# Each row's areas join its search vector as "area:<id>" lexemes (apps.core.search), so
# that the area filter and the keywords are intersected inside the GIN index.
SQL = """
UPDATE capabilities_capability AS c
SET search_vector = COALESCE(c.search_vector, ''::tsvector) || a.lexemes
FROM (
    SELECT capability_id, array_to_tsvector(array_agg('area:' || technologyarea_id)) AS lexemes
    FROM capabilities_capability_areas GROUP BY capability_id
) AS a
WHERE a.capability_id = c.id
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


class Migration(migrations.Migration):
    dependencies = [("capabilities", "0004_areas_by_area_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
