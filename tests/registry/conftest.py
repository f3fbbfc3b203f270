import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    """Uploaded import files go to the test's own folder."""
    settings.REGISTRY_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Service and import messages are translated (Chinese by default); tests read them in English unless they
    choose otherwise. Pages are unaffected: each request activates its own language."""
    with translation.override("en"):
        yield
