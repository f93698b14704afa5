"""On PostgreSQL, the database itself refuses to change or delete audit events, whatever
the code (raw SQL, a shell, a future bug) tries. Elsewhere the model and queryset refuse.
TRUNCATE, a table owner's statement that also empties whole test databases, is left to
the database's privileges: the application's role should not own the table in production."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION waivers_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the export-control audit trail cannot be changed (waivers_waiverevent)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER waivers_event_immutable
    BEFORE UPDATE OR DELETE ON waivers_waiverevent
    FOR EACH ROW EXECUTE FUNCTION waivers_event_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS waivers_event_immutable ON waivers_waiverevent;
DROP FUNCTION IF EXISTS waivers_event_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("waivers", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
