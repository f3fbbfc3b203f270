"""On PostgreSQL the case's region path compares byte by byte, like geo_region.path (see geo 0003)."""

from django.db import migrations


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE cases_case ALTER COLUMN region_path TYPE varchar(400) COLLATE "C"')


def back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE cases_case ALTER COLUMN region_path TYPE varchar(400) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(to_c_collation, back)]
