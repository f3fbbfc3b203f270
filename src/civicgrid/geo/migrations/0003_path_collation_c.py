"""On PostgreSQL, compare region paths byte by byte (collation "C"): see civicgrid.geo.collation."""

from django.db import migrations

from civicgrid.geo.collation import byte_order_operations


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_geo_state_row")]
    operations = byte_order_operations("geo_region", "path")
