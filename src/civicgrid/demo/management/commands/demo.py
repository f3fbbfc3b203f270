from django.conf import settings
from django.core.management.base import BaseCommand

from civicgrid.demo.loader import build_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo district: 苏州工业园区's real grids, departments, people for every role."

    def add_arguments(self, parser):
        parser.add_argument("--sample", action="store_true",
                            help="use the two-street sample shipped with civicgrid even when the full data set is present")
        parser.add_argument("--cases", type=int, default=2000, help="how many demo cases to generate (first run only)")
        parser.add_argument("--quiet-report", action="store_true", help="print only the summary and the logins")

    def handle(self, *args, **options):
        report = build_demo(use_sample=options["sample"], cases=options["cases"])
        self.stdout.write(f"Demo district loaded from the {report.source}")
        for line in report.lines:
            if options["quiet_report"] and line.startswith("  "):
                continue
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (user name / password):"))
        width = max(len(u) for u, _, _ in report.logins)
        for username, password, who in report.logins:
            self.stdout.write(f"  {username.ljust(width)}  {password}   {who}")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Second factor (authenticator app):"))
        if settings.TOTP_REQUIRED:
            self.stdout.write("  community and street staff, grid workers and the security administrator set up an "
                              "authenticator app (TOTP) at their first sign-in, then sign in with password and code.")
        else:
            self.stdout.write("  not required here (CIVICGRID_TOTP_REQUIRED is off, as with DEBUG): community and street "
                              "staff, grid workers and the security administrator sign in with the password and are "
                              "reminded to set one up (account menu > second factor). Production requires it.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Open311 GeoReport v2 (/open311/v2/) api_key for POST requests:"))
        self.stdout.write(f"  {report.open311_key}")
