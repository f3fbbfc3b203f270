"""Region paths are compared as ranges, so on PostgreSQL their columns need byte order (collation "C").

Under a linguistic collation that ignores punctuation (glibc en_US.UTF-8 / zh_CN.UTF-8, ICU "shifted") '.' and '/'
do not order as bytes and `path >= 'X.' AND path < 'X/'` misses the subtree. SQLite compares with BINARY already.
Migrations use `byte_order_operations(table, column)`; civicgrid.geo.checks reports a column that lost it.
"""

from django.db import migrations


def byte_order_operations(table: str, column: str, length: int = 400) -> list:
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"')

    return [migrations.RunPython(forward, backward)]
