"""The case pages as the people who use them: dispatcher, department handler, grid worker, hotline operator, resident.

Django's test client, a real database; services make the cases, the pages act on them.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.cases import services as cs
from civicgrid.cases.models import Attachment, Case, CaseEvent, Channel, Status
from civicgrid.people.models import Role
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db

INSIDE_A1_1 = (120.701, 31.301)  # grid 320571001001001 (community 甲一, street A): the grid worker's grid
INSIDE_A2_1 = (120.721, 31.301)  # grid 320571001002001 (community 甲二, street A)
INSIDE_B1_1 = (120.701, 31.311)  # grid 320571002001001 (street B)


@pytest.fixture(autouse=True)
def _no_rate_limits_left_over():
    cache.clear()  # the public pages count posts per address in the cache
    yield
    cache.clear()


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def report(people, categories, *, where=INSIDE_A1_1, category="garbage", title="小区门口垃圾堆积", **extra):
    lon, lat = where
    data = dict(channel=Channel.WEB, title=title, description="三天没人清运，气味很大", category=categories[category],
                lon=lon, lat=lat, contact_name="王芳", contact_phone="13812345678")
    data.update(extra)
    return cs.report_case(**data)


def upload(name="现场.png", content=None):
    return SimpleUploadedFile(name, content or png_bytes(), content_type="image/png")


def html(response) -> str:
    return response.content.decode()


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def walk_to(case, people, status):
    """Take a case along the loop with the services, as the people who do each step."""
    dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
    steps = [(Status.ACCEPTED, lambda c: cs.accept(c, dispatcher)),
             (Status.DISPATCHED, lambda c: cs.dispatch(c, dispatcher)),
             (Status.IN_HANDLING, lambda c: cs.receive(c, handler)),
             (Status.HANDLED, lambda c: cs.handle(c, handler, result="已清运完毕")),
             (Status.VERIFIED, lambda c: cs.verify(c, people[Role.GRID_WORKER])),
             (Status.CLOSED, lambda c: cs.close(c, dispatcher))]
    for reached, step in steps:
        case = step(case)
        if reached == status:
            return case
    raise AssertionError(status)


# --------------------------------------------------------------------------------------------- dispatcher's queue


def test_queue_lists_the_dispatchers_cases_with_filters(tree, people, categories, responsibility, as_user):
    garbage_a = report(people, categories)
    gas_b = report(people, categories, where=INSIDE_B1_1, category="gas", title="燃气味道很重")
    accepted = cs.accept(report(people, categories, title="路灯不亮"), people[Role.DISPATCHER])
    client = as_user(people[Role.DISPATCHER])

    def tickets(**params):
        response = client.get(reverse("cases:queue"), {"f": "1", **params})
        assert response.status_code == 200
        return {c.ticket_no for c in response.context["rows"]}

    assert tickets() == {garbage_a.ticket_no, gas_b.ticket_no, accepted.ticket_no}
    assert tickets(status="reported") == {garbage_a.ticket_no, gas_b.ticket_no}
    assert tickets(status=["reported", "accepted"]) == {garbage_a.ticket_no, gas_b.ticket_no, accepted.ticket_no}
    assert tickets(category="S04") == {gas_b.ticket_no}  # a top-level class takes its children
    assert tickets(region=tree.street_b.code) == {gas_b.ticket_no}
    assert tickets(region=tree.community_a1.code) == {garbage_a.ticket_no, accepted.ticket_no}
    assert tickets(q="路灯") == {accepted.ticket_no}
    assert tickets(q=gas_b.ticket_no) == {gas_b.ticket_no}
    assert tickets(channel="hotline") == set()
    assert tickets(supervised="true") == set()
    Case.objects.filter(pk=gas_b.pk).update(stage_due_at="2020-01-01T00:00:00Z")
    assert tickets(overdue="true") == {gas_b.ticket_no}

    page = html(client.get(reverse("cases:queue"), {"f": "1", "overdue": "true"}))
    assert "已超期" in page and "燃气味道很重" in page and "燃气管道破裂" in page  # due marker, title, category
    assert "乙街道" in page and "乙一社区网格1" in page  # grid and street
    # a bare /cases/ shows the open cases
    cs.reject(garbage_a, people[Role.DISPATCHER], reason="重复")
    bare = client.get(reverse("cases:queue"))
    assert {c.ticket_no for c in bare.context["rows"]} == {gas_b.ticket_no, accepted.ticket_no}


def test_queue_is_scoped_to_the_users_area(tree, people, categories, responsibility, as_user, make_user):
    report(people, categories)
    in_b = report(people, categories, where=INSIDE_B1_1)
    street_b = make_user("dispatcher_b", Role.DISPATCHER, [tree.street_b])
    rows = as_user(street_b).get(reverse("cases:queue")).context["rows"]
    assert [c.ticket_no for c in rows] == [in_b.ticket_no]


def test_bulk_accept_reports_each_case(tree, people, categories, responsibility, as_user):
    one, two, stale = (report(people, categories, title=f"垃圾{i}") for i in range(3))
    cs.accept(fresh(stale), people[Role.HOTLINE_OPERATOR])  # someone else got there first
    client = as_user(people[Role.DISPATCHER])
    back = reverse("cases:queue") + "?f=1&status=reported"
    response = client.post(reverse("cases:bulk"), {
        "action": "accept", "ids": [one.pk, two.pk, stale.pk], "next": back,
        f"version_{one.pk}": one.version, f"version_{two.pk}": two.version, f"version_{stale.pk}": stale.version})
    assert response.status_code == 302 and response["Location"] == back
    assert fresh(one).status == fresh(two).status == Status.ACCEPTED
    page = client.get(back)
    results = page.context["bulk_results"]
    assert results["done"] == 2 and results["failed"] == 1
    failed = [r for r in results["rows"] if not r["ok"]]
    assert failed[0]["ticket"] == stale.ticket_no and "已被他人处理，请刷新" in failed[0]["message"]
    text = html(page)
    assert "2 件成功" in text and "1 件失败" in text
    assert "bulk_results" not in client.get(back).context or client.get(back).context["bulk_results"] is None


def test_bulk_merge_into_a_chosen_case_and_dispatch(tree, people, categories, responsibility, as_user):
    main = report(people, categories, title="主件")
    dupes = [report(people, categories, title=f"重复{i}") for i in range(2)]
    client = as_user(people[Role.DISPATCHER])
    client.post(reverse("cases:bulk"), {"action": "merge", "into": main.ticket_no.lower(),
                                        "ids": [d.pk for d in dupes] + [main.pk]})
    assert {fresh(d).status for d in dupes} == {Status.MERGED}
    assert fresh(dupes[0]).merged_into == main
    results = client.get(reverse("cases:queue")).context["bulk_results"]
    assert results["done"] == 2 and results["failed"] == 1  # the target cannot join itself
    assert [r["message"] for r in results["rows"] if not r["ok"]] == ["事件不能合并到自身。"]

    main = cs.accept(fresh(main), people[Role.DISPATCHER])
    client.post(reverse("cases:bulk"), {"action": "dispatch", "department": responsibility["gas_company"].code,
                                        "ids": [main.pk]})
    main = fresh(main)
    assert main.status == Status.DISPATCHED and main.department == responsibility["gas_company"]

    response = client.post(reverse("cases:bulk"), {"action": "merge", "into": "CG000", "ids": [dupes[0].pk]},
                           follow=True)
    assert "合并到" in html(response)  # the missing target is named, nothing done


def test_queue_query_count_does_not_grow_with_the_page(tree, people, categories, responsibility, as_user,
                                                        django_assert_num_queries):
    client = as_user(people[Role.DISPATCHER])
    url = reverse("cases:queue") + "?f=1&status=reported&category=S01"
    for i in range(3):
        report(people, categories, title=f"少{i}", where=INSIDE_A1_1 if i % 2 else INSIDE_B1_1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(response.context["rows"]) == 3
    for i in range(40):
        report(people, categories, title=f"多{i}", where=(INSIDE_A1_1, INSIDE_A2_1, INSIDE_B1_1)[i % 3])
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["rows"]) == 43
    with django_assert_num_queries(len(few) + 1):  # the map view adds the page's grid outlines
        response = client.get(url + "&view=map")
    data = response.context["case_map"]
    assert len(data["points"]) == 43 and len(data["areas"]["features"]) == 3


def test_queue_map_view_draws_the_pages_cases(tree, people, categories, responsibility, as_user):
    case = report(people, categories)
    response = as_user(people[Role.DISPATCHER]).get(reverse("cases:queue"), {"view": "map"})
    page = html(response)
    assert 'id="case-map-data"' in page and "leaflet.js" in page
    point = response.context["case_map"]["points"][0]
    assert point["ticket"] == case.ticket_no and point["url"] == reverse("cases:detail", args=[case.ticket_no])


# ---------------------------------------------------------------------------------------------------- a case page


def test_case_page_shows_facts_masked_contact_and_the_allowed_buttons(tree, people, categories, responsibility,
                                                                     photo, as_user):
    case = report(people, categories, photos=[photo])
    response = as_user(people[Role.DISPATCHER]).get(reverse("cases:detail", args=[case.ticket_no]))
    assert response.status_code == 200
    page = html(response)
    assert [a["name"] for a in response.context["actions"]] == ["accept", "reject", "merge", "supervise"]
    for name in ("accept", "reject", "merge", "supervise"):
        assert f'id="act-{name}"' in page
    assert 'id="act-dispatch"' not in page
    assert f'name="version" value="{case.version}"' in page
    assert "138****5678" in page and "13812345678" not in page and "王*" in page and "王芳" not in page
    sha = Attachment.objects.get(case=case).sha256
    assert reverse("cases:photo", args=[case.ticket_no, sha[:16]]) in page and "/media/" not in page
    assert "区城市管理局" in page and "甲一社区网格1" in page and "当日清运" in page  # department, grid, standard
    assert response.context["case_map"]["points"][0]["lon"] == pytest.approx(INSIDE_A1_1[0])
    assert response.context["case_map"]["areas"]["features"][0]["properties"]["code"] == "320571001001001"

    handler_view = as_user(people[Role.DEPARTMENT_HANDLER]).get(reverse("cases:detail", args=[case.ticket_no]))
    assert handler_view.context["actions"] == []
    case = walk_to(case, people, Status.DISPATCHED)
    handler_view = as_user(people[Role.DEPARTMENT_HANDLER]).get(reverse("cases:detail", args=[case.ticket_no]))
    assert [a["name"] for a in handler_view.context["actions"]] == ["receive", "return", "request_extension"]


def test_posting_an_action_moves_the_case_and_writes_the_timeline(tree, people, categories, responsibility,
                                                                 as_user):
    case = report(people, categories)
    client = as_user(people[Role.DISPATCHER])
    url = reverse("cases:act", args=[case.ticket_no, "accept"])
    response = client.post(url, {"version": case.version, "category": "S0403", "note": "改为燃气类"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.ticket_no])
    case = fresh(case)
    assert case.status == Status.ACCEPTED and case.category.code == "S0403"
    assert case.department == responsibility["gas_company"]  # the responsibility list follows the category
    event = CaseEvent.objects.get(case=case, action="accept")
    assert event.actor == people[Role.DISPATCHER] and event.note == "改为燃气类"

    client.post(reverse("cases:act", args=[case.ticket_no, "dispatch"]), {"version": case.version})
    page = html(client.get(reverse("cases:detail", args=[case.ticket_no])))
    assert "派遣：已完成。" in page
    assert page.count('class="event event-') == 3  # report, accept, dispatch
    assert "改为燃气类" in page and "园区燃气有限公司" in page and "派遣员" in page and "dispatcher" in page
    assert fresh(case).status == Status.DISPATCHED


def test_a_stale_page_gets_a_conflict_and_nothing_changes(tree, people, categories, responsibility, as_user):
    case = report(people, categories)
    seen_version = case.version
    cs.accept(fresh(case), people[Role.HOTLINE_OPERATOR])  # while the dispatcher's page was open
    before = (fresh(case).version, CaseEvent.objects.filter(case=case).count())
    client = as_user(people[Role.DISPATCHER])
    response = client.post(reverse("cases:act", args=[case.ticket_no, "reject"]),
                           {"version": seen_version, "reason": "重复件"})
    assert response.status_code == 409
    assert "已被他人处理，请刷新" in html(response)
    assert (fresh(case).version, CaseEvent.objects.filter(case=case).count()) == before
    assert fresh(case).status == Status.ACCEPTED

    # the same action, still possible, on a stale version: the service's own check says so
    response = client.post(reverse("cases:act", args=[case.ticket_no, "supervise"]),
                           {"version": seen_version, "reason": "限期办结", "due_hours": 8})
    assert response.status_code == 409 and "已被他人处理，请刷新" in html(response)
    assert not fresh(case).supervised


def test_errors_name_the_field(tree, people, categories, responsibility, as_user):
    case = report(people, categories)
    client = as_user(people[Role.DISPATCHER])
    response = client.post(reverse("cases:act", args=[case.ticket_no, "reject"]), {"version": case.version})
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "reject")
    assert list(form.errors) == ["reason"]
    assert 'id="act-reject" open' in html(response)
    response = client.post(reverse("cases:act", args=[case.ticket_no, "merge"]),
                           {"version": case.version, "into": case.ticket_no})
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "merge")
    assert form.errors == {"into": ["事件不能合并到自身。"]}
    assert fresh(case).status == Status.REPORTED


def test_wrong_role_is_403_and_another_streets_dispatcher_gets_404(tree, people, categories, responsibility, photo,
                                                                    as_user, make_user):
    case = report(people, categories, photos=[photo])
    sha = Attachment.objects.get(case=case).sha256[:16]
    street_b = as_user(make_user("dispatcher_b", Role.DISPATCHER, [tree.street_b]))
    assert street_b.get(reverse("cases:detail", args=[case.ticket_no])).status_code == 404
    assert street_b.post(reverse("cases:act", args=[case.ticket_no, "accept"]),
                         {"version": case.version}).status_code == 404
    assert street_b.get(reverse("cases:photo", args=[case.ticket_no, sha])).status_code == 404
    assert fresh(case).status == Status.REPORTED
    worker = as_user(people[Role.GRID_WORKER])
    assert worker.post(reverse("cases:act", args=[case.ticket_no, "accept"]),
                       {"version": case.version}).status_code == 403
    assert fresh(case).status == Status.REPORTED


def test_photos_are_served_only_to_those_who_see_the_case(tree, people, categories, responsibility, as_user, client,
                                                         make_user):
    content = png_bytes(color=(10, 200, 30))
    case = report(people, categories, photos=[("现场.png", content)])
    attachment = Attachment.objects.get(case=case)
    url = reverse("cases:photo", args=[case.ticket_no, attachment.sha256[:16]])
    response = as_user(people[Role.COMMUNITY_STAFF]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
    assert as_user(people[Role.RESIDENT]).get(url).status_code == 403
    assert as_user(make_user("community_b", Role.COMMUNITY_STAFF, [tree.community_b1])).get(url).status_code == 404
    assert as_user(people[Role.DISPATCHER]).get(
        reverse("cases:photo", args=[case.ticket_no, "0" * 16])).status_code == 404
    client.logout()
    assert client.get("/media/" + attachment.file.name).status_code == 404  # no public media URL


# ---------------------------------------------------------------------------------------- department's inbox


def test_handler_inbox_receive_handle_and_ask_for_time(tree, people, categories, responsibility, as_user):
    dispatched = walk_to(report(people, categories, title="待签收"), people, Status.DISPATCHED)
    later = walk_to(report(people, categories, title="处理中"), people, Status.IN_HANDLING)
    walk_to(report(people, categories, category="gas", title="燃气公司的"), people, Status.DISPATCHED)
    client = as_user(people[Role.DEPARTMENT_HANDLER])
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {c.ticket_no for c in rows} == {dispatched.ticket_no, later.ticket_no}  # not the gas company's
    assert [c.stage_due_at for c in rows] == sorted(c.stage_due_at for c in rows)
    page = html(response)
    assert f'href="/cases/{later.ticket_no}/#act-handle"' in page
    assert f'href="/cases/{later.ticket_no}/#act-request_extension"' in page
    assert f'href="/cases/{dispatched.ticket_no}/#act-return"' in page
    only = client.get(reverse("cases:inbox"), {"state": "to_receive"}).context["rows"]
    assert [c.ticket_no for c in only] == [dispatched.ticket_no]

    inbox_url = reverse("cases:inbox")
    response = client.post(reverse("cases:act", args=[dispatched.ticket_no, "receive"]),
                           {"version": dispatched.version, "next": inbox_url})
    assert response.status_code == 302 and response["Location"] == inbox_url
    assert fresh(dispatched).status == Status.IN_HANDLING

    response = client.post(reverse("cases:act", args=[later.ticket_no, "handle"]),
                           {"version": later.version, "result": "已清运并消杀", "photos": [upload(), upload("b.png")]})
    assert response.status_code == 302
    later = fresh(later)
    assert later.status == Status.HANDLED and later.attachments.count() == 2

    dispatched = fresh(dispatched)
    response = client.post(reverse("cases:act", args=[dispatched.ticket_no, "request_extension"]),
                           {"version": dispatched.version, "extra_days": 2, "reason": "需协调产权单位"})
    assert response.status_code == 302
    assert dispatched.extension_requests.get().extra_minutes == 2 * 1440
    response = client.post(reverse("cases:act", args=[dispatched.ticket_no, "handle"]),
                           {"version": fresh(dispatched).version, "result": "x",
                            "photos": [SimpleUploadedFile("a.png", b"not an image", content_type="image/png")]})
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "handle")
    assert list(form.errors) == ["photos"]


def test_only_handlers_open_the_inbox(tree, people, as_user):
    assert as_user(people[Role.DISPATCHER]).get(reverse("cases:inbox")).status_code == 403


# ------------------------------------------------------------------------------------------ grid worker's pages


def test_grid_worker_reports_with_a_photo_and_gps(tree, people, categories, responsibility, as_user):
    client = as_user(people[Role.GRID_WORKER])
    page = client.get(reverse("cases:field_report"))
    assert page.status_code == 200
    text = html(page)
    assert 'accept="image/*"' in text and 'capture="environment"' in text and "data-gps" in text
    assert len(page.context["case_map"]["areas"]["features"]) == 2  # their two grids
    response = client.post(reverse("cases:field_report"), {
        "title": "井盖缺失", "description": "人行道上井盖不见了", "category": "S0102",
        "lon": "120.7012", "lat": "31.3013", "photos": [upload()]})
    assert response.status_code == 302
    case = Case.objects.get(title="井盖缺失")
    assert response["Location"] == reverse("cases:detail", args=[case.ticket_no])
    assert case.channel == Channel.GRID_WORKER and case.reporter == people[Role.GRID_WORKER]
    assert case.grid.code == "320571001001001" and case.lon == pytest.approx(120.7012)
    assert case.attachments.get().content_type == "image/png"

    response = client.post(reverse("cases:field_report"), {"title": "没有位置", "description": "x", "category": "S0102"})
    assert response.status_code == 400 and "lon" in response.context["form"].errors
    response = client.post(reverse("cases:field_report"), {"title": "外地", "description": "x", "category": "S0102",
                                                           "lon": "116.4", "lat": "39.9"})
    assert response.status_code == 400 and "不在本辖区" in html(response)
    assert not Case.objects.filter(title__in=["没有位置", "外地"]).exists()


def test_grid_worker_verifies_on_site_with_photo_and_gps(tree, people, categories, responsibility, as_user):
    mine = walk_to(report(people, categories, title="核查我"), people, Status.HANDLED)
    walk_to(report(people, categories, title="别人的网格", where=INSIDE_B1_1), people, Status.HANDLED)
    again = walk_to(report(people, categories, title="没修好"), people, Status.HANDLED)
    client = as_user(people[Role.GRID_WORKER])
    rows = client.get(reverse("cases:verify_list")).context["rows"]
    assert {c.ticket_no for c in rows} == {mine.ticket_no, again.ticket_no}
    page = html(client.get(reverse("cases:detail", args=[mine.ticket_no])))
    assert 'id="act-verify"' in page and 'id="act-fail_verification"' in page and 'capture="environment"' in page

    response = client.post(reverse("cases:act", args=[mine.ticket_no, "verify"]), {
        "version": mine.version, "note": "现场已清理干净", "lon": "120.70105", "lat": "31.30102",
        "photos": [upload()]})
    assert response.status_code == 302
    mine = fresh(mine)
    assert mine.status == Status.VERIFIED
    event = CaseEvent.objects.get(case=mine, action="verify")
    assert event.data == {"lon": 120.70105, "lat": 31.30102} and event.attachments.count() == 1

    response = client.post(reverse("cases:act", args=[again.ticket_no, "fail_verification"]),
                           {"version": again.version, "lon": "120.701", "lat": "31.301"})
    assert response.status_code == 400  # the reason is required
    client.post(reverse("cases:act", args=[again.ticket_no, "fail_verification"]),
                {"version": again.version, "reason": "仍有垃圾", "photos": [upload()]})
    again = fresh(again)
    assert again.status == Status.IN_HANDLING and again.rework_count == 1


# --------------------------------------------------------------------------------------------------- hotline


def test_hotline_operator_finds_the_callers_cases_and_creates_one(tree, people, categories, responsibility,
                                                                   as_user):
    earlier = report(people, categories, contact_phone="139 0000 1111", title="上次的事")
    report(people, categories, contact_phone="13700002222", title="别人的")
    client = as_user(people[Role.HOTLINE_OPERATOR])
    assert client.get(reverse("cases:hotline")).status_code == 200
    response = client.post(reverse("cases:hotline"), {"lookup": "1", "contact_phone": "139-0000-1111"})
    assert response.status_code == 200
    assert [c.ticket_no for c in response.context["earlier"]] == [earlier.ticket_no]
    assert "上次的事" in html(response) and "别人的" not in html(response)

    response = client.post(reverse("cases:hotline"), {
        "create": "1", "contact_phone": "13900001111", "contact_name": "李雷", "title": "噪音扰民",
        "description": "夜间施工", "category": "S0102", "address": "星湖街 1 号"})
    assert response.status_code == 302
    case = Case.objects.get(title="噪音扰民")
    assert case.channel == Channel.HOTLINE and case.entered_by == people[Role.HOTLINE_OPERATOR]
    assert case.reporter is None and case.address == "星湖街 1 号"
    assert case.contact_phone_hash == earlier.contact_phone_hash

    response = client.post(reverse("cases:hotline"), {
        "create": "1", "channel": Channel.UPPER_PLATFORM, "contact_phone": "13900003333", "title": "12345转办",
        "description": "市民热线转来", "category": "S0102"})
    assert response.status_code == 400 and "external_ticket_id" in response.context["form"].errors
    response = client.post(reverse("cases:hotline"), {
        "create": "1", "channel": Channel.UPPER_PLATFORM, "external_ticket_id": "SZ12345-20261125-0001",
        "contact_phone": "13900003333", "title": "12345转办", "description": "市民热线转来", "category": "S0102"})
    assert response.status_code == 302
    forwarded = Case.objects.get(title="12345转办")
    assert forwarded.channel == Channel.UPPER_PLATFORM and forwarded.external_ticket_id == "SZ12345-20261125-0001"

    response = client.post(reverse("cases:hotline"), {"create": "1", "contact_phone": "12ab"})
    assert response.status_code == 400 and {"contact_phone", "title", "description"} <= set(response.context["form"].errors)
    assert as_user(people[Role.GRID_WORKER]).get(reverse("cases:hotline")).status_code == 403


# ------------------------------------------------------------------------------------------------------ residents


def test_resident_reports_tracks_and_rates_with_the_phone_digits(tree, people, categories, responsibility, client):
    page = client.get(reverse("cases:public_report"))
    assert page.status_code == 200 and 'name="anonymous"' in html(page)
    response = client.post(reverse("cases:public_report"), {
        "title": "路灯坏了", "description": "晚上很黑", "category": "S0102", "lon": "120.7015", "lat": "31.3015",
        "contact_name": "张三", "contact_phone": "13812349876", "photos": [upload()]})
    assert response.status_code == 302
    case = Case.objects.get(title="路灯坏了")
    assert response["Location"] == reverse("cases:track_case", args=[case.ticket_no])
    assert case.channel == Channel.WEB and case.reporter is None and case.attachments.count() == 1
    landing = html(client.get(response["Location"]))
    assert "您的受理编号" in landing and case.ticket_no in landing
    assert "您的受理编号" not in html(client.get(response["Location"]))  # shown once, right after reporting

    found = client.get(reverse("cases:track"), {"ticket_no": case.ticket_no.lower()})
    assert found.status_code == 302 and found["Location"] == reverse("cases:track_case", args=[case.ticket_no])
    assert client.get(reverse("cases:track"), {"ticket_no": "CG000"}).status_code == 404

    case = walk_to(case, people, Status.CLOSED)
    CaseEvent.objects.filter(case=case, action="accept").update(note="内部备注：疑似重复")
    page = html(client.get(reverse("cases:track_case", args=[case.ticket_no])))
    assert "已清运完毕" in page  # the handling result is public
    assert "内部备注" not in page and "dispatcher" not in page and "138" not in page and "张三" not in page
    assert 'name="phone_last4"' in page and 'name="satisfaction"' in page

    rate = reverse("cases:track_act", args=[case.ticket_no, "evaluate"])
    wrong = client.post(rate, {"version": case.version, "satisfaction": "5", "resolved": "1", "phone_last4": "0000"})
    assert wrong.status_code == 403 and "不一致" in html(wrong)
    assert fresh(case).status == Status.CLOSED
    response = client.post(rate, {"version": case.version, "satisfaction": "4", "resolved": "1",
                                  "note": "很快", "phone_last4": "9876"})
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == Status.EVALUATED and case.satisfaction == 4 and case.resolved is True
    event = CaseEvent.objects.get(case=case, action="evaluate")
    assert event.actor is None and event.actor_role == Role.RESIDENT

    reopen = reverse("cases:track_act", args=[case.ticket_no, "reopen"])
    response = client.post(reopen, {"version": case.version, "reason": "又坏了", "phone_last4": "9876"})
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == Status.ACCEPTED and case.reopen_count == 1


def test_wrong_digits_are_limited(tree, people, categories, responsibility, client):
    case = walk_to(report(people, categories), people, Status.CLOSED)
    rate = reverse("cases:track_act", args=[case.ticket_no, "evaluate"])
    for _ in range(5):
        assert client.post(rate, {"version": case.version, "satisfaction": "1", "resolved": "0",
                                  "phone_last4": "1111"}).status_code == 403
    blocked = client.post(rate, {"version": case.version, "satisfaction": "5", "resolved": "1",
                                 "phone_last4": "5678"})
    assert blocked.status_code == 429  # even the right digits wait now
    assert fresh(case).status == Status.CLOSED


def test_a_residents_case_rated_with_the_digits_is_theirs(tree, people, categories, responsibility, client):
    resident = people[Role.RESIDENT]
    case = walk_to(report(people, categories, reporter=resident), people, Status.CLOSED)
    response = client.post(reverse("cases:track_act", args=[case.ticket_no, "evaluate"]),
                           {"version": case.version, "satisfaction": "3", "resolved": "0", "phone_last4": "5678"})
    assert response.status_code == 302
    assert CaseEvent.objects.get(case=case, action="evaluate").actor == resident
    page = html(client.get(reverse("cases:track_case", args=[case.ticket_no])))
    assert "3 / 5" in page and 'name="satisfaction"' not in page and 'name="reason"' in page  # rated; may reopen


def test_signed_in_reporter_rates_without_digits(tree, people, categories, responsibility, as_user):
    resident = people[Role.RESIDENT]
    case = walk_to(report(people, categories, reporter=resident, contact_phone=""), people, Status.CLOSED)
    client = as_user(resident)
    page = html(client.get(reverse("cases:track_case", args=[case.ticket_no])))
    assert 'name="satisfaction"' in page and 'name="phone_last4"' not in page
    response = client.post(reverse("cases:track_act", args=[case.ticket_no, "evaluate"]),
                           {"version": case.version, "satisfaction": "5", "resolved": "1"})
    assert response.status_code == 302
    assert CaseEvent.objects.get(case=case, action="evaluate").actor == resident


def test_public_report_is_rate_limited_per_address(tree, people, categories, client, settings):
    settings.CASE_PUBLIC_REPORT_LIMIT = 2
    data = {"title": "噪音", "description": "夜里", "address": "星湖街"}
    assert client.post(reverse("cases:public_report"), data).status_code == 302
    assert client.post(reverse("cases:public_report"), data).status_code == 302
    blocked = client.post(reverse("cases:public_report"), data)
    assert blocked.status_code == 429 and "过于频繁" in html(blocked)
    assert Case.objects.filter(title="噪音").count() == 2
    other = client.post(reverse("cases:public_report"), data, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_public_report_needs_a_place_and_names_the_fields(tree, client):
    response = client.post(reverse("cases:public_report"), {"title": "", "description": "x",
                                                            "contact_phone": "abc"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "address", "contact_phone"}


# --------------------------------------------------------------------------------------------------------- home


def test_home_says_what_needs_my_action(tree, people, categories, responsibility, as_user):
    report(people, categories)
    report(people, categories, where=INSIDE_B1_1)
    walk_to(report(people, categories), people, Status.ACCEPTED)
    walk_to(report(people, categories), people, Status.HANDLED)
    overdue = walk_to(report(people, categories), people, Status.DISPATCHED)
    Case.objects.filter(pk=overdue.pk).update(stage_due_at="2020-01-01T00:00:00Z")

    def todos(role):
        response = as_user(people[role]).get(reverse("web:home"))
        assert response.status_code == 200
        return {str(t.label): (t.count, t.url) for t in response.context["home"].todos}, html(response)

    dispatcher, page = todos(Role.DISPATCHER)
    assert dispatcher["待受理"][0] == 2 and dispatcher["待派遣"][0] == 1 and dispatcher["已超期"][0] == 1
    assert "待我处理" in page and "我的辖区" in page  # the new section and the old content
    assert dispatcher["待受理"][1] == "/cases/?f=1&status=reported"
    handler, _ = todos(Role.DEPARTMENT_HANDLER)
    assert handler["待签收"] == (1, "/cases/inbox/?state=to_receive")
    worker, page = todos(Role.GRID_WORKER)
    assert worker["我的网格内待核查"] == (1, "/cases/verify/")
    assert "我的网格" in page
    operator, page = todos(Role.HOTLINE_OPERATOR)
    assert operator["今日上报"][0] == 5 and "/cases/hotline/" in page
    leader, _ = todos(Role.LEADER)
    assert leader["辖区内未办结"][0] == 5 and leader["已超期"][0] == 1
    community, _ = todos(Role.COMMUNITY_STAFF)
    assert community["辖区内未办结"][0] == 4  # street B's case is not theirs


def test_navigation_by_role(tree, people, as_user, client):
    page = html(as_user(people[Role.GRID_WORKER]).get(reverse("web:home")))
    assert 'href="/cases/report/"' in page and 'href="/cases/verify/"' in page
    page = html(as_user(people[Role.DEPARTMENT_HANDLER]).get(reverse("web:home")))
    assert 'href="/cases/inbox/"' in page
    page = html(as_user(people[Role.HOTLINE_OPERATOR]).get(reverse("web:home")))
    assert 'href="/cases/hotline/"' in page and 'href="/cases/"' in page
    client.logout()
    page = html(client.get(reverse("cases:track")))
    assert 'href="/report/"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # no inline script
    assert " style=" not in page
