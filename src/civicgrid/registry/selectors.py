"""Reads of the base data, always through the user's data scope, with personal data masked.

Every queryset here starts from `restrict(..., user)` (people.scoping): nothing is read outside the user's scope.
Lists stay cheap at a million people: the scope is a range on `region_path`, the default order is the
(region_path, name) index `person_region_name`, the searches use indexed columns (the identity number's last four
characters, its keyed hash, the tags' keyed hashes, the permit's expiry date), and pages count at most
cases.pagination.COUNT_CAP rows. Phones and tags are decrypted only for the rows of the page being shown.

Who sees which name (a decision): the people who keep and visit the base data — community and street staff, grid
workers, data administrators — see full names; the linkage centre's dispatchers and the hotline's operators need a
record only to place a case or confirm an address, so they see names masked as 张* (crypto.mask_name). Identity
numbers and phones are masked for everyone (`**************1234`, `138****5678`); the clear value is given only by
registry.services.reveal, with a reason and an audit row. Birth dates are shown as the year only (the full date is
part of the identity number, which is masked).
"""

from __future__ import annotations

import json

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from civicgrid.core.crypto import decrypt, lookup_hash, mask_name, mask_phone
from civicgrid.core.models import ChangeRecord
from civicgrid.geo.models import Region, subtree_upper_bound
from civicgrid.people.models import Role
from civicgrid.people.scoping import get_in_scope_or_404, restrict
from civicgrid.registry import policy
from civicgrid.registry.models import Component, House, Organisation, Person, PersonMove, PersonTag

# the roles that see full names (see the module's docstring); everyone else in policy.VIEW_ROLES sees 张*
FULL_NAME_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.GRID_WORKER, Role.DATA_ADMIN})

PERSON_LIST_FIELDS = ("id", "name", "sex", "birth_date", "id_number_tail", "phone_encrypted", "tags_encrypted",
                      "residence_type", "permit_expires_on", "region_path", "house_id", "grid_id")
GRID_FIELDS = ("grid__id", "grid__code", "grid__name")
# A tag held by at most this many people is searched from its PersonTag rows (IN); a commoner one by walking the
# scope in list order and checking each person's tag row (EXISTS). See `with_tag`.
TAG_FEW = 20_000


# ------------------------------------------------------------------------------------------------ scoped querysets


def people_for(user) -> QuerySet[Person]:
    return restrict(Person.objects.select_related("house"), user)


def houses_for(user) -> QuerySet[House]:
    return restrict(House.objects.all(), user)


def organisations_for(user) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user)


def components_for(user) -> QuerySet[Component]:
    return restrict(Component.objects.all(), user)


def person_list(user) -> QuerySet[Person]:
    """People for a list page, the API or an export: scoped, in the order of the (region_path, name) index.

    The house and the grid come by prefetch (two small queries for the page), not by a join: with a join, a scope
    of several ranges (a grid worker's grids) made SQLite join every person of the scope before sorting them,
    5x slower at a million people (bench/registry_people.py)."""
    return (restrict(Person.objects.all(), user).only(*PERSON_LIST_FIELDS)
            .prefetch_related(Prefetch("house", House.objects.only("id", "address")),
                              Prefetch("grid", Region.objects.only("id", "code", "name")))
            .order_by("region_path", "name", "id"))


def house_list(user) -> QuerySet[House]:
    return (houses_for(user).select_related("grid")
            .only("id", "address", "building", "unit", "room", "use", "occupancy", "region_path", "grid_id",
                  *GRID_FIELDS)
            .order_by("address"))


def organisation_list(user) -> QuerySet[Organisation]:
    return (organisations_for(user).select_related("grid")
            .only("id", "credit_code", "name", "kind", "address", "legal_representative", "contact_phone_encrypted",
                  "region_path", "grid_id", *GRID_FIELDS)
            .order_by("name", "id"))


def component_list(user) -> QuerySet[Component]:
    return (components_for(user).select_related("grid", "owner_department")
            .only("id", "code", "class_code", "name", "status", "lon", "lat", "region_path", "grid_id",
                  "owner_department_id", "owner_department__id", "owner_department__name", *GRID_FIELDS)
            .order_by("code"))


