"""Pages of the base data, mounted at /registry/ (civicgrid.urls): search and record pages (views), imports
(import_views), the grid worker's household visit (visit_views) and the map of components and organisations
(map_views)."""

from django.urls import path

from civicgrid.registry import import_views, map_views, views, visit_views

app_name = "registry"

urlpatterns = [
    path("", views.people, name="people"),
    path("people/lookup/", views.lookup, name="lookup"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("houses/", views.houses, name="houses"),
    path("houses/<int:pk>/", views.house, name="house"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("components/", views.components, name="components"),
    path("components/<int:pk>/", views.component, name="component"),
    path("export/<str:kind>/", views.export, name="export"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.import_job, name="import"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("imports/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", import_views.import_template, name="import_template"),
    path("visit/", visit_views.houses, name="visit_houses"),
    path("visit/houses/<int:pk>/", visit_views.house_detail, name="visit_house"),
    path("visit/houses/<int:pk>/edit/", visit_views.house_edit, name="visit_house_edit"),
    path("visit/houses/<int:pk>/newcomer/", visit_views.newcomer, name="visit_newcomer"),
    path("visit/houses/<int:pk>/residents/<int:person_pk>/", visit_views.resident_edit, name="visit_resident"),
    path("visit/houses/<int:pk>/residents/<int:person_pk>/move-out/", visit_views.resident_move_out,
         name="visit_move_out"),
    path("map/", map_views.map_page, name="map"),
    path("map/features/", map_views.map_features, name="map_features"),
]
