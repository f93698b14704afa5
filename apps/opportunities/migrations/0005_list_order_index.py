from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('opportunities', '0004_response_attachment_is_controlled'),
        ('organizations', '0003_firm_profile'),
        ('taxonomy', '0002_seed_areas'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opportuniti_status_321607_idx',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['status', 'response_deadline', 'id'], name='opportunity_open_order_idx'),
        ),
        # The area filter reads the opportunities of given areas: with both columns in the
        # index, from the index alone (the unique pair starts with the opportunity).
        migrations.RunSQL(
            "CREATE INDEX opportunity_areas_by_area_idx "
            "ON opportunities_opportunity_areas (technologyarea_id, opportunity_id)",
            "DROP INDEX opportunity_areas_by_area_idx",
        ),
    ]
