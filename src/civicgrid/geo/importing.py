"""Import one level of the region tree from a GeoJSON FeatureCollection or a CSV code list.

`import_regions()` reads the whole file, checks everything (codes, names, geometries, coordinate systems, parents,
clashes with the database) before it writes anything, then upserts every good feature in one transaction through
`civicgrid.geo.services.upsert_region` and bumps the tree version once. A file with any error imports nothing unless
`skip_invalid` is given. The management command `civicgrid regions import` is a thin wrapper around it; the demo
loader calls it directly.

Which property holds what, unless named explicitly:

- code: a property named ``code``; else the one property whose name contains 编码; else ``adcode`` (DataV files);
- name: ``name``; else the one property whose name contains 名称;
- full name (optional): ``full_name`` / ``fullname``; else the one property whose name contains 全称; when the file
  has none, an existing region keeps its full name;
- parent: never guessed; give `parent_field` (a property holding the parent's code) or `parent_code` (one parent
  for every feature). With neither, the features become top-level nodes.

Several candidates for one role is an error that asks for the field to be named. Parents must already be in the
database (import the tree top-down). A feature of a polygon layer whose parent is unknown is placed, with a warning,
under the deepest region above its level whose polygon contains its representative point.

Problems are located by a 0-based feature index (GeoJSON) or a 1-based line number (CSV, the header is line 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from pyproj.exceptions import ProjError

from civicgrid.geo.coords import (
    CHINA_LAT,
    CHINA_LON,
    SDK_CRS,
    WGS84,
    UnknownCRS,
    geometry_to_wgs84,
    normalise_crs,
    outside_china,
)
from civicgrid.geo.geometry import GeometryError, parse_geojson_geometry, validity_problem
from civicgrid.geo.models import GridKind, Region, RegionLevel, code_validator
from civicgrid.geo.services import bump_tree_version, upsert_region

LEVELS = {
    "city": RegionLevel.CITY,
    "district": RegionLevel.DISTRICT,
    "street": RegionLevel.STREET,
    "community": RegionLevel.COMMUNITY,
    "grid": RegionLevel.GRID,
    "subgrid": RegionLevel.SUBGRID,
}
GRID_LEVELS = (RegionLevel.GRID, RegionLevel.SUBGRID)
# Values of a grid-type property (GB/T 30428 wording, or ours).
GRID_KIND_VALUES = {
    "综合网格": GridKind.COMPREHENSIVE,
    "专属网格": GridKind.SPECIAL,
    GridKind.COMPREHENSIVE.value: GridKind.COMPREHENSIVE,
    GridKind.SPECIAL.value: GridKind.SPECIAL,
}
CSV_SUFFIXES = (".csv",)
# Sizes of the model's text fields, checked before writing.
NAME_MAX = Region._meta.get_field("name").max_length
FULL_NAME_MAX = Region._meta.get_field("full_name").max_length
# Codes per `code__in` query: below SQLite's limit on query parameters.
LOOKUP_CHUNK = 900


class RegionImportError(ValueError):
    """The import cannot start: the file cannot be read, or the arguments contradict each other."""


@dataclass(frozen=True)
class Problem:
    """One error or warning. `index` is None for a problem of the whole file; `field` names the property, column
    or option concerned ("" when none)."""

    index: int | None
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do), with every problem found."""

    source: str
    level: RegionLevel
    unit: str = "feature"  # "feature" (GeoJSON, 0-based index) or "line" (CSV, 1-based line number)
    dry_run: bool = False
    fields: dict[str, str] = field(default_factory=dict)  # role -> property used: code, name, full name, parent
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # features not imported because of their errors
    filtered: int = 0  # features left out by filter_parent
    imported: bool = False  # the good features were written (on a dry run: would have been)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def describe(self, problem: Problem) -> str:
        """'feature 178 (社区编码_12位数字): code … already used by feature 177 (兴浦社区)'."""
        where = "file" if problem.index is None else f"{self.unit} {problem.index}"
        if problem.field:
            where += f" ({problem.field})"
        return f"{where}: {problem.message}"

    def summary(self) -> str:
        level = RegionLevel(self.level).label
        if not self.imported:
            count = f"{len(self.errors)} error" + ("" if len(self.errors) == 1 else "s")
            return f"{self.source} ({level}): {count}, nothing imported"
        text = (f"{self.source} ({level}): {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} skipped")
        if self.filtered:
            text += f", {self.filtered} left out by the parent filter"
        if self.dry_run:
            text += " (dry run: nothing written)"
        return text

    def format(self) -> str:
        """The summary, the properties used, then one line per error and per warning."""
        lines = [self.summary()]
        if self.fields:
            lines.append("fields: " + ", ".join(f"{role}={name}" for role, name in self.fields.items()))
        lines += [f"error: {self.describe(p)}" for p in self.errors]
        lines += [f"warning: {self.describe(p)}" for p in self.warnings]
        return "\n".join(lines)


