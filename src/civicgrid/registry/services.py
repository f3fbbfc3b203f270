"""Writes of the base data: every record validated with real rules, placed in its grid, its history kept.

Identity numbers and unified social credit codes are checked with python-stdnum (checksum, birth date, region);
personal data is encrypted on the way in and never written to the change history in the clear. Revealing a
personal field needs a role that may, a stated reason, and leaves an audit row.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from civicgrid.core.crypto import decrypt, encrypt, lookup_hash
from civicgrid.core.models import AuditEntry
from civicgrid.core.services import save_with_history, snapshot, write_audit
from civicgrid.geo.models import Region
from civicgrid.geo.selectors import locate_point
from civicgrid.people.models import Role
from civicgrid.people.scoping import scope_of
from civicgrid.registry.models import Component, House, Organisation, Person, PersonMove, PersonTag
from civicgrid.registry.policy import REVEAL_ROLES, TAGS, visible_tags
from civicgrid.registry.selectors import person_tags as stored_tags  # the decrypted tags (never logged)

REVEALABLE = {"id_number": "id_number_encrypted", "phone": "phone_encrypted", "tags": "tags_encrypted"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class RegistryInputError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


ID_NUMBER = re.compile(r"\d{17}[\dX]")


@lru_cache(maxsize=65536)
def _region_known(region: str) -> bool:
    """The region code is in python-stdnum's list of administrative divisions (cn/loc), at any time.

    stdnum's own `validate` also wants the county to have existed in the year of BIRTH; but the code in an 18-digit
    number is the place of registration when the number was issued (from 1999 on), so that rule refuses real people
    born before their county got its code (吴中区 320506, since 2000). We keep the list, not the years. Codes the
    list lacks (320571, the statistical code of 苏州工业园区, is not an issuing code) are refused."""
    parts = numdb.get("cn/loc").info(region)
    return len(parts) == 2 and "province" in parts[0][1] and "county" in parts[1][1]


def check_id_number(value: str) -> tuple[str, object, str]:
    """A resident identity number -> (normalised number, birth date, "M"/"F"), or RegistryInputError.

    The rules are python-stdnum's (stdnum.cn.ric): 18 characters, the ISO 7064 check digit, a real birth date and a
    known region code (see _region_known). The same checks run in the imports' hot path, hence the memo."""
    number = "".join((value or "").split()).upper()
    if len(number) != 18:
        raise RegistryInputError("id_number", _("%(value)s is not 18 characters long") % {"value": number})
    if not ID_NUMBER.fullmatch(number):
        raise RegistryInputError("id_number", _("%(value)s is not an identity number (17 digits and a digit or X)") % {"value": number})
    if ric.calc_check_digit(number) != number[17]:
        raise RegistryInputError("id_number", _("%(value)s: the check digit is wrong") % {"value": number})
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise RegistryInputError("id_number", _("%(value)s: the birth date in it is not a real date") % {"value": number}) from None
    if not 1890 <= birth.year or birth > date.today():
        raise RegistryInputError("id_number", _("%(value)s: the birth date %(birth)s is not possible") % {"value": number, "birth": birth})
    if not _region_known(number[:6]):
        raise RegistryInputError("id_number", _("%(value)s: the region code %(region)s is unknown") % {"value": number, "region": number[:6]})
    return number, birth, "M" if int(number[16]) % 2 else "F"


def check_credit_code(value: str) -> str:
    code = (value or "").strip().upper()
    try:
        return uscc.validate(code)
    except ValidationError:
        raise RegistryInputError("credit_code", _("%(value)s is not a valid unified social credit code") % {"value": code}) from None


def check_phone(value: str, field: str = "phone") -> str:
    phone = "".join((value or "").split())
    if phone and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        raise RegistryInputError(field, _("%(value)s is neither a mobile (11 digits) nor a landline number") % {"value": phone})
    return phone


