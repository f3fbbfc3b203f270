"""The household visit (入户走访) as a grid worker does it: their houses only, masked personal data, every change in the
history with the visit as its source, hidden sensitive tags left alone, bad input refused beside its field."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.crypto import decrypt, lookup_hash
from civicgrid.core.models import ChangeRecord
from civicgrid.people.models import Role
from civicgrid.registry import services
from civicgrid.registry.models import House, Person, PersonMove, PersonTag
from civicgrid.registry.services import RegistryInputError, move_out, upsert_house, upsert_person
from tests.registry.test_registry import id_number

pytestmark = pytest.mark.django_db

TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731


@pytest.fixture
def houses(tree):
    """Two houses in the grid worker's grid A1-1, one in grid A1-2 (also theirs), one in street B (not theirs)."""
    make = lambda address, lon, lat: upsert_house(address=address, building="1幢", lon=lon, lat=lat)[0]  # noqa: E731
    return {
        "a": make("甲街道星湖街1号1幢101室", 120.701, 31.301),
        "a2": make("甲街道星湖街1号1幢102室", 120.702, 31.302),
        "a3": make("甲街道星湖街3号2幢201室", 120.711, 31.301),
        "b": make("乙街道星湖街9号2幢202室", 120.701, 31.311),
    }


@pytest.fixture
def residents(houses):
    """Two people in house a (one with a sensitive tag), one in house b."""
    wang = upsert_person(id_number=id_number(seq="111"), name="王建国", phone="13812345678", house=houses["a"],
                         tags=["独居老人", "社区矫正对象"], household_address="苏州市园区星湖街1号")[0]
    li = upsert_person(id_number=id_number(seq="222", birth="19920304"), name="李梅", phone="13900001111",
                       house=houses["a"], residence_type=Person.ResidenceType.FLOATING,
                       arrival_date=date(2025, 3, 1), permit_expires_on=date(2026, 3, 1))[0]
    zhao = upsert_person(id_number=id_number(seq="333"), name="赵强", phone="13900002222", house=houses["b"])[0]
    return {"wang": wang, "li": li, "zhao": zhao}


def resident_data(prefix: str, **values) -> dict:
    data = {f"{prefix}-residence_type": "registered", f"{prefix}-phone": "", f"{prefix}-note": ""}
    for key, value in values.items():
        data[f"{prefix}-{key}"] = value
    return data


def test_my_houses_lists_the_grid_workers_houses_by_address_and_searches(people, houses, residents, client,
                                                                         django_assert_max_num_queries):
    client.force_login(people[Role.GRID_WORKER])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("registry:visit_houses"))
    assert response.status_code == 200
    page = response.content.decode()
    order = [page.index(houses[k].address) for k in ("a", "a2", "a3")]
    assert order == sorted(order)  # ordered by address
    assert houses["b"].address not in page  # street B is not theirs
    found = client.get(reverse("registry:visit_houses"), {"q": "3号"}).content.decode()
    assert houses["a3"].address in found and houses["a"].address not in found


