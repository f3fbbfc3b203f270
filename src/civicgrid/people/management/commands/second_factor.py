from django.core.management.base import BaseCommand, CommandError

from civicgrid.people.models import User
from civicgrid.people.services import reset_totp


class Command(BaseCommand):
    help = ("Second factor (TOTP) tools. `civicgrid second_factor reset USERNAME --reason ...` removes a user's "
            "authenticator app when no other security administrator can (audited; they set up a new one at their "
            "next sign-in). Otherwise a security administrator does it from the user list.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reset"])
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why (kept in the audit log)")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if not reset_totp(user, actor=None, reason=options["reason"], source="command"):
            raise CommandError(f"{user.username} has no second factor to reset")
        self.stdout.write(f"second factor of {user.username} reset: they set up a new one at their next sign-in")
