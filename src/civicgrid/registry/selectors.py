"""Reads of the base data, always through the user's data scope, with personal data masked."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core.crypto import lookup_hash
from civicgrid.people.scoping import restrict
from civicgrid.registry.models import House, Organisation, Person


def people_for(user) -> QuerySet[Person]:
    return restrict(Person.objects.select_related("house"), user)


def houses_for(user) -> QuerySet[House]:
    return restrict(House.objects.all(), user)


def organisations_for(user) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user)


def find_person(user, id_number: str) -> Person | None:
    """Exact look-up by identity number through its keyed hash (the number itself is never searched)."""
    return people_for(user).filter(id_number_hash=lookup_hash(id_number.strip().upper())).first()


def masked_id_number(person: Person) -> str:
    """320***********1234 style: the region prefix is not kept either, only the last four characters."""
    return "*" * 14 + person.id_number_tail


def residents_of(house: House, user) -> QuerySet[Person]:
    return people_for(user).filter(house=house)