def _place(lon, lat, *, field: str = "location") -> tuple[Region, str]:
    placement = locate_point(float(lon), float(lat))
    if placement.outside:
        raise RegistryInputError(field, _("%(lon)s, %(lat)s is outside the jurisdiction") % {"lon": lon, "lat": lat})
    grid = Region.objects.get(pk=placement.grid_id)
    return grid, grid.path


HOUSE_FIELDS = ["address", "building", "unit", "room", "use", "occupancy", "grid_id", "lon", "lat"]


@transaction.atomic
def upsert_house(*, address: str, building: str, unit: str = "", room: str = "", use: str = House.Use.RESIDENTIAL,
                 occupancy: str = House.Occupancy.OWNER, lon: float, lat: float, actor=None,
                 source: str = "") -> tuple[House, str]:
    address = (address or "").strip()
    if not address:
        raise RegistryInputError("address", _("is required"))
    grid, path = _place(lon, lat)
    stored = House.objects.select_for_update().filter(address=address).first()
    house = stored or House(address=address)
    before = snapshot(stored, HOUSE_FIELDS) if stored else None
    house.building, house.unit, house.room, house.use, house.occupancy = building, unit, room, use, occupancy
    house.lon, house.lat, house.grid, house.region_path = float(lon), float(lat), grid, path
    return house, save_with_history(house, HOUSE_FIELDS, before=before, actor=actor, source=source)


# History of a person holds hashes and flags, never the identity number, phone or tags in the clear.
PERSON_FIELDS = ["id_number_hash", "name", "sex", "birth_date", "phone_hash", "household_address", "house_id",
                 "residence_type", "tags_hash", "arrival_date", "registered_on", "permit_expires_on"]


def check_tags(tags) -> list[str]:
    """Known special-population tags, sorted and without repeats."""
    cleaned = sorted({t.strip() for t in (tags or []) if t and t.strip()})
    unknown = [t for t in cleaned if t not in TAGS]
    if unknown:
        raise RegistryInputError("tags", _("unknown tag %(tag)s; known: %(known)s") % {"tag": unknown[0], "known": "、".join(TAGS)})
    return cleaned


def tag_hash(tag: str) -> str:
    return lookup_hash("tag:" + tag)


def tags_digest(tags: list[str]) -> str:
    return lookup_hash("tags:" + "|".join(tags)) if tags else ""


@transaction.atomic
def upsert_person(*, id_number: str, name: str, phone: str = "", household_address: str = "",
                  house: House | None = None, residence_type: str = Person.ResidenceType.REGISTERED,
                  tags: list[str] | None = None, arrival_date=None, registered_on=None, permit_expires_on=None,
                  actor=None, source: str = "") -> tuple[Person, str]:
    number, birth_date, sex = check_id_number(id_number)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise RegistryInputError("name", _("is required (at most 40 characters)"))
    phone = check_phone(phone)
    if residence_type not in Person.ResidenceType.values:
        raise RegistryInputError("residence_type", _("unknown residence type %(value)s") % {"value": residence_type})
    wanted_tags = check_tags(tags)
    digest = lookup_hash(number)
    stored = Person.objects.select_for_update().filter(id_number_hash=digest).first()
    person = stored or Person(id_number_hash=digest)
    before = snapshot(stored, PERSON_FIELDS) if stored else None
    person.id_number_encrypted = encrypt(number) if not stored else person.id_number_encrypted
    person.id_number_tail = number[-4:]
    person.name, person.sex, person.birth_date = name, sex, birth_date
    if not stored or lookup_hash(phone) != person.phone_hash:
        person.phone_hash, person.phone_encrypted = lookup_hash(phone), encrypt(phone)
    moved_from = person.house_id if stored else None
    person.household_address, person.residence_type = household_address, residence_type
    if house is not None:
        person.house, person.grid, person.region_path = house, house.grid, house.region_path
    elif not stored:
        raise RegistryInputError("house", _("a person is registered at a house of the district"))
    person.arrival_date, person.registered_on, person.permit_expires_on = arrival_date, registered_on, permit_expires_on
    tags_changed = tags_digest(wanted_tags) != person.tags_hash
    if tags_changed:
        person.tags_hash = tags_digest(wanted_tags)
        person.tags_encrypted = encrypt(json.dumps(wanted_tags, ensure_ascii=False)) if wanted_tags else ""
    outcome = save_with_history(person, PERSON_FIELDS, before=before, actor=actor, source=source)
    if tags_changed:
        PersonTag.objects.filter(person=person).delete()
        PersonTag.objects.bulk_create([PersonTag(person=person, tag_hash=tag_hash(t)) for t in wanted_tags])
    if stored and house is not None and moved_from != house.pk:
        PersonMove.objects.create(person=person, from_house_id=moved_from, to_house=house, moved_at=timezone.now(),
                                  actor=actor, source=source)
    return person, outcome


