from django.db import migrations

# Each row's areas join its search vector as "area:<id>" lexemes (apps.core.search), so
# that the area filter and the keywords are intersected inside the GIN index.
SQL = """
UPDATE opportunities_opportunity AS o
SET search_vector = COALESCE(o.search_vector, ''::tsvector) || a.lexemes
FROM (
    SELECT opportunity_id, array_to_tsvector(array_agg('area:' || technologyarea_id)) AS lexemes
    FROM opportunities_opportunity_areas GROUP BY opportunity_id
) AS a
WHERE a.opportunity_id = o.id
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_list_order_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
