"""The map of the base data: city components (coloured by status) and organisations of the user's scope as points,
over the outlines of the scope's grids. For policy.VIEW_ROLES.

The page draws the outlines it is given and asks `features` for the points inside the map's current box (query
parameter bbox=west,south,east,north, WGS-84), again on every move. The points are scoped in one place
(people.scoping.restrict, a range on the indexed region_path) and cut to the box (an index on lon, lat); each layer
stops at MAP_POINT_LIMIT points and says so ("capped"), and the page asks the user to zoom in.

Measured on PostgreSQL with 200,000 components and 50,000 organisations over 1,260 grids: a district user's zoomed
box (~500 m) 40 ms by a sequential scan without the lon/lat index, 1.8 ms with it; the whole district, capped at
5,000 points, 51 ms; a grid worker's two grids 3 ms.

Links to the records: the registry record pages are named "registry:component" and "registry:organisation"; while
they do not exist the links are the plain paths /registry/components/<id>/ and /registry/organisations/<id>/.
"""

from __future__ import annotations

import json
import math

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.people.access import roles_required
from civicgrid.people.scoping import restrict
from civicgrid.registry import policy, selectors
from civicgrid.registry.models import Component

MAP_POINT_LIMIT = 5000  # per layer and request
OUTLINE_LIMIT = 400  # polygons drawn under the points: the scope's grids, or communities / streets when too many
LAYERS = ("components", "organisations")
STATUS_COLOURS = {Component.Status.GOOD: "#2f9e44", Component.Status.DAMAGED: "#e8590c",
                  Component.Status.MISSING: "#c92a2a", Component.Status.REMOVED: "#868e96"}

view_roles_required = roles_required(policy.VIEW_ROLES)


def _url_template(name: str) -> str:
    """The record page's URL with "{id}" for the id, for the map's popups."""
    marker = 987654321
    return reverse(name, args=[marker]).replace(str(marker), "{id}")


def _outlines(user) -> tuple[str, dict]:
    """The polygons under the points: the scope's grids, or (more than OUTLINE_LIMIT of them) its communities, or
    its streets. Returns the level's label and a GeoJSON FeatureCollection (name and code only)."""
    base = restrict(Region.objects.exclude(geometry=""), user).only("code", "name", "geometry", "grid_kind")
    levels = ((RegionLevel.GRID, _("Grids")), (RegionLevel.COMMUNITY, _("Communities")),
              (RegionLevel.STREET, _("Streets")))
    regions, label = [], levels[0][1]
    for level, level_label in levels:
        qs = base.filter(level__in=(level, RegionLevel.SUBGRID) if level == RegionLevel.GRID else (level,))
        regions, label = list(qs.order_by("path")[:OUTLINE_LIMIT + 1]), level_label
        if regions and len(regions) <= OUTLINE_LIMIT:
            break
    regions = regions[:OUTLINE_LIMIT]
    features = [{"type": "Feature", "geometry": json.loads(r.geometry),
                 "properties": {"code": r.code, "name": r.name, "special": r.grid_kind == GridKind.SPECIAL}}
                for r in regions]
    return str(label), {"type": "FeatureCollection", "features": features}


@require_GET
@view_roles_required
def map_page(request):
    label, outlines = _outlines(request.user)
    statuses = [{"value": value, "label": str(text), "colour": STATUS_COLOURS[value]}
                for value, text in Component.Status.choices]
    config = {
        "features_url": reverse("registry:map_features"),
        "outlines": outlines,
        "outline_label": label,
        "statuses": statuses,
        "limit": MAP_POINT_LIMIT,
        "labels": {
            "components": _("City components"), "organisations": _("Organisations"), "code": _("Code"),
            "class": _("Class"), "status": _("Status"), "credit_code": _("Credit code"),
            "open": _("Open the record"), "loading": _("Loading…"),
            "failed": _("The points could not be loaded. Move the map to try again."),
            "counts": _("In view: %(components)s components, %(organisations)s organisations"),
            "capped": _("Only the first %(limit)s points of a layer are shown: zoom in to see them all."),
            "reset": _("Show the whole area"),
        },
    }
    return render(request, "registry/map.html", {"config": config})


def _bbox(value: str) -> tuple[float, float, float, float] | None:
    """west,south,east,north in degrees, or None (no box: the whole scope). Raises ValueError when malformed."""
    if not value:
        return None
    parts = [float(p) for p in value.split(",")]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise ValueError("bbox is west,south,east,north")
    west, south, east, north = parts
    if west > east or south > north:
        raise ValueError("bbox: west must not exceed east, nor south north")
    return west, south, east, north


@require_GET
@view_roles_required
def map_features(request):
    """GeoJSON of the points in the box: ?bbox=w,s,e,n&layers=components,organisations (both by default)."""
    try:
        box = _bbox(request.GET.get("bbox", ""))
    except ValueError as error:
        return JsonResponse({"detail": str(error)}, status=400)
    wanted = [name for name in request.GET.get("layers", ",".join(LAYERS)).split(",") if name]
    if any(name not in LAYERS for name in wanted):
        return JsonResponse({"detail": f"layers: choose among {', '.join(LAYERS)}"}, status=400)
    features, capped, counts = [], {}, {}
    for name, points in (("components", selectors.component_points),
                         ("organisations", selectors.organisation_points)):
        if name in wanted:
            found, capped[name] = points(request.user, box, MAP_POINT_LIMIT)
            counts[name] = len(found)
            features.extend(found)
    body = {
        "type": "FeatureCollection",
        "features": features,
        "counts": counts,
        "capped": capped,
        "limit": MAP_POINT_LIMIT,
        "urls": {"components": _url_template("registry:component"),
                 "organisations": _url_template("registry:organisation")},
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "private, no-store"
    return response
