"""`civicgrid categories load [FILE]`: load the category taxonomy (default: the shipped GB/T 30428.2 + 12345 set)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from civicgrid.cases.taxonomy import DEFAULT_FILE, CategoryFileError, load_categories

LOAD_HELP = f"""Load categories from a JSON taxonomy file (default {DEFAULT_FILE.name}, shipped with civicgrid:
GB/T 30428.2 components and events plus the 12345 request types). Every node is upserted by its code, with a
change-history row for each change; categories the file does not name are left alone. The whole file is checked
first: a file with any problem loads nothing. Running it again with the same file changes nothing."""


class Command(BaseCommand):
    help = "Category taxonomy tools. `civicgrid categories load [FILE]` loads the taxonomy."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser("load", help="load (upsert) the category taxonomy from a JSON file",
                                  description=LOAD_HELP)
        load.add_argument("file", nargs="?", help=f"a taxonomy JSON file (default: the shipped {DEFAULT_FILE.name})")
        load.add_argument("--actor", metavar="USERNAME", help="the user the change history names (default: none)")

    def handle(self, *args, **options):
        actor = None
        if options.get("actor"):
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"no user named {options['actor']!r}")
        try:
            counts = load_categories(options["file"], actor=actor)
        except CategoryFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(counts.format())
