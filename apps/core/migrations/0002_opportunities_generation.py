from django.db import migrations


def create(apps, schema_editor):
    # The row exists before the first change, so that two first changes at once both
    # raise it (an UPDATE each) rather than racing to create it.
    apps.get_model("core", "ContentGeneration").objects.get_or_create(name="opportunities")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
