"""`civicgrid demo` builds the base data: valid identity numbers and credit codes, personal data only encrypted,
counts in range, cases linked to the components and houses they are about, and a re-run that adds nothing."""

import json
import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from stdnum.cn import ric, uscc

from civicgrid.cases.models import Case, Category, CategoryKind
from civicgrid.core.crypto import decrypt, lookup_hash
from civicgrid.core.models import ChangeRecord
from civicgrid.demo import registry as demo_registry
from civicgrid.demo.loader import _demo_area
from civicgrid.geo.models import GridKind, Region
from civicgrid.people.models import Department
from civicgrid.registry import services as rs
from civicgrid.registry.models import Component, House, Organisation, Person, PersonMove, PersonTag
from civicgrid.registry.policy import TAGS, tag_is_sensitive

TABLES = ["registry_house", "registry_person", "registry_persontag", "registry_personmove", "registry_organisation",
          "registry_component", "core_changerecord", "cases_case"]


def registry_counts():
    return (House.objects.count(), Person.objects.count(), PersonTag.objects.count(), PersonMove.objects.count(),
            Organisation.objects.count(), Component.objects.count(), ChangeRecord.objects.count(), Case.objects.count())


def test_organisation_code_check_characters_match_real_credit_codes():
    # GB 11714 check characters of organisation codes inside published credit codes (the first is python-stdnum's
    # own example; the others are 苏州工业园区 firms, registration code 320594)
    for code in ("91110000600037341L", "91320594780268314T", "91320594MA1NHMCA0T"):
        assert demo_registry.organisation_code_check(code[8:16]) == code[16]
        assert uscc.is_valid(code)
    assert demo_registry.organisation_code_check("78026831") != "5"


def test_generated_numbers_follow_their_rules():
    rng = random.Random(7)
    for kind, prefixes in demo_registry.CREDIT_PREFIX.items():
        for _ in range(200):
            code = demo_registry.credit_code(rng, kind)
            assert rs.check_credit_code(code) == code and code[:2] in prefixes and code[2:8] == "320594"
            assert demo_registry.organisation_code_check(code[8:16]) == code[16]
    for pool in ("suzhou", "jiangsu", "other"):
        for year in (1935, 1960, 1983, 1999, 2020):
            region = demo_registry.county_for(rng, pool, year)
            for sex in "MF":
                birth = date(year, 2, 28)
                number = demo_registry.identity_number(region, birth, sex, rng)
                assert ric.is_valid(number), number  # check digit, birth date and a region in use that year
                assert rs.check_id_number(number) == (number, birth, sex)
    assert demo_registry.counties()["810000"].name_in(1996) is None  # why the Hong Kong residents are young
    assert demo_registry.counties()["810000"].name_in(1997)
    assert all(re.fullmatch(r"1[3-9]\d{9}", demo_registry.mobile(rng)) for _ in range(100))


