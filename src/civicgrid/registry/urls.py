"""Pages of the base data (registry search, records, the import page, the grid worker's household visit).

Mounted at /registry/ (civicgrid.urls). The search and record pages are here; other pages of the registry (imports,
visits, the map layer) add their own routes from their own modules.
"""

from django.urls import path

from civicgrid.registry import views

app_name = "registry"

urlpatterns: list = [
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
]
