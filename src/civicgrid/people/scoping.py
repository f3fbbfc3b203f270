"""The one place that applies a user's data scope to a queryset (as NetBox's RestrictedQuerySet.restrict()).

A model takes part by naming, in `scope_path_field`, the lookup that reaches a region path: "path" for Region itself,
"region__path" or "grid__path" for records placed in the tree. A user sees the records whose path lies in one of
their granted subtrees; a superuser sees everything; anyone else sees nothing. A single object outside the scope is
answered with 404, never 403, so that its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from civicgrid.geo.models import subtree_upper_bound


@dataclass(frozen=True)
class DataScope:
    unrestricted: bool
    paths: tuple[str, ...]
    department_id: int | None

    def covers_path(self, path: str) -> bool:
        return self.unrestricted or any(path.startswith(p) for p in self.paths)


_EMPTY = DataScope(False, (), None)


def _minimal(paths: list[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so the query has as few ranges as possible."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


def scope_of(user) -> DataScope:
    """The user's scope, read once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _EMPTY
    cached = getattr(user, "_civicgrid_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = DataScope(True, (), user.department_id)
    else:
        from civicgrid.people.models import ScopeGrant

        paths = list(ScopeGrant.objects.filter(user=user).values_list("region__path", flat=True))
        scope = DataScope(False, _minimal(paths), user.department_id)
    user._civicgrid_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_civicgrid_scope"):
        del user._civicgrid_scope


def scope_q(scope: DataScope, path_field: str) -> Q | None:
    """The filter for `scope` on `path_field`; None means no restriction."""
    if scope.unrestricted:
        return None
    q = Q(pk__in=[])
    for path in scope.paths:
        q |= Q(**{f"{path_field}__gte": path, f"{path_field}__lt": subtree_upper_bound(path)})
    return q


def restrict(queryset: QuerySet, user) -> QuerySet:
    """`queryset` cut down to what `user` may see."""
    path_field = getattr(queryset.model, "scope_path_field", None)
    if path_field is None:
        raise TypeError(f"{queryset.model.__name__} has no scope_path_field: it cannot be scoped")
    q = scope_q(scope_of(user), path_field)
    return queryset if q is None else queryset.filter(q)


def get_in_scope_or_404(queryset: QuerySet, user, **lookup) -> Model:
    try:
        return restrict(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} here") from None
