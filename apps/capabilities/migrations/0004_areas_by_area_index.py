from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("capabilities", "0003_alter_capability_created_by"),
    ]

    operations = [
        # The directory's area filter and matching read the capabilities of given areas:
        # with both columns in the index, from the index alone.
        migrations.RunSQL(
            "CREATE INDEX capability_areas_by_area_idx "
            "ON capabilities_capability_areas (technologyarea_id, capability_id)",
            "DROP INDEX capability_areas_by_area_idx",
        ),
    ]
