"""Background work of the cases app, run by the huey consumer (`civicgrid run_huey`)."""

from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from civicgrid.cases.sweep import sweep_deadlines


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines_every_minute():
    """Yellow and red warnings, and automatic supervision of cases overdue for too long."""
    result = sweep_deadlines()
    return {"yellow": result.yellow, "red": result.red, "supervised": result.supervised}


@db_periodic_task(crontab(minute="7"))
def optimize_database():
    """SQLite has no autovacuum: refresh the planner's statistics hourly (PostgreSQL's autovacuum does its own)."""
    if connection.vendor != "sqlite":
        return "nothing to do"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize=0x10002")
    return "optimized"
