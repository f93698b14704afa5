"""The audit trail's trigger keeps refusing every UPDATE, and every DELETE but one: the
purge command's, which sets `kakehashi.purge` for its own transaction only, and only for
events older than the minimum retention of five years."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION waivers_event_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('kakehashi.purge', true) = 'on'
       AND OLD.created_at < now() - interval '5 years' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the export-control audit trail cannot be changed (waivers_waiverevent)';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION waivers_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the export-control audit trail cannot be changed (waivers_waiverevent)';
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("waivers", "0004_screening")]

    operations = [migrations.RunPython(create, restore)]
