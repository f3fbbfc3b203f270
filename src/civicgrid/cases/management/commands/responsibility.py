"""`civicgrid responsibility import FILE [--dry-run]`, `export FILE`, `template FILE`: the 责任清单 as Excel."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from civicgrid.cases.responsibility import (
    export_responsibility_list,
    import_responsibility_list,
    write_template,
)

IMPORT_HELP = """Import the responsibility list (责任清单) from an .xlsx workbook with the headers 事项分类编码, 事项名称,
区域编码, 责任部门编码, 处置标准, 计时方式, 受理时限(小时), 派遣时限(小时), 处置时限(小时), 核查时限(小时),
结案时限(小时), 是否启用 (`civicgrid responsibility template FILE` writes an empty one with notes). Every row is
checked first; a file with any error imports nothing and lists each error with its row number, column and value.
Items are upserted by category + region, each change with a history row; items the file does not name are left
alone. All limits are in hours; with 工作日, N working days are written N×24."""


class Command(BaseCommand):
    help = "Responsibility list (责任清单) tools: import, export and template, as Excel .xlsx workbooks."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        imp = actions.add_parser("import", help="import the list from an .xlsx file", description=IMPORT_HELP)
        imp.add_argument("file", help="an .xlsx workbook")
        imp.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")
        imp.add_argument("--actor", metavar="USERNAME", help="the user the change history names")
        exp = actions.add_parser("export", help="export the whole list to an .xlsx file (same layout as import)")
        exp.add_argument("file", help="the .xlsx file to write")
        exp.add_argument("--actor", metavar="USERNAME", help="the user named in the file and the audit log")
        exp.add_argument("--reason", default="", help="why the list is exported (kept in the audit log)")
        tpl = actions.add_parser("template", help="write an empty .xlsx template with notes and drop-down lists")
        tpl.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args, **options):
        action = options["action"]
        if action in ("export", "template") and not str(options["file"]).lower().endswith(".xlsx"):
            raise CommandError(f"the {action} is an .xlsx workbook: give a file name ending in .xlsx")
        if action == "template":
            self.stdout.write(f"{write_template(options['file'])}: template written")
            return
        actor = self._actor(options.get("actor"))
        if action == "import":
            report = import_responsibility_list(options["file"], actor=actor, dry_run=options["dry_run"])
            if not report.imported:
                raise CommandError(report.format())
            self.stdout.write(report.format())
        elif action == "export":
            count = export_responsibility_list(options["file"], actor=actor, reason=options["reason"])
            self.stdout.write(f"{options['file']}: {count} items exported")

    @staticmethod
    def _actor(username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        return user