ORGANISATION_FIELDS = ["credit_code", "name", "kind", "address", "legal_representative", "grid_id", "lon", "lat"]


@transaction.atomic
def upsert_organisation(*, credit_code: str, name: str, lon: float, lat: float, kind: str = "", address: str = "",
                        legal_representative: str = "", contact_phone: str = "", actor=None,
                        source: str = "") -> tuple[Organisation, str]:
    code = check_credit_code(credit_code)
    if not (name or "").strip():
        raise RegistryInputError("name", _("is required"))
    phone = check_phone(contact_phone, "contact_phone")
    grid, path = _place(lon, lat)
    stored = Organisation.objects.select_for_update().filter(credit_code=code).first()
    org = stored or Organisation(credit_code=code)
    before = snapshot(stored, ORGANISATION_FIELDS) if stored else None
    org.name, org.kind, org.address, org.legal_representative = name.strip(), kind, address, legal_representative
    org.grid, org.region_path, org.lon, org.lat = grid, path, float(lon), float(lat)
    if not stored or decrypt(org.contact_phone_encrypted) != phone:
        org.contact_phone_encrypted = encrypt(phone)
    return org, save_with_history(org, ORGANISATION_FIELDS, before=before, actor=actor, source=source)


COMPONENT_CLASS = re.compile(r"B\d{4}")
COMPONENT_FIELDS = ["code", "class_code", "name", "lon", "lat", "status", "owner_department_id", "grid_id"]


@transaction.atomic
def upsert_component(*, code: str, class_code: str, name: str, lon: float, lat: float,
                     status: str = Component.Status.GOOD, owner_department=None, actor=None,
                     source: str = "") -> tuple[Component, str]:
    code = (code or "").strip()
    if not code:
        raise RegistryInputError("code", _("is required"))
    if not COMPONENT_CLASS.fullmatch(class_code or ""):
        raise RegistryInputError("class_code", _("%(value)s is not a GB/T 30428 component class (B and 4 digits)") % {"value": class_code})
    if status not in Component.Status.values:
        raise RegistryInputError("status", _("unknown status %(value)s") % {"value": status})
    grid, path = _place(lon, lat)
    stored = Component.objects.select_for_update().filter(code=code).first()
    component = stored or Component(code=code)
    before = snapshot(stored, COMPONENT_FIELDS) if stored else None
    component.class_code, component.name, component.status = class_code, name, status
    component.lon, component.lat, component.owner_department = float(lon), float(lat), owner_department
    component.grid, component.region_path = grid, path
    return component, save_with_history(component, COMPONENT_FIELDS, before=before, actor=actor, source=source)


