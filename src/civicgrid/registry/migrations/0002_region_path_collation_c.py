"""On PostgreSQL the records' region paths compare byte by byte, like geo_region.path (civicgrid.geo.collation)."""

from django.db import migrations

from civicgrid.geo.collation import byte_order_operations


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [
        *byte_order_operations("registry_house", "region_path"),
        *byte_order_operations("registry_person", "region_path"),
        *byte_order_operations("registry_organisation", "region_path"),
        *byte_order_operations("registry_component", "region_path"),
    ]
