"""Reads that the site's pages need, combining the geo and people apps, always through the user's scope."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse

from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.selectors import ancestors_by_path, ancestors_of
from civicgrid.people.models import User
from civicgrid.people.scoping import get_in_scope_or_404, restrict, scope_of
from civicgrid.people.selectors import grid_workers_by_region, scope_regions_of


def _worker_label(user: User) -> str:
    return user.display_name or user.username


def map_features(regions: list[Region], workers: dict[int, list[User]] | None = None,
                 parents: dict[str, Region] | None = None) -> dict:
    """A GeoJSON FeatureCollection of the regions' boundaries, with what a click on one should show."""
    features = []
    for region in regions:
        if not region.geometry:
            continue
        props = {
            "code": region.code,
            "name": region.name,
            "full_name": region.full_name or region.name,
            "level": region.get_level_display(),
            "grid_kind": region.get_grid_kind_display() if region.grid_kind else "",
            "kind": region.grid_kind,
            "is_grid": region.is_grid,
            "url": reverse("web:region", args=[region.code]),
            "area_km2": round(region.area_m2 / 1e6, 3) if region.area_m2 else None,
        }
        if workers is not None and region.is_grid:
            props["workers"] = [_worker_label(u) for u in workers.get(region.pk, [])]
        if parents is not None:
            props["parents"] = [parents[c].name for c in region.ancestor_codes if c in parents]
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(region.geometry)})
    return {"type": "FeatureCollection", "features": features}


@dataclass
class RegionPage:
    region: Region
    ancestors: list[tuple[Region, bool]]  # with whether the user may open it
    children: list[Region]
    workers: list[User]
    map_data: dict
    child_levels: list[str] = field(default_factory=list)


def region_page(user: User, code: str) -> RegionPage:
    """One node of the tree as its browser page shows it. Outside the user's scope: 404."""
    region = get_in_scope_or_404(Region.objects.all(), user, code=code)
    ancestors = ancestors_of(region)
    children = list(
        restrict(Region.objects.filter(parent=region), user).annotate(child_count=Count("children")).order_by("grid_kind", "code")
    )
    grids = [r for r in [region, *children] if r.is_grid]
    workers = grid_workers_by_region(grids) if grids else {}
    shown = children if any(c.geometry for c in children) else [region]
    parents = {r.code: r for r in [*ancestors, region]}
    scope = scope_of(user)
    return RegionPage(
        region=region,
        ancestors=[(a, scope.covers_path(a.path)) for a in ancestors],
        children=children,
        workers=workers.get(region.pk, []),
        map_data=map_features(shown, workers, parents),
        child_levels=sorted({c.get_level_display() for c in children}),
    )


def scope_roots(user: User) -> list[Region]:
    """The top nodes of the user's scope (everything for a superuser: the tree's roots)."""
    if scope_of(user).unrestricted:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return list(scope_regions_of(user))


@dataclass
class Home:
    scope_roots: list[Region]
    my_grids: list[Region]
    map_data: dict | None
    counts: dict[str, int]


def home_for(user: User) -> Home:
    """What a signed-in user's home page shows: their area, and for a grid worker their grids on a map."""
    roots = scope_roots(user)
    my_grids = [r for r in roots if r.is_grid]
    map_data = None
    if my_grids:
        parents = ancestors_by_path([g.path for g in my_grids])
        map_data = map_features(my_grids, grid_workers_by_region(my_grids), parents)
    counts = {}
    if roots and not my_grids:
        rows = restrict(Region.objects.all(), user).values("level").annotate(n=Count("id"))
        labels = dict(RegionLevel.choices)
        counts = {str(labels[row["level"]]): row["n"] for row in rows.order_by("level")}
    return Home(scope_roots=roots, my_grids=my_grids, map_data=map_data, counts=counts)
