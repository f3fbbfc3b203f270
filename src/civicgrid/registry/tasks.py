"""Background work of the registry: import jobs run by the huey consumer, and stalled jobs taken over."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from civicgrid.registry import importing, services
from civicgrid.registry.models import ImportJob


@db_task()
def run_import(job_id: int):
    """Stage, check and (unless a dry run) apply an uploaded file; resumes from the job's checkpoint."""
    job = importing.run(ImportJob.objects.get(pk=job_id))
    return {"status": job.status, "created": job.created_count, "updated": job.updated_count}


@db_periodic_task(crontab(minute="*/2"))
def resume_stalled_imports():
    """A worker that died (deploy, crash, OOM) leaves its job without a heartbeat: queue it again."""
    resumed = importing.resume_stalled()
    for pk in resumed:
        run_import(pk)
    return resumed


@db_periodic_task(crontab(hour="8", minute="5"))
def remind_expiring_permits_daily():
    """Each morning: community staff and grid workers hear of residence permits running out within 30 days."""
    return services.remind_expiring_permits()
