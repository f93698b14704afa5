
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('capabilities', '0005_area_lexemes_in_search_vector'),
        ('organizations', '0003_firm_profile'),
        ('taxonomy', '0002_seed_areas'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='capability',
            index=models.Index(fields=['status', '-published_at', '-id'], name='capability_newest_idx'),
        ),
    ]
