"""The region tree: city -> district -> street -> community -> grid (-> second-level grid).

Subtrees are found with a materialized path of codes ("320571.320505006.320505006023."), compared as a range
(path >= p and path < p-with-last-character-bumped), which a plain B-tree index serves on SQLite and PostgreSQL.
Polygons are stored as GeoJSON text in WGS-84, with a bounding box, centroid and area beside them, so that no GIS
extension is needed.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "."
# Codes may hold digits, letters, "_" and "-": every one sorts above ".", which keeps the path range exact.
code_validator = RegexValidator(r"^[0-9A-Za-z_-]{1,40}$", _("A code is 1-40 letters, digits, '_' or '-'."))


class RegionLevel(models.IntegerChoices):
    CITY = 1, _("city")
    DISTRICT = 2, _("district")
    STREET = 3, _("street")
    COMMUNITY = 4, _("community")
    GRID = 5, _("grid")
    SUBGRID = 6, _("second-level grid")


class GridKind(models.TextChoices):
    NONE = "", _("not a grid")
    COMPREHENSIVE = "comprehensive", _("comprehensive grid")
    SPECIAL = "special", _("special-purpose grid")


def subtree_upper_bound(path: str) -> str:
    """The smallest string above every path that starts with `path` (path ends with the separator)."""
    return path[:-1] + chr(ord(path[-1]) + 1)


class RegionQuerySet(models.QuerySet):
    def subtree(self, path: str, *, include_self: bool = True) -> RegionQuerySet:
        qs = self.filter(path__gte=path, path__lt=subtree_upper_bound(path))
        return qs if include_self else qs.exclude(path=path)

    def grids(self) -> RegionQuerySet:
        return self.filter(level__in=(RegionLevel.GRID, RegionLevel.SUBGRID))


class Region(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices, db_index=True)
    grid_kind = models.CharField(_("grid type"), max_length=16, choices=GridKind.choices, blank=True, default="")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=400, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    geometry = models.TextField(_("boundary (GeoJSON, WGS-84)"), blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True, editable=False)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True, editable=False)
    attributes = models.JSONField(_("source attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RegionQuerySet.as_manager()

    # Used by civicgrid.people.scoping.restrict(): the field holding the materialized path.
    scope_path_field = "path"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "code"]),
            models.Index(fields=["level", "path"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_grid(self) -> bool:
        return self.level in (RegionLevel.GRID, RegionLevel.SUBGRID)

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split(PATH_SEPARATOR) if c][:-1]


class GeoState(models.Model):
    """One row: bumped by every service that changes regions, so the point -> grid index knows to rebuild."""

    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("region tree version")

    def __str__(self) -> str:
        return str(self.version)
