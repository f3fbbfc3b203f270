from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicgrid.people.models import User
from civicgrid.registry import importing
from civicgrid.registry.models import ImportJob
from civicgrid.registry.services import RegistryInputError

KINDS = list(importing.KINDS)


class Command(BaseCommand):
    help = ("Base data files. `civicgrid registry import FILE --kind person [--dry-run] [--skip-invalid] "
            "[--map 'HEADER=field' ...] [--errors OUT.xlsx] [--as USER]`; `civicgrid registry template --kind KIND OUT.xlsx`; "
            "`civicgrid registry sync DIR --kind KIND` (every new file of a drop folder, in name order); "
            "`civicgrid registry resume` (jobs whose worker died); `civicgrid registry errors JOB OUT.xlsx`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import one file (all rows or none, unless --skip-invalid)")
        imp.add_argument("file")
        sync = sub.add_parser("sync", help="import the files of a folder not imported yet (by content), in name order; "
                                           "stops at the first refused file")
        sync.add_argument("folder")
        for p in (imp, sync):
            p.add_argument("--kind", choices=KINDS, required=True)
            p.add_argument("--skip-invalid", action="store_true", help="import the good rows, report the bad ones")
            p.add_argument("--map", action="append", default=[], metavar="HEADER=field",
                           help="column mapping: the file's header HEADER holds FIELD (repeatable)")
            p.add_argument("--as", dest="user", help="the user the import is made as (their data scope applies)")
            p.add_argument("--errors", help="write the problems to this .xlsx")
        imp.add_argument("--dry-run", action="store_true", help="check and count, store nothing")
        tpl = sub.add_parser("template", help="write the Excel template of a kind")
        tpl.add_argument("file")
        tpl.add_argument("--kind", choices=KINDS, required=True)
        sub.add_parser("resume", help="take over jobs whose worker stopped, from their checkpoint")
        err = sub.add_parser("errors", help="write the problems of a job to an .xlsx")
        err.add_argument("job", type=int)
        err.add_argument("file")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "template":
            importing.write_template(options["kind"], Path(options["file"]))
            self.stdout.write(f"template of {importing.KINDS[options['kind']].title} written to {options['file']}")
        elif action == "errors":
            job = ImportJob.objects.filter(pk=options["job"]).first()
            if job is None:
                raise CommandError(f"no import job #{options['job']}")
            importing.write_error_report(job, Path(options["file"]))
            self.stdout.write(f"{job.error_count} problems written to {options['file']}")
        elif action == "resume":
            for pk in importing.resume_stalled():
                job = self._run(ImportJob.objects.get(pk=pk))
                self.stdout.write(f"#{pk}: {job.status} {job.message}")
        elif action == "import":
            job = self._create(Path(options["file"]), options, dry_run=options["dry_run"])
            self._finish(self._run(job), options)
        else:
            self._sync(Path(options["folder"]), options)

    def _mapping(self, options) -> dict[str, str]:
        try:
            return importing.parse_mapping(options["map"])
        except importing.BadMapping as bad:
            raise CommandError(f"--map {bad.item!r}: write HEADER=field, e.g. --map '身份证=id_number'") from None

    def _actor(self, options):
        if not options.get("user"):
            return None
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        return user

    def _create(self, path: Path, options, *, dry_run=False, sync=False) -> ImportJob:
        if not path.is_file():
            raise CommandError(f"cannot read {path}: no such file")
        try:
            return importing.create_job(path, kind=options["kind"], actor=self._actor(options),
                                        mapping=self._mapping(options), dry_run=dry_run,
                                        skip_invalid=options["skip_invalid"], sync=sync)
        except RegistryInputError as error:
            raise CommandError(f"{path}: {error.message}") from None

    def _run(self, job: ImportJob) -> ImportJob:
        def progress(job):
            total = f" of about {job.rows_total:,}" if job.rows_total else ""
            self.stderr.write(f"\r  row {job.rows_read:,}{total}, {job.error_count:,} problems", ending="")

        job = importing.run(job, progress=progress)
        self.stderr.write("")
        return job

    def _finish(self, job: ImportJob, options) -> None:
        line = (f"#{job.pk} {job.file_name} ({job.encoding}): {job.get_status_display()}; "
                f"created {job.created_count}, updated {job.updated_count}, unchanged {job.unchanged_count}, "
                f"problems {job.error_count}")
        if options.get("errors") and job.error_count:
            importing.write_error_report(job, Path(options["errors"]))
            line += f" (written to {options['errors']})"
        if job.status == ImportJob.Status.FAILED:
            shown = [f"  row {p.row or '-'} {p.column}: {p.reason}" + (f" [{p.value}]" if p.value else "")
                     for p in job.problems.order_by("row", "id")[:30]]
            more = [f"  … and {job.error_count - 30} more"] if job.error_count > 30 else []
            raise CommandError("\n".join([line, *shown, *more, "nothing was imported"]))
        self.stdout.write(line)

    def _sync(self, folder: Path, options) -> None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".txt"})
        done = 0
        for path in files:
            if importing.already_imported(importing.file_sha256(path), options["kind"]):
                continue
            self._finish(self._run(self._create(path, options, sync=True)), options)
            done += 1
        self.stdout.write(f"{done} new file(s) of {len(files)} in {folder} imported")
