"""The data administrator's import pages: templates, upload with options, a job's progress, counts and problems."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.people.access import roles_required
from civicgrid.registry import importing, tasks
from civicgrid.registry.models import ImportJob
from civicgrid.registry.policy import IMPORT_ROLES
from civicgrid.registry.services import RegistryInputError

PROBLEMS_SHOWN = 200


importer_required = roles_required(IMPORT_ROLES)


def _jobs(user):
    jobs = ImportJob.objects.all()
    return jobs if user.is_superuser else jobs.filter(actor=user)


def _job_or_404(user, pk: int) -> ImportJob:
    job = _jobs(user).filter(pk=pk).first()
    if job is None:
        raise Http404("no such import")
    return job


def _parse_mapping(text: str) -> dict[str, str]:
    try:
        return importing.parse_mapping(text.splitlines())
    except importing.BadMapping as bad:
        raise RegistryInputError("mapping", _("line %(n)d: write the file's header, =, and the field")
                                 % {"n": bad.number}) from None


@importer_required
def imports(request):
    errors, values = {}, {"kind": ImportJob.Kind.PERSON, "mapping": ""}
    if request.method == "POST":
        values = {"kind": request.POST.get("kind", ""), "mapping": request.POST.get("mapping", ""),
                  "dry_run": bool(request.POST.get("dry_run")), "skip_invalid": bool(request.POST.get("skip_invalid"))}
        upload = request.FILES.get("file")
        try:
            if values["kind"] not in importing.KINDS:
                raise RegistryInputError("kind", _("choose what the file holds"))
            if upload is None:
                raise RegistryInputError("file", _("choose a file"))
            mapping = _parse_mapping(values["mapping"])
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / ("upload" + Path(upload.name).suffix.lower()[:8])
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                job = importing.create_job(path, kind=values["kind"], file_name=Path(upload.name).name,
                                           actor=request.user, mapping=mapping, dry_run=values["dry_run"],
                                           skip_invalid=values["skip_invalid"])
            tasks.run_import(job.pk)
            return redirect("registry:import", pk=job.pk)
        except RegistryInputError as error:
            errors[error.field] = error.message
    kinds = [(key, kind.title, kind.columns) for key, kind in importing.KINDS.items()]
    return render(request, "registry/imports.html", {
        "kinds": kinds, "errors": errors, "values": values, "jobs": _jobs(request.user)[:20],
        "max_mb": importing.max_bytes() // 2**20,
    })


@importer_required
def import_job(request, pk: int):
    job = _job_or_404(request.user, pk)
    return render(request, "registry/import_job.html", {
        "job": job, "kind": importing.KINDS[job.kind], "problems": job.problems.order_by("row", "id")[:PROBLEMS_SHOWN],
        "shown": PROBLEMS_SHOWN, "running": job.status in {ImportJob.Status.QUEUED, ImportJob.Status.STAGING,
                                                            ImportJob.Status.APPLYING},
        "can_apply": job.dry_run and job.status == ImportJob.Status.CHECKED,
    })


@importer_required
def import_progress(request, pk: int):
    job = _job_or_404(request.user, pk)
    return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "progress": job.progress,
                         "rows_read": job.rows_read, "rows_total": job.rows_total, "errors": job.error_count,
                         "created": job.created_count, "updated": job.updated_count,
                         "unchanged": job.unchanged_count})


@importer_required
@require_POST
def import_apply(request, pk: int):
    """Import for real a file whose dry run was looked at: a new job on the same stored file."""
    checked = _job_or_404(request.user, pk)
    if not (checked.dry_run and checked.status == ImportJob.Status.CHECKED):
        raise Http404("nothing to apply")
    job = importing.create_job(checked.stored_path, kind=checked.kind, file_name=checked.file_name, actor=request.user,
                               mapping=checked.mapping, skip_invalid=checked.skip_invalid)
    tasks.run_import(job.pk)
    return redirect("registry:import", pk=job.pk)


@importer_required
def import_errors(request, pk: int):
    job = _job_or_404(request.user, pk)
    folder = Path(tempfile.mkdtemp(prefix="civicgrid-errors-"))
    path = importing.write_error_report(job, folder / f"errors-{job.pk}.xlsx")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"导入{job.pk}-问题.xlsx")


@importer_required
def import_template(request, kind: str):
    if kind not in importing.KINDS:
        raise Http404("no such kind")
    folder = Path(tempfile.mkdtemp(prefix="civicgrid-template-"))
    path = importing.write_template(kind, folder / f"{kind}.xlsx")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{importing.KINDS[kind].title}导入模板.xlsx")
