from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from civicgrid.cases import notifications, tasks  # noqa: F401  (tasks register with the huey consumer)
        from civicgrid.cases.services import case_changed

        case_changed.connect(notifications.on_case_changed, dispatch_uid="civicgrid.cases.notifications")
