"""The household visit and the map of components and organisations in a real Chromium: a grid worker on a phone
(390x844), street staff at a desk.

Uses the browser fixtures of tests/web/test_browser.py (Debian's chromium, a fresh live server, a failure on any
console error, page error, CSP violation or failed request). Set CIVICGRID_SCREENSHOTS=/some/folder to also save
screenshots of these pages at phone and desktop size (test_screenshots_of_the_visit_and_map_pages).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from civicgrid.core.crypto import decrypt, lookup_hash
from civicgrid.core.models import ChangeRecord
from civicgrid.people.models import Role
from civicgrid.registry import map_views, services
from civicgrid.registry.models import Person
from civicgrid.registry.services import upsert_component, upsert_house, upsert_organisation, upsert_person
from tests.registry.test_map import credit_code
from tests.registry.test_registry import id_number
from tests.web.test_browser import (
    DESKTOP,
    PHONE,
    _empty_database,
    assert_no_sideways_scrolling,
    browser,
    open_page,
    sign_in,
)


def sign_in_and_settle(page: Page, username: str) -> None:
    sign_in(page, username)
    page.wait_for_load_state("networkidle")  # the icon is fetched after "load": leaving sooner aborts it

FIXTURES = (_empty_database, browser, open_page)  # the browser fixtures of tests/web, used here by name

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _close_connections_opened_beside_the_browser(browser):
    """See tests/cases/test_case_browser.py: close the connection Playwright's thread got, before the flush."""
    yield
    connections.close_all()


@pytest.fixture
def open_page_refusing(browser, live_server):
    """open_page of tests/web/test_browser.py, except that a form the test sends with bad input on purpose may be
    answered 400 (with Chrome's console line about it): `page.refusals` lists the paths that may answer so."""
    contexts, problems = [], []

    def make(viewport: dict, *, mobile: bool = False) -> Page:
        context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="zh-CN",
                                      base_url=live_server.url)
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        page.refusals = []
        refused = []

        def response(r):
            if r.status == 400 and r.request.method == "POST" and urlsplit(r.url).path in page.refusals:
                refused.append(r.url)
            elif r.status >= 400:
                problems.append(f"HTTP {r.status}: {r.url}")

        def console(m):
            if m.type == "error" and refused and "status of 400" in m.text:
                return
            if m.type in ("error", "warning"):
                problems.append(f"console {m.type}: {m.text}")

        page.on("console", console)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", response)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


def make_houses():
    a = upsert_house(address="甲街道星湖街1号1幢1单元101室", building="1幢", unit="1单元", room="101",
                     lon=120.701, lat=31.301)[0]
    upsert_house(address="甲街道星湖街1号1幢1单元102室", building="1幢", unit="1单元", room="102", lon=120.7012,
                 lat=31.3012)
    upsert_house(address="乙街道星湖街9号2幢202室", building="2幢", room="202", lon=120.701, lat=31.311)  # not theirs
    wang = upsert_person(id_number=id_number(seq="111"), name="王建国", phone="13812345678", house=a,
                         tags=["独居老人", "社区矫正对象"])[0]
    upsert_person(id_number=id_number(seq="222", birth="19920304"), name="李梅", phone="13900001111", house=a,
                  residence_type=Person.ResidenceType.FLOATING, arrival_date=date(2025, 3, 1),
                  permit_expires_on=date(2026, 3, 1))
    return a, wang


def make_points(department):
    """Components of every status and organisations in grids A1-1, A1-2 (the grid worker's) and B1-1 (not theirs)."""
    statuses = ["good", "damaged", "missing", "removed"]
    n = 0
    for x0, y0 in ((120.700, 31.300), (120.710, 31.300), (120.700, 31.310)):
        for i in range(4):
            upsert_component(code=f"320571-B0118-{n:04d}", class_code="B0118", name="路灯", status=statuses[i],
                             lon=x0 + 0.002 + 0.0015 * i, lat=y0 + 0.003 + 0.001 * i, owner_department=department)
            n += 1
        upsert_organisation(credit_code=credit_code(n), name=f"星湖科技有限公司{n}", lon=x0 + 0.006, lat=y0 + 0.007)


