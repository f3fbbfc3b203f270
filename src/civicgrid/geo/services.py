"""Every change to the region tree goes through here: paths, metrics, history and the index version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from civicgrid.core.models import ChangeRecord
from civicgrid.core.services import record_change, snapshot
from civicgrid.geo.geometry import metrics, to_geojson_text
from civicgrid.geo.models import PATH_SEPARATOR, GeoState, GridKind, Region, RegionLevel

HISTORY_FIELDS = ["code", "name", "full_name", "level", "grid_kind", "parent_id", "geometry", "attributes"]


class RegionError(ValueError):
    pass


def bump_tree_version() -> None:
    """Tell every process's point -> grid index that the tree changed (rebuilt on its next use)."""
    if not GeoState.objects.filter(pk=1).update(version=F("version") + 1):  # the row comes with migration 0002
        GeoState.objects.get_or_create(pk=1, defaults={"version": 1})


def _path_for(code: str, parent: Region | None) -> tuple[str, int]:
    if parent is None:
        return f"{code}{PATH_SEPARATOR}", 0
    return f"{parent.path}{code}{PATH_SEPARATOR}", parent.depth + 1


def _apply_geometry(region: Region, geometry) -> None:
    if geometry is None:
        region.geometry = ""
        region.min_lon = region.min_lat = region.max_lon = region.max_lat = None
        region.centroid_lon = region.centroid_lat = region.area_m2 = None
        return
    m = metrics(geometry)
    region.geometry = to_geojson_text(geometry)
    region.min_lon, region.min_lat, region.max_lon, region.max_lat = m.min_lon, m.min_lat, m.max_lon, m.max_lat
    region.centroid_lon, region.centroid_lat, region.area_m2 = m.centroid_lon, m.centroid_lat, m.area_m2


@dataclass(frozen=True)
class UpsertResult:
    region: Region
    outcome: str  # "created", "updated" or "unchanged"


@transaction.atomic
def upsert_region(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None,
    geometry=None,
    keep_geometry: bool = False,
    grid_kind: str = GridKind.NONE,
    full_name: str = "",
    attributes: dict | None = None,
    actor=None,
    source: str = "",
    bump_version: bool = True,
) -> UpsertResult:
    """Create the region with this code, or bring the existing one up to date. Idempotent.

    `geometry` is a shapely polygon in WGS-84 (or None). With keep_geometry an existing boundary is left alone
    when no geometry is given (a code list without polygons must not erase them).
    """
    if parent is not None and parent.level >= level:
        raise RegionError(f"{code}: a {RegionLevel(level).label} cannot sit under the {RegionLevel(parent.level).label} {parent.code}")
    if level in (RegionLevel.GRID, RegionLevel.SUBGRID) and not grid_kind:
        grid_kind = GridKind.COMPREHENSIVE
    region = Region.objects.select_for_update().filter(code=code).first()
    created = region is None
    before = {} if created else snapshot(region, HISTORY_FIELDS)
    old_path = None if created else region.path
    if created:
        region = Region(code=code)
    region.name = name
    region.full_name = full_name
    region.level = level
    region.grid_kind = grid_kind if level in (RegionLevel.GRID, RegionLevel.SUBGRID) else GridKind.NONE
    region.parent = parent
    if attributes is not None:
        region.attributes = attributes
    if geometry is not None or not keep_geometry:
        new_text = to_geojson_text(geometry) if geometry is not None else ""
        if created or new_text != region.geometry:
            _apply_geometry(region, geometry)
    region.path, region.depth = _path_for(code, parent)
    after = snapshot(region, HISTORY_FIELDS)
    if not created and after == before:
        return UpsertResult(region, "unchanged")
    region.save()
    if old_path and old_path != region.path:
        _move_subtree(old_path, region.path)
    record_change(region, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
                  actor=actor, source=source, before=before, after=after)
    if bump_version:
        bump_tree_version()
    return UpsertResult(region, "created" if created else "updated")


def _move_subtree(old_path: str, new_path: str) -> None:
    """Rewrite the paths below a node whose path changed, in one UPDATE."""
    delta = new_path.count(PATH_SEPARATOR) - old_path.count(PATH_SEPARATOR)
    Region.objects.subtree(old_path, include_self=False).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )


@transaction.atomic
def move_region(region: Region, new_parent: Region | None, *, actor=None, source: str = "") -> Region:
    if new_parent is not None and new_parent.path.startswith(region.path):
        raise RegionError(f"{region.code} cannot move under its own descendant {new_parent.code}")
    return upsert_region(
        code=region.code, name=region.name, level=region.level, parent=new_parent, keep_geometry=True,
        grid_kind=region.grid_kind, full_name=region.full_name, actor=actor, source=source,
    ).region