@pytest.mark.django_db
def test_demo_builds_a_valid_registry_once(capsys):
    call_command("demo", "--sample", "--cases", "300")
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("registry: "))
    assert "records created now" in line, line
    today = timezone.localdate()

    # counts within the ranges the sample should give
    houses, people = House.objects.count(), Person.objects.count()
    assert 3000 <= houses <= 6000 and 6000 <= people <= 12000, (houses, people)
    assert 200 <= Organisation.objects.count() <= 400 and 2000 <= Component.objects.count() <= 4500
    assert 100 <= PersonMove.objects.count() <= 1000

    # houses: realistic addresses in the tree's streets, an occupancy mix, 1-5 people in every lived-in flat
    streets = set(Region.objects.filter(level=3).values_list("name", flat=True))
    for address in House.objects.values_list("address", flat=True):
        assert re.fullmatch(r"(\w+街道)\w+?\d+号\w+?\d+幢\d单元\d{3,4}室", address) and address[:4] in streets, address
    assert set(House.objects.values_list("occupancy", flat=True)) == set(House.Occupancy.values)
    residents = Counter(Person.objects.values_list("house_id", flat=True))
    for house in House.objects.select_related("grid"):
        n = residents.get(house.pk, 0)
        lived_in = house.occupancy != House.Occupancy.VACANT and house.use != House.Use.COMMERCIAL
        assert (1 <= n <= 5) if lived_in else n == 0, (house.address, house.occupancy, n)
        assert house.grid_id and house.region_path.endswith(f"{house.grid.code}.")

    # people: every identity number passes the registry's check and matches what is stored beside it
    by_type, tags_of, ages, expired, soon = Counter(), {}, {}, 0, 0
    tag_rows = {}
    for person_id, tag in PersonTag.objects.values_list("person_id", "tag_hash"):
        tag_rows.setdefault(person_id, set()).add(tag)
    for p in Person.objects.all():
        number, birth, sex = rs.check_id_number(decrypt(p.id_number_encrypted))
        assert (lookup_hash(number), number[-4:], birth, sex) == (p.id_number_hash, p.id_number_tail, p.birth_date, p.sex)
        phone = decrypt(p.phone_encrypted)
        assert rs.check_phone(phone) == phone and lookup_hash(phone) == p.phone_hash
        tags = json.loads(decrypt(p.tags_encrypted) or "[]")
        assert tags == sorted(set(tags)) and set(tags) <= set(TAGS) and p.tags_hash == rs.tags_digest(tags)
        assert tag_rows.get(p.pk, set()) == {rs.tag_hash(t) for t in tags}
        by_type[p.residence_type] += 1
        tags_of[p.pk], ages[p.pk] = tags, today.year - birth.year
        if p.residence_type == Person.ResidenceType.FOREIGN:
            assert number[:6] in ("810000", "820000")  # 港澳居民居住证
        if p.residence_type != Person.ResidenceType.REGISTERED:
            assert p.arrival_date and p.arrival_date <= today
            if p.permit_expires_on:
                assert p.registered_on and p.registered_on <= today
                expired += p.permit_expires_on < today
                soon += today <= p.permit_expires_on <= today + timedelta(days=30)
    shares = {k: n / people for k, n in by_type.items()}
    assert 0.55 <= shares["registered"] <= 0.75 and 0.22 <= shares["floating"] <= 0.38
    assert 0.02 <= shares["foreign"] <= 0.08, shares
    assert expired >= 20 and soon >= 20, (expired, soon)
    tag_counts = Counter(t for tags in tags_of.values() for t in tags)
    assert {"独居老人", "低保户", "残疾人", "退役军人", "高龄老人"} <= set(tag_counts), tag_counts
    sensitive = sum(n for t, n in tag_counts.items() if tag_is_sensitive(t))
    assert 0 < sensitive < people * 0.02, tag_counts
    for p in Person.objects.filter(pk__in=[pk for pk, tags in tags_of.items() if "独居老人" in tags]):
        assert ages[p.pk] >= 60 and residents[p.house_id] == 1
    assert all(ages[pk] >= 80 for pk, tags in tags_of.items() if "高龄老人" in tags)
    young = [a for a in ages.values() if a < 15]
    old = [a for a in ages.values() if a >= 60]
    assert 0.10 <= len(young) / people <= 0.25 and 0.08 <= len(old) / people <= 0.25  # a plausible pyramid
    for move in PersonMove.objects.select_related("person"):
        assert move.from_house_id != move.to_house_id and move.to_house_id == move.person.house_id
        assert move.person.birth_date <= timezone.localtime(move.moved_at).date() and move.moved_at < timezone.now()

    # organisations: valid credit codes (with the organisation code's own check character) and contacts
    for org in Organisation.objects.all():
        assert rs.check_credit_code(org.credit_code) == org.credit_code
        assert demo_registry.organisation_code_check(org.credit_code[8:16]) == org.credit_code[16]
        assert rs.check_phone(decrypt(org.contact_phone_encrypted)) and org.grid_id
    assert set(Organisation.objects.values_list("kind", flat=True)) == {"企业", "个体工商户", "社会组织", "机关事业单位"}

    # components: classes of the loaded taxonomy, codes of their grid, mostly in order, an owner each
    taxonomy = set(Category.objects.filter(kind=CategoryKind.COMPONENT, parent__isnull=False).values_list("code", flat=True))
    assert set(Component.objects.values_list("class_code", flat=True)) <= taxonomy
    assert len(set(Component.objects.values_list("class_code", flat=True))) >= 30
    for c in Component.objects.all():
        grid_code, class_code, _ = c.code.split("-")
        assert class_code == c.class_code and re.fullmatch(r"\d{15}", grid_code) and c.owner_department_id
    statuses = Counter(Component.objects.values_list("status", flat=True))
    assert statuses["good"] > 0.8 * sum(statuses.values()) and statuses["damaged"] and statuses["missing"]

    # a database dump shows no identity number, phone or tag in the clear
    dump = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
            dump.append(repr(cursor.fetchall()))
    dump = "\n".join(dump)
    numbers = {decrypt(p) for p in Person.objects.values_list("id_number_encrypted", flat=True)}
    phones = {decrypt(p) for p in Person.objects.values_list("phone_encrypted", flat=True)} - {""}
    phones |= {decrypt(p) for p in Organisation.objects.values_list("contact_phone_encrypted", flat=True)}
    assert len(numbers) == people and Person.objects.first().name in dump  # the dump is real
    assert not numbers & set(re.findall(r"\d{17}[\dX]", dump))
    assert not phones & set(re.findall(r"1[3-9]\d{9}|0512-6\d{7}", dump))
    assert not any(tag in dump for tag in TAGS)

    # seeded records are what the services would have written: upserting the same values changes nothing
    _, community, _ = _demo_area()
    plan = demo_registry.plan_registry(today=today, focus_grids=Region.objects.filter(
        parent=community, grid_kind=GridKind.COMPREHENSIVE))
    assert demo_registry.plan_registry(today=today, focus_grids=Region.objects.filter(
        parent=community, grid_kind=GridKind.COMPREHENSIVE)) == plan  # no unseeded randomness anywhere
    for h in plan.houses[:20]:
        assert rs.upsert_house(address=h.address, building=h.building, unit=h.unit, room=h.room, use=h.use,
                               occupancy=h.occupancy, lon=h.lon, lat=h.lat)[1] == "unchanged"
    moved = [p for p in plan.people if p.moved_from][:5]
    for p in plan.people[:30] + moved:
        person, outcome = rs.upsert_person(
            id_number=p.id_number, name=p.name, phone=p.phone, household_address=p.household_address,
            house=House.objects.get(address=p.house_address), residence_type=p.residence_type, tags=p.tags,
            arrival_date=p.arrival_date, registered_on=p.registered_on, permit_expires_on=p.permit_expires_on)
        assert outcome == "unchanged", p
    person = Person.objects.get(id_number_hash=lookup_hash(moved[0].id_number))
    history = list(ChangeRecord.objects.filter(model_label="registry.person", object_id=str(person.pk)).order_by("id"))
    assert [r.action for r in history] == ["create", "update"] and set(history[0].changes) == set(rs.PERSON_FIELDS)
    assert history[1].changes == {"house_id": [person.moves.get().from_house_id, person.house_id]}
    departments = {d.code: d for d in Department.objects.all()}
    for o in plan.organisations[:10]:
        assert rs.upsert_organisation(credit_code=o.credit_code, name=o.name, kind=o.kind, address=o.address,
                                      legal_representative=o.legal_representative, contact_phone=o.contact_phone,
                                      lon=o.lon, lat=o.lat)[1] == "unchanged"
    for c in plan.components[:20]:
        assert rs.upsert_component(code=c.code, class_code=c.class_code, name=c.name, lon=c.lon, lat=c.lat,
                                   status=c.status, owner_department=departments.get(c.owner_code))[1] == "unchanged"

    # cases about a component name one of its class, in or near their grid, and are placed at it
    demo_cases = Case.objects.filter(idempotency_key__startswith="demo-").select_related("component", "category")
    linked = [c for c in demo_cases if c.component_id]
    about_components = demo_cases.filter(category__kind=CategoryKind.COMPONENT).count()
    assert len(linked) >= 0.3 * about_components and len(linked) >= 30, (len(linked), about_components)
    for case in linked:
        assert case.component.class_code == case.category.code and case.component.code in case.description
        assert (case.lon, case.lat) == (case.component.lon, case.component.lat)
    assert demo_cases.filter(house__isnull=False).exists()

    # a second run creates nothing
    before = registry_counts()
    call_command("demo", "--sample", "--cases", "300")
    assert registry_counts() == before
    assert "nothing new (all there already)" in capsys.readouterr().out
