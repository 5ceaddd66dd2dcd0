"""On PostgreSQL, build the customer-list indexes in the order the list is read.

The list sorts "last contact, most recent first, never contacted last": DESC NULLS LAST.
A PostgreSQL index declared DESC keeps NULLs first, so it cannot serve that order and
every page would sort all the matching rows. SQLite has no NULLS LAST in index
definitions, but there NULLs sort lowest, so its DESC indexes already match.
"""

from django.db import migrations

INDEXES = {
    "cust_owner_type_contact": "owner_id, type, last_contact_at DESC NULLS LAST, id DESC",
    "cust_owner_contact": "owner_id, last_contact_at DESC NULLS LAST, id DESC",
    "cust_type_contact": "type, last_contact_at DESC NULLS LAST, id DESC",
    "cust_contact": "last_contact_at DESC NULLS LAST, id DESC",
}


def rebuild(apps, schema_editor, columns):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in columns.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "customers_customer" ({definition}) WHERE "deleted_at" IS NULL'
        )


def forwards(apps, schema_editor):
    rebuild(apps, schema_editor, INDEXES)


def backwards(apps, schema_editor):
    rebuild(apps, schema_editor, {name: d.replace(" NULLS LAST", "") for name, d in INDEXES.items()})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_partial_list_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
