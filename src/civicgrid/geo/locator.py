"""Point -> grid. One STRtree over the grid polygons, built once per process and rebuilt when the tree changes.

Grids of the special-purpose kind (专属网格) overlap the comprehensive ones and are not used to place a point; a point
in both a grid and one of its second-level grids is placed in the deeper one. A point on no grid is given the
nearest grid within settings.GEO_NEAREST_GRID_METRES, else it is outside the jurisdiction.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree

from civicgrid.geo.models import GeoState, GridKind, Region, RegionLevel

METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class Placement:
    """Where a point lies. `grid_id` is None when it is outside the jurisdiction."""

    grid_id: int | None
    distance_m: float  # 0 inside a grid; the distance to the nearest grid when placed by proximity
    lon: float
    lat: float

    @property
    def outside(self) -> bool:
        return self.grid_id is None


class GridIndex:
    """An immutable spatial index over a fixed set of grid polygons."""

    def __init__(self, ids: np.ndarray, depths: np.ndarray, geometries: np.ndarray, version: int):
        self.ids = ids
        self.depths = depths
        self.geometries = geometries
        self.version = version
        self.tree = STRtree(geometries)
        if len(geometries):
            shapely.prepare(geometries)

    @classmethod
    def from_database(cls) -> GridIndex:
        version = current_version()
        rows = (
            Region.objects.filter(level__in=(RegionLevel.GRID, RegionLevel.SUBGRID))
            .exclude(grid_kind=GridKind.SPECIAL)
            .exclude(geometry="")
            .values_list("id", "depth", "geometry")
        )
        ids, depths, texts = [], [], []
        for pk, depth, text in rows.iterator(chunk_size=2000):
            ids.append(pk)
            depths.append(depth)
            texts.append(text)
        geometries = shapely.from_geojson(np.array(texts, dtype=object)) if texts else np.array([], dtype=object)
        return cls(np.array(ids, dtype=np.int64), np.array(depths, dtype=np.int32), geometries, version)

    def locate(self, lons: np.ndarray, lats: np.ndarray, nearest_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised: for each point the grid id (0 = none) and the distance in metres (0 inside)."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        n = len(lons)
        grid_ids = np.zeros(n, dtype=np.int64)
        distances = np.zeros(n, dtype=float)
        if n == 0 or len(self.ids) == 0:
            distances[:] = np.inf
            return grid_ids, distances
        points = shapely.points(lons, lats)
        point_idx, tree_idx = self.tree.query(points, predicate="within")
        if len(point_idx):
            # Where a point lies in several grids, keep the deepest (a second-level grid inside its grid).
            order = np.lexsort((-self.depths[tree_idx], point_idx))
            point_idx, tree_idx = point_idx[order], tree_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            grid_ids[point_idx[first]] = self.ids[tree_idx[first]]
        missing = np.flatnonzero(grid_ids == 0)
        distances[missing] = np.inf
        if len(missing):
            self._place_nearest(points, lats, missing, grid_ids, distances,
                                settings.GEO_NEAREST_GRID_METRES if nearest_m is None else nearest_m)
        return grid_ids, distances

    def _place_nearest(self, points, lats, missing, grid_ids, distances, nearest_m: float) -> None:
        if nearest_m <= 0:
            return
        # Search in degrees with a radius that covers nearest_m in every direction, then measure in metres.
        max_lat = float(np.max(np.abs(lats[missing])))
        radius_deg = nearest_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(min(max_lat, 89.0))), 0.01))
        point_idx, tree_idx = self.tree.query_nearest(points[missing], max_distance=radius_deg, all_matches=False)
        if not len(point_idx):
            return
        targets = missing[point_idx]
        metres = self._metres_between(points[targets], self.geometries[tree_idx], lats[targets])
        close = metres <= nearest_m
        grid_ids[targets[close]] = self.ids[tree_idx[close]]
        distances[targets[close]] = metres[close]

    @staticmethod
    def _metres_between(points, geometries, lats) -> np.ndarray:
        # The nearest point of each polygon, then a local equirectangular distance (well under 1% error at < 1 km).
        near = shapely.get_point(shapely.shortest_line(points, geometries), 1)
        dx = (shapely.get_x(near) - shapely.get_x(points)) * METRES_PER_DEGREE_LAT * np.cos(np.radians(lats))
        dy = (shapely.get_y(near) - shapely.get_y(points)) * METRES_PER_DEGREE_LAT
        return np.hypot(dx, dy)


def current_version() -> int:
    return GeoState.objects.filter(pk=1).values_list("version", flat=True).first() or 0


_lock = threading.Lock()
_index: GridIndex | None = None


def grid_index() -> GridIndex:
    """The process's index, rebuilt when a region service has bumped the tree version since it was built."""
    global _index
    version = current_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        if _index is None or _index.version != version:
            _index = GridIndex.from_database()
        return _index


def forget_index() -> None:
    global _index
    with _lock:
        _index = None
