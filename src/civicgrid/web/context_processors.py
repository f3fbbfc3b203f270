from django.conf import settings

from civicgrid.people.models import ADMIN_SITE_ROLES


def site(request):
    user = getattr(request, "user", None)
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "can_use_admin": bool(user and user.is_authenticated and (user.is_superuser or user.role in ADMIN_SITE_ROLES)),
    }
