"""On PostgreSQL the case's region path compares byte by byte, like geo_region.path (civicgrid.geo.collation)."""

from django.db import migrations

from civicgrid.geo.collation import byte_order_operations


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = byte_order_operations("cases_case", "region_path")
