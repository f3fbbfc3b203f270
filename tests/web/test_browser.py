"""The pages in a real Chromium: a grid worker on a phone, street staff at a desk.

Needs Debian's chromium (apt install chromium) at /usr/bin/chromium, or its path in CIVICGRID_CHROMIUM. Without it
these tests fail, saying so: a browser test that quietly skips is a page nobody looked at.

The live server needs committed rows (transactional_db). Each test starts from an empty database and gets the
migrations' rows back by serialized rollback (the audit chain head, the region tree version, content types): an
earlier transactional test's flush removes those rows, and re-creates content types under other ids, which would
clash with the serialized copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
TIMEOUT_MS = 5000


@pytest.fixture(scope="module", autouse=True)
def _empty_database(django_db_setup, django_db_blocker):
    """Whatever ran before, the first test's serialized rollback loads into empty tables. (Module scope: it must run
    before pytest-django's autouse live-server helper sets up the test's database.)"""
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)


@pytest.fixture
def browser(transactional_db, django_db_serialized_rollback):
    # One Playwright per test, started after the database is set up and stopped before it is flushed: while
    # Playwright's event loop runs in this thread, Django's connection handler (an asgiref Local) gives out another
    # connection object, without the serialized contents that the next test's rollback needs.
    path = Path(os.environ.get("CIVICGRID_CHROMIUM") or "/usr/bin/chromium")
    if not path.exists():
        pytest.fail(f"Chromium not found at {path}: install Debian's chromium package (apt install chromium) or set "
                    f"CIVICGRID_CHROMIUM to the browser's path", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(path), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """A fresh page of the given size; at the end, fails the test on any console error, page error, CSP violation
    or failed request (the pages load nothing from outside the site)."""
    contexts, problems = [], []

    def make(viewport: dict, *, mobile: bool = False) -> Page:
        context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="zh-CN",
                                      base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: _aborted_by_navigation(r) or problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


def _aborted_by_navigation(request) -> bool:
    """The browser's own favicon request, cancelled because the page moved on (a test clicking on before the icon
    arrived): not a fault of the page. Any other failed request is."""
    return request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or "")


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")  # the home page, not the sign-in page again


def click_map_at(page: Page, lon: float, lat: float) -> None:
    """Click the map where the point (WGS-84) is drawn, as a finger or a mouse would."""
    x, y = page.evaluate("([lon, lat]) => { const p = window.civicgridMap.map.latLngToContainerPoint([lat, lon]);"
                         " return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#region-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def polygons(page: Page):
    return page.locator("#region-map path.leaflet-interactive")


def assert_no_sideways_scrolling(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_grid_worker_on_a_phone_sees_their_grids_and_taps_one(transactional_db, django_db_serialized_rollback, tree, people,
                                                              open_page):
    page = open_page(PHONE, mobile=True)
    sign_in(page, "gridworker")
    expect(page.locator("#my-grids")).to_contain_text("我的网格")
    expect(polygons(page)).to_have_count(2)  # exactly the two grids of their scope
    assert_no_sideways_scrolling(page, PHONE["width"])

    info = page.locator("#region-info")
    expect(info).to_be_hidden()
    click_map_at(page, 120.707, 31.306)  # inside grid 320571001001001
    expect(info).to_be_visible()
    expect(info).to_be_in_viewport()
    expect(info.locator("[data-field=code]")).to_have_text("320571001001001")
    expect(info.locator("[data-field=full_name]")).to_have_text("甲一社区网格1")
    expect(info.locator("[data-field=parents]")).to_have_text("苏州市、苏州工业园区、甲街道、甲一社区")
    expect(info.locator("[data-field=workers]")).to_have_text("gridworker")
    expect(info.locator("[data-field=grid_kind]")).to_have_text("综合网格")

    click_map_at(page, 120.717, 31.306)  # the other grid
    expect(info.locator("[data-field=code]")).to_have_text("320571001001002")
    info.locator("[data-action=close]").click()
    expect(info).to_be_hidden()


def test_street_staff_at_a_desk_browse_their_street(transactional_db, django_db_serialized_rollback, tree, people, open_page):
    page = open_page(DESKTOP)
    sign_in(page, "street")
    expect(page.locator("#my-area")).to_contain_text("我的辖区")
    page.locator(".link-list a", has_text="甲街道").click()
    page.wait_for_url(f"**/regions/{tree.street_a.code}/")

    expect(page.locator(".crumbs li")).to_have_text(["苏州市", "苏州工业园区", "甲街道"])
    expect(page.locator("table.children tbody tr")).to_have_count(2)
    expect(polygons(page)).to_have_count(2)  # the street's two communities; street B is not theirs

    info = page.locator("#region-info")
    click_map_at(page, 120.73, 31.305)  # inside community 甲二社区
    expect(info).to_be_visible()
    expect(info.locator("[data-field=code]")).to_have_text(tree.community_a2.code)
    expect(info.locator("[data-field=full_name]")).to_have_text("甲二社区")
    expect(info.locator("[data-field=level]")).to_have_text("社区")
    expect(info.locator("[data-field=parents]")).to_have_text("苏州市、苏州工业园区、甲街道")
    expect(info.locator("[data-field=workers]")).to_be_hidden()  # a community has no grid workers of its own

    info.locator("a[data-field=url]").click()
    page.wait_for_url(f"**/regions/{tree.community_a2.code}/")
    expect(page.locator("h1")).to_have_text("甲二社区")
    expect(polygons(page)).to_have_count(2)
    assert_no_sideways_scrolling(page, DESKTOP["width"])
