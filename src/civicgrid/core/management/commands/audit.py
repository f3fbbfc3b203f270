from django.core.management.base import BaseCommand, CommandError

from civicgrid.core.services import verify_audit_chain


class Command(BaseCommand):
    help = "Audit log tools. `civicgrid audit verify` checks that no audit row was edited or removed."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        problems = verify_audit_chain()
        if problems:
            raise CommandError("audit log broken:\n  " + "\n  ".join(problems))
        self.stdout.write("audit log intact")
