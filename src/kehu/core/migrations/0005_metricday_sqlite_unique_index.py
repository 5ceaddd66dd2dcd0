"""SQLite cannot build the metric summary's covering unique constraint (it has an INCLUDE
column), so Django creates nothing there: give SQLite the plain unique index instead, which
both keeps one row per metric, person and day and serves the period sums."""

from django.db import migrations

INDEX = "metricday_metric_user_day_sqlite"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX} ON core_metricday (metric, user_id, day)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_metricday_index_value")]
    operations = [migrations.RunPython(create, drop)]
