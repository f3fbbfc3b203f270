from django.core.checks import Error, register
from django.db import connection
from django.db.utils import DatabaseError

# Columns holding region paths compared as ranges: (table, column). Apps that store a path add theirs here.
PATH_COLUMNS = [("geo_region", "path"), ("cases_case", "region_path"), ("registry_house", "region_path"),
                ("registry_person", "region_path"), ("registry_organisation", "region_path"),
                ("registry_component", "region_path")]


@register("database")
def path_collation(app_configs, databases=None, **kwargs):
    """Region paths must compare as bytes on PostgreSQL, or subtree ranges go wrong (see migration geo 0003)."""
    if not databases or "default" not in databases or connection.vendor != "postgresql":
        return []
    errors = []
    for table, column in PATH_COLUMNS:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT collation_name FROM information_schema.columns "
                    "WHERE table_name = %s AND column_name = %s AND table_schema = current_schema()", [table, column])
                row = cursor.fetchone()
        except DatabaseError:
            continue
        if row is not None and row[0] != "C":
            errors.append(Error(
                f"{table}.{column} has collation {row[0]!r}; subtree queries need \"C\"",
                hint=f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(400) COLLATE "C"',
                id="civicgrid.geo.E001",
            ))
    return errors