def test_grid_worker_on_a_phone_updates_a_phone_and_registers_a_newcomer(transactional_db,
                                                                         django_db_serialized_rollback, tree, people,
                                                                         open_page_refusing):
    house, wang = make_houses()
    worker = people[Role.GRID_WORKER]
    page = open_page_refusing(PHONE, mobile=True)
    page.refusals.append(f"/registry/visit/houses/{house.pk}/newcomer/")  # the mistyped identity number below
    sign_in_and_settle(page, "gridworker")
    page.goto("/registry/visit/")
    expect(page.locator(".house-list li")).to_have_count(2)  # the house in street B is not theirs
    assert_no_sideways_scrolling(page, PHONE["width"])
    page.locator(".house-list a", has_text="101室").click()
    page.wait_for_url(f"**/registry/visit/houses/{house.pk}/")
    expect(page.locator("h1")).to_have_text(house.address)
    resident = page.locator(f"#resident-{wang.pk}")
    expect(resident.locator("[data-field=id_number]")).to_have_text("**************" + id_number(seq="111")[-4:])
    expect(resident.locator("[data-field=phone]")).to_have_text("138****5678")
    expect(resident.locator("[data-field=tags]")).to_have_text("独居老人")  # not the sensitive tag
    expect(page.locator("body")).not_to_contain_text("社区矫正对象")
    assert_no_sideways_scrolling(page, PHONE["width"])

    # the phone number changed
    resident.locator("[data-action=update] summary").click()
    form = resident.locator("form.resident-form")
    expect(form).to_be_visible()
    expect(form.locator(f"#id_r{wang.pk}-arrival_date")).to_be_hidden()  # registered resident: no floating dates
    form.locator(f"#id_r{wang.pk}-phone").fill("139 1111 2222")
    form.locator(f"#id_r{wang.pk}-note").fill("住户换了手机号")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/registry/visit/houses/{house.pk}/#resident-{wang.pk}")
    expect(page.locator(f"#resident-{wang.pk} [data-field=phone]")).to_have_text("139****2222")
    wang.refresh_from_db()
    assert decrypt(wang.phone_encrypted) == "13911112222"
    assert services.stored_tags(wang) == ["独居老人", "社区矫正对象"]
    record = ChangeRecord.objects.filter(model_label="registry.person", object_id=str(wang.pk)).first()
    assert record.actor == worker and record.source.endswith("· 住户换了手机号") and "phone_hash" in record.changes

    # a newcomer: first with a mistyped identity number, then right
    good = id_number(seq="888", birth="19950607")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    newcomer = page.locator("[data-action=newcomer]")
    newcomer.locator("summary").click()
    newcomer.locator("#id_new-id_number").fill(bad)
    newcomer.locator("#id_new-name").fill("孙丽")
    newcomer.locator("#id_new-phone").fill("13611112222")
    expect(newcomer.locator("#id_new-arrival_date")).to_be_hidden()
    newcomer.locator("#id_new-residence_type").select_option("floating")
    expect(newcomer.locator("#id_new-arrival_date")).to_be_visible()  # a floating resident: the dates
    newcomer.locator("#id_new-arrival_date").fill("2026-10-01")
    newcomer.locator("input[name=new-tags][value=孕产妇]").check()
    newcomer.locator("button[type=submit]").click()
    newcomer = page.locator("[data-action=newcomer]")
    expect(newcomer.locator(".field-id_number .error")).to_be_visible()
    expect(newcomer.locator("#id_new-name")).to_have_value("孙丽")  # the other values are kept
    expect(newcomer.locator("#id_new-arrival_date")).to_have_value("2026-10-01")
    expect(newcomer.locator("input[name=new-tags][value=孕产妇]")).to_be_checked()
    assert not Person.objects.filter(id_number_hash=lookup_hash(good)).exists()
    assert_no_sideways_scrolling(page, PHONE["width"])
    newcomer.locator("#id_new-id_number").fill(good)
    newcomer.locator("button[type=submit]").click()
    page.wait_for_url(f"**/registry/visit/houses/{house.pk}/#resident-*")
    sun = Person.objects.get(id_number_hash=lookup_hash(good))
    row = page.locator(f"#resident-{sun.pk}")
    expect(row.locator(".resident-name")).to_have_text("孙丽")
    expect(row.locator("[data-field=phone]")).to_have_text("136****2222")
    expect(row.locator("[data-field=tags]")).to_have_text("孕产妇")
    expect(page.locator(".resident")).to_have_count(3)
    assert sun.house_id == house.pk and sun.arrival_date == date(2026, 10, 1)
    assert ChangeRecord.objects.get(model_label="registry.person", object_id=str(sun.pk)).actor == worker


def marker_count(page: Page, kind: str = "") -> int:
    return page.locator(f"#registry-map path.cg-point{'.cg-' + kind if kind else ''}").count()


def wait_for_load(page: Page, n: int) -> None:
    expect(page.locator("#registry-map")).to_have_attribute("data-loads", str(n))


