"""Database-level guard: the audit table refuses UPDATE (both databases) and DELETE
(PostgreSQL; on SQLite the test suite's flush deletes rows, and the hash chain detects any
deletion anyway)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditentry_no_update ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_auditentry_no_delete ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_auditentry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
