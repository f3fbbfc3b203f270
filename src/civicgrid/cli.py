"""The `civicgrid` command: Django's management commands plus ours, with one-line errors for bad set-ups."""

from __future__ import annotations

import os
import sys


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


# Commands that only read the code (never sign a session or token, never serve a request) run without SECRET_KEY:
# a developer checks migrations or reads help on a checkout without setting up an environment first.
KEYLESS_COMMANDS = {"makemigrations", "help", "version", "--help", "-h", "--version"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "civicgrid"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    if len(argv) > 1 and argv[1] in KEYLESS_COMMANDS and not os.environ.get("SECRET_KEY"):
        import secrets

        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # thrown away when the command ends
        os.environ["CIVICGRID_KEYLESS_COMMAND"] = "1"  # no personal data is touched: the data-key check stands aside
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"civicgrid: configuration error: {exc}\n")
        sys.exit(2)
    except Exception as exc:
        from django.db.utils import OperationalError

        if isinstance(exc, OperationalError):
            url = _redacted(os.environ.get("DATABASE_URL", "the default SQLite file"))
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            sys.stderr.write(f"civicgrid: cannot use the database {url}: {detail}\n")
            sys.exit(3)
        raise