def test_the_map_shows_the_scopes_points_with_a_layer_switcher(transactional_db, django_db_serialized_rollback, tree,
                                                               people, department, open_page, monkeypatch):
    make_points(department)
    page = open_page(PHONE, mobile=True)
    sign_in_and_settle(page, "gridworker")
    page.goto("/registry/map/")
    wait_for_load(page, 1)
    # two grids of 4 components and 1 organisation each; the third grid is not theirs
    assert (marker_count(page, "component"), marker_count(page, "organisation")) == (8, 2)
    expect(page.locator("#registry-map path.cg-status-damaged")).to_have_count(2)
    expect(page.locator("#registry-map path.leaflet-interactive:not(.cg-point)")).to_have_count(2)  # the outlines
    assert_no_sideways_scrolling(page, PHONE["width"])

    page.locator("#registry-map path.cg-organisation").first.click()
    popup = page.locator(".registry-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("星湖科技有限公司")
    assert popup.locator("a").get_attribute("href").startswith("/registry/organisations/")
    # a new load of the same box (after a pan, say) keeps the markers and the open popup
    loads = int(page.locator("#registry-map").get_attribute("data-loads"))
    page.evaluate("window.civicgridMap.reload()")
    wait_for_load(page, loads + 1)
    expect(popup).to_be_visible()
    assert (marker_count(page, "component"), marker_count(page, "organisation")) == (8, 2)

    page = open_page(DESKTOP)
    sign_in_and_settle(page, "street")
    page.goto("/registry/map/")
    wait_for_load(page, 1)
    assert (marker_count(page, "component"), marker_count(page, "organisation")) == (8, 2)
    page.locator("#registry-map path.cg-status-missing").first.click()
    popup = page.locator(".registry-popup")
    expect(popup).to_contain_text("320571-B0118-")
    assert popup.locator("a").get_attribute("href").startswith("/registry/components/")
    # more points than a layer may carry: the status line says so
    monkeypatch.setattr(map_views, "MAP_POINT_LIMIT", 3)
    page.evaluate("window.civicgridMap.reload()")
    wait_for_load(page, 2)
    expect(page.locator("#registry-map-status.capped .capped-note")).to_be_visible()
    assert (marker_count(page, "component"), marker_count(page, "organisation")) == (3, 2)
    monkeypatch.undo()
    page.evaluate("window.civicgridMap.reload()")
    wait_for_load(page, 3)
    expect(page.locator("#registry-map-status.capped")).to_have_count(0)
    # the layer switcher: organisations off, then the components too
    overlays = page.locator(".leaflet-control-layers-overlays input")
    expect(overlays).to_have_count(3)
    overlays.nth(1).uncheck()
    wait_for_load(page, 4)
    assert (marker_count(page, "component"), marker_count(page, "organisation")) == (8, 0)
    overlays.nth(0).uncheck()
    expect(page.locator("#registry-map path.cg-point")).to_have_count(0)
    expect(page.locator("#registry-map-status")).to_have_text("")


SHOTS = os.environ.get("CIVICGRID_SCREENSHOTS")


@pytest.mark.skipif(not SHOTS, reason="set CIVICGRID_SCREENSHOTS to a folder to take screenshots of the visit pages")
def test_screenshots_of_the_visit_and_map_pages(transactional_db, django_db_serialized_rollback, tree, people,
                                                department, open_page_refusing):
    open_page = open_page_refusing
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    house, wang = make_houses()
    for i in range(3, 40):
        upsert_house(address=f"甲街道星湖街{i}号{i % 5 + 1}幢{i % 3 + 1}单元{i}01室", building=f"{i % 5 + 1}幢",
                     lon=120.701 + 0.0002 * i, lat=31.302 + 0.0001 * i)
    make_points(department)
    for name, size, mobile in (("phone", PHONE, True), ("desktop", DESKTOP, False)):
        page = open_page(size, mobile=mobile)
        page.refusals.append(f"/registry/visit/houses/{house.pk}/newcomer/")
        sign_in_and_settle(page, "gridworker")
        page.goto("/registry/visit/")
        page.screenshot(path=str(folder / f"visit-houses-{name}.png"), full_page=True)
        page.goto(f"/registry/visit/houses/{house.pk}/")
        page.screenshot(path=str(folder / f"visit-house-{name}.png"), full_page=True)
        page.locator(f"#resident-{wang.pk} [data-action=update] summary").click()
        page.screenshot(path=str(folder / f"visit-house-update-{name}.png"), full_page=True)
        page.locator("[data-action=newcomer] summary").click()
        page.locator("#id_new-id_number").fill("320571199506078880")
        page.locator("#id_new-name").fill("孙丽")
        page.locator("#id_new-residence_type").select_option("floating")
        page.locator("[data-action=newcomer] button[type=submit]").click()
        expect(page.locator(".field-id_number .error")).to_be_visible()
        page.screenshot(path=str(folder / f"visit-newcomer-error-{name}.png"), full_page=True)
        page.goto("/registry/map/")
        wait_for_load(page, 1)
        page.locator("#registry-map path.cg-status-damaged").first.click()
        expect(page.locator(".registry-popup")).to_be_visible()
        page.wait_for_timeout(600)  # the popup's fade-in and the map's pan to show it
        page.screenshot(path=str(folder / f"map-gridworker-{name}.png"), full_page=True)
        page = open_page(size, mobile=mobile)
        sign_in_and_settle(page, "dataadmin")
        page.goto("/registry/map/")
        wait_for_load(page, 1)
        page.screenshot(path=str(folder / f"map-district-{name}.png"), full_page=True)
