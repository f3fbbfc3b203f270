"""A data administrator imports a file with errors in a real Chromium, reads the problems, fixes the file, imports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from civicgrid.registry.models import Person
from civicgrid.registry.services import upsert_house
from tests.web.test_browser import (
    DESKTOP,
    PHONE,
    _empty_database,
    assert_no_sideways_scrolling,
    browser,
    open_page,
    sign_in,
)

from .test_import import write_csv
from .test_registry import id_number

FIXTURES = (_empty_database, browser, open_page)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _close_connections_opened_beside_the_browser(browser):
    yield
    connections.close_all()


def test_an_import_with_errors_then_fixed(transactional_db, django_db_serialized_rollback, tree, people, open_page,
                                          tmp_path):
    house = upsert_house(address="甲一社区星湖街1号1幢101室", building="1幢", room="101", lon=120.701, lat=31.301)[0]
    good, bad = id_number(seq="111"), id_number(seq="222")[:-1] + "0"
    if bad == id_number(seq="222"):
        bad = bad[:-1] + "1"
    broken = write_csv(tmp_path / "人口-有错.csv", [[good, "王建国", "13812345678", house.address, "户籍", "", ""],
                                                    [bad, "李梅", "1234", house.address, "流动", "", "2027/2/30"]],
                       encoding="gbk")
    page = open_page(DESKTOP)
    sign_in(page, "dataadmin")
    page.goto("/registry/imports/")
    expect(page.locator("h1")).to_have_text("导入基础数据")
    page.select_option("#id_kind", "person")
    page.set_input_files("#id_file", str(broken))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#import-status-label")).to_have_text("未导入：文件有错误")
    rows = page.locator("#import-problems tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("公民身份号码")
    expect(rows.nth(1)).to_contain_text("联系电话")
    expect(rows.nth(2)).to_contain_text("居住证有效期至")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载问题清单（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert Person.objects.count() == 0
    shots = os.environ.get("CIVICGRID_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "import-errors-desktop.png"), full_page=True)

    fixed = write_csv(tmp_path / "人口.csv", [[good, "王建国", "13812345678", house.address, "户籍", "", ""],
                                             [id_number(seq="222"), "李梅", "", house.address, "流动", "", "2027/2/28"]])
    phone = open_page(PHONE, mobile=True)
    sign_in(phone, "dataadmin")
    phone.goto("/registry/imports/")
    phone.set_input_files("#id_file", str(fixed))
    phone.get_by_role("button", name="上传并校验").click()
    expect(phone.locator("#import-status-label")).to_have_text("已完成")
    expect(phone.locator("#count-created")).to_have_text("2")
    assert_no_sideways_scrolling(phone, PHONE["width"])
    if shots:
        phone.screenshot(path=str(Path(shots) / "import-done-phone.png"), full_page=True)
    assert Person.objects.count() == 2
