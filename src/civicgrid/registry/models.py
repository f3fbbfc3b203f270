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
    # the scope's range is served by the (region_path, name) index below: no separate index to keep up on imports
    region_path = models.CharField(max_length=400, editable=False)
    tags_hash = models.CharField(max_length=64, blank=True, editable=False,
                                 help_text="keyed hash of the sorted tags, to tell a change without decrypting")
    # floating population (流动人口): arrival, residence registration and the residence permit's expiry
    arrival_date = models.DateField(_("arrived"), null=True, blank=True)
    registered_on = models.DateField(_("residence registered"), null=True, blank=True)
    permit_expires_on = models.DateField(_("residence permit expires"), null=True, blank=True, db_index=True)
    created_by_job = models.ForeignKey("ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", editable=False, db_index=False, db_constraint=False,
                                       help_text="the import that created the record (its history of creation); "
                                                 "no database constraint: one check less per imported row")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region_path", "name"], name="person_region_name"),
                   models.Index(fields=["id_number_tail"], name="person_id_tail")]

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
    # where it is (WGS-84), for the map; None for records made before the location was kept
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["lon", "lat"], name="organisation_lon_lat")]  # the map's box

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
        indexes = [models.Index(fields=["lon", "lat"], name="component_lon_lat")]  # the map's box

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PersonTag(models.Model):
    """One special-population tag of a person, as a keyed hash: searchable by tag, unreadable in a dump."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tag_rows")
    tag_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag_hash", "person"], name="person_tag_unique")]

    def __str__(self) -> str:
        return f"tag of person {self.person_id}"


class PersonMove(models.Model):
    """A person moving between houses (流动人口的迁移), kept whatever the channel of the change."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="moves")
    from_house = models.ForeignKey(House, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_house = models.ForeignKey(House, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(_("moved"), db_index=True)
    actor = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.from_house_id} -> {self.to_house_id}"


class ImportJob(models.Model):
    """One file of base data on its way in: staged row by row (resumable), checked as a whole, then applied at once.

    Staging reads, validates, encrypts and hashes every row into a staging table, committing a checkpoint every
    chunk, so that a crash resumes where it stopped. Applying is set-based and runs in one transaction: a file is
    either wholly in or not at all.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("population")
        HOUSE = "house", _("housing")
        ORGANISATION = "organisation", _("organisations")
        COMPONENT = "component", _("city components")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        STAGING = "staging", _("checking rows")
        CHECKED = "checked", _("checked, waiting to be applied")
        FAILED = "failed", _("refused: the file has errors")
        APPLYING = "applying", _("applying")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    file_sha256 = models.CharField(max_length=64, editable=False)
    file_size = models.BigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    skip_invalid = models.BooleanField(_("import the valid rows, skip the bad ones"), default=False)
    sync = models.BooleanField(_("incremental sync"), default=False)
    actor = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0, help_text="the staging checkpoint")
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def progress(self) -> int:
        """Per cent of the rows read (staging), 100 once checked."""
        if self.status in {self.Status.CHECKED, self.Status.APPLYING, self.Status.DONE, self.Status.FAILED}:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_read / self.rows_total))


class ImportProblem(models.Model):
    """One bad cell or row of an import: row, column, value and reason (the downloadable error report)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=60, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.reason}"


class StagedPerson(models.Model):
    """A checked population row of an import, already hashed and encrypted, waiting to be applied."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False)
    row = models.PositiveIntegerField()
    id_number_hash = models.CharField(max_length=64)
    id_number_encrypted = models.CharField(max_length=200)
    id_number_tail = models.CharField(max_length=4)
    name = models.CharField(max_length=40)
    sex = models.CharField(max_length=1)
    birth_date = models.DateField()
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_encrypted = models.CharField(max_length=200, blank=True)
    household_address = models.CharField(max_length=200, blank=True)
    house_id = models.BigIntegerField(help_text="the house the address named, resolved while staging")
    grid_id = models.BigIntegerField(null=True)
    region_path = models.CharField(max_length=400)
    residence_type = models.CharField(max_length=12)
    tags_encrypted = models.TextField(blank=True)
    tags_hash = models.CharField(max_length=64, blank=True)
    tag_hashes = models.TextField(blank=True, help_text="the tags' keyed hashes, space-separated")
    arrival_date = models.DateField(null=True, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    permit_expires_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "row"], name="staged_person_job_row"),
                   models.Index(fields=["job", "id_number_hash"], name="staged_person_job_key")]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"


class StagedRecord(models.Model):
    """A checked row of a house, organisation or component import: its cleaned values, applied by the services."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False)
    row = models.PositiveIntegerField()
    key = models.CharField(max_length=200)
    values = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["job", "row"], name="staged_record_job_row"),
                   models.Index(fields=["job", "key"], name="staged_record_job_key")]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"
