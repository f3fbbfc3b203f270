"""Pages of the base data (registry search, records, the import page, the grid worker's household visit)."""

from django.urls import path  # noqa: F401

app_name = "registry"

urlpatterns: list = []
