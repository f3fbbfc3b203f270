"""Signing in with a second factor in a real Chromium at a desk: setting up the authenticator app (the QR code must load
under the Content-Security-Policy), then password and code. Codes are made with pyotp from the secret the page shows,
as a phone's app would from the QR code.

Uses the browser fixtures of tests/web/test_browser.py. Set CIVICGRID_SCREENSHOTS=/some/folder to also save the pages.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.web.test_browser import DESKTOP, PHONE, _empty_database, browser, open_page

FIXTURES = (_empty_database, browser, open_page)  # the browser fixtures of tests/web, used here by name

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("CIVICGRID_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    settle(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def settle(page: Page) -> None:
    """Wait until the page has loaded everything (its favicon too): leaving earlier aborts a request, which the browser
    fixture reports as a failure."""
    page.wait_for_load_state("networkidle")


def password_step(page: Page, username: str) -> None:
    settle(page)
    page.goto("/accounts/login/")
    settle(page)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_set_up_the_app_then_sign_in_with_password_and_code(transactional_db, django_db_serialized_rollback, tree,
                                                           people, open_page, settings, size):
    settings.TOTP_REQUIRED = True
    page = open_page(DESKTOP if size == "desktop" else PHONE, mobile=size == "phone")

    password_step(page, "gridworker")
    page.wait_for_url("**/accounts/two-factor/")
    expect(page.locator("#two-factor h1")).to_be_visible()
    qr = page.locator("img.totp-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.totp-qr').naturalWidth") > 0  # the data: image was allowed
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    shot(page, f"{size}-enrol")

    settle(page)
    page.fill("#id_code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("form.form button[type=submit]")
    expect(page.locator("p.error")).to_be_visible()
    shot(page, f"{size}-enrol-wrong-code")
    settle(page)
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator(".messages")).to_be_visible()
    shot(page, f"{size}-enrolled-home")

    page.context.clear_cookies()
    password_step(page, "gridworker")
    page.wait_for_url("**/accounts/login/code/")
    expect(page.locator("#sign-in-code h1")).to_be_visible()
    shot(page, f"{size}-code")
    settle(page)
    page.goto("/cases/verify/")  # not signed in yet: back to the sign-in page
    assert path_of(page) == "/accounts/login/"
    password_step(page, "gridworker")
    page.wait_for_url("**/accounts/login/code/")
    settle(page)
    page.fill("#id_code", pyotp.TOTP(secret).at(time.time() + 30))  # the next step: the enrolment used this one
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    settle(page)
    page.goto("/cases/verify/")
    assert path_of(page) == "/cases/verify/"
    page.goto("/accounts/two-factor/")  # from the account menu: since when, and no secret any more
    expect(page.locator("#two-factor")).not_to_contain_text(secret[:8])
    expect(page.locator("img.totp-qr")).to_have_count(0)
    shot(page, f"{size}-enrolled-status")
