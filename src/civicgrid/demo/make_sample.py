"""Derive the small 苏州工业园区 sample shipped with civicgrid from the real data set in shared/data/sip-grid.

    python -m civicgrid.demo.make_sample /path/to/shared/data/sip-grid

Keeps two streets (斜塘街道 and 胜浦街道) with their communities and grids, simplifies every polygon with a 3e-5°
(about 3 m) tolerance, keeps topology, rounds coordinates to 1e-6° and drops the area/length properties. The real
inconsistencies of the source (a community code used twice, grids naming a community absent from the layer) are
kept on purpose: the importer must report them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import shape

STREETS = {"320505006": "斜塘街道", "320506010": "胜浦街道"}
FILES = {
    "sip_streets_wgs84.geojson": "streets.geojson",
    "sip_communities_wgs84.geojson": "communities.geojson",
    "sip_grids_zonghe_wgs84.geojson": "grids_comprehensive.geojson",
    "sip_grids_zhuanshu_wgs84.geojson": "grids_special.geojson",
}
DROP = {"Shape_Length", "Shape_Area", "OBJECTID"}
OUT = Path(__file__).parent / "data" / "sip-sample"


def keep(props: dict) -> bool:
    if props.get("街道"):
        return props["街道"] in STREETS.values()
    return props.get("street_code_9") in STREETS


def main(source: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for src_name, out_name in FILES.items():
        collection = json.loads((source / src_name).read_text(encoding="utf-8"))
        features = []
        for feature in collection["features"]:
            if not keep(feature["properties"]):
                continue
            geom = shape(feature["geometry"]).simplify(3e-5, preserve_topology=True)
            geom = shapely.set_precision(geom, 1e-6)
            props = {k: v for k, v in feature["properties"].items() if k not in DROP}
            features.append({"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))})
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
        (OUT / out_name).write_text(text + "\n", encoding="utf-8")
        print(f"{out_name}: {len(features)} features, {len(text) // 1024} KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
