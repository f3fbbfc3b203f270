"""Background work of the cases app, run by the huey consumer (`civicgrid run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from civicgrid.cases.sweep import sweep_deadlines


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines_every_minute():
    """Yellow and red warnings, and automatic supervision of cases overdue for too long."""
    result = sweep_deadlines()
    return {"yellow": result.yellow, "red": result.red, "supervised": result.supervised}