# ------------------------------------------------------------------------------------------------------ searches


def in_region(queryset: QuerySet, code: str) -> QuerySet:
    """Records in the subtree of the region with this code (a street, community or grid), or none."""
    path = Region.objects.filter(code=(code or "").strip()).values_list("path", flat=True).first()
    if path is None:
        return queryset.none()
    return queryset.filter(region_path__gte=path, region_path__lt=subtree_upper_bound(path))


def with_name(queryset: QuerySet[Person], name: str, *, contains: bool = False) -> QuerySet[Person]:
    name = "".join((name or "").split())
    if not name:
        return queryset
    return queryset.filter(name__contains=name) if contains else queryset.filter(name__startswith=name)


def with_id_tail(queryset: QuerySet[Person], tail: str) -> QuerySet[Person]:
    """The last four characters of the identity number (indexed: person_id_tail)."""
    return queryset.filter(id_number_tail=(tail or "").strip().upper())


def find_person(user, id_number: str) -> Person | None:
    """Exact look-up by identity number through its keyed hash (the number itself is never searched, stored or
    logged: callers take it from a POST body, never from a URL)."""
    digest = lookup_hash((id_number or "").strip().upper())
    if not digest:
        return None
    return person_list(user).filter(id_number_hash=digest).first()


def with_tag(queryset: QuerySet[Person], tag: str, user) -> QuerySet[Person]:
    """People with this special-population tag, through the tags' keyed hashes. A sensitive tag (or one not in the
    list) gives no one to a role that may not see it: an empty list, the same as a tag nobody has."""
    from civicgrid.registry.services import tag_hash

    tag = (tag or "").strip()
    if not tag:
        return queryset
    if tag not in policy.TAGS or (policy.tag_is_sensitive(tag) and not policy.can(user, policy.SENSITIVE_TAG_ROLES)):
        return queryset.none()
    digest = tag_hash(tag)
    tagged = PersonTag.objects.filter(tag_hash=digest)
    # The plan depends on how common the tag is (SQLite has no statistics to choose by itself): a rare tag (the
    # sensitive ones) from its few tag rows; a common one (独居老人, 5% of a district) by walking the list's index
    # and checking each person's tag row, which stops after a page. Either way: one index-only count to decide.
    if tagged.order_by().values("person_id")[: TAG_FEW + 1].count() <= TAG_FEW:
        return queryset.filter(pk__in=tagged.values("person_id"))
    return queryset.filter(Exists(tagged.filter(person_id=OuterRef("pk"))))


def tags_for_search(user) -> list[str]:
    """The tags the user may search by and see (sensitive ones only for policy.SENSITIVE_TAG_ROLES)."""
    return policy.visible_tags(user, list(policy.TAGS))


# ------------------------------------------------------------------------------------------- masked presentation


def masked_id_number(person: Person) -> str:
    """320***********1234 style: the region prefix is not kept either, only the last four characters."""
    return "*" * 14 + person.id_number_tail


def sees_full_names(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) in FULL_NAME_ROLES


def shown_name(name: str, user) -> str:
    return name if sees_full_names(user) else mask_name(name)


def person_tags(person: Person) -> list[str]:
    """All the person's tags, decrypted (callers filter them with policy.visible_tags before showing them)."""
    return json.loads(decrypt(person.tags_encrypted) or "[]") if person.tags_encrypted else []


def present(people, user):
    """Give each person of ONE page what a row shows, masked for `user`: shown_name, masked_id, masked_phone,
    birth_year and visible_tags. Decrypts the phone and the tags of these rows only. Returns the list."""
    rows = list(people)
    full = sees_full_names(user)
    for person in rows:
        person.shown_name = person.name if full else mask_name(person.name)
        person.masked_id = masked_id_number(person)
        person.masked_phone = mask_phone(decrypt(person.phone_encrypted)) if person.phone_encrypted else ""
        person.birth_year = person.birth_date.year if person.birth_date else None
        person.visible_tags = policy.visible_tags(user, person_tags(person))
    return rows


def organisation_phone(organisation: Organisation) -> str:
    """The organisation's contact phone, masked."""
    phone = decrypt(organisation.contact_phone_encrypted) if organisation.contact_phone_encrypted else ""
    return mask_phone(phone) if phone else ""


