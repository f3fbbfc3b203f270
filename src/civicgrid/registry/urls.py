"""Pages of the base data (registry search, records, the import page, the grid worker's household visit)."""

from django.urls import path

from civicgrid.registry import import_views

app_name = "registry"

urlpatterns = [
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.import_job, name="import"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("imports/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", import_views.import_template, name="import_template"),
]
