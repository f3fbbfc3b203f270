"""Production serving: gunicorn with DEBUG off, static files compressed and served by WhiteNoise."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_pages_and_static_files_with_debug_off(tmp_path):
    venv_bin = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update({
        "SECRET_KEY": "production-like-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CIVICGRID_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "SECURE_COOKIES": "0",
        "CIVICGRID_DATA_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    })
    for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        done = subprocess.run([sys.executable, "-m", "civicgrid", *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(venv_bin / "gunicorn"), "civicgrid.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + server.stderr.read1().decode())
        html = page.read().decode()
        assert page.status == 200 and "csrfmiddlewaretoken" in html
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        # the stylesheet link points at a hashed file name, served with a long cache lifetime
        href = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert href.startswith("/static/web/site.") and href != "/static/web/site.css"
        css = urllib.request.urlopen(urllib.request.Request(base + href, headers={"Accept-Encoding": "gzip"}), timeout=5)
        assert css.status == 200 and "max-age=315360000" in css.headers["Cache-Control"]
        leaflet = urllib.request.urlopen(base + "/static/vendor/leaflet/leaflet.js", timeout=5)
        assert leaflet.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/no-such-page/", timeout=5)
        assert missing.value.code == 404 and b"Traceback" not in missing.value.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_production_refuses_to_start_without_a_data_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "CIVICGRID_DATA_KEY")}
    env.update({"SECRET_KEY": "production-like-test-key-" + "x" * 40, "CIVICGRID_DATA_DIR": str(tmp_path)})
    done = subprocess.run([sys.executable, "-m", "civicgrid", "check"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "CIVICGRID_DATA_KEY is not set" in done.stderr
