"""Base data: real validation rules, personal data never stored or logged in the clear, scope and audited reveals."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from stdnum.cn import ric

from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.people.models import Role
from civicgrid.registry import selectors
from civicgrid.registry.models import Person
from civicgrid.registry.services import (
    RegistryInputError,
    check_id_number,
    reveal,
    upsert_component,
    upsert_house,
    upsert_organisation,
    upsert_person,
)

pytestmark = pytest.mark.django_db


def id_number(birth: str = "19800101", seq: str = "123", region: str = "320506") -> str:
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")  # the function expects a placeholder check digit


@pytest.fixture
def house_a(tree):
    return upsert_house(address="甲街道星湖街1号1幢1单元101室", building="1幢", unit="1单元", room="101",
                        lon=120.701, lat=31.301)[0]


@pytest.fixture
def house_b(tree):
    return upsert_house(address="乙街道星湖街9号2幢202室", building="2幢", room="202", lon=120.701, lat=31.311)[0]


def test_identity_numbers_are_checked_with_their_real_rules():
    number, birth, sex = check_id_number(id_number(birth="19700101"))  # 吴中区 320506 exists since 2000 only
    assert str(birth) == "1970-01-01" and sex == "M"
    assert check_id_number("11010519491231002x")[2] == "F"  # a region it knows, lower-case x accepted
    for bad, why in [(id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1"), "check digit"),
                     ("3205711980010112", "18 characters"), (id_number(birth="19800231"), "birth date"),
                     (id_number(region="320571"), "region code 320571 is unknown")]:
        with pytest.raises(RegistryInputError) as error:
            check_id_number(bad)
        assert error.value.field == "id_number" and why in error.value.message


def test_a_person_is_stored_encrypted_and_found_by_hash(tree, people, house_a):
    number = id_number()
    person, outcome = upsert_person(id_number=number, name="王建国", phone="13812345678", house=house_a,
                                    tags=["独居老人"])
    assert outcome == "created" and person.grid.code == "320571001001001"
    with connection.cursor() as cursor:  # a database dump shows neither the number, the phone nor the tags
        cursor.execute("SELECT * FROM registry_person")
        dump = repr(cursor.fetchall())
    assert number not in dump and "13812345678" not in dump and "独居老人" not in dump
    history = repr(list(ChangeRecord.objects.filter(model_label="registry.person").values_list("changes", flat=True)))
    assert number not in history and "13812345678" not in history and "独居老人" not in history
    staff = people[Role.COMMUNITY_STAFF]
    assert selectors.find_person(staff, number).pk == person.pk
    assert selectors.masked_id_number(person).endswith(number[-4:]) and number[:6] not in selectors.masked_id_number(person)
    again, outcome = upsert_person(id_number=number.lower(), name="王建国", phone="13812345678", house=house_a,
                                   tags=["独居老人"])
    assert outcome == "unchanged" and again.pk == person.pk and Person.objects.count() == 1


def test_community_staff_cannot_see_or_reveal_another_community(tree, people, house_a, house_b):
    mine = upsert_person(id_number=id_number(seq="111"), name="李梅", phone="13900001111", house=house_a)[0]
    theirs = upsert_person(id_number=id_number(seq="222"), name="赵强", phone="13900002222", house=house_b)[0]
    staff = people[Role.COMMUNITY_STAFF]
    assert list(selectors.people_for(staff)) == [mine]
    assert selectors.find_person(staff, id_number(seq="222")) is None
    with pytest.raises(Http404):
        reveal(theirs, "phone", actor=staff, reason="核实走访")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_every_reveal_needs_a_role_and_a_reason_and_is_audited(tree, people, house_a):
    person = upsert_person(id_number=id_number(), name="王建国", phone="13812345678", house=house_a,
                           tags=["低保户"])[0]
    staff = people[Role.COMMUNITY_STAFF]
    with pytest.raises(RegistryInputError):
        reveal(person, "phone", actor=staff, reason="")
    with pytest.raises(PermissionDenied):
        reveal(person, "phone", actor=people[Role.DISPATCHER], reason="想看看")
    assert reveal(person, "phone", actor=staff, reason="入户走访核实联系方式") == "13812345678"
    assert reveal(person, "tags", actor=staff, reason="困难帮扶名单核对") == ["低保户"]
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL, actor_name="community")
    assert [e.detail["field"] for e in entries.order_by("id")] == ["phone", "tags"]


def test_organisations_and_components_are_validated_and_placed(tree, department):
    org, _ = upsert_organisation(credit_code="91110000600037341L", name="某某科技有限公司", lon=120.711, lat=31.305,
                                 contact_phone="0512-66001234")
    assert org.grid.code == "320571001001002"
    with pytest.raises(RegistryInputError) as error:
        upsert_organisation(credit_code="91110000600037341X", name="x", lon=120.711, lat=31.305)
    assert error.value.field == "credit_code"
    component, _ = upsert_component(code="320571-B0118-0001", class_code="B0118", name="路灯", lon=120.721, lat=31.301,
                                    owner_department=department)
    assert component.grid.code == "320571001002001"
    with pytest.raises(RegistryInputError) as error:
        upsert_component(code="x1", class_code="路灯", name="路灯", lon=120.721, lat=31.301)
    assert error.value.field == "class_code"
    with pytest.raises(RegistryInputError) as error:
        upsert_component(code="x2", class_code="B0118", name="路灯", lon=116.4, lat=39.9)
    assert error.value.field == "location"


def test_admin_lists_are_scoped_and_masked(tree, people, house_a, house_b, client):
    from django.urls import reverse

    number = id_number(seq="333")
    upsert_person(id_number=number, name="王建国", phone="13812345678", house=house_a)
    upsert_person(id_number=id_number(seq="444"), name="赵强", phone="13900002222", house=house_b)
    admin_user = people[Role.DATA_ADMIN]  # the registry's rights come from people/roles.py, not superuser
    client.force_login(admin_user)
    page = client.get(reverse("admin:registry_person_changelist"))
    assert page.status_code == 200 and page.context["cl"].result_count == 2
    body = page.content.decode()
    assert number not in body and "13812345678" not in body and "王*" in body
    for name in ("house", "organisation", "component"):
        assert client.get(reverse(f"admin:registry_{name}_changelist"), {"q": "1"}).status_code == 200


def test_tags_moves_and_floating_population_are_kept(tree, people, house_a, house_b):
    from civicgrid.registry.models import PersonMove, PersonTag
    from civicgrid.registry.services import tag_hash

    number = id_number(seq="555")
    person = upsert_person(id_number=number, name="陈芳", house=house_a, residence_type="floating",
                           tags=["独居老人", "低保户"], permit_expires_on=__import__("datetime").date(2027, 3, 1))[0]
    assert set(PersonTag.objects.filter(person=person).values_list("tag_hash", flat=True)) == {
        tag_hash("独居老人"), tag_hash("低保户")}
    with pytest.raises(RegistryInputError) as error:
        upsert_person(id_number=number, name="陈芳", house=house_a, tags=["不存在的标签"])
    assert error.value.field == "tags"
    moved, outcome = upsert_person(id_number=number, name="陈芳", house=house_b, residence_type="floating",
                                   tags=["低保户"], source="走访")
    assert outcome == "updated" and moved.region_path == house_b.region_path
    move = PersonMove.objects.get(person=person)
    assert (move.from_house_id, move.to_house_id, move.source) == (house_a.pk, house_b.pk, "走访")
    assert list(PersonTag.objects.filter(person=person).values_list("tag_hash", flat=True)) == [tag_hash("低保户")]


def test_a_case_can_be_about_a_component_and_takes_its_place(tree, department):
    from civicgrid.cases.models import Channel
    from civicgrid.cases.services import report_case

    lamp, _ = upsert_component(code="320571-B0118-0009", class_code="B0118", name="路灯", lon=120.721, lat=31.301)
    case = report_case(channel=Channel.HOTLINE, title="路灯不亮", description="晚上不亮", component=lamp)
    assert case.grid.code == lamp.grid.code and (case.lon, case.lat) == (lamp.lon, lamp.lat)
    assert list(lamp.cases.all()) == [case]


def test_staff_hear_of_residence_permits_running_out(tree, people, house_a, house_b):
    import datetime as dt

    from civicgrid.core.models import Notification
    from civicgrid.registry.services import remind_expiring_permits

    today = dt.date(2026, 11, 25)
    upsert_person(id_number=id_number(seq="611"), name="甲", house=house_a, residence_type="floating",
                  permit_expires_on=today + dt.timedelta(days=10))
    upsert_person(id_number=id_number(seq="612"), name="乙", house=house_a, residence_type="floating",
                  permit_expires_on=today + dt.timedelta(days=90))  # not yet
    upsert_person(id_number=id_number(seq="613"), name="丙", house=house_b, residence_type="floating",
                  permit_expires_on=today + dt.timedelta(days=3))  # another community
    assert remind_expiring_permits(today) >= 1
    mine = Notification.objects.get(recipient=people[Role.COMMUNITY_STAFF])
    assert mine.title.startswith("1 ") and "2026-12-25" in mine.link


def test_revealing_tags_never_shows_a_grid_worker_the_sensitive_ones(tree, people, house_a):
    person = upsert_person(id_number=id_number(seq="711"), name="周某", house=house_a, tags=["社区矫正对象", "低保户"])[0]
    assert reveal(person, "tags", actor=people[Role.GRID_WORKER], reason="入户走访核对") == ["低保户"]
    assert reveal(person, "tags", actor=people[Role.COMMUNITY_STAFF], reason="矫正对象走访") == ["低保户", "社区矫正对象"]


def test_the_case_page_and_api_show_the_component_it_is_about(tree, people, department, client):
    from civicgrid.cases.models import Channel
    from civicgrid.cases.services import report_case

    lamp, _ = upsert_component(code="320571-B0118-0077", class_code="B0118", name="路灯", lon=120.701, lat=31.301)
    case = report_case(channel=Channel.HOTLINE, title="路灯不亮", description="晚上不亮", component=lamp)
    client.force_login(people[Role.DISPATCHER])
    page = client.get(f"/cases/{case.ticket_no}/").content.decode()
    assert f'href="/registry/components/{lamp.pk}/"' in page and "320571-B0118-0077" in page
    assert client.get(f"/api/cases/{case.ticket_no}/").json()["component"] == "320571-B0118-0077"
    client.force_login(people[Role.DEPARTMENT_HANDLER])  # may not open the registry: the code without a link
    case.department = department
    case.save()
    page = client.get(f"/cases/{case.ticket_no}/")
    assert page.status_code == 200
    assert "320571-B0118-0077" in page.content.decode() and "/registry/components/" not in page.content.decode()