def reveal(person: Person, field: str, *, actor, reason: str, ip_address: str | None = None) -> str | list[str]:
    """A personal field in the clear, for a role that may see it, with a reason; audited every time."""
    if not scope_of(actor).covers_path(person.region_path):
        raise Http404("no such person here")
    if field not in REVEALABLE:
        raise RegistryInputError("field", _("%(value)s cannot be revealed") % {"value": field})
    if getattr(actor, "role", None) not in REVEAL_ROLES:
        raise PermissionDenied(f"a {getattr(actor, 'role', 'user')} may not see personal data in the clear")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise RegistryInputError("reason", _("say why you need to see it (at least 4 characters)"))
    write_audit(AuditEntry.Action.REVEAL, actor=actor, ip_address=ip_address, target=f"person:{person.pk}",
                detail={"field": field, "reason": reason})
    if field == "tags":  # sensitive tags stay hidden from a role that may not see them, revealed or not
        return visible_tags(actor, stored_tags(person))
    return decrypt(getattr(person, REVEALABLE[field]))


# ------------------------------------------------------------------------------------- floating population reminders

PERMIT_WARNING_DAYS = 30


def remind_expiring_permits(today=None) -> int:
    """Tell each community staff member and grid worker how many floating residents of their scope have a residence
    permit that runs out within PERMIT_WARNING_DAYS (one inbox message each, none when there are none). Returns
    the number of messages sent. Run daily by the task consumer."""
    from civicgrid.core.notifications import Message, notify
    from civicgrid.people.models import User
    from civicgrid.people.scoping import restrict

    today = today or timezone.localdate()
    until = today + timedelta(days=PERMIT_WARNING_DAYS)
    sent = 0
    for user in User.objects.filter(is_active=True, role__in=[Role.COMMUNITY_STAFF, Role.GRID_WORKER]):
        expiring = restrict(Person.objects.filter(residence_type=Person.ResidenceType.FLOATING,
                                                  permit_expires_on__gte=today, permit_expires_on__lte=until), user)
        count = expiring.count()
        if count:
            sent += notify(Message(
                title=_("%(n)s residence permits run out within %(days)s days") % {"n": count,
                                                                                  "days": PERMIT_WARNING_DAYS},
                body=_("Floating residents of your area whose residence permit expires by %(date)s: remind them to "
                       "renew it.") % {"date": until.isoformat()},
                link=f"/registry/?residence_type=floating&permit_before={until.isoformat()}", users=(user,)))
    return sent


# ------------------------------------------------------------------------------------------------------------------
# Household visit (入户走访): the grid worker's phone page. Small writes on top of the upserts above.
#
# There is no Visit model yet (the patrol issue builds patrol points, check-ins and visits): a visit leaves its trace
# as the source of the change-history rows it writes ("入户走访 2026-11-25 · note"). A visit that changes nothing
# records nothing.
# ------------------------------------------------------------------------------------------------------------------

VISIT_SOURCE = "入户走访"


def visit_source(note: str = "", day=None) -> str:
    """The change-history source of a visit: "入户走访 <date>", with the visitor's note after it (cut to fit)."""
    day = day or timezone.localdate()
    source = f"{VISIT_SOURCE} {day:%Y-%m-%d}"
    note = " ".join((note or "").split())
    return (f"{source} · {note}" if note else source)[:255]


def _merge_hidden_tags(person: Person | None, wanted: list[str], actor) -> list[str]:
    """`wanted` (the tags the actor could see and tick) plus the stored tags the actor's role cannot see.

    A grid worker sees no sensitive tag, so the visit form cannot show it; saving the form must leave such a tag as
    it is, neither removed (it was not shown) nor added (it could not be ticked).
    """
    hidden = [t for t in (stored_tags(person) if person is not None else []) if t not in visible_tags(actor, [t])]
    refused = [t for t in wanted if t not in visible_tags(actor, [t])]
    if refused:
        raise RegistryInputError("tags", _("your role may not set the tag %(tag)s") % {"tag": refused[0]})
    return sorted(set(wanted) | set(hidden))


