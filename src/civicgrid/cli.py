"""The `civicgrid` command: Django's management commands plus ours, with one-line errors for bad set-ups."""

from __future__ import annotations

import os
import sys


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "civicgrid"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
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
