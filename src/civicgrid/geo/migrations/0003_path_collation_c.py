"""On PostgreSQL, compare region paths byte by byte (collation "C").

Subtrees are path ranges (path >= 'X.' and path < 'X/'). Under a linguistic collation that ignores punctuation
(glibc en_US.UTF-8 / zh_CN.UTF-8, ICU "shifted"), '.' and '/' do not order as bytes and the range misses the
subtree. SQLite compares with BINARY already. Only this column changes: names keep the database's collation, so
Chinese names still sort as the locale says. civicgrid.geo.checks warns if a later migration loses it.
"""

from django.db import migrations


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE geo_region ALTER COLUMN path TYPE varchar(400) COLLATE "C"')


def back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE geo_region ALTER COLUMN path TYPE varchar(400) COLLATE \"default\"")


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_geo_state_row")]
    operations = [migrations.RunPython(to_c_collation, back)]
