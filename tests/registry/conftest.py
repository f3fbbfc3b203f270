import pytest


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    """Uploaded import files go to the test's own folder."""
    settings.REGISTRY_IMPORT_DIR = tmp_path / "imports"
