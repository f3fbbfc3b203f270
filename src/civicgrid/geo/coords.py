"""Coordinate systems on the way in. Everything is stored as WGS-84 lon/lat.

Chinese map SDKs hand out GCJ-02 (AMap/Tencent, "火星坐标") or BD-09 (Baidu); the conversions are the published
formulas as implemented by the coord-convert package (gcj02 -> wgs84 by its iterative inverse). Any other CRS a
GIS exports (CGCS2000 Gauss-Krüger, Web Mercator, ...) is named as "EPSG:nnnn" and reprojected with pyproj.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from coord_convert import transform as cc

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SDK_CRS = (WGS84, GCJ02, BD09)

# The mainland's extent with a margin (lon 73.5–135.1 E, lat 3.8–53.6 N), used to catch projected or swapped input.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class UnknownCRS(ValueError):
    pass


def normalise_crs(name: str | None) -> str:
    """'WGS84', 'EPSG:4326', 'gcj-02', 'BD09' ... -> 'wgs84' / 'gcj02' / 'bd09' / 'EPSG:nnnn'."""
    if not name:
        return WGS84
    key = name.strip().lower().replace("-", "").replace("_", "")
    if key in ("wgs84", "epsg:4326", "4326", "crs84", "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:epsg::4326",
               "cgcs2000", "epsg:4490", "4490"):
        # CGCS2000 lon/lat differs from WGS-84 by centimetres: taken as it is.
        return WGS84
    if key in ("gcj02", "gcj", "mars", "amap", "gaode"):
        return GCJ02
    if key in ("bd09", "bd09ll", "baidu"):
        return BD09
    code = name.strip()
    if code.lower().startswith(("epsg:", "urn:ogc:def:crs:epsg::")):
        code = "EPSG:" + code.rsplit(":", 1)[1]
    elif code.isdigit():
        code = f"EPSG:{code}"
    # anything else (a PROJ string such as "+proj=tmerc ...", WKT) goes to pyproj unchanged
    _transformer(code)  # raises UnknownCRS when pyproj does not know it
    return code


@lru_cache(maxsize=16)
def _transformer(code: str):
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError, ProjError

    try:
        crs = CRS.from_user_input(code)
    except CRSError:
        raise UnknownCRS(f"unknown coordinate system {code!r} (use wgs84, gcj02, bd09, EPSG:nnnn or a PROJ string)") from None
    try:
        return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except ProjError as exc:  # e.g. a CRS of another celestial body
        raise UnknownCRS(f"coordinate system {code!r} cannot be converted to WGS-84: {exc}") from None


_gcj2wgs = np.vectorize(cc.gcj2wgs, otypes=[float, float])
_bd2wgs = np.vectorize(cc.bd2wgs, otypes=[float, float])


def _convert_xy(xy: np.ndarray, crs: str) -> np.ndarray:
    if len(xy) == 0 or crs == WGS84:
        return xy
    if crs == GCJ02:
        lon, lat = _gcj2wgs(xy[:, 0], xy[:, 1])
    elif crs == BD09:
        lon, lat = _bd2wgs(xy[:, 0], xy[:, 1])
    else:
        lon, lat = _transformer(crs).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def to_wgs84(lon: float, lat: float, crs: str = WGS84) -> tuple[float, float]:
    out = _convert_xy(np.array([[lon, lat]], dtype=float), normalise_crs(crs))
    return float(out[0, 0]), float(out[0, 1])


def many_to_wgs84(lons, lats, crs: str = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of points in `crs` -> arrays of WGS-84 lon/lat."""
    xy = _convert_xy(np.column_stack([np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)]),
                     normalise_crs(crs))
    return xy[:, 0], xy[:, 1]


def geometry_to_wgs84(geometry, crs: str):
    """A shapely geometry in `crs` -> the same geometry in WGS-84."""
    crs = normalise_crs(crs)
    if crs == WGS84:
        return geometry
    return shapely.transform(geometry, lambda xy: _convert_xy(xy, crs))


def outside_china(geometry) -> bool:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return not (
        CHINA_LON[0] <= min_lon and max_lon <= CHINA_LON[1] and CHINA_LAT[0] <= min_lat and max_lat <= CHINA_LAT[1]
    )
