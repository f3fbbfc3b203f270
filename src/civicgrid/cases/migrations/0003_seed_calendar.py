"""Seed the working-day calendar (holidays and make-up working days, 2004..2026) from chinese-calendar.

A fresh database then knows every year the pinned package knows; later years are added by an administrator
(`civicgrid calendar add`) or by `civicgrid calendar seed` after upgrading the package.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.cases.calendar import seed_from_library

    model = apps.get_model("cases", "WorkCalendarDay")
    seed_from_library(model=model, using=schema_editor.connection.alias)


def unseed(apps, schema_editor):
    from civicgrid.cases.calendar import LIBRARY_SOURCE

    model = apps.get_model("cases", "WorkCalendarDay")
    model.objects.using(schema_editor.connection.alias).filter(source=LIBRARY_SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_region_path_collation_c")]
    operations = [migrations.RunPython(seed, unseed)]
