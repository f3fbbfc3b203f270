"""A wrong set-up gives one clear line on stderr and a non-zero exit, never a traceback."""

import os
import subprocess
import sys

import pytest


def run(env_changes: dict[str, str | None], *args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["CIVICGRID_DATA_DIR"] = str(tmp_path)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": None, "SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a yes/no value"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://root@127.0.0.1/x"}, "civicgrid supports SQLite and PostgreSQL"),
        ({"DEBUG": "1", "DATABASE_URL": "nonsense"}, "DATABASE_URL is not a database URL"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://nobody:secret@127.0.0.1:1/civicgrid"},
         "cannot use the database postgres://***@127.0.0.1:1/civicgrid"),
    ],
)
def test_bad_settings_give_one_line(env, expected, tmp_path):
    result = run(env, "migrate", "--noinput", tmp_path=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("civicgrid: ") and expected in lines[0]
    assert "secret" not in lines[0]  # the password in the URL is never printed


def test_sqlite_migrate_and_check_work_with_debug(tmp_path):
    result = run({"DEBUG": "1"}, "migrate", "--noinput", "-v", "0", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "civicgrid.sqlite3").exists()


def test_checking_migrations_needs_no_secret_key(tmp_path):
    result = run({"DEBUG": None, "SECRET_KEY": None}, "makemigrations", "--check", "--dry-run", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
