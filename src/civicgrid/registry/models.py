"""The base data (三个实有 + 城市部件): houses, people, organisations and city components, each placed in the tree.

Identity numbers, phone numbers and special-population tags are personal data: stored encrypted (AES-256-GCM) with
a keyed hash beside the identity number and phone for exact look-ups (civicgrid.core.crypto), so that a database dump
alone reveals none of them. Every record carries the path of the grid it lies in, for the data scope.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region


class Placed(models.Model):
    grid = models.ForeignKey(Region, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    region_path = models.CharField(max_length=400, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path_field = "region_path"

    class Meta:
        abstract = True


class House(Placed):
    """实有房屋: one room (or a whole building where it has no units), with its address."""

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("residential")
        COMMERCIAL = "commercial", _("commercial")
        MIXED = "mixed", _("mixed use")
        OTHER = "other", _("other")

    class Occupancy(models.TextChoices):
        OWNER = "owner", _("lived in by the owner")
        RENTED = "rented", _("rented out")
        VACANT = "vacant", _("vacant")

    address = models.CharField(_("address"), max_length=200, unique=True)
    building = models.CharField(_("building"), max_length=40)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    use = models.CharField(_("use"), max_length=12, choices=Use.choices, default=Use.RESIDENTIAL)
    occupancy = models.CharField(_("occupancy"), max_length=8, choices=Occupancy.choices, default=Occupancy.OWNER)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class Person(Placed):
    """实有人口. The natural key is the identity number, kept only encrypted and as a keyed hash."""

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("registered resident (户籍)")
        FLOATING = "floating", _("floating population (流动)")
        FOREIGN = "foreign", _("foreign resident (境外)")

    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_encrypted = models.CharField(max_length=200, editable=False)
    id_number_tail = models.CharField(max_length=4, editable=False, help_text="last 4 characters, for masked display")
    name = models.CharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    birth_date = models.DateField(_("birth date"))
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_encrypted = models.CharField(max_length=200, blank=True, editable=False)
    household_address = models.CharField(_("household registration address"), max_length=200, blank=True)
    house = models.ForeignKey(House, verbose_name=_("lives in"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="residents")
    residence_type = models.CharField(_("residence type"), max_length=12, choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    tags_encrypted = models.TextField(blank=True, editable=False, help_text="special-population tags, encrypted")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name[:1] + "*" * (len(self.name) - 1)


class Organisation(Placed):
    """实有单位, by unified social credit code."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    contact_phone_encrypted = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Component(Placed):
    """城市部件: a piece of city furniture with its GB/T 30428 class code and a location."""

    class Status(models.TextChoices):
        GOOD = "good", _("in order")
        DAMAGED = "damaged", _("damaged")
        MISSING = "missing", _("missing")
        REMOVED = "removed", _("removed")

    code = models.CharField(_("component code"), max_length=40, unique=True)
    class_code = models.CharField(_("class (GB/T 30428)"), max_length=8)
    name = models.CharField(_("name"), max_length=60)
    lon = models.FloatField()
    lat = models.FloatField()
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.GOOD)
    owner_department = models.ForeignKey("people.Department", verbose_name=_("owner department"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("city component")
        verbose_name_plural = _("city components")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
