"""Path ranges need byte order on PostgreSQL; a punctuation-ignoring collation would hide subtrees."""

import pytest
from django.db import connection

from civicgrid.geo.checks import path_collation
from civicgrid.geo.models import Region

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="collations matter on PostgreSQL only")


@postgres_only
def test_path_column_uses_c_collation_and_check_passes(tree):
    assert path_collation(None, databases=["default"]) == []
    assert Region.objects.subtree(tree.street_a.path).count() == 8


@postgres_only
def test_check_reports_a_linguistic_collation(tree):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks may block the ALTER
        cursor.execute("CREATE COLLATION IF NOT EXISTS test_shifted (provider = icu, locale = 'und-u-ka-shifted')")
        cursor.execute('ALTER TABLE geo_region ALTER COLUMN path TYPE varchar(400) COLLATE "test_shifted"')
    # this is the failure the migration prevents: the range sees the street only
    assert Region.objects.subtree(tree.street_a.path).count() < 8
    errors = path_collation(None, databases=["default"])
    assert [e.id for e in errors] == ["civicgrid.geo.E001"]
