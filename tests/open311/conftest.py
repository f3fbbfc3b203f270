"""Open311 fixtures: the case fixtures (categories, responsibility list), an API key, a fresh rate-limit cache."""

import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.open311.services import create_key
from tests.cases.conftest import categories, photo, responsibility  # noqa: F401  (fixtures shared with the cases tests)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(db):
    """The key a partner app was given (the raw string, as the app holds it)."""
    return create_key("市民通 App", source="test")[1]


@pytest.fixture
def client():
    """An Open311 client that asks for English (the API follows Accept-Language; pages default to Chinese)."""
    return Client(headers={"Accept-Language": "en"})