class _FileProblem(Exception):
    """A problem of the whole file: stops the checks; reported as a Problem without index."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class _Record:
    """One feature or CSV row as read, before any check."""

    index: int
    properties: dict
    geometry: object = None  # the GeoJSON geometry member (GeoJSON only)
    malformed: str = ""  # set when the entry is not a GeoJSON Feature at all


@dataclass
class _Source:
    unit: str
    fields: list[str]  # property names (GeoJSON: over all features) or CSV columns, in order
    records: list[_Record]
    has_geometry: bool
    crs: str | None = None  # the file's own declaration (GeoJSON's legacy `crs` member)


@dataclass
class _Candidate:
    """A feature that passed the checks of its own content; parent resolved later."""

    index: int
    code: str
    name: str
    full_name: str | None  # None: the file has no full name (an existing region keeps its own)
    grid_kind: str
    parent_code: str
    geometry: shapely.Geometry | None  # WGS-84; None for a code list
    attributes: dict
    parent: Region | None = None


# Rules to find a property when it is not named, in order; each is (test, description).
_Rule = tuple[Callable[[str], bool], str]
CODE_RULES: tuple[_Rule, ...] = ((lambda f: f.lower() == "code", "code"),
                                 (lambda f: "编码" in f, "*编码*"),
                                 (lambda f: f.lower() == "adcode", "adcode"))
NAME_RULES: tuple[_Rule, ...] = ((lambda f: f.lower() == "name", "name"),
                                 (lambda f: "名称" in f, "*名称*"))
FULL_NAME_RULES: tuple[_Rule, ...] = ((lambda f: f.lower() in ("full_name", "fullname"), "full_name"),
                                      (lambda f: "全称" in f, "*全称*"))


def import_regions(
    path: str | Path,
    *,
    level: str | int,
    code_field: str | None = None,
    name_field: str | None = None,
    full_name_field: str | None = None,
    parent_field: str | None = None,
    parent_code: str | None = None,
    grid_kind: str = GridKind.COMPREHENSIVE,
    grid_kind_field: str | None = None,
    crs: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    filter_parent: str | None = None,
    actor=None,
) -> ImportReport:
    """Import the regions of one level from a GeoJSON FeatureCollection or a CSV file (by its `.csv` suffix).

    level: "city" … "subgrid" (or a RegionLevel). code_field / name_field / full_name_field: property names, found
    as the module docstring says when not given. parent_field: the property holding the parent's code; parent_code:
    one parent for all features (not both). grid_kind: the kind of every grid ("comprehensive" or "special"), unless
    grid_kind_field names a property holding 综合网格 / 专属网格 (both are ignored for levels above grid). crs: "wgs84", "gcj02", "bd09" or "EPSG:nnnn"
    (default: the GeoJSON's legacy `crs` member, else WGS-84). filter_parent: only the features whose parent field
    equals this code. skip_invalid: import the good features and report the bad ones (without it, any error
    imports nothing). dry_run: check and count exactly as a real run, inside a transaction that is rolled back.
    actor: the user recorded in the change history.

    Text files are read as UTF-8 (with or without BOM), else GB18030. Raises RegionImportError when the file cannot
    be read or the arguments contradict each other; every other problem is in the returned report.
    """
    level = _parse_level(level)
    if parent_field and parent_code:
        raise RegionImportError("give a parent field or one fixed parent, not both")
    if filter_parent and not parent_field:
        raise RegionImportError("filtering by parent needs the parent field (--parent-field)")
    if grid_kind not in (GridKind.COMPREHENSIVE, GridKind.SPECIAL):
        raise RegionImportError(f"unknown grid type {grid_kind!r} (expected comprehensive or special)")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegionImportError(f"cannot read {path}: {exc.strerror or exc}") from None

    is_csv = path.suffix.lower() in CSV_SUFFIXES
    report = ImportReport(source=path.name, level=level, unit="line" if is_csv else "feature", dry_run=dry_run)
    try:
        text = _decode(data)
        source = _read_csv(text) if is_csv else _read_geojson(text)
        crs_name = _resolve_crs(crs, source)
        fields = _resolve_fields(source, code_field, name_field, full_name_field, parent_field, grid_kind_field,
                                 level, report)
        fixed_parent = _fixed_parent(parent_code, level) if parent_code else None
    except _FileProblem as problem:
        report.errors.append(Problem(None, problem.field, problem.message))
        return report

    records = source.records
    if filter_parent:
        records = [r for r in records if _text(r.properties.get(parent_field)) == filter_parent]
        report.filtered = len(source.records) - len(records)

    checker = _Checker(report, level, fields, grid_kind, crs_name, has_geometry=source.has_geometry)
    candidates = [c for c in (checker.check_record(r) for r in records) if c is not None]
    existing = _regions_by_code(c.code for c in candidates)
    candidates = checker.drop_clashes(candidates, existing)
    candidates = checker.place(candidates, fixed_parent, bool(parent_field))

    report.errors.sort(key=lambda p: p.index)
    report.warnings.sort(key=lambda p: p.index)
    report.skipped = len({p.index for p in report.errors})
    if report.errors and not skip_invalid:
        return report
    _write(report, candidates, existing, level, actor=actor, source=f"import:{path.name}", dry_run=dry_run)
    return report


def _parse_level(level: str | int) -> RegionLevel:
    if isinstance(level, str) and level.lower() in LEVELS:
        return LEVELS[level.lower()]
    try:
        return RegionLevel(int(level))
    except (TypeError, ValueError):
        raise RegionImportError(f"unknown level {level!r} (expected one of {', '.join(LEVELS)})") from None


def _text(value) -> str:
    """A property value as text: numbers without a spurious '.0' (codes exported as numbers), None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _FileProblem("not text in UTF-8 or GB18030") from None


def _read_geojson(text: str) -> _Source:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _FileProblem(f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise _FileProblem(f"not a GeoJSON FeatureCollection (found {found!r})")
    records = []
    for index, feature in enumerate(data["features"]):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            records.append(_Record(index, {}, malformed="not a GeoJSON Feature"))
            continue
        properties = feature.get("properties")
        records.append(_Record(index, properties if isinstance(properties, dict) else {}, feature.get("geometry")))
    names = list(dict.fromkeys(name for r in records for name in r.properties))
    return _Source("feature", names, records, has_geometry=True, crs=_declared_crs(data.get("crs")))


def _declared_crs(member) -> str | None:
    """The legacy (2008 GeoJSON) `crs` member: {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}}
    or {"type": "EPSG", "properties": {"code": 4547}}."""
    if member is None:
        return None
    properties = member.get("properties") if isinstance(member, dict) else None
    if isinstance(properties, dict):
        if properties.get("name"):
            return str(properties["name"])
        if properties.get("code"):
            return f"EPSG:{properties['code']}"
    raise _FileProblem(f"crs member not understood: {json.dumps(member, ensure_ascii=False)[:200]}", "crs")


def _read_csv(text: str) -> _Source:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records = []
    try:
        if not reader.fieldnames:
            raise _FileProblem("empty CSV file (no header line)")
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        for row in reader:
            records.append(_Record(reader.line_num, {k: v for k, v in row.items() if k is not None}))
    except csv.Error as exc:
        raise _FileProblem(f"malformed CSV at line {reader.line_num}: {exc}") from None
    return _Source("line", list(reader.fieldnames), records, has_geometry=False)


def _resolve_crs(option: str | None, source: _Source) -> str:
    name, where = (option, "--crs") if option else (source.crs, "crs")
    try:
        return normalise_crs(name)
    except UnknownCRS as exc:
        raise _FileProblem(str(exc), where) from None
    except ProjError:  # a CRS pyproj knows but cannot convert to WGS-84 (another planet's, an engineering one)
        raise _FileProblem(f"coordinate system {name!r} cannot be converted to WGS-84 "
                           "(use wgs84, gcj02, bd09 or EPSG:nnnn)", where) from None


def _named_field(explicit: str, names: list[str], option: str) -> str:
    if explicit not in names:
        raise _FileProblem(f"no property {explicit!r} in the file (it has: {', '.join(names) or 'none'})", option)
    return explicit


def _find_field(explicit: str | None, names: list[str], rules: tuple[_Rule, ...], *, role: str, option: str,
                required: bool) -> str | None:
    """The named property, else the one the first matching rule finds; several matches is a problem."""
    if explicit:
        return _named_field(explicit, names, option)
    for test, _description in rules:
        matches = [name for name in names if test(name)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise _FileProblem(f"several properties could hold the {role} ({', '.join(matches)}): name one with {option}",
                               option)
    if required:
        looked = ", ".join(description for _test, description in rules)
        raise _FileProblem(f"no property for the {role} (looked for {looked}): name it with {option}", option)
    return None


@dataclass(frozen=True)
class _Fields:
    code: str
    name: str
    full_name: str | None
    parent: str | None
    grid_kind: str | None


def _resolve_fields(source: _Source, code_field, name_field, full_name_field, parent_field, grid_kind_field,
                    level: RegionLevel, report: ImportReport) -> _Fields:
    names = source.fields
    fields = _Fields(
        code=_find_field(code_field, names, CODE_RULES, role="code", option="--code-field", required=True),
        name=_find_field(name_field, names, NAME_RULES, role="name", option="--name-field", required=True),
        full_name=_find_field(full_name_field, names, FULL_NAME_RULES, role="full name", option="--full-name-field",
                              required=False),
        parent=_named_field(parent_field, names, "--parent-field") if parent_field else None,
        grid_kind=(_named_field(grid_kind_field, names, "--grid-kind-field")
                   if grid_kind_field and level in GRID_LEVELS else None),
    )
    report.fields = {role: name for role, name in (("code", fields.code), ("name", fields.name),
                                                   ("full name", fields.full_name), ("parent", fields.parent),
                                                   ("grid type", fields.grid_kind)) if name}
    return fields


def _fixed_parent(code: str, level: RegionLevel) -> Region:
    parent = Region.objects.filter(code=code).first()
    if parent is None:
        raise _FileProblem(f"parent {code} is not in the database", "--parent")
    if parent.level >= level:
        raise _FileProblem(f"parent {parent} is a {RegionLevel(parent.level).label}, which cannot hold a "
                           f"{RegionLevel(level).label}", "--parent")
    return parent


def _regions_by_code(codes: Iterable[str]) -> dict[str, Region]:
    codes = sorted(set(codes))
    found = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        found.update((r.code, r) for r in Region.objects.filter(code__in=codes[start:start + LOOKUP_CHUNK]))
    return found


def _unknown_parent(c: _Candidate) -> str:
    return f"parent {c.parent_code} unknown" if c.parent_code else "no parent code"


def _representative_points(candidates: list[_Candidate]) -> np.ndarray:
    return shapely.point_on_surface(np.array([c.geometry for c in candidates], dtype=object))


class _Checker:
    """The checks, in the order import_regions runs them; each adds its problems to the report."""

    def __init__(self, report: ImportReport, level: RegionLevel, fields: _Fields, grid_kind: str, crs: str, *,
                 has_geometry: bool):
        self.report = report
        self.level = level
        self.fields = fields
        self.grid_kind = grid_kind
        self.crs = crs
        self.has_geometry = has_geometry
        self.first_by_code: dict[str, tuple[int, str]] = {}  # code -> (index, name) of its first feature

    def error(self, index: int, field_name: str, message: str) -> None:
        self.report.errors.append(Problem(index, field_name, message))

    def warning(self, index: int, field_name: str, message: str) -> None:
        self.report.warnings.append(Problem(index, field_name, message))

    def check_record(self, record: _Record) -> _Candidate | None:
        """The checks of one feature on its own: code, names, grid type, geometry."""
        if record.malformed:
            self.error(record.index, "", record.malformed)
            return None
        props, fields, index = record.properties, self.fields, record.index
        errors_before = len(self.report.errors)
        code = _text(props.get(fields.code))
        if not code:
            self.error(index, fields.code, "missing code")
        else:
            try:
                code_validator(code)
            except ValidationError as exc:
                self.error(index, fields.code, f"code {code!r} is not valid: {exc.messages[0]}")
        name = _text(props.get(fields.name))
        if code and len(self.report.errors) == errors_before:
            # The first feature with a code keeps it, whatever else is wrong with either; later ones are errors.
            earlier_index, earlier_name = self.first_by_code.setdefault(code, (index, name))
            if earlier_index != index:
                self.error(index, fields.code,
                           f"code {code} already used by {self.report.unit} {earlier_index} ({earlier_name})")
        if not name:
            self.error(index, fields.name, "missing name")
        elif len(name) > NAME_MAX:
            self.error(index, fields.name, f"name longer than {NAME_MAX} characters")
        full_name = _text(props.get(fields.full_name)) if fields.full_name else None
        if full_name and len(full_name) > FULL_NAME_MAX:
            self.error(index, fields.full_name, f"full name longer than {FULL_NAME_MAX} characters")
        kind = self.grid_kind
        if fields.grid_kind:
            value = _text(props.get(fields.grid_kind))
            kind = GRID_KIND_VALUES.get(value)
            if kind is None:
                self.error(index, fields.grid_kind, f"grid type {value!r} unknown (expected 综合网格 or 专属网格)")
        geometry = None
        if self.has_geometry:
            geometry, problem = self.check_geometry(record.geometry)
            if problem:
                self.error(index, "geometry", problem)
        if len(self.report.errors) > errors_before:
            return None
        return _Candidate(index, code, name, full_name, kind, _text(props.get(fields.parent)) if fields.parent else "",
                          geometry, props)

    def check_geometry(self, obj) -> tuple[shapely.Geometry | None, str | None]:
        """(the polygon in WGS-84, None) or (None, what is wrong with it)."""
        try:
            raw = shapely.force_2d(parse_geojson_geometry(obj))
        except GeometryError as exc:
            return None, str(exc)
        reason = validity_problem(raw)
        if reason:
            return None, f"invalid geometry: {reason}"
        geometry = geometry_to_wgs84(raw, self.crs)
        if outside_china(geometry):
            return None, self.outside_message(raw, geometry)
        if self.crs != WGS84:
            reason = validity_problem(geometry)
            if reason:
                return None, f"invalid geometry after conversion from {self.crs}: {reason}"
        return geometry, None

    def outside_message(self, raw: shapely.Geometry, geometry: shapely.Geometry) -> str:
        x, y = shapely.get_coordinates(raw)[0]
        if self.crs in SDK_CRS and CHINA_LAT[0] <= x <= CHINA_LAT[1] and CHINA_LON[0] <= y <= CHINA_LON[1]:
            return f"coordinates look like latitude, longitude (x={x:.4f}, y={y:.4f}): GeoJSON puts longitude first"
        if self.crs in SDK_CRS and (abs(x) > 180 or abs(y) > 90):
            return f"coordinates look projected (x={x:.1f}): give --crs EPSG:nnnn"
        lon, lat = shapely.get_coordinates(geometry)[0]
        return f"coordinates outside China (lon={lon:.4f}, lat={lat:.4f} when read as {self.crs})"

    def drop_clashes(self, candidates: list[_Candidate], existing: dict[str, Region]) -> list[_Candidate]:
        """A code held in the database by a region of another level cannot be reused."""
        kept = []
        for c in candidates:
            region = existing.get(c.code)
            if region is not None and region.level != self.level:
                self.error(c.index, self.fields.code,
                           f"code {c.code} already belongs to the {RegionLevel(region.level).label} {region.name}: "
                           f"it cannot become a {RegionLevel(self.level).label}")
            else:
                kept.append(c)
        return kept

    def place(self, candidates: list[_Candidate], fixed_parent: Region | None, by_field: bool) -> list[_Candidate]:
        """Give each candidate its parent; warn about features that lie outside the parent they were given."""
        if fixed_parent is not None:
            for c in candidates:
                c.parent = fixed_parent
            given, placed = candidates, []
        elif by_field:
            given, placed = self.place_by_field(candidates)
        else:
            return candidates  # top-level nodes
        self.check_containment([c for c in given if c.geometry is not None and c.parent.geometry])
        self.check_code_structure(given + placed)
        return sorted(given + placed, key=lambda c: c.index)

    def check_code_structure(self, candidates: list[_Candidate]) -> None:
        """GB/T 30428: a community's code is its street's code + 3 digits, a grid's its community's + 3. Warned, kept."""
        if self.level not in (RegionLevel.COMMUNITY, *GRID_LEVELS):
            return
        for c in candidates:
            parent = c.parent
            if parent.level < self.level - 1 and self.level != RegionLevel.SUBGRID:
                continue  # placed above the usual parent level: there is no code to extend
            tail = c.code[len(parent.code):]
            if not (c.code.startswith(parent.code) and len(tail) == 3 and tail.isdigit()):
                self.warning(c.index, self.fields.code,
                             f"code {c.code} is not the code of its {RegionLevel(parent.level).label} "
                             f"{parent.code} followed by 3 digits (GB/T 30428)")

    def place_by_field(self, candidates: list[_Candidate]) -> tuple[list[_Candidate], list[_Candidate]]:
        """(placed under the parent their field names, placed by their polygon because that parent is unknown)."""
        parents = _regions_by_code(c.parent_code for c in candidates if c.parent_code)
        given, homeless = [], []
        for c in candidates:
            parent = parents.get(c.parent_code)
            if parent is None:
                homeless.append(c)
            elif parent.level >= self.level:
                self.error(c.index, self.fields.parent,
                           f"parent {parent} is a {RegionLevel(parent.level).label}, which cannot hold a "
                           f"{RegionLevel(self.level).label}")
            else:
                c.parent = parent
                given.append(c)
        return given, self.place_by_polygon(homeless)

    def place_by_polygon(self, homeless: list[_Candidate]) -> list[_Candidate]:
        """Under the deepest region above this level that contains the representative point (one STRtree)."""
        if not homeless:
            return []
        if not self.has_geometry:
            for c in homeless:
                self.error(c.index, self.fields.parent, f"{_unknown_parent(c)} (not in the database)")
            return []
        # Special-purpose grids overlap the comprehensive ones: a second-level grid belongs in a comprehensive one.
        regions = list(Region.objects.filter(level__lt=self.level).exclude(geometry="").exclude(grid_kind=GridKind.SPECIAL))
        hits: dict[int, list[Region]] = {}
        if regions:
            tree = shapely.STRtree(shapely.from_geojson(np.array([r.geometry for r in regions], dtype=object)))
            point_idx, region_idx = tree.query(_representative_points(homeless), predicate="within")
            for p, r in zip(point_idx.tolist(), region_idx.tolist(), strict=True):
                hits.setdefault(p, []).append(regions[r])
        placed = []
        for i, c in enumerate(homeless):
            containing = hits.get(i)
            if not containing:
                self.error(c.index, self.fields.parent,
                           f"{_unknown_parent(c)} (not in the database) and no region contains the feature")
                continue
            c.parent = min(containing, key=lambda r: (-r.level, r.area_m2 or 0.0, r.code))
            self.warning(c.index, self.fields.parent,
                         f"{_unknown_parent(c)}; placed under {c.parent.name} ({c.parent.code}) which contains it")
            placed.append(c)
        return placed

    def check_containment(self, candidates: list[_Candidate]) -> None:
        """GB/T 30428: a grid lies inside its community, a community inside its street. Kept, with a warning."""
        if not candidates:
            return
        shapes: dict[int, shapely.Geometry] = {}
        for c in candidates:
            if c.parent.pk not in shapes:
                shapes[c.parent.pk] = shapely.from_geojson(c.parent.geometry)
                shapely.prepare(shapes[c.parent.pk])
        points = _representative_points(candidates)
        for c, point in zip(candidates, points, strict=True):
            if not shapely.contains(shapes[c.parent.pk], point):
                parent = c.parent
                self.warning(c.index, self.fields.parent or "--parent",
                             f"{RegionLevel(self.level).label} {c.code} lies outside its "
                             f"{RegionLevel(parent.level).label} {parent.name} ({parent.code}); kept under it")


def _write(report: ImportReport, candidates: list[_Candidate], existing: dict[str, Region], level: RegionLevel, *,
           actor, source: str, dry_run: bool) -> None:
    """Upsert every candidate in one transaction; bump the tree version once; roll back on a dry run."""
    with transaction.atomic():
        for c in candidates:
            before = existing.get(c.code)
            attributes = c.attributes
            if c.geometry is None and before is not None:
                attributes = {**before.attributes, **attributes}  # a code list adds to what a polygon layer said
            full_name = c.full_name if c.full_name is not None else (before.full_name if before else "")
            result = upsert_region(
                code=c.code, name=c.name, level=level, parent=c.parent, geometry=c.geometry,
                keep_geometry=c.geometry is None, grid_kind=c.grid_kind, full_name=full_name, attributes=attributes,
                actor=actor, source=source, bump_version=False,
            )
            setattr(report, result.outcome, getattr(report, result.outcome) + 1)
        if dry_run:
            transaction.set_rollback(True)
        elif report.created or report.updated:
            bump_tree_version()
    report.imported = True
