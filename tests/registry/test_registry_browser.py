"""The base-data pages in a real Chromium: community staff on a phone search, open a person and reveal a phone with a
reason; street staff at a desk filter, open a house with its map and look a person up by identity number.

Uses the browser fixtures of tests/web/test_browser.py (Debian's chromium, a fresh live server, a failure on any
console error, page error, CSP violation or failed request). Elements are found by their ids, names and data-
attributes, not by their words (the Chinese catalogue is merged by the maintainer). Set CIVICGRID_SCREENSHOTS=/some/folder
to also save a screenshot of every base-data page at phone and desktop size (test_screenshots_of_the_registry_pages).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from civicgrid.cases import services as cs
from civicgrid.cases.models import Channel
from civicgrid.core.models import AuditEntry
from civicgrid.people.models import Role
from civicgrid.registry.models import ImportJob, Person
from civicgrid.registry.services import upsert_person
from tests.registry.test_pages import PHONE_WANG, base
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

FIXTURES = (_empty_database, browser, open_page, base)  # fixtures of other modules, used here by name

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _close_connections_opened_beside_the_browser(browser):
    """See tests/cases/test_case_browser.py: the connection Playwright's thread gets must be closed before the
    database is dropped."""
    yield
    connections.close_all()


def test_community_staff_on_a_phone_search_open_and_reveal_with_a_reason(transactional_db,
                                                                         django_db_serialized_rollback, people, base,
                                                                         open_page):
    page = open_page(PHONE, mobile=True)
    sign_in(page, "community")
    page.locator(".todo-links a[href='/registry/']").click()
    page.wait_for_url("**/registry/")
    expect(page.locator("tr[data-person]")).to_have_count(1)  # their community only
    assert_no_sideways_scrolling(page, PHONE["width"])

    page.fill("input[name=name]", "王")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/registry/?name=*")
    row = page.locator(f"tr[data-person='{base.wang.pk}']")
    expect(row.locator("[data-field=phone]")).to_have_text("138****5678")
    expect(row.locator("[data-field=id_number]")).to_have_text("**************" + base.numbers["wang"][-4:])
    expect(row.locator("[data-field=tags]")).to_contain_text("社区矫正对象")
    row.locator("td.main a").click()

    page.wait_for_url(f"**/registry/people/{base.wang.pk}/")
    expect(page.locator("h1")).to_have_text("王建国")
    expect(page.locator(".facts [data-field=phone]")).to_have_text("138****5678")
    assert PHONE_WANG not in page.content()
    assert_no_sideways_scrolling(page, PHONE["width"])

    form = page.locator("form.reveal-form")
    form.locator("select[name=field]").select_option("phone")
    form.locator("input[name=reason]").fill("入户走访核实联系方式")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-revealed=phone]")).to_have_text(PHONE_WANG)
    expect(page.locator(".revealed-card")).to_be_in_viewport()
    assert "revealed" not in page.url and PHONE_WANG not in page.url  # a POST: nothing in the address
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert entry.actor_name == "community" and entry.detail == {"field": "phone", "reason": "入户走访核实联系方式"}
    assert_no_sideways_scrolling(page, PHONE["width"])

    # back to the person's page: masked again (the clear value was never cached)
    page.goto(f"/registry/people/{base.wang.pk}/")
    expect(page.locator(".facts [data-field=phone]")).to_have_text("138****5678")
    assert PHONE_WANG not in page.content()


def test_street_staff_at_a_desk_filter_open_a_house_and_look_up_a_number(transactional_db,
                                                                          django_db_serialized_rollback, people, base,
                                                                          open_page):
    case = cs.report_case(channel=Channel.GRID_WORKER, title="楼道堆物", description="消防通道堵塞",
                          house=base.house_a2, reporter=people[Role.GRID_WORKER])
    page = open_page(DESKTOP)
    sign_in(page, "street")
    page.goto("/registry/")
    expect(page.locator("tr[data-person]")).to_have_count(2)
    page.select_option("select[name=residence_type]", "floating")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("tr[data-person]")).to_have_count(1)
    row = page.locator(f"tr[data-person='{base.li.pk}']")
    expect(row).to_contain_text("2026-12-31")
    assert_no_sideways_scrolling(page, DESKTOP["width"])

    # the person's house: residents, the case about it and its map
    row.locator("td.main a").click()
    page.locator("[data-house-link]").click()
    page.wait_for_url(f"**/registry/houses/{base.house_a2.pk}/")
    expect(page.locator(f"tr[data-person='{base.li.pk}']")).to_have_count(1)
    expect(page.locator(f"[data-ticket='{case.ticket_no}']")).to_be_visible()
    expect(page.locator("#record-map path.leaflet-interactive")).to_have_count(2)  # the grid and the house
    assert_no_sideways_scrolling(page, DESKTOP["width"])

    # the exact look-up: the number goes in the form's body, never in the address bar
    page.goto("/registry/")
    page.locator("details.lookup > summary").click()
    page.fill("#id_lookup_number", base.numbers["wang"])
    page.locator("form.lookup-form button[type=submit]").click()
    page.wait_for_url("**/registry/people/lookup/")
    expect(page.locator("tr[data-person]")).to_have_count(1)
    expect(page.locator(f"tr[data-person='{base.wang.pk}']")).to_be_visible()
    assert base.numbers["wang"] not in page.url and base.numbers["wang"] not in page.content()

    # houses tab, with the export link for street staff
    page.locator(".registry-tabs a[data-kind=houses]").click()
    page.wait_for_url("**/registry/houses/")
    expect(page.locator("tr[data-house]")).to_have_count(2)
    expect(page.locator("a.export-link")).to_be_visible()


SHOTS = os.environ.get("CIVICGRID_SCREENSHOTS")


@pytest.mark.skipif(not SHOTS, reason="set CIVICGRID_SCREENSHOTS to a folder to take screenshots of the registry pages")
def test_screenshots_of_the_registry_pages(transactional_db, django_db_serialized_rollback, people, base, open_page):
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    worker, admin = people[Role.GRID_WORKER], people[Role.DATA_ADMIN]
    for i, name in enumerate(["孙丽华", "周志强", "吴秀英", "郑国平", "欧阳明月"]):
        upsert_person(id_number=id_number(f"19{50 + i * 7}0{i + 1}15", f"{600 + i}"), name=name,
                      phone=f"1391234{5600 + i}", house=base.house_a1 if i % 2 else base.house_a2,
                      tags=[["高龄老人"], ["残疾人", "低保户"], [], ["退役军人"], ["留守儿童"]][i])
    upsert_person(id_number=base.numbers["wang"], name="王建国", phone="13812340000", house=base.house_a1,
                  household_address="江苏省苏州市姑苏区人民路1号", tags=["独居老人", "社区矫正对象", "高龄老人"],
                  actor=admin, source="走访更新")
    upsert_person(id_number=base.numbers["li"], name="李梅", phone="13900001111", house=base.house_a1,
                  tags=["低保户"], residence_type=Person.ResidenceType.FLOATING, arrival_date="2024-03-01",
                  registered_on="2024-03-10", permit_expires_on="2026-12-31", actor=worker, source="走访：已搬家")
    job = ImportJob.objects.create(kind=ImportJob.Kind.PERSON, file_name="甲街道人口2026.xlsx",
                                   status=ImportJob.Status.DONE)
    Person.objects.filter(pk=base.wang.pk).update(created_by_job=job)
    for title, about in (("楼道堆物影响通行", {"house": base.house_a2}), ("路灯不亮", {"component": base.component}),
                         ("井盖松动", {"component": base.component})):
        cs.report_case(channel=Channel.GRID_WORKER, title=title, description="现场发现", reporter=worker, **about)

    pages = [
        ("street", "people", "/registry/"),
        ("street", "people-filtered", "/registry/?residence_type=floating"),
        ("street", "person", f"/registry/people/{base.wang.pk}/"),
        ("street", "person-moved", f"/registry/people/{base.li.pk}/"),
        ("street", "houses", "/registry/houses/"),
        ("street", "house", f"/registry/houses/{base.house_a2.pk}/"),
        ("street", "organisations", "/registry/organisations/"),
        ("street", "organisation", f"/registry/organisations/{base.organisation.pk}/"),
        ("street", "components", "/registry/components/"),
        ("street", "component", f"/registry/components/{base.component.pk}/"),
        ("street", "export", "/registry/export/people/?residence_type=floating"),
        ("dispatcher", "people", "/registry/"),
        ("gridworker", "person", f"/registry/people/{base.wang.pk}/"),
        ("dataadmin", "home", "/"),
    ]
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        current = "nobody"
        page = open_page(size, mobile=size is PHONE)
        for who, name, url in pages:
            if who != current:
                page.context.clear_cookies()
                sign_in(page, who)
                page.wait_for_load_state("networkidle")  # the home page's icon, before going on
                current = who
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{size_name}-{who}-{name}.png"), full_page=True)
        # a reveal, as community staff
        page.context.clear_cookies()
        sign_in(page, "community")
        page.wait_for_load_state("networkidle")
        page.goto(f"/registry/people/{base.wang.pk}/")
        page.locator("form.reveal-form select[name=field]").select_option("phone")
        page.locator("form.reveal-form input[name=reason]").fill("入户走访核实联系方式")
        page.locator("form.reveal-form button[type=submit]").click()
        expect(page.locator("[data-revealed=phone]")).to_be_visible()
        page.screenshot(path=str(folder / f"{size_name}-community-revealed.png"), full_page=True)
