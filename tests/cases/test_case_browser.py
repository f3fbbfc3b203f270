"""The case pages in a real Chromium: a dispatcher's queue at a desk, a resident and a grid worker on phones.

Uses the browser fixtures of tests/web/test_browser.py (Debian's chromium, a fresh live server, a failure on any
console error, page error, CSP violation or failed request). Set CIVICGRID_SCREENSHOTS=/some/folder to also save a
screenshot of every case page at phone and desktop size (test_screenshots_of_every_page).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections, transaction
from playwright.sync_api import Page, expect

from civicgrid.cases import services as cs
from civicgrid.cases.models import Case, CaseEvent, Channel, Status
from civicgrid.people.models import Role
from tests.cases.conftest import png_bytes
from tests.web.test_browser import (
    DESKTOP,
    PHONE,
    _empty_database,
    assert_no_sideways_scrolling,
    browser,
    open_page,
    sign_in,
)

FIXTURES = (_empty_database, browser, open_page)  # the browser fixtures of tests/web, used here by name

pytestmark = pytest.mark.browser

@pytest.fixture(autouse=True)
def _close_connections_opened_beside_the_browser(browser):
    """These tests read and write the database while Playwright runs in the test thread, where Django's connection
    handler hands out another connection (see tests/web/test_browser.py); close it before Playwright stops, or
    PostgreSQL cannot drop the test database at the end."""
    yield
    connections.close_all()


INSIDE_A1_1 = (120.701, 31.301)
INSIDE_B1_1 = (120.701, 31.311)


def report(people, categories, title, *, where=INSIDE_A1_1, **extra):
    lon, lat = where
    data = dict(channel=Channel.WEB, title=title, description="三天没人清运", category=categories["garbage"],
                lon=lon, lat=lat, contact_name="王芳", contact_phone="13812345678")
    data.update(extra)
    return cs.report_case(**data)


def tap_case_map(page: Page, lon: float, lat: float) -> None:
    """Tap the case map where the point (WGS-84) is drawn."""
    x, y = page.evaluate("([lon, lat]) => { const p = window.civicgridMap.map.latLngToContainerPoint([lat, lon]);"
                         " return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#case-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_dispatcher_filters_selects_and_accepts_in_bulk(transactional_db, django_db_serialized_rollback, tree, people,
                                                        categories, responsibility, open_page):
    first = report(people, categories, "小区门口垃圾堆积")
    second = report(people, categories, "绿化带里有建筑垃圾")
    cs.accept(report(people, categories, "已受理的"), people[Role.DISPATCHER])
    report(people, categories, "乙街道的垃圾", where=INSIDE_B1_1)

    page = open_page(DESKTOP)
    sign_in(page, "dispatcher")
    expect(page.locator("#my-todo")).to_contain_text("待我处理")
    page.locator(".todo", has_text="待受理").click()
    page.wait_for_url("**/cases/?f=1&status=reported")
    expect(page.locator("tbody tr")).to_have_count(3)

    # narrow it down: street A only
    page.select_option("select[name=region]", tree.street_a.code)
    page.get_by_role("button", name="筛选", exact=True).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("h1")).to_have_text("事件队列")
    expect(rows.first.locator(".due")).to_be_visible()
    assert_no_sideways_scrolling(page, DESKTOP["width"])

    submit = page.locator("[data-bulk-submit]")
    expect(submit).to_be_disabled()
    page.locator(f"tr[data-ticket={first.ticket_no}] input[name=ids]").check()
    page.locator(f"tr[data-ticket={second.ticket_no}] input[name=ids]").check()
    expect(page.locator("[data-selected-count]")).to_have_text("已选 2 件")
    page.select_option("select[name=action]", "accept")
    expect(page.locator("input[name=into]")).to_be_hidden()
    submit.click()

    results = page.locator("#bulk-results")
    expect(results).to_contain_text("2 件成功，0 件失败")
    expect(page.locator(".result-list li.ok")).to_have_count(2)
    expect(page.locator("tbody tr")).to_have_count(0)  # still filtered to "reported": nothing left
    assert set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {Status.ACCEPTED}

    # the map view of the same filters
    page.locator(".tabs a", has_text="地图").click()
    expect(page.locator("#case-map")).to_be_visible()


def test_resident_reports_on_a_phone_then_follows_the_ticket(transactional_db, django_db_serialized_rollback, tree,
                                                             people, categories, responsibility, open_page):
    page = open_page(PHONE, mobile=True)
    page.goto("/report/")
    expect(page.locator("h1")).to_have_text("我要反映")
    assert_no_sideways_scrolling(page, PHONE["width"])
    page.fill("#id_title", "路灯不亮")
    page.fill("#id_description", "晚上整条路都是黑的")
    page.select_option("#id_category", "S0102")
    page.set_input_files("#id_photos", files=[{"name": "路灯.png", "mimeType": "image/png", "buffer": png_bytes()}])
    expect(page.locator("#case-map svg path")).to_have_count(2)  # the two streets
    page.locator("#case-map").scroll_into_view_if_needed()
    tap_case_map(page, 120.705, 31.305)
    expect(page.locator("[data-position]")).to_contain_text("已选位置")
    page.fill("#id_contact_phone", "139 1234 5678")
    page.get_by_role("button", name="提交上报").click()

    page.wait_for_url("**/track/CG*/")
    case = Case.objects.get(title="路灯不亮")
    expect(page.locator("[data-ticket]")).to_have_text(case.ticket_no)
    expect(page.locator(".success-card")).to_contain_text("提交成功")
    assert case.grid.code == "320571001001001" and case.attachments.count() == 1
    assert_no_sideways_scrolling(page, PHONE["width"])

    # later: the case is done; the resident looks it up and rates it
    with transaction.atomic():
        dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
        done = cs.handle(cs.receive(cs.dispatch(cs.accept(case, dispatcher), dispatcher), handler), handler,
                         result="已更换灯泡")
        cs.close(cs.verify(done, people[Role.GRID_WORKER]), dispatcher)
    page.goto("/track/")
    page.fill("#id_ticket_no", case.ticket_no.lower())
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/track/{case.ticket_no}/")
    expect(page.locator(".timeline .event")).to_have_count(7)
    expect(page.locator(".timeline")).to_contain_text("已更换灯泡")
    page.locator("label.choice", has_text="4 · 满意").click()
    page.locator("label.choice", has_text="已解决").click()
    page.fill("#id_phone_last4", "5678")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".messages")).to_contain_text("感谢您的评价")
    assert Case.objects.get(pk=case.pk).satisfaction == 4
    assert_no_sideways_scrolling(page, PHONE["width"])


def test_grid_worker_reports_with_the_phones_gps(transactional_db, django_db_serialized_rollback, tree, people,
                                                categories, responsibility, open_page):
    page = open_page(PHONE, mobile=True)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.3013, "longitude": 120.7012})
    sign_in(page, "gridworker")
    page.get_by_role("link", name="上报", exact=True).click()
    page.wait_for_url("**/cases/report/")
    expect(page.locator("#id_photos")).to_have_attribute("capture", "environment")
    page.fill("#id_title", "井盖缺失")
    page.fill("#id_description", "人行道井盖不见了")
    page.select_option("#id_category", "S0102")
    page.get_by_role("button", name="使用当前定位").click()
    expect(page.locator("[data-position]")).to_contain_text("已定位")
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_url("**/cases/CG*/")
    expect(page.locator(".messages")).to_contain_text("上报成功")
    case = Case.objects.get(title="井盖缺失")
    assert case.lat == pytest.approx(31.3013) and case.channel == Channel.GRID_WORKER
    assert_no_sideways_scrolling(page, PHONE["width"])


SHOTS = os.environ.get("CIVICGRID_SCREENSHOTS")


@pytest.mark.skipif(not SHOTS, reason="set CIVICGRID_SCREENSHOTS to a folder to take screenshots of the case pages")
def test_screenshots_of_every_page(transactional_db, django_db_serialized_rollback, tree, people, categories,
                                   responsibility, open_page):
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    dispatcher, handler, worker = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER], people[Role.GRID_WORKER]
    cases = [report(people, categories, f"小区门口垃圾堆积 {i}", photos=[("a.png", png_bytes())])
             for i in range(3)]
    report(people, categories, "乙街道燃气味道很重", where=INSIDE_B1_1, category=categories["gas"])
    main = cases[0]
    main = cs.dispatch(cs.accept(main, dispatcher, note="请尽快处理"), dispatcher)
    cs.supervise(main, people[Role.LEADER], reason="群众反映强烈", due_minutes=480)
    handled = cs.handle(cs.receive(cs.dispatch(cs.accept(cases[1], dispatcher), dispatcher), handler), handler,
                        result="已清运，垃圾桶已加盖", photos=[("b.png", png_bytes(color=(20, 120, 220)))])
    Case.objects.filter(pk=cases[2].pk).update(stage_due_at="2020-01-01T00:00:00Z")
    closed = cs.close(cs.verify(handled, worker, note="现场已干净", lon=120.7011, lat=31.3011), dispatcher)
    handled2 = cs.handle(cs.receive(cs.dispatch(cs.accept(
        report(people, categories, "井盖缺失"), dispatcher), dispatcher), handler), handler, result="已补装")
    working = cs.receive(cs.dispatch(cs.accept(report(people, categories, "绿化带内建筑垃圾"), dispatcher), dispatcher),
                         handler)
    cs.request_extension(working, handler, extra_minutes=2 * 1440, reason="需协调产权单位")
    assert CaseEvent.objects.exists()

    pages = [
        ("dispatcher", "home", "/"),
        ("dispatcher", "queue", "/cases/"),
        ("dispatcher", "queue-map", "/cases/?view=map"),
        ("dispatcher", "detail", f"/cases/{main.ticket_no}/"),
        ("dispatcher", "detail-closed", f"/cases/{closed.ticket_no}/"),
        ("dispatcher", "detail-extension", f"/cases/{working.ticket_no}/#act-decide_extension"),
        ("handler", "home", "/"),
        ("handler", "inbox", "/cases/inbox/"),
        ("handler", "detail", f"/cases/{working.ticket_no}/#act-handle"),
        ("gridworker", "home", "/"),
        ("gridworker", "report", "/cases/report/"),
        ("gridworker", "verify", "/cases/verify/"),
        ("gridworker", "detail", f"/cases/{handled2.ticket_no}/#act-verify"),
        ("operator", "hotline", "/cases/hotline/"),
        ("leader", "home", "/"),
        (None, "public-report", "/report/"),
        (None, "track", "/track/"),
        (None, "track-case", f"/track/{closed.ticket_no}/"),
    ]
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        current = "nobody"
        page = open_page(size, mobile=size is PHONE)
        for who, name, url in pages:
            if who != current:
                page.context.clear_cookies()
                if who:
                    sign_in(page, who)
                current = who
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{size_name}-{who or 'public'}-{name}.png"), full_page=True)
