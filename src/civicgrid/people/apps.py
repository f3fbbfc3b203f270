from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "civicgrid.people"
    label = "people"
    verbose_name = _("People, departments and data scopes")

    def ready(self) -> None:
        from civicgrid.people import auth  # noqa: F401  (records the second factor's state at every login)