def present_organisations(organisations) -> list[Organisation]:
    """Give each organisation of one page its masked contact phone (masked_phone)."""
    rows = list(organisations)
    for organisation in rows:
        organisation.masked_phone = organisation_phone(organisation)
    return rows


def resident_counts(houses, user) -> dict[int, int]:
    """How many people (within the user's scope) live in each of these houses: one query for a page of houses."""
    ids = [h.pk for h in houses]
    if not ids:
        return {}
    rows = people_for(user).filter(house_id__in=ids).order_by().values("house_id").annotate(n=Count("id"))
    return {row["house_id"]: row["n"] for row in rows}


# ----------------------------------------------------------------------------------------------- single records


def get_person(user, pk) -> Person:
    """One person in the user's scope (404 otherwise), with the house, grid and the import that created them."""
    return get_in_scope_or_404(Person.objects.select_related("house", "grid", "created_by_job"), user, pk=pk)


def get_house(user, pk) -> House:
    return get_in_scope_or_404(House.objects.select_related("grid"), user, pk=pk)


def get_organisation(user, pk) -> Organisation:
    return get_in_scope_or_404(Organisation.objects.select_related("grid"), user, pk=pk)


def get_component(user, pk) -> Component:
    return get_in_scope_or_404(Component.objects.select_related("grid", "owner_department"), user, pk=pk)


def residents_of(house: House, user) -> QuerySet[Person]:
    return person_list(user).filter(house=house)


def moves_of(person: Person) -> list[PersonMove]:
    return list(person.moves.select_related("from_house", "to_house", "actor").order_by("-moved_at", "-id")[:50])


def moves_from(house: House, limit: int) -> list[PersonMove]:
    """The latest moves out of a house (who left, when, where to)."""
    return list(PersonMove.objects.filter(from_house=house).select_related("person", "to_house")
                .order_by("-moved_at", "-id")[:limit])


def history_of(record, limit: int = 50) -> list[ChangeRecord]:
    """The record's change history, newest first (what changed; a person's holds hashes, never clear values)."""
    return list(ChangeRecord.objects.filter(model_label=record._meta.label_lower, object_id=str(record.pk))
                .select_related("actor").order_by("-at", "-id")[:limit])


def cases_about(user, *, house: House | None = None, component: Component | None = None, limit: int = 20):
    """The cases about a house or a component that the user may see (the cases app's own scope rule), newest
    first, and whether there are more than `limit`."""
    from civicgrid.cases import selectors as case_selectors

    qs = case_selectors.queue_for(user)
    qs = qs.filter(house=house) if house is not None else qs.filter(component=component)
    rows = list(qs.order_by("-reported_at", "-id")[: limit + 1])
    return rows[:limit], len(rows) > limit


# ------------------------------------------------------------------------------------------------ map points

def _in_box(qs, box):
    if box is None:
        return qs
    west, south, east, north = box
    return qs.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)


def component_points(user, box, limit: int) -> tuple[list[dict], bool]:
    """The components of the user's scope inside `box` (west, south, east, north; None: all), at most `limit`, as
    map features: (GeoJSON features, capped)."""
    labels = dict(Component.Status.choices)
    rows = list(_in_box(restrict(Component.objects.all(), user), box).order_by("pk")
                .values_list("pk", "code", "name", "class_code", "status", "lon", "lat")[:limit + 1])
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"layer": "components", "id": pk, "code": code, "name": name, "class_code": cls,
                                "status": status, "status_label": str(labels.get(status, status))}}
                for pk, code, name, cls, status, lon, lat in rows[:limit]]
    return features, len(rows) > limit


def organisation_points(user, box, limit: int) -> tuple[list[dict], bool]:
    """The organisations of the user's scope inside `box` (those with a location): (GeoJSON features, capped)."""
    qs = restrict(Organisation.objects.filter(lon__isnull=False, lat__isnull=False), user)
    rows = list(_in_box(qs, box).order_by("pk").values_list("pk", "name", "credit_code", "lon", "lat")[:limit + 1])
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"layer": "organisations", "id": pk, "name": name, "credit_code": code}}
                for pk, name, code, lon, lat in rows[:limit]]
    return features, len(rows) > limit
