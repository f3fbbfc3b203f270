"""`civicgrid open311 createkey NAME | listkeys | deactivate PREFIX`: the Open311 clients' API keys."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.open311 import services
from civicgrid.open311.models import ApiKey


class Command(BaseCommand):
    help = ("Open311 API keys. `createkey NAME` makes a key and prints it once (only its SHA-256 digest is stored); "
            "`listkeys` lists them; `deactivate PREFIX` switches one off. POSTs are limited per key and per address "
            "to OPEN311_POSTS_PER_MINUTE (default 30).")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("createkey", help="make a key for NAME and print it (once)")
        create.add_argument("name", help="who uses the key (an app, a partner system)")
        actions.add_parser("listkeys", help="list the keys (their first characters, never the keys)")
        deactivate = actions.add_parser("deactivate", help="switch off the key that starts with PREFIX")
        deactivate.add_argument("prefix", help="the first characters of the key, as listkeys shows them")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "createkey":
            try:
                key, raw = services.create_key(options["name"], source="command open311 createkey")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stderr.write(f"Open311 API key for {key.name} (shown once; store it now):")
            self.stdout.write(raw)
        elif action == "listkeys":
            for key in ApiKey.objects.order_by("name", "created_at"):
                used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
                self.stdout.write(f"{key.prefix}…  {'active  ' if key.is_active else 'inactive'}  {key.name}  "
                                  f"(created {key.created_at:%Y-%m-%d}, {used})")
        else:
            prefix = options["prefix"].rstrip("…").strip()
            matches = list(ApiKey.objects.filter(prefix__startswith=prefix)) if prefix else []
            if len(matches) != 1:
                raise CommandError(f"{len(matches)} keys start with {prefix!r}: give exactly one")
            changed = services.set_key_active(matches[0], False, source="command open311 deactivate")
            self.stdout.write(f"{matches[0]}: {'deactivated' if changed else 'was already inactive'}")
