"""Reads of the region tree. Lists that a user sees go through civicgrid.people.scoping.restrict()."""

from __future__ import annotations

from civicgrid.geo.coords import to_wgs84
from civicgrid.geo.locator import Placement, grid_index
from civicgrid.geo.models import PATH_SEPARATOR, Region


def ancestors_of(region: Region) -> list[Region]:
    """The chain from the root down to the parent of `region`, in one query."""
    codes = region.ancestor_codes
    if not codes:
        return []
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def ancestors_by_path(paths: list[str]) -> dict[str, Region]:
    """All ancestors of several nodes at once: code -> Region (one query)."""
    codes = {c for p in paths for c in p.split(PATH_SEPARATOR) if c}
    return {r.code: r for r in Region.objects.filter(code__in=codes)}


def names_by_level(paths) -> dict[str, dict[str, str]]:
    """For each path, the names of the regions on it by level (street, community, grid ...), in one query: what
    lists show beside a record or a case."""
    paths = {p for p in paths if p}
    codes = {c for p in paths for c in p.split(PATH_SEPARATOR) if c}
    if not codes:
        return {}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes).only("code", "name", "level")}
    names = {}
    for path in paths:
        levels = {}
        for code in path.split(PATH_SEPARATOR):
            region = regions.get(code)
            if region is not None:
                levels.setdefault(region.level, region.name)
        names[path] = levels
    return names


def home_region() -> Region | None:
    """The deployment's own area: from the root down while each level has a single node (city -> district)."""
    region = Region.objects.filter(parent__isnull=True).order_by("code").first()
    if region is None or Region.objects.filter(parent__isnull=True).count() > 1:
        return region
    while True:
        children = list(Region.objects.filter(parent=region).order_by("code")[:2])
        if len(children) != 1:
            return region
        region = children[0]


def locate_point(lon: float, lat: float, crs: str = "wgs84", *, nearest_m: float | None = None) -> Placement:
    """Place one point (in any supported CRS) in its grid."""
    wlon, wlat = to_wgs84(lon, lat, crs)
    ids, distances = grid_index().locate([wlon], [wlat], nearest_m)
    grid_id = int(ids[0]) or None
    return Placement(grid_id=grid_id, distance_m=float(distances[0]) if grid_id else float("inf"), lon=wlon, lat=wlat)


def locate_points(lons, lats, *, nearest_m: float | None = None):
    """Place many WGS-84 points at once: (grid ids with 0 for none, distances in metres)."""
    return grid_index().locate(lons, lats, nearest_m)