@transaction.atomic
def update_resident(person: Person, *, actor, tags: list[str], residence_type: str, phone: str | None = None,
                    arrival_date=None, registered_on=None, permit_expires_on=None,
                    source: str = "") -> tuple[Person, str]:
    """A visit's update of a resident: phone (None or "" keeps the stored one), tags, residence type, the floating
    population dates. Name, household registration address and house stay as stored; tags hidden from the actor's
    role stay as they are. Through upsert_person, so its checks and change history apply."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    merged = _merge_hidden_tags(person, check_tags(tags), actor)
    clear_phone = phone if phone else decrypt(person.phone_encrypted)
    return upsert_person(id_number=decrypt(person.id_number_encrypted), name=person.name, phone=clear_phone,
                         household_address=person.household_address, house=None, residence_type=residence_type,
                         tags=merged, arrival_date=arrival_date, registered_on=registered_on,
                         permit_expires_on=permit_expires_on, actor=actor, source=source)


@transaction.atomic
def register_newcomer(*, house: House, id_number: str, name: str, actor, phone: str = "",
                      residence_type: str = Person.ResidenceType.REGISTERED, tags: list[str] | None = None,
                      arrival_date=None, registered_on=None, permit_expires_on=None,
                      source: str = "") -> tuple[Person, str]:
    """Someone the visitor found living in `house`. A new identity number creates the person; a number already in the
    registry (someone who moved here from elsewhere) moves that person here (a PersonMove, by upsert_person), keeping
    what the form does not ask: the household registration address, a stored phone when none is given, tags hidden
    from the actor's role, and stored dates when none are given."""
    number = check_id_number(id_number)[0]
    stored = Person.objects.select_for_update().filter(id_number_hash=lookup_hash(number)).first()
    merged = _merge_hidden_tags(stored, check_tags(tags), actor)
    if stored is not None:
        phone = phone or decrypt(stored.phone_encrypted)
        arrival_date = arrival_date or stored.arrival_date
        registered_on = registered_on or stored.registered_on
        permit_expires_on = permit_expires_on or stored.permit_expires_on
    return upsert_person(id_number=number, name=name, phone=phone,
                         household_address=stored.household_address if stored is not None else "", house=house,
                         residence_type=residence_type, tags=merged, arrival_date=arrival_date,
                         registered_on=registered_on, permit_expires_on=permit_expires_on, actor=actor, source=source)


@transaction.atomic
def move_out(person: Person, *, actor, note: str = "", to_house: House | None = None,
             source: str = "") -> Person:
    """A resident found to have left their house on a visit.

    Decision: with `to_house` (a house of the district the visitor found by its address) the person moves there, as
    upsert_person moves anyone (a PersonMove from the old house to the new one, and the person's grid follows the
    house). Without it (moved away, destination unknown) the person keeps their grid and region path, so they stay
    in the records of the grid that last saw them, but no longer live in a house: `house` becomes None, and a
    PersonMove with `to_house` None says when, by whom and why. "house is None" is the flag of a person who moved
    out; a later import or a newcomer registration elsewhere places them again. Nothing is deleted.
    """
    source = source or visit_source(note)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.house_id is None:
        raise RegistryInputError("house", _("this person has already moved out"))
    if to_house is not None:
        if to_house.pk == person.house_id:
            raise RegistryInputError("to_address", _("the person already lives at this address"))
        moved = dict(
            id_number=decrypt(person.id_number_encrypted), name=person.name, phone=decrypt(person.phone_encrypted),
            household_address=person.household_address, house=to_house, residence_type=person.residence_type,
            tags=stored_tags(person), arrival_date=person.arrival_date, registered_on=person.registered_on,
            permit_expires_on=person.permit_expires_on, actor=actor, source=source)
        return upsert_person(**moved)[0]
    before = snapshot(person, PERSON_FIELDS)
    from_house_id = person.house_id
    person.house = None
    save_with_history(person, PERSON_FIELDS, before=before, actor=actor, source=source)
    PersonMove.objects.create(person=person, from_house_id=from_house_id, to_house=None, moved_at=timezone.now(),
                              actor=actor, source=source)
    return person
