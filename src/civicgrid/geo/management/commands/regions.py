"""`civicgrid regions import FILE --level LEVEL`: load one level of the region tree from GeoJSON or a CSV code list."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.geo.importing import LEVELS, RegionImportError, import_regions
from civicgrid.geo.models import GridKind

IMPORT_HELP = """Import the regions of one level from a GeoJSON FeatureCollection (polygons) or a CSV code list
(a file ending in .csv, e.g. the national street list: code,name,areaCode,...). Everything is checked before anything
is written; a file with any error imports nothing unless --skip-invalid is given. Parents must already exist: import
the tree top-down. Unless named, the code is read from `code`, else the property containing 编码, else `adcode`; the
name from `name`, else the property containing 名称; the full name from `full_name`, else the property containing
全称."""


class Command(BaseCommand):
    help = "Region tree tools. `civicgrid regions import FILE --level LEVEL` loads regions from GeoJSON or CSV."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        imp = actions.add_parser("import", help="import regions from a GeoJSON or CSV file", description=IMPORT_HELP)
        imp.add_argument("file", help="a GeoJSON FeatureCollection, or a .csv file (UTF-8 or GB18030)")
        imp.add_argument("--level", required=True, choices=list(LEVELS), help="the level of every feature")
        imp.add_argument("--code-field", help="the property holding the region code")
        imp.add_argument("--name-field", help="the property holding the name")
        imp.add_argument("--full-name-field", help="the property holding the full name (optional)")
        parent = imp.add_mutually_exclusive_group()
        parent.add_argument("--parent-field", metavar="FIELD", help="the property holding the parent's code")
        parent.add_argument("--parent", metavar="CODE", help="one parent for every feature")
        kind = imp.add_mutually_exclusive_group()
        kind.add_argument("--grid-kind", choices=[GridKind.COMPREHENSIVE.value, GridKind.SPECIAL.value],
                          default=GridKind.COMPREHENSIVE.value, help="the type of every grid (default comprehensive)")
        kind.add_argument("--grid-kind-field", metavar="FIELD",
                          help="the property holding each grid's type (综合网格 -> comprehensive, 专属网格 -> special)")
        imp.add_argument("--crs", help="wgs84, gcj02, bd09 or EPSG:nnnn (default: the file's crs member, else wgs84)")
        imp.add_argument("--filter-parent", metavar="CODE", help="only the features whose parent field is CODE")
        imp.add_argument("--skip-invalid", action="store_true", help="import the valid features, report the others")
        imp.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")

    def handle(self, *args, **options):
        if options["action"] == "import":
            self.import_file(options)

    def import_file(self, options) -> None:
        try:
            report = import_regions(
                options["file"],
                level=options["level"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                full_name_field=options["full_name_field"],
                parent_field=options["parent_field"],
                parent_code=options["parent"],
                grid_kind=options["grid_kind"],
                grid_kind_field=options["grid_kind_field"],
                crs=options["crs"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                filter_parent=options["filter_parent"],
            )
        except RegionImportError as exc:
            raise CommandError(str(exc)) from None
        if not report.imported:
            raise CommandError(report.format())
        self.stdout.write(report.format())
