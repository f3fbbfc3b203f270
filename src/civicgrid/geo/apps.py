from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "civicgrid.geo"
    label = "geo"
    verbose_name = _("Regions and grids")

    def ready(self) -> None:
        from civicgrid.geo import checks  # noqa: F401  (registers the path-collation check)
