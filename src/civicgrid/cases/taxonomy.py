"""The category taxonomy (分类) and its services: GB/T 30428.2 components and events, 12345 request types.

This module is the categories' services room (DESIGN.md rule 1): `upsert_category` is the one function that writes a
Category, with its change-history row (rule 7). The taxonomy itself is data, not code (rule 9): the default ships as
``data/categories.json`` (see ``data/SOURCE.md``); a city loads its own file with ``civicgrid categories load FILE``.

The file is a JSON object whose ``categories`` member is a list of nodes; a node is an object with ``code``, ``name``,
``kind`` (component / event / request; children inherit their parent's kind), optional ``description``, optional
``is_active`` and optional ``children`` (a list of nodes, any depth). Siblings are ordered as the file lists them.

`load_categories` checks the whole file before writing anything, then upserts every node by code in one transaction.
It never deletes or deactivates a category the file does not name (cases point at categories); to retire one, give it
``"is_active": false``. Loading the same file twice writes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from civicgrid.cases.models import Category, CategoryKind
from civicgrid.core.services import save_with_history, snapshot

DEFAULT_FILE = Path(__file__).parent / "data" / "categories.json"
HISTORY_FIELDS = ["code", "name", "kind", "parent_id", "description", "is_active", "sort_order"]
NODE_KEYS = {"code", "name", "kind", "description", "is_active", "children"}
CODE_MAX = Category._meta.get_field("code").max_length
NAME_MAX = Category._meta.get_field("name").max_length
DESCRIPTION_MAX = Category._meta.get_field("description").max_length
SORT_STEP = 10  # room to slot a local category between two shipped ones without renumbering


class CategoryError(ValueError):
    """A category cannot be written as asked (a loop in the tree, a parent of another kind)."""


class CategoryFileError(ValueError):
    """The taxonomy file cannot be loaded; `problems` lists every problem found, one line each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        super().__init__(f"{source}: {count}, nothing loaded\n" + "\n".join(f"error: {p}" for p in problems))


