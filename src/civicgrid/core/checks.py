import os

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def data_key(app_configs, **kwargs):
    """Personal data is encrypted with CIVICGRID_DATA_KEY: production must not start without a valid one."""
    if settings.DEBUG or getattr(settings, "TESTING", False) or os.environ.get("CIVICGRID_KEYLESS_COMMAND"):
        return []
    from civicgrid.core.crypto import _keys

    try:
        _keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="civicgrid.core.E001")]
    return []
