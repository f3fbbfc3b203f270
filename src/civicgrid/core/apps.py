from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"
    verbose_name = _("Audit and history")

    def ready(self) -> None:
        from civicgrid.core import checks, signals  # noqa: F401  (system check; login/logout audit rows)
