from django.core.checks import Error, register
from django.db import connection
from django.db.utils import DatabaseError


@register("database")
def path_collation(app_configs, databases=None, **kwargs):
    """The region path must compare as bytes on PostgreSQL, or subtree ranges go wrong (see migration geo 0003)."""
    if not databases or "default" not in databases or connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'geo_region' AND column_name = 'path' AND table_schema = current_schema()"
            )
            row = cursor.fetchone()
    except DatabaseError:
        return []
    if row is None or row[0] == "C":
        return []
    return [Error(
        f"geo_region.path has collation {row[0]!r}; subtree queries need \"C\"",
        hint='ALTER TABLE geo_region ALTER COLUMN path TYPE varchar(400) COLLATE "C" (migration geo 0003 does this)',
        id="civicgrid.geo.E001",
    )]