def test_house_page_masks_identity_and_phone_and_hides_sensitive_tags_from_a_grid_worker(people, houses, residents,
                                                                                         client):
    client.force_login(people[Role.GRID_WORKER])
    response = client.get(reverse("registry:visit_house", args=[houses["a"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "王建国" in page and "李梅" in page and "赵强" not in page
    assert "**************" + id_number(seq="111")[-4:] in page and id_number(seq="111") not in page
    assert "138****5678" in page and "13812345678" not in page
    assert "独居老人" in page and "社区矫正对象" not in page  # neither as a tag nor as a checkbox
    # community staff see the sensitive tag (and may tick it)
    client.force_login(people[Role.COMMUNITY_STAFF])
    assert "社区矫正对象" in client.get(reverse("registry:visit_house", args=[houses["a"].pk])).content.decode()


def test_house_page_reads_a_fixed_number_of_queries(people, houses, residents, client, django_assert_max_num_queries):
    for seq in ("444", "555", "666", "777"):
        upsert_person(id_number=id_number(seq=seq), name="住户", house=houses["a"])
    client.force_login(people[Role.GRID_WORKER])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("registry:visit_house", args=[houses["a"].pk])).status_code == 200


def test_outside_the_scope_is_404_and_other_roles_403(people, houses, residents, client):
    worker = people[Role.GRID_WORKER]
    client.force_login(worker)
    b, zhao = houses["b"], residents["zhao"]
    assert client.get(reverse("registry:visit_house", args=[b.pk])).status_code == 404
    assert client.post(reverse("registry:visit_resident", args=[b.pk, zhao.pk]),
                       resident_data(f"r{zhao.pk}", phone="13700000000")).status_code == 404
    # a person of another house, through a house of the scope: 404 too
    assert client.post(reverse("registry:visit_resident", args=[houses["a"].pk, zhao.pk]),
                       resident_data(f"r{zhao.pk}", phone="13700000000")).status_code == 404
    assert client.post(reverse("registry:visit_move_out", args=[houses["a"].pk, zhao.pk]), {}).status_code == 404
    assert client.post(reverse("registry:visit_newcomer", args=[b.pk]), {}).status_code == 404
    assert decrypt(Person.objects.get(pk=zhao.pk).phone_encrypted) == "13900002222"
    for role in (Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.LEADER, Role.RESIDENT):
        client.force_login(people[role])
        assert client.get(reverse("registry:visit_house", args=[houses["a"].pk])).status_code == 403
        assert client.get(reverse("registry:visit_houses")).status_code == 403


def test_a_visit_changing_a_phone_writes_history_with_source_and_actor(people, houses, residents, client):
    worker, wang = people[Role.GRID_WORKER], residents["wang"]
    client.force_login(worker)
    before = ChangeRecord.objects.count()
    response = client.post(reverse("registry:visit_resident", args=[houses["a"].pk, wang.pk]),
                           resident_data(f"r{wang.pk}", phone="139 1234 5678", tags=["独居老人"],
                                         note="电话已换号"))
    assert response.status_code == 302 and response["Location"].endswith(f"#resident-{wang.pk}")
    wang.refresh_from_db()
    assert decrypt(wang.phone_encrypted) == "13912345678" and wang.phone_hash == lookup_hash("13912345678")
    record = ChangeRecord.objects.get(model_label="registry.person", object_id=str(wang.pk), action="update")
    assert ChangeRecord.objects.count() == before + 1
    assert record.actor == worker and record.source == f"入户走访 {TODAY()} · 电话已换号"
    assert set(record.changes) == {"phone_hash"}  # only the phone changed: tags and the rest kept
    assert "13912345678" not in json.dumps(record.changes)
    page = client.get(reverse("registry:visit_house", args=[houses["a"].pk])).content.decode()
    assert "139****5678" in page


def test_a_hidden_sensitive_tag_survives_a_grid_workers_save(people, houses, residents, client):
    worker, wang = people[Role.GRID_WORKER], residents["wang"]
    client.force_login(worker)
    # the grid worker unticks 独居老人 and ticks 低保户; 社区矫正对象 was never shown to them
    response = client.post(reverse("registry:visit_resident", args=[houses["a"].pk, wang.pk]),
                           resident_data(f"r{wang.pk}", tags=["低保户"]))
    assert response.status_code == 302
    wang.refresh_from_db()
    assert services.stored_tags(wang) == ["低保户", "社区矫正对象"]
    assert PersonTag.objects.filter(person=wang, tag_hash=services.tag_hash("社区矫正对象")).exists()
    assert decrypt(wang.phone_encrypted) == "13812345678"  # an empty phone field keeps the number
    # nor can they set a sensitive tag by posting it
    response = client.post(reverse("registry:visit_resident", args=[houses["a"].pk, residents["li"].pk]),
                           resident_data(f"r{residents['li'].pk}", tags=["吸毒人员"]))
    assert response.status_code == 400 and services.stored_tags(Person.objects.get(pk=residents["li"].pk)) == []
    # community staff may remove it
    client.force_login(people[Role.COMMUNITY_STAFF])
    client.post(reverse("registry:visit_resident", args=[houses["a"].pk, wang.pk]),
                resident_data(f"r{wang.pk}", tags=["低保户"]))
    wang.refresh_from_db()
    assert services.stored_tags(wang) == ["低保户"]


def test_a_bad_phone_shows_the_field_error_keeps_the_values_and_stores_nothing(people, houses, residents, client):
    client.force_login(people[Role.GRID_WORKER])
    li = residents["li"]
    before = ChangeRecord.objects.count()
    response = client.post(reverse("registry:visit_resident", args=[houses["a"].pk, li.pk]),
                           resident_data(f"r{li.pk}", phone="12345", residence_type="floating",
                                         permit_expires_on="2027-05-01", tags=["孕产妇"]))
    assert response.status_code == 400
    form = response.context["residents"][[r["person"].pk for r in response.context["residents"]].index(li.pk)]["form"]
    assert list(form.errors) == ["phone"]
    page = response.content.decode()
    assert 'value="2027-05-01"' in page and 'value="12345"' in page  # the other values are kept
    assert ChangeRecord.objects.count() == before
    li.refresh_from_db()
    assert li.permit_expires_on == date(2026, 3, 1) and services.stored_tags(li) == []


def test_registering_a_newcomer_with_a_bad_identity_number_shows_the_error_and_stores_nothing(people, houses,
                                                                                              residents, client):
    client.force_login(people[Role.GRID_WORKER])
    good = id_number(seq="888")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {"new-id_number": bad, "new-name": "孙丽", "new-phone": "13611112222", "new-residence_type": "floating",
            "new-tags": ["孕产妇"], "new-arrival_date": "2026-10-01", "new-note": ""}
    people_before, history_before = Person.objects.count(), ChangeRecord.objects.count()
    response = client.post(reverse("registry:visit_newcomer", args=[houses["a"].pk]), data)
    assert response.status_code == 400
    form = response.context["newcomer_form"]
    assert list(form.errors) == ["id_number"]
    message = form.errors["id_number"][0]
    assert "校验码错误" in message  # the page speaks Chinese
    page = response.content.decode()
    field = page[page.index('class="field field-id_number has-error"'):]
    assert field.index(str(message)) < field.index("</div>")  # shown beside the field
    assert 'value="孙丽"' in page and 'value="13611112222"' in page and 'value="2026-10-01"' in page
    assert Person.objects.count() == people_before and ChangeRecord.objects.count() == history_before

    data["new-id_number"] = good
    response = client.post(reverse("registry:visit_newcomer", args=[houses["a"].pk]), data)
    assert response.status_code == 302
    sun = Person.objects.get(id_number_hash=lookup_hash(good))
    assert sun.house == houses["a"] and sun.grid.code == "320571001001001" and sun.residence_type == "floating"
    assert sun.arrival_date == date(2026, 10, 1) and services.stored_tags(sun) == ["孕产妇"]
    created = ChangeRecord.objects.get(model_label="registry.person", object_id=str(sun.pk))
    assert created.action == "create" and created.actor == people[Role.GRID_WORKER]
    assert created.source == f"入户走访 {TODAY()}"


def test_a_newcomer_already_registered_elsewhere_is_moved_here_keeping_what_the_form_does_not_ask(
        people, houses, residents, client):
    """赵强 lives in street B (outside the worker's scope); found in house a, he is registered there: a move."""
    zhao = residents["zhao"]
    upsert_person(id_number=id_number(seq="333"), name="赵强", phone="13900002222", house=houses["b"],
                  tags=["刑满释放人员"], household_address="乙街道户籍地")
    client.force_login(people[Role.GRID_WORKER])
    response = client.post(reverse("registry:visit_newcomer", args=[houses["a"].pk]), {
        "new-id_number": id_number(seq="333"), "new-name": "赵强", "new-phone": "", "new-residence_type": "registered"})
    assert response.status_code == 302
    zhao.refresh_from_db()
    assert zhao.house == houses["a"] and zhao.region_path == houses["a"].region_path
    assert decrypt(zhao.phone_encrypted) == "13900002222"  # no phone given: the stored one is kept
    assert services.stored_tags(zhao) == ["刑满释放人员"]  # hidden from the grid worker: kept
    assert zhao.household_address == "乙街道户籍地"
    move = PersonMove.objects.get(person=zhao)
    assert move.from_house == houses["b"] and move.to_house == houses["a"] and move.actor == people[Role.GRID_WORKER]


def test_moving_out_keeps_the_person_in_the_grid_flagged_with_a_move(people, houses, residents, client):
    worker, li = people[Role.GRID_WORKER], residents["li"]
    client.force_login(worker)
    response = client.post(reverse("registry:visit_move_out", args=[houses["a"].pk, li.pk]),
                           {f"m{li.pk}-to_address": "", f"m{li.pk}-note": "已回老家", f"m{li.pk}-confirm": "on"})
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.house is None and li.grid.code == "320571001001001"  # still in the grid's records
    move = PersonMove.objects.get(person=li)
    assert move.from_house == houses["a"] and move.to_house is None and move.actor == worker
    assert move.source == f"入户走访 {TODAY()} · 已回老家"
    record = ChangeRecord.objects.filter(model_label="registry.person", object_id=str(li.pk)).first()
    assert record.changes["house_id"] == [houses["a"].pk, None] and record.actor == worker
    page = client.get(reverse("registry:visit_house", args=[houses["a"].pk])).content.decode()
    assert f'id="resident-{li.pk}"' not in page and "李*" in page  # listed under "moved out", name masked
    with pytest.raises(RegistryInputError):
        move_out(li, actor=worker)


def test_moving_to_another_house_found_by_address(people, houses, residents, client):
    worker, wang = people[Role.GRID_WORKER], residents["wang"]
    client.force_login(worker)
    # a house outside the area is not found
    response = client.post(reverse("registry:visit_move_out", args=[houses["a"].pk, wang.pk]),
                           {f"m{wang.pk}-to_address": houses["b"].address, f"m{wang.pk}-confirm": "on"})
    assert response.status_code == 400 and "to_address" in response.context["residents"][1]["move_form"].errors
    assert Person.objects.get(pk=wang.pk).house == houses["a"]
    response = client.post(reverse("registry:visit_move_out", args=[houses["a"].pk, wang.pk]),
                           {f"m{wang.pk}-to_address": " " + houses["a3"].address, f"m{wang.pk}-confirm": "on"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.house == houses["a3"] and wang.grid.code == "320571001001002"
    assert services.stored_tags(wang) == ["独居老人", "社区矫正对象"]  # a move changes no tag
    assert wang.household_address == "苏州市园区星湖街1号"
    assert PersonMove.objects.get(person=wang).to_house == houses["a3"]


def test_changing_the_houses_occupancy(people, houses, client):
    worker = people[Role.GRID_WORKER]
    client.force_login(worker)
    house = houses["a"]
    response = client.post(reverse("registry:visit_house_edit", args=[house.pk]),
                           {"house-use": "residential", "house-occupancy": "rented", "house-note": "出租给租客"})
    assert response.status_code == 302
    house.refresh_from_db()
    assert house.occupancy == House.Occupancy.RENTED
    record = ChangeRecord.objects.get(model_label="registry.house", object_id=str(house.pk), action="update")
    assert record.changes == {"occupancy": ["owner", "rented"]} and record.actor == worker
    assert record.source.startswith("入户走访 ")
    response = client.post(reverse("registry:visit_house_edit", args=[house.pk]),
                           {"house-use": "castle", "house-occupancy": "rented"})
    assert response.status_code == 400 and "use" in response.context["house_form"].errors


def test_a_house_without_coordinates_says_so_and_stores_nothing(people, houses, client):
    House.objects.filter(pk=houses["a"].pk).update(lon=None, lat=None)
    client.force_login(people[Role.GRID_WORKER])
    response = client.post(reverse("registry:visit_house_edit", args=[houses["a"].pk]),
                           {"house-use": "residential", "house-occupancy": "vacant"})
    assert response.status_code == 400 and response.context["house_form"].non_field_errors()
    assert House.objects.get(pk=houses["a"].pk).occupancy == House.Occupancy.OWNER