@dataclass
class LoadCounts:
    """What a load did."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # nodes in the file per kind

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def format(self) -> str:
        kinds = ", ".join(f"{CategoryKind(k).label} {n}" for k, n in self.by_kind.items())
        return (f"{self.source}: {self.total} categories ({kinds}): {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")


@transaction.atomic
def upsert_category(*, code: str, name: str, kind: str, parent: Category | None = None, description: str = "",
                    sort_order: int = 0, is_active: bool | None = None, actor=None,
                    source: str = "") -> tuple[Category, str]:
    """Create the category with this code or bring it up to date; returns it and "created" / "updated" / "unchanged".

    `is_active` None leaves an existing category's flag as it is (a new one is active). Raises CategoryError for a
    parent of another kind or a parent that lies below the category itself.
    """
    if kind not in CategoryKind.values:
        raise CategoryError(f"{code}: unknown kind {kind!r} (one of {', '.join(CategoryKind.values)})")
    if parent is not None and parent.kind != kind:
        raise CategoryError(f"{code}: a {kind} category cannot sit under the {parent.kind} category {parent.code}")
    category = Category.objects.select_for_update().filter(code=code).first()
    if category is not None and parent is not None:
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == category.pk:
                raise CategoryError(f"{code}: cannot sit under {parent.code}, which lies below it")
            ancestor = ancestor.parent
    created = category is None
    before = None if created else snapshot(category, HISTORY_FIELDS)
    category = category or Category(code=code, is_active=True)
    category.name, category.kind, category.parent = name, kind, parent
    category.description, category.sort_order = description, sort_order
    if is_active is not None:
        category.is_active = is_active
    return category, save_with_history(category, HISTORY_FIELDS, before=before, actor=actor, source=source)


@dataclass
class _Node:
    code: str
    name: str
    kind: str
    parent_code: str | None
    description: str
    is_active: bool | None
    sort_order: int


def _flatten(nodes, parent: _Node | None, where: str, problems: list[str], out: list[_Node]) -> None:
    if not isinstance(nodes, list):
        problems.append(f"{where}: expected a list of categories")
        return
    for position, raw in enumerate(nodes, start=1):
        at = f"{where}[{position - 1}]"
        if not isinstance(raw, dict):
            problems.append(f"{at}: expected an object with code and name")
            continue
        code, name = raw.get("code"), raw.get("name")
        at = f"{at} ({code})" if isinstance(code, str) and code else at
        unknown = sorted(set(raw) - NODE_KEYS)
        if unknown:
            problems.append(f"{at}: unknown member(s) {', '.join(unknown)} (allowed: {', '.join(sorted(NODE_KEYS))})")
        if not isinstance(code, str) or not code.strip():
            problems.append(f"{at}: code missing")
            continue
        code = code.strip()
        if len(code) > CODE_MAX or any(ch.isspace() for ch in code):
            problems.append(f"{at}: code must be 1-{CODE_MAX} characters without spaces")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{at}: name missing")
            name = ""
        elif len(name.strip()) > NAME_MAX:
            problems.append(f"{at}: name longer than {NAME_MAX} characters")
        kind = raw.get("kind", parent.kind if parent else None)
        if kind not in CategoryKind.values:
            problems.append(f"{at}: kind must be one of {', '.join(CategoryKind.values)}" +
                            ("" if kind is None else f", not {kind!r}"))
        elif parent is not None and kind != parent.kind:
            problems.append(f"{at}: kind {kind} differs from its parent {parent.code}'s kind {parent.kind}")
        description = raw.get("description", "")
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            problems.append(f"{at}: description must be text of at most {DESCRIPTION_MAX} characters")
            description = ""
        is_active = raw.get("is_active")
        if is_active is not None and not isinstance(is_active, bool):
            problems.append(f"{at}: is_active must be true or false")
            is_active = None
        node = _Node(code, name.strip() if isinstance(name, str) else "", kind, parent.code if parent else None,
                     description.strip(), is_active, position * SORT_STEP)
        out.append(node)
        if "children" in raw:
            _flatten(raw["children"], node, f"{at}.children", problems, out)


def read_category_file(path: str | Path) -> list[_Node]:
    """Parse and check a taxonomy file; raises CategoryFileError listing every problem. Parents come first."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CategoryFileError(str(path), ["file not found"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CategoryFileError(str(path), [f"not a UTF-8 JSON file: {exc}"]) from None
    if not isinstance(data, dict) or "categories" not in data:
        raise CategoryFileError(str(path), ['expected a JSON object with a "categories" list'])
    problems: list[str] = []
    nodes: list[_Node] = []
    _flatten(data["categories"], None, "categories", problems, nodes)
    seen: dict[str, int] = {}
    for n, node in enumerate(nodes):
        if node.code in seen:
            problems.append(f"code {node.code} appears twice ({nodes[seen[node.code]].name} and {node.name})")
        seen.setdefault(node.code, n)
    if problems:
        raise CategoryFileError(str(path), problems)
    return nodes


def load_categories(path: str | Path | None = None, *, actor=None, source: str | None = None) -> LoadCounts:
    """Load a taxonomy file (default: the shipped data/categories.json); idempotent upsert by code.

    Everything is checked first (CategoryFileError lists every problem; nothing is written), then all nodes are
    written in one transaction through `upsert_category`, each change with its history row.
    """
    path = Path(path) if path else DEFAULT_FILE
    label = path.name if path == DEFAULT_FILE else str(path)
    nodes = read_category_file(path)
    counts = LoadCounts(source=label)
    for node in nodes:
        counts.by_kind[node.kind] = counts.by_kind.get(node.kind, 0) + 1
    source = source if source is not None else f"categories load {label}"
    with transaction.atomic():
        written: dict[str, Category] = {}
        for node in nodes:
            parent = written[node.parent_code] if node.parent_code else None
            try:
                category, outcome = upsert_category(
                    code=node.code, name=node.name, kind=node.kind, parent=parent, description=node.description,
                    sort_order=node.sort_order, is_active=node.is_active, actor=actor, source=source)
            except CategoryError as exc:  # clashes with categories already in the database
                raise CategoryFileError(label, [str(exc)]) from None
            written[node.code] = category
            setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts
