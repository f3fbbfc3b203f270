from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicgrid.cases.bulk import import_cases_from_excel, import_email, write_template
from civicgrid.cases.errors import CaseInputError


class Command(BaseCommand):
    help = ("Cases in bulk. `civicgrid cases import FILE.xlsx [--dry-run]`, `civicgrid cases template FILE.xlsx`, "
            "`civicgrid cases email FILE.eml ...` (one case per message).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a spreadsheet of cases (all rows or none)")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")
        tpl = sub.add_parser("template", help="write an empty spreadsheet with the columns and an example row")
        tpl.add_argument("file")
        mail = sub.add_parser("email", help="take in e-mails saved as .eml files")
        mail.add_argument("files", nargs="+")

    def handle(self, *args, **options):
        if options["action"] == "template":
            write_template(Path(options["file"]))
            self.stdout.write(f"template written to {options['file']}")
        elif options["action"] == "import":
            path = Path(options["file"])
            if not path.exists():
                raise CommandError(f"cannot read {path}: no such file")
            report = import_cases_from_excel(path, dry_run=options["dry_run"])
            if not report.ok:
                raise CommandError("\n".join([report.summary(), *map(str, report.problems)]))
            self.stdout.write(report.summary())
            for ticket in report.tickets:
                self.stdout.write(f"  {ticket}")
        else:
            for name in options["files"]:
                try:
                    case = import_email(Path(name).read_bytes())
                except OSError as exc:
                    raise CommandError(f"cannot read {name}: {exc.strerror}") from None
                except CaseInputError as error:
                    raise CommandError(f"{name}: {error}") from None
                self.stdout.write(f"{name}: {case.ticket_no} {case.title}")
