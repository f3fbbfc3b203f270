"""Point -> grid. One STRtree over the grid polygons, built once per process and rebuilt when the tree changes.

Grids of the special-purpose kind (专属网格) overlap the comprehensive ones and are not used to place a point; a point
in both a grid and one of its second-level grids is placed in the deeper one. A point on no grid is given the
nearest grid within settings.GEO_NEAREST_GRID_METRES (measured in metres on a local plane), else it is outside the
jurisdiction.

Bulk calls (hundreds of thousands of points: imports, re-placing every record after the grids changed) use
a raster built once per index and radius: each cell of about 20 m is labelled "wholly inside grid g", "outside every
grid, and grid g is the nearest for every point of it, within reach", "beyond reach of every grid" or "undecided".
Points in decided cells are answered by an array look-up (plus one distance to their known grid); only points in
undecided cells (near a boundary, or where two grids are about as near) go through the exact geometric path, so
bulk answers are exactly those of the exact path.
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

METRES_PER_DEGREE = 111_320.0
# The raster costs about as much to build as placing a million points exactly (2-4 s for a district): a call builds it
# from RASTER_BUILD_POINTS points on, and uses an already built one from RASTER_USE_POINTS on.
RASTER_BUILD_POINTS = 200_000
RASTER_USE_POINTS = 2_000
RASTER_CELL_METRES = 20.0
RASTER_MAX_CELLS = 2_000_000
RASTER_BAND_CELLS = 100_000  # cells classified per batch, to bound the memory of the boxes
RASTER_COARSE = 8  # first pass on blocks of 8 x 8 cells
# Cell labels: k > 0 wholly inside grid k-1; 0 beyond reach; -1 undecided; k <= -2 nearest grid is -k-2.
OUTSIDE, UNDECIDED = 0, -1


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


class _Raster:
    """Cell labels over the grids' extent (see OUTSIDE, UNDECIDED)."""

    def __init__(self, index: GridIndex, nearest_m: float):
        min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(index.geometries)
        reach_deg = max(nearest_m, 0.0) / index.kx_min + 1e-9
        self.min_lon, self.min_lat = min_lon - reach_deg, min_lat - reach_deg
        cell = RASTER_CELL_METRES
        while True:
            self.dx, self.dy = cell / index.kx, cell / index.ky
            self.nx = max(1, math.ceil((max_lon + reach_deg - self.min_lon) / self.dx))
            self.ny = max(1, math.ceil((max_lat + reach_deg - self.min_lat) / self.dy))
            if self.nx * self.ny <= RASTER_MAX_CELLS:
                break
            cell *= 1.5
        self.cell_m = cell
        # Coarse to fine: a block of COARSE x COARSE cells decided as a whole gives its label to all of them (what holds
        # for every point of the block holds for every point of each cell); only undecided blocks are split.
        k = RASTER_COARSE
        ncx, ncy = math.ceil(self.nx / k), math.ceil(self.ny / k)
        blocks = np.arange(ncx * ncy)
        block_labels = self._classify_all(index, (blocks % ncx) * k, (blocks // ncx) * k, k, nearest_m)
        fine = np.repeat(np.repeat(block_labels.reshape(ncy, ncx), k, axis=0), k, axis=1)[: self.ny, : self.nx]
        labels = np.ascontiguousarray(fine).reshape(-1)
        todo = np.flatnonzero(labels == UNDECIDED)
        labels[todo] = self._classify_all(index, todo % self.nx, todo // self.nx, 1, nearest_m)
        self.labels = labels

    def _classify_all(self, index: GridIndex, ix: np.ndarray, iy: np.ndarray, size: int, nearest_m: float) -> np.ndarray:
        """Labels of the squares of `size` x `size` cells whose lower-left cells are (ix, iy), in batches."""
        out = np.empty(len(ix), dtype=np.int32)
        for start in range(0, len(ix), RASTER_BAND_CELLS):
            part = slice(start, start + RASTER_BAND_CELLS)
            x0 = self.min_lon + ix[part] * self.dx
            y0 = self.min_lat + iy[part] * self.dy
            out[part] = self._classify(index, x0, y0, self.dx * size, self.dy * size,
                                       self.cell_m * size * math.sqrt(2) / 2, nearest_m)
        return out

    @staticmethod
    def _classify(index: GridIndex, x0: np.ndarray, y0: np.ndarray, dx: float, dy: float, half_diagonal_m: float,
                  nearest_m: float) -> np.ndarray:
        cells = np.arange(len(x0))
        boxes = shapely.box(x0, y0, x0 + dx, y0 + dy)
        cell_idx, grid_idx = index.tree.query(boxes, predicate="intersects")
        hits = np.bincount(cell_idx, minlength=len(cells))
        out = np.full(len(cells), UNDECIDED, dtype=np.int32)
        single = hits[cell_idx] == 1
        c1, g1 = cell_idx[single], grid_idx[single]
        inside = shapely.within(boxes[c1], index.geometries[g1])
        out[c1[inside]] = g1[inside] + 1
        empty = np.flatnonzero(hits == 0)
        if nearest_m <= 0 or not len(empty):
            out[empty] = OUTSIDE
            return out
        # A point of the cell is within half a diagonal of its centre, so its distance to any grid differs from the
        # centre's by at most that much: decide the cell when that margin cannot change the answer.
        cx, cy = x0[empty] + dx / 2, y0[empty] + dy / 2
        reach = (nearest_m + half_diagonal_m) / index.kx_min
        centre_idx, grid_idx = index.tree.query(shapely.points(cx, cy), predicate="dwithin", distance=reach)
        metres = shapely.distance(shapely.points(cx[centre_idx] * index.kx, cy[centre_idx] * index.ky),
                                  index.metric[grid_idx])
        order = np.lexsort((metres, centre_idx))
        centre_idx, grid_idx, metres = centre_idx[order], grid_idx[order], metres[order]
        first = np.ones(len(centre_idx), dtype=bool)
        first[1:] = centre_idx[1:] != centre_idx[:-1]
        d1 = np.full(len(empty), np.inf)
        g1 = np.zeros(len(empty), dtype=np.int64)
        d1[centre_idx[first]] = metres[first]
        g1[centre_idx[first]] = grid_idx[first]
        d2 = np.full(len(empty), np.inf)
        second = np.flatnonzero(~first)
        second = second[np.r_[True, centre_idx[second][1:] != centre_idx[second][:-1]]] if len(second) else second
        d2[centre_idx[second]] = metres[second]
        labels = np.full(len(empty), UNDECIDED, dtype=np.int32)
        labels[d1 - half_diagonal_m > nearest_m] = OUTSIDE
        with np.errstate(invalid="ignore"):  # inf - inf where no grid is in reach: NaN compares False, as wanted
            sure = (d1 + half_diagonal_m <= nearest_m) & (d2 - d1 > 2 * half_diagonal_m)
        labels[sure] = -(g1[sure] + 2)
        out[empty] = labels
        return out

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        ix = np.floor((lons - self.min_lon) / self.dx).astype(np.int64)
        iy = np.floor((lats - self.min_lat) / self.dy).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        result = np.full(len(lons), OUTSIDE, dtype=np.int32)  # off the raster is beyond reach of every grid
        result[inside] = self.labels[iy[inside] * self.nx + ix[inside]]
        return result


class GridIndex:
    """An immutable spatial index over a fixed set of grid polygons (WGS-84 lon/lat)."""

    def __init__(self, ids: np.ndarray, depths: np.ndarray, geometries: np.ndarray, version: int):
        self.ids = ids
        self.depths = depths
        self.geometries = geometries
        self.version = version
        self.tree = STRtree(geometries)
        self._rasters: dict[float, _Raster] = {}
        self._raster_lock = threading.Lock()
        if len(geometries):
            shapely.prepare(geometries)
            min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(geometries)
        else:
            min_lat = max_lat = 30.0
        # A local metric plane: metres east (x) and north (y), scaled at the grids' mean latitude.
        self.kx = METRES_PER_DEGREE * math.cos(math.radians((min_lat + max_lat) / 2))
        self.ky = METRES_PER_DEGREE
        # the smallest metres-per-degree east over the grids (plus a margin): degrees from metres never fall short
        self.kx_min = METRES_PER_DEGREE * math.cos(math.radians(min(max(abs(min_lat), abs(max_lat)) + 1.0, 89.0)))
        scale = np.array([self.kx, self.ky])
        self.metric = shapely.transform(geometries, lambda xy: xy * scale) if len(geometries) else geometries

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

    def raster(self, nearest_m: float) -> _Raster:
        with self._raster_lock:
            if nearest_m not in self._rasters:
                self._rasters[nearest_m] = _Raster(self, nearest_m)
            return self._rasters[nearest_m]

    def locate(self, lons, lats, nearest_m: float | None = None, *, use_raster: bool | None = None):
        """Vectorised: for each point the grid id (0 = none) and the distance in metres (0 inside, inf outside)."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        nearest_m = float(settings.GEO_NEAREST_GRID_METRES if nearest_m is None else nearest_m)
        n = len(lons)
        grid_ids = np.zeros(n, dtype=np.int64)
        distances = np.full(n, np.inf)
        if n == 0 or len(self.ids) == 0:
            return grid_ids, distances
        if use_raster is None:
            use_raster = n >= RASTER_BUILD_POINTS or (n >= RASTER_USE_POINTS and nearest_m in self._rasters)
        if use_raster:
            labels = self.raster(nearest_m).lookup(lons, lats)
            decided = labels > 0
            grid_ids[decided] = self.ids[labels[decided] - 1]
            distances[decided] = 0.0
            near = np.flatnonzero(labels <= -2)
            if len(near):
                nearest = -labels[near] - 2
                grid_ids[near] = self.ids[nearest]
                metric_points = shapely.points(lons[near] * self.kx, lats[near] * self.ky)
                distances[near] = shapely.distance(metric_points, self.metric[nearest])
            todo = np.flatnonzero(labels == UNDECIDED)
        else:
            todo = np.arange(n)
        self._locate_exact(lons, lats, todo, nearest_m, grid_ids, distances)
        return grid_ids, distances

    def _locate_exact(self, lons, lats, todo, nearest_m, grid_ids, distances) -> None:
        if not len(todo):
            return
        points = shapely.points(lons[todo], lats[todo])
        point_idx, tree_idx = self.tree.query(points, predicate="within")
        found = np.zeros(len(todo), dtype=bool)
        if len(point_idx):
            # Where a point lies in several grids, keep the deepest (a second-level grid inside its grid).
            order = np.lexsort((-self.depths[tree_idx], point_idx))
            point_idx, tree_idx = point_idx[order], tree_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            grid_ids[todo[point_idx[first]]] = self.ids[tree_idx[first]]
            distances[todo[point_idx[first]]] = 0.0
            found[point_idx[first]] = True
        if nearest_m > 0 and not found.all():
            missing = np.flatnonzero(~found)
            self._place_nearest(points[missing], todo[missing], nearest_m, grid_ids, distances)

    def _place_nearest(self, points, targets, nearest_m, grid_ids, distances) -> None:
        """Every grid within reach, measured in metres on the local plane; the closest one wins."""
        point_idx, tree_idx = self.tree.query(points, predicate="dwithin", distance=nearest_m / self.kx_min)
        if not len(point_idx):
            return
        xy = shapely.get_coordinates(points[point_idx]) * np.array([self.kx, self.ky])
        metres = shapely.distance(shapely.points(xy), self.metric[tree_idx])
        close = metres <= nearest_m
        point_idx, tree_idx, metres = point_idx[close], tree_idx[close], metres[close]
        order = np.lexsort((-self.depths[tree_idx], metres, point_idx))
        point_idx, tree_idx, metres = point_idx[order], tree_idx[order], metres[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        grid_ids[targets[point_idx[first]]] = self.ids[tree_idx[first]]
        distances[targets[point_idx[first]]] = metres[first]


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
