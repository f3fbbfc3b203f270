"""Reads of the people app."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.geo.models import Region
from civicgrid.people.models import Role, ScopeGrant, TotpDevice, User


def grid_workers_by_region(regions: list[Region]) -> dict[int, list[User]]:
    """region id -> the active grid workers whose scope names that region (one query for all)."""
    result: dict[int, list[User]] = {r.pk: [] for r in regions}
    grants = (
        ScopeGrant.objects.filter(region__in=regions, user__role=Role.GRID_WORKER, user__is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    for grant in grants:
        result[grant.region_id].append(grant.user)
    return result


def scope_regions_of(user: User) -> QuerySet[Region]:
    return Region.objects.filter(scope_grants__user=user).order_by("path")


def totp_device(user: User) -> TotpDevice | None:
    """The user's second factor, enrolled or being enrolled (its secret stays encrypted here)."""
    return TotpDevice.objects.filter(user=user).first()


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
