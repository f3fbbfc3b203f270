from django.conf import settings

from civicgrid.people.models import ADMIN_SITE_ROLES
from civicgrid.people.roles import needs_second_factor


def site(request):
    user = getattr(request, "user", None)
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "uses_second_factor": bool(user and user.is_authenticated and needs_second_factor(user)),
        "can_use_admin": bool(user and user.is_authenticated and (user.is_superuser or user.role in ADMIN_SITE_ROLES)),
    }
