"""Polygons of regions: parse and check GeoJSON, and work out the bounding box, centroid and area."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import shapely
from shapely.geometry import shape

POLYGONAL = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    """A geometry that cannot be stored; the message says why."""


def parse_geojson_geometry(obj) -> shapely.Geometry:
    """A GeoJSON geometry (dict or text) -> a shapely polygon or multipolygon, or GeometryError."""
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            raise GeometryError(f"not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(obj, dict) or "type" not in obj:
        raise GeometryError("no geometry (expected a GeoJSON object with a 'type')")
    if obj["type"] not in POLYGONAL:
        raise GeometryError(f"geometry type {obj['type']!r}: a region needs a Polygon or MultiPolygon")
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinate arrays
        raise GeometryError(f"malformed {obj['type']} coordinates ({exc})") from None
    if geom.is_empty:
        raise GeometryError("empty geometry")
    return geom


def validity_problem(geom: shapely.Geometry) -> str | None:
    """None when valid, else shapely's reason, e.g. 'Self-intersection[120.71 31.29]'."""
    if shapely.is_valid(geom):
        return None
    return shapely.is_valid_reason(geom)


@lru_cache(maxsize=1)
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


@dataclass(frozen=True)
class GeometryMetrics:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    centroid_lon: float
    centroid_lat: float
    area_m2: float


def metrics(geom: shapely.Geometry) -> GeometryMetrics:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    centroid = geom.centroid
    area, _perimeter = _geod().geometry_area_perimeter(shapely.geometry.polygon.orient(geom) if geom.geom_type == "Polygon" else geom)
    return GeometryMetrics(min_lon, min_lat, max_lon, max_lat, centroid.x, centroid.y, abs(area))


def to_geojson_text(geom: shapely.Geometry) -> str:
    return shapely.to_geojson(geom)
