"""The base-data pages as the people who use them: community staff search their community and reveal a phone with a
reason, a grid worker sees no sensitive tag, a dispatcher sees masked names, and nobody reads another community.

The fixtures here (`base`, `people_data`) are shared by the API, export and browser tests of the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from civicgrid.cases import services as cs
from civicgrid.cases.models import Channel
from civicgrid.core.models import AuditEntry
from civicgrid.people.models import Role
from civicgrid.registry.models import Component, House, ImportJob, Organisation, Person
from civicgrid.registry.services import (
    upsert_component,
    upsert_house,
    upsert_organisation,
    upsert_person,
)
from tests.registry.test_registry import id_number

pytestmark = pytest.mark.django_db

# where the fixture's houses lie: grid A1-1 (community A1, street A), community A2 (street A), community B1 (street B)
IN_A1 = (120.701, 31.301)
IN_A2 = (120.721, 31.301)
IN_B1 = (120.701, 31.311)
PHONE_WANG, PHONE_LI, PHONE_ZHAO = "13812345678", "13900001111", "13900002222"


@dataclass
class Base:
    house_a1: House
    house_a2: House
    house_b1: House
    wang: Person  # A1, 独居老人 + 社区矫正对象 (sensitive)
    li: Person  # A2, floating, 低保户
    zhao: Person  # B1
    numbers: dict[str, str]
    organisation: Organisation
    component: Component


@pytest.fixture
def base(tree, department) -> Base:
    def house(address, where, **extra):
        return upsert_house(address=address, building="1幢", unit="1单元", room="101", lon=where[0], lat=where[1],
                            **extra)[0]

    a1 = house("甲街道星湖街1号1幢1单元101室", IN_A1)
    a2 = house("甲街道星湖街20号3幢2单元502室", IN_A2, occupancy=House.Occupancy.RENTED)
    b1 = house("乙街道金鸡湖大道9号2幢202室", IN_B1)
    numbers = {"wang": id_number("19450312", "131"), "li": id_number("19900701", "242"),
               "zhao": id_number("19781120", "353")}
    wang = upsert_person(id_number=numbers["wang"], name="王建国", phone=PHONE_WANG, house=a1,
                         household_address="江苏省苏州市姑苏区人民路1号", tags=["独居老人", "社区矫正对象"],
                         source="test")[0]
    li = upsert_person(id_number=numbers["li"], name="李梅", phone=PHONE_LI, house=a2, tags=["低保户"],
                       residence_type=Person.ResidenceType.FLOATING, arrival_date="2024-03-01",
                       registered_on="2024-03-10", permit_expires_on="2026-12-31", source="test")[0]
    zhao = upsert_person(id_number=numbers["zhao"], name="赵强", phone=PHONE_ZHAO, house=b1, source="test")[0]
    organisation = upsert_organisation(credit_code="91110000600037341L", name="苏州某某科技有限公司", lon=IN_A1[0],
                                       lat=IN_A1[1], kind="有限责任公司", address="甲街道星湖街1号",
                                       legal_representative="张三", contact_phone="13712345678")[0]
    component = upsert_component(code="320571-B0118-0001", class_code="B0118", name="路灯", lon=IN_A1[0] + 0.001,
                                 lat=IN_A1[1], owner_department=department)[0]
    return Base(a1, a2, b1, wang, li, zhao, numbers, organisation, component)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def html(response) -> str:
    return response.content.decode()


def assert_no_clear_personal_data(text: str, base: Base) -> None:
    for number in base.numbers.values():
        assert number not in text and number[:6] + "*" not in text
    for phone in (PHONE_WANG, PHONE_LI, PHONE_ZHAO, "13712345678"):
        assert phone not in text


# ------------------------------------------------------------------------------------------------------- search


def test_community_staff_search_their_community_only(base, people, client):
    response = page(client, people[Role.COMMUNITY_STAFF], "/registry/")
    assert response.status_code == 200
    text = html(response)
    assert "王建国" in text and "李梅" not in text and "赵强" not in text
    assert "**************" + base.numbers["wang"][-4:] in text  # masked number
    assert "138****5678" in text  # masked phone
    assert_no_clear_personal_data(text, base)
    assert "no-store" in response["Cache-Control"]

    street = html(page(client, people[Role.STREET_STAFF], "/registry/"))
    assert "王建国" in street and "李梅" in street and "赵强" not in street


def test_dispatchers_and_operators_see_masked_names(base, people, client):
    for role in (Role.DISPATCHER, Role.HOTLINE_OPERATOR):
        text = html(page(client, people[role], "/registry/"))
        assert "王**" in text and "赵*" in text and "王建国" not in text and "赵强" not in text
        assert_no_clear_personal_data(text, base)
    text = html(page(client, people[Role.DATA_ADMIN], "/registry/"))
    assert "王建国" in text and "赵强" in text


@pytest.mark.parametrize("query, found", [
    ("name=王", {"王建国"}),
    ("name=建国", set()),  # a prefix by default
    ("name=建国&name_match=contains", {"王建国"}),
    ("id_tail={wang_tail}", {"王建国"}),
    ("id_tail=0000", set()),
    ("address=星湖街20号", {"李梅"}),
    ("residence_type=floating", {"李梅"}),
    ("permit_before=2027-01-01", {"李梅"}),
    ("permit_before=2026-06-01", set()),
    ("tag=低保户", {"李梅"}),
    ("tag=社区矫正对象", {"王建国"}),
    ("region=320571001002", {"李梅"}),  # community A2
    ("region=320571002", set()),  # street B: outside the street staff's scope
])
def test_people_filters(base, people, client, query, found):
    query = query.format(wang_tail=base.numbers["wang"][-4:])
    text = html(page(client, people[Role.STREET_STAFF], f"/registry/?{query}"))
    shown = {name for name in ("王建国", "李梅", "赵强") if f">{name}</a>" in text}
    assert shown == found, query


def test_a_bad_filter_says_so_and_lists_nobody(base, people, client):
    response = page(client, people[Role.STREET_STAFF], "/registry/?id_tail=12")
    assert response.status_code == 400
    assert "王建国" not in html(response) and 'role="alert"' in html(response)


def test_sensitive_tags_are_hidden_from_grid_workers(base, people, client):
    staff = html(page(client, people[Role.COMMUNITY_STAFF], "/registry/"))
    assert "社区矫正对象" in staff and "独居老人" in staff
    worker = people[Role.GRID_WORKER]
    text = html(page(client, worker, "/registry/"))
    assert "王建国" in text and "独居老人" in text and "社区矫正对象" not in text  # not in the rows, not in the select
    response = page(client, worker, "/registry/?tag=社区矫正对象")  # asked for anyway: nobody, and no error
    assert response.status_code == 200 and ">王建国</a>" not in html(response)
    person = html(page(client, worker, reverse("registry:person", args=[base.wang.pk])))
    assert "独居老人" in person and "社区矫正对象" not in person
    # the dispatcher, not in SENSITIVE_TAG_ROLES either
    assert "社区矫正对象" not in html(page(client, people[Role.DISPATCHER], "/registry/"))


def test_lookup_by_a_whole_identity_number_is_a_post_and_scoped(base, people, client):
    staff = people[Role.COMMUNITY_STAFF]
    client.force_login(staff)
    response = client.post("/registry/people/lookup/", {"id_number": base.numbers["wang"].lower()})
    assert response.status_code == 200 and ">王建国</a>" in html(response)
    assert_no_clear_personal_data(html(response), base)  # the number is not shown back
    assert "no-store" in response["Cache-Control"]
    response = client.post("/registry/people/lookup/", {"id_number": base.numbers["zhao"]})  # another street
    assert response.status_code == 200 and ">赵强</a>" not in html(response)
    bad = base.numbers["wang"][:-1] + ("0" if base.numbers["wang"][-1] != "0" else "1")
    response = client.post("/registry/people/lookup/", {"id_number": bad})
    assert response.status_code == 400 and bad not in html(response)
    assert client.get("/registry/people/lookup/", {"id_number": base.numbers["wang"]}).status_code == 405


def test_pages_answer_403_to_roles_that_may_not_browse(base, people, client):
    for role in (Role.RESIDENT, Role.LEADER, Role.DEPARTMENT_HANDLER, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN):
        for url in ("/registry/", reverse("registry:person", args=[base.wang.pk]), "/registry/houses/"):
            assert page(client, people[role], url).status_code == 403, (role, url)
    client.logout()
    assert client.get("/registry/").status_code == 302


def test_the_people_list_takes_the_same_queries_for_3_or_30_people(base, people, client,
                                                                    django_assert_max_num_queries):
    staff = people[Role.STREET_STAFF]
    client.force_login(staff)
    client.get("/registry/")  # warm: session, scope

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/registry/").status_code == 200
    for i in range(27):
        upsert_person(id_number=id_number("19600101", f"{400 + i:03d}"), name=f"周{i:02d}", phone="13700000000",
                      house=base.house_a1, tags=["高龄老人"])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/registry/")
    assert html(response).count('data-person="') == 29
    assert len(many) == len(few) <= 11, "\n".join(q["sql"][:120] for q in many.captured_queries)


# ---------------------------------------------------------------------------------------------- a person's page


def test_person_page_is_masked_and_out_of_scope_is_404(base, people, client):
    staff = people[Role.COMMUNITY_STAFF]
    url = reverse("registry:person", args=[base.wang.pk])
    response = page(client, staff, url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = html(response)
    assert "王建国" in text and "138****5678" in text and "**************" + base.numbers["wang"][-4:] in text
    assert "1945" in text and "1945-03-12" not in text  # the year of birth only
    assert_no_clear_personal_data(text, base)
    assert reverse("registry:house", args=[base.house_a1.pk]) in text
    assert page(client, staff, reverse("registry:person", args=[base.li.pk])).status_code == 404
    assert page(client, staff, reverse("registry:person", args=[base.zhao.pk])).status_code == 404
    assert page(client, staff, reverse("registry:person", args=[999999])).status_code == 404


def test_person_page_shows_moves_and_history_without_values(base, people, client):
    upsert_person(id_number=base.numbers["wang"], name="王建国", phone="13812340000", house=base.house_a2,
                  tags=["独居老人"], actor=people[Role.DATA_ADMIN], source="走访更新")
    job = ImportJob.objects.create(kind=ImportJob.Kind.PERSON, file_name="人口2026.xlsx", status=ImportJob.Status.DONE)
    Person.objects.filter(pk=base.wang.pk).update(created_by_job=job)
    text = html(page(client, people[Role.STREET_STAFF], reverse("registry:person", args=[base.wang.pk])))
    assert base.house_a1.address in text and base.house_a2.address in text  # the move
    assert "走访更新" in text and "dataadmin" in text  # who changed what, from where
    assert f"#{job.pk}" in text and "人口2026.xlsx" in text  # created by an import
    history = text.split('id="history"')[1]
    for name in ("phone_hash", "tags_hash", "house_id"):  # which fields changed ...
        assert f'data-field="{name}"' in history
    assert "居住房屋" in history  # ... by their names (lives in)
    assert "13812340000" not in text and "13812345678" not in text
    assert "|" not in history and not any(len(w) == 64 for w in history.split())  # no hash values


def test_reveal_shows_the_value_once_audited_with_its_reason(base, people, client):
    staff = people[Role.COMMUNITY_STAFF]
    client.force_login(staff)
    url = reverse("registry:reveal", args=[base.wang.pk])
    response = client.post(url, {"field": "phone", "reason": "入户走访核实联系方式"})
    assert response.status_code == 200
    assert PHONE_WANG in html(response) and 'data-revealed="phone"' in html(response)
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert entry.actor == staff and entry.target == f"person:{base.wang.pk}"
    assert entry.detail == {"field": "phone", "reason": "入户走访核实联系方式"}
    response = client.post(url, {"field": "id_number", "reason": "核对身份"})
    assert base.numbers["wang"] in html(response)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count() == 2
    # the page itself, opened again, is masked
    assert PHONE_WANG not in html(client.get(reverse("registry:person", args=[base.wang.pk])))


def test_reveal_refusals_leave_no_clear_value_and_no_audit_row(base, people, client):
    staff = people[Role.COMMUNITY_STAFF]
    client.force_login(staff)
    no_reason = client.post(reverse("registry:reveal", args=[base.wang.pk]), {"field": "phone", "reason": "看"})
    assert no_reason.status_code == 400 and PHONE_WANG not in html(no_reason)
    wrong_field = client.post(reverse("registry:reveal", args=[base.wang.pk]), {"field": "tags", "reason": "核对标签"})
    assert wrong_field.status_code == 400
    other = client.post(reverse("registry:reveal", args=[base.zhao.pk]), {"field": "phone", "reason": "核实联系方式"})
    assert other.status_code == 404 and PHONE_ZHAO not in html(other)
    assert client.get(reverse("registry:reveal", args=[base.wang.pk])).status_code == 405
    for role in (Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.DATA_ADMIN):  # may browse, may not reveal
        client.force_login(people[role])
        refused = client.post(reverse("registry:reveal", args=[base.wang.pk]), {"field": "phone", "reason": "想看看号码"})
        assert refused.status_code == 403 and PHONE_WANG not in html(refused)
        assert "reveal-form" not in html(client.get(reverse("registry:person", args=[base.wang.pk])))
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_reveals_are_rate_limited(base, people, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REGISTRY_REVEAL_LIMIT = 2
    client.force_login(people[Role.COMMUNITY_STAFF])
    url = reverse("registry:reveal", args=[base.wang.pk])
    codes = [client.post(url, {"field": "phone", "reason": "核实联系方式"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count() == 2
    cache.clear()


# ------------------------------------------------------------------------------------- houses, organisations, ...


def test_house_page_lists_residents_and_its_cases_in_scope(base, people, client):
    case = cs.report_case(channel=Channel.GRID_WORKER, title="楼道堆物", description="消防通道堵塞",
                          house=base.house_a1, reporter=people[Role.GRID_WORKER])
    other = cs.report_case(channel=Channel.HOTLINE, title="乙街道的事", description="别处", house=base.house_b1)
    staff = people[Role.COMMUNITY_STAFF]
    response = page(client, staff, reverse("registry:house", args=[base.house_a1.pk]))
    text = html(response)
    assert response.status_code == 200 and "王建国" in text and case.ticket_no in text
    assert other.ticket_no not in text
    assert 'id="record-map-data"' in text and "registry-map.js" in text
    assert_no_clear_personal_data(text, base)
    assert page(client, staff, reverse("registry:house", args=[base.house_b1.pk])).status_code == 404
    houses = html(page(client, staff, "/registry/houses/"))
    assert base.house_a1.address in houses and base.house_b1.address not in houses


def test_component_and_organisation_pages(base, people, client):
    case = cs.report_case(channel=Channel.GRID_WORKER, title="路灯不亮", description="整晚不亮",
                          component=base.component, reporter=people[Role.GRID_WORKER])
    staff = people[Role.STREET_STAFF]
    text = html(page(client, staff, reverse("registry:component", args=[base.component.pk])))
    assert case.ticket_no in text and "B0118" in text and "record-map-data" in text
    text = html(page(client, staff, reverse("registry:organisation", args=[base.organisation.pk])))
    assert "137****5678" in text and "13712345678" not in text and "91110000600037341L" in text
    listing = html(page(client, staff, "/registry/components/?class_code=b0118"))
    assert "320571-B0118-0001" in listing
    assert "320571-B0118-0001" not in html(page(client, staff, "/registry/components/?status=damaged"))
    assert "苏州某某科技" in html(page(client, staff, "/registry/organisations/?credit_code=9111"))
    outsider = people[Role.COMMUNITY_STAFF]  # A1 only: both lie in A1-1
    assert page(client, outsider, reverse("registry:component", args=[base.component.pk])).status_code == 200
    worker_b = _make_worker_b(people)
    assert page(client, worker_b, reverse("registry:component", args=[base.component.pk])).status_code == 404
    assert page(client, worker_b, reverse("registry:organisation", args=[base.organisation.pk])).status_code == 404


def _make_worker_b(people):
    from civicgrid.geo.models import Region
    from civicgrid.people.services import set_scope, upsert_user

    user = upsert_user(username="gridworker_b", role=Role.GRID_WORKER, display_name="乙网格员",
                       password="Test-pass-2026", source="test")[0]
    set_scope(user, [Region.objects.get(code="320571002001001")], source="test")
    return user


def test_home_page_links_the_registry_for_the_roles_that_may_browse(base, people, client):
    from civicgrid.registry.policy import VIEW_ROLES

    for role, user in people.items():
        text = html(page(client, user, "/"))
        assert (reverse("registry:people") in text) == (role in VIEW_ROLES), role
